"""Files held between an import's preview and its apply (see core.models.Upload)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from bihuan.core.models import Upload


def keep(actor: Any, filename: str, content: bytes) -> Upload:
    """Keep an uploaded file for its uploader; `bihuan tick` removes it after a day."""
    return Upload.objects.create(
        token=uuid.uuid4().hex, filename=Path(filename).name[:255], content=content, created_by=actor
    )


def take(actor: Any, token: str) -> Upload | None:
    """The file this person uploaded under `token`; nobody else's."""
    return Upload.objects.filter(token=token, created_by=actor).first()


def discard(upload: Upload) -> None:
    upload.delete()
