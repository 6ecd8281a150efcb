"""Staff and councillors: two-factor sign-in when required, idle and absolute timeouts; residents unaffected."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings

from oxtom.accounts.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from tests.accounts.conftest import totp_code
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

IDLE = settings.STAFF_SESSION_IDLE_SECONDS
ABSOLUTE = settings.STAFF_SESSION_ABSOLUTE_SECONDS


def age_session(client, *, seen_ago: int | None = None, started_ago: int | None = None) -> None:
    session = client.session
    now = int(time.time())
    if seen_ago is not None:
        session[SESSION_SEEN_KEY] = now - seen_ago
    if started_ago is not None:
        session[SESSION_STARTED_KEY] = now - started_ago
    session.save()


@pytest.mark.parametrize("role_fixture, home", [("officer_in_team", "/staff/"), ("councillor_of_division", "/members/")])
def test_privileged_session_ends_after_idle_time(client, request, role_fixture, home):
    client.force_login(request.getfixturevalue(role_fixture))
    assert client.get(home).status_code == 200
    age_session(client, seen_ago=IDLE + 1)
    response = client.get(home)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={home.replace('/', '%2F')}"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert b"You were signed out to protect the records you can see" in page.content


def test_privileged_session_survives_just_under_the_idle_time(client, officer_in_team):
    client.force_login(officer_in_team)
    client.get("/staff/")
    age_session(client, seen_ago=IDLE - 5)
    assert client.get("/staff/").status_code == 200
    # ...and each request restarts the idle clock and the session's own expiry.
    assert int(time.time()) - client.session[SESSION_SEEN_KEY] < 5
    assert client.session.get_expiry_age() == IDLE


def test_privileged_session_ends_after_absolute_time_even_when_active(client, officer_in_team):
    client.force_login(officer_in_team)
    client.get("/staff/")
    age_session(client, seen_ago=1, started_ago=ABSOLUTE + 1)
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_absolute_clock_starts_at_sign_in(client, officer_in_team):
    client.post("/accounts/login/", {"login": officer_in_team.email, "password": TEST_PASSWORD})
    started = client.session[SESSION_STARTED_KEY]
    assert abs(int(time.time()) - started) < 5


def test_residents_are_not_timed_out(client, resident_a):
    client.force_login(resident_a)
    client.get("/account/")
    age_session(client, seen_ago=IDLE * 10, started_ago=ABSOLUTE * 10)
    assert client.get("/account/").status_code == 200
    assert SESSION_SEEN_KEY not in client.session or client.session[SESSION_SEEN_KEY] < time.time() - IDLE


def test_mfa_is_required_by_default_outside_debug():
    """STAFF_MFA_REQUIRED follows DEBUG unless set: on in production, off in the embedded demo."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "s" * 50,
        "ALLOWED_HOSTS": "example.org",
        "DATABASE_URL": "sqlite:////tmp/never-opened.sqlite3",
        "REDIS_URL": "redis://127.0.0.1:6399/0",
        "SITE_URL": "https://example.org",
        "OXTOM_TESTING": "false",
    }
    env.pop("STAFF_MFA_REQUIRED", None)
    code = "import oxtom.settings as s; print(s.STAFF_MFA_REQUIRED)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
    out = subprocess.run([sys.executable, "-c", code], env={**env, "DEBUG": "true"}, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture
def mfa_required(settings):
    settings.STAFF_MFA_REQUIRED = True


@pytest.mark.parametrize(
    "role_fixture, home",
    [("officer_in_team", "/staff/"), ("adviser", "/staff/"), ("administrator", "/staff/"), ("councillor_of_division", "/members/")],
)
def test_privileged_users_without_totp_must_set_it_up_first(client, request, mfa_required, role_fixture, home):
    user = request.getfixturevalue(role_fixture)
    client.post("/accounts/login/", {"login": user.email, "password": TEST_PASSWORD})
    response = client.get(home)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/totp/activate/"
    # allauth asks for the password again before any two-factor change.
    setup = client.get(response["Location"], follow=True)
    assert setup.status_code == 200
    assert b"Set up two-factor authentication before you use staff or councillor services" in setup.content
    setup = client.post(setup.redirect_chain[-1][0], {"password": TEST_PASSWORD}, follow=True)
    assert b"Set up an authenticator app" in setup.content
    # Other staff pages stay closed; the way out stays open.
    assert client.get(home)["Location"] == "/accounts/2fa/totp/activate/"
    assert client.get("/accounts/logout/").status_code == 200


def test_residents_are_never_asked_for_totp(client, mfa_required, resident_a):
    client.force_login(resident_a)
    assert client.get("/account/").status_code == 200


def test_setting_up_totp_opens_the_staff_area(client, mfa_required, officer_in_team):
    client.post("/accounts/login/", {"login": officer_in_team.email, "password": TEST_PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": TEST_PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert secret in page.content.decode()  # the setup key, for people who cannot scan the QR code
    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert b"Enter the 6-digit code from your authenticator app correctly" in wrong.content
    assert not Authenticator.objects.filter(user=officer_in_team).exists()
    done = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(user=officer_in_team, type=Authenticator.Type.TOTP).exists()
    assert client.get("/staff/").status_code == 200


def test_sign_in_with_totp_asks_for_the_code(client, mfa_required, officer_in_team, with_totp):
    secret = with_totp(officer_in_team)
    first = client.post("/accounts/login/", {"login": officer_in_team.email, "password": TEST_PASSWORD})
    assert first["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session  # a password alone is not enough
    page = client.get("/accounts/2fa/authenticate/")
    assert b"Enter your security code" in page.content
    bad = client.post("/accounts/2fa/authenticate/", {"code": "12345x"})
    assert bad.status_code == 200 and bad.content.decode().split("<title>")[1].startswith("Error: ")
    assert "_auth_user_id" not in client.session
    good = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert good["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_a_code_read_just_before_a_step_ends_still_works_just_after(client, mfa_required, officer_in_team,
                                                                     with_totp, totp_clock):
    """The CI flake: the code was computed in one 30-second step and checked in the next, under load."""
    secret = with_totp(officer_in_team)
    client.post("/accounts/login/", {"login": officer_in_team.email, "password": TEST_PASSWORD})
    code = totp_code(secret)
    totp_clock.advance()  # the next step begins while the code is being typed or sent
    good = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert good["Location"] == "/staff/"


def test_staff_cannot_turn_totp_off_while_it_is_required(client, mfa_required, officer_in_team, with_totp):
    secret = with_totp(officer_in_team)
    client.post("/accounts/login/", {"login": officer_in_team.email, "password": TEST_PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    client.post("/accounts/reauthenticate/", {"password": TEST_PASSWORD})
    assert client.get("/accounts/2fa/totp/deactivate/").status_code == 200
    response = client.post("/accounts/2fa/totp/deactivate/", {})
    assert response.status_code == 200
    assert b"You cannot turn off two-factor authentication: staff and councillors must use it" in response.content
    assert Authenticator.objects.filter(user=officer_in_team, type=Authenticator.Type.TOTP).exists()


def test_residents_can_turn_totp_off(client, mfa_required, resident_a, with_totp):
    secret = with_totp(resident_a)
    client.post("/accounts/login/", {"login": resident_a.email, "password": TEST_PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    client.post("/accounts/reauthenticate/", {"password": TEST_PASSWORD})
    response = client.post("/accounts/2fa/totp/deactivate/", {})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=resident_a, type=Authenticator.Type.TOTP).exists()


def test_staff_without_totp_pass_when_not_required(client, settings, officer_in_team):
    settings.STAFF_MFA_REQUIRED = False
    client.force_login(officer_in_team)
    assert client.get("/staff/").status_code == 200


# --- no writes on a read ------------------------------------------------------------------------

WRITE_WORDS = ("INSERT", "UPDATE", "DELETE", "SAVEPOINT")


def _writes(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(WRITE_WORDS)]


@pytest.mark.parametrize("role_fixture, pages", [
    ("officer_in_team", ["/staff/", "/staff/queues/highways-north/"]),
    ("councillor_of_division", ["/members/", "/members/division/"]),
])
def test_a_staff_or_councillor_get_writes_nothing(client, request, role_fixture, pages):
    """After the first request of the minute has stamped the idle clock, GETs issue no write at all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(request.getfixturevalue(role_fixture))
    assert client.get(pages[0]).status_code == 200  # stamps the idle clock
    for page in pages * 2:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        assert _writes(captured) == [], page


def test_the_idle_clock_is_written_again_after_a_minute(client, officer_in_team):
    from oxtom.accounts.middleware import SEEN_RESOLUTION_SECONDS

    client.force_login(officer_in_team)
    client.get("/staff/")
    age_session(client, seen_ago=SEEN_RESOLUTION_SECONDS - 5)
    client.get("/staff/")
    stale = int(time.time()) - client.session[SESSION_SEEN_KEY]
    assert SEEN_RESOLUTION_SECONDS - 6 <= stale <= SEEN_RESOLUTION_SECONDS  # not rewritten within the minute
    age_session(client, seen_ago=SEEN_RESOLUTION_SECONDS)
    client.get("/staff/")
    assert int(time.time()) - client.session[SESSION_SEEN_KEY] < 5
    assert client.session.get_expiry_age() == IDLE


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_staff_get_commits_nothing(client, officer_in_team, monkeypatch):
    """Outside a test transaction: a staff GET after the first ends in no COMMIT (no session save)."""
    from django.db import connection

    client.force_login(officer_in_team)
    client.get("/staff/")
    commits = []
    real_commit = connection.commit
    monkeypatch.setattr(connection, "commit", lambda: (commits.append(1), real_commit())[1])
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/staff/").status_code == 200
        assert client.get("/staff/queues/highways-north/").status_code == 200
    assert commits == []
    assert _writes(captured) == []
