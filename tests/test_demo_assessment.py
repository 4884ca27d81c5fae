"""The demo's assessment: both schemes of the year set up, scored, adjusted, excused, vetoed and published."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from django.utils import timezone
from docx import Document as WordDocument

from bihuan.assessment.models import Adjustment, Exemption, Result, Scheme, SchemeState
from bihuan.assessment.results import compute
from bihuan.assessment.services import snapshot_digest
from bihuan.core.audit import verify_chain
from bihuan.core.files import stored_file_path
from bihuan.core.models import AuditEvent
from bihuan.demo.assessment import demo_scheme_names
from bihuan.demo.loader import load_demo

TODAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo(today=TODAY)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def deadlines_on_calendar_days():
    """Not here: the demo was loaded with the deployment's deadline rule, and computations are compared with it."""


@pytest.fixture
def schemes(demo, db):
    counties, departments = (Scheme.objects.get(name=name) for name in demo_scheme_names(TODAY.year))
    return counties, departments


def test_both_schemes_are_published_with_a_result_per_unit(schemes):
    counties, departments = schemes
    assert counties.state == departments.state == SchemeState.PUBLISHED
    assert Result.objects.filter(scheme=counties).count() == 17
    assert Result.objects.filter(scheme=departments).count() == departments.units.count() >= 20
    for scheme in schemes:
        event = AuditEvent.objects.get(action="scheme.published", object_id=str(scheme.pk))
        assert event.changes["snapshot_sha256"] == snapshot_digest(scheme.snapshot)
        # the results are as of the day they were published, not of a later day
        assert scheme.snapshot["as_of"] == timezone.localdate(scheme.published_at).isoformat()
    assert verify_chain().ok


def test_the_stories_the_demo_tells(schemes):
    counties, _departments = schemes
    incentives = Adjustment.objects.filter(kind="incentive")
    assert incentives.count() == 2
    vetoed = Result.objects.get(scheme=counties, vetoed=True)
    assert vetoed.unit.code == "141034" and vetoed.grade == "不合格"
    decided = {e.status: e for e in Exemption.objects.select_related("adjustment__unit")}
    assert set(decided) == {"approved", "rejected"}
    assert decided["approved"].adjustment.unit.code == "141002" and decided["rejected"].adjustment.unit.code == "FGW"
    evidence = decided["approved"].files.get()  # the county's written explanation, a real Word document
    document = WordDocument(stored_file_path(evidence.sha256))
    assert evidence.filename.endswith("（示例）.docx") and "演示数据" in document.paragraphs[-1].text
    automatic = Adjustment.objects.exclude(rule="")
    assert automatic.exists()  # drawn from the demo's supervision history
    excellent = Result.objects.filter(scheme=counties, grade="优秀").count()
    assert 1 <= excellent <= int(17 * 0.3)  # the 30% quota


def test_the_snapshot_is_what_a_computation_gives_on_the_day(schemes):
    counties, _ = schemes
    frozen = counties.snapshot
    again = compute(counties, date.fromisoformat(frozen["as_of"]))
    assert [(r["unit"]["code"], r["total"], r["grade"]) for r in again["units"]] == [
        (r["unit"]["code"], r["total"], r["grade"]) for r in frozen["units"]
    ]
