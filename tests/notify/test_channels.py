"""Channels: file sinks write once, email goes through Django, Notify adapters speak Notify's API.

The Notify tests talk to a fake server on 127.0.0.1 started here; nothing
reaches the real Notify.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from oxtom.notify.channels import (
    ChannelError, Delivery, DjangoEmailChannel, FileLetterChannel, FileSmsChannel, NotifyEmailChannel, NotifySmsChannel,
    PermanentChannelError, channel_for, notify_jwt, split_notify_api_key, write_once,
)
from oxtom.notify.models import MessageTemplate, OutboundMessage

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"oxtom_test-{SERVICE_ID}-{SECRET}"


def message(channel="sms", **kwargs) -> OutboundMessage:
    defaults = dict(id=uuid.uuid4(), channel=channel, template_code="generic-update",
                    recipient="+447700900123" if channel == "sms" else "rose@example.org",
                    subject="Your permit", body="Your permit is ready.", context={"message": "Your permit is ready."})
    defaults.update(kwargs)
    return OutboundMessage(**defaults)


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


# --- file sinks -------------------------------------------------------------------

def test_write_once_creates_the_file_only_the_first_time(tmp_path):
    assert write_once(tmp_path, "a.json", b"first") is True
    assert write_once(tmp_path, "a.json", b"second") is False
    assert (tmp_path / "a.json").read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"], "no temporary files left behind"


def test_sms_file_sink_is_exactly_once_by_message_id(sinks):
    msg = message()
    first = FileSmsChannel().send(msg)
    second = FileSmsChannel().send(msg)
    assert (first.already_delivered, second.already_delivered) == (False, True)
    assert first.provider_reference == str(msg.id)
    files = list((sinks / "sms").iterdir())
    assert [f.name for f in files] == [f"{msg.id}.json"]
    assert json.loads(files[0].read_text())["body"] == "Your permit is ready."


def test_letter_sink_is_exactly_once_by_message_id(sinks):
    msg = message(channel="letter", recipient="Rose Baker\n1 High St\nOX28 6AA")
    FileLetterChannel().send(msg)
    assert FileLetterChannel().send(msg).already_delivered
    # One letter: its text and the PDF that would be posted (tests/notify/test_letters.py).
    assert sorted(p.suffix for p in (sinks / "letters").iterdir()) == [".pdf", ".txt"]


def test_concurrent_writers_of_one_message_produce_one_file(tmp_path):
    results = []
    barrier = threading.Barrier(8)

    def write():
        barrier.wait()
        results.append(write_once(tmp_path, "m.json", b"x"))

    threads = [threading.Thread(target=write) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1
    assert len(list(tmp_path.iterdir())) == 1


# --- Django email -------------------------------------------------------------------

def test_django_email_channel_sends_with_our_message_id_header(settings):
    msg = message(channel="email")
    delivery = DjangoEmailChannel().send(msg)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["rose@example.org"] and sent.subject == "Your permit"
    assert sent.extra_headers["Message-ID"] == delivery.provider_reference
    assert str(msg.id) in delivery.provider_reference and "rose" not in delivery.provider_reference


def test_django_email_backend_failure_is_a_retryable_channel_error(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # discard port: refused
    with pytest.raises(ChannelError) as err:
        DjangoEmailChannel().send(message(channel="email"))
    assert not isinstance(err.value, PermanentChannelError)
    assert "rose@" not in str(err.value)


# --- channel selection ---------------------------------------------------------------

def test_channel_for_follows_settings(settings):
    settings.EMAIL_CHANNEL, settings.SMS_CHANNEL = "django", "file"
    assert isinstance(channel_for("email"), DjangoEmailChannel)
    assert isinstance(channel_for("sms"), FileSmsChannel)
    assert isinstance(channel_for("letter"), FileLetterChannel)
    settings.EMAIL_CHANNEL, settings.SMS_CHANNEL = "notify", "notify"
    assert isinstance(channel_for("email"), NotifyEmailChannel)
    assert isinstance(channel_for("sms"), NotifySmsChannel)
    with pytest.raises(PermanentChannelError):
        channel_for("pigeon")


# --- GOV.UK Notify ---------------------------------------------------------------------

def test_jwt_is_hs256_signed_with_the_secret_and_names_the_service():
    token = notify_jwt(SERVICE_ID, SECRET, issued_at=1_700_000_000)
    header, payload, signature = token.split(".")
    assert json.loads(_unb64(header)) == {"typ": "JWT", "alg": "HS256"}
    assert json.loads(_unb64(payload)) == {"iss": SERVICE_ID, "iat": 1_700_000_000}
    expected = hmac.new(SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert _unb64(signature) == expected


def test_api_key_is_split_into_service_id_and_secret():
    assert split_notify_api_key(API_KEY) == (SERVICE_ID, SECRET)
    with pytest.raises(ChannelError):
        split_notify_api_key("not-a-key")


class FakeNotify:
    """A stand-in for Notify's API on 127.0.0.1: records requests, answers as told."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answer = (201, {"id": "740e5834-3a29-46b4-9a6f-16142fde533a"})
        self.lookup = {"notifications": []}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fake.requests.append({"method": "GET", "path": self.path})
                data = json.dumps(fake.lookup).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                fake.requests.append({
                    "path": self.path,
                    "authorization": self.headers.get("Authorization", ""),
                    "body": json.loads(self.rfile.read(length) or b"{}"),
                })
                status, body = fake.answer
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_notify(settings):
    server = FakeNotify()
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_BASE_URL = server.url
    settings.NOTIFY_SMS_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
    settings.NOTIFY_EMAIL_TEMPLATE_ID = "0f8f6cf0-3a33-4bcb-a7b2-3b4a2d0c3a11"
    yield server
    server.close()


