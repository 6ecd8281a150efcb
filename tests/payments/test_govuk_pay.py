"""The GOV.UK Pay adapter against a fake GOV.UK Pay on 127.0.0.1, never the real host."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from oxtom.payments.models import Payment, Status
from oxtom.payments.providers import ProviderError, ProviderRejected
from oxtom.payments.providers.govuk_pay import GovukPayProvider
from oxtom.payments.services import PaymentError, payment_refresh_status, payment_refund

API_KEY = "api_test-not-a-real-key"


class FakePay:
    """Just enough of GOV.UK Pay: create, get and refund, with switches for failures."""

    def __init__(self):
        self.payments: dict[str, dict] = {}
        self.by_key: dict[str, str] = {}
        self.requests: list[dict] = []
        self.fail_with: int | None = None
        self.delay = 0.0
        self.raw_body: bytes | None = None
        self.counter = 0
        self.agreements: dict[str, dict] = {}

    def handle(self, method, path, headers, body):
        self.requests.append({"method": method, "path": path, "headers": dict(headers), "body": body})
        if self.delay:
            time.sleep(self.delay)
        if headers.get("Authorization") != f"Bearer {API_KEY}":
            return 401, {"code": "P0920", "description": "Credentials are required"}
        if self.fail_with:
            return self.fail_with, {"code": "P0999", "description": "Something went wrong"}
        if self.raw_body is not None:
            return 200, self.raw_body
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["v1", "agreements"]:
            self.counter += 1
            aid = f"cgc1ocvh0pt9fqs0ma67r42l5{self.counter}"
            self.agreements[aid] = {"agreement_id": aid, "reference": body["reference"], "status": "created",
                                    "description": body["description"], "user_identifier": body["user_identifier"]}
            return 201, self.agreements[aid]
        if method == "POST" and len(parts) == 4 and parts[:2] == ["v1", "agreements"] and parts[3] == "cancel":
            if self.agreements.get(parts[2], {}).get("status") not in ("created", "active"):
                return 400, {"code": "P2000", "description": "Agreement not active"}
            self.agreements[parts[2]]["status"] = "cancelled"
            return 204, b""
        if method == "POST" and parts == ["v1", "payments"] and body.get("authorisation_mode") == "agreement":
            key = headers.get("Idempotency-Key")
            if key in self.by_key:
                return 201, self._view(self.payments[self.by_key[key]])
            self.counter += 1
            pid = f"agr0sqlact5260q2nanm0q8u9{self.counter}"
            self.payments[pid] = {"payment_id": pid, "amount": body["amount"], "reference": body["reference"],
                                  "description": body["description"], "state": {"status": "submitted", "finished": False},
                                  "refunded": 0}
            self.by_key[key] = pid
            return 201, self._view(self.payments[pid])
        if method == "POST" and parts == ["v1", "payments"]:
            key = headers.get("Idempotency-Key")
            if key in self.by_key:
                return 201, self._view(self.payments[self.by_key[key]])
            self.counter += 1
            pid = f"hu20sqlact5260q2nanm0q8u9{self.counter}"
            self.payments[pid] = {"payment_id": pid, "amount": body["amount"], "reference": body["reference"],
                                  "description": body["description"], "return_url": body["return_url"],
                                  "moto": body.get("moto", False), "state": {"status": "created", "finished": False},
                                  "refunded": 0}
            if key:
                self.by_key[key] = pid
            return 201, self._view(self.payments[pid])
        if method == "GET" and len(parts) == 3 and parts[:2] == ["v1", "payments"]:
            if parts[2] not in self.payments:
                return 404, {"code": "P0200", "description": "Not found"}
            return 200, self._view(self.payments[parts[2]])
        if method == "POST" and len(parts) == 4 and parts[3] == "refunds":
            p = self.payments[parts[2]]
            if body["refund_amount_available"] != p["amount"] - p["refunded"]:
                return 412, {"code": "P0604", "description": "Refund amount available mismatch"}
            p["refunded"] += body["amount"]
            return 202, {"refund_id": "r" + parts[2], "amount": body["amount"], "status": "submitted"}
        return 404, {"code": "P0200", "description": "Not found"}

    def _view(self, p):
        data = {k: v for k, v in p.items() if k != "refunded"}
        data["refund_summary"] = {"status": "available", "amount_available": p["amount"] - p["refunded"]}
        data["_links"] = {"self": {"href": f"http://fake/v1/payments/{p['payment_id']}", "method": "GET"}}
        if not p["state"]["finished"] and "return_url" in p:
            data["_links"]["next_url"] = {"href": f"https://card.example/secure/{p['payment_id']}", "method": "GET"}
        if p["state"]["status"] == "success":
            data["card_details"] = {"last_digits_card_number": "1111", "card_brand": "Visa"}
        return data

    def finish(self, pid, status, code=None):
        self.payments[pid]["state"] = {"status": status, "finished": status in {"success", "failed", "cancelled", "error"}}
        if code:
            self.payments[pid]["state"].update(code=code, message="Payment method rejected")


@pytest.fixture
def fake_pay(settings):
    fake = FakePay()

    class Handler(BaseHTTPRequestHandler):
        def _go(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            status, payload = fake.handle(self.command, self.path, self.headers, body)
            raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            try:
                self.send_response(status)
                if status != 204:
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                if status != 204:
                    self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = _go

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    settings.PAYMENT_PROVIDER = "govuk_pay"
    settings.GOVUK_PAY_API_KEY = API_KEY
    settings.GOVUK_PAY_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.SITE_URL = "https://oxtom.example"
    fake.base_url = settings.GOVUK_PAY_BASE_URL
    yield fake
    server.shutdown()
    server.server_close()


pytestmark = pytest.mark.django_db


def test_create_sends_govuk_pay_shapes(fake_pay, make_payment):
    payment, next_url = make_payment(moto=True, idempotency_key="permit:9:fee")
    sent = fake_pay.requests[-1]
    assert sent["method"] == "POST" and sent["path"] == "/v1/payments"
    assert sent["headers"]["Authorization"] == f"Bearer {API_KEY}"
    assert sent["headers"]["Idempotency-Key"] == "permit:9:fee"
    assert sent["body"] == {
        "amount": 6500, "reference": payment.reference, "description": "Residents' parking permit",
        "return_url": f"https://oxtom.example/pay/return/{payment.return_token}/", "language": "en", "moto": True,
    }
    assert payment.provider == "govuk_pay" and payment.provider_payment_id.startswith("hu20")
    assert next_url == f"https://card.example/secure/{payment.provider_payment_id}"


def test_status_is_read_from_govuk_pay(fake_pay, make_payment, client):
    payment, _ = make_payment()
    fake_pay.finish(payment.provider_payment_id, "success")
    html = client.get(f"/pay/return/{payment.return_token}/").content.decode()
    assert "Payment received" in html
    payment.refresh_from_db()
    assert payment.status == Status.SUCCESS and payment.card_last_four == "1111"
    assert fake_pay.requests[-1]["path"] == f"/v1/payments/{payment.provider_payment_id}"


def test_failed_status_keeps_govuk_pay_code(fake_pay, make_payment):
    payment, _ = make_payment()
    fake_pay.finish(payment.provider_payment_id, "failed", code="P0010")
    payment_refresh_status(payment=payment, by=None)
    assert payment.status == Status.FAILED and payment.failure_code == "P0010"


def test_refund_sends_amount_available(fake_pay, make_payment):
    payment, _ = make_payment()
    fake_pay.finish(payment.provider_payment_id, "success")
    payment_refresh_status(payment=payment, by=None)
    refund = payment_refund(payment=payment, amount_pence=1000, reason="Cancelled", by=None, idempotency_key="rf1")
    sent = fake_pay.requests[-1]
    assert sent["path"] == f"/v1/payments/{payment.provider_payment_id}/refunds"
    assert sent["body"] == {"amount": 1000, "refund_amount_available": 6500}
    assert sent["headers"]["Idempotency-Key"] == "rf1"
    assert refund.status == "submitted" and refund.provider_refund_id


def test_wrong_key_is_rejected_and_the_payment_marked_error(fake_pay, make_payment, settings):
    settings.GOVUK_PAY_API_KEY = "wrong"
    with pytest.raises(PaymentError, match="could not be started"):
        make_payment()
    assert Payment.objects.get().status == Status.ERROR


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_leave_a_retryable_payment(fake_pay, make_payment, status):
    fake_pay.fail_with = status
    with pytest.raises(PaymentError, match="not available"):
        make_payment(idempotency_key="again")
    payment = Payment.objects.get()
    assert payment.status == Status.CREATED and not payment.provider_payment_id
    fake_pay.fail_with = None
    again, next_url = make_payment(idempotency_key="again")
    assert again.pk == payment.pk and next_url.startswith("https://card.example/")


def test_refresh_survives_an_outage(fake_pay, make_payment):
    payment, _ = make_payment()
    fake_pay.fail_with = 503
    payment_refresh_status(payment=payment, by=None)
    assert payment.status == Status.CREATED


def test_timeout_is_a_provider_error():
    fake = FakePay()
    fake.delay = 1.0

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(5.0)  # far beyond the 0.2 s timeout, so a busy machine cannot blur the two
            try:
                self.send_response(200)
                self.end_headers()
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        provider = GovukPayProvider(base_url=f"http://127.0.0.1:{server.server_address[1]}", api_key=API_KEY,
                                    timeout=0.2)
        started = time.monotonic()
        with pytest.raises(ProviderError, match="could not be reached"):
            provider.get("abc")
        assert time.monotonic() - started < 3.0
    finally:
        server.shutdown()
        server.server_close()


def test_nobody_listening_is_a_provider_error():
    provider = GovukPayProvider(base_url="http://127.0.0.1:9", api_key=API_KEY, timeout=1)
    with pytest.raises(ProviderError):
        provider.get("abc")


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"{}", json.dumps({"payment_id": "x"}).encode(),
                                  b"{" + b" " * 1_000_001 + b"}"])
def test_malformed_answers_are_provider_errors(fake_pay, body):
    fake_pay.raw_body = body
    provider = GovukPayProvider(base_url=fake_pay.base_url, api_key=API_KEY)
    with pytest.raises(ProviderError):
        provider.get("abc")


def test_404_is_a_rejection(fake_pay):
    provider = GovukPayProvider(base_url=fake_pay.base_url, api_key=API_KEY)
    with pytest.raises(ProviderRejected):
        provider.get("missing")


def test_api_key_never_reaches_the_logs(fake_pay, make_payment, caplog, settings):
    settings.GOVUK_PAY_API_KEY = "wrong-secret-key"
    with pytest.raises(PaymentError):
        make_payment()
    assert "wrong-secret-key" not in caplog.text and API_KEY not in caplog.text


def test_sweeper_polls_govuk_pay(fake_pay, make_payment):
    from datetime import timedelta

    from django.utils import timezone

    from oxtom.payments.services import payments_sweep

    payment, _ = make_payment()
    fake_pay.finish(payment.provider_payment_id, "success")
    Payment.objects.update(created_at=timezone.now() - timedelta(minutes=20))
    assert payments_sweep() == {"checked": 1, "finished": 1, "expired_unsent": 0}
    payment.refresh_from_db()
    assert payment.status == Status.SUCCESS


def test_recurring_payments_send_govuk_pay_agreement_shapes(fake_pay, customer, thing):
    from oxtom.payments.models import AgreementStatus
    from oxtom.payments.services import agreement_cancel, agreement_create, payment_create, payment_take_by_agreement

    agreement = agreement_create(customer=customer, description="Renewals of your parking permit", by=None,
                                 idempotency_key="agreement:1")
    sent = fake_pay.requests[-1]
    assert (sent["method"], sent["path"]) == ("POST", "/v1/agreements")
    assert sent["body"] == {"reference": agreement.reference, "description": "Renewals of your parking permit",
                            "user_identifier": customer.reference}
    first = payment_create(customer=customer, amount_pence=6500, description="Permit", for_object=thing,
                           return_url="/account/", by=None, idempotency_key="first", set_up_agreement=agreement)
    assert fake_pay.requests[-1]["body"]["set_up_agreement"] == agreement.provider_agreement_id
    fake_pay.finish(first.payment.provider_payment_id, "success")
    payment_refresh_status(payment=first.payment, by=None)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE and agreement.card_last_four == "1111"

    later = payment_take_by_agreement(agreement=agreement, amount_pence=6500, description="Renewal", for_object=thing,
                                      by=None, idempotency_key="renewal:1")
    sent = fake_pay.requests[-1]
    assert sent["headers"]["Idempotency-Key"] == "renewal:1"
    assert sent["body"] == {"amount": 6500, "reference": later.reference, "description": "Renewal",
                            "agreement_id": agreement.provider_agreement_id, "authorisation_mode": "agreement",
                            "language": "en"}
    assert later.status == Status.SUBMITTED and later.provider_payment_id.startswith("agr0")
    fake_pay.finish(later.provider_payment_id, "success")
    assert payment_refresh_status(payment=later, by=None).status == Status.SUCCESS

    assert agreement_cancel(agreement=agreement, by=None, reason="Stopped by the payer")
    assert fake_pay.requests[-1]["path"] == f"/v1/agreements/{agreement.provider_agreement_id}/cancel"
    assert fake_pay.agreements[agreement.provider_agreement_id]["status"] == "cancelled"


def test_an_agreement_that_cannot_be_created_is_a_clear_refusal(fake_pay, customer):
    from oxtom.payments.services import agreement_create

    fake_pay.fail_with = 503
    with pytest.raises(PaymentError, match="cannot be set up just now"):
        agreement_create(customer=customer, description="Renewals", by=None, idempotency_key="agreement:down")
