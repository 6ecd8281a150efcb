"""Help that finds the resident: the "Need help with this page?" link on every resident page, and an inline
chat offer after errors twice on the same step (a link, no JavaScript), which the adviser sees with the step
and the questions in error (never the values typed)."""
from __future__ import annotations

import pytest

from oxtom.customers.models import ChatOffer, WebChat

from .test_journey import postcode, walk_to_details  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
HELP = "Need help with this page? Chat with an adviser"
OFFER = "Chat with an adviser about this page"


@pytest.mark.parametrize("path", ["/", "/report/", "/apply/", "/report/type/"])
def test_help_link_on_resident_pages(client, catalogue, path):
    client.post("/report/new/")
    html = client.get(path).content.decode()
    assert HELP in html and f"/chat/?from={path}\"" in html


def test_no_help_link_for_staff(client, officer_in_team):
    client.force_login(officer_in_team)
    assert HELP not in client.get("/staff/").content.decode()


def test_offer_after_the_second_error_on_one_step_and_the_adviser_sees_the_questions(client, catalogue, postcode,
                                                                                    adviser):
    walk_to_details(client)
    secret = "my-secret-typed-value"
    first = client.post("/report/details/", {"depth_mm": "", "width_mm": "", "details": secret})
    assert first.status_code == 200 and "There is a problem" in first.content.decode()
    assert OFFER not in first.content.decode()
    second = client.post("/report/details/", {"depth_mm": "", "width_mm": "", "details": secret}).content.decode()
    assert OFFER in second
    offer = ChatOffer.objects.get()
    assert offer.path == "/report/details/" and offer.chat is None
    assert offer.fields_in_error and secret not in str(offer.fields_in_error)
    # A third error on the step reuses the same offer.
    client.post("/report/details/", {"depth_mm": "", "width_mm": ""})
    assert ChatOffer.objects.count() == 1
    # The link works without JavaScript: start a chat from it.
    page = client.get(f"/chat/?from=/report/details/&offer={offer.pk}")
    assert page.status_code == 200
    started = client.post("/chat/", {"message": "I don't know how deep it is", "client_key": "k" * 24,
                                     "page": "/report/details/"})
    assert started.status_code == 302
    offer.refresh_from_db()
    chat = WebChat.objects.get()
    assert offer.chat == chat and chat.page == "/report/details/"
    client.logout()
    client.force_login(adviser)
    html = client.get(f"/staff/assist/chats/{chat.pk}/").content.decode()
    assert "/report/details/" in html and "Questions in error" in html and secret not in html


def test_an_offer_cannot_be_claimed_by_another_browser(client, catalogue, postcode):
    from django.test import Client

    walk_to_details(client)
    for _ in range(2):
        client.post("/report/details/", {"depth_mm": ""})
    offer = ChatOffer.objects.get()
    other = Client()
    other.get(f"/chat/?offer={offer.pk}")
    other.post("/chat/", {"message": "hello", "client_key": "z" * 24})
    offer.refresh_from_db()
    assert offer.chat is None
    for bad in ("abc", "-1", "9" * 30, "<script>"):
        assert other.get("/chat/", {"offer": bad}).status_code == 200
