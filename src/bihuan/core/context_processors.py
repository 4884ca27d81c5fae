"""What every page's shell needs: the navigation for the user's role, their unit and unread count."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bihuan.core.models import AuditEvent, Delivery, Notification
from bihuan.core.policy import policy
from bihuan.core.roles import Role, role_of

# (label, url name, icon, who sees it: a policy question (action, model) or None for everyone)
NAV = (
    (_("Home"), "home", "house", None),
    (_("My work"), "my-work", "check2-square", None),
    (_("Key tasks"), "task-list", "list-check", None),
    (_("Statistics"), "task-statistics", "bar-chart", None),
    (_("Indicators"), "indicator-dashboard", "graph-up", None),
    (_("Assessment"), "assessment-list", "award", None),
    (_("Bulletins"), "bulletin-list", "megaphone", None),
    (_("Units"), "unit-list", "diagram-3", None),
    (_("Plates"), "group-list", "grid-3x3-gap", None),
    (_("People"), "user-list", "people", None),
    (_("Goals"), "goal-list", "bullseye", None),
    (_("Categories"), "category-list", "tags", None),
    (_("Audit log"), "audit-list", "journal-check", ("view", AuditEvent)),
    (_("Deliveries"), "delivery-list", "send", ("view", Delivery)),
)


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = role_of(user)
    path = request.path
    nav = []
    for label, name, icon, question in NAV:
        if question is not None and not policy.can(user, *question):
            continue
        url = reverse(name)
        active = path == url if name == "home" else path.startswith(url)
        nav.append({"label": label, "url": url, "icon": icon, "active": active})
    # Only the most specific entry is active: /tasks/statistics/ is Statistics, not Key tasks as well.
    best = max((item["url"] for item in nav if item["active"]), key=len, default=None)
    for item in nav:
        item["active"] = item["url"] == best
    profile = getattr(user, "profile", None)
    return {
        "nav": nav,
        "current_role": role,
        "current_role_label": Role(role).label if role else "",
        "current_unit": profile.unit if profile is not None else None,
        "unread_count": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    }
