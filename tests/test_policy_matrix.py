"""The permission matrix: every role × every action × own unit / other unit, through pages, API and
exports. The expectations are written out here, independently of the policy code, and each case
also checks that nothing changed and nothing leaked."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from bihuan.core.models import AuditEvent
from bihuan.core.roles import Role
from bihuan.org.models import Unit

ALL_ROLES = list(Role.values)
CITY_WIDE = {Role.ADMIN, Role.SUPERVISOR, Role.ASSESSOR, Role.LEADER}
ADMIN_ONLY = {Role.ADMIN}


def sees_person(role: str, where: str) -> bool:
    return where == "own" or role in CITY_WIDE


@pytest.fixture
def target(request, people):
    """The person acted on: a viewer in the actor's own unit, or one in the other unit."""
    return people["viewer"] if request.param == "own" else people["other_viewer"]


# ---- people --------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["own", "other"], indirect=True)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_view_person(role, target, people, login, request):
    where = request.node.callspec.params["target"]
    response = login(people[role]).get(reverse("user-detail", args=[target.pk]))
    assert response.status_code == (200 if sees_person(role, where) else 404)
    if response.status_code == 404:
        assert target.username.encode() not in response.content


@pytest.mark.parametrize("target", ["own", "other"], indirect=True)
@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("action", ["edit", "deactivate", "password"])
def test_change_person(action, role, target, people, login, request):
    where = request.node.callspec.params["target"]
    if target.pk == people[role].pk:
        pytest.skip("acting on oneself is covered separately")
    before = (target.first_name, target.is_active, target.password, target.profile.role)
    url, data = {
        "edit": (
            reverse("user-edit", args=[target.pk]),
            {"username": target.username, "first_name": "被改名", "role": Role.ADMIN, "email": ""},
        ),
        "deactivate": (reverse("user-set-active", args=[target.pk]), {"active": "0"}),
        "password": (reverse("user-password", args=[target.pk]), {"password": "Another-secret-42"}),
    }[action]
    events_before = AuditEvent.objects.count()
    response = login(people[role]).post(url, data)
    target.refresh_from_db()
    target.profile.refresh_from_db()
    after = (target.first_name, target.is_active, target.password, target.profile.role)
    if role in ADMIN_ONLY:
        assert response.status_code == 302
        assert after != before
        assert AuditEvent.objects.count() > events_before
    else:
        assert response.status_code == (403 if sees_person(role, where) else 404)
        assert after == before
        assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize("role", ALL_ROLES)
def test_people_list_page_export_and_api_show_only_visible_people(role, people, login):
    client = login(people[role])
    hidden = people["other_viewer"].username
    page = client.get(reverse("user-list"))
    export = client.get(reverse("user-list") + "?format=xlsx")
    api = client.get("/api/v1/users/?page_size=500")
    search = client.get(reverse("user-list") + "?q=other")  # matches the hidden person, not echoing their name
    assert (page.status_code, export.status_code, api.status_code, search.status_code) == (200, 200, 200, 200)
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    exported = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    api_names = {u["username"] for u in api.json()["results"]}
    visible = role in CITY_WIDE
    assert (hidden.encode() in page.content) is visible
    assert (hidden.encode() in search.content) is visible
    assert (hidden in exported) is visible
    assert (hidden in api_names) is visible
    assert people["viewer"].username in exported and people["viewer"].username in api_names


@pytest.mark.parametrize("target", ["own", "other"], indirect=True)
@pytest.mark.parametrize("role", ALL_ROLES)
def test_api_person_detail_and_update(role, target, people, login, request):
    where = request.node.callspec.params["target"]
    client = login(people[role])
    detail = client.get(f"/api/v1/users/{target.pk}/")
    assert detail.status_code == (200 if sees_person(role, where) else 404)
    response = client.patch(f"/api/v1/users/{target.pk}/", {"name": "接口改名"}, content_type="application/json")
    target.refresh_from_db()
    if role in ADMIN_ONLY:
        assert response.status_code == 200
        assert target.first_name == "接口改名"
    else:
        assert response.status_code == (403 if sees_person(role, where) else 404)
        assert target.first_name != "接口改名"


