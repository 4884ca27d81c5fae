"""Every write to indicators: permission, validation, the write and its audit event in one transaction.
Observations are recorded in batches (an import is one audit event, not one per value)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bihuan.core import audit
from bihuan.core.policy import policy
from bihuan.core.services import save_model
from bihuan.indicators.models import Area, ImportProfile, Indicator, Observation, PeerGroup, Target, Vintage
from bihuan.indicators.periods import parse_period

INDICATOR_FIELDS = (
    "code", "name", "name_en", "unit", "frequency", "kind", "higher_is_better", "decimals", "category",
    "source", "notes", "headline", "sort_order",
)  # fmt: skip
AREA_FIELDS = ("code", "name", "short_name", "level", "parent")
GROUP_FIELDS = ("name", "first_tier", "description")
TARGET_FIELDS = ("indicator", "area", "year", "value", "baseline_year", "baseline")


def save_indicator(actor: Any, data: Mapping[str, Any], indicator: Indicator | None = None) -> Indicator:
    """Create or change an indicator. Once it has figures its code and frequency stay: profiles, files and links
    name it by its code, and its periods are written in its frequency."""
    if indicator is not None and indicator.pk and Observation.objects.filter(indicator=indicator).exists():
        locked = {
            name: _("The indicator has recorded figures; its %(field)s can no longer change.") % {"field": label}
            for name, label in (("code", _("code")), ("frequency", _("frequency")))
            if name in data and data[name] != getattr(indicator, name)
        }
        if locked:
            raise ValidationError(locked)
    return save_model(actor, indicator or Indicator(), data, fields=INDICATOR_FIELDS)


def save_area(actor: Any, data: Mapping[str, Any], area: Area | None = None) -> Area:
    return save_model(actor, area or Area(), data, fields=AREA_FIELDS)


def save_peer_group(
    actor: Any, data: Mapping[str, Any], areas: Sequence[Area], group: PeerGroup | None = None
) -> PeerGroup:
    return save_model(actor, group or PeerGroup(), data, fields=GROUP_FIELDS, m2m={"areas": areas})


def save_target(actor: Any, data: Mapping[str, Any], target: Target | None = None) -> Target:
    baseline_year, year = data.get("baseline_year"), data.get("year")
    if baseline_year is not None and year is not None and baseline_year >= year:
        raise ValidationError({"baseline_year": _("The baseline year must come before the target's year.")})
    return save_model(actor, target or Target(), data, fields=TARGET_FIELDS)


@dataclass(frozen=True)
class Value:
    """One published figure to record."""

    indicator: Indicator
    area: Area
    period: str
    value: float | None
    growth: float | None = None


@dataclass
class Recorded:
    added: int = 0
    revised: int = 0
    unchanged: int = 0
    revisions: list[Revision] = field(default_factory=list)


def _current_of(values: Sequence[Value]) -> dict[tuple[int, int, str], Observation]:
    """The current observations for the (indicator, area, period) keys of `values`, in a query per indicator."""
    keys: dict[int, set[tuple[int, str]]] = {}
    for v in values:
        keys.setdefault(v.indicator.id, set()).add((v.area.id, v.period))
    current: dict[tuple[int, int, str], Observation] = {}
    for indicator_id, wanted in keys.items():
        rows = Observation.objects.filter(
            current=True, indicator_id=indicator_id, period__in={period for _area, period in wanted}
        ).only("id", "indicator_id", "area_id", "period", "value", "growth")
        for o in rows:
            if (o.area_id, o.period) in wanted:
                current[(o.indicator_id, o.area_id, o.period)] = o
    return current


class Revision(NamedTuple):
    indicator: str
    area: str
    area_name: str
    period: str
    value_before: float | None
    value_after: float | None
    growth_before: float | None
    growth_after: float | None


def _decimals(number: float) -> int:
    """The decimals a figure was published with: 449.2 → 1, 5574.0 → 0."""
    text = repr(float(number))
    if "e" in text or "." not in text:
        return 0
    return len(text.split(".")[1].rstrip("0"))


def same_figure(before: float | None, after: float | None) -> bool:
    """Whether `after` is `before` as published at `after`'s precision: a bureau table printing 449.2 publishes
    the same figure as the yearbook's 449.2358, so it is no revision (and the more precise figure is kept)."""
    if before is None or after is None:
        return before == after
    return before == after or round(before, _decimals(after)) == after


