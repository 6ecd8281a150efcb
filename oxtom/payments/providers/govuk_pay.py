"""GOV.UK Pay's public API over urllib (https://docs.payments.service.gov.uk/api_reference/).

The calls we need: create, get and refund a payment, and for recurring card
payments create, get and cancel an agreement and take a payment under one
(`authorisation_mode: agreement`). The API key goes in a bearer header and is never logged. Network
failures and 5xx answers raise ProviderError (retry later: the sweeper will
poll again); 4xx answers raise ProviderRejected.
"""
from __future__ import annotations

import json
import logging
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


from oxtom.core.links import absolute_url

from . import ProviderAgreement, ProviderError, ProviderPayment, ProviderRefund, ProviderRejected

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_RESPONSE_BYTES = 1_000_000


class GovukPayProvider:
    name = "govuk_pay"

    def __init__(self, *, base_url: str, api_key: str, timeout: float | None = None):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout if timeout is not None else TIMEOUT_SECONDS

    # --- the API -------------------------------------------------------------------

    def create(self, *, amount: int, reference: str, description: str, return_path: str,
               moto: bool, idempotency_key: str, set_up_agreement: str = "") -> ProviderPayment:
        body: dict[str, Any] = {
            "amount": amount,
            "reference": reference,
            "description": description,
            "return_url": absolute_url(return_path),
            "language": "en",
        }
        if moto:
            body["moto"] = True
        if set_up_agreement:
            body["set_up_agreement"] = set_up_agreement
        data = self._request("POST", "/v1/payments", body, headers={"Idempotency-Key": idempotency_key})
        return self._payment(data)

    def get(self, payment_id: str) -> ProviderPayment:
        return self._payment(self._request("GET", f"/v1/payments/{urllib.parse.quote(payment_id, safe='')}"))

    def refund(self, payment_id: str, *, amount: int, refund_amount_available: int,
               idempotency_key: str) -> ProviderRefund:
        data = self._request(
            "POST", f"/v1/payments/{urllib.parse.quote(payment_id, safe='')}/refunds",
            {"amount": amount, "refund_amount_available": refund_amount_available},
            headers={"Idempotency-Key": idempotency_key},
        )
        try:
            return ProviderRefund(refund_id=str(data["refund_id"]), status=str(data["status"]),
                                  amount=int(data["amount"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderError("GOV.UK Pay refund answer was missing fields") from exc

    def create_agreement(self, *, reference: str, description: str, user_identifier: str) -> ProviderAgreement:
        return self._agreement(self._request("POST", "/v1/agreements", {
            "reference": reference, "description": description, "user_identifier": user_identifier}))

    def get_agreement(self, agreement_id: str) -> ProviderAgreement:
        return self._agreement(self._request("GET", f"/v1/agreements/{urllib.parse.quote(agreement_id, safe='')}"))

    def cancel_agreement(self, agreement_id: str) -> None:
        self._request("POST", f"/v1/agreements/{urllib.parse.quote(agreement_id, safe='')}/cancel", {},
                      empty_ok=True)

    def take_with_agreement(self, *, amount: int, reference: str, description: str, agreement_id: str,
                            idempotency_key: str) -> ProviderPayment:
        data = self._request("POST", "/v1/payments", {
            "amount": amount, "reference": reference, "description": description, "agreement_id": agreement_id,
            "authorisation_mode": "agreement", "language": "en",
        }, headers={"Idempotency-Key": idempotency_key})
        return self._payment(data)

    def _agreement(self, data: dict) -> ProviderAgreement:
        try:
            card = ((data.get("payment_instrument") or {}).get("card_details") or {})
            return ProviderAgreement(agreement_id=str(data["agreement_id"]), status=str(data["status"]),
                                     card_brand=str(card.get("card_brand") or "")[:32],
                                     last_four=str(card.get("last_digits_card_number") or "")[-4:])
        except (KeyError, TypeError, AttributeError) as exc:
            raise ProviderError("GOV.UK Pay agreement answer was missing fields") from exc

    # --- plumbing --------------------------------------------------------------------

    def _payment(self, data: dict) -> ProviderPayment:
        try:
            state = data["state"]
            next_link = (data.get("_links") or {}).get("next_url") or {}
            card = data.get("card_details") or {}
            refund_summary = data.get("refund_summary") or {}
            return ProviderPayment(
                payment_id=str(data["payment_id"]),
                status=str(state["status"]),
                finished=bool(state.get("finished", False)),
                amount=int(data["amount"]),
                next_url=str(next_link.get("href") or ""),
                code=str(state.get("code") or "")[:16],
                message=str(state.get("message") or "")[:255],
                card_brand=str(card.get("card_brand") or "")[:32],
                last_four=str(card.get("last_digits_card_number") or "")[-4:],
                refund_available=(int(refund_summary["amount_available"])
                                  if "amount_available" in refund_summary else None),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderError("GOV.UK Pay payment answer was missing fields") from exc

    def _request(self, method: str, path: str, body: dict | None = None,
                 headers: dict[str, str] | None = None, *, empty_ok: bool = False) -> dict:
        request = urllib.request.Request(
            self.base_url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={
                "Authorization": f"Bearer {self.api_key}",
                "Accept": "application/json",
                "Content-Type": "application/json",
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - https base URL from settings
                raw = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc)
            logger.warning("GOV.UK Pay %s %s answered %s %s", method, path.split("/")[2:3], exc.code, detail)
            if 400 <= exc.code < 500:
                raise ProviderRejected(f"GOV.UK Pay refused the request ({exc.code} {detail})") from exc
            raise ProviderError(f"GOV.UK Pay answered {exc.code}") from exc
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as exc:
            raise ProviderError(f"GOV.UK Pay could not be reached: {exc}") from exc
        if len(raw) > MAX_RESPONSE_BYTES:
            raise ProviderError("GOV.UK Pay answer was too large")
        if empty_ok and not raw.strip():
            return {}  # 204 No Content (cancelling an agreement)
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ProviderError("GOV.UK Pay answer was not JSON") from exc
        if not isinstance(data, dict):
            raise ProviderError("GOV.UK Pay answer was not a JSON object")
        return data


def _error_detail(exc: urllib.error.HTTPError) -> str:
    """GOV.UK Pay's error `code` (e.g. P0102) only: descriptions may echo what we sent."""
    try:
        data = json.loads(exc.read(10_000))
        return str(data.get("code", ""))[:16] if isinstance(data, dict) else ""
    except (ValueError, OSError):
        return ""
