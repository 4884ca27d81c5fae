"""Pages of key tasks."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from bihuan.core.pages import list_page
from bihuan.core.tables import Col
from bihuan.supervision import selectors
from bihuan.supervision.filtersets import TaskFilter
from bihuan.supervision.presentation import light_text


def task_columns(lights: dict[int, Any]) -> list[Col]:
    def light(task: Any) -> Any:
        return lights.get(task.pk)

    return [
        Col(gettext_lazy("number"), lambda t: t.number, width=10),
        Col(pgettext_lazy("task", "title"), lambda t: t.title, width=36),
        Col(gettext_lazy("lead unit"), lambda t: t.lead_unit.label, width=14),
        Col(gettext_lazy("partner units"), lambda t: "、".join(u.label for u in t.partner_units.all()), width=20),
        Col(gettext_lazy("responsible leader"), lambda t: t.leader.get_full_name() if t.leader else "", width=10),
        Col(gettext_lazy("due"), lambda t: t.due, width=11),
        Col(gettext_lazy("status"), lambda t: t.get_status_display(), width=10),
        Col(gettext_lazy("progress %"), lambda t: t.progress, width=8),
        Col(
            gettext_lazy("warning"),
            lambda t: light_text(light(t)) if light(t) else "—",
            width=40,
            css=lambda t: f"bh-light bh-light-{light(t).level}" if light(t) else "",
        ),
    ]


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """The task list (清单): filters, counts by colour, export of exactly what is filtered."""
    visible = selectors.tasks(request.user)
    filterset = TaskFilter(request.GET or None, queryset=visible, request=request)
    filtered = filterset.qs if filterset.is_bound and filterset.is_valid() else visible
    # The light depends on today, so it is computed, not stored: for the whole filtered list at once.
    lights = selectors.lights(filtered, timezone.localdate())
    wanted = request.GET.get("warning")
    if wanted in ("red", "yellow", "green"):
        filtered = selectors.with_light(filtered, lights, wanted)
    counts = Counter(light.level for light in lights.values())
    return list_page(
        request,
        title=_("Key tasks"),
        queryset=filtered,
        columns=task_columns(lights),
        filterset_class=TaskFilter,
        export_name="tasks",
        template="supervision/task_list.html",
        extra={"counts": {level: counts.get(level, 0) for level in ("red", "yellow", "green")}, "total": len(lights)},
    )
