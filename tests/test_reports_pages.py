"""The bulletin pages and API, and who may do what: a matrix of every role × action × own/other unit that
asserts the status and that nothing changed or leaked (list, detail, each download, API)."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core import mail

from bihuan.core.roles import Role
from bihuan.reports import services
from bihuan.reports.models import Bulletin, State
from tests.test_reports import TODAY, city_tasks  # noqa: F401  (fixture)

FORMATS = ("html", "xlsx", "docx")


@pytest.fixture
def bulletins(city_tasks, people, own_unit, other_unit, django_capture_on_commit_callbacks) -> dict[str, Bulletin]:  # noqa: F811
    """A city draft (2025-10); the city's September bulletin sent to the own unit and to one viewer of the other
    unit by name; the other unit's own view of October, sent to a leader."""
    office = people["supervisor"]
    draft = services.generate(office, "2025-10", "month", today=TODAY)
    city = services.generate(office, "2025-09", "month", today=TODAY)
    unit_view = services.generate(office, "2025-10", "month", other_unit, today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(office, city, [people["other_viewer"]], [own_unit])
        services.publish(office, unit_view, [people["leader"]])
    return {"draft": draft, "city": city, "unit": unit_view}


def expected_visible(user_key: str) -> set[str]:
    """Which of the three bulletins each person sees, by the rules in reports/policies.py."""
    role = user_key.removeprefix("other_")
    own = not user_key.startswith("other_")
    if role in (Role.ADMIN, Role.SUPERVISOR):
        return {"draft", "city", "unit"}
    if role in (Role.ASSESSOR, Role.LEADER):
        return {"city", "unit"}
    seen = set()
    if own or user_key == "other_viewer":  # the own unit received the city's bulletin; other_viewer by name
        seen.add("city")
    if not own:  # the other unit's own view, once published, is seen by its members
        seen.add("unit")
    return seen


def state_of(bulletins: dict[str, Bulletin]) -> list[tuple[Any, ...]]:
    return list(Bulletin.objects.order_by("pk").values_list("pk", "state", "title", "highlights", "number", "content"))


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("own", [True, False], ids=["own_unit", "other_unit"])
def test_read_matrix(role, own, bulletins, people, client):
    key = role if own else f"other_{role}"
    client.force_login(people[key])
    visible = expected_visible(key)
    ids = {name: b.pk for name, b in bulletins.items()}
    listed = client.get("/bulletins/")
    assert listed.status_code == 200
    shown = {name for name, pk in ids.items() if f'href="/bulletins/{pk}/"' in listed.content.decode()}
    assert shown == visible
    exported = client.get("/bulletins/?format=xlsx")
    assert exported.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).active
    assert sheet.max_row - 1 == len(visible)  # no row of a bulletin the person may not see
    api = client.get("/api/v1/bulletins/")
    assert api.status_code == 200
    assert {row["id"] for row in api.json()["results"]} == {ids[name] for name in visible}
    for name, pk in ids.items():
        status = 200 if name in visible else 404
        assert client.get(f"/bulletins/{pk}/").status_code == status, (key, name)
        assert client.get(f"/api/v1/bulletins/{pk}/").status_code == status, (key, name)
        for fmt in FORMATS:
            assert client.get(f"/bulletins/{pk}/files/{fmt}/").status_code == status, (key, name, fmt)
            assert client.get(f"/api/v1/bulletins/{pk}/files/{fmt}/").status_code == status, (key, name, fmt)


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("own", [True, False], ids=["own_unit", "other_unit"])
def test_write_matrix(role, own, bulletins, people, client, own_unit, django_capture_on_commit_callbacks):
    key = role if own else f"other_{role}"
    client.force_login(people[key])
    office = role in (Role.ADMIN, Role.SUPERVISOR)
    draft, published = bulletins["draft"], bulletins["city"]
    before = state_of(bulletins)
    count = Bulletin.objects.count()
    generated = client.post("/bulletins/new/", {"kind": "month", "period": "2025-08", "unit": ""})
    assert generated.status_code == (302 if office else 403)
    api_generated = client.post("/api/v1/bulletins/", {"period": "2025-07"}, content_type="application/json")
    assert api_generated.status_code == (201 if office else 403)
    assert Bulletin.objects.count() == count + (2 if office else 0)
    Bulletin.objects.filter(period__in=["2025-08", "2025-07"]).delete()  # back to the three
    # on the draft: edit, regenerate, publish — the office only; to anyone else the draft does not exist
    hidden = 404
    edit = client.post(f"/bulletins/{draft.pk}/edit/", {"title": "改过的标题", "number": "", "issuer": "督查室"})
    assert edit.status_code == (302 if office else hidden)
    patch = client.patch(f"/api/v1/bulletins/{draft.pk}/", {"highlights": "亮点"}, content_type="application/json")
    assert patch.status_code == (200 if office else hidden)
    regenerate = client.post(f"/bulletins/{draft.pk}/regenerate/")
    assert regenerate.status_code == (302 if office else hidden)
    if not office:
        assert state_of(bulletins) == before  # nothing changed
        mail_count = len(mail.outbox)
        for url in (f"/bulletins/{draft.pk}/publish/", f"/api/v1/bulletins/{draft.pk}/publish/"):
            assert client.post(url, {"units": [own_unit.pk]}).status_code == hidden
        assert client.post(f"/bulletins/{draft.pk}/discard/").status_code == hidden
        # a published bulletin a person sees is still not theirs to change
        if "city" in expected_visible(key):
            assert client.post(f"/bulletins/{published.pk}/edit/", {"title": "x"}).status_code == 403
            assert client.post(f"/api/v1/bulletins/{published.pk}/publish/").status_code == 403
        assert state_of(bulletins) == before and len(mail.outbox) == mail_count
        return
    draft.refresh_from_db()
    assert draft.title == "改过的标题" and draft.highlights == "亮点"
    with django_capture_on_commit_callbacks(execute=True):
        published_now = client.post(f"/bulletins/{draft.pk}/publish/", {"units": [own_unit.pk]})
    assert published_now.status_code == 302
    draft.refresh_from_db()
    assert draft.state == State.PUBLISHED
    again = client.post(f"/api/v1/bulletins/{draft.pk}/publish/", {"units": ["FGW"]}, content_type="application/json")
    assert again.status_code == 409  # published: never again
    assert (
        client.patch(f"/api/v1/bulletins/{draft.pk}/", {"title": "x"}, content_type="application/json").status_code
        == 409
    )


