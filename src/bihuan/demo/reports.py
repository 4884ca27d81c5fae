"""The demo's bulletins (通报): the city's bulletins for the last three full months of the demo's year,
generated and published by the supervision office through the services, as the office would have done on
the first working day after each month (the figures are compiled from the demo's data, with the warning
lights as of that day), each with the office's paragraphs and sent to the leader, the assessment office and
two units. The paragraphs quote the compiled figures, so they never contradict the tables.

Run after the key tasks and indicators (it writes after their history, keeping the audit log in time order).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from bihuan.core.models import AuditEvent
from bihuan.demo.tasks import simulated_clock
from bihuan.org.models import Unit
from bihuan.reports import services
from bihuan.reports.models import Bulletin
from bihuan.reports.ticks import first_working_day

RECIPIENTS = ("lingdao", "kaohe")
RECIPIENT_UNITS = ("FGW", "141002")


def months_to_publish(today: date, count: int = 3) -> list[tuple[str, date]]:
    """The last `count` full months of today's year (the demo's tasks are that year's), each with the day its
    bulletin is compiled: the first working day of the month after."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        if year != today.year:
            break
        after = (year + 1, 1) if month == 12 else (year, month + 1)
        day = first_working_day(*after)
        if day < today:
            months.append((f"{year}-{month:02d}", day))
    return months[::-1]


def paragraphs(content: dict[str, Any], month: int) -> dict[str, str]:
    """The office's words for a month, around the figures compiled for it."""
    overview = next(s for s in content["sections"] if s["type"] == "overview")
    warnings = next(s for s in content["sections"] if s["type"] == "warnings")
    units = next(s for s in content["sections"] if s["type"] == "units")
    closed = len(overview["closed_in_period"])
    red, yellow = overview["lights"]["red"], overview["lights"]["yellow"]
    red_units = "、".join(g["label"] for g in warnings["red"][:3]) or "无"
    best = "、".join(r["label"] for r in units["rows"][:3] if r["closure_rate"] is not None) or "各单位"
    return {
        "highlights": (
            f"{month}月份，全市上下紧扣年度目标任务，重点工作总体有序推进，当月办结销号{closed}项。\n"
            f"{best}等单位办结率位居前列，台账报送及时规范，为全市提供了可复制的经验做法。\n"
            "招商引资、重点项目建设、营商环境优化等工作形成了一批阶段性成果。"
        ),
        "problems": (
            f"一是部分任务进度滞后。截至通报日，全市红灯任务{red}项、黄灯任务{yellow}项，"
            f"红灯任务主要集中在{red_units}等单位。\n"
            "二是进展报送质量不高。个别单位进展报告迟报、漏报，内容空泛，“时间过半、任务过半”的要求没有落实到位。\n"
            "三是协同配合不够紧密。部分牵头单位与配合单位对接不够，跨部门事项推进缓慢。"
        ),
        "next_steps": (
            "一是紧盯红灯任务。对红灯任务逐项下达督办单，牵头单位要在5个工作日内书面说明原因和整改措施。\n"
            "二是压实工作责任。各责任领导要定期听取分管领域重点任务进展，研究解决堵点难点问题。\n"
            "三是强化结果运用。通报情况纳入年度目标责任考核，对连续两个月出现红灯的单位进行约谈。"
        ),
    }


def load(today: date) -> list[Bulletin]:
    """Generate and publish the city's bulletins of the last three full months (as far as today's year goes);
    does nothing when a bulletin of such a month exists already."""
    User = get_user_model()
    office = User.objects.filter(username="duchashi").first()
    if office is None:
        return []
    leaders = list(User.objects.filter(username__in=RECIPIENTS))
    units = list(Unit.objects.filter(code__in=RECIPIENT_UNITS))
    last = AuditEvent.objects.order_by("-seq").values_list("created_at", flat=True).first()
    start = last + timedelta(seconds=1) if last else timezone.make_aware(datetime.combine(today, time(8, 0)))
    published = []
    with transaction.atomic(), simulated_clock(start) as clock:
        for period, day in months_to_publish(today):
            if Bulletin.objects.filter(period=period, unit=None).exists():
                continue
            clock.set(max(start, timezone.make_aware(datetime.combine(day, time(9, 0)))))
            bulletin = services.generate(office, period, "month", today=day)
            services.edit(office, bulletin, paragraphs(bulletin.content, int(period[5:])))
            clock.set(timezone.make_aware(datetime.combine(day, time(16, 30))))
            # inbox only: the demo's console would otherwise print each e-mail's attachments
            published.append(services.publish(office, bulletin, leaders, units, email=False))
    return published
