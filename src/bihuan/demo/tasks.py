"""The demo's key tasks: about 60 illustrative work items for Linfen (临汾市) with histories made relative to
today, so the task list, task pages, "My work" and the statistics all have something true to show.

Every step goes through the supervision services with the person who would take it (the clerk drafts, the
head submits, the supervision office accepts), each run "at" its own past moment on a simulated clock, in
chronological order over all tasks, so the audit chain and every task's timeline are real. Nothing happens
on or after `today`. The tasks are examples written around the city's published themes, not real
assignments: each is tagged 示例 and says so in its description.
"""

from __future__ import annotations

import io
import itertools
import random
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from bihuan.blueprint.models import Category, Goal
from bihuan.blueprint.services import save_goal
from bihuan.core import audit
from bihuan.core.calendar import deadline_calendar
from bihuan.core.roles import SYSTEM, Role
from bihuan.org.models import Unit
from bihuan.org.services import save_user
from bihuan.supervision import selectors, services
from bihuan.supervision.models import KeyTask, Milestone, ProgressReport, SupervisionNotice, TaskComment
from bihuan.supervision.schedule import Period, report_periods

DEMO_TAG = "示例"
DEMO_NOTE = "（示例数据）"
SEED = "bihuan-demo-2"

# ---- the simulated clock -------------------------------------------------------------------------


class SimulatedClock:
    """Stands in for `django.utils.timezone.now` (and so for `timezone.localdate()`, `auto_now` fields and
    the audit log's times) while the demo's history is written. It only moves forward."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at.astimezone(UTC)

    def set(self, at: datetime) -> None:
        # Never backwards: events keep their order in time as they do in the audit chain.
        self.at = max(at, self.at + timedelta(microseconds=1))


@contextmanager
def simulated_clock(at: datetime) -> Iterator[SimulatedClock]:
    clock = SimulatedClock(at)
    with mock.patch.object(timezone, "now", clock.now):
        yield clock


def moment(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A local time on `day`, in the deployment's time zone."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def origin(today: date) -> date:
    """When the year's key tasks were handed out: after the government work report (late February), or
    four months back when today is early in the year, so there is always some history."""
    return min(date(today.year, 2, 20), today - timedelta(days=120))


def setup_time(today: date) -> datetime:
    """When the demo city's units and people were set up: some weeks before the tasks."""
    return moment(origin(today) - timedelta(days=20), 9, 0)


# ---- people --------------------------------------------------------------------------------------

# (username, name, role, unit code or None for the city, title)
LEADERS = [
    ("ld_wang", "王振东", "常务副市长"),
    ("ld_liu", "刘雅琴", "副市长"),
    ("ld_zhao", "赵宏斌", "副市长"),
]

# unit code → (prefix, head name, head title, clerk name)
UNIT_STAFF = {
    "GXJ": ("gxj", "杨建军", "市工信局局长", "李娜"),
    "NYJ": ("nyj", "韩志刚", "市能源局局长", "王婷"),
    "SSTHJJ": ("sthj", "薛文斌", "市生态环境局局长", "贾丽"),
    "XZSPJ": ("spj", "吴晓东", "市审批局局长", "冯佳"),
    "SWUJ": ("swuj", "田国庆", "市商务局局长", "范晶"),
    "RSJ": ("rsj", "高红梅", "市人社局局长", "宋洋"),
    "NYNCJ": ("nync", "梁永胜", "市农业农村局局长", "段静"),
    "YJJ": ("yjj", "常卫东", "市应急局局长", "牛蕾"),
    "KJJ": ("kjj", "武俊峰", "市科技局局长", "裴雯"),
    "JTJ": ("jtj", "乔立军", "市交通局局长", "任芳"),
    "SWJ": ("slj", "秦海波", "市水务局局长", "卫敏"),
    "ZJJ": ("zjj", "闫振宇", "市住建局局长", "柴晓红"),
    "LFKFQ": ("kfq", "董建平", "临汾开发区管委会主任", "史佳琪"),
    "141024": ("hd", "贺永强", "洪洞县县长", "郝丽萍"),
    "141023": ("xf", "曹国栋", "襄汾县县长", "侯晓燕"),
    "141021": ("qw", "阎志明", "曲沃县县长", "毛婧"),
    "141022": ("yc", "庞振山", "翼城县县长", "原欣"),
    "141081": ("hm", "解新华", "侯马市市长", "雷娟"),
    "141082": ("hz", "柳建斌", "霍州市市长", "薛梅"),
}
#: Heads and clerks the loader already creates.
EXISTING_STAFF = {"FGW": "fgw", "141002": "yd"}


def demo_staff() -> list[tuple[str, str, str, str]]:
    """(username, name, role label, unit code) of the people this module adds, for documentation and tests."""
    rows = [(username, name, title, "141000") for username, name, title in LEADERS]
    for code, (prefix, head, title, clerk) in UNIT_STAFF.items():
        rows += [(f"{prefix}_head", head, title, code), (f"{prefix}_clerk", clerk, "联络员", code)]
    return rows


def _create_people(units: dict[str, Unit]) -> None:
    """Leaders and each lead unit's head and clerk, through the same service the loader uses. One password
    hash serves them all: hashing it forty times would cost the demo half a minute."""
    from bihuan.demo.loader import DEMO_PASSWORD

    hashed = make_password(DEMO_PASSWORD)
    phone = itertools.count(2011101)
    rows = [(u, n, Role.LEADER, "141000", t) for u, n, t in LEADERS]
    for code, (prefix, head, title, clerk) in UNIT_STAFF.items():
        rows.append((f"{prefix}_head", head, Role.UNIT_HEAD, code, title))
        rows.append((f"{prefix}_clerk", clerk, Role.UNIT_CLERK, code, "联络员"))
    for username, name, role, code, title in rows:
        user = save_user(
            SYSTEM,
            {
                "username": username,
                "first_name": name,
                "email": f"{username}@demo.bihuan.invalid",
                "is_active": True,
                "date_joined": timezone.now(),  # the field's default is bound to the real clock
            },
            {"unit": units[code], "role": role, "title": title, "phone": f"0357-{next(phone)}"},
        )
        user.password = hashed
        user.save(update_fields=["password"])


