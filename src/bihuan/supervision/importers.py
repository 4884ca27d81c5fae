"""Import key tasks from .xlsx or .csv in the ledger's layout: every row is checked, then all are written
through `services.save_task` in one transaction, or none are. Rows are matched on (year, number)."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from operator import attrgetter
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from bihuan.blueprint.models import Category
from bihuan.core import audit
from bihuan.core.importing import (
    ChoiceLookup,
    Column,
    ImportResult,
    Row,
    RowProblem,
    cell_date,
    cell_int,
    choices_text,
    parse_date,
    read_table,
    run_import,
    split_list,
    unchanged,
)
from bihuan.core.policy import policy
from bihuan.core.roles import Role
from bihuan.org.models import Unit
from bihuan.supervision import services
from bihuan.supervision.models import Cadence, KeyTask, Priority, Source

User = get_user_model()

# The ledger (ledger.py) writes the columns it shares with this list under these headers, so an
# exported ledger imports back. Aliases are what offices actually type.
TASK_COLUMNS = (
    Column("year", "年度", ("年份", "年", "任务年度"), english="Year"),
    Column("number", "编号", ("任务编号", "task number"), english="Number"),
    Column(
        "title",
        "任务名称",
        ("重点任务", "重点工作", "任务", "名称", "标题", "task", "task title"),
        required=True,
        english="Title",
    ),
    Column(
        "description",
        "具体内容",
        ("任务内容", "工作内容", "工作目标", "任务描述", "描述", "说明", "details"),
        english="Description",
    ),
    Column("source", "任务来源", ("来源",), english="Source"),
    Column(
        "source_reference", "来源依据", ("依据", "文号", "来源文号", "出处", "reference"), english="Source reference"
    ),
    Column("category", "工作类别", ("类别", "分类", "任务类别", "work category"), english="Category"),
    Column(
        "lead_unit",
        "牵头单位",
        ("责任单位", "牵头部门", "主责单位", "lead"),
        required=True,
        english="Lead unit",
    ),
    Column(
        "partner_units",
        "配合单位",
        ("协办单位", "配合部门", "参与单位", "责任配合单位", "partners", "partner unit"),
        english="Partner units",
    ),
    Column(
        "leader",
        "责任领导",
        ("分管领导", "牵头领导", "包联领导", "市级领导", "领导", "responsible leader"),
        english="Leader",
    ),
    Column("start", "开始日期", ("开始时间", "起始日期", "开始", "start date"), english="Start"),
    Column(
        "due",
        "完成时限",
        ("截止日期", "完成时间", "完成期限", "到期日", "时限", "due date", "deadline"),
        required=True,
        english="Due",
    ),
    Column("cadence", "报送频次", ("报送周期", "调度频次", "频次", "report cadence", "frequency"), english="Cadence"),
    Column("report_day", "报送日", ("报送日期", "每期报送日"), english="Report day"),
    Column("priority", "优先级", ("重要程度",), english="Priority"),
    Column("tags", "标签", ("关键词", "tag"), english="Tags"),
)
COLUMN = {c.key: c for c in TASK_COLUMNS}

SOURCE_ALIASES = {
    Source.WORK_REPORT: ("政府工作报告", "工作报告", "政府报告"),
    Source.PARTY_MEETING: ("市委常委会", "常委会", "市委常委会会议", "市委会议", "党委会议"),
    Source.LEADER_INSTRUCTION: ("领导批示", "批示", "领导交办", "交办"),
    Source.DOCUMENT: ("文件", "上级文件", "文件部署"),
    Source.OTHER: ("其他", "其它"),
}
CADENCE_ALIASES = {
    Cadence.WEEKLY: ("周", "每周", "按周", "周报", "一周一报"),
    Cadence.FORTNIGHTLY: ("双周", "每两周", "两周", "半月", "每半月", "biweekly", "bi-weekly"),
    Cadence.MONTHLY: ("月", "每月", "按月", "月报", "一月一报"),
    Cadence.QUARTERLY: ("季", "季度", "每季", "每季度", "按季", "按季度", "季报"),
}
PRIORITY_ALIASES = {
    Priority.HIGH: ("高", "重要", "紧急", "high"),
    Priority.NORMAL: ("一般", "普通", "中", "正常", "normal"),
    Priority.LOW: ("低", "low"),
}
WEEKDAYS = {name: n for n, names in enumerate(("一", "二", "三", "四", "五", "六", "日"), start=1) for name in names}


def _key(text: str) -> str:
    """Names compare without case, spaces or the difference between full- and half-width forms."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


