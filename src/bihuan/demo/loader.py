"""The demo city: Linfen (临汾市, 141000) with its 17 county-level units (real division codes), city
departments, the three plates (illustrative), the five work categories, one login per role, and about 60
illustrative key tasks with their histories (see `bihuan.demo.tasks`).

Everything is written through the services, so the demo's audit chain is as real as production's.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from bihuan.blueprint.services import save_category
from bihuan.core.notifications import notify
from bihuan.core.roles import SYSTEM, Role
from bihuan.demo.assessment import load_demo_assessment
from bihuan.demo.indicators import load_demo_indicators
from bihuan.demo.reports import load as load_demo_bulletins
from bihuan.demo.tasks import load_demo_tasks, setup_time, simulated_clock
from bihuan.org.models import Unit
from bihuan.org.services import save_group, save_unit, save_user

DATA = Path(__file__).parent / "data"
CITY_CODE = "141000"
DEMO_PASSWORD = "bihuan-demo"

# (code, name, short name): the city government's departments that lead or support key work.
DEPARTMENTS = [
    ("SZFB", "市人民政府办公室", "市政府办"),
    ("DCS", "市人民政府督查室", "市政府督查室"),
    ("KHB", "市委考核办", "考核办"),
    ("FGW", "市发展和改革委员会", "市发改委"),
    ("JYJ", "市教育局", "市教育局"),
    ("KJJ", "市科学技术局", "市科技局"),
    ("GXJ", "市工业和信息化局", "市工信局"),
    ("GAJ", "市公安局", "市公安局"),
    ("MZJ", "市民政局", "市民政局"),
    ("SFJ", "市司法局", "市司法局"),
    ("CZJ", "市财政局", "市财政局"),
    ("RSJ", "市人力资源和社会保障局", "市人社局"),
    ("ZRZYJ", "市自然资源局", "市自然资源局"),
    ("SSTHJJ", "市生态环境局", "市生态环境局"),
    ("ZJJ", "市住房和城乡建设局", "市住建局"),
    ("JTJ", "市交通运输局", "市交通局"),
    ("SWJ", "市水务局", "市水务局"),
    ("NYNCJ", "市农业农村局", "市农业农村局"),
    ("SWUJ", "市商务局", "市商务局"),
    ("WHLYJ", "市文化和旅游局", "市文旅局"),
    ("WJW", "市卫生健康委员会", "市卫健委"),
    ("YJJ", "市应急管理局", "市应急局"),
    ("SJJ", "市审计局", "市审计局"),
    ("SCJGJ", "市市场监督管理局", "市市场监管局"),
    ("TJJ", "市统计局", "市统计局"),
    ("NYJ", "市能源局", "市能源局"),
    ("XZSPJ", "市行政审批服务管理局", "市审批局"),
    ("YBJ", "市医疗保障局", "市医保局"),
]

ZONES = [("LFKFQ", "临汾经济开发区", "临汾开发区")]

# Illustrative grouping of the counties for the demo; a real deployment sets its own plates.
PLATES = [
    ("YF", "沿汾板块", ["141002", "141081", "141082", "141024", "141023", "141021", "141034"]),
    ("YH", "沿黄板块", ["141028", "141029", "141030", "141032", "141031", "141033"]),
    ("YTY", "沿太岳板块", ["141025", "141026", "141027", "141022"]),
]

CATEGORIES = [
    ("ZTX", "主体性", "经济发展的主体工作：项目建设、产业转型、招商引资。"),
    ("ZCX", "支撑性", "为发展提供支撑：科技创新、基础设施、改革开放。"),
    ("BZX", "保障性", "保障发展的条件：要素保障、营商环境、干部队伍。"),
    ("DXX", "底线性", "守住底线：安全生产、生态环保、防范化解风险。"),
    ("HMX", "惠民性", "增进民生福祉：就业、教育、医疗、养老、民生实事。"),
]

# (username, name, role, unit code, title, phone)
USERS = [
    ("admin", "王建国", Role.ADMIN, "SZFB", "信息科科长", "0357-2011001"),
    ("duchashi", "李明华", Role.SUPERVISOR, "DCS", "督查室主任", "0357-2011002"),
    ("kaohe", "赵立新", Role.ASSESSOR, "KHB", "考核办副主任", "0357-2011003"),
    ("lingdao", "陈志远", Role.LEADER, CITY_CODE, "副市长", "0357-2011004"),
    ("fgw_head", "刘海涛", Role.UNIT_HEAD, "FGW", "市发改委主任", "0357-2011005"),
    ("fgw_clerk", "张晓雪", Role.UNIT_CLERK, "FGW", "综合科联络员", "0357-2011006"),
    ("tongji", "孙丽娟", Role.STATISTICIAN, "TJJ", "综合科科长", "0357-2011007"),
    ("guest", "周文", Role.VIEWER, "SZFB", "工作人员", "0357-2011008"),
    ("yd_head", "郭振华", Role.UNIT_HEAD, "141002", "尧都区区长", "0357-2011009"),
    ("yd_clerk", "马晓燕", Role.UNIT_CLERK, "141002", "区政府办联络员", "0357-2011010"),
]

ONE_PER_ROLE = ["admin", "duchashi", "kaohe", "lingdao", "fgw_head", "fgw_clerk", "tongji", "guest"]


def short_name(name: str) -> str:
    """尧都区 → 尧都, 侯马市 → 侯马; a two-character name such as 古县 keeps its suffix."""
    if len(name) > 2 and name[-1] in "区县市":
        return name[:-1]
    return name


def demo_loaded() -> bool:
    return Unit.objects.filter(code=CITY_CODE).exists()


def load_demo(today: date | None = None) -> None:
    """The city is set up "before" the key tasks' history (a simulated clock), so the audit log stays in time order."""
    from django.conf import settings
    from django.utils import translation

    today = today or timezone.localdate()
    # notifications are written in the deployment's language, as the people they go to would see them
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic(), simulated_clock(setup_time(today)):
        city = save_unit(SYSTEM, {"code": CITY_CODE, "name": "临汾市", "short_name": "临汾", "kind": Unit.Kind.CITY})
        with open(DATA / "linfen_divisions.csv", encoding="utf-8") as handle:
            counties = [row for row in csv.DictReader(handle) if row["code"] != CITY_CODE]
        for order, row in enumerate(counties, start=100):
            save_unit(
                SYSTEM,
                {
                    "code": row["code"],
                    "name": row["name"],
                    "short_name": short_name(row["name"]),
                    "kind": Unit.Kind.COUNTY,
                    "parent": city,
                    "sort_order": order,
                },
            )
        for order, (code, name, short) in enumerate(DEPARTMENTS, start=10):
            save_unit(
                SYSTEM,
                {
                    "code": code,
                    "name": name,
                    "short_name": short,
                    "kind": Unit.Kind.DEPARTMENT,
                    "parent": city,
                    "sort_order": order,
                },
            )
        for order, (code, name, short) in enumerate(ZONES, start=200):
            save_unit(
                SYSTEM,
                {
                    "code": code,
                    "name": name,
                    "short_name": short,
                    "kind": Unit.Kind.ZONE,
                    "parent": city,
                    "sort_order": order,
                },
            )
        units = {u.code: u for u in Unit.objects.all()}
        for order, (code, name, members) in enumerate(PLATES):
            save_group(
                SYSTEM,
                {
                    "code": code,
                    "name": name,
                    "illustrative": True,
                    "sort_order": order,
                    "description": "演示用的示意分组，非官方划分。",
                },
                [units[c] for c in members],
            )
        for order, (code, name, description) in enumerate(CATEGORIES):
            save_category(SYSTEM, {"code": code, "name": name, "description": description, "sort_order": order})
        people = []
        hashed = make_password(DEMO_PASSWORD)  # one (slow, by design) hash for every demo login
        for username, name, role, unit_code, title, phone in USERS:
            user = save_user(
                SYSTEM,
                {
                    "username": username,
                    "first_name": name,
                    "email": f"{username}@demo.bihuan.invalid",
                    "is_active": True,
                },
                {"unit": units[unit_code], "role": role, "title": title, "phone": phone},
            )
            user.password = hashed  # the demo password is short on purpose; real users get validated ones
            user.save(update_fields=["password"])
            people.append(user)
        notify(
            people,
            "欢迎使用闭环（演示）",
            "这是临汾市的演示数据：单位、板块（示意）、工作类别和各角色账号。"
            "左上角菜单按你的角色显示可用的功能；右上角可以切换语言。",
            url="/",
            kind="welcome",
        )
        load_demo_tasks(today)
        load_demo_indicators(today)
        load_demo_assessment(today)
        load_demo_bulletins(today)


def demo_logins() -> list[tuple[str, str, str]]:
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    users = {
        u.username: u
        for u in get_user_model().objects.select_related("profile__unit").filter(username__in=ONE_PER_ROLE)
    }
    return [
        (name, str(users[name].profile.get_role_display()), str(users[name].profile.unit or ""))
        for name in ONE_PER_ROLE
        if name in users
    ]