# ---- the tasks -----------------------------------------------------------------------------------

# How a task's year went, as of today.
ON_TRACK = "on_track"  # reports on time and accepted: green most days
PUNCTUAL = "punctual"  # reports on the last day of each period: green whatever day today is
LATE = "late"  # every third report a few days late
MISSING = "missing"  # the last two reports never came: red
DRAFT_WAITING = "draft_waiting"  # the clerk's draft of the latest report waits for the head
RETURNED = "returned"  # the latest report was returned by the supervision office, not yet fixed
BEHIND = "behind"  # progress well behind the time gone, milestones late: yellow
OVERDUE = "overdue"  # past its due date, not closed: red
DUE_SOON = "due_soon"  # due in five days: yellow
COMPLETION = "completion"  # completion requested, waiting for the supervision office
CLOSED = "closed"  # closed out with a rating
CLOSED_AFTER_RETURN = "closed_after_return"  # a completion request was returned, then it was closed
COMPLETION_RETURNED = "completion_returned"  # a completion request was returned; in progress again
ASSIGNED = "assigned"  # handed out two days ago, not yet acknowledged
ACKNOWLEDGED = "acknowledged"  # acknowledged, not started
DRAFT = "draft"  # written by the office, not yet handed out
SUSPENDED = "suspended"
CANCELLED = "cancelled"

WR, PM, LI, DOC = "work_report", "party_meeting", "leader_instruction", "document"


@dataclass(frozen=True)
class Spec:
    title: str
    lead: str  # unit code
    leader: str  # username
    category: str  # category code
    plan: str
    text: str
    theme: str  # picks the wording of reports
    tags: str = ""
    partners: tuple[str, ...] = ()
    source: str = WR
    cadence: str = "monthly"
    report_day: int = 5
    priority: int = 2
    milestones: tuple[str, ...] = ()
    children: tuple[Spec, ...] = ()
    # Extra history: instruction, comment, notice_answered, notice_open, notice_overdue, ext_approved,
    # ext_rejected, ext_pending, returned_fixed, sent_back, review_pending, milestone_late
    extras: tuple[str, ...] = ()
    since: int | None = None  # created this many days before today; None: with the year's list
    ago: int = 0  # closed plans: closed about this many days before today
    work: tuple[str, ...] = ()  # what reports say was done; the theme's phrases when empty


CATALOGUE = Path(__file__).parent / "data" / "key_tasks.toml"
PLANS = frozenset(
    {ON_TRACK, PUNCTUAL, LATE, MISSING, DRAFT_WAITING, RETURNED, BEHIND, OVERDUE, DUE_SOON, COMPLETION, CLOSED}
    | {CLOSED_AFTER_RETURN, COMPLETION_RETURNED, ASSIGNED, ACKNOWLEDGED, DRAFT, SUSPENDED, CANCELLED}
)
EXTRAS = frozenset(
    {"instruction", "comment", "notice_answered", "notice_open", "notice_overdue", "ext_approved", "ext_rejected"}
    | {"ext_pending", "returned_fixed", "sent_back", "review_pending", "milestone_late"}
)


