"""Pages of data quality: the findings of `quality.check_data` with filters, a count per kind and an .xlsx
export of the same findings; and one observation with every vintage of its figure and the area's neighbouring
periods, the context for judging a finding."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, reverse
from django.utils.encoding import force_str
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from bihuan.core.policy import policy
from bihuan.core.tables import Col, rows_for_page, xlsx_response
from bihuan.indicators import periods, quality, selectors
from bihuan.indicators.forms import IndicatorGroupQuery, choice_field
from bihuan.indicators.models import Area, Indicator, Observation, PeerGroup

MAX_ROWS = 500  # findings listed on the page; the export has them all


class QualityForm(IndicatorGroupQuery):
    """The page's filters, checked before anything is loaded: a bad value is a clear message, not an error page."""

    first = forms.CharField(required=False, max_length=10)
    last = forms.CharField(required=False, max_length=10)
    area = forms.CharField(required=False, max_length=12)

    def __init__(self, data: Any, indicators: Sequence[Indicator], groups: Sequence[PeerGroup]) -> None:
        super().__init__(data, indicators, groups)
        self.fields["kind"] = choice_field(
            [(kind, label) for kind, (label, _severity) in quality.KINDS.items()],
            gettext_lazy("There is no check “%(value)s”."),
        )

    def _period(self, name: str) -> str:
        value = self.cleaned_data[name].strip()
        if value and periods.frequency_of(value) is None:
            raise ValidationError(
                _("“%(period)s” is not a period: write a year, quarter or month such as 2023, 2025-Q3 or 2025-10."),
                params={"period": Truncator(value).chars(20)},
            )
        return value

    def clean_first(self) -> str:
        return self._period("first")

    def clean_last(self) -> str:
        return self._period("last")

    def clean_area(self) -> Area | None:
        code = self.cleaned_data["area"].strip()
        if not code:
            return None
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise ValidationError(
                _("There is no area with the division code “%(value)s”."), params={"value": Truncator(code).chars(20)}
            )
        return area


def finding_columns(checked: quality.Checked, full: bool = False) -> list[Col]:
    """The findings' columns on the page; `full` adds the codes and observation ids for the export."""
    severities = {quality.ERROR: _("Error"), quality.WARNING: _("Warning")}

    def link(finding: quality.Finding) -> str:
        return reverse("observation-detail", args=[finding.observations[0]]) if finding.observations else ""

    def indicator(finding: quality.Finding) -> str:
        return checked.indicators[finding.indicator].label

    columns = [
        Col(
            gettext_lazy("severity"),
            lambda f: severities[f.severity],
            width=9,
            css=lambda f: "text-danger fw-semibold" if f.severity == quality.ERROR else "text-warning-emphasis",
        ),
        Col(gettext_lazy("check"), lambda f: f.label, width=18),
        Col(gettext_lazy("indicator"), indicator, width=20),
        Col(gettext_lazy("area"), lambda f: checked.areas.get(f.area, f.area), width=12),
        Col(pgettext_lazy("indicator", "period"), lambda f: f.period, link=link, width=9),
        Col(gettext_lazy("finding"), lambda f: f.message, link=link, width=70, css=lambda f: "bh-wrap"),
    ]
    if full:
        columns += [
            Col(gettext_lazy("indicator code"), lambda f: f.indicator, width=14),
            Col(gettext_lazy("division code"), lambda f: f.area, width=12),
            Col(gettext_lazy("observations"), lambda f: ", ".join(map(str, f.observations)), width=16),
        ]
    return columns


