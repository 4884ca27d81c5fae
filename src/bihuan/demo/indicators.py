"""The demo's indicators: all of China's division codes as areas, the real Shanxi 11-city annual statistics
2015–2023 as published in the China City Statistical Yearbook, the peer groups 山西11市 and 临汾17县区, and
synthetic monthly and quarterly year-to-date figures for the eight main indicators with Linfen's targets.

Real figures keep the packaged file's codes (gdp, gdp_growth, …) and name the yearbook as their source, so
they show true facts: Linfen's 2023 GDP growth of 7.6% ranks first of the 11 cities.

Synthetic figures (示例数据) start in January 2024 and stop at the last full month before `today`; the same
seed gives the same figure for a period on any day. Every synthetic observation's source and every synthetic
indicator's source and notes say 示例数据, so every page that shows a source says so. How they are made
(parameters in data/indicators.toml):
- a level series starts from the real 2023 figure (counties: an illustrative share of Linfen's), spread over
  the year by fixed cumulative shares; each year's year-to-date level is last year's at the same period
  grown by that period's year-to-date growth, and its published growth is the nominal growth of the stored
  levels, so levels rise within every year and levels and growth agree;
- a rate (GDP, industry, investment growth) is an area's drawn rate plus a yearly shock, with noise that
  fades towards the year's last period;
- January and February are published together, as the bureaus do: the Jan–Feb figure is period YYYY-02 and
  there is no January figure;
- figures of past years are final, the current year's preliminary.
"""

from __future__ import annotations

import csv
import random
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bihuan.core.models import AuditEvent
from bihuan.core.roles import SYSTEM
from bihuan.demo.tasks import moment, simulated_clock
from bihuan.indicators.divisions import load_divisions
from bihuan.indicators.models import Area, Indicator, PeerGroup, Target, Vintage
from bihuan.indicators.services import Value, record_observations, save_indicator, save_peer_group, save_target

CONFIG = Path(__file__).parent / "data" / "indicators.toml"
SHANXI = Path(__file__).parents[1] / "indicators" / "data" / "shanxi_cities_annual_2015_2023.csv"
CITY_GROUP, COUNTY_GROUP, LINFEN = "山西11市", "临汾17县区", "141000"
FIRST_YEAR, ANCHOR_YEAR, BASELINE_YEAR = 2024, "2023", 2024
SEED = "bihuan-demo-indicators-1"
REAL_NOTES = (
    "山西省11个地级市2015–2023年年度数据，来源：中国城市统计年鉴（经公开研究数据集整理，并与年鉴表格核对）。"
    "为年鉴最终数，不同版本之间存在统计修订。"
)
SYNTHETIC_NOTES = (
    "示例数据（模拟，非官方）：以2023年真实年度水平为起点模拟的累计数，县区按示意份额由临汾市数推算，"
    "仅供演示。1–2月合并发布，记在2月。临汾市的目标值为演示假设。"
)


def load_demo_indicators(today: date | None = None) -> dict[str, int]:
    """Load (or bring up to date) the demo's areas, indicators, groups, observations and targets. Running it
    again on the same day changes nothing. Returns the observation counts added / revised / unchanged."""
    today = today or date.today()
    with simulated_clock(_after_history(today)):
        return _load(today)


def _after_history(today: date) -> datetime:
    """When the figures are recorded: just after the demo's history so far, so the audit chain stays in time
    order (the key tasks' history ends yesterday), or yesterday morning when there is none."""
    last = AuditEvent.objects.order_by("-seq").values_list("created_at", flat=True).first()
    return last + timedelta(seconds=1) if last else moment(today - timedelta(days=1), 9, 0)


