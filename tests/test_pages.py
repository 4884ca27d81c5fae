"""Every page renders for every role, in Chinese by default and in complete English on request."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bihuan.blueprint.services import save_category
from bihuan.core.roles import SYSTEM, Role
from bihuan.org.models import UnitGroup
from bihuan.org.services import save_group

EVERYONE = ["home", "inbox", "profile", "password_change", "unit-list", "group-list", "user-list", "category-list"]


@pytest.fixture
def configured(people, own_unit, other_unit):
    save_group(SYSTEM, {"code": "YF", "name": "沿汾板块", "illustrative": True}, [own_unit, other_unit])
    save_category(SYSTEM, {"code": "ZTX", "name": "主体性"})
    return people


@pytest.mark.parametrize("role", list(Role.values))
def test_pages_render_for_every_role(role, configured, login, own_unit, django_assert_max_num_queries):
    client = login(configured[role])
    for name in EVERYONE:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
    assert client.get(reverse("unit-detail", args=[own_unit.pk])).status_code == 200
    assert client.get(reverse("user-detail", args=[configured[role].pk])).status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200


def test_home_page_charts_for_city_wide_roles(configured, login):
    admin_home = login(configured["admin"]).get(reverse("home"))
    charts = admin_home.context["charts"]
    assert charts["units_by_kind"]["values"] == [1, 1, 1]  # the city, a department, a county
    assert sum(charts["people_by_role"]["values"]) == len(configured)
    assert b'id="units_by_kind"' in admin_home.content and b"echarts.min.js" in admin_home.content
    clerk_home = login(configured["unit_clerk"]).get(reverse("home"))
    assert "charts" not in clerk_home.context and b"echarts.min.js" not in clerk_home.content


def test_chinese_by_default_and_english_on_switch(configured, login):
    client = login(configured["unit_clerk"])
    chinese = client.get(reverse("home"))
    assert '<html lang="zh-hans">' in chinese.content.decode()
    assert "收件箱" in chinese.content.decode() and "单位联络员" in chinese.content.decode()
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert switched.status_code == 302
    english = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in english and "Inbox" in english and "收件箱" not in english


def test_plates_are_marked_illustrative(configured, login):
    page = login(configured["viewer"]).get(reverse("group-list")).content.decode()
    assert "沿汾板块" in page and "示意" in page
    assert UnitGroup.objects.get(code="YF").illustrative


def test_list_pages_export_to_excel(configured, login):
    client = login(configured["admin"])
    for name in ("unit-list", "user-list", "category-list", "audit-list"):
        response = client.get(reverse(name) + "?format=xlsx")
        assert response.status_code == 200, name
        assert response["Content-Disposition"].startswith("attachment;")


def test_list_page_query_count_does_not_grow_with_rows(
    configured, login, make_user, own_unit, django_assert_max_num_queries
):
    client = login(configured["admin"])
    client.get(reverse("user-list"))
    for index in range(30):
        make_user(f"extra{index}", Role.VIEWER, own_unit)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("user-list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("unit-list")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/users/").status_code == 200


def test_admin_manages_users_through_the_pages(configured, login, own_unit):
    client = login(configured["admin"])
    created = client.post(
        reverse("user-new"),
        {
            "username": "wangwu",
            "first_name": "王五",
            "email": "",
            "unit": own_unit.pk,
            "role": Role.UNIT_CLERK,
            "title": "科员",
            "phone": "0357-1234567",
            "is_active": "on",
            "email_notifications": "on",
            "password": "Strong-pass-2025",
        },
    )
    assert created.status_code == 302
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="wangwu")
    assert user.check_password("Strong-pass-2025") and user.profile.unit == own_unit
    weak = client.post(reverse("user-password", args=[user.pk]), {"password": "123"})
    assert weak.status_code == 400
    bad_phone = client.post(
        reverse("user-edit", args=[user.pk]),
        {
            "username": "wangwu",
            "first_name": "王五",
            "role": Role.UNIT_CLERK,
            "phone": "call me maybe",
        },
    )
    assert bad_phone.status_code == 400


def test_health_endpoint(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_api_schema_lists_every_endpoint(configured, login):
    schema = login(configured["viewer"]).get("/api/v1/schema/?format=json").json()
    for path in (
        "/api/v1/units/",
        "/api/v1/plates/",
        "/api/v1/users/",
        "/api/v1/categories/",
        "/api/v1/notifications/",
        "/api/v1/audit-events/",
    ):
        assert path in schema["paths"], path


def test_api_token_authentication(configured, client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=configured["admin"])
    response = client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200 and response.json()["username"] == "admin"
    assert client.get("/api/v1/users/me/", HTTP_AUTHORIZATION="Token wrong").status_code == 401


def test_api_validation_errors_are_400_not_500(configured, login):
    client = login(configured["admin"])
    duplicate = client.post("/api/v1/units/", {"code": "FGW", "name": "重复"}, content_type="application/json")
    assert duplicate.status_code == 400 and "code" in duplicate.json()
    bad = client.post("/api/v1/units/", {"code": "bad code!", "name": "x"}, content_type="application/json")
    assert bad.status_code == 400


def test_plate_form_keeps_inactive_members(configured, login, own_unit, other_unit):
    from bihuan.org.services import save_unit

    save_unit(SYSTEM, {"active": False}, other_unit)
    plate = UnitGroup.objects.get(code="YF")
    form = login(configured["admin"]).get(reverse("group-edit", args=[plate.pk])).context["form"]
    assert set(form.initial["units"]) == {own_unit, other_unit}
    assert other_unit in form.fields["units"].queryset


def test_api_rules_that_the_service_enforces(configured, login, own_unit):
    client = login(configured["admin"])
    target = configured["viewer"]
    password = client.patch(
        f"/api/v1/users/{target.pk}/", {"password": "New-pass-2025x"}, content_type="application/json"
    )
    assert password.status_code == 400 and "password" in password.json()
    clerk = client.post(
        "/api/v1/users/",
        {"username": "nounit", "name": "无单位", "role": "unit_clerk"},
        content_type="application/json",
    )
    assert clerk.status_code == 400 and "unit" in clerk.json()


def test_superuser_without_profile_counts_as_admin(db, client):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.gov.cn", "Root-pass-2025x")
    client.force_login(root)
    assert client.get("/api/v1/users/me/").json()["role"] == "admin"
    assert client.get(reverse("unit-new")).status_code == 200


def test_api_schema_and_docs_need_a_login(client, db):
    assert client.get("/api/v1/schema/").status_code in (401, 403)
    assert client.get("/api/v1/docs/").status_code == 302


def test_profile_page_token_and_preferences_are_audited(configured, login):
    from bihuan.core.models import AuditEvent

    user = configured["unit_clerk"]
    client = login(user)
    created = client.post(reverse("profile"), {"action": "token"})
    key = created.context["new_token"]
    assert client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    client.post(reverse("profile"), {"action": "revoke"})
    assert client.get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    client.post(reverse("profile"), {"action": "preferences"})  # box unticked
    user.profile.refresh_from_db()
    assert user.profile.email_notifications is False
    actions = list(AuditEvent.objects.filter(object_id=str(user.pk)).values_list("action", flat=True).order_by("seq"))
    assert actions[-3:] == ["user.token_created", "user.token_revoked", "user.changed"]
    client.post(reverse("profile"), {"action": "preferences", "email": "on", "digest": "on"})
    user.profile.refresh_from_db()
    assert user.profile.email_notifications is True and user.profile.daily_digest is True
    last = AuditEvent.objects.filter(object_id=str(user.pk)).latest("seq")
    assert set(last.changes) == {"email_notifications", "daily_digest"}


def test_new_user_form_has_no_default_role(configured, login):
    client = login(configured["admin"])
    form = client.get(reverse("user-new")).context["form"]
    assert form["role"].value() in (None, "")
    response = client.post(reverse("user-new"), {"username": "norole", "first_name": "无角色"})
    assert response.status_code == 400 and "role" in response.context["form"].errors


@pytest.mark.parametrize(
    "url",
    [
        "/units/?page=-1",
        "/units/?page=zzz",
        "/units/?kind=mars&parent=abc&active=maybe",
        "/units/?format=pdf",
        "/people/?unit=<script>&role=emperor&is_active=2",
        "/people/?q=%00%27%22",
        "/audit/?since=not-a-date&until=2025-02-30&object_type=zzz&action=zzz&object_id=%27",
        "/deliveries/?status=lost&channel=pigeon",
        "/inbox/?show=everything&page=99999",
        "/api/v1/units/?parent=abc&kind=mars",
        "/api/v1/users/?page=0&page_size=100000",
        "/api/v1/audit-events/?since=x",
        "/api/v1/units/999999/",
        "/units/999999/",
        "/people/999999/edit/",
        "/import/nothing/template.xlsx",
    ],
)
def test_odd_input_never_causes_a_server_error(url, configured, login):
    response = login(configured["admin"]).get(url)
    assert response.status_code < 500, response.status_code


def test_changing_ones_own_password_is_audited(configured, client):
    from bihuan.core.models import AuditEvent
    from tests.conftest import PASSWORD

    clerk = configured["unit_clerk"]
    assert client.login(username=clerk.username, password=PASSWORD)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Brand-new-pass-77",
            "new_password2": "Brand-new-pass-77",
        },
    )
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password("Brand-new-pass-77")
    assert AuditEvent.objects.filter(action="user.password_changed", object_id=str(clerk.pk)).count() == 1
    assert "修改密码" in client.get(reverse("password_change")).content.decode()


def test_openapi_schema_is_valid_and_warning_free(db, tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")
