"""`bihuan league`: the league table on the real Shanxi 2023 figures as a terminal table, CSV and JSON (the
same rows as the API), as published on a date, and clear refusals with exit code 2."""

from __future__ import annotations

import csv
import io
import json
import unicodedata

import pytest
from django.utils import timezone

from bihuan import cli
from bihuan.core.roles import SYSTEM
from bihuan.indicators.league_output import KEYS
from bihuan.indicators.services import Value, record_observations
from tests.test_indicators_api import shanxi  # noqa: F401  (the fixture)

GROWTH_2023 = ["--indicator", "gdp_growth", "--group", "山西11市", "--period", "2023"]
GDP_2023 = ["--indicator", "gdp", "--group", "山西11市", "--period", "2023"]


def league(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        cli.main(["league", *args])
    out = capsys.readouterr()
    return done.value.code, out.out, out.err


def cells(line: str) -> list[str]:
    """The line as terminal cells: a Chinese character fills two."""
    result = []
    for ch in line:
        result.extend([ch, ""] if unicodedata.east_asian_width(ch) in "WF" else [ch])
    return result


def test_table_is_aligned_and_readable(capsys, shanxi):  # noqa: F811
    code, out, err = league(capsys, *GROWTH_2023)
    assert code == 0 and err == ""
    title, header, rule, *rows = out.splitlines()
    assert title == "地区生产总值增速 (%) · 山西11市 · 2023 · by value"
    assert header.split()[:3] == ["Rank", "Code", "Area"] and "Catch-up growth %" in header
    assert len(rows) == 11
    assert rows[0].split()[:5] == ["1", "141000", "临汾", "7.6", "-"]  # no published growth for a rate
    assert "↑4" in rows[0] and "✓" in rows[0]
    assert [r.split()[0] for r in rows[:5]] == ["1", "2", "3", "3", "5"]
    # Every column starts and ends where the rule under the header says, Chinese names included.
    gaps = [i for i, ch in enumerate(rule) if ch == " "]
    assert gaps
    for line in [header, *rows]:
        laid = cells(line)
        assert all(i >= len(laid) or laid[i] == " " for i in gaps), line
    assert max(len(cells(line)) for line in rows) <= len(rule)


def test_csv_has_the_json_columns(capsys, shanxi):  # noqa: F811
    code, out, _err = league(capsys, *GROWTH_2023, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == KEYS and len(rows) == 11
    assert (rows[0]["area"], rows[0]["rank"], rows[0]["value"], rows[0]["first_tier"]) == ("临汾", "1", "7.6", "True")
    assert rows[0]["growth"] == "" and rows[0]["gap_to_next"] == ""  # nothing to show, not "None"
    assert [r["rank"] for r in rows[1:5]] == ["2", "3", "3", "5"]


def test_json_has_every_column_for_every_area_as_the_api_does(capsys, shanxi, people, login):  # noqa: F811
    code, out, _err = league(capsys, *GDP_2023, "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["unit"] == "亿元" and document["by"] == "value" and document["as_of"] is None
    assert len(document["rows"]) == 11 and all(tuple(r) == KEYS for r in document["rows"])
    linfen = next(r for r in document["rows"] if r["area"] == "临汾")
    assert (linfen["rank"], linfen["value"], linfen["growth"], linfen["gap_to_next"]) == (6, 2312.0, 7.6, 18.0)
    assert linfen["catch_up_growth"] == pytest.approx((2330 * 1.056 / 2312 - 1) * 100)
    from django.utils import translation

    with translation.override("en"):
        api = login(people["viewer"]).get("/api/v1/league/?indicator=gdp&group=山西11市&period=2023")
    assert api.json() == document


def test_by_growth_and_as_published(capsys, shanxi):  # noqa: F811
    published = timezone.now()
    record_observations(SYSTEM, [Value(shanxi["growth"], shanxi["cities"]["141000"], "2023", 6.9)], source="修订")
    _code, now, _err = league(capsys, *GROWTH_2023, "--format", "json")
    assert json.loads(now)["rows"][0]["area"] == "晋城"
    code, then, _err = league(capsys, *GROWTH_2023, "--format", "json", "--as-of", published.isoformat())
    assert code == 0 and json.loads(then)["rows"][0]["value"] == 7.6
    _code, day, _err = league(capsys, *GROWTH_2023, "--format", "json", "--as-of", "2000-01-01")
    assert all(r["rank"] is None for r in json.loads(day)["rows"])  # nothing was published yet
    code, table, _err = league(capsys, *GDP_2023, "--by", "growth")
    assert code == 0 and table.splitlines()[0].endswith("by growth") and "临汾" in table.splitlines()[3]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--indicator", "gdp_x", "--group", "山西11市", "--period", "2023"], ["gdp_x", "Known indicators: gdp"]),
        (["--indicator", "gdp", "--group", "山西", "--period", "2023"], ["'山西'", "Known groups: 山西11市"]),
        (["--indicator", "gdp", "--group", "山西11市", "--period", "2023-Q1"], ["yearly", "2023", "'2023-Q1'"]),
        ([*GROWTH_2023, "--as-of", "last week"], ["2024-05-01", "'last week'"]),
    ],
)
def test_unclear_requests_exit_2_and_say_what_was_expected(args, says, capsys, shanxi):  # noqa: F811
    code, out, err = league(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("bihuan league: ")
    for words in says:
        assert words in err


def test_league_needs_a_migrated_database_and_explains_itself(capsys, monkeypatch, shanxi):  # noqa: F811
    calls = []

    def unmigrated() -> None:
        calls.append(1)
        raise SystemExit(2)

    monkeypatch.setattr(cli, "_require_migrated", unmigrated)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["league", *GROWTH_2023])
    assert stopped.value.code == 2 and calls == [1]
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["league", "--help"])
    help_text = capsys.readouterr().out
    assert "--indicator" in help_text and "JSON has every column" in " ".join(help_text.split())
    assert "Exit code 2" in " ".join(help_text.split())
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--help"])
    assert "bihuan league" in capsys.readouterr().out