def _load(today: date) -> dict[str, int]:
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    load_divisions(SYSTEM)
    areas = {a.code: a for a in Area.objects.filter(code__startswith="14")}
    indicators = {spec["code"]: _indicator(spec, order, config["sources"]) for order, spec in _ordered(config)}
    rows = _read_shanxi()
    cities = sorted({r["area_code"] for r in rows})
    counties = sorted(config["counties"])
    if any(areas[c].parent_id != areas[LINFEN].pk for c in counties):
        raise ValueError(f"{COUNTY_GROUP}: every county must be one of Linfen's county-level areas")
    _group(CITY_GROUP, [areas[c] for c in cities], "山西省11个地级市。")
    _group(COUNTY_GROUP, [areas[c] for c in counties], "临汾市所辖17个县（市、区）。")
    real = [
        Value(indicators[r["indicator_code"]], areas[r["area_code"]], r["year"], float(r["value"]))
        for r in rows
        if r["value"].strip()
    ]
    counts = _record(real, config["sources"]["real"], "demo-yearbook", Vintage.FINAL)
    anchors = {(r["indicator_code"], r["area_code"]): float(r["value"]) for r in rows if r["year"] == ANCHOR_YEAR}
    last = last_full_month(today)
    final: list[Value] = []
    preliminary: list[Value] = []
    for spec in config["indicator"]:
        if "synthetic" not in spec:
            continue
        indicator, model = indicators[spec["code"]], Model.of(spec, config)
        for area in [*cities, *counties]:
            for period, value, growth in model.series(area, anchors, last[0]):
                if published(period, last):
                    bucket = final if int(period[:4]) < today.year else preliminary
                    bucket.append(Value(indicator, areas[area], period, value, growth))
        _targets(indicator, model, areas[LINFEN], anchors, spec.get("targets", {}))
    for values, vintage in ((final, Vintage.FINAL), (preliminary, Vintage.PRELIMINARY)):
        for key, number in _record(values, config["sources"]["synthetic"], "demo-synthetic", vintage).items():
            counts[key] += number
    return counts


