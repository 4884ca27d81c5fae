"""What every page's shell needs: the navigation for the user's role, their unit and unread count."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bihuan.core.models import AuditEvent, Delivery, Notification
from bihuan.core.policy import policy
from bihuan.core.roles import Role, role_of

# (label, url name, icon, who sees it: a policy question (action, model) or None for everyone).
# The daily work comes first on the bar; the city's set-up and the logs sit in one "Setup" menu, so the bar
# fits a 1280-pixel screen in English too.
NAV = (
    (_("Home"), "home", "house", None),
    (_("My work"), "my-work", "check2-square", None),
    (_("Key tasks"), "task-list", "list-check", None),
    (_("Statistics"), "task-statistics", "bar-chart", None),
    (_("Indicators"), "indicator-dashboard", "graph-up", None),
    (_("Assessment"), "assessment-list", "award", None),
    (_("Bulletins"), "bulletin-list", "megaphone", None),
)
SETUP_NAV = (
    (_("Units"), "unit-list", "diagram-3", None),
    (_("Plates"), "group-list", "grid-3x3-gap", None),
    (_("People"), "user-list", "people", None),
    (_("Goals"), "goal-list", "bullseye", None),
    (_("Categories"), "category-list", "tags", None),
    (_("Audit log"), "audit-list", "journal-check", ("view", AuditEvent)),
    (_("Deliveries"), "delivery-list", "send", ("view", Delivery)),
)


def _entries(user: Any, path: str, entries: tuple) -> list[dict[str, Any]]:
    nav = []
    for label, name, icon, question in entries:
        if question is not None and not policy.can(user, *question):
            continue
        url = reverse(name)
        active = path == url if name == "home" else path.startswith(url)
        nav.append({"label": label, "url": url, "icon": icon, "active": active})
    return nav


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = role_of(user)
    nav = _entries(user, request.path, NAV)
    setup = _entries(user, request.path, SETUP_NAV)
    # Only the most specific entry is active: /tasks/statistics/ is Statistics, not Key tasks as well.
    best = max((item["url"] for item in nav + setup if item["active"]), key=len, default=None)
    for item in nav + setup:
        item["active"] = item["url"] == best
    profile = getattr(user, "profile", None)
    return {
        "nav": nav,
        "setup_nav": setup,
        "setup_active": any(item["active"] for item in setup),
        "current_role": role,
        "current_role_label": Role(role).label if role else "",
        "current_unit": profile.unit if profile is not None else None,
        "unread_count": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    }
