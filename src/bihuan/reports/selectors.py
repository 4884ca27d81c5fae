"""Reads of bulletins that pages, API, CLI and services share."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from bihuan.core.policy import policy
from bihuan.core.roles import Role
from bihuan.org.models import Unit
from bihuan.reports.blocks import Document
from bihuan.reports.compile import compile_content, parse_period
from bihuan.reports.models import Bulletin, BulletinFile, Format
from bihuan.reports.sections import document


def bulletins(user: Any) -> QuerySet[Bulletin]:
    """The bulletins the user may see, newest period first."""
    return policy.visible(user, Bulletin.objects.select_related("unit", "created_by", "published_by"))


def files(user: Any, bulletin: Bulletin) -> dict[str, BulletinFile]:
    """A published bulletin's stored files the user may download, by format."""
    return {f.format: f for f in policy.visible(user, BulletinFile.objects.filter(bulletin=bulletin))}


def texts_of(bulletin: Bulletin) -> dict[str, str]:
    return {"highlights": bulletin.highlights, "problems": bulletin.problems, "next_steps": bulletin.next_steps}


def document_of(bulletin: Bulletin) -> Document:
    """The bulletin in words (the active language), from its snapshot and its paragraphs."""
    published = timezone.localtime(bulletin.published_at).date() if bulletin.published_at else None
    return document(
        bulletin.content,
        texts_of(bulletin),
        title=bulletin.title,
        number=bulletin.number,
        issuer=bulletin.issuer,
        draft=not bulletin.published,
        published=published,
    )


def preview(period: str, unit: Unit | None = None, today: date | None = None, title: str = "") -> Document:
    """A bulletin compiled now and not stored (the command line's `bihuan report bulletin`)."""
    from bihuan.core.roles import SYSTEM
    from bihuan.reports.services import default_issuer, default_title

    parsed = parse_period(period)
    content = compile_content(parsed, unit, today or timezone.localdate())
    return document(
        content, {}, title=title or default_title(parsed.key, unit), issuer=default_issuer(SYSTEM), draft=False
    )


def rendered(doc: Document, fmt: str) -> bytes:
    """The document as a file of the format: html, xlsx or docx."""
    if fmt == Format.HTML:
        from bihuan.reports.render_html import render_file

        return render_file(doc)
    if fmt == Format.XLSX:
        from bihuan.reports.render_xlsx import render_xlsx

        return render_xlsx(doc)
    if fmt == Format.DOCX:
        from bihuan.reports.render_docx import render_docx

        return render_docx(doc)
    raise ValueError(f"unknown format {fmt!r}; expected html, xlsx or docx")


def recipients_of(bulletin: Bulletin) -> list[Any]:
    """The people a bulletin went to: those named, and every active member of the units named, once each."""
    User = get_user_model()
    units = bulletin.recipient_units.values("pk")
    condition = Q(pk__in=bulletin.recipient_users.values("pk")) | Q(profile__unit__in=units)
    return list(User.objects.filter(condition, is_active=True).select_related("profile").distinct().order_by("pk"))


RECIPIENT_ROLES = (Role.LEADER, Role.ASSESSOR, Role.SUPERVISOR, Role.ADMIN)


def recipient_choices() -> QuerySet:
    """Whom the publish form offers by name: leaders first, then the assessment and supervision offices."""
    User = get_user_model()
    return (
        User.objects.filter(is_active=True, profile__role__in=RECIPIENT_ROLES)
        .select_related("profile__unit")
        .order_by("profile__role", "first_name", "username")
    )