def _ordered(config: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The eight main (synthetic) indicators first, in the file's order, then the yearbook's."""
    specs = config["indicator"]
    main = [s for s in specs if "synthetic" in s]
    yield from enumerate([*main, *(s for s in specs if "synthetic" not in s)], start=1)


def _indicator(spec: dict[str, Any], order: int, sources: dict[str, str]) -> Indicator:
    synthetic = "synthetic" in spec
    data = {
        **{k: spec[k] for k in ("code", "name", "name_en", "unit", "frequency", "kind", "decimals")},
        "higher_is_better": True,
        "source": sources["synthetic" if synthetic else "real"],
        "notes": SYNTHETIC_NOTES if synthetic else REAL_NOTES,
        "headline": synthetic,
        "sort_order": order,
    }
    return save_indicator(SYSTEM, data, Indicator.objects.filter(code=spec["code"]).first())


def _group(name: str, members: list[Area], description: str) -> PeerGroup:
    existing = PeerGroup.objects.filter(name=name).first()
    return save_peer_group(SYSTEM, {"name": name, "first_tier": 3, "description": description}, members, existing)


def _record(values: list[Value], source: str, batch: str, vintage: str) -> dict[str, int]:
    if not values:
        return {"added": 0, "revised": 0, "unchanged": 0}
    result = record_observations(SYSTEM, values, source=source, batch=batch, vintage=vintage)
    return {"added": result.added, "revised": result.revised, "unchanged": result.unchanged}


def _read_shanxi() -> list[dict[str, str]]:
    with open(SHANXI, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _targets(
    indicator: Indicator, model: Model, linfen: Area, anchors: dict[tuple[str, str], float], growth: dict[str, float]
) -> None:
    """Linfen's yearly targets: a rate's is the rate; a level's is its 2024 level grown by each year's target."""
    baseline = None if indicator.kind == "rate" else list(model.series(LINFEN, anchors, BASELINE_YEAR))[-1][1]
    level = baseline
    for year in sorted(growth, key=int):
        data: dict[str, Any] = {"indicator": indicator, "area": linfen, "year": int(year), "value": growth[year]}
        if baseline is not None:
            level = level * (1 + growth[year] / 100)
            data |= {"value": round(level, indicator.decimals), "baseline_year": BASELINE_YEAR, "baseline": baseline}
        existing = Target.objects.filter(indicator=indicator, area=linfen, year=int(year)).first()
        save_target(SYSTEM, data, existing)


# ---- the synthetic series: plain functions of the seed, the parameters and the real 2023 anchors ---------


def last_full_month(today: date) -> tuple[int, int]:
    """(year, month) of the last month that ended before today."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.year, end.month


def periods(year: int, frequency: str) -> list[str]:
    """The periods a year publishes: 2025-02 (January and February together) … 2025-12, or 2025-Q1 … 2025-Q4."""
    if frequency == "quarter":
        return [f"{year}-Q{q}" for q in range(1, 5)]
    return [f"{year}-{m:02d}" for m in range(2, 13)]


def published(period: str, last: tuple[int, int]) -> bool:
    """Has the period ended by the end of the last full month?"""
    year, _dash, part = period.partition("-")
    month = int(part[1:]) * 3 if part.startswith("Q") else int(part)
    return (int(year), month) <= last


@dataclass(frozen=True)
class Model:
    """How one synthetic indicator's series are drawn (see the module's docstring and data/indicators.toml)."""

    code: str
    frequency: str
    kind: str
    decimals: int
    growth: tuple[float, float, float, float]  # mean, spread between areas, between years, within a year
    shares: tuple[float, ...]  # cumulative share of the year at each period
    anchor: str | None  # the real 2023 indicator a level starts from
    scale: tuple[float, float]  # the range an area's factor on its anchor is drawn from
    base: float  # per-capita incomes: base + per × anchor
    per: float
    counties: dict[str, float]  # county code → its share of Linfen's level (or factor on a per-capita level)
    lead: tuple[str, float]  # the area drawn above the mean, by how many spreads between areas

    @classmethod
    def of(cls, spec: dict[str, Any], config: dict[str, Any]) -> Model:
        synthetic = spec["synthetic"]
        scale = synthetic.get("scale", 1.0)
        county_key = "income" if spec.get("per_capita") else "share"
        return cls(
            code=spec["code"],
            frequency=spec["frequency"],
            kind=spec["kind"],
            decimals=spec["decimals"],
            growth=tuple(synthetic["growth"]),
            shares=tuple(synthetic.get("shares", ())),
            anchor=synthetic.get("anchor"),
            scale=tuple(scale) if isinstance(scale, list) else (scale, scale),
            base=synthetic.get("base", 0.0),
            per=synthetic.get("per", 1.0),
            counties={code: values[county_key] for code, values in config["counties"].items()},
            lead=(config["lead"]["area"], config["lead"]["spreads"]),
        )

    def series(
        self, area: str, anchors: dict[tuple[str, str], float], until: int
    ) -> Iterator[tuple[str, float, float | None]]:
        """(period, value, published growth) of every period from 2024 through the year `until` (the caller
        keeps those already published). Each draw comes in the same order whatever `until` is, so a period's
        figure never depends on the day."""
        rng = random.Random(f"{SEED}:{self.code}:{area}")
        widen = 1.5 if area in self.counties else 1.0
        mean, between, yearly, noise = self.growth
        factor = rng.uniform(*self.scale)
        rate = mean + rng.gauss(0, between * widen) + (between * self.lead[1] if area == self.lead[0] else 0.0)
        previous = self._start(area, anchors, factor) if self.kind != "rate" else []
        for year in range(FIRST_YEAR, until + 1):
            names = periods(year, self.frequency)
            rates = _rates(rng, rate + rng.gauss(0, yearly * widen), noise * widen, len(names))
            if self.kind == "rate":
                yield from ((p, round(r, 1), None) for p, r in zip(names, rates, strict=True))
                continue
            levels = self._levels(previous, rates)
            for name, level, before in zip(names, levels, previous, strict=True):
                yield name, level, round((level / before - 1) * 100, 1)
            previous = levels

    def _start(self, area: str, anchors: dict[tuple[str, str], float], factor: float) -> list[float]:
        """The 2023 year-to-date levels the first synthetic year grows from."""
        share = self.counties.get(area)
        annual = anchors[(str(self.anchor), LINFEN if share is not None else area)] * factor
        annual = (self.base + self.per * annual) * (share if share is not None else 1.0)
        return [round(annual * s, self.decimals) for s in self.shares]

    def _levels(self, previous: list[float], rates: list[float]) -> list[float]:
        """Last year's levels grown by this year's rates, rounded, each above the one before."""
        step = 10**-self.decimals
        levels: list[float] = []
        for before, rate in zip(previous, rates, strict=True):
            level = round(before * (1 + max(rate, -50.0) / 100), self.decimals)
            if levels and level <= levels[-1]:
                level = round(levels[-1] + step, self.decimals)
            levels.append(max(level, step))
        return levels


def _rates(rng: random.Random, annual: float, noise: float, count: int) -> list[float]:
    """Year-to-date rates of a year's periods: the year's rate plus a smooth deviation that fades as the
    year-to-date total grows."""
    rates, deviation = [], 0.0
    for k in range(count):
        deviation = 0.6 * deviation + rng.gauss(0, noise * (count - k) / count)
        rates.append(annual + deviation)
    return rates
