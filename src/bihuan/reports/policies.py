"""Who may see, draft and publish bulletins.

The supervision office (and administrators) generate, edit, regenerate, discard and publish; drafts are
theirs alone. A published bulletin is seen by the office, the assessment office and leaders, by the people
it was sent to (by name, or as members of a unit it was sent to), and, for a unit's own view, by that
unit's members.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from bihuan.core.policy import VIEW, Rules, policy
from bihuan.core.roles import Role, unit_id_of
from bihuan.reports.models import Bulletin, BulletinFile, State

OFFICE = frozenset({Role.ADMIN, Role.SUPERVISOR})
READ_ALL_PUBLISHED = frozenset({Role.ASSESSOR, Role.LEADER})


def published_for(user: Any, role: str) -> Q:
    """The published bulletins a user outside the office may read."""
    published = Q(state=State.PUBLISHED)
    if role in READ_ALL_PUBLISHED:
        return published
    addressed = Q(recipient_users=user.pk)
    unit_id = unit_id_of(user)
    if unit_id is not None:
        addressed |= Q(recipient_units=unit_id) | Q(unit_id=unit_id)
    return published & addressed


class BulletinRules(Rules):
    model = Bulletin
    actions = (VIEW, "export", "create", "change", "publish", "discard")

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        if action in (VIEW, "export"):
            return True  # of what `scope` lets them see
        return role in OFFICE

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        if role in OFFICE:
            return queryset
        if role in READ_ALL_PUBLISHED:
            return queryset.filter(state=State.PUBLISHED)
        # recipients by a subquery, so a bulletin sent to a user and to their unit is not listed twice
        ids = Bulletin.objects.filter(published_for(user, role)).values("pk")
        return queryset.filter(pk__in=ids)


class BulletinFileRules(Rules):
    """A published bulletin's files are seen by whoever sees the bulletin."""

    model = BulletinFile
    actions = (VIEW,)

    def can(self, user: Any, role: str, action: str, obj: Any) -> bool:
        return action == VIEW

    def scope(self, user: Any, role: str, queryset: QuerySet) -> QuerySet:
        visible = policy.visible(user, Bulletin.objects.filter(state=State.PUBLISHED))
        return queryset.filter(bulletin__in=visible.values("pk"))


policy.register(BulletinRules())
policy.register(BulletinFileRules())
