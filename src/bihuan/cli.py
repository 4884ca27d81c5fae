"""The `bihuan` command: run the demo or the production server, the worker, the daily tick, imports,
the audit check, and any Django management command."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DESCRIPTION = """\
bihuan (闭环) runs a city's key work as a closed loop: key tasks, indicators, assessment, bulletins.

Common commands:
  bihuan demo                  set up the demo city and open it on http://127.0.0.1:8000
  bihuan serve                 run the production server on the configured database
  bihuan worker                send e-mails and webhooks queued by the app (keep it running)
  bihuan tick                  run the periodic jobs once (from cron or a systemd timer)
  bihuan import units FILE     create or update units from .xlsx or .csv (also users, tasks)
  bihuan import observations FILE [--profile NAME] [--period P] [--dry-run]
                               import statistics as the bureau published them
  bihuan export tasks FILE     write the key-task ledger (台账) as .xlsx
  bihuan league ...            rank a peer group on an indicator for a period (table, csv or json)
  bihuan check data            list implausible indicator figures (falls, gaps, outliers, copies)
  bihuan report bulletin ...   write a month's or quarter's bulletin (通报) as html, xlsx or docx
  bihuan audit verify          check that nobody altered the audit log
  bihuan manage ...            any Django management command (migrate, createsuperuser, ...)

Settings come from BIHUAN_* environment variables; see .env.example.
"""


def _env_on(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _setup(**env: str) -> None:
    for key, value in env.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bihuan.settings")
    import django

    django.setup()
    from django.utils import translation

    # The command line speaks English, like its --help; the web UI follows the user's language.
    translation.activate("en")


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal, where a Chinese character takes two columns."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


def _require_migrated() -> None:
    """Commands that read or write data stop with a clear word when the database is not set up yet."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        print(
            f"bihuan: the database ({connection.settings_dict['NAME']}) is not up to date: {len(pending)} "
            "migration(s) to apply. Run `bihuan manage migrate` first (or `bihuan serve --migrate`).",
            file=sys.stderr,
        )
        sys.exit(2)


def _day(text: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _call(*args: str, **options: Any) -> None:
    from django.core.management import call_command

    call_command(*args, **options)


# ---- demo ----------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    home = Path(os.environ.get("BIHUAN_HOME", "var")).resolve()
    if args.reset and home.exists():
        for name in ("bihuan.sqlite3", "bihuan.sqlite3-wal", "bihuan.sqlite3-shm"):
            (home / name).unlink(missing_ok=True)
    os.environ["BIHUAN_HOME"] = str(home)
    hosts = ",".join(sorted({"127.0.0.1", "localhost", args.host if args.host != "0.0.0.0" else "*"}))
    url = f"http://{'127.0.0.1' if args.host == '0.0.0.0' else args.host}:{args.port}/"
    _setup(BIHUAN_HTTPS="0", BIHUAN_ALLOWED_HOSTS=hosts, BIHUAN_EMAIL_URL="console://", BIHUAN_BASE_URL=url.rstrip("/"))
    started = time.monotonic()
    _call("migrate", interactive=False, verbosity=0)
    from bihuan.demo.loader import DEMO_PASSWORD, demo_loaded, demo_logins, load_demo

    if not demo_loaded():
        print("Loading the demo city (临汾市)…", flush=True)
        load_demo()
    worker = _start_worker()
    _wait_for_deliveries()  # the demo's e-mails print first, so the logins below stay in view
    print(f"\nbihuan demo ready in {time.monotonic() - started:.1f}s · data in {home}")
    print(f"Open {url} and log in as one of (password for all: {DEMO_PASSWORD}):")
    for username, role, unit in demo_logins():
        print(f"  {username:<12} {_pad(role, 14)} {unit}")
    print("Stop with Ctrl+C. Run `bihuan demo --reset` to start over.\n", flush=True)
    if not args.no_browser and (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or sys.platform != "linux"
    ):
        import threading
        import webbrowser

        threading.Timer(1.5, webbrowser.open, args=(url,)).start()
    try:
        return _run_server(args.host, args.port, workers=args.workers)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=10)


