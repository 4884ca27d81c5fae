"""Import units and users from CSV or XLSX: all rows are checked first, then all are written in one
transaction, or none are."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bihuan.core import audit
from bihuan.core.importing import (
    ChoiceLookup,
    Column,
    ImportResult,
    Row,
    RowError,
    RowProblem,
    cell_bool,
    cell_int,
    choices_text,
    read_table,
    run_import,
    unchanged,
    validation_messages,
)
from bihuan.core.policy import policy
from bihuan.core.roles import Role
from bihuan.org import services
from bihuan.org.models import Unit

User = get_user_model()

UNIT_COLUMNS = (
    Column("code", "代码", ("单位代码", "编码", "unit code"), required=True, english="Code"),
    Column("name", "名称", ("单位名称", "单位", "unit name"), required=True, english="Name"),
    Column("short_name", "简称", ("short name", "abbreviation"), english="Short name"),
    Column("kind", "类型", ("单位类型", "type", "unit kind"), english="Kind"),
    Column("parent", "上级代码", ("上级单位代码", "parent code"), english="Parent code"),
    Column("sort_order", "排序", ("序号", "order", "sort"), english="Order"),
    Column("active", "启用", ("是否启用", "状态", "enabled"), english="Active"),
)

USER_COLUMNS = (
    Column("username", "用户名", ("账号", "登录名", "login", "user name"), required=True, english="User name"),
    Column("name", "姓名", ("full name", "real name"), required=True, english="Name"),
    # keyed unit_code so that an English export's "Unit" (the unit's name) is not taken for it
    Column("unit_code", "单位代码", ("unit code",), required=False, english="Unit code"),
    Column("role", "角色", ("role",), required=True, english="Role"),
    Column("title", "职务", ("job title", "position"), english="Title"),
    Column("phone", "电话", ("手机", "手机号", "联系电话", "mobile", "telephone"), english="Phone"),
    Column("email", "邮箱", ("电子邮箱", "e-mail", "mail"), english="E-mail"),
    Column("password", "初始密码", ("密码", "initial password"), english="Initial password"),
    Column("active", "启用", ("是否启用", "状态", "enabled"), english="Active"),
)


# Words offices actually type in these columns, whatever the UI language.
KIND_ALIASES = {
    Unit.Kind.CITY: ("市", "市级", "地级市", "市本级"),
    Unit.Kind.DEPARTMENT: ("市直部门", "市直单位", "部门", "委办局"),
    Unit.Kind.COUNTY: ("县区", "县（市、区）", "县", "区", "县级市", "县市区"),
    Unit.Kind.ZONE: ("开发区", "园区", "功能区"),
    Unit.Kind.OTHER: ("其他",),
}
ROLE_ALIASES = {
    Role.ADMIN: ("管理员", "系统管理员"),
    Role.SUPERVISOR: ("督查室", "督查"),
    Role.ASSESSOR: ("考核办", "考核"),
    Role.LEADER: ("领导", "市领导", "分管领导"),
    Role.UNIT_HEAD: ("单位负责人", "负责人", "主要负责人"),
    Role.UNIT_CLERK: ("联络员", "单位联络员", "经办人"),
    Role.STATISTICIAN: ("统计员", "统计"),
    Role.VIEWER: ("查看者", "只读", "浏览"),
}


#: Model fields whose errors belong to a column of another name.
FIELD_COLUMNS = {"unit": "unit_code", "first_name": "name"}


def import_units(actor: Any, source: Any, filename: str | None = None, dry_run: bool = False) -> ImportResult:
    """Create or update units by code. Parents may be defined later in the same file."""
    policy.require(actor, "import", Unit)
    table = read_table(source, UNIT_COLUMNS, filename)
    pending_parents: list[tuple[Row, Unit, str, int | None]] = []
    seen: dict[str, int] = {}
    kinds = ChoiceLookup(Unit.Kind.choices, KIND_ALIASES)
    existing = {u.code: u for u in Unit.objects.all()}

    def apply_row(row: Row, result: ImportResult) -> None:
        code = row.values["code"]
        if code in seen:
            raise RowProblem(
                "code", _("the code %(code)s already appears in row %(row)s") % {"code": code, "row": seen[code]}
            )
        seen[code] = row.number
        unit = existing.get(code)
        kind_text = row.values.get("kind", "")
        kind = kinds(kind_text) if kind_text else (unit.kind if unit else Unit.Kind.DEPARTMENT)
        if kind is None:
            raise RowProblem(
                "kind",
                _("expected one of %(choices)s, got “%(value)s”")
                % {"choices": choices_text(Unit.Kind.choices), "value": kind_text},
            )
        before = audit.snapshot(unit, services.UNIT_FIELDS) if unit else {}
        # Only the columns the file has are written: a missing column leaves the unit's value alone.
        data: dict[str, Any] = {"code": code, "name": row.values["name"], "kind": str(kind)}
        if "short_name" in row.values:
            data["short_name"] = row.values["short_name"]
        if "sort_order" in row.values:
            data["sort_order"] = cell_int(row, "sort_order")
        if "active" in row.values:
            data["active"] = cell_bool(row, "active")
        parent_code = row.values.get("parent", "")
        deferred = bool(parent_code) and parent_code not in existing  # defined further down, or unknown
        if "parent" in row.values and not deferred:
            data["parent"] = existing.get(parent_code) if parent_code else None
        # a re-import of unchanged rows writes nothing
        saved = unit if unit is not None and unchanged(before, data) else services.save_unit(actor, data, unit)
        existing[code] = saved
        if deferred:
            pending_parents.append((row, saved, parent_code, before.get("parent")))
        result.add(
            f"{code} {saved.name}",
            unit is None,
            audit.diff(before, audit.snapshot(saved, services.UNIT_FIELDS)),
        )

    def set_parents(result: ImportResult) -> list[RowError]:
        errors = []
        code_of = {u.pk: c for c, u in existing.items()}
        for row, unit, parent_code, old_parent_id in pending_parents:
            parent = existing.get(parent_code)
            if parent is None:
                errors.append(table.error(row, "parent", _("no unit has the code %(code)s") % {"code": parent_code}))
                continue
            try:
                with transaction.atomic():
                    services.save_unit(actor, {"parent": parent}, unit)
            except ValidationError as exc:
                errors.extend(table.error(row, "parent", m) for _k, m in validation_messages(exc))
                continue
            label = f"{unit.code} {unit.name}"
            if old_parent_id != parent.pk:
                result.changes.setdefault(label, {})["parent"] = [code_of.get(old_parent_id), parent_code]
                if label in result.unchanged:
                    result.unchanged.remove(label)
                    result.updated.append(label)
        return errors

    return run_import(actor, "units", table, apply_row, dry_run, set_parents, FIELD_COLUMNS)


def import_users(actor: Any, source: Any, filename: str | None = None, dry_run: bool = False) -> ImportResult:
    """Create or update users by user name, with their unit, role and contact details."""
    policy.require(actor, "import", User)
    table = read_table(source, USER_COLUMNS, filename)
    units = {u.code: u for u in Unit.objects.all()}
    existing = {u.username: u for u in User.objects.select_related("profile")}
    roles = ChoiceLookup(Role.choices, ROLE_ALIASES)
    seen: dict[str, int] = {}
    tracked = (*services.USER_FIELDS, *services.PROFILE_FIELDS)

    def apply_row(row: Row, result: ImportResult) -> None:
        username = row.values["username"]
        if username in seen:
            raise RowProblem(
                "username",
                _("the user name %(name)s already appears in row %(row)s") % {"name": username, "row": seen[username]},
            )
        seen[username] = row.number
        role = roles(row.values["role"])
        if role is None:
            raise RowProblem(
                "role",
                _("expected one of %(choices)s, got “%(value)s”")
                % {"choices": choices_text(Role.choices), "value": row.values["role"]},
            )
        unit_code = row.values.get("unit_code", "")
        unit = units.get(unit_code) if unit_code else None
        if unit_code and unit is None:
            raise RowProblem("unit_code", _("no unit has the code %(code)s") % {"code": unit_code})
        user = existing.get(username)
        before = _user_snapshot(user, tracked) if user else {}
        # Only the columns the file has are written: a missing column leaves the person's value alone.
        data: dict[str, Any] = {"username": username, "first_name": row.values["name"]}
        if "active" in row.values or user is None:
            data["is_active"] = cell_bool(row, "active")
        if "email" in row.values:
            data["email"] = row.values["email"]
        profile: dict[str, Any] = {"role": role}
        if "unit_code" in row.values:
            profile["unit"] = unit
        for key in ("title", "phone"):
            if key in row.values:
                profile[key] = row.values[key]
        password = row.values.get("password") or None
        if user is not None and not password and unchanged(before, {**data, **profile}):
            result.unchanged.append(username)  # a re-import of unchanged rows writes nothing
            return
        saved = services.save_user(actor, data, profile, user, password=password if user is None else None)
        if user is not None and password:
            services.set_password(actor, saved, password)
        result.add(username, user is None, audit.diff(before, _user_snapshot(saved, tracked)))

    return run_import(actor, "users", table, apply_row, dry_run, field_columns=FIELD_COLUMNS)


def _user_snapshot(user: Any, fields: Sequence[str]) -> dict[str, Any]:
    profile = getattr(user, "profile", None)
    data = audit.snapshot(user, [f for f in fields if f in services.USER_FIELDS])
    if profile is not None:
        data.update(audit.snapshot(profile, [f for f in fields if f in services.PROFILE_FIELDS]))
    return data


TEMPLATE_EXAMPLES = {
    "units": (
        UNIT_COLUMNS,
        [
            ["141000", "临汾市", "临汾", "市", "", "0", "是"],
            ["FGW", "市发展和改革委员会", "市发改委", "市直部门", "141000", "10", "是"],
        ],
    ),
    "users": (
        USER_COLUMNS,
        [["zhangsan", "张三", "FGW", "联络员", "科员", "0357-1234567", "zhangsan@example.gov.cn", "", "是"]],
    ),
}
TEMPLATE_TITLES = {"units": gettext_lazy("units"), "users": gettext_lazy("users")}
