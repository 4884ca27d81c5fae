"""The file store: evidence files (佐证材料) and published documents, kept once each by their SHA-256 under
FILES_ROOT, so a name typed by a user never becomes a path. Every app keeps and serves files through here."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class KeptFile:
    """What a model row records of a kept file."""

    filename: str
    size: int
    sha256: str
    content_type: str


def stored_file_path(digest: str) -> Path:
    """Where the file with this SHA-256 lives: FILES_ROOT/ab/abcd…"""
    return Path(settings.FILES_ROOT) / digest[:2] / digest


def keep_bytes(content: bytes) -> str:
    """Write the content under its SHA-256 unless it is there already; returns the digest. The write is
    atomic (a temporary file renamed), so a reader never sees half a file."""
    digest = hashlib.sha256(content).hexdigest()
    path = stored_file_path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(content)
        os.replace(handle.name, path)
    return digest


def _too_large(name: str, size: int, limit: int) -> ValidationError:
    return ValidationError(
        _("%(name)s is %(size)s MB; at most %(limit)s MB are allowed.")
        % {"name": name, "size": round(size / 2**20, 1), "limit": round(limit / 2**20, 1)}
    )


def check_evidence(filename: str, content: bytes) -> str:
    """The file's clean name, if the deployment accepts it as evidence (size and type limits); else a
    ValidationError that names the file and says what is allowed."""
    name = Path(filename).name.strip()[:255]
    limit = settings.BIHUAN["ATTACHMENT_MAX_BYTES"]
    allowed = settings.BIHUAN["ATTACHMENT_TYPES"]
    if not name:
        raise ValidationError(_("Choose a file."))
    if len(content) > limit:
        raise _too_large(name, len(content), limit)
    if not content:
        raise ValidationError(_("%(name)s is empty.") % {"name": name})
    if Path(name).suffix.lower() not in allowed:
        raise ValidationError(
            _("%(name)s: files of this type are not accepted; allowed: %(types)s")
            % {"name": name, "types": " ".join(allowed)}
        )
    return name


def read_upload(upload: Any) -> tuple[str, bytes]:
    """An uploaded file's name and content; its size is checked before it is read, so an oversized upload
    is refused without being loaded into memory."""
    limit = settings.BIHUAN["ATTACHMENT_MAX_BYTES"]
    if upload.size > limit:
        raise _too_large(Path(upload.name).name, upload.size, limit)
    return upload.name, upload.read()


def keep_evidence(filename: str, content: bytes) -> KeptFile:
    """Check an evidence file and keep it; the caller records the returned facts in its own row."""
    name = check_evidence(filename, content)
    digest = keep_bytes(content)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return KeptFile(filename=name, size=len(content), sha256=digest, content_type=content_type)


def kept_file_response(sha256: str, filename: str, content_type: str, *, inline: bool = False) -> FileResponse:
    """Serve a kept file under the name it was given; 404 when the store has lost it."""
    path = stored_file_path(sha256)
    if not path.is_file():
        raise Http404(_("The file is missing from the server's file store."))
    response = FileResponse(path.open("rb"), as_attachment=not inline, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