def _wait_for_deliveries(limit: float = 30.0) -> None:
    """Give the worker up to `limit` seconds to send (print) the e-mails queued while loading."""
    from bihuan.core.models import Delivery

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and Delivery.objects.filter(status=Delivery.Status.PENDING).exists():
        time.sleep(0.5)


def _start_worker() -> subprocess.Popen | None:
    """The demo sends its e-mails (to this console) through the same background worker as production."""
    return subprocess.Popen([sys.executable, "-m", "bihuan", "worker", "--quiet"], env=os.environ.copy())


# ---- serve ---------------------------------------------------------------------------------------


def _run_server(host: str, port: int, workers: int, threads: int = 4) -> int:
    """Gunicorn with several worker processes; static files are served by the app (WhiteNoise)."""
    from gunicorn.app.base import BaseApplication

    from bihuan.wsgi import application

    class Server(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "timeout": 120,
                "graceful_timeout": 20,
                "accesslog": "-" if _env_on("BIHUAN_ACCESS_LOG") else None,
                "errorlog": "-",
                "loglevel": "warning",
                "proc_name": "bihuan",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    Server().run()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _setup()
    from django.conf import settings

    if not settings.DEBUG and not settings.SECRET_KEY_GIVEN:
        print(
            "bihuan serve: set BIHUAN_SECRET_KEY to a long random value (or BIHUAN_DEBUG=1 for a trial).\n"
            "  e.g. export BIHUAN_SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')\"",
            file=sys.stderr,
        )
        return 2
    if args.migrate:
        _call("migrate", interactive=False)
    _require_migrated()
    _call("collectstatic", interactive=False, verbosity=0)
    # Serve the collected copies, which have their gzip and Brotli variants, not the package's files.
    settings.WHITENOISE_USE_FINDERS = False
    print(f"bihuan serving on http://{args.host}:{args.port}/ with {args.workers} worker processes", flush=True)
    return _run_server(args.host, args.port, workers=args.workers)


# ---- worker, tick, audit, import -----------------------------------------------------------------


def cmd_worker(args: argparse.Namespace) -> int:
    _setup()
    _require_migrated()
    from django.conf import settings

    if settings.REDIS_URL:
        # The scheduler runs deferred jobs (delivery retries); the job class is the tasks backend's.
        _call(
            "rqworker",
            "default",
            "--with-scheduler",
            "--job-class",
            "django_tasks_rq.Job",
            *(["--burst"] if args.batch else []),
            verbosity=0 if args.quiet else 1,
        )
    else:
        options = {"verbosity": 0 if args.quiet else 1, "interval": args.interval}
        if args.batch:
            options["batch"] = True
        _call("db_worker", **options)
    return 0


def cmd_tick(args: argparse.Namespace) -> int:
    _setup()
    _require_migrated()
    from bihuan.core.ticks import run_tick

    for name, outcome in run_tick(args.today).items():
        print(f"{name}: {outcome}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    _setup()
    _require_migrated()
    from bihuan.core.audit import verify_chain

    report = verify_chain()
    if report.ok:
        print(f"audit chain intact: {report.checked} events checked")
        return 0
    print(
        f"audit chain BROKEN at event #{report.broken_seq}: {report.reason} "
        f"({report.checked} events before it check out)",
        file=sys.stderr,
    )
    return 1


def cmd_import(args: argparse.Namespace) -> int:
    if args.kind == "divisions":
        return _import_divisions(args)
    if args.file is None:
        print(f"bihuan import {args.kind}: name the file to import", file=sys.stderr)
        return 2
    if args.kind == "observations":
        return _import_observations(args)
    if args.profile or args.period:
        print("bihuan import: --profile and --period are for observations", file=sys.stderr)
        return 2
    _setup()
    from bihuan.core.importing import ImportFailed
    from bihuan.core.roles import SYSTEM
    from bihuan.org import importers
    from bihuan.supervision.importers import import_tasks

    run = {"units": importers.import_units, "users": importers.import_users, "tasks": import_tasks}[args.kind]
    path = Path(args.file)
    if not path.is_file():
        print(f"{args.file}: no such file", file=sys.stderr)
        return 2
    _require_migrated()
    try:
        result = run(SYSTEM, path, dry_run=args.dry_run)
    except ImportFailed as failure:
        print(f"Nothing was imported; {len(failure.errors)} problem(s):", file=sys.stderr)
        for error in failure.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    verb = "would be" if args.dry_run else "were"
    counts = result.counts
    print(
        f"{args.kind}: {counts['created']} {verb} created, {counts['updated']} {verb} changed, "
        f"{counts['unchanged']} unchanged{' (dry run: nothing written)' if args.dry_run else ''}"
    )
    if result.ignored_columns:
        print("  columns ignored (not part of the template): " + ", ".join(result.ignored_columns))
    for label, fields in result.changes.items():
        print(f"  changed {label}: " + "; ".join(f"{k} {v[0]!r} → {v[1]!r}" for k, v in fields.items()))
    return 0


def _print_problems(failure: Any) -> int:
    print(f"Nothing was imported; {len(failure.errors)} problem(s):", file=sys.stderr)
    for error in failure.errors:
        print(f"  {error}", file=sys.stderr)
    return 1


def _import_divisions(args: argparse.Namespace) -> int:
    _setup()
    folder = Path(args.file) if args.file else None
    if folder is not None and not folder.is_dir():
        print(f"{args.file}: no such folder (it should hold provinces.csv, cities.csv and areas.csv)", file=sys.stderr)
        return 2
    _require_migrated()
    from django.db import transaction

    from bihuan.core.importing import ImportFailed
    from bihuan.core.roles import SYSTEM
    from bihuan.indicators.divisions import load_divisions

    started = time.monotonic()
    try:
        with transaction.atomic():
            counts = load_divisions(SYSTEM, folder)
            transaction.set_rollback(args.dry_run)  # a dry run checks and counts, then writes nothing
    except ImportFailed as failure:
        return _print_problems(failure)
    summary = ", ".join(f"{number} {what}" for what, number in counts.items())
    dry = " (dry run: nothing written)" if args.dry_run else ""
    print(f"divisions: {summary} in {time.monotonic() - started:.1f}s{dry}")
    return 0


def _import_observations(args: argparse.Namespace) -> int:
    """Statistics as published, long or wide; a large long CSV is streamed."""
    _setup()
    path = Path(args.file)
    if not path.is_file():
        print(f"{args.file}: no such file", file=sys.stderr)
        return 2
    _require_migrated()
    from bihuan.core.importing import ImportFailed
    from bihuan.core.roles import SYSTEM
    from bihuan.indicators import importers
    from bihuan.indicators.models import ImportProfile

    profile = None
    if args.profile:
        profile = ImportProfile.objects.filter(name=args.profile).first()
        if profile is None:
            known = ", ".join(ImportProfile.objects.values_list("name", flat=True)) or "none yet"
            print(f"bihuan import: no import profile is named {args.profile!r} (known: {known})", file=sys.stderr)
            return 2
    started = time.monotonic()
    try:
        planned = _plan_observations(path, profile, args.period or "")
        if not args.dry_run:
            importers.apply(SYSTEM, planned, vintage=args.vintage, source=args.source or path.name)
    except ImportFailed as failure:
        return _print_problems(failure)
    verb = "would be" if args.dry_run else "were"
    seconds = time.monotonic() - started
    print(
        f"observations: {planned.added} {verb} added, {planned.revised} {verb} revised (earlier figures kept), "
        f"{planned.unchanged} unchanged; {len(planned.values)} figures for {', '.join(planned.indicators[:8])}"
        f"{' …' if len(planned.indicators) > 8 else ''} in {', '.join(planned.periods[:6])}"
        f"{' …' if len(planned.periods) > 6 else ''} ({seconds:.1f}s)"
        + (" (dry run: nothing written)" if args.dry_run else "")
    )
    for line in planned.skipped:
        print(f"  {line}")
    for change in planned.revisions[:20]:
        print(
            f"  revised {change.indicator} {change.area} {change.period}: value {change.value_before} → "
            f"{change.value_after}, growth {change.growth_before} → {change.growth_after}"
        )
    if len(planned.revisions) > 20:
        print(f"  … and {len(planned.revisions) - 20} more revisions")
    return 0


def _plan_observations(path: Path, profile: Any, period: str) -> Any:
    from bihuan.core.roles import SYSTEM
    from bihuan.indicators import importers

    if path.suffix.lower() == ".csv" and (profile is None or profile.shape == "long"):
        mapping = importers.Mapping.from_json(profile.mapping) if profile is not None else None
        grid, mapping, values = importers.read_long_csv(path, mapping, period)
        if values:
            return importers.planned_from(SYSTEM, grid, values)
    analysis = importers.analyse(path)
    mapping = importers.mapping_for(analysis, profile) if profile is not None else analysis.mapping
    return importers.plan(SYSTEM, analysis.grid, mapping, period)


def cmd_export(args: argparse.Namespace) -> int:
    _setup()
    path = Path(args.file)
    if not path.parent.is_dir():
        print(f"{args.file}: the folder {path.parent} does not exist", file=sys.stderr)
        return 2
    _require_migrated()
    from django.utils import translation

    from bihuan.core.roles import SYSTEM
    from bihuan.org.models import Unit
    from bihuan.supervision.ledger import export_tasks

    unit = None
    if args.unit:
        unit = Unit.objects.filter(code=args.unit).first()
        if unit is None:
            print(f"bihuan export: no unit has the code {args.unit!r}", file=sys.stderr)
            return 2
    started = time.monotonic()
    with translation.override(args.language):  # the ledger's headings and values, as the web's export gives them
        count = export_tasks(SYSTEM, str(path), year=args.year, unit=unit)
    print(f"{args.kind}: {count} written to {path} in {time.monotonic() - started:.1f}s")
    return 0


def cmd_league(args: argparse.Namespace) -> int:
    _setup()
    _require_migrated()
    from bihuan.indicators import league_output

    try:
        query = league_output.resolve(args.indicator, args.group, args.period, by=args.by, as_of=args.as_of)
    except league_output.LeagueQueryError as problem:
        print(f"bihuan league: {problem.message}", file=sys.stderr)
        return 2
    document = league_output.league_document(query)
    if args.format == "json":
        print(league_output.to_json(document))
    elif args.format == "csv":
        sys.stdout.write(league_output.to_csv(document["rows"]))
    else:
        sys.stdout.write(league_output.to_table(document))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Exit code 1 when a finding is an error, 0 when there are none (warnings are listed but pass), 2 for an
    unknown indicator, area, group, check or period."""
    _setup()
    _require_migrated()
    import csv
    import json

    from bihuan.indicators import quality
    from bihuan.indicators.models import Area, Indicator, PeerGroup

    chosen: dict[str, Any] = {}
    for name, model, field in (("indicator", Indicator, "code"), ("area", Area, "code"), ("group", PeerGroup, "name")):
        given = getattr(args, name)
        chosen[name] = model.objects.filter(**{field: given}).first() if given else None
        if given and chosen[name] is None:
            print(f"bihuan check: there is no {name} with the {field} {given!r}", file=sys.stderr)
            return 2
    try:
        checked = quality.check_data(
            **chosen,
            first=args.first,
            last=args.last,
            kinds=[args.kind] if args.kind else None,
        )
    except ValueError as problem:
        print(f"bihuan check: {problem}", file=sys.stderr)
        return 2
    counts = {quality.ERROR: 0, quality.WARNING: 0}
    as_json, writer = [], csv.writer(sys.stdout) if args.format == "csv" else None
    if writer:
        writer.writerow(["severity", "kind", "indicator", "area", "area_name", "period", "observations", "message"])
    for finding in checked.findings:
        counts[finding.severity] += 1
        name = checked.areas.get(finding.area, finding.area)
        if writer:
            ids = " ".join(map(str, finding.observations))
            row = finding.severity, finding.kind, finding.indicator, finding.area, name, finding.period, ids
            writer.writerow([*row, finding.message])
        elif args.format == "json":
            as_json.append({**finding.as_dict(), "area_name": name})
        else:
            print(
                f"{finding.severity:<8} {finding.kind:<16} {finding.indicator:<14} {_pad(name, 10)} "
                f"{finding.period:<8} {finding.message}"
            )
    if args.format == "json":
        print(json.dumps(as_json, ensure_ascii=False, indent=2))
    summary = (
        f"{len(checked.indicators)} indicator(s) checked: {counts[quality.ERROR]} error(s), "
        f"{counts[quality.WARNING]} warning(s)"
    )
    print(summary, file=sys.stdout if args.format == "table" else sys.stderr)
    return 1 if counts[quality.ERROR] else 0


def cmd_report(args: argparse.Namespace) -> int:
    """A bulletin compiled now and written to a file, not stored; exit code 2 for a bad period, unit or folder."""
    _setup()
    path = Path(args.out)
    if not path.parent.is_dir():
        print(f"bihuan report: the folder {path.parent} does not exist", file=sys.stderr)
        return 2
    _require_migrated()
    from django.utils import translation

    from bihuan.org.models import Unit
    from bihuan.reports import selectors
    from bihuan.reports.compile import PeriodError, parse_period

    try:
        parse_period(args.period)
    except PeriodError as problem:
        print(f"bihuan report: {problem}", file=sys.stderr)
        return 2
    unit = None
    if args.unit:
        unit = Unit.objects.filter(code=args.unit).first()
        if unit is None:
            print(f"bihuan report: no unit has the code {args.unit!r}", file=sys.stderr)
            return 2
    started = time.monotonic()
    with translation.override(args.language):
        document = selectors.preview(args.period, unit, today=args.today)
        content = selectors.rendered(document, args.format)
    path.write_bytes(content)
    print(
        f"bulletin {args.period}{' ' + unit.code if unit else ''}: {args.format} written to {path} "
        f"({len(content) / 1024:.0f} KB) in {time.monotonic() - started:.1f}s"
    )
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["bihuan manage", *args.rest])
    return 0


# ---- parser --------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bihuan", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="set up the demo city and serve it",
        description=(
            "Create (or reuse) a SQLite database under BIHUAN_HOME (default ./var), load the demo city of "
            "Linfen (临汾市) with one login per role, and serve it with a real multi-process server."
        ),
    )
    demo.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    demo.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    demo.add_argument("--reset", action="store_true", help="throw the demo data away and build it again")
    demo.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    demo.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser(
        "serve",
        help="run the production server",
        description=(
            "Serve bihuan with gunicorn (several processes, static files included) on the database given by "
            "BIHUAN_DATABASE_URL. Put nginx in front for HTTPS. Needs BIHUAN_SECRET_KEY unless BIHUAN_DEBUG=1."
        ),
    )
    serve.add_argument("--host", default=os.environ.get("BIHUAN_HOST", "127.0.0.1"), help="address (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=int(os.environ.get("BIHUAN_PORT", "8000")), help="port (default 8000)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("BIHUAN_WORKERS", str(2 * (os.cpu_count() or 1) + 1))),
        help="server processes (default 2 × CPUs + 1, or BIHUAN_WORKERS)",
    )
    serve.add_argument("--migrate", action="store_true", help="apply database migrations before serving")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser(
        "worker",
        help="run background jobs (e-mail, webhooks)",
        description=(
            "Run the background job worker: the database queue by default, Redis (RQ) when BIHUAN_REDIS_URL is set. "
            "Run one or more next to `bihuan serve`."
        ),
    )
    worker.add_argument("--batch", action="store_true", help="process what is queued, then exit")
    worker.add_argument(
        "--interval", type=float, default=1.0, help="seconds between polls of the database queue (not used with Redis)"
    )
    worker.add_argument("--quiet", action="store_true", help="print only errors")
    worker.set_defaults(func=cmd_worker)

    tick = sub.add_parser(
        "tick",
        help="run the periodic jobs once",
        description=(
            "Run every periodic job once for today: re-queue e-mail and webhook deliveries whose retry is due, remove "
            "finished job records older than 30 days and import uploads older than a day. Safe to run as often as "
            "you like: a daily job does its work for a day only once. Meant for cron or a systemd timer."
        ),
    )
    tick.add_argument("--today", metavar="YYYY-MM-DD", type=_day, help="run as if today were this date")
    tick.set_defaults(func=cmd_tick)

    audit = sub.add_parser("audit", help="check the audit log", description="Audit log commands.")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_sub.add_parser(
        "verify",
        help="check every link of the audit chain",
        description=(
            "Recompute the hash of every audit event in order and report the first one that was changed, inserted "
            "or deleted behind the application's back. Exit code 1 when the chain is broken."
        ),
    )
    verify.set_defaults(func=cmd_audit)

    imp = sub.add_parser(
        "import",
        help="import units, users, key tasks, statistics or division codes",
        description=(
            "observations: statistics as published, a bureau's comparison table (areas down the side, indicators "
            "across, merged headers, units such as 万元 converted) or a long table (area, period, indicator, value, "
            "growth); the mapping is proposed from the headers or taken from --profile; figures that changed become a "
            "new vintage and the earlier ones are kept. divisions: China's division codes as areas. "
            "Units, users or key tasks from a spreadsheet (Chinese or English headers; download a "
            "template from the import page; an exported task ledger imports back). Units match on code, users on "
            "user name, tasks on year and number (a blank number gets the year's next one; new tasks are drafts). "
            "All rows are checked first; on any problem nothing is written and every problem is listed with its "
            "file, sheet, row and column. Exit code 1 on problems, 2 when the file does not exist."
        ),
    )
    imp.add_argument(
        "kind", choices=["units", "users", "tasks", "observations", "divisions"], help="what the file holds"
    )
    imp.add_argument(
        "file",
        nargs="?",
        help="the .xlsx or .csv file (divisions: a folder with provinces.csv, cities.csv, areas.csv; default the "
        "packaged 2023 edition)",
    )
    imp.add_argument("--dry-run", action="store_true", help="check and show what would change; write nothing")
    imp.add_argument("--profile", metavar="NAME", help="observations: read the table with this saved import profile")
    imp.add_argument(
        "--period", metavar="P", help="observations: the period when the title does not say (2023, 2025-Q3, 2025-10)"
    )
    imp.add_argument(
        "--vintage", choices=["preliminary", "final"], default="preliminary", help="observations: default preliminary"
    )
    imp.add_argument("--source", help="observations: where the figures come from (default: the file name)")
    imp.set_defaults(func=cmd_import)

    export = sub.add_parser(
        "export",
        help="write the key-task ledger (.xlsx)",
        description=(
            "Write the ledger (台账) of key tasks as .xlsx: one row per task with its units, leader, dates, latest "
            "report, status and warning light (a coloured cell), ready to print (A4 landscape, one page wide). "
            "It holds every task, or those of one year and one unit (lead or partner), and imports back with "
            "`bihuan import tasks`. Exit code 2 when the unit code is unknown."
        ),
    )
    export.add_argument("kind", choices=["tasks"], help="what to export")
    export.add_argument("file", help="the .xlsx file to write (replaced if it exists)")
    export.add_argument("--year", type=int, metavar="Y", help="only the tasks of this year, e.g. 2025")
    export.add_argument("--unit", metavar="CODE", help="only the tasks this unit leads or takes part in (unit code)")
    export.add_argument(
        "--language", choices=["zh-hans", "en"], default="zh-hans", help="the ledger's language (default zh-hans)"
    )
    export.set_defaults(func=cmd_export)

    league = sub.add_parser(
        "league",
        help="rank a peer group on an indicator (table, csv, json)",
        description=(
            "Print the league table of a peer group for one indicator and period: rank (ties share the better rank; "
            "areas without data are listed, not ranked), value, published growth, rank change against the previous "
            "period, gaps to the leader, the next rank up, the mean and the median, first tier, and the catch-up "
            "growth that reaches the next rank's level. JSON has every column for every area. Exit code 2 when the "
            "indicator or group is unknown or the period does not fit the indicator's frequency."
        ),
    )
    league.add_argument("--indicator", required=True, metavar="CODE", help="indicator code, e.g. gdp_growth")
    league.add_argument("--group", required=True, metavar="NAME", help="peer group name (e.g. 山西11市) or id")
    league.add_argument("--period", required=True, metavar="P", help="2023, 2025-Q3 or 2025-10 (its frequency)")
    league.add_argument("--by", choices=["value", "growth"], default="value", help="rank by value (default) or growth")
    league.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output (default table)")
    league.add_argument(
        "--as-of", metavar="DATETIME", help="the table as published then: 2024-05-01 (end of day) or 2024-05-01T12:00"
    )
    league.set_defaults(func=cmd_league)

    check = sub.add_parser(
        "check",
        help="check indicator figures for implausible values",
        description="Checks of the data; see `bihuan check data --help`.",
    )
    check_sub = check.add_subparsers(dest="check_command", metavar="WHAT", required=True)
    data = check_sub.add_parser(
        "data",
        help="list implausible indicator figures",
        description=(
            "Check the current indicator figures, as the data-quality page does: year-to-date totals that fall "
            "within a year, identical series of two areas (a copied row), values missing in a peer group, gaps in "
            "an area's series, a value equal to the period before's, outliers against the peer group and against "
            "the area's own history, and published growth far from the growth the levels imply. By default each "
            "indicator's last 24 months, 8 quarters or 5 years. Exit code 1 when a finding is an error (a falling "
            "year-to-date total, a copied row), 0 when there are only warnings or none, 2 for an unknown "
            "indicator, area, group, check or period."
        ),
    )
    data.add_argument("--indicator", metavar="CODE", help="only this indicator (its code, e.g. gdp)")
    data.add_argument("--area", metavar="CODE", help="only findings about this area (its division code)")
    data.add_argument("--group", metavar="NAME", help="compare within this peer group only (e.g. 山西11市)")
    data.add_argument("--from", dest="first", metavar="P", help="first period checked: 2024, 2025-Q1 or 2025-01")
    data.add_argument("--to", dest="last", metavar="P", help="last period checked (default: the latest with data)")
    data.add_argument("--kind", metavar="KIND", help="one check only, e.g. ytd_fall, missing, peer_outlier")
    data.add_argument("--format", choices=["table", "csv", "json"], default="table", help="output (default table)")
    data.set_defaults(func=cmd_check)

    report = sub.add_parser(
        "report",
        help="write a bulletin (通报) as html, xlsx or docx",
        description="Reports; see `bihuan report bulletin --help`.",
    )
    report_sub = report.add_subparsers(dest="report_command", metavar="WHAT", required=True)
    bulletin = report_sub.add_parser(
        "bulletin",
        help="compile a bulletin for a month or quarter and write it to a file",
        description=(
            "Compile the bulletin of a month (2025-10) or quarter (2025-Q3) from the data as it is now — the key "
            "tasks by status and warning colour, the closures of the period, the red and yellow lists by lead unit, "
            "the units ranked by delivery, the headline indicators in the city's peer groups, the standing in the "
            "year's assessment schemes (provisional while open, as published after) — and write it as a "
            "printable web page, an .xlsx workbook with charts or a .docx official document. Nothing is stored: "
            "to publish a bulletin, use the Bulletins page. Exit code 2 for a bad period, unit, format or folder."
        ),
    )
    bulletin.add_argument("--period", required=True, metavar="P", help="a month such as 2025-10 or a quarter 2025-Q3")
    bulletin.add_argument("--unit", metavar="CODE", help="that unit's own view of its tasks (default: the city)")
    bulletin.add_argument("--format", required=True, choices=["html", "xlsx", "docx"], help="the file's format")
    bulletin.add_argument("--out", required=True, metavar="FILE", help="the file to write (replaced if it exists)")
    bulletin.add_argument(
        "--language", choices=["zh-hans", "en"], default="zh-hans", help="the document's language (default zh-hans)"
    )
    bulletin.add_argument("--today", metavar="YYYY-MM-DD", type=_day, help="compile as if today were this date")
    bulletin.set_defaults(func=cmd_report)

    manage = sub.add_parser(
        "manage",
        help="run a Django management command",
        add_help=False,
        description=("Any Django management command, e.g. `bihuan manage migrate` or `bihuan manage createsuperuser`."),
    )
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        sys.exit(0)
    sys.exit(args.func(args))


if __name__ == "__main__":
    main()
