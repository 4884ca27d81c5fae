"""The daily job of `bihuan tick`: on the first working day after a month ends, the city's draft bulletin for
that month (and for the quarter, when the month closes one), once, and a word to the supervision office.

Working days are Monday to Friday, less the public holidays and plus the weekend days worked instead that the
deployment lists (core.calendar). A tick that did not run on that day (the server was down) catches up on the
next day it runs in the month; a draft the office discarded is not made again."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from bihuan.core.calendar import working_day
from bihuan.core.models import TickRun
from bihuan.core.ticks import register

JOB = "reports.draft_bulletins"


def first_working_day(year: int, month: int) -> date:
    day = date(year, month, 1)
    while not working_day(day):
        day += timedelta(days=1)
    return day


def due_periods(today: date, caught_up: bool = True) -> list[str]:
    """The periods whose draft is due today: last month on this month's first working day (or later in the
    month while the job has not run since that day: `caught_up` False), and last quarter too when last month
    closed it."""
    first = first_working_day(today.year, today.month)
    if today < first or (today > first and caught_up):
        return []
    last = today.replace(day=1) - timedelta(days=1)
    periods = [f"{last.year}-{last.month:02d}"]
    if last.month % 3 == 0:
        periods.append(f"{last.year}-Q{last.month // 3}")
    return periods


def draft_bulletins(today: date) -> str:
    from bihuan.core.notifications import notify
    from bihuan.core.roles import Role
    from bihuan.reports.services import open_draft_or_generate

    first = first_working_day(today.year, today.month)
    caught_up = TickRun.objects.filter(job=JOB, day__gte=first, day__lt=today).exists()
    periods = due_periods(today, caught_up)
    made = [b for b in (open_draft_or_generate(p, None, today) for p in periods) if b is not None]
    if made:
        office = get_user_model().objects.filter(profile__role=Role.SUPERVISOR, is_active=True)
        with translation.override(settings.LANGUAGE_CODE):
            for bulletin in made:
                notify(
                    office,
                    _("A draft bulletin for %(period)s waits") % {"period": bulletin.period},
                    _("Its figures are compiled. Write the highlights, problems and next steps, then publish it."),
                    url=reverse("bulletin-detail", args=[bulletin.pk]),
                    kind="bulletin_draft",
                )
    return f"{len(made)} draft(s)" + (": " + ", ".join(b.period for b in made) if made else "")


@register(JOB)
def _draft_bulletins(today: date) -> str:
    return draft_bulletins(today)
