"""Benchmark of the warning lights' history: 5,000 key tasks (the bulletin benchmark's data) have their kept
lights refreshed the first time (every light changes from none, so every change is recorded), on an ordinary
next day (a few change), and after every light was reset (all change again); then the history INSERT alone.

    .venv/bin/python bench/bench_light_history.py
    BIHUAN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bihuan_bench .venv/bin/python bench/bench_light_history.py
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_org import print_table, setup_django

TODAY = date(2026, 11, 27)


def refresh(label: str, day: date) -> tuple[str, str]:
    from bihuan.supervision import selectors
    from bihuan.supervision.models import KeyTask, LightChange

    tasks = list(KeyTask.objects.only(*selectors.LIGHT_FIELDS))
    before = LightChange.objects.count()
    start = time.perf_counter()
    selectors.refresh_lights(tasks, day)
    spent = time.perf_counter() - start
    return label, f"{spent:.2f} s, {LightChange.objects.count() - before:,} changes recorded"


def main() -> None:
    started = time.perf_counter()
    setup_django(os.environ.get("BIHUAN_DATABASE_URL"))
    from django.db import connection

    from bench.bench_bulletin import generate
    from bihuan.supervision import selectors
    from bihuan.supervision.models import KeyTask

    generate(TODAY)
    rows = [refresh("refresh 5,000 lights, the first time", TODAY)]
    rows.append(refresh("refresh 5,000 lights, the next day", date(2026, 11, 28)))
    KeyTask.objects.update(light="none")
    rows.append(refresh("refresh 5,000 lights, all reset to none", date(2026, 11, 29)))
    history = [(pk, date(2026, 12, 1), "none", "red", "[]") for pk in KeyTask.objects.values_list("pk", flat=True)]
    start = time.perf_counter()
    selectors._record_changes(history)
    rows.append(("the history INSERT alone, 5,000 rows", f"{time.perf_counter() - start:.2f} s"))
    print_table(f"{connection.vendor}: the lights' history of 5,000 key tasks", rows, started)


if __name__ == "__main__":
    main()
