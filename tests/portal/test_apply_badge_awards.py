"""The blue badge benefits question: "None of these" stands alone (GOV.UK exclusive checkbox), checked by the server."""
from __future__ import annotations

import pytest

from .test_apply_support import BADGE_AUTOMATIC, answer_questions

pytestmark = pytest.mark.django_db

MESSAGE = "Select the ones that apply, or select ‘None of these’"


@pytest.fixture
def awards_page(client):
    page = answer_questions(client, "blue-badge", {k: v for k, v in BADGE_AUTOMATIC.items() if k != "awards"})
    assert page.status_code == 200 and "awards" in page.context["form"].fields
    return page.wsgi_request.path, page


def test_none_of_these_is_drawn_after_an_or_divider_as_exclusive(awards_page):
    _, page = awards_page
    html = page.content.decode()
    divider = html.index('<div class="govuk-checkboxes__divider">or</div>')
    none = html.index('value="none"')
    assert divider < none and html.count("govuk-checkboxes__divider") == 1
    assert 'value="none" data-behaviour="exclusive"' in html
    assert 'value="pip" data-behaviour' not in html


@pytest.mark.parametrize("awards", [["pip", "none"], ["none", "dla_higher_mobility", "wpms", "registered_blind"]])
def test_an_award_with_none_of_these_is_refused_without_javascript(client, awards_page, awards):
    path, _ = awards_page
    response = client.post(path, {"awards": awards})
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and MESSAGE in html and "<title>Error:" in html
    # Nothing was kept: the next page is still this one.
    assert "awards" not in client.session["apply_draft"]["answers"]


@pytest.mark.parametrize("awards, message", [
    (["<script>"], "from the list"),
    (["none", "none"], None),           # the same answer twice is one answer
    (["none"] * 500, "Select"),         # but not a flood of them
    ([f"x{n}" for n in range(500)], "from the list"),
])
def test_hostile_and_oversized_awards(client, awards_page, awards, message):
    path, _ = awards_page
    response = client.post(path, {"awards": awards})
    if message is None:
        assert response.status_code == 302
        assert set(client.session["apply_draft"]["answers"]["awards"]) == {"none"}
    else:
        assert response.status_code == 200 and message in response.content.decode()
        assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_none_of_these_alone_carries_on(client, awards_page):
    path, _ = awards_page
    assert client.post(path, {"awards": ["none"]}).status_code == 302
