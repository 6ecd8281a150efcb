"""The migration_data fixture puts back what the data migrations seed, and running it again adds nothing."""
from __future__ import annotations

import pytest
from django.apps import apps

from tests.conftest import _data_migration_steps

pytestmark = pytest.mark.django_db

SEEDED = ["provision.Category", "notify.MessageTemplate", "casework.Service", "accounts.Team", "performance.Measure",
          "community.TaxonomyTerm", "bas.MenuItem"]


def _counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in SEEDED}


def test_the_steps_put_back_flushed_rows_and_are_idempotent():
    as_migrated = _counts()
    assert all(as_migrated.values()), as_migrated  # each of these is seeded by a migration
    for label in ["provision.Category", "notify.MessageTemplate"]:
        apps.get_model(label).objects.all().delete()
    assert _counts() != as_migrated

    for step in _data_migration_steps():
        step(apps, None)
    assert _counts() == as_migrated
    for step in _data_migration_steps():
        step(apps, None)
    assert _counts() == as_migrated


def test_steps_that_only_change_the_schema_are_left_out():
    names = {f"{step.__module__}.{step.__name__}" for step in _data_migration_steps()}
    assert "bas.foi.migrations.0004_stored_search_vector.forwards" not in names
    assert "provision.migrations.0002_categories.seed" in names
    assert "oxtom.cases.migrations.0012_case_event_visibility.forwards" not in names  # rewrites rows, by an old field