@login_required
def data_quality(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, "view", Observation)
    indicators = list(Indicator.objects.all())
    groups = list(PeerGroup.objects.all())
    params = request.GET.copy()
    ours = selectors.home_groups(selectors.home_area())
    if not params and ours:
        # First look: our city's first group, which stays quick however many areas the database holds (every
        # group at 22 million figures takes minutes); "all groups" is one choice away.
        params["group"] = str(ours[0].pk)
    form = QualityForm(params, indicators, groups)
    context: dict[str, Any] = {
        "title": _("Data quality"),
        "form": form,
        "indicators": indicators,
        "groups": groups,
        "kinds": [(kind, label) for kind, (label, _severity) in quality.KINDS.items()],
        "can_import": policy.can(request.user, "import", Observation),
        "area_choices": _area_choices(groups, form.groups.get(params.get("group", ""))),
    }
    if not form.is_valid():
        errors = [force_str(e) for messages in form.errors.values() for e in messages]
        return render(request, "indicators/quality.html", {**context, "errors": errors}, status=400)
    data = form.cleaned_data
    checked = quality.check_data(
        indicator=form.indicators.get(data["indicator"]),
        area=data["area"],
        group=form.groups.get(data["group"]),
        first=data["first"] or None,
        last=data["last"] or None,
    )
    found = list(checked.findings)
    counts = Counter(f.kind for f in found)
    shown = [f for f in found if f.kind == data["kind"]] if data["kind"] else found
    query = {k: v for k, v in request.GET.items() if k in form.fields and v}
    if request.GET.get("format") == "xlsx":
        policy.require(request.user, "export", Observation)
        return xlsx_response("data-quality", _("Data quality"), finding_columns(checked, full=True), shown)
    columns = finding_columns(checked)
    context.update(
        checked=checked,
        summary=[
            {
                "kind": kind,
                "label": label,
                "error": severity == quality.ERROR,
                "count": counts[kind],
                "query": urlencode({**query, "kind": kind}),
                "active": kind == data["kind"],
            }
            for kind, (label, severity) in quality.KINDS.items()
        ],
        total=len(found),
        errors_found=sum(f.severity == quality.ERROR for f in found),
        headers=[c.header for c in columns],
        rows=rows_for_page(columns, shown[:MAX_ROWS]),
        shown=len(shown),
        truncated=len(shown) > MAX_ROWS,
        max_rows=MAX_ROWS,
        windows=[(checked.indicators[code].label, first, last) for code, (first, last) in checked.windows.items()],
        all_query=urlencode({k: v for k, v in query.items() if k != "kind"}),
        export_query=urlencode({**query, "format": "xlsx"}),
        can_export=policy.can(request.user, "export", Observation),
        thresholds={
            "z": quality.ROBUST_Z,
            "spread": quality.MIN_SPREAD,
            "peers": quality.MIN_PEERS,
            "quorum": f"{quality.MISSING_QUORUM:.0%}",
            "gap": quality.GROWTH_GAP,
            "copied": quality.MIN_COPIED,
            "digits": quality.MIN_SIGNIFICANT,
            "history": quality.MIN_HISTORY,
        },
    )
    return render(request, "indicators/quality.html", context)


def _area_choices(groups: Sequence[PeerGroup], group: PeerGroup | None) -> list[tuple[str, str]]:
    """The areas to pick from: the chosen group's, else those of any peer group (one query)."""
    areas = Area.objects.filter(peer_groups__in=[group] if group else groups).distinct().order_by("code")
    return [(a.code, a.short_name or a.name) for a in areas.only("code", "name", "short_name")]


@login_required
def observation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One observation: its figures, every vintage of the same indicator, area and period with what changed,
    the area's neighbouring periods, and what the checks find about it when it is the current figure."""
    policy.require(request.user, "view", Observation)
    observation = get_object_or_404(Observation.objects.select_related("indicator", "area", "recorded_by"), pk=pk)
    indicator = observation.indicator
    findings: list[quality.Finding] = []
    if observation.current:
        first = periods.shift(observation.period, 1 - quality.WINDOW[indicator.frequency], indicator.frequency)
        checked = quality.check_data(indicator=indicator, area=observation.area, first=first, last=observation.period)
        findings = [f for f in checked.findings if f.period == observation.period]
    versions = quality.vintages(observation)
    single = (
        indicator.kind == "ytd"
        and indicator.frequency != "year"
        and not quality.Spec(indicator.code, indicator.frequency, indicator.kind, indicator.unit).is_rate
    )
    return render(
        request,
        "indicators/observation.html",
        {
            "title": f"{indicator.label} · {observation.area.name} · {observation.period}",
            "observation": observation,
            "indicator": indicator,
            "value": quality.number(observation.value),
            "growth": quality.number(observation.growth),
            "current": next((v.observation for v in versions if v.observation.current), None),
            "vintages": [_vintage_row(v) for v in versions],
            "neighbours": [_neighbour_row(n) for n in quality.neighbours(observation)],
            "single": single,
            "findings": findings,
            "can_import": policy.can(request.user, "import", Observation),
        },
    )


def _who(user: Any) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def _vintage_row(row: quality.VintageRow) -> dict[str, Any]:
    o = row.observation
    return {
        "observation": o,
        "value": quality.number(o.value),
        "growth": quality.number(o.growth),
        "by": _who(o.recorded_by),
        "changes": row.changes,
    }


def _neighbour_row(row: quality.Neighbour) -> dict[str, Any]:
    o = row.observation
    implied = row.implied_growth
    return {
        "period": row.period,
        "observation": o,
        "this": row.this,
        "value": quality.number(o.value) if o else "",
        "growth": quality.number(o.growth) if o else "",
        "implied": f"{implied:.1f}" if implied is not None else "",
        "single": quality.number(row.single) if row.single is not None else "",
    }


urlpatterns: list[URLPattern] = [
    path("quality/", data_quality, name="data-quality"),
    path("observations/<int:pk>/", observation_detail, name="observation-detail"),
]
