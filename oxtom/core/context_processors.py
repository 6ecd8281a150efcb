from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

# Remembers that the cookie message was hidden. Essential: it only stops the
# banner reappearing, and holds no identifier.
COOKIE_MESSAGE_COOKIE = "oxtom_cookie_message"
COOKIE_MESSAGE_HIDDEN = "hidden"


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SERVICE_NAME": settings.SERVICE_NAME,
        # The one contact-centre number shown anywhere (settings.COUNCIL_PHONE).
        "COUNCIL_PHONE": settings.COUNCIL_PHONE,
        "DEBUG": settings.DEBUG,
        "show_cookie_banner": request.COOKIES.get(COOKIE_MESSAGE_COOKIE) != COOKIE_MESSAGE_HIDDEN,
    }
