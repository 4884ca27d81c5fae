"""The daily job of `bihuan tick` for assessment: bring the automatic demerits of every open scheme in line
with the supervision records, so the office and the units see them the next morning rather than only when
the scheme is previewed."""

from __future__ import annotations

from datetime import date

from bihuan.assessment.models import Scheme, SchemeState
from bihuan.assessment.services import refresh_automatic_demerits
from bihuan.core.roles import SYSTEM
from bihuan.core.ticks import register


@register("assessment.demerits")
def refresh_open_schemes(today: date) -> str:
    added = withdrawn = 0
    schemes = Scheme.objects.filter(state=SchemeState.OPEN)
    for scheme in schemes:
        new, gone = refresh_automatic_demerits(SYSTEM, scheme, today)
        added, withdrawn = added + new, withdrawn + gone
    return f"{added} automatic demerits added, {withdrawn} withdrawn in {schemes.count()} open schemes"