def _classify(values: Sequence[Value]) -> tuple[Recorded, list[Value], list[int]]:
    """Which values are new, which revise a current one (and its id), which are unchanged. A figure equal to the
    current one at the precision it is published with, or not given, leaves the current one as it was."""
    result = Recorded()
    current = _current_of(values)
    fresh: list[Value] = []
    stale: list[int] = []
    for item in values:
        before = current.get((item.indicator.id, item.area.id, item.period))
        if before is None:
            result.added += 1
            fresh.append(item)
            continue
        # A figure not given (a growth-only column, a blank cell) leaves the published one as it was: an import
        # adds and revises figures, it never erases them.
        value = before.value if item.value is None or same_figure(before.value, item.value) else item.value
        growth = before.growth if item.growth is None or same_figure(before.growth, item.growth) else item.growth
        if value == before.value and growth == before.growth:
            result.unchanged += 1
            continue
        item = Value(item.indicator, item.area, item.period, value, growth)
        result.revised += 1
        stale.append(before.pk)
        result.revisions.append(
            Revision(
                item.indicator.code,
                item.area.code,
                item.area.short_name or item.area.name,
                item.period,
                before.value,
                item.value,
                before.growth,
                item.growth,
            )
        )
        fresh.append(item)
    return result, fresh, stale


def compare_observations(values: Sequence[Value]) -> Recorded:
    """What recording `values` would do, without writing: the import preview."""
    return _classify(values)[0]


def record_observations(
    actor: Any,
    values: Iterable[Value],
    *,
    source: str = "",
    batch: str = "",
    vintage: str = Vintage.PRELIMINARY,
) -> Recorded:
    """Record published figures: a new (indicator, area, period) is added; a changed value or growth is a
    new vintage and the earlier one is kept, no longer current; an equal one, or one not given (None), is left
    alone. One audit event for the whole batch."""
    policy.require(actor, "import", Observation)
    values = list(values)
    seen: set[tuple[int, int, str]] = set()
    for item in values:
        parse_period(item.period, item.indicator.frequency)  # raises ValueError with what was expected
        key = (item.indicator.id, item.area.id, item.period)
        if key in seen:
            raise ValueError(f"{item.indicator.code} of {item.area.code} for {item.period} is given twice")
        seen.add(key)
    now = timezone.now()
    by = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        result, fresh, stale = _classify(values)
        for start in range(0, len(stale), 5000):
            Observation.objects.filter(pk__in=stale[start : start + 5000]).update(current=False)
        by_id = by.pk if by is not None else None
        _insert_observations(
            (i.indicator.id, i.area.id, i.period, i.value, i.growth, vintage, source, batch, now, by_id, True)
            for i in fresh
        )
        audit.record(
            actor,
            "observations.recorded",
            None,
            {"added": result.added, "revised": result.revised, "unchanged": result.unchanged, "source": source},
            object_type="import",
            object_id="observations",
            object_repr=batch or source,
        )
    return result


OBSERVATION_COLUMNS = (
    "indicator_id", "area_id", "period", "value", "growth", "vintage", "source", "batch", "recorded_at",
    "recorded_by_id", "current",
)  # fmt: skip


def _insert_observations(rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert new observation rows in the caller's transaction: COPY on PostgreSQL, one prepared INSERT run over
    all rows on SQLite. An import of a million figures spends its time here; building a model instance per
    figure for bulk_create cost 20 times as much on SQLite, while the rows are plain values already checked."""
    table = connection.ops.quote_name(Observation._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in OBSERVATION_COLUMNS)
    moment = OBSERVATION_COLUMNS.index("recorded_at")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(OBSERVATION_COLUMNS))
        adapt = connection.ops.adapt_datetimefield_value
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append((*row[:moment], adapt(row[moment]), *row[moment + 1 :]))
            if len(batch) == 50_000:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", batch)
                batch = []
        if batch:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", batch)


def save_import_profile(actor: Any, data: Mapping[str, Any], profile: ImportProfile | None = None) -> ImportProfile:
    return save_model(actor, profile or ImportProfile(), data, fields=("name", "shape", "mapping", "notes"))
