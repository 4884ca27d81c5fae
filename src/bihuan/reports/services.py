"""Every write to bulletins: generate a draft, regenerate it, edit its words, discard it, publish it. Each
checks the policy, validates and records the audit event in one transaction. A published bulletin is never
written again: every service refuses it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bihuan.core import audit
from bihuan.core.files import keep_bytes
from bihuan.core.notifications import notify
from bihuan.core.policy import policy
from bihuan.core.roles import SYSTEM, Role
from bihuan.core.services import Conflict
from bihuan.org.models import Unit
from bihuan.reports.compile import PeriodError, compile_content, parse_period, period_label
from bihuan.reports.models import Bulletin, BulletinFile, Format, State
from bihuan.reports.selectors import document_of, recipients_of, rendered

EDITABLE = ("title", "number", "issuer", "highlights", "problems", "next_steps")
CONTENT_TYPES = {
    Format.HTML: "text/html; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def default_title(period_key: str, unit: Unit | None) -> str:
    period = period_label(parse_period(period_key))
    if unit is None:
        return _("Bulletin on the city's key work, %(period)s") % {"period": period}
    return _("Bulletin on the key work of %(unit)s, %(period)s") % {"unit": unit.name, "period": period}


def default_issuer(actor: Any) -> str:
    """The supervision office's name: the unit of the person generating (or of the first supervisor), with
    the city's name in front when it starts with 市 (市人民政府督查室 → 临汾市人民政府督查室)."""
    User = get_user_model()
    person = actor if actor is not SYSTEM and getattr(actor, "pk", None) else None
    if person is None:
        person = User.objects.filter(profile__role=Role.SUPERVISOR, is_active=True).order_by("pk").first()
    profile = getattr(person, "profile", None) if person is not None else None
    unit = profile.unit if profile is not None else None
    city = Unit.objects.filter(parent__isnull=True).order_by("sort_order", "code").first()
    if unit is None:
        return city.name if city is not None else ""
    if unit.name.startswith("市") and city is not None and city.pk != unit.pk:
        return (city.short_name or city.name.removesuffix("市")) + unit.name
    return unit.name


def _refuse_published(bulletin: Bulletin) -> None:
    if bulletin.state == State.PUBLISHED:
        raise Conflict(_("A published bulletin cannot be changed."))


def generate(
    actor: Any, period: str, kind: str | None = None, unit: Unit | None = None, today: date | None = None
) -> Bulletin:
    """A new draft for the period (a month or a quarter) and view (the city, or a unit), its figures
    compiled now. Refused when a draft of the same period and view exists: open that one instead."""
    policy.require(actor, "create", Bulletin)
    try:
        parsed = parse_period(period, kind)
    except PeriodError as problem:
        raise ValidationError({"period": str(problem)}) from None
    today = today or timezone.localdate()
    if parsed.start > today:
        raise ValidationError({"period": _("%(period)s has not begun yet.") % {"period": parsed.key}})
    if unit is not None and not unit.active:
        raise ValidationError({"unit": _("%(unit)s is no longer active.") % {"unit": unit.name}})
    if Bulletin.objects.filter(period=parsed.key, unit=unit, state=State.DRAFT).exists():
        raise ValidationError(
            {"period": _("A draft for %(period)s already exists: open it, or regenerate it.") % {"period": parsed.key}}
        )
    content = compile_content(parsed, unit, today)
    bulletin = Bulletin(
        period=parsed.key,
        kind=parsed.kind,
        unit=unit,
        title=default_title(parsed.key, unit),
        issuer=default_issuer(actor),
        content=content,
        compiled_at=timezone.now(),
        created_by=actor if actor is not SYSTEM else None,
    )
    bulletin.full_clean(exclude=["content"])
    try:
        with transaction.atomic():
            bulletin.save()
            audit.record(
                actor, "bulletin.generated", bulletin, {"period": parsed.key, "unit": unit.code if unit else None}
            )
    except IntegrityError:  # another request made the same draft meanwhile
        raise ValidationError(
            {"period": _("A draft for %(period)s already exists: open it, or regenerate it.") % {"period": parsed.key}}
        ) from None
    return bulletin


def regenerate(actor: Any, bulletin: Bulletin, today: date | None = None) -> Bulletin:
    """Compile a draft's figures again, from the database as it is now; its words stay."""
    policy.require(actor, "change", bulletin)
    with transaction.atomic():
        bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        _refuse_published(bulletin)
        before = bulletin.content.get("as_of")
        bulletin.content = compile_content(parse_period(bulletin.period), bulletin.unit, today or timezone.localdate())
        bulletin.compiled_at = timezone.now()
        bulletin.save(update_fields=["content", "compiled_at", "updated_at"])
        audit.record(actor, "bulletin.regenerated", bulletin, {"as_of": [before, bulletin.content["as_of"]]})
    return bulletin


