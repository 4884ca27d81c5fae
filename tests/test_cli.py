"""The `bihuan` command: help texts, imports from the shell, the production guard, deploy checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bihuan.cli import build_parser
from bihuan.cli import main as cli_main
from bihuan.org.models import Unit

SUBCOMMANDS = ["demo", "serve", "worker", "tick", "audit", "import", "manage"]


def run(*args: str, env: dict[str, str] | None = None, cwd: str | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("BIHUAN_", "DJANGO_"))}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bihuan", *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=120
    )


def test_every_subcommand_explains_itself(capsys):
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["--help"])
    top = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in top
    for name in SUBCOMMANDS[:-1]:
        with pytest.raises(SystemExit):
            parser.parse_args([name, "--help"])
        text = capsys.readouterr().out
        assert len(text.splitlines()) >= 3, name
    with pytest.raises(SystemExit):
        parser.parse_args(["audit", "verify", "--help"])
    assert "hash" in capsys.readouterr().out


def test_import_units_from_the_shell(db, tmp_path, capsys):
    good = tmp_path / "units.csv"
    good.write_text("代码,名称,类型\nTJJ,市统计局,市直部门\n", encoding="utf-8")
    with pytest.raises(SystemExit) as dry:
        cli_main(["import", "units", str(good), "--dry-run"])
    assert dry.value.code == 0 and "would be created" in capsys.readouterr().out
    assert not Unit.objects.exists()
    with pytest.raises(SystemExit) as real:
        cli_main(["import", "units", str(good)])
    assert real.value.code == 0 and Unit.objects.filter(code="TJJ").exists()

    bad = tmp_path / "bad.csv"
    bad.write_text("代码,名称,类型\nX,某局,火星\n", encoding="utf-8")
    with pytest.raises(SystemExit) as failed:
        cli_main(["import", "units", str(bad)])
    err = capsys.readouterr().err
    assert failed.value.code == 1
    assert "bad.csv, row 2, column C" in err and "火星" in err
    assert not Unit.objects.filter(code="X").exists()
    with pytest.raises(SystemExit) as missing:
        cli_main(["import", "units", str(tmp_path / "nope.xlsx")])
    assert missing.value.code == 2


def test_python_dash_m_and_the_production_guard(tmp_path):
    helped = run("--help", env={"BIHUAN_HOME": str(tmp_path)})
    assert helped.returncode == 0 and "bihuan demo" in helped.stdout
    refused = run("serve", env={"BIHUAN_HOME": str(tmp_path)})
    assert refused.returncode == 2 and "BIHUAN_SECRET_KEY" in refused.stderr


def test_secret_key_is_generated_once_and_kept(tmp_path):
    env = {"BIHUAN_HOME": str(tmp_path)}
    run("manage", "check", env=env)
    key = (tmp_path / "secret_key").read_text()
    run("manage", "check", env=env)
    assert (tmp_path / "secret_key").read_text() == key and len(key) > 40
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    env = {
        "BIHUAN_HOME": str(tmp_path),
        "BIHUAN_SECRET_KEY": "k" * 20 + "-production-secret-0123456789abcdef",
        "BIHUAN_ALLOWED_HOSTS": "bihuan.example.gov.cn",
    }
    result = run("manage", "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_sqlite_runs_in_wal_mode(tmp_path):
    env = {"BIHUAN_HOME": str(tmp_path)}
    assert run("manage", "migrate", "-v0", env=env).returncode == 0
    result = run(
        "manage",
        "shell",
        "-c",
        "from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode');"
        " print(c.fetchone()[0])",
        env=env,
    )
    assert result.stdout.strip().splitlines()[-1] == "wal"
    assert Path(tmp_path, "bihuan.sqlite3").exists()


def test_serve_runs_a_multi_process_server_with_compressed_static_files(tmp_path):
    import signal
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIHUAN_", "DJANGO_"))}
    env.update({"BIHUAN_HOME": str(tmp_path), "BIHUAN_SECRET_KEY": "s" * 60, "BIHUAN_ALLOWED_HOSTS": "127.0.0.1"})
    server = subprocess.Popen(
        [sys.executable, "-m", "bihuan", "serve", "--migrate", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        headers = {"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}  # as nginx passes it on
        for _ in range(150):
            try:
                with urllib.request.urlopen(urllib.request.Request(f"{base}/healthz", headers=headers)) as reply:
                    assert reply.status == 200
                break
            except OSError:
                time.sleep(0.2)
        request = urllib.request.Request(f"{base}/static/vendor/htmx/htmx.min.js", headers=headers)
        with urllib.request.urlopen(request) as reply:
            assert reply.headers["Content-Encoding"] == "gzip"
        with urllib.request.urlopen(urllib.request.Request(f"{base}/accounts/login/", headers=headers)) as reply:
            assert "闭环".encode() in reply.read()
        workers = subprocess.run(["pgrep", "-f", "-g", str(server.pid), "gunicorn|bihuan"], capture_output=True)
        assert len(workers.stdout.split()) >= 3  # the master and two worker processes
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_clear_words_for_a_bad_date_and_an_unmigrated_database(tmp_path):
    env = {"BIHUAN_HOME": str(tmp_path)}
    bad_date = run("tick", "--today", "2025-13-01", env=env)
    assert bad_date.returncode == 2 and "expected a date as YYYY-MM-DD" in bad_date.stderr
    for command in (["tick"], ["audit", "verify"], ["worker", "--batch"]):
        result = run(*command, env=env)
        assert result.returncode == 2 and "bihuan manage migrate" in result.stderr, command
        assert "Traceback" not in result.stderr