@pytest.mark.django_db
def test_notify_sms_sends_our_message_id_as_the_reference(fake_notify):
    msg = message()
    delivery = NotifySmsChannel().send(msg)
    assert delivery.provider_reference == "740e5834-3a29-46b4-9a6f-16142fde533a"
    [request] = fake_notify.requests
    assert request["path"] == "/v2/notifications/sms"
    assert request["body"] == {
        "phone_number": "+447700900123",
        "template_id": "f33517ff-2a88-4f6e-b855-c550268ce08a",
        "personalisation": {"subject": "Your permit", "body": "Your permit is ready."},
        "reference": str(msg.id),
    }
    scheme, token = request["authorization"].split(" ")
    header, payload, signature = token.split(".")
    claims = json.loads(_unb64(payload))
    assert scheme == "Bearer" and claims["iss"] == SERVICE_ID and abs(claims["iat"] - time.time()) < 30
    assert _unb64(signature) == hmac.new(SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()


@pytest.mark.django_db
def test_notify_email_uses_the_templates_own_notify_template_when_set(fake_notify, templates):
    MessageTemplate.objects.filter(code="generic-update", channel="email").update(
        notify_template_id="aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
    msg = message(channel="email", context={"name": "Rose", "reference": 1234})
    NotifyEmailChannel().send(msg)
    body = fake_notify.requests[0]["body"]
    assert fake_notify.requests[0]["path"] == "/v2/notifications/email"
    assert body["email_address"] == "rose@example.org"
    assert body["template_id"] == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert body["personalisation"] == {"name": "Rose", "reference": "1234"}


@pytest.mark.django_db
def test_notify_400_is_permanent_and_quotes_notifys_reason(fake_notify):
    fake_notify.answer = (400, {"status_code": 400, "errors": [
        {"error": "ValidationError", "message": "phone_number Not a UK mobile number"}]})
    with pytest.raises(PermanentChannelError) as err:
        NotifySmsChannel().send(message())
    assert "Not a UK mobile number" in str(err.value)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [403, 429, 500, 503])
def test_notify_auth_rate_limit_and_server_errors_are_retryable(fake_notify, status):
    fake_notify.answer = (status, {"errors": [{"error": "X", "message": "try later"}]})
    with pytest.raises(ChannelError) as err:
        NotifySmsChannel().send(message())
    assert not isinstance(err.value, PermanentChannelError)
    assert str(status) in str(err.value)


@pytest.mark.django_db
def test_notify_unreachable_is_retryable(settings):
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_BASE_URL = "http://127.0.0.1:9"
    settings.NOTIFY_SMS_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
    with pytest.raises(ChannelError) as err:
        NotifySmsChannel().send(message())
    assert "Could not reach Notify" in str(err.value)


@pytest.mark.django_db
def test_notify_without_a_template_id_says_which_setting_is_missing(fake_notify, settings):
    settings.NOTIFY_SMS_TEMPLATE_ID = ""
    with pytest.raises(ChannelError, match="NOTIFY_SMS_TEMPLATE_ID"):
        NotifySmsChannel().send(message())
    assert fake_notify.requests == []


@pytest.mark.django_db
def test_notify_after_a_takeover_asks_by_reference_and_does_not_send_again(fake_notify):
    """A worker was killed mid-send: if Notify already holds a notification with our
    reference, that is the delivery; nothing is posted twice."""
    msg = message()
    msg.takeovers = 1
    fake_notify.lookup = {"notifications": [{"id": "11111111-2222-3333-4444-555555555555", "reference": str(msg.id)}]}
    delivery = NotifySmsChannel().send(msg)
    assert delivery == Delivery(provider_reference="11111111-2222-3333-4444-555555555555", already_delivered=True)
    [request] = fake_notify.requests
    assert request["method"] == "GET"
    assert request["path"] == f"/v2/notifications?reference={msg.id}&template_type=sms"


@pytest.mark.django_db
def test_notify_after_a_takeover_sends_when_notify_never_got_it(fake_notify):
    msg = message()
    msg.takeovers = 1
    delivery = NotifySmsChannel().send(msg)
    assert [r.get("method", "POST") for r in fake_notify.requests] == ["GET", "POST"]
    assert delivery.provider_reference == "740e5834-3a29-46b4-9a6f-16142fde533a" and not delivery.already_delivered


@pytest.mark.django_db
def test_notify_first_attempts_do_not_pay_for_a_lookup(fake_notify):
    NotifySmsChannel().send(message())
    assert [r["path"] for r in fake_notify.requests] == ["/v2/notifications/sms"]