def _spec(entry: dict[str, Any], child: bool = False) -> Spec:
    known = {f.name for f in fields(Spec)} - {"children"}
    unknown = set(entry) - known - ({"children"} if not child else set())
    if unknown or entry.get("plan") not in PLANS or not EXTRAS.issuperset(entry.get("extras", ())):
        raise ValueError(f"{CATALOGUE.name}: {entry.get('title')!r} has an unknown plan, extra or field {unknown}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in entry.items() if k != "children"}
    values.setdefault("leader", "")
    values.setdefault("category", "")
    values.setdefault("theme", "")
    return Spec(**values, children=tuple(_spec(c, child=True) for c in entry.get("children", ())))


def load_specs(path: Path = CATALOGUE) -> list[Spec]:
    """The demo's task catalogue (a TOML file, so it reads and edits like the list it is)."""
    with open(path, "rb") as handle:
        return [_spec(entry) for entry in tomllib.load(handle)["task"]]


# ---- wording -------------------------------------------------------------------------------------

WORDS: dict[str, dict[str, list[str]]] = {
    "coking": {
        "done": [
            "完成{n}家焦化企业升级改造现场核查",
            "召开焦化行业升级改造推进会，协调解决问题{m}项",
            "推动化产品深加工项目前期手续办理，已取得批复{m}项",
            "督促企业落实清洁运输，新增新能源重卡{n}辆",
            "完成焦炉煤气综合利用装置调试",
        ],
        "next": ["加快在建项目设备安装", "组织开展超低排放评估监测", "推进化产品精深加工项目开工"],
        "problems": ["部分项目能耗指标尚未落实", "焦炭价格下行，企业投资意愿减弱", "个别企业评估监测进度偏慢"],
        "support": ["请市能源局协调能耗指标", "请市生态环境局加快评估监测进度"],
    },
    "digital": {
        "done": [
            "组织{n}家企业开展数字化转型诊断",
            "新建5G基站{n}个",
            "召开数字经济专班会议，梳理应用场景{m}个",
            "完成规划（方案）初稿并征求{m}个部门意见",
            "对接省级平台，申报示范项目{m}个",
        ],
        "next": ["完善规划（方案）并组织专家评审", "推动应用场景落地", "做好示范项目申报"],
        "problems": ["专业人才短缺", "部分场景缺少运营主体", "空域申请流程较长"],
        "support": ["请市财政局安排专项资金", "请市交通局协调空域申请"],
    },
    "env": {
        "done": [
            "开展执法检查{n}次，督促整改问题{m}个",
            "完成重点企业深度治理{m}家",
            "排查入河排污口{n}个，完成整治{m}个",
            "完成清洁取暖改造{n}户",
            "开展重污染天气应急演练，更新应急减排清单",
        ],
        "next": ["持续开展执法帮扶", "推进问题整改销号", "做好秋冬季污染防治攻坚"],
        "problems": ["冬季气象条件不利，污染物扩散困难", "部分整改项目资金到位慢", "个别县区整改进度滞后"],
        "support": ["请市财政局加快资金拨付", "请相关县（市、区）加大整改力度"],
    },
    "business": {
        "done": [
            "梳理问题清单{n}项，已完成整改{m}项",
            "上线集成服务事项{m}个，办理时限平均压缩{p}%",
            "开展政策宣讲{m}场，服务企业{n}家",
            "新签约项目{m}个，协议投资{n}亿元",
            "走访企业{n}家，解决诉求{m}项",
        ],
        "next": ["持续推进问题整改", "开展改革成效评估", "加强签约项目跟踪服务"],
        "problems": ["部分事项涉及省级系统，数据共享不畅", "个别签约项目资金到位率偏低"],
        "support": ["请市政府办协调省级系统数据共享", "请市财政局落实配套资金"],
    },
    "zone": {
        "done": [
            "新入驻企业{m}家，新开工项目{m}个",
            "完成岗位聘任和绩效考核方案修订",
            "标准厂房主体完工{n}万平方米",
            "开展驻地招商{m}次，洽谈项目{n}个",
        ],
        "next": ["加快厂房配套设施建设", "做好入驻企业服务", "推进主要指标追赶进度"],
        "problems": ["部分项目用地手续办理较慢", "主要指标增速低于预期"],
        "support": ["请市自然资源局加快用地报批"],
    },
    "safety": {
        "done": [
            "开展安全检查{n}次，排查隐患{n}处，已整改{m}处",
            "约谈企业负责人{m}人",
            "组织应急演练{m}次",
            "开展安全生产培训{m}场，培训{n}人次",
        ],
        "next": ["紧盯重点时段开展执法检查", "推动重大事故隐患动态清零", "做好应急值守"],
        "problems": ["基层执法力量不足", "部分企业主体责任落实不到位"],
        "support": ["请市财政局保障执法装备经费"],
    },
    "jobs": {
        "done": [
            "开展职业技能培训{n}人次",
            "组织招聘活动{m}场，提供岗位{n}个",
            "城镇新增就业{n}人",
            "办结欠薪线索{m}件，为劳动者追回工资{p}万元",
            "举办“临汾技工”品牌推介活动{m}场",
        ],
        "next": ["开展订单式培训", "做好离校未就业毕业生帮扶", "加大欠薪问题排查力度"],
        "problems": ["企业用工需求与求职意愿结构性矛盾突出", "培训补贴资金拨付偏慢"],
        "support": ["请市财政局加快培训补贴资金拨付"],
    },
    "rural": {
        "done": [
            "完成高标准农田建设{n}亩",
            "开展防返贫动态监测，新识别监测对象{m}户并落实帮扶",
            "推广良种良法{n}亩",
            "组织农产品产销对接活动{m}场",
            "完成农村户厕改造{n}户",
        ],
        "next": ["加快项目建设进度", "做好项目竣工验收准备", "落实帮扶措施"],
        "problems": ["部分项目受降雨影响施工缓慢", "县级配套资金压力较大"],
        "support": ["请市财政局协调配套资金"],
    },
    "energy": {
        "done": [
            "建成智能化工作面{m}个",
            "落实电煤中长期合同{n}万吨",
            "新增新能源并网装机{n}万千瓦",
            "开展煤矿安全监管检查{n}次",
            "天然气储气能力达到{n}万立方米",
        ],
        "next": ["做好能源保供调度", "加快新能源项目并网", "推进智能化煤矿验收"],
        "problems": ["部分项目电网接入条件受限", "天然气气源偏紧"],
        "support": ["请市发改委协调电网接入"],
    },
    "project": {
        "done": [
            "完成投资{n}亿元，占年度计划的{p}%",
            "新开工项目{m}个，竣工项目{m}个",
            "召开项目调度会{m}次，协调解决问题{m}项",
            "新入库储备项目{n}个",
            "完成项目前期手续{m}项",
        ],
        "next": ["加快项目建设进度", "做好要素保障", "推进新开工项目早开工"],
        "problems": ["部分项目用地、环评手续办理较慢", "个别项目资金到位不及预期"],
        "support": ["请市自然资源局加快用地审批", "请市审批局开辟绿色通道"],
    },
}

REPORT_RETURNS = [
    "进展情况与上期基本重复，请补充本期具体完成量和佐证材料。",
    "未说明进度滞后的原因，请补充原因分析和追赶措施。",
    "问题和下一步措施过于笼统，请细化到具体项目和时间节点。",
]
SEND_BACKS = ["请补充本月投资完成数据后再报。", "请核实完成数据，与统计口径保持一致。"]
COMPLETION_RETURNS = [
    "佐证材料不全，缺少验收（评估）报告，请补充后重新申请销号。",
    "经现场核查，仍有部分点位未完成整改，请完成后重新申请销号。",
]
CLOSING_COMMENTS = {
    5: "经现场核查，目标任务全面超额完成，佐证材料齐全，成效明显，同意销号。",
    4: "经核查，目标任务全面完成，佐证材料齐全，同意销号。",
    3: "目标任务基本完成，个别佐证材料补报后同意销号，请巩固成果。",
}
INSTRUCTIONS = [
    "此项工作事关全局，请{unit}主要负责同志亲自抓，每月向我报告一次进展，确保年底前全面完成。",
    "请{unit}对照时间节点倒排工期，存在的困难问题及时提请市政府协调解决。",
    "进度偏慢，请{unit}认真分析原因，拿出针对性措施，督查室跟踪督办。",
]
REPLIES = ["已按批示要求专题研究部署，明确专人负责，每月报送进展。", "已召开专题会议落实批示要求，将加快推进。"]
COMMENTS = [
    "请在下期报送中附现场照片和工作台账。",
    "已与相关部门对接，协调会定于下周召开。",
    "请各配合单位按职责分工做好配合，及时向牵头单位报送情况。",
]
NOTICES = {
    "notice_answered": "“{title}”进度滞后于时序目标，请于{date}前书面报告原因和整改措施。",
    "notice_open": "请于{date}前书面报告“{title}”年度目标完成情况和下一步工作安排，存在困难的一并提出。",
    "notice_overdue": "你单位牵头的“{title}”连续未按时报送进展，请于{date}前书面说明原因并提出整改措施。",
}
ANSWERS = [
    "已召开专题会议研究整改措施，明确责任人和完成时限，目前已完成整改问题{m}项，其余问题正在加快推进。",
    "经分析，进度滞后主要受项目前期手续影响，已制定追赶计划，确保按期完成。",
]


# ---- building the history ------------------------------------------------------------------------


@dataclass
class Step:
    at: datetime
    order: int
    run: Callable[[], None]


@dataclass
class Context:
    today: date
    origin: date
    year: int
    due_default: date
    users: dict[str, Any]
    units: dict[str, Unit]
    categories: dict[str, Category]
    goals: dict[str, Goal] = field(default_factory=dict)  # by theme
    steps: list[Step] = field(default_factory=list)
    counter: Iterator[int] = field(default_factory=itertools.count)

    def add(self, day: date, hour: int, minute: int, run: Callable[[], None], second: int = 0) -> bool:
        """Schedule `run` at that local time; refused (False) for today and later: nothing happens in the future."""
        if day >= self.today:
            return False
        self.steps.append(Step(moment(day, hour, minute) + timedelta(seconds=second), next(self.counter), run))
        return True


@dataclass
class Planned:
    """One report period's planned history: drafted, submitted, reviewed (any of them may not happen)."""

    period: Period
    progress: int
    draft: date
    submit: date | None
    review: date | None
    outcome: str = "accept"  # accept, return, return_fixed, none
    send_back: bool = False


def month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def elapsed(start: date, due: date, day: date) -> float:
    if due <= start:
        return 1.0
    return min(max((day - start).days / (due - start).days, 0.0), 1.0)


class TaskScript:
    """The history of one spec (and, through `children`, of its sub-tasks)."""

    def __init__(self, ctx: Context, spec: Spec, index: int, parent: TaskScript | None = None) -> None:
        self.ctx, self.spec, self.parent, self.index = ctx, spec, parent, index
        self.rng = random.Random(f"{SEED}-{index}-{spec.title}")
        self.task: KeyTask | None = None
        self.reports: dict[str, ProgressReport] = {}
        self.milestones: list[Milestone] = []
        self.root = parent.spec if parent else spec
        self.theme = self.root.theme
        self.work = spec.work or self.root.work or tuple(WORDS[self.theme]["done"])
        self.title = seasonal(spec.title, ctx.today)
        self.pace = self.rng.randint(-4, 6)
        self.lead_prefix = UNIT_STAFF.get(spec.lead, (EXISTING_STAFF.get(spec.lead),))[0]
        # Sub-tasks report like their parent.
        self.cadence, self.report_day = self.root.cadence, self.root.report_day

    # -- who acts
    @property
    def office(self) -> Any:
        return self.ctx.users["duchashi"]

    @property
    def head(self) -> Any:
        return self.ctx.users[f"{self.lead_prefix}_head"]

    @property
    def clerk(self) -> Any:
        return self.ctx.users[f"{self.lead_prefix}_clerk"]

    @property
    def leader(self) -> Any:
        return self.ctx.users[self.root.leader]

    def _move(self, actor: Any, action: str, **options: Any) -> None:
        # The service returns the task as it is now; later steps use it (no re-read per step).
        self.task = services.transition(actor, self.task, action, **options)

    # -- dates
    def plan_dates(self) -> None:
        ctx, spec, rng = self.ctx, self.spec, self.rng
        today = ctx.today
        if self.parent is not None:
            self.created, self.assigned = self.parent.created, self.parent.assigned
        elif spec.since is None:
            self.created = ctx.origin - timedelta(days=5)  # the office writes the year's list in one go
            self.assigned = ctx.origin
        else:
            self.created = today - timedelta(days=spec.since)
            self.assigned = self.created + timedelta(days=1)
        if self.parent is not None:
            self.start = self.parent.start
        elif spec.since is None:
            self.start = date(ctx.year, 1, 1) if ctx.origin.year == ctx.year else ctx.origin
        else:
            # Added during the year: reports are owed from the day it is handed out (a fortnight's pairing
            # of weeks counts from the start, so start and hand-out must agree).
            self.start = self.assigned
        if spec.plan == DRAFT:
            self.assigned = None
        self.acknowledged = self.started = None
        if self.assigned is not None and spec.plan != ASSIGNED:
            self.acknowledged = self.assigned + timedelta(days=rng.randint(1, 3))
            if spec.plan != ACKNOWLEDGED:
                self.started = self.acknowledged + timedelta(days=rng.randint(0, 3))
        self.due = ctx.due_default
        self.final_due = self.due
        if spec.plan == DUE_SOON:
            self.due = self.final_due = today + timedelta(days=5)
        elif spec.plan == OVERDUE:
            self.due = self.final_due = today - timedelta(days=9)
        if "ext_approved" in spec.extras:
            self.due = today - timedelta(days=10)  # extended before it fell due
        elif "ext_pending" in spec.extras:
            self.due = self.final_due = today + timedelta(days=12)
        if spec.cadence == "weekly" and spec.since is not None:
            self.due = self.final_due = month_end(today + timedelta(days=35))
        self.stop = today  # reports are written before this day
        self.events: list[tuple[date, str]] = []  # (day, what): the closing part of the story

    def lead_of_progress(self) -> int:
        """How far reported progress runs ahead of the time gone: enough to stay clear of "behind" until the
        next report is accepted, different for each task."""
        base = {"weekly": 4, "fortnightly": 5, "monthly": 6, "quarterly": 18}[self.cadence]
        return base + self.pace

    # -- reports
    def plan_reports(self) -> list[Planned]:
        spec, rng, today = self.spec, self.rng, self.ctx.today
        if self.started is None:
            return []
        begin = max(self.start, self.assigned)
        periods = report_periods(self.cadence, self.report_day, begin, self.final_due, deadline_calendar())
        short = self.cadence in ("weekly", "fortnightly")
        planned: list[Planned] = []
        best = 0
        for i, period in enumerate(periods):
            if spec.plan == PUNCTUAL:
                submit = period.end
            elif short:
                submit = period.due - timedelta(days=rng.choice([0, 0, 1]))
            else:
                submit = max(period.end - timedelta(days=1), period.due - timedelta(days=rng.randint(0, 4)))
            if (spec.plan == LATE and i % 3 == 1) or (spec.plan == ON_TRACK and not short and rng.random() < 0.1):
                submit = period.due + timedelta(days=rng.randint(1, 6 if spec.plan == LATE else 4))
            draft = submit - timedelta(days=rng.choice([0, 1, 1]))
            draft = max(draft, self.started + timedelta(days=1))
            submit = max(submit, draft)
            review = submit + timedelta(days=rng.randint(1, 3 if short else 4))
            if draft >= min(self.stop, today):
                if spec.plan == DRAFT_WAITING and period.start < today and self.started < today - timedelta(days=1):
                    # the clerk has drafted the current period's report early; it waits for the head
                    early = Planned(period, min(97, best + rng.randint(2, 6)), today - timedelta(days=1), None, None)
                    planned.append(early)
                break
            share = elapsed(self.start, self.final_due, period.end)
            if spec.plan == BEHIND:
                progress = max(3, round(100 * share) - 35 + rng.randint(-3, 3))
            else:
                progress = min(97, round(100 * share) + self.lead_of_progress() + rng.randint(0, 3))
            best = progress = max(best, progress)
            planned.append(Planned(period, progress, draft, submit, review))
        if not planned:
            return planned
        # What went differently, by plan and extras
        if spec.plan == MISSING:
            owed = [p for p in planned if p.period.due < today]
            if owed:
                planned = planned[: planned.index(owed[-2:][0])]
        if "returned_fixed" in spec.extras and len(planned) > 2:
            planned[1].outcome = "return_fixed"
        if "sent_back" in spec.extras and len(planned) > 3:
            planned[2].send_back = True
        if spec.plan == DRAFT_WAITING and planned[-1].submit is not None:
            last = planned[-1]  # no period under way (the task is near its end): the latest report waits
            last.draft = max(last.draft, today - timedelta(days=2))
            last.submit = last.review = None
        if spec.plan == RETURNED:
            candidates = [p for p in planned if p.submit is not None and p.submit <= today - timedelta(days=2)]
            if candidates:
                chosen = candidates[-1]
                chosen.outcome, chosen.review = "return", min(chosen.review, today - timedelta(days=1))
                planned = planned[: planned.index(chosen) + 1]
        if "review_pending" in spec.extras:
            submitted = [p for p in planned if p.submit is not None and p.submit < today]
            if submitted:
                submitted[-1].outcome = "none"
        return planned

    def plan_completion(self, planned: list[Planned]) -> list[Planned]:
        """Closed and completion plans: pick the report after which completion was asked, trim the rest."""
        spec, today, rng = self.spec, self.ctx.today, self.rng
        plan = spec.plan
        if plan not in (CLOSED, CLOSED_AFTER_RETURN, COMPLETION, COMPLETION_RETURNED) or not planned:
            return planned
        if plan in (CLOSED, CLOSED_AFTER_RETURN):
            target = today - timedelta(days=spec.ago + 4)
        elif plan == COMPLETION:
            target = today - timedelta(days=5)
        else:
            target = today - timedelta(days=22)
        done = [p for p in planned if p.submit is not None and p.submit <= target]
        if not done:
            done = planned[:1]
        final = done[-1]
        index = planned.index(final)
        final.outcome, final.submit = "accept", final.submit or final.draft
        final.review = final.submit + timedelta(days=1)
        if plan == CLOSED_AFTER_RETURN and index >= 1:
            first = planned[index - 1]
            first.progress = 100
            request = first.submit + timedelta(days=1)
            self.events += [(request, "request"), (request + timedelta(days=3), "return_completion")]
            first.review = first.submit + timedelta(days=1)
        final.progress = 100
        request = final.submit + timedelta(days=1)
        if plan in (CLOSED, CLOSED_AFTER_RETURN):
            self.events += [(request, "request"), (request + timedelta(days=rng.randint(2, 4)), "close")]
            self.stop = request
            # Closed ahead of a due date some weeks later.
            self.final_due = self.due = min(self.due, month_end(request + timedelta(days=rng.randint(10, 45))))
            planned = planned[: index + 1]
        elif plan == COMPLETION:
            self.events.append((request, "request"))
            for p in planned[index + 1 :]:
                p.progress = 100
        else:  # completion returned: the unit goes on
            self.events += [(request, "request"), (request + timedelta(days=3), "return_completion")]
            for p in planned[index + 1 :]:
                p.progress = 95
        return planned

    # -- emitting the steps
    def emit(self) -> None:
        self.plan_dates()
        planned = self.plan_completion(self.plan_reports())
        if self.spec.plan in (SUSPENDED, CANCELLED):
            cut = self.ctx.today - timedelta(days=45 if self.spec.plan == SUSPENDED else 70)
            if self.spec.plan == CANCELLED:
                cut = max(cut, (self.started or self.assigned or self.created) + timedelta(days=5))
            planned = [p for p in planned if (p.review or p.submit or p.draft) < cut]
            self.events.append((cut, self.spec.plan))
        self.emit_task()
        for child_index, child in enumerate(self.spec.children):
            TaskScript(self.ctx, child, 100 * (self.index + 1) + child_index, self).emit()
        self.emit_milestones()
        for item in planned:
            self.emit_report(item)
        self.emit_events()
        self.emit_extras()

    def emit_task(self) -> None:
        ctx, spec, rng = self.ctx, self.spec, self.rng
        root = self.root
        minute = rng.randint(0, 50)
        year = ctx.year

        def create() -> None:
            references = {
                WR: f"{year}年市政府工作报告",
                PM: f"市委常委会{year}年第{rng.randint(20, 40)}次会议",
                LI: f"市政府领导批示件（临政督〔{year}〕{rng.randint(10, 99)}号）",
                DOC: f"临政办发〔{year}〕{rng.randint(5, 60)}号",
            }
            source = root.source
            tags = ",".join(t for t in (DEMO_TAG, spec.tags or root.tags) if t)
            data = {
                "year": year,
                "title": self.title,
                "description": f"{seasonal(spec.text, ctx.today)}\n{DEMO_NOTE}",
                "source": source,
                "source_reference": references[source],
                "category": ctx.categories[root.category],
                "lead_unit": ctx.units[spec.lead],
                "leader": self.leader,
                "owner": self.head,
                "parent": self.parent.task if self.parent else None,
                "start": self.start,
                "due": self.due,
                "cadence": self.cadence,
                "report_day": self.report_day,
                "priority": root.priority,
                "tags": tags,
            }
            goal = ctx.goals.get(spec.theme or root.theme)
            self.task = services.save_task(
                self.office, data, [ctx.units[c] for c in spec.partners], goals=[goal] if goal else []
            )

        # The list in order (numbers follow it), each sub-task right after its parent.
        if self.parent is None:
            ctx.add(self.created, 9, 0, create, second=60 * self.index)
        else:
            ctx.add(self.created, 9, 0, create, second=60 * self.parent.index + 10 * (self.index % 100 + 1))
        if self.assigned is None:
            return
        ctx.add(self.assigned, 10, minute, lambda: self._move(self.office, "assign"))
        if self.acknowledged is not None:
            actor = self.clerk if rng.random() < 0.6 else self.head
            ctx.add(self.acknowledged, 9, 20 + minute // 2, lambda: self._move(actor, "acknowledge"))
        if self.started is not None:
            ctx.add(self.started, 14, 30 + minute // 5, lambda: self._move(self.head, "start"))

    def emit_milestones(self) -> None:
        ctx, spec, rng = self.ctx, self.spec, self.rng
        if self.assigned is None:
            return
        titles = list(spec.milestones)
        end = self.stop if spec.plan in (CLOSED, CLOSED_AFTER_RETURN) else self.final_due
        span = (end - self.start).days
        dues = [month_end(self.start + timedelta(days=span * (k + 1) // (len(titles) + 1))) for k in range(len(titles))]
        dues = [min(d, end - timedelta(days=1)) for d in dues]
        plan = list(zip(titles, dues, strict=True))
        if "milestone_late" in spec.extras:
            plan.append(("阶段性目标评估", self.ctx.today - timedelta(days=12)))
        for k, (title, due) in enumerate(plan):
            due = max(due, self.assigned + timedelta(days=7))

            def create(title: str = title, due: date = due) -> None:
                self.milestones.append(services.save_milestone(self.office, self.task, {"title": title, "due": due}))

            ctx.add(self.assigned, 10, 40 + k, create)
            late = title == "阶段性目标评估"
            if late or self.started is None:
                continue
            if spec.plan == BEHIND:
                done_on = due + timedelta(days=rng.randint(5, 25))
            else:
                done_on = due - timedelta(days=rng.randint(0, 8))
            done_on = max(done_on, self.started + timedelta(days=1))
            if spec.plan in (SUSPENDED, CANCELLED) and done_on >= ctx.today - timedelta(days=70):
                continue

            def complete(index: int = k, done_on: date = done_on) -> None:
                services.complete_milestone(self.clerk, self.milestones[index], done_on)

            ctx.add(done_on, 11, 5 + k, complete)

    def report_data(self, item: Planned) -> dict[str, Any]:
        rng, words = self.rng, WORDS[self.theme]
        numbers = {"n": rng.randint(6, 60), "m": rng.randint(2, 12), "p": rng.randint(20, 60)}
        done = [line.format(**numbers) for line in rng.sample(self.work, 2)]
        data = {
            "progress": item.progress,
            "done": f"1. {done[0]}；2. {done[1]}。累计完成年度目标任务的{item.progress}%。",
            "next_steps": f"{rng.choice(words['next'])}，确保按时间节点推进。",
            "problems": rng.choice(words["problems"]) if rng.random() < 0.4 or self.spec.plan == BEHIND else "",
            "support_needed": rng.choice(words["support"]) if rng.random() < 0.2 else "",
        }
        if self.spec.plan == BEHIND and not data["problems"]:
            data["problems"] = words["problems"][0]
        return data

    def emit_report(self, item: Planned) -> None:
        ctx, rng = self.ctx, self.rng
        key = item.period.key
        data = self.report_data(item)

        def draft(actor: Any = None, changes: dict[str, Any] | None = None) -> None:
            report = services.save_report(actor or self.clerk, self.task, key, {**data, **(changes or {})})
            self.reports[key] = report

        def step(actor: Any, action: str, reason: str = "") -> Callable[[], None]:
            return lambda: self._report_step(actor, key, action, reason)

        if not ctx.add(item.draft, 10, rng.randint(0, 40), draft):
            return
        if item.send_back:
            if not ctx.add(item.draft, 11, 30, step(self.head, "send_back", rng.choice(SEND_BACKS))):
                return
            fix = {"done": data["done"] + "本月完成投资数据已按统计口径核实。"}
            ctx.add(item.draft, 14, 5, lambda: draft(changes=fix))
        if item.submit is None or not ctx.add(item.submit, 16, rng.randint(0, 40), step(self.head, "submit")):
            return
        if item.outcome == "none" or item.review is None:
            return
        review_hour = 17 if item.review == item.submit else 9
        if item.outcome == "accept":
            ctx.add(item.review, review_hour, 45, step(self.office, "accept"))
        elif item.outcome in ("return", "return_fixed"):
            reason = rng.choice(REPORT_RETURNS)
            if not ctx.add(item.review, review_hour, 40, step(self.office, "return", reason)):
                return
            if item.outcome == "return_fixed":
                fixed = {"done": data["done"] + "已补充本期完成量和现场照片。"}
                day = item.review + timedelta(days=1)
                resubmitted = ctx.add(day, 10, 15, lambda: draft(changes=fixed)) and ctx.add(
                    day, 16, 20, step(self.head, "submit")
                )
                if resubmitted:
                    ctx.add(day + timedelta(days=2), 9, 50, step(self.office, "accept"))

    def _report_step(self, actor: Any, key: str, action: str, reason: str) -> None:
        self.reports[key] = services.report_step(actor, self.reports[key], action, reason)

    def emit_events(self) -> None:
        ctx, rng = self.ctx, self.rng
        requests = 0
        for day, what in sorted(self.events):
            if what == "request":
                requests += 1
                name = f"{self.title[:20]}完成情况报告.txt" if requests == 1 else "补充佐证材料.xlsx"
                ctx.add(day, 15, 10, lambda name=name: self._attach(name))
                summary = "已完成年度目标任务，相关佐证材料已上传，申请销号。"
                ctx.add(
                    day,
                    16,
                    30,
                    lambda s=summary: self._move(self.head, "request_completion", reason=s),
                )
            elif what == "return_completion":
                reason = rng.choice(COMPLETION_RETURNS)
                ctx.add(day, 10, 30, lambda r=reason: self._move(self.office, "return", reason=r))
            elif what == "close":
                rating = rng.choice([3, 4, 4, 5, 5])
                comment = CLOSING_COMMENTS[rating]
                ctx.add(
                    day,
                    10,
                    30,
                    lambda r=rating, c=comment: self._move(self.office, "close", rating=r, reason=c),
                )
            elif what == SUSPENDED:
                reason = "项目承担企业主体调整，经市政府同意暂缓实施，待新主体确定后恢复。"
                ctx.add(day, 10, 40, lambda r=reason: self._move(self.office, "suspend", reason=r))
            elif what == CANCELLED:
                reason = "经市委常委会研究，并入临汾开发区统一规划建设，本任务撤销。"
                ctx.add(day, 10, 40, lambda r=reason: self._move(self.office, "cancel", reason=r))

    def _attach(self, name: str) -> None:
        task = self.task
        if name.endswith(".xlsx"):
            content = evidence_workbook(task)
        else:
            content = (
                f"{task.number} {task.title}\n完成情况报告（示例数据）\n\n"
                f"牵头单位：{task.lead_unit.name}\n目标任务已全面完成，详见工作台账和现场照片。\n"
            ).encode()
        services.attach(self.clerk, task, name, content)

    def emit_extras(self) -> None:
        ctx, spec, rng, today = self.ctx, self.spec, self.rng, self.ctx.today
        if self.started is None:
            return
        extras = set(spec.extras)
        unit = self.ctx.units[spec.lead].short_name or self.ctx.units[spec.lead].name
        if "instruction" in extras:
            day = self.started + timedelta(days=rng.randint(8, 40))
            text = rng.choice(INSTRUCTIONS).format(unit=unit)
            kind = TaskComment.Kind.INSTRUCTION
            ctx.add(day, 8, 40, lambda: services.add_comment(self.leader, self.task, text, kind))
            reply = rng.choice(REPLIES)
            ctx.add(day + timedelta(days=1), 11, 20, lambda: services.add_comment(self.head, self.task, reply))
        if "comment" in extras:
            day = min(today - timedelta(days=rng.randint(6, 30)), self.stop - timedelta(days=1))
            text = rng.choice(COMMENTS)
            ctx.add(max(day, self.started), 14, 50, lambda: services.add_comment(self.office, self.task, text))
        for key in ("notice_answered", "notice_open", "notice_overdue"):
            if key in extras:
                self.emit_notice(key)
        if "ext_approved" in extras:
            asked = today - timedelta(days=30)
            reason = "受项目用地报批和设备供货影响，原定完成时间难以实现，申请延期。"
            ctx.add(asked, 15, 20, lambda: self._request_extension(self.final_due, reason))
            comment = "同意延期，请倒排工期，确保按新的时限完成。"
            ctx.add(asked + timedelta(days=2), 11, 15, lambda: self._decide(True, comment))
        if "ext_rejected" in extras:
            asked = today - timedelta(days=25)
            reason = "部分项目前期手续尚未办结，申请延期两个月。"
            ctx.add(asked, 15, 20, lambda: self._request_extension(today + timedelta(days=50), reason))
            comment = "该任务为年度硬任务，不同意延期，请加大力度按原时限完成。"
            ctx.add(asked + timedelta(days=2), 11, 15, lambda: self._decide(False, comment))
        if "ext_pending" in extras:
            asked = today - timedelta(days=2)
            reason = "实训基地设备采购流标，需重新招标，申请延期至明年一季度。"
            ctx.add(asked, 15, 20, lambda: self._request_extension(self.final_due + timedelta(days=80), reason))

    def emit_notice(self, key: str) -> None:
        ctx, rng, today = self.ctx, self.rng, self.ctx.today
        issued = {
            "notice_answered": max(self.started + timedelta(days=20), today - timedelta(days=rng.randint(40, 70))),
            "notice_open": today - timedelta(days=3),
            "notice_overdue": today - timedelta(days=14),
        }[key]
        respond_by = {"notice_open": today + timedelta(days=4), "notice_overdue": today - timedelta(days=7)}.get(
            key, issued + timedelta(days=7)
        )
        text = NOTICES[key].format(title=self.title, date=f"{respond_by.month}月{respond_by.day}日")
        state: dict[str, SupervisionNotice] = {}

        def issue() -> None:
            task = self.task
            state["notice"] = services.issue_notice(self.office, task, task.lead_unit, text, respond_by)

        ctx.add(issued, 9, 10, issue)
        if key == "notice_answered":
            answer = rng.choice(ANSWERS).format(m=rng.randint(2, 6))
            actor = self.head if rng.random() < 0.5 else self.clerk
            ctx.add(
                issued + timedelta(days=rng.randint(2, 5)),
                16,
                40,
                lambda: services.answer_notice(actor, state["notice"], answer),
            )

    def _request_extension(self, new_due: date, reason: str) -> None:
        self.extension = services.request_extension(self.head, self.task, new_due, reason)

    def _decide(self, approve: bool, comment: str) -> None:
        services.decide_extension(self.office, self.extension, approve, comment)
        self.task.refresh_from_db()  # the due date moved


def evidence_workbook(task: KeyTask) -> bytes:
    """A small ledger (台账) as an .xlsx evidence file."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": timezone.localtime().replace(tzinfo=None)})  # the simulated day, not the real one
    sheet = book.add_worksheet("台账")
    for row, values in enumerate(
        [("序号", "事项", "完成情况", "佐证"), (1, task.title, "已完成", "验收（评估）报告"), (2, "示例数据", "—", "—")]
    ):
        sheet.write_row(row, 0, values)
    book.close()
    return buffer.getvalue()


# ---- the entry point -----------------------------------------------------------------------------


def due_default(today: date) -> date:
    """The year's tasks are due at its end; late in December, at the end of February instead."""
    year_end = date(today.year, 12, 31)
    return year_end if (year_end - today).days > 20 else month_end(today + timedelta(days=60))


def seasonal(text: str, today: date) -> str:
    """A few tasks of the moment are worded for the season the demo is loaded in."""
    month = today.month
    peak = "夏" if 5 <= month <= 9 else "冬"
    moment_ = "岁末年初" if month in (11, 12, 1, 2) else "汛期" if 6 <= month <= 9 else "重点时段"
    return text.format(peak=peak, moment=moment_)


def count_specs(specs: list[Spec]) -> int:
    return sum(1 + len(s.children) for s in specs)


#: The demo blueprint: one three-year goal and its sub-goals, and the themes of the tasks that serve each
GOALS = (
    ("LF-01", "产业转型升级，构建现代化产业体系", ("coking", "digital", "energy", "project")),
    ("LF-02", "开发区提质增效，打造一流营商环境", ("business", "zone")),
    ("LF-03", "打好蓝天碧水净土保卫战", ("env",)),
    ("LF-04", "稳就业惠民生，全面推进乡村振兴", ("jobs", "rural")),
    ("LF-05", "统筹发展和安全，守牢安全底线", ("safety",)),
)


def _create_goals(year: int) -> dict[str, Goal]:
    """The goals the demo's tasks serve (illustrative, like the tasks), by task theme."""
    span = {"start_year": year - 1, "end_year": year + 1}
    root = save_goal(
        SYSTEM,
        {"code": "LF", "title": "奋力建设区域中心城市，推动高质量发展（示例）", **span, "sort_order": 0},
    )
    by_theme = {}
    for order, (code, title, themes) in enumerate(GOALS, start=1):
        goal = save_goal(SYSTEM, {"code": code, "title": title, "parent": root, **span, "sort_order": order})
        by_theme.update({theme: goal for theme in themes})
    return by_theme


def load_demo_tasks(today: date | None = None) -> int:
    """Write the demo's key tasks and their histories up to yesterday; returns how many tasks were made.
    Does nothing (returns 0) when the demo's tasks are there already."""
    today = today or timezone.localdate()
    if KeyTask.objects.filter(tags__contains=DEMO_TAG, description__contains=DEMO_NOTE).exists():
        return 0
    start = origin(today)
    with (
        transaction.atomic(),
        simulated_clock(moment(start - timedelta(days=15), 9, 30)) as clock,
        audit.batch(),  # all or nothing: one lock of the chain's tip instead of one per event
        # Each write refreshes the task's kept light (a cache for the day it was computed); in a replay of
        # past days each would be stale at once, so the lights are brought up to today once, at the end.
        mock.patch.object(services, "_relight", lambda task: None),
    ):
        units = {u.code: u for u in Unit.objects.all()}
        _create_people(units)
        users = {u.username: u for u in get_user_model().objects.select_related("profile")}
        ctx = Context(
            today=today,
            origin=start,
            year=today.year,
            due_default=due_default(today),
            users=users,
            units=units,
            categories={c.code: c for c in Category.objects.all()},
            goals=_create_goals(today.year),
        )
        specs = load_specs()
        for index, spec in enumerate(specs):
            TaskScript(ctx, spec, index).emit()
        # Everything in the order it happened, over all tasks; a sub-task is written after its parent.
        for step in sorted(ctx.steps, key=lambda s: (s.at, s.order)):
            clock.set(step.at)
            step.run()
    selectors.refresh_stale(KeyTask.objects.all(), today)
    return count_specs(specs)