class _Names:
    """Finds an object by any of several names (code, name, short name …), tried in that order; several
    objects come back when a name is ambiguous."""

    def __init__(self, objects: Iterable[Any], *names: Callable[[Any], str]):
        self.by_name: list[dict[str, list[Any]]] = []
        objects = list(objects)
        for name_of in names:
            index: dict[str, list[Any]] = defaultdict(list)
            for obj in objects:
                value = name_of(obj) or ""
                if value:
                    index[_key(value)].append(obj)
            self.by_name.append(index)

    def find(self, text: str) -> list[Any]:
        """The objects the first matching kind of name gives (one when all is well)."""
        for index in self.by_name:
            found = index.get(_key(text))
            if found:
                return found
        return []


def import_tasks(actor: Any, source: Any, filename: str | None = None, dry_run: bool = False) -> ImportResult:
    """Create (as drafts) or update key tasks matched on (year, number). A blank number gets the
    year's next free one. Only the columns the file has are written."""
    policy.require(actor, "import", KeyTask)
    table = read_table(source, TASK_COLUMNS, filename)
    today = timezone.localdate()
    all_units = list(Unit.objects.all())
    units = _Names(all_units, attrgetter("code"), attrgetter("name"), attrgetter("short_name"))
    all_categories = list(Category.objects.all())
    categories = _Names(all_categories, attrgetter("code"), attrgetter("name"))
    people = list(User.objects.select_related("profile"))
    persons = _Names(people, lambda p: p.get_username(), lambda p: p.get_full_name())
    names = {
        "lead_unit": {u.pk: u.label for u in all_units},
        "partner_units": {u.pk: u.label for u in all_units},
        "category": {c.pk: c.name for c in all_categories},
        "leader": {p.pk: p.get_full_name() or p.get_username() for p in people},
    }
    sources = ChoiceLookup(Source.choices, SOURCE_ALIASES)
    cadences = ChoiceLookup(Cadence.choices, CADENCE_ALIASES)
    priorities = ChoiceLookup(Priority.choices, PRIORITY_ALIASES)
    reserved = _numbers_in_file(table.rows, today)
    existing = {
        (t.year, t.number): t
        for t in KeyTask.objects.filter(year__in={year for year, _n in reserved}).prefetch_related("partner_units")
    }
    seen: dict[tuple[int, str], int] = {}
    tracked = (*services.TASK_FIELDS, "partner_units")

    def unit(key: str, text: str) -> Unit:
        found = units.find(text)
        if len(found) == 1:
            return found[0]
        if found:
            raise RowProblem(
                key,
                _("“%(value)s” names several units (%(codes)s); write the unit's code")
                % {"value": text, "codes": ", ".join(u.code for u in found)},
            )
        raise RowProblem(key, _("no unit has the code, name or short name “%(value)s”") % {"value": text})

    def leader(text: str, current_id: int | None) -> Any:
        found = persons.find(text)
        if current_id is not None and any(p.pk == current_id for p in found):
            return next(p for p in found if p.pk == current_id)  # unchanged, even if the role changed since
        leaders = [
            p for p in found if p.is_active and getattr(getattr(p, "profile", None), "role", None) == Role.LEADER
        ]
        if len(leaders) == 1:
            return leaders[0]
        if len(leaders) > 1:
            raise RowProblem(
                "leader",
                _("“%(value)s” names several leaders (%(names)s); write the user name")
                % {"value": text, "names": ", ".join(p.get_username() for p in leaders)},
            )
        if found:
            raise RowProblem(
                "leader",
                _("“%(value)s” is not an active user with the role leader; a task's responsible leader must be one")
                % {"value": text},
            )
        raise RowProblem("leader", _("no person has the user name or name “%(value)s”") % {"value": text})

    def choice(row: Row, key: str, lookup: ChoiceLookup, choices: Any) -> Any:
        """The value of a choice column's text, or a problem listing the choices."""
        value = lookup(row.values[key])
        if value is None:
            raise RowProblem(
                key,
                _("expected one of %(choices)s, got “%(value)s”")
                % {"choices": choices_text(choices), "value": row.values[key]},
            )
        return value

    def apply_row(row: Row, result: ImportResult) -> None:
        values = row.values
        for key in ("title", "lead_unit", "due"):
            if not values.get(key):
                raise RowProblem(key, _("this column must be filled in"))
        start = cell_date(row, "start") if "start" in values else None
        due = cell_date(row, "due")
        number = _number_text(values.get("number", ""))
        if parse_date(number) is not None and " " in number:
            raise RowProblem(
                "number",
                _("Excel turned the number “%(value)s” into a date; format the column as text and type it again")
                % {"value": number},
            )
        year = _year(row, number, start, today)
        task = existing.get((year, number)) if number else None
        if number:
            if (year, number) in seen:
                raise RowProblem(
                    "number",
                    _("the number %(number)s of %(year)s already appears in row %(row)s")
                    % {"number": number, "year": year, "row": seen[(year, number)]},
                )
            seen[(year, number)] = row.number
        else:
            number = _free_number(year, reserved)
        data: dict[str, Any] = {
            "year": year,
            "number": number,
            "title": values["title"],
            "lead_unit": unit("lead_unit", values["lead_unit"]),
            "due": due,
        }
        for key in ("description", "source_reference", "tags"):
            if key in values:
                data[key] = values[key]
        if "start" in values:
            data["start"] = start
        if values.get("source"):
            data["source"] = str(choice(row, "source", sources, Source.choices))
        if values.get("cadence"):
            data["cadence"] = str(choice(row, "cadence", cadences, Cadence.choices))
        if values.get("priority"):
            data["priority"] = int(choice(row, "priority", priorities, Priority.choices))
        if values.get("report_day"):
            data["report_day"] = _report_day(row)
        if "category" in values:
            data["category"] = _category(categories, values["category"]) if values["category"] else None
        if "leader" in values:
            data["leader"] = leader(values["leader"], task.leader_id if task else None) if values["leader"] else None
        if "partner_units" in values:
            partners = [unit("partner_units", name) for name in split_list(values["partner_units"])]
        else:
            partners = list(task.partner_units.all()) if task else []
        begins = start if "start" in values else (task.start if task else None)  # a file without starts keeps them
        if begins and due and due < begins:
            raise RowProblem(
                "due", _("the due date %(due)s is before the start %(start)s") % {"due": due, "start": begins}
            )
        before = _snapshot(task) if task else {}
        label = f"{number} {values['title']}"
        if task is not None and unchanged(before, {**data, "partner_units": sorted(p.pk for p in partners)}):
            result.unchanged.append(label)  # a re-import of unchanged rows writes nothing
            return
        saved = services.save_task(actor, data, partners, task)
        existing[(year, number)] = saved
        changes = audit.diff(before, audit.snapshot(saved, tracked))
        result.add(label, task is None, {k: _named(v, names.get(k)) for k, v in changes.items()})

    return run_import(actor, "tasks", table, apply_row, dry_run)


