"""One council phone number (settings.COUNCIL_PHONE) on every page and in every message; the
accessibility statement does not tell people to reply to emails whose replies are not read."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from oxtom.notify.models import MessageTemplate
from oxtom.notify.templating import render

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
OTHER = "01234 567890"
# Both numbers the pages used to give, before there was one.
OLD_NUMBERS = ("01865 792422", "0345 310 1111")


@pytest.fixture
def number(settings):
    settings.COUNCIL_PHONE = OTHER
    return OTHER


@pytest.mark.parametrize("path", ["/chat/", "/report/", "/accessibility/"])
def test_pages_give_the_number_from_settings(client, number, path):
    html = client.get(path).content.decode()
    assert number in html
    for old in OLD_NUMBERS:
        assert old not in html


def test_the_number_is_written_down_once():
    """No template or message text carries its own copy of a council number."""
    found = []
    for top in ("templates", "oxtom", "casework", "portal"):
        for path in (ROOT / top).rglob("*"):
            if path.suffix not in {".html", ".txt", ".py"} or path.name == "settings.py":
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            # Phone-number *format examples* in form hints ("For example, 01865 792422") are not contact details.
            for line in text.splitlines():
                if "0345 310 1111" in line or re.search(r"call( us)?( on)? 01865 792422", line):
                    found.append(f"{path.relative_to(ROOT)}: {line.strip()[:80]}")
    assert found == []


def test_messages_fill_in_the_number_from_settings(number):
    template = MessageTemplate(code="t", channel="email", name="t", subject="Hello",
                               body="Dear ((name)), call us on ((council_phone)). ((council_name))")
    rendered = render(template, {"name": "Rose"})
    assert rendered.body == f"Dear Rose, call us on {OTHER}. Oxfordshire County Council"
    # A caller cannot put another number in a message through its context.
    assert OTHER in render(template, {"name": "Rose", "council_phone": "09098 790000"}).body


def test_seeded_templates_use_the_setting(number):
    from oxtom.notify.defaults import DEFAULT_TEMPLATES

    row = next(r for r in DEFAULT_TEMPLATES if r["code"] == "account-created" and r["channel"] == "email")
    template = MessageTemplate(code=row["code"], channel=row["channel"], name=row["name"], subject=row["subject"],
                               body=row["body"])
    assert OTHER in render(template, {"name": "Rose"}).body


def test_accessibility_statement_does_not_ask_for_replies_to_no_reply_emails(client, number):
    html = client.get("/accessibility/").content.decode()
    assert "replying to any email" not in html
    assert f"call our contact centre on {OTHER}" in html and 'href="/chat/"' in html