def edit(actor: Any, bulletin: Bulletin, data: dict[str, Any]) -> Bulletin:
    """Change a draft's title, number, issuer or paragraphs."""
    policy.require(actor, "change", bulletin)
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("These cannot be edited: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    with transaction.atomic():
        bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        _refuse_published(bulletin)
        before = audit.snapshot(bulletin, EDITABLE)
        for name, value in data.items():
            setattr(bulletin, name, (value or "").strip())
        bulletin.full_clean(exclude=["content"])
        bulletin.save()
        changes = audit.diff(before, audit.snapshot(bulletin, EDITABLE))
        if changes:
            audit.record(actor, "bulletin.changed", bulletin, changes)
    return bulletin


def discard(actor: Any, bulletin: Bulletin) -> None:
    """Throw a draft away (a published bulletin stays for good)."""
    policy.require(actor, "discard", bulletin)
    with transaction.atomic():
        bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        _refuse_published(bulletin)
        audit.record(actor, "bulletin.discarded", bulletin, {"period": bulletin.period})
        bulletin.delete()


def publish(
    actor: Any,
    bulletin: Bulletin,
    users: Iterable[Any] = (),
    units: Iterable[Unit] = (),
    *,
    email: bool = True,
) -> Bulletin:
    """Publish a draft to leaders and people named and to every active member of the units named: its files
    are rendered once and kept for good, each recipient finds it in the inbox and gets it by e-mail with the
    Word document and the workbook attached."""
    policy.require(actor, "publish", bulletin)
    users, units = list(users), list(units)
    if not users and not units:
        raise ValidationError({"recipients": _("Choose at least one person or unit to send the bulletin to.")})
    with transaction.atomic():
        bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
        _refuse_published(bulletin)
        now = timezone.now()
        if not bulletin.number:
            bulletin.number = next_number(bulletin, timezone.localtime(now).year)
        bulletin.state, bulletin.published_at = State.PUBLISHED, now
        bulletin.published_by = actor if actor is not SYSTEM else None
        bulletin.full_clean(exclude=["content"])
        bulletin.save()
        bulletin.recipient_users.set(users)
        bulletin.recipient_units.set(units)
        with translation.override(settings.LANGUAGE_CODE):  # the official files in the deployment's language
            files = [_keep(bulletin, fmt, rendered(document_of(bulletin), fmt)) for fmt in Format.values]
        audit.record(
            actor,
            "bulletin.published",
            bulletin,
            {
                "number": bulletin.number,
                "recipients": sorted(u.get_username() for u in users),
                "units": sorted(u.code for u in units),
                "files": {f.format: f.sha256 for f in files},
            },
        )
        people = recipients_of(bulletin)
        attachments = [
            {"filename": f.filename, "content_type": f.content_type, "sha256": f.sha256}
            for f in files
            if f.format in (Format.DOCX, Format.XLSX)
        ]
        with translation.override(settings.LANGUAGE_CODE):
            notify(
                people,
                _("Bulletin: %(title)s") % {"title": bulletin.title},
                _("%(number)s %(title)s is published. The Word document and the workbook are attached.")
                % {"number": bulletin.number, "title": bulletin.title},
                url=reverse("bulletin-detail", args=[bulletin.pk]),
                kind="bulletin",
                attachments=attachments,
                email=email,
            )
    return bulletin


def next_number(bulletin: Bulletin, year: int) -> str:
    """〔2025〕N号: one more than the bulletins published this year."""
    count = Bulletin.objects.filter(state=State.PUBLISHED, published_at__year=year).count()
    return f"〔{year}〕{count + 1}号"


def _keep(bulletin: Bulletin, fmt: str, content: bytes) -> BulletinFile:
    """Write the file under FILES_ROOT by its SHA-256 (atomically: a reader never sees half a file)."""
    digest = keep_bytes(content)
    name = f"bulletin-{bulletin.period}{'-' + bulletin.unit.code if bulletin.unit else ''}.{fmt}"
    return BulletinFile.objects.create(
        bulletin=bulletin, format=fmt, filename=name, content_type=CONTENT_TYPES[fmt], size=len(content), sha256=digest
    )


def open_draft_or_generate(period: str, unit: Unit | None, today: date) -> Bulletin | None:
    """For the tick: a new city (or unit) draft for the period unless any bulletin of it exists already."""
    if Bulletin.objects.filter(period=period, unit=unit).exists():
        return None
    try:
        return generate(SYSTEM, period, unit=unit, today=today)
    except ValidationError:  # made meanwhile by someone else
        return None
