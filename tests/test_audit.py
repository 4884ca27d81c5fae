"""The audit chain: every service write leaves a linked event; tampering is caught by `verify`."""

from __future__ import annotations

import itertools
import os

import pytest
from django.db import connection, transaction

from bihuan.cli import main as cli_main
from bihuan.core import audit
from bihuan.core.models import AuditEvent, AuditHead
from bihuan.core.roles import SYSTEM
from bihuan.org.models import Unit
from bihuan.org.services import save_unit


def test_service_write_records_before_and_after(people, own_unit):
    admin = people["admin"]
    save_unit(admin, {"name": "市发展改革委"}, own_unit)
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "unit.changed"
    assert event.actor == admin and event.actor_name == "admin"
    assert event.object_type == "org.unit" and event.object_id == str(own_unit.pk)
    assert event.changes == {"name": ["市发展和改革委员会", "市发展改革委"]}


def test_no_event_when_nothing_changed(people, own_unit):
    count = AuditEvent.objects.count()
    save_unit(people["admin"], {"name": own_unit.name}, own_unit)
    assert AuditEvent.objects.count() == count


def test_event_is_rolled_back_with_the_write(db):
    count = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        save_unit(SYSTEM, {"code": "X1", "name": "临时"})
        raise RuntimeError("the caller fails after the service")
    assert AuditEvent.objects.count() == count
    assert not Unit.objects.filter(code="X1").exists()
    assert audit.verify_chain().ok


def test_chain_links_every_event(own_unit, other_unit):
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == audit.GENESIS
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
    report = audit.verify_chain()
    assert report.ok and report.checked == len(events)


def test_events_refuse_update_and_delete_through_the_orm(own_unit):
    event = AuditEvent.objects.first()
    event.action = "forged"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("UPDATE core_auditevent SET changes = %s WHERE seq = %s", "changed"),
        ("UPDATE core_auditevent SET actor_name = %s WHERE seq = %s", "changed"),
        ("DELETE FROM core_auditevent WHERE seq = %s", "missing"),
    ],
)
def test_verify_catches_edits_behind_the_apps_back(tamper, reason, people, own_unit, capsys):
    target = 3
    total = AuditEvent.objects.count()
    if tamper.startswith("DELETE"):
        _raw(tamper, [target])
    elif "changes" in tamper:
        _raw(tamper, ['{"name": ["x", "y"]}', target])
    else:
        _raw(tamper, ["somebody-else", target])
    report = audit.verify_chain()
    assert not report.ok
    assert report.broken_seq == target
    assert reason in report.reason
    assert report.checked == target - 1 < total
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["audit", "verify"])
    assert exit_info.value.code == 1
    assert f"#{target}" in capsys.readouterr().err


def test_verify_catches_a_rewritten_chain_tail(own_unit):
    """Deleting the newest event and its hash leaves a chain shorter than its recorded tip."""
    last = AuditEvent.objects.order_by("-seq").first()
    _raw("DELETE FROM core_auditevent WHERE seq = %s", [last.seq])
    report = audit.verify_chain()
    assert not report.ok and report.broken_seq == last.seq


def test_cli_verify_passes_on_an_intact_chain(own_unit, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["audit", "verify"])
    assert exit_info.value.code == 0
    assert "intact" in capsys.readouterr().out
    assert AuditHead.objects.get().last_seq == AuditEvent.objects.count()


def test_audit_page_filters_by_object_user_and_date(people, login, own_unit, other_unit):
    from bihuan.org.services import save_unit as save

    admin = people["admin"]
    save(admin, {"short_name": "发改"}, own_unit)
    client = login(people["supervisor"])
    by_object = client.get(f"/audit/?object_type=org.unit&object_id={own_unit.pk}")
    assert by_object.status_code == 200
    assert "发改".encode() in by_object.content and "尧都区".encode() not in by_object.content
    by_user = client.get(f"/audit/?actor={admin.username}")
    assert {e.actor_id for e in by_user.context["page"].object_list} == {admin.pk}
    assert "发改".encode() in by_user.content
    future = client.get("/audit/?since=2999-01-01")
    assert future.context["page"].paginator.count == 0
    changed = client.get("/audit/?action=changed").context["page"].object_list
    assert [e.action for e in changed] == ["unit.changed"]
    assert client.get("/audit/?verify=1").status_code == 200