def test_admin_cannot_deactivate_themself(people, login):
    admin = people["admin"]
    response = login(admin).post(reverse("user-set-active", args=[admin.pk]), {"active": "0"})
    admin.refresh_from_db()
    assert response.status_code == 403
    assert admin.is_active


# ---- units, plates, categories -------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("where", ["own", "other"])
def test_units_visible_to_all_changed_by_admin_only(role, where, people, login, own_unit, other_unit):
    unit = own_unit if where == "own" else other_unit
    client = login(people[role])
    assert client.get(reverse("unit-detail", args=[unit.pk])).status_code == 200
    assert client.get(f"/api/v1/units/{unit.pk}/").status_code == 200
    response = client.post(
        reverse("unit-edit", args=[unit.pk]),
        {
            "code": unit.code,
            "name": "改过的名字",
            "kind": unit.kind,
            "sort_order": 0,
            "active": "on",
        },
    )
    api = client.patch(f"/api/v1/units/{unit.pk}/", {"short_name": "接口"}, content_type="application/json")
    unit.refresh_from_db()
    if role in ADMIN_ONLY:
        assert response.status_code == 302 and api.status_code == 200
        assert unit.name == "改过的名字" and unit.short_name == "接口"
    else:
        assert response.status_code == 403 and api.status_code == 403
        assert unit.name != "改过的名字" and unit.short_name != "接口"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_creating_and_importing_is_for_admins(role, people, login):
    client = login(people[role])
    count = Unit.objects.count()
    created = client.post(
        reverse("unit-new"), {"code": "NEW1", "name": "新单位", "kind": "department", "sort_order": 0}
    )
    api = client.post("/api/v1/units/", {"code": "NEW2", "name": "新单位2"}, content_type="application/json")
    pages = [
        client.get(reverse(name)) for name in ("unit-import", "user-import", "user-new", "group-new", "category-new")
    ]
    if role in ADMIN_ONLY:
        assert created.status_code == 302 and api.status_code == 201
        assert Unit.objects.count() == count + 2
        assert all(p.status_code == 200 for p in pages)
    else:
        assert created.status_code == 403 and api.status_code == 403
        assert Unit.objects.count() == count
        assert all(p.status_code == 403 for p in pages)


# ---- audit log, deliveries, webhooks -------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_audit_log_for_admin_and_supervisor(role, people, login):
    client = login(people[role])
    page = client.get(reverse("audit-list"))
    export = client.get(reverse("audit-list") + "?format=xlsx")
    api = client.get("/api/v1/audit-events/")
    if role in {Role.ADMIN, Role.SUPERVISOR}:
        assert page.status_code == 200 and export.status_code == 200
        assert api.json()["count"] == AuditEvent.objects.count()
    else:
        assert page.status_code == 403 and export.status_code == 403
        assert api.status_code == 200 and api.json()["count"] == 0


@pytest.mark.parametrize("role", ALL_ROLES)
def test_deliveries_and_webhooks_for_admin_only(role, people, login):
    client = login(people[role])
    statuses = {client.get(reverse(n)).status_code for n in ("delivery-list", "webhook-list", "webhook-new")}
    assert statuses == ({200} if role in ADMIN_ONLY else {403})


def test_anonymous_is_sent_to_login_and_api_refuses(client, people):
    for name in ("home", "unit-list", "user-list", "audit-list", "inbox"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get("/api/v1/users/").status_code in (401, 403)


def test_deactivated_user_cannot_log_in_and_history_stays(people, client):
    from bihuan.org.services import set_active

    person = people["unit_clerk"]
    events = AuditEvent.objects.filter(object_id=str(person.pk), object_type="auth.user").count()
    set_active(people["admin"], person, False)
    assert not client.login(username=person.username, password="correct-horse-9")
    person.refresh_from_db()
    assert person.profile.unit is not None
    assert AuditEvent.objects.filter(object_id=str(person.pk), object_type="auth.user").count() == events + 1
