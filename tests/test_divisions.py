"""China's division codes as areas (`bihuan.indicators.divisions`): every province, city and county-level area of
the packaged list with the right parent, short names as tables print them, a second run that changes nothing,
and malformed files refused with file, row and column, nothing written."""

from __future__ import annotations

import csv
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from bihuan.core.importing import ImportFailed
from bihuan.core.models import AuditEvent
from bihuan.core.roles import SYSTEM, Role
from bihuan.indicators.divisions import DATA, PLACEHOLDERS, load_divisions, short_name
from bihuan.indicators.models import Area


def rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("临汾市", "临汾"),
        ("山西省", "山西"),
        ("尧都区", "尧都"),
        ("霍州市", "霍州"),
        ("内蒙古自治区", "内蒙古"),
        ("广西壮族自治区", "广西"),
        ("新疆维吾尔自治区", "新疆"),
        ("延边朝鲜族自治州", "延边"),
        ("恩施土家族苗族自治州", "恩施"),
        ("积石山保安族东乡族撒拉族自治县", "积石山"),
        ("东乡族自治县", "东乡"),
        ("鄂伦春自治旗", "鄂伦春旗"),
        ("大兴安岭地区", "大兴安岭"),
        ("阿拉善盟", "阿拉善"),
        ("神农架林区", "神农架"),
        ("吉县", "吉县"),
        ("城区", "城区"),
        ("古县", "古县"),
        ("沙市区", "沙市"),
        ("峰峰矿区", "峰峰矿区"),
        ("浦东新区", "浦东新区"),
        ("土默特左旗", "土默特左旗"),
        ("山西转型综合改革示范区", "山西转型综合改革示范区"),
    ],
)
def test_short_names_as_tables_print_them(name, short):
    assert short_name(name) == short


def test_every_packaged_name_keeps_at_least_two_characters():
    names = [r["name"] for f in ("provinces.csv", "cities.csv", "areas.csv") for r in rows(f)]
    assert all(len(short_name(n)) >= 2 for n in names if n not in PLACEHOLDERS)


def test_all_of_china_with_parents_in_one_event_and_a_second_run_changes_nothing(db):
    cities = [r for r in rows("cities.csv") if r["name"] not in PLACEHOLDERS]
    counties = [r for r in rows("areas.csv") if r["code"] != r["cityCode"] + "00"]  # not 东莞 repeating itself
    events = AuditEvent.objects.count()
    started = time.monotonic()
    counts = load_divisions(SYSTEM)
    elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed
    expected = {"province": len(rows("provinces.csv")), "city": len(cities), "county": len(counties)}
    assert expected == {
        "province": 31,
        "city": 333,
        "county": 2975,
    }  # nine placeholders, three cities repeated as counties
    assert Counter(Area.objects.values_list("level", flat=True)) == expected
    assert counts == {"created": sum(expected.values()), "updated": 0, "unchanged": 0}
    assert not Area.objects.filter(name__in=PLACEHOLDERS).exists()
    area = {a.code: a for a in Area.objects.select_related("parent")}
    assert (area["141000"].name, area["141000"].short_name, area["141000"].level) == ("临汾市", "临汾", "city")
    assert area["141000"].parent.code == "140000" and area["140000"].parent is None
    assert area["141002"].parent.code == "141000" and area["141002"].level == "county"
    assert area["110101"].parent.code == "110000"  # 东城区: a municipality's districts belong to it directly
    assert area["500229"].parent.code == "500000"  # 城口县 under 重庆's placeholder 县
    assert area["419001"].parent.code == "410000"  # 济源市, 省直辖县级行政区划
    assert len([a for a in area.values() if a.parent_id == area["141000"].pk]) == 17
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.latest("seq")
    assert event.action == "divisions.imported" and event.changes["created"] == sum(expected.values())

    stamps = dict(Area.objects.values_list("code", "updated_at"))
    again = load_divisions(SYSTEM)
    assert again == {"created": 0, "updated": 0, "unchanged": sum(expected.values())}
    assert AuditEvent.objects.count() == events + 1
    assert dict(Area.objects.values_list("code", "updated_at")) == stamps


def test_changed_names_are_updated_and_other_areas_left_alone(db, tmp_path):
    load_divisions(SYSTEM)
    Area.objects.filter(code="141000").update(name="临汾", short_name="x")
    extra = Area.objects.create(code="999999", name="测试区", short_name="测试", level="county")
    counts = load_divisions(SYSTEM)
    assert (counts["created"], counts["updated"]) == (0, 1)
    assert Area.objects.get(code="141000").short_name == "临汾"
    assert Area.objects.filter(pk=extra.pk).exists()


def copy_with(tmp_path: Path, name: str, text: str) -> Path:
    for file in ("provinces.csv", "cities.csv", "areas.csv"):
        shutil.copy(DATA / file, tmp_path / file)
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("name", "text", "row", "column", "words"),
    [
        ("cities.csv", 'code,name,provinceCode\n1401,"太原市",14\n14X2,"大同市",14\n', 3, "A (代码)", "4"),
        ("cities.csv", "code,name,provinceCode\n1401,太原市,14\n1402,大同市,99\n", 3, "C (省级代码)", "99"),
        ("areas.csv", "code,name,cityCode,provinceCode\n140105,小店区,1401,14\n140106,,1401,14\n", 3, "B (名称)", ""),
        ("areas.csv", "code,name,cityCode,provinceCode\n140105,小店区,1401,14\n140105,迎泽区,1401,14\n", 3,
         "A (代码)", "140105"),
        ("areas.csv", "code,name,cityCode,provinceCode\n140205,小店区,1401,14\n", 2, "C (地级代码)", "1401"),
        ("provinces.csv", "code,name\n11,北京市\n14," + "山" * 61 + "\n", 3, "B (名称)", "60"),
        ("areas.csv", "code,name,provinceCode\n140105,小店区,14\n", 1, None, "cityCode"),
    ],
)  # fmt: skip
def test_malformed_files_are_refused_with_row_and_column_and_nothing_is_written(
    db, tmp_path, name, text, row, column, words
):
    folder = copy_with(tmp_path, name, text)
    events = AuditEvent.objects.count()
    with pytest.raises(ImportFailed) as failed:
        load_divisions(SYSTEM, folder)
    error = failed.value.errors[0]
    assert (error.file, error.sheet, error.row, error.column) == (name, None, row, column)
    assert words in error.message
    assert not Area.objects.exists() and AuditEvent.objects.count() == events


def test_a_missing_file_is_named(db, tmp_path):
    shutil.copy(DATA / "provinces.csv", tmp_path / "provinces.csv")
    with pytest.raises(ImportFailed) as failed:
        load_divisions(SYSTEM, tmp_path)
    assert {e.file for e in failed.value.errors} == {"cities.csv", "areas.csv"}


def test_a_folder_of_the_same_three_files_loads_like_the_packaged_list(db, tmp_path):
    folder = copy_with(tmp_path, "areas.csv", "code,name,cityCode,provinceCode\n141002,尧都区,1410,14\n")
    counts = load_divisions(SYSTEM, folder)
    assert counts["created"] == 31 + 333 + 1
    assert Area.objects.get(code="141002").parent.code == "141000"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.UNIT_HEAD, Role.SUPERVISOR])
def test_only_statisticians_and_administrators_import(people, role):
    with pytest.raises(PermissionDenied):
        load_divisions(people[role])
    assert not Area.objects.exists()


def test_a_statistician_imports(people):
    assert load_divisions(people[Role.STATISTICIAN])["created"] > 3000