def _snapshot(task: KeyTask) -> dict[str, Any]:
    """The task's imported fields as the audit log records them; partner units from the prefetched rows,
    so that comparing an unchanged row costs no query."""
    return {
        **audit.snapshot(task, services.TASK_FIELDS),
        "partner_units": sorted(u.pk for u in task.partner_units.all()),
    }


def _category(categories: _Names, text: str) -> Category:
    found = categories.find(text)
    if len(found) != 1:
        raise RowProblem(
            "category",
            _("no work category has the code or name “%(value)s”") % {"value": text}
            if not found
            else _("“%(value)s” names several work categories; write the code") % {"value": text},
        )
    return found[0]


def _named(change: list[Any], names: dict[int, str] | None) -> list[Any]:
    """A change of related objects by name instead of id, for the preview and the command line."""
    if names is None:
        return change

    def name(value: Any) -> Any:
        if isinstance(value, list):
            return [name(v) for v in value]
        return names.get(value, value) if value is not None else None

    return [name(v) for v in change]


def _number_text(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _year_of_number(number: str) -> int | None:
    head = number.split("-", 1)[0]
    return int(head) if len(head) == 4 and head.isdigit() and "-" in number else None


def _year(row: Row, number: str, start: date | None, today: date) -> int:
    """The year column; else the year the number starts with (2025-017); else the start's year; else this year."""
    text = unicodedata.normalize("NFKC", row.values.get("year", "")).strip().removesuffix("年")
    if text:
        if not text.isdigit() or not 1990 <= int(text) <= 2100:
            raise RowProblem("year", _("expected a year such as 2025, got “%(value)s”") % {"value": row.values["year"]})
        return int(text)
    return _year_of_number(number) or (start.year if start else today.year)


def _year_guess(row: Row, today: date) -> int | None:
    """The row's year if it can be read without errors (for the first pass over the file)."""
    try:
        start = cell_date(row, "start") if "start" in row.values else None
        return _year(row, _number_text(row.values.get("number", "")), start, today)
    except RowProblem:
        return None


def _numbers_in_file(rows: list[Row], today: date) -> set[tuple[int, str]]:
    """The (year, number) pairs the file gives, so that numbers given to blank rows avoid them."""
    numbers = set()
    for row in rows:
        number = _number_text(row.values.get("number", ""))
        year = _year_guess(row, today)
        if number and year:
            numbers.add((year, number))
    return numbers


def _free_number(year: int, reserved: set[tuple[int, str]]) -> str:
    """The year's next free number that no row of the file claims further down."""
    number = services.next_number(year)
    counter = int(number.rsplit("-", 1)[1])
    while (year, number) in reserved:
        counter += 1
        number = f"{year}-{counter:03d}"
    return number


def _report_day(row: Row) -> int:
    """5, 5日, 5号, or 周一 … 周日 / 星期一 … 星期日 for weekly reports."""
    text = unicodedata.normalize("NFKC", row.values["report_day"]).strip()
    for prefix in ("星期", "周", "礼拜"):
        if text.startswith(prefix) and text[len(prefix) :] in WEEKDAYS:
            return WEEKDAYS[text[len(prefix) :]]
    text = text.removeprefix("每月").removesuffix("日").removesuffix("号")
    day = cell_int(Row(row.number, {"report_day": text}, row.letters), "report_day")
    if not 1 <= day <= 31:
        raise RowProblem(
            "report_day",
            _("expected a day from 1 to 31 (weekly: 1 = Monday … 7 = Sunday), got “%(value)s”")
            % {"value": row.values["report_day"]},
        )
    return day


TEMPLATE_TITLE = KeyTask._meta.verbose_name_plural
TEMPLATE_EXAMPLE = (
    TASK_COLUMNS,
    [
        [
            "2025",
            "",
            "推动焦化行业升级改造",
            "完成 4.3 米焦炉关停和先进产能置换",
            "政府工作报告",
            "政府工作报告第三部分",
            "",
            "FGW",
            "市工信局、市生态环境局",
            "",
            "2025-01-01",
            "2025-12-31",
            "月",
            "5",
            "高",
            "焦化,转型",
        ]
    ],
)