def test_createsuperuser_gets_an_admin_profile_and_an_audit_event(db, monkeypatch):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root-pass-2025x")
    call_command("createsuperuser", "--noinput", username="root", email="root@example.gov.cn", verbosity=0)
    root = get_user_model().objects.get(username="root")
    assert root.profile.role == "admin"
    event = AuditEvent.objects.get(action="user.created", object_id=str(root.pk))
    assert event.changes["role"] == [None, "admin"]
    assert audit.verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_linear_chain():
    """Writers in parallel threads (each with its own connection) never fork the chain."""
    import threading

    from django.db import connection as main_connection
    from django.db import connections

    if main_connection.vendor == "sqlite" and main_connection.is_in_memory_db():
        pytest.skip(
            "an in-memory SQLite database is one connection; the file database is tested in CI's PostgreSQL run"
        )
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        try:
            for n in range(15):
                save_unit(SYSTEM, {"code": f"T{index}-{n}", "name": f"并发{index}-{n}"})
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = audit.verify_chain()
    assert report.ok and report.checked == 60 == AuditEvent.objects.count()


def test_concurrent_processes_on_a_sqlite_file_keep_one_linear_chain(tmp_path):
    """The default deployment: several processes writing one SQLite file (IMMEDIATE transactions, WAL)."""
    import subprocess
    import sys

    from tests.test_cli import run

    env = {"BIHUAN_HOME": str(tmp_path)}
    assert run("manage", "migrate", "-v0", env=env).returncode == 0
    script = (
        "from bihuan.core.roles import SYSTEM; from bihuan.org.services import save_unit\n"
        "for n in range(20): save_unit(SYSTEM, {'code': f'P{WRITER}-{n}', 'name': f'进程{n}'})"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BIHUAN_", "DJANGO_"))}
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "bihuan", "manage", "shell", "-c", f"WRITER = {i}\n{script}"],
            env={**clean, **env},
            stderr=subprocess.PIPE,
        )
        for i in range(3)
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0], [w.stderr.read() for w in writers]
    verified = run("audit", "verify", env=env)
    assert verified.returncode == 0 and "60 events" in verified.stdout


def test_changes_read_in_words(own_unit, people):
    from bihuan.core.selectors import changes_text

    text = changes_text({"kind": ["department", "zone"], "active": [True, False]}, "org.unit")
    assert text == "类型: 市直部门 → 开发区; 启用: 是 → 否"
    assert changes_text({"role": [None, "unit_clerk"], "first_name": ["", "张三"]}, "auth.user") == (
        "角色: 单位联络员; 姓名: — → 张三"
    )


def test_audit_page_names_related_objects_in_few_queries(
    people, login, own_unit, other_unit, django_assert_max_num_queries
):
    from bihuan.org.services import save_unit as save

    for n in range(30):  # thirty units whose events name their parent by id
        save(SYSTEM, {"code": f"K{n}", "name": f"下属{n}", "parent": own_unit})
    client = login(people["admin"])
    with django_assert_max_num_queries(14):
        page = client.get("/audit/?object_type=org.unit")
    text = page.content.decode()
    assert "上级单位: 市发展和改革委员会" in text and "上级单位: " + str(own_unit.pk) + ";" not in text
    export = client.get("/audit/?object_type=org.unit&format=xlsx")
    assert export.status_code == 200
    detail = client.get(f"/units/{own_unit.pk}/")
    assert "上级单位: 临汾市" in detail.content.decode()
