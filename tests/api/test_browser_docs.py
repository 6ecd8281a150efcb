"""The API documentation page in Chromium: axe-clean, served from our own files, no wider than a 375 px phone."""
from __future__ import annotations

import pytest

from tests.browser_support import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_api_docs_page_is_accessible_and_fits_a_phone(page, live_server):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/api/v1/docs/")
    assert page.get_by_role("heading", level=1).inner_text() == "API for partner systems"
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert all(url.startswith(live_server.url) for url in requests)  # nothing from a CDN
    # The schema is a YAML file (a download, not a page): the link points at it.
    assert page.get_by_role("link", name="OpenAPI schema").get_attribute("href") == "/api/v1/schema/"
