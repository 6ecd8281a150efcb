"""Told at issue that it renews: the issue message (every channel) and the entitlement page say the permit
or pass renews each year on one reply if nothing has changed, and how to stop it; a blue badge says neither."""
from __future__ import annotations

import pytest

from applications import services as s
from applications.models import Entitlement
from oxtom.notify.models import OutboundMessage

from .test_refused_change import _issued

pytestmark = pytest.mark.django_db
WORDS = "renews each year by one reply"


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_the_issue_message_says_it_renews_and_how_to_stop(svc, rose, channel):
    rose.preferred_channel = channel
    rose.save()
    permit = _issued(svc, rose)
    issued = OutboundMessage.objects.get(idempotency_key=f"entitlement:{permit.pk}:issued")
    assert issued.channel == channel
    assert WORDS in issued.body and "do not reply" in issued.body


def test_the_entitlement_page_says_it_renews(client, svc, rose):
    permit = _issued(svc, rose)
    client.force_login(rose.user)
    html = client.get(f"/account/entitlements/{permit.number}/").content.decode()
    assert "renews each year by one reply if nothing has changed" in html and "just do not reply" in html


def test_no_renewal_words_for_a_service_that_does_not_renew(svc):
    assert s.renewal_words(svc("blue-badge")) == ""
    assert WORDS in s.renewal_words(svc("parking-permit"))
    assert Entitlement.objects.count() == 0
