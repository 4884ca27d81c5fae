"""Reads the core pages, API and exports share."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from bihuan.core.models import AuditEvent, Delivery, Notification
from bihuan.core.policy import policy
from bihuan.core.roles import Role


def inbox(user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    notes = policy.visible(user, Notification.objects.all())
    return notes.filter(read_at__isnull=True) if unread_only else notes


def audit_events(user: Any) -> QuerySet[AuditEvent]:
    return policy.visible(user, AuditEvent.objects.all())


def object_history(user: Any, obj: Any) -> QuerySet[AuditEvent]:
    return audit_events(user).filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


def deliveries(user: Any) -> QuerySet[Delivery]:
    return policy.visible(user, Delivery.objects.select_related("webhook"))


SYSTEM_NAME = _("system")

VERBS = {
    "created": pgettext_lazy("audit action", "created"),
    "changed": pgettext_lazy("audit action", "changed"),
    "imported": pgettext_lazy("audit action", "imported"),
    "deactivated": pgettext_lazy("audit action", "deactivated"),
    "reactivated": pgettext_lazy("audit action", "reactivated"),
    "password_set": pgettext_lazy("audit action", "password set"),
    "password_changed": pgettext_lazy("audit action", "password changed"),
    "retry": pgettext_lazy("audit action", "sent again"),
    "token_created": pgettext_lazy("audit action", "API token created"),
    "token_revoked": pgettext_lazy("audit action", "API token revoked"),
    # the key-task workflow (supervision.transitions)
    "assign": pgettext_lazy("audit action", "assigned"),
    "acknowledge": pgettext_lazy("audit action", "acknowledged"),
    "start": pgettext_lazy("audit action", "started"),
    "request_completion": pgettext_lazy("audit action", "completion requested"),
    "close": pgettext_lazy("audit action", "closed out"),
    "return": pgettext_lazy("audit action", "returned"),
    "suspend": pgettext_lazy("audit action", "suspended"),
    "resume": pgettext_lazy("audit action", "resumed"),
    "cancel": pgettext_lazy("audit action", "cancelled"),
    "reopen": pgettext_lazy("audit action", "reopened"),
    "completed": pgettext_lazy("audit action", "reached"),
    "extended": pgettext_lazy("audit action", "due date extended"),
    "approved": pgettext_lazy("audit action", "approved"),
    "rejected": pgettext_lazy("audit action", "rejected"),
    # progress reports, notices, comments, files (supervision)
    "drafted": pgettext_lazy("audit action", "drafted"),
    "submit": pgettext_lazy("audit action", "approved and submitted"),
    "send_back": pgettext_lazy("audit action", "sent back to the clerk"),
    "accept": pgettext_lazy("audit action", "accepted"),
    "issued": pgettext_lazy("audit action", "issued"),
    "answered": pgettext_lazy("audit action", "answered"),
    "instruction": pgettext_lazy("audit action", "instruction given"),
    "comment": pgettext_lazy("audit action", "commented"),
    "reminded": pgettext_lazy("audit action", "reminded (催办)"),
    "added": pgettext_lazy("audit action", "added"),
}


def model_of(object_type: str) -> type[Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    model = model_of(object_type)
    return str(capfirst(model._meta.verbose_name)) if model else object_type


def action_label(action: str) -> str:
    """“unit.changed” → “修改” (“changed”) in the user's language; “units.imported” → “导入 · 单位”;
    unknown actions are shown as they are."""
    subject, _dot, verb = action.rpartition(".")
    if verb not in VERBS:
        return action
    # imports are recorded as "units.imported" / "users.imported"; both words are in the catalogue
    return f"{VERBS[verb]} · {gettext(subject)}" if subject in ("units", "users", "tasks") else str(VERBS[verb])


# Labels the UI uses where Django's own field names read differently (名字 → 姓名), and the keys of
# an import's summary event.
FIELD_LABELS = {
    "first_name": _("Name"),
    "username": _("User name"),
    "email": _("E-mail"),
    "is_active": _("Active"),
    "file": _("file"),
    "reason": _("reason"),
    "message": _("message"),
    "text": _("text"),
    "response": _("response"),
    "size": _("size"),
    "created": pgettext_lazy("import count", "created"),
    "updated": pgettext_lazy("import count", "changed"),
    "unchanged": pgettext_lazy("import count", "unchanged"),
}


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if value is None or value == "":
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _models_for(object_type: str) -> list[type[Model]]:
    models = [m for m in (model_of(object_type) if object_type else None,) if m is not None]
    if object_type == "auth.user":  # a user's events also carry their profile's fields
        models.append(apps.get_model("org.profile"))
    return models


def _field(models: list[type[Model]], name: str) -> Any:
    for model in models:
        with contextlib.suppress(FieldDoesNotExist):
            return model._meta.get_field(name)
    return None


def changes_text(
    changes: dict[str, Any], object_type: str = "", names: dict[tuple[str, Any], str] | None = None
) -> str:
    """Before → after of each field, with the field's name in the user's language, choices by their
    label and related objects by name when `names` (from `related_names`) has them."""
    models = _models_for(object_type)
    parts = []
    for name, value in (changes or {}).items():
        field = None if name in FIELD_LABELS else _field(models, name)
        label = str(FIELD_LABELS.get(name) or (field.verbose_name if field is not None else name))
        choices = dict(field.flatchoices or ()) if field is not None and not field.is_relation else {}
        related = field.related_model._meta.label_lower if field is not None and field.is_relation else None

        def shown(v: Any, choices: dict = choices, related: str | None = related) -> str:
            if isinstance(v, list):
                return "、".join(shown(item) for item in v) or "—"
            if related is not None and names and (related, v) in names:
                return names[(related, v)]
            return str(choices[v]) if isinstance(v, str) and v in choices else _value_text(v)

        if isinstance(value, list) and len(value) == 2:
            before, after = value
            parts.append(f"{label}: {shown(after)}" if before is None else f"{label}: {shown(before)} → {shown(after)}")
        else:
            parts.append(f"{label}: {shown(value)}")
    return "; ".join(parts)


def related_names(events: Iterable[AuditEvent]) -> dict[tuple[str, Any], str]:
    """Names of the objects that events' changes refer to by id: one query per related model."""
    wanted: dict[type[Model], set[Any]] = {}
    for event in events:
        models = _models_for(event.object_type)
        for name, value in (event.changes or {}).items():
            field = _field(models, name)
            if field is None or not field.is_relation:
                continue
            stack = list(value) if isinstance(value, list) else [value]
            while stack:
                item = stack.pop()
                if isinstance(item, list):
                    stack.extend(item)
                elif item is not None:
                    wanted.setdefault(field.related_model, set()).add(item)
    names: dict[tuple[str, Any], str] = {}
    for model, ids in wanted.items():
        for obj in model._default_manager.filter(pk__in=ids):
            names[(model._meta.label_lower, obj.pk)] = str(obj)
    return names


