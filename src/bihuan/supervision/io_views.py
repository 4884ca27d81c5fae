"""Downloads of key tasks: the ledger (台账) of exactly what the task list shows."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest
from django.utils import timezone

from bihuan.core.policy import policy
from bihuan.supervision import selectors
from bihuan.supervision.ledger import CONTENT_TYPE, ledger_title, write_ledger
from bihuan.supervision.models import KeyTask


@login_required
def task_ledger(request: HttpRequest) -> FileResponse:
    """The ledger .xlsx of the visible tasks the list's filters select (same parameters as the list)."""
    policy.require(request.user, "export", KeyTask)
    today = timezone.localdate()
    tasks, _counts = selectors.listed_tasks(request.user, request.GET, today)
    year = request.GET.get("year", "")
    # Written to disk and streamed from there; the response closes (and so removes) the file.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        write_ledger(tasks, handle, ledger_title(today, int(year) if year.isdigit() else None))
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(handle, as_attachment=True, filename=f"task-ledger-{stamp}.xlsx", content_type=CONTENT_TYPE)
