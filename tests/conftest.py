"""Role fixtures every view test uses (docs/CONVENTIONS.md §3), and service switches.

REQUIRE_SERVICES=1 / REQUIRE_BROWSER=1 turn "skipped because missing" into failures.
"""
from __future__ import annotations

import os

import pytest

from tests import factories as f


def require(flag: str, reason: str) -> None:
    """Skip, or fail when the environment says this must not be skipped."""
    if os.environ.get(flag) == "1":
        pytest.fail(f"{flag}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def division_a(db):
    return f.DivisionFactory(name="Banbury Calthorpe", centre=(52.06, -1.34))


@pytest.fixture
def division_b(db):
    return f.DivisionFactory(name="Wallingford", centre=(51.60, -1.12))


@pytest.fixture
def county_cover(db):
    """The county for residence checks: the shipped postcode centroids and one test division covering them.

    Cheap stand-in for the 69 demo boundaries (tests/places' `county`). Its slug sorts after the other
    test divisions, so a point inside division_a or division_b still lands there.
    """
    from oxtom.places.services import postcode_centroids_load

    postcode_centroids_load()
    return f.DivisionFactory(name="Whole county (test cover)", geometry={"type": "Polygon", "coordinates": [[
        [-1.80, 51.40], [-0.80, 51.40], [-0.80, 52.20], [-1.80, 52.20], [-1.80, 51.40]]]},
        min_lat=51.40, max_lat=52.20, min_lon=-1.80, max_lon=-0.80)


@pytest.fixture
def team(db):
    return f.TeamFactory(name="Highways North", slug="highways-north")


@pytest.fixture
def other_team(db):
    return f.TeamFactory(name="Parking Services", slug="parking-services")


@pytest.fixture
def resident_a(db, division_a):
    user = f.UserFactory(email="resident.a@example.org", full_name="Alice Resident")
    f.CustomerFactory(user=user, first_name="Alice", last_name="Resident", email=user.email, division=division_a)
    return user


@pytest.fixture
def resident_b(db, division_b):
    user = f.UserFactory(email="resident.b@example.org", full_name="Bob Resident")
    f.CustomerFactory(user=user, first_name="Bob", last_name="Resident", email=user.email, division=division_b)
    return user


@pytest.fixture
def adviser(db):
    return f.UserFactory(email="adviser@example.org", roles=["adviser"])


@pytest.fixture
def officer_in_team(db, team):
    user = f.UserFactory(email="officer.in@example.org", roles=["officer"])
    f.TeamMembershipFactory(team=team, user=user)
    return user


@pytest.fixture
def officer_outside_team(db, other_team):
    user = f.UserFactory(email="officer.out@example.org", roles=["officer"])
    f.TeamMembershipFactory(team=other_team, user=user)
    return user


@pytest.fixture
def team_leader(db, team):
    user = f.UserFactory(email="leader@example.org", roles=["team_leader"])
    f.TeamMembershipFactory(team=team, user=user, is_leader=True)
    return user


@pytest.fixture
def councillor_of_division(db, division_a):
    return f.UserFactory(email="cllr.a@example.org", roles=["councillor"], member_division=division_a)


@pytest.fixture
def councillor_elsewhere(db, division_b):
    return f.UserFactory(email="cllr.b@example.org", roles=["councillor"], member_division=division_b)


@pytest.fixture
def performance_analyst(db):
    return f.UserFactory(email="performance.analyst@example.org", roles=["performance_analyst"])


@pytest.fixture
def administrator(db):
    return f.UserFactory(email="admin@example.org", roles=["administrator"])


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client signed in as that user (None: anonymous)."""

    def _client(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _client


class TotpClock:
    """The clock allauth checks TOTP codes against, pinned to one 30-second step for the whole test.

    Why: a code computed in one step and checked in the next (a busy machine,
    a slow browser test) made sign-in tests flake. The test and the server
    (live_server runs in this process) now read the same pinned step;
    `advance()` moves to the next, as an authenticator app would show.
    """

    def __init__(self, monkeypatch):
        import time

        from allauth.mfa import app_settings
        from allauth.mfa.totp.internal import auth

        self.step = int(time.time()) // app_settings.TOTP_PERIOD
        self._tolerance = app_settings.TOTP_TOLERANCE
        monkeypatch.setattr(auth, "yield_hotp_counters_from_time", self._counters)

    def _counters(self):
        yield from range(self.step - self._tolerance, self.step + self._tolerance + 1)

    def advance(self, steps: int = 1) -> None:
        self.step += steps

    def code(self, secret: str) -> str:
        from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

        return format_hotp_value(hotp_value(secret, self.step))


@pytest.fixture(autouse=True)
def totp_clock(monkeypatch):
    return TotpClock(monkeypatch)


# Playwright fixtures, defined once for every directory (imported last: they use require()).
from tests.browser_support import (  # noqa: E402,F401
    _clean_cache, browser, context, no_js_context, no_js_page, page,
)


@pytest.fixture(autouse=True)
def _webchat_open_at_any_hour(settings):
    """Tests run at any hour of the day; the out-of-hours tests set WEBCHAT_HOURS themselves."""
    settings.WEBCHAT_HOURS = "always"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache: pages keep figures and Open311 answers there, keyed by
    ids a rolled-back test may hand out again, so one test's cached page must not reach the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def notify_templates(db):
    """The message templates notify's migration seeds, put back: a transactional test earlier in the
    worker may have flushed them. Idempotent, so any test that queues messages can ask for it."""
    from django.apps import apps

    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate

    seed_templates(MessageTemplate)
    if apps.is_installed("community"):  # its own messages, seeded by its migrations 0007 and 0012
        from community.messages import seed_community_templates

        seed_community_templates(MessageTemplate)


# Steps that rewrite rows already there, in terms of a field a later migration removed: on a flushed
# database they have nothing to do, and with today's models they cannot run.
_ROW_REWRITES = {"oxtom.cases.migrations.0012_case_event_visibility.forwards"}


def _data_migration_steps():
    """The forward functions of the project's data migrations, in the order migrate ran them. Steps that
    only change the schema (schema_editor.execute: indexes, generated columns) are left out: a flush
    empties tables and leaves the schema as it was."""
    import inspect

    from django.conf import settings
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    root = str(settings.BASE_DIR)
    graph = MigrationLoader(connection, ignore_no_migrations=True).graph
    steps, seen = [], set()
    for leaf in graph.leaf_nodes():
        for key in graph.forwards_plan(leaf):
            if key in seen:
                continue
            seen.add(key)
            migration = graph.nodes[key]
            path = inspect.getfile(type(migration))
            if not path.startswith(root) or "site-packages" in path:
                continue  # Django's and the libraries' migrations seed nothing the demo needs
            for operation in migration.operations:
                if not isinstance(operation, RunPython):
                    continue
                code = operation.code
                if f"{code.__module__}.{code.__name__}" in _ROW_REWRITES or "schema_editor.execute" in inspect.getsource(code):
                    continue
                steps.append(code)
    return steps


@pytest.fixture
def migration_data(db):
    """Everything the project's data migrations seed (services, teams, templates, categories, measures),
    put back: a transactional test earlier in the worker may have flushed it, and the rows a later
    serialized rollback restores are only those there when the test database was made. Each step is
    idempotent (migrate reruns them on a database that has them), so any test can ask for it."""
    from django.apps import apps

    for step in _data_migration_steps():
        step(apps, None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database as migrate left it, every session. With --reuse-db (the default in pyproject.toml) the
    kept database is the one the last run's transactional tests flushed: without this, its seeded services,
    templates and categories are gone, and the rows a serialized rollback puts back are taken from it empty."""
    from django.apps import apps
    from django.db import connections

    with django_db_blocker.unblock():
        for step in _data_migration_steps():
            step(apps, None)
        for connection in connections.all():
            if hasattr(connection, "_test_serialized_contents"):
                connection._test_serialized_contents = connection.creation.serialize_db_to_string()