def describe_changes(events: Sequence[AuditEvent]) -> Sequence[AuditEvent]:
    """Attach `changes_display` to each event, resolving ids to names in a few queries."""
    names = related_names(events)
    for event in events:
        event.changes_display = changes_text(event.changes, event.object_type, names)
    return events


def overview_charts(user: Any) -> dict[str, Any]:
    """Bar-chart data for the home page: active units by kind and active people by role."""
    from django.db.models import Count

    from bihuan.org import selectors as org
    from bihuan.org.models import Unit

    kinds = dict(Unit.Kind.choices)
    by_kind = org.units(user).filter(active=True).order_by().values("kind").annotate(n=Count("pk"))
    by_role = org.users(user).filter(is_active=True).order_by().values("profile__role").annotate(n=Count("pk"))
    roles = dict(Role.choices)
    kind_counts = {row["kind"]: row["n"] for row in by_kind}
    role_counts = {row["profile__role"]: row["n"] for row in by_role}
    return {
        "units_by_kind": {
            "title": str(_("Active units by kind")),
            "labels": [str(kinds[k]) for k in kinds if k in kind_counts],
            "values": [kind_counts[k] for k in kinds if k in kind_counts],
        },
        "people_by_role": {
            "title": str(_("Active people by role")),
            "labels": [str(roles[r]) for r in roles if r in role_counts],
            "values": [role_counts[r] for r in roles if r in role_counts],
        },
    }


def home_context(user: Any, role: str | None) -> dict[str, Any]:
    """What the home page shows: the person's place, their unread inbox, and their role's overview."""
    from bihuan.blueprint.models import Category
    from bihuan.org import selectors as org

    profile = getattr(user, "profile", None)
    unit = profile.unit if profile is not None else None
    context: dict[str, Any] = {
        "profile": profile,
        "unit": unit,
        "role": role,
        "role_label": Role(role).label if role else "",
        "latest": list(inbox(user, unread_only=True)[:5]),
        "colleagues": list(org.users(user).filter(profile__unit=unit, is_active=True)[:20]) if unit else [],
    }
    if role in (Role.ADMIN, Role.SUPERVISOR, Role.ASSESSOR, Role.LEADER, Role.STATISTICIAN, Role.VIEWER):
        context["counts"] = {
            "units": org.units(user).filter(active=True).count(),
            "plates": org.groups(user).count(),
            "people": org.users(user).filter(is_active=True).count(),
            "categories": policy.visible(user, Category.objects.filter(active=True)).count(),
        }
        context["charts"] = overview_charts(user)
    if policy.can(user, "view", AuditEvent):
        context["recent_events"] = list(audit_events(user)[:8])
    if policy.can(user, "view", Delivery):
        context["failed_deliveries"] = deliveries(user).filter(status=Delivery.Status.FAILED).count()
    context["is_admin"] = role == Role.ADMIN
    return context
