"""The back office's list pages at a phone's width, as the demo's own people with the demo's own data: no queue,
list or report is wider than the screen (their tables scroll in their own labelled region), and axe is clean.
These are the pages measured at 526 to 603 px before the tables were wrapped (issue 13, issue 14)."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from oxtom.accounts.models import User
from oxtom.core.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser_support import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PAGES = [
    ("foi@demo.oxtom.example", "/staff/foi/"),
    ("complaints@demo.oxtom.example", "/staff/complaints/"),
    ("recruitment@demo.oxtom.example", "/staff/people/"),
    ("bas.officer@demo.oxtom.example", "/staff/bas/intake/post/"),
    ("bas.manager@demo.oxtom.example", "/staff/bas/manage/"),
]


def test_back_office_lists_fit_a_phone(page, migration_data):
    call_command("seed_demo", "--reports", "0", "--allow-demo-passwords", stdout=StringIO())
    page.set_viewport_size({"width": 375, "height": 800})
    widths = {}
    for email, path in PAGES:
        page.context.clear_cookies()
        sign_in(page, User.objects.get(email=email), password=DEMO_PASSWORD)
        page.goto(path)
        assert page.locator("table").count() >= 1, path  # the demo gives each page rows to lay out
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
        assert_accessible(page)
    assert widths == {path: 375 for _, path in PAGES}
