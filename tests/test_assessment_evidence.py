"""Evidence files (佐证材料) for adjustments and fault-tolerance requests: kept by the services all or nothing,
uploaded through the pages and the API, shown where the records are, exported, and downloaded only by those
who may see the record (a matrix of roles × own/other unit)."""

from __future__ import annotations

import hashlib
import io

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from bihuan.assessment import services
from bihuan.assessment.models import AdjustmentKind, EvidenceFile, Exemption, SchemeState
from bihuan.core.files import stored_file_path
from bihuan.core.models import AuditEvent, Notification
from bihuan.core.roles import Role
from tests.assessment_data import AS_OF
from tests.test_assessment_pages import (  # noqa: F401 (fixtures)
    OFFICE,
    ROLES,
    UNIT_ROLES,
    as_user,
    english,
    expected,
    own_demerit,
    scheme,
)

PDF = b"%PDF-1.4 \xe5\x85\xb3\xe4\xba\x8e\xe6\x9a\xb4\xe9\x9b\xa8 evidence"


def upload(name: str = "气象证明.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def counts() -> tuple[int, int, int]:
    return Exemption.objects.count(), EvidenceFile.objects.count(), AuditEvent.objects.count()


@pytest.fixture
def requested(people, own_demerit):  # noqa: F811
    """The own unit's demerit, asked to be excused with a weather bureau's certificate attached."""
    return services.request_exemption(
        people[Role.UNIT_CLERK],
        own_demerit,
        "force_majeure",
        "特大暴雨导致施工中断两个月。",
        "市气象局证明",
        [upload(), upload("现场照片.jpg", b"\xff\xd8\xff photo")],
    )


# ---- the services ----------------------------------------------------------------------------------


def test_a_request_keeps_its_files_and_the_audit_names_them(requested):
    files = list(requested.files.order_by("id"))
    assert [(f.filename, f.size, f.content_type) for f in files] == [
        ("气象证明.pdf", len(PDF), "application/pdf"),
        ("现场照片.jpg", 9, "image/jpeg"),
    ]
    assert stored_file_path(files[0].sha256).read_bytes() == PDF
    assert files[0].sha256 == hashlib.sha256(PDF).hexdigest()
    event = AuditEvent.objects.get(action="exemption.requested")
    assert [f["file"] for f in event.changes["files"]] == ["气象证明.pdf", "现场照片.jpg"]


@pytest.mark.parametrize(
    "uploads, words",
    [
        ([upload(), upload("病毒.exe", b"MZ")], "病毒.exe: files of this type are not accepted"),
        ([upload("空白.pdf", b"")], "空白.pdf is empty"),
        ([upload()] * 11, "At most 10 files at a time"),
    ],
    ids=["type", "empty", "too many"],
)
def test_a_bad_file_refuses_the_whole_request(people, own_demerit, uploads, words):  # noqa: F811
    before = counts()
    with pytest.raises(ValidationError) as error, translation.override("en"):
        services.request_exemption(people[Role.UNIT_HEAD], own_demerit, "other", "其他原因，说明如下。", "", uploads)
    assert any(words in message for message in error.value.message_dict["files"])
    assert counts() == before


def test_an_oversized_file_is_refused_before_it_is_read(people, scheme, own_unit, settings):  # noqa: F811
    settings.BIHUAN = {**settings.BIHUAN, "ATTACHMENT_MAX_BYTES": 2**20}
    big = upload("扫描件.pdf", b"x" * 3 * 2**20)
    before = counts()
    with pytest.raises(ValidationError) as error, translation.override("en"):
        services.add_adjustment(
            people[Role.ASSESSOR], scheme, own_unit, AdjustmentKind.INCENTIVE, 2, "获省级表彰", uploads=[big]
        )
    assert error.value.message_dict["files"] == ["扫描件.pdf is 3.0 MB; at most 1.0 MB are allowed."]
    assert counts() == before and big.tell() == 0  # never read


# ---- the pages -------------------------------------------------------------------------------------


def test_clerk_uploads_with_the_request_assessor_downloads(client, people, own_demerit, english):  # noqa: F811
    client.force_login(people[Role.UNIT_CLERK])
    url = reverse("assessment-request", args=[own_demerit.pk])
    form = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in form and 'type="file" name="files"' in form and "multiple" in form
    response = client.post(
        url,
        {
            "grounds": "force_majeure",
            "explanation": "特大暴雨导致施工中断两个月。",
            "files": [upload(), upload("说明.docx")],
        },
    )
    assert response.status_code == 302
    exemption = Exemption.objects.get(adjustment=own_demerit)
    assert sorted(exemption.files.values_list("filename", flat=True)) == ["气象证明.pdf", "说明.docx"]

    client.force_login(people[Role.ASSESSOR])
    page = client.get(reverse("assessment-exemption", args=[exemption.pk])).content.decode()
    kept = exemption.files.get(filename="气象证明.pdf")
    assert 'id="request-files"' in page and reverse("assessment-file", args=[kept.pk]) in page
    download = client.get(reverse("assessment-file", args=[kept.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"] and download["X-Content-Type-Options"] == "nosniff"


def test_a_bad_file_on_the_page_names_it_and_keeps_nothing(client, people, own_demerit, english):  # noqa: F811
    client.force_login(people[Role.UNIT_HEAD])
    before = counts()
    response = client.post(
        reverse("assessment-request", args=[own_demerit.pk]),
        {"grounds": "other", "explanation": "其他原因，说明如下。", "files": [upload("宏.xlsm", b"PK macro")]},
    )
    assert response.status_code == 400
    assert "宏.xlsm: files of this type are not accepted" in " ".join(response.context["form"].errors["files"])
    assert counts() == before


def test_adjustment_files_on_page_demerit_and_export(client, people, scheme, own_unit, english):  # noqa: F811
    client.force_login(people[Role.ASSESSOR])
    url = reverse("assessment-adjustments", args=[scheme.pk])
    response = client.post(
        url,
        {"kind": "demerit", "unit": own_unit.pk, "points": "2", "reason": "通报批评", "files": [upload("通报.pdf")]},
    )
    assert response.status_code == 302
    demerit = services.Adjustment.objects.get(reason="通报批评")
    kept = demerit.files.get()
    assert reverse("assessment-file", args=[kept.pk]) in client.get(url).content.decode()
    book = openpyxl.load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content))
    rows = [[cell.value for cell in row] for row in book.active.iter_rows()]
    column = rows[0].index("Evidence files")
    assert [row[column] for row in rows[1:] if row[rows[0].index("Reason")] == "通报批评"] == ["通报.pdf"]
    # the unit sees the file where it asks to excuse the demerit
    client.force_login(people[Role.UNIT_CLERK])
    page = client.get(reverse("assessment-request", args=[demerit.pk])).content.decode()
    assert 'id="demerit-files"' in page and "通报.pdf" in page


# ---- who may download ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("unit", ["own", "other"])
def test_matrix_download(client, people, requested, role, unit):
    """The file of the own unit's request: the office, leaders and the own unit's head and clerk; nobody else,
    and for them the file does not exist (404, its name not shown)."""
    kept = requested.files.first()
    response = as_user(client, people, role, unit).get(reverse("assessment-file", args=[kept.pk]))
    visible = OFFICE | {Role.LEADER} | (UNIT_ROLES if unit == "own" else set())
    assert response.status_code == expected(role, visible, visible, done=200)
    if response.status_code != 200:
        assert kept.filename not in response.content.decode()


def test_everyone_signed_in_sees_the_files_once_published(client, people, scheme, requested):  # noqa: F811
    services.decide_exemption(people[Role.ASSESSOR], requested, True, "属不可抗力，予以容错。")
    scheme = services.move(people[Role.ASSESSOR], scheme, SchemeState.PREVIEW, today=AS_OF)
    services.move(people[Role.ASSESSOR], scheme, SchemeState.PUBLISHED, today=AS_OF)
    client.force_login(people["other_" + Role.VIEWER])
    assert client.get(reverse("assessment-file", args=[requested.files.first().pk])).status_code == 200


# ---- the API ---------------------------------------------------------------------------------------


def test_api_request_with_files_listing_and_download(client, people, own_demerit, login):  # noqa: F811
    api = login(people[Role.UNIT_HEAD])
    response = api.post(
        "/api/v1/assessment-exemptions/",
        {
            "adjustment": own_demerit.pk,
            "grounds": "force_majeure",
            "explanation": "特大暴雨导致施工中断两个月。",
            "uploads": [upload(), upload("照片.png", b"\x89PNG x")],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [f["filename"] for f in body["files"]] == ["气象证明.pdf", "照片.png"] and "uploads" not in body
    file_id = body["files"][0]["id"]
    download = api.get(f"/api/v1/assessment-files/{file_id}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    listed = api.get("/api/v1/assessment-files/", {"exemption": body["id"]}).json()
    assert {f["filename"] for f in listed["results"]} == {"气象证明.pdf", "照片.png"}

    other = login(people["other_" + Role.UNIT_HEAD])
    assert other.get(f"/api/v1/assessment-files/{file_id}/download/").status_code == 404
    assert other.get("/api/v1/assessment-files/").json()["count"] == 0


def test_api_bad_upload_answers_400_under_uploads(people, own_demerit, login):  # noqa: F811
    api = login(people[Role.UNIT_HEAD])
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    before = counts()
    response = api.post(
        "/api/v1/assessment-exemptions/",
        {
            "adjustment": own_demerit.pk,
            "grounds": "other",
            "explanation": "其他原因，说明如下。",
            "uploads": [upload("脚本.js", b"alert(1)")],
        },
    )
    assert response.status_code == 400
    assert "脚本.js: files of this type are not accepted" in response.json()["uploads"][0]
    assert counts() == before


# ---- more files later ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("unit", ["own", "other"])
def test_matrix_add_files_to_a_pending_request(client, people, requested, role, unit):
    """Only the requesting unit's head and clerk, while the request waits; others change nothing."""
    before = counts()
    url = reverse("assessment-exemption-files", args=[requested.pk])
    response = as_user(client, people, role, unit).post(url, {"files": [upload("补充说明.pdf")]})
    allowed = UNIT_ROLES if unit == "own" else set()
    visible = OFFICE | {Role.LEADER} | (UNIT_ROLES if unit == "own" else set())
    assert response.status_code == expected(role, allowed, visible)
    added = requested.files.filter(filename="补充说明.pdf").exists()
    assert added == (role in allowed)
    if not added:
        assert counts() == before


def test_files_added_to_a_request_are_audited_and_the_office_told(
    people, requested, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        names = services.add_evidence(people[Role.UNIT_HEAD], requested, [upload("补充说明.pdf"), upload("照片.png")])
    assert names == ["补充说明.pdf", "照片.png"]
    event = AuditEvent.objects.filter(action="exemption.evidence_added").get()
    assert [f["file"] for f in event.changes["files"]] == names
    assert Notification.objects.filter(recipient=people[Role.ASSESSOR], body="补充说明.pdf、照片.png").exists()


def test_no_files_after_the_decision_nor_a_bad_one_ever(people, requested):
    head = people[Role.UNIT_HEAD]
    before = counts()
    with pytest.raises(ValidationError):
        services.add_evidence(head, requested, [upload(), upload("宏.xlsm", b"PK")])
    with pytest.raises(ValidationError):
        services.add_evidence(head, requested, [])
    assert counts() == before
    services.decide_exemption(people[Role.ASSESSOR], requested, False, "证据不足。")
    requested.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.add_evidence(head, requested, [upload("补充说明.pdf")])


@pytest.mark.parametrize("role", ROLES)
def test_matrix_add_files_to_an_adjustment(client, people, scheme, own_demerit, role):  # noqa: F811
    """Whoever may enter the demerit may add to it: the assessment office, administrators and the supervision
    office; the unit it is about may not."""
    url = reverse("assessment-adjustment-files", args=[scheme.pk, own_demerit.pk])
    response = as_user(client, people, role).post(url, {"files": [upload("通报扫描件.pdf")]})
    allowed = {Role.ADMIN, Role.ASSESSOR, Role.SUPERVISOR}
    assert response.status_code == expected(role, allowed)
    assert own_demerit.files.filter(filename="通报扫描件.pdf").exists() == (role in allowed)


def test_add_files_buttons_only_where_allowed(client, people, scheme, own_demerit, requested):  # noqa: F811
    adjustments = reverse("assessment-adjustments", args=[scheme.pk])
    assert f'id="files-{own_demerit.pk}"' in as_user(client, people, Role.ASSESSOR).get(adjustments).content.decode()
    assert 'id="files-' not in as_user(client, people, Role.UNIT_HEAD).get(adjustments).content.decode()
    detail = reverse("assessment-exemption", args=[requested.pk])
    assert 'id="add-files"' in as_user(client, people, Role.UNIT_CLERK).get(detail).content.decode()
    assert 'id="add-files"' not in as_user(client, people, Role.ASSESSOR).get(detail).content.decode()


def test_api_adds_files_to_a_request_and_to_an_adjustment(people, own_demerit, requested, login):  # noqa: F811
    head = login(people[Role.UNIT_HEAD])
    response = head.post(f"/api/v1/assessment-exemptions/{requested.pk}/files/", {"uploads": [upload("补充说明.pdf")]})
    assert response.status_code == 201, response.content
    assert "补充说明.pdf" in [f["filename"] for f in response.json()["files"]]
    refused = head.post(f"/api/v1/assessment-adjustments/{own_demerit.pk}/files/", {"uploads": [upload()]})
    assert refused.status_code == 403 and not own_demerit.files.exists()
    office = login(people[Role.ASSESSOR])
    response = office.post(f"/api/v1/assessment-adjustments/{own_demerit.pk}/files/", {"uploads": [upload()]})
    assert response.status_code == 201 and [f["filename"] for f in response.json()["files"]] == ["气象证明.pdf"]
    bad = office.post(f"/api/v1/assessment-adjustments/{own_demerit.pk}/files/", {"uploads": [upload("x.exe")]})
    assert bad.status_code == 400 and "uploads" in bad.json() and own_demerit.files.count() == 1
