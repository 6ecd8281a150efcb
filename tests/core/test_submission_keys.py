"""Every state-changing form carries the shared submission key (oxtom/core/submissions.py), or says why not.

A guard for the future: a new POST form without `{% submission_key %}` fails
here until it either gets one or is listed below with the reason it is safe.
"""
from __future__ import annotations

from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"

# Why each of these needs no key of its own.
EXEMPT = {
    # Journeys whose draft carries its own submission key, settled by a unique index on the record.
    **{f"portal/{name}.html": "report journey draft key" for name in (
        "report_photos", "report_type", "report_street", "report_start", "report_check", "report_details",
        "report_location", "report_nearby", "report_map", "report_emergency")},
    **{f"portal/apply/{name}.html": "apply journey draft key" for name in (
        "check", "evidence", "change", "questions", "start")},
    # allauth: sign-in, sign-up (unique email), password and two-factor steps are single-use tokens or idempotent.
    **{f"account/{name}.html": "allauth" for name in (
        "password_reset", "email_confirm", "reauthenticate", "login", "password_reset_from_key", "signup",
        "password_change", "email", "logout", "password_set")},
    **{f"mfa/{name}.html": "allauth two-factor" for name in (
        "totp/deactivate_form", "totp/activate_form", "authenticate", "recovery_codes/generate", "reauthenticate")},
    # Chat messages carry a client_key with a unique index per chat.
    "webchat/chat.html": "client_key", "webchat/start.html": "client_key", "assist/chat.html": "client_key",
    "webchat/_offer.html": "client_key (static/js/chat_panel.js sets a new one for each message)",
    # Searches and choices that change nothing.
    "customers/search.html": "search", "assist/console.html": "search", "customers/merge_choose.html": "a choice",
    # Idempotent: doing it twice leaves the same state.
    "assist/_banner.html": "ending a session", "includes/service_navigation.html": "sign out",
    "includes/cookie_banner.html": "a preference", "core/cookies.html": "a preference",
    "portal/report_public.html": "following is idempotent",
    "portal/_report_table.html": "stopping following is idempotent",
    # The payment provider's own page: the payment's idempotency key settles it.
    "payments/sandbox_page.html": "payment idempotency key",
    "notify/dev.html": "development only",
    # The jobs application's draft carries its own submission key (one application however often it is sent).
    **{f"people/jobs/{name}.html": "jobs journey draft key" for name in ("check", "step")},
    # A candidate's signed link: booking a slot, answering an offer or leaving the pool once moves a state once.
    **{f"people/jobs/{name}.html": "signed link, state moved once" for name in ("interview", "offer", "withdraw")},
}


def test_every_post_form_carries_a_submission_key_or_is_exempt_for_a_reason():
    missing = []
    for path in TEMPLATES.rglob("*.html"):
        name = path.relative_to(TEMPLATES).as_posix()
        text = path.read_text()
        if 'method="post"' in text and "{% submission_key %}" not in text and name not in EXEMPT:
            missing.append(name)
    assert missing == []


def test_the_exemptions_are_still_real_templates():
    assert [name for name in EXEMPT if not (TEMPLATES / name).exists()] == []