def test_generate_form_says_what_is_wrong(bulletins, people, client):
    client.force_login(people["supervisor"])
    response = client.post("/bulletins/new/", {"kind": "quarter", "period": "2025-10", "unit": ""})
    assert response.status_code == 400 and "2025-Q3" in response.content.decode()
    response = client.post("/bulletins/new/", {"kind": "month", "period": "2025-10", "unit": ""})
    assert response.status_code == 400  # the October draft exists
    assert Bulletin.objects.filter(period="2025-10", unit=None).count() == 1


def test_draft_page_shows_the_bulletin_forms_and_charts(bulletins, people, client):
    client.force_login(people["supervisor"])
    page = client.get(f"/bulletins/{bulletins['draft'].pk}/").content.decode()
    for marker in ('id="edit-form"', 'id="publish-form"', 'id="regenerate"', 'id="draft-mark"', "echarts.min.js"):
        assert marker in page
    assert 'data-section="overview"' in page and 'data-section="units"' in page and "2025-007" in page
    assert page.count("bh-echart") >= 3
    response = client.post(f"/bulletins/{bulletins['draft'].pk}/publish/", {})
    assert response.status_code == 400 and "至少选择" in response.content.decode()


def test_published_page_is_read_only_with_the_kept_files(bulletins, people, client):
    client.force_login(people["leader"])
    city = bulletins["city"]
    page = client.get(f"/bulletins/{city.pk}/").content.decode()
    assert 'id="edit-form"' not in page and 'id="publish-form"' not in page and 'id="published-note"' in page
    kept = {f.format: f for f in city.files.all()}
    docx = client.get(f"/bulletins/{city.pk}/files/docx/")
    assert b"".join(docx.streaming_content) == _stored(kept["docx"])
    html = client.get(f"/bulletins/{city.pk}/files/html/")
    assert html["Content-Type"].startswith("text/html") and "inline" in html["Content-Disposition"]
    detail = client.get(f"/api/v1/bulletins/{city.pk}/").json()
    assert detail["state"] == "published" and detail["content"]["period"] == "2025-09"
    assert {f["format"] for f in detail["files"]} == set(FORMATS)


def test_list_filters(bulletins, people, client):
    client.force_login(people["supervisor"])
    page = client.get("/bulletins/?state=published").content.decode()
    assert f'href="/bulletins/{bulletins["draft"].pk}/"' not in page
    assert f'href="/bulletins/{bulletins["city"].pk}/"' in page
    rows = client.get("/api/v1/bulletins/?unit=141002").json()["results"]
    assert [r["id"] for r in rows] == [bulletins["unit"].pk]


def test_pages_speak_english_too(bulletins, people, client):
    client.force_login(people["supervisor"])
    client.cookies["django_language"] = "en"
    page = client.get(f"/bulletins/{bulletins['draft'].pk}/").content.decode()
    assert '<html lang="en">' in page
    assert (
        "1. Overview" in page and "2. Red and yellow tasks" in page
    )  # no highlights written: no section and "Publish and send" in page
    assert "October 2025" in page  # the period in words


def _stored(kept: Any) -> bytes:
    from bihuan.core.files import stored_file_path

    return stored_file_path(kept.sha256).read_bytes()
