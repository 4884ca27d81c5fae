"""China's division codes (统计用区划代码, the National Bureau of Statistics' 2023 list) as areas: provinces,
prefecture-level cities and county-level areas, from the CSVs packaged in `data/divisions` (see its README)
or a folder holding the same three files.

Placeholders in cities.csv are not areas. A municipality's 市辖区 and 县 (北京 1101, 重庆 5002) and a
province's 省直辖县级行政区划 / 自治区直辖县级行政区划 (河南 4190, 新疆 6590) only group county-level areas
that belong directly to the province, so no area is made for them and their county-level areas get the
province-level area as parent: 东城区 110101 → 北京市 110000, 济源市 419001 → 河南省 410000.

A city without county-level areas (东莞 441900, 中山, 儋州) repeats itself in areas.csv with its own code; that row
is the city, already loaded, and is skipped, as is a county-level row named 市辖区 (older editions list one under
every city).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bihuan.core import audit
from bihuan.core.importing import Column, ImportFailed, Row, RowError, Table, read_table
from bihuan.core.policy import policy
from bihuan.indicators.models import Area

DATA = Path(__file__).parent / "data" / "divisions"
PROVINCES, CITIES, AREAS = "provinces.csv", "cities.csv", "areas.csv"
#: cities.csv entries that group county-level areas under their province instead of naming a city
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

CODE = Column("code", "代码", english="code", required=True)
NAME = Column("name", "名称", english="name", required=True)
PROVINCE_CODE = Column("provinceCode", "省级代码", english="provinceCode", required=True)
CITY_CODE = Column("cityCode", "地级代码", english="cityCode", required=True)

# ---- short names, as statistical tables print them -------------------------------------------------

#: Names ending so are printed whole: zones, mining districts, new areas, banners, islands.
KEEP_WHOLE = ("开发区", "园区", "示范区", "管理区", "管委会", "委员会", "新区", "矿区", "新城", "旗", "群岛", "海域")
AUTONOMOUS = ("自治区", "自治州", "自治县", "自治旗")
#: Generic suffixes, longest first so 地区 goes before 区.
SUFFIXES = ("特别行政区", "地区", "林区", "特区", "省", "市", "区", "县", "盟")
#: The peoples named in autonomous areas' names (广西壮族自治区, 延边朝鲜族自治州), some without 族 as the
#: names write them (新疆维吾尔自治区, 伊犁哈萨克自治州); 各族 as in 龙胜各族自治县.
_PEOPLES = (
    "蒙古族", "回族", "藏族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族", "瑶族", "白族", "土家族",
    "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族",
    "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "普米族", "怒族", "鄂温克族",
    "保安族", "裕固族", "独龙族", "各族", "蒙古", "维吾尔", "哈萨克", "柯尔克孜", "塔吉克", "锡伯", "鄂伦春",
)  # fmt: skip
PEOPLES = tuple(sorted(_PEOPLES, key=len, reverse=True))  # longest first: 蒙古族 before 蒙古


def short_name(name: str) -> str:
    """The name without its suffix: 临汾市 → 临汾, 山西省 → 山西, 广西壮族自治区 → 广西, 延边朝鲜族自治州 → 延边,
    鄂伦春自治旗 → 鄂伦春旗. Never shorter than two characters (吉县 and 城区 stay), and zones, mining
    districts, new areas and banners stay whole (峰峰矿区, 浦东新区, 土默特左旗)."""
    name = name.strip()
    for suffix in AUTONOMOUS:
        if name.endswith(suffix) and len(name) > len(suffix):
            return _without_peoples(name.removesuffix(suffix)) + ("旗" if suffix == "自治旗" else "")
    if name.endswith(KEEP_WHOLE):
        return name
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)] if len(name) - len(suffix) >= 2 else name
    return name


def _without_peoples(base: str) -> str:
    """恩施土家族苗族 → 恩施; stops before leaving less than two characters (内蒙古 stays, 东乡族 → 东乡)."""
    while True:
        people = next((p for p in PEOPLES if base.endswith(p) and len(base) - len(p) >= 2), None)
        if people is None:
            break
        base = base[: -len(people)]
    return base[:-1] if base.endswith("族") and len(base) > 2 else base


# ---- reading the three files -----------------------------------------------------------------------


@dataclass(frozen=True)
class Division:
    code: str  # 6 digits
    name: str
    level: str
    parent: str | None  # the parent's 6-digit code


def read_divisions(folder: Path) -> list[Division]:
    """Provinces, then cities, then county-level areas (parents before children); ImportFailed naming the
    file, row and column of every problem."""
    errors: list[RowError] = []
    tables = {}
    for name, columns in ((PROVINCES, (CODE, NAME)), (CITIES, (CODE, NAME, PROVINCE_CODE)),
                          (AREAS, (CODE, NAME, CITY_CODE, PROVINCE_CODE))):  # fmt: skip
        try:
            tables[name] = read_table(folder / name, columns)
        except FileNotFoundError:
            errors.append(RowError(name, None, None, None, _("the file is missing")))
        except ImportFailed as failed:
            errors.extend(failed.errors)
    if errors:
        raise ImportFailed(errors)
    provinces: dict[str, str] = {}  # 2-digit code → 6-digit code
    cities: dict[str, str | None] = {}  # 4-digit code → 6-digit code, None for a placeholder
    result: list[Division] = []
    seen: dict[str, tuple[str, int]] = {}
    check = _Checker(errors, seen)
    for row in tables[PROVINCES].rows:
        if (code := check.code(tables[PROVINCES], row, 2)) and check.named(tables[PROVINCES], row):
            provinces[code] = code + "0000"
            result.append(Division(code + "0000", row.values["name"], Area.Level.PROVINCE, None))
    for row in tables[CITIES].rows:
        code = check.code(tables[CITIES], row, 4)
        province = check.parent(tables[CITIES], row, "provinceCode", provinces, code)
        if code and province and check.named(tables[CITIES], row):
            placeholder = row.values["name"] in PLACEHOLDERS
            cities[code] = None if placeholder else code + "00"
            if not placeholder:
                result.append(Division(code + "00", row.values["name"], Area.Level.CITY, provinces[province]))
    for row in tables[AREAS].rows:
        if cities.get(row.values["code"][:4]) == row.values["code"].strip() or row.values["name"] in PLACEHOLDERS:
            continue  # 东莞市 441900 repeating itself; 市辖区 as a county-level row (in older editions)
        code = check.code(tables[AREAS], row, 6)
        city = check.parent(tables[AREAS], row, "cityCode", cities, code)
        province = check.parent(tables[AREAS], row, "provinceCode", provinces, code)
        if code and city and province and check.named(tables[AREAS], row):
            parent = cities[city] or provinces[province]
            result.append(Division(code, row.values["name"], Area.Level.COUNTY, parent))
    if errors:
        raise ImportFailed(errors)
    return result


@dataclass
class _Checker:
    errors: list[RowError]
    seen: dict[str, tuple[str, int]]  # 6-digit code → (file, row) where it first appeared

    def code(self, table: Table, row: Row, digits: int) -> str | None:
        value = row.values["code"].strip()
        if len(value) != digits or not value.isascii() or not value.isdigit():
            message = _("expected a %(digits)s-digit division code, got “%(value)s”")
            self.errors.append(table.error(row, "code", message % {"digits": digits, "value": value}))
            return None
        full = value.ljust(6, "0")
        if full in self.seen:
            first = self.seen[full]
            message = _("the code %(code)s already appears in row %(row)s") % {"code": value, "row": first[1]}
            self.errors.append(
                table.error(row, "code", f"{message} ({first[0]})" if first[0] != table.file else message)
            )
            return None
        self.seen[full] = (table.file, row.number)
        return value

    def parent(self, table: Table, row: Row, key: str, known: dict[str, Any], code: str | None) -> str | None:
        value = row.values[key].strip()
        if value not in known:
            source = PROVINCES if key == "provinceCode" else CITIES
            message = _("“%(value)s” is not a code in %(file)s") % {"value": value, "file": source}
        elif code is not None and not code.startswith(value):
            message = _("the code %(code)s does not begin with %(parent)s") % {"code": code, "parent": value}
        else:
            return value
        self.errors.append(table.error(row, key, message))
        return None

    def named(self, table: Table, row: Row) -> bool:
        name, limit = row.values["name"].strip(), Area._meta.get_field("name").max_length
        if not name or len(name) > limit:
            message = _("the name is empty") if not name else _("the name is longer than %(limit)s characters")
            self.errors.append(table.error(row, "name", message % {"limit": limit} if name else message))
            return False
        return True


# ---- writing -------------------------------------------------------------------------------------


def load_divisions(actor: Any, folder: Path | None = None) -> dict[str, int]:
    """Create or update an area for every province, city and county-level area of the division codes (the
    packaged list, or `folder` with the same three files); areas not in the list are left alone. All in one
    transaction with one audit event; a run that changes nothing writes nothing. Returns the counts
    created / updated / unchanged."""
    policy.require(actor, "import", Area)
    source = Path(folder) if folder is not None else DATA
    divisions = read_divisions(source)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        existing = {a.code: a for a in Area.objects.filter(code__in=[d.code for d in divisions])}
        ids = {code: area.pk for code, area in existing.items()}
        for level in (Area.Level.PROVINCE, Area.Level.CITY, Area.Level.COUNTY):
            rows = [d for d in divisions if d.level == level]
            fresh, changed = _compare(rows, existing, ids)
            Area.objects.bulk_create(fresh, batch_size=1000)
            if fresh:  # the next level's parents: read the new ids back (not every database returns them)
                ids.update(Area.objects.filter(code__in=[a.code for a in fresh]).values_list("code", "pk"))
            if changed:
                now = timezone.now()
                for area in changed:
                    area.updated_at = now  # bulk_update skips auto_now
                fields = ["name", "short_name", "level", "parent", "updated_at"]
                Area.objects.bulk_update(changed, fields, batch_size=1000)
            counts["created"] += len(fresh)
            counts["updated"] += len(changed)
            counts["unchanged"] += len(rows) - len(fresh) - len(changed)
        if counts["created"] or counts["updated"]:
            audit.record(
                actor,
                "divisions.imported",
                None,
                {"folder": "packaged" if folder is None else str(source), **counts},
                object_type="import",
                object_id="divisions",
                object_repr="统计用区划代码",
            )
    return counts


SHORT_LIMIT = Area._meta.get_field("short_name").max_length


def _compare(rows: Sequence[Division], existing: dict[str, Area], ids: dict[str, int]) -> tuple[list[Area], list[Area]]:
    """The areas to create and the existing ones whose name, short name, level or parent differ (changed in place)."""
    fresh, changed = [], []
    for division in rows:
        data = {
            "name": division.name,
            "short_name": short_name(division.name)[:SHORT_LIMIT],
            "level": division.level,
            "parent_id": ids[division.parent] if division.parent else None,
        }
        area = existing.get(division.code)
        if area is None:
            fresh.append(Area(code=division.code, **data))
        elif any(getattr(area, key) != value for key, value in data.items()):
            for key, value in data.items():
                setattr(area, key, value)
            changed.append(area)
    return fresh, changed
