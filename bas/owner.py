"""The case owner registration: a BAS request's case page links to the request's page."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse

from oxtom.cases.owners import OwnerPage

# The steps only the request's page takes: deciding and closing are the hand-over there.
STEPS = frozenset({"decide", "close", "expected-date"})


def bas_owner_page(case: Any) -> OwnerPage | None:
    try:
        case.bas_request  # noqa: B018 - loaded with the case (select_related)
    except ObjectDoesNotExist:
        return None
    return OwnerPage(url=reverse("bas:request", kwargs={"reference": case.reference}), steps=STEPS,
                     link_id="bas-request-link", link_text="Open the business admin request")
