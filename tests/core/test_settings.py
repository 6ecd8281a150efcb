"""Settings come from the environment and fail loudly; production passes check --deploy."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "oxtom.example.gov.uk",
    "DATABASE_URL": "postgres://oxtom:secret@db.internal:5432/oxtom",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "SITE_URL": "https://oxtom.example.gov.uk",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and not k.startswith("DJANGO")}
    clean.update(env)
    clean["OXTOM_VAR_DIR"] = str(ROOT / "var" / "test-settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_deploy_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "SITE_URL"])
def test_production_refuses_to_start_without_required_setting(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is false" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "perhaps", "is not a boolean"),
        ("DB_CONN_MAX_AGE", "sixty", "is not a whole number"),
        ("SMS_CHANNEL", "pigeon", "expected one of"),
        ("LETTER_CHANNEL", "pigeon", "expected one of"),
        ("LETTER_CHANNEL", "Notify", "expected one of"),
        ("NOTIFY_LETTER_POSTAGE", "carrier-pigeon", "expected one of"),
        ("COUNCIL_POSTAL_ADDRESS", "County Hall", "COUNCIL_POSTAL_ADDRESS must be 2 to 6 lines"),
        ("COUNCIL_POSTAL_ADDRESS", "County Hall||OX1 1ND", "COUNCIL_POSTAL_ADDRESS must be 2 to 6 lines"),
        ("COUNCIL_POSTAL_ADDRESS", "County Hall|<script>|OX1 1ND", "COUNCIL_POSTAL_ADDRESS must be 2 to 6 lines"),
        ("COUNCIL_POSTAL_ADDRESS", "County Hall|New\x07Road|OX1 1ND", "COUNCIL_POSTAL_ADDRESS must be 2 to 6 lines"),
        ("COUNCIL_POSTAL_ADDRESS", "County Hall|" + "x" * 61, "COUNCIL_POSTAL_ADDRESS must be 2 to 6 lines"),
        ("PAYMENT_PROVIDER", "cash", "expected one of"),
        ("SITE_URL", "127.0.0.1:8000", "must look like https://"),
        ("SITE_URL", "http://127.0.0.1:8000/oxtom", "must look like https://"),
        ("SITE_URL", "javascript:alert(1)", "must look like https://"),
        ("EMAIL_FROM_ADDRESS", "council", "is not an email address"),
        ("EMAIL_FROM_ADDRESS", "a@b.gov.uk>, evil@example.com", "is not an email address"),
        ("EMAIL_FROM_NAME", "Council\r\nBcc: evil@example.com", "must be one line"),
    ],
)
def test_bad_values_fail_loudly(name, value, message):
    result = manage("check", env={name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_embedded_default_needs_no_environment():
    result = manage("check", env={})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", ["NOTIFY_API_KEY", "NOTIFY_CALLBACK_TOKEN"])
def test_production_letters_through_notify_need_its_key_and_callback_token(missing):
    notify = {"NOTIFY_API_KEY": "oxtom_live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
              "NOTIFY_CALLBACK_TOKEN": secrets.token_urlsafe(32)}
    env = {**PRODUCTION_ENV, "LETTER_CHANNEL": "notify", **{k: v for k, v in notify.items() if k != missing}}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is false" in result.stderr
    # Letters on the file sink (the default) need neither.
    assert manage("check", env={**PRODUCTION_ENV, "LETTER_CHANNEL": "file"}).returncode == 0


def test_production_letters_through_notify_start_with_its_settings():
    env = {**PRODUCTION_ENV, "LETTER_CHANNEL": "notify", "NOTIFY_LETTER_POSTAGE": "first",
           "NOTIFY_API_KEY": "oxtom_live-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0",
           "NOTIFY_CALLBACK_TOKEN": secrets.token_urlsafe(32)}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_needs_an_https_site_url():
    result = manage("check", env={**PRODUCTION_ENV, "SITE_URL": "http://oxtom.example.gov.uk"})
    assert result.returncode != 0
    assert "SITE_URL must be https://" in result.stderr


def test_emails_come_from_the_council_and_the_sender_is_configurable():
    code = "import oxtom.settings as s; print(s.DEFAULT_FROM_EMAIL)"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_FROM", "DJANGO"))}
    default = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert default.stdout.strip() == "Oxfordshire County Council <no-reply@oxfordshire.gov.uk>", default.stderr
    env = {**clean, "EMAIL_FROM_NAME": "Oxfordshire County Council Highways", "EMAIL_FROM_ADDRESS": "highways@example.gov.uk"}
    custom = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert custom.stdout.strip() == "Oxfordshire County Council Highways <highways@example.gov.uk>", custom.stderr


def test_persistent_database_connections_are_health_checked():
    """A connection the database dropped is replaced at the next request, not answered
    with a 500 (bench/faults.py drops them for real; the test client cannot, since it
    disconnects Django's per-request connection check)."""
    from django.conf import settings

    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
