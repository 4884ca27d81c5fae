"""Data migrations, run on rows written by the models as they were before them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE, AFTER = ("assessment", "0002_evidence_files"), ("assessment", "0003_item_no_basis")


def migrate(target: tuple[str, str]):
    """Migrate the test database to `target`; the apps (historical models) as they are there."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_existing_delivery_items_keep_full_points_for_a_unit_without_tasks():
    apps = migrate(BEFORE)
    try:
        scheme = apps.get_model("assessment", "Scheme").objects.create(year=2025, name="旧方案")
        item_model = apps.get_model("assessment", "Item")
        delivery = item_model.objects.create(scheme=scheme, name="落实", method="delivery", weight=60)
        manual = item_model.objects.create(scheme=scheme, name="评议", method="manual", weight=40)
        apps = migrate(AFTER)
        item_model = apps.get_model("assessment", "Item")
        assert item_model.objects.get(pk=delivery.pk).no_basis == "full"  # as they were scored until now
        assert item_model.objects.get(pk=manual.pk).no_basis == "zero"
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
