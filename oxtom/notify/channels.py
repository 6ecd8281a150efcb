"""Ways a message leaves the building.

What "never sent twice" means, honestly, per channel:

* File SMS sink and letter sink: **exactly once by message id.** The file is
  named by our message id and created with a hard link, which fails if it is
  already there, so a retry after a crash between "written" and "marked
  sent" finds the file and reports it delivered instead of writing another.
  The letter sink writes the PDF that would be posted beside the text.
* Django email (SMTP): **at least once, narrowed by the claim.** Only the
  worker holding the claim sends, and a second worker can only take over
  after the lease (longer than the task's hard time limit) has run out. A
  worker killed after the SMTP server accepted the message but before we
  recorded it will cause one more send. The Message-ID header carries our
  message id, so a duplicate is at least recognisable.
* GOV.UK Notify (email, SMS, letters): **at least once, narrowed by the claim and the
  reference.** Same window as SMTP; every request carries our message id as
  Notify's `reference`. Notify itself does not de-duplicate on reference, so
  when a claim is taken over from a worker that stopped mid-send
  (`message.takeovers`), the channel first asks Notify for notifications with
  that reference (GET /v2/notifications?reference=...) and sends only if there
  are none: a duplicate needs the crash to fall in the moment between Notify
  accepting the first request and indexing it.

A claim's lease is short (20 s) and renewed while the send is in progress, so
a killed worker's message goes to another worker within about half a minute;
`takeovers` on the row records each send that may have been a duplicate.

Provider references never contain personal data: they are our message id or
the provider's own id.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.module_loading import import_string

from oxtom.core.links import site_host

if TYPE_CHECKING:
    from .models import OutboundMessage


class ChannelError(Exception):
    """Sending failed but may work later (provider down, rate limited, timeout)."""


class PermanentChannelError(ChannelError):
    """Sending can never work as asked (e.g. the provider rejects the number): no retry."""


@dataclass(frozen=True)
class Delivery:
    provider_reference: str
    already_delivered: bool = False


class Channel:
    name = ""

    def send(self, message: "OutboundMessage") -> Delivery:  # pragma: no cover - interface
        raise NotImplementedError


# --- file sinks ----------------------------------------------------------------

def write_once(directory: Path, filename: str, content: bytes) -> bool:
    """Create directory/filename with `content` unless it exists. True if this call created it.

    Written to a temporary file, flushed to disk, then hard-linked into place:
    readers never see half a file, and the link fails if a previous attempt
    already delivered it.
    """
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / filename
    if final.exists():
        return False
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, final)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp)


class FileSmsChannel(Channel):
    """The embedded default: each text message is a JSON file named by message id under SMS_FILE_PATH."""

    name = "sms-file"

    def send(self, message: "OutboundMessage") -> Delivery:
        content = json.dumps(
            {
                "id": str(message.id),
                "to": message.recipient,
                "body": message.body,
                "template": message.template_code,
                "written_at": timezone.now().isoformat(),
            },
            indent=2,
        ).encode()
        created = write_once(Path(settings.SMS_FILE_PATH), f"{message.id}.json", content)
        return Delivery(provider_reference=str(message.id), already_delivered=not created)


class FileLetterChannel(Channel):
    """Letters are written for the print room, one file per message id (exactly once, like SMS).

    Beside the text, `<id>.pdf` is the letter as the Notify channel would post it (letters.py), so
    staff and developers see what a resident would get. The PDF is written first and the text last:
    the text's file is the "delivered" mark, so a crash between the two writes the text on the retry.
    """

    name = "letter-file"

    def send(self, message: "OutboundMessage") -> Delivery:
        from .letters import render_message_letter

        directory = Path(getattr(settings, "LETTER_FILE_PATH", Path(settings.VAR_DIR) / "letters"))
        if not (directory / f"{message.id}.txt").exists():
            write_once(directory, f"{message.id}.pdf", render_message_letter(message).content)
        content = f"{message.recipient}\n\n{message.subject}\n\n{message.body}\n".encode()
        created = write_once(directory, f"{message.id}.txt", content)
        return Delivery(provider_reference=str(message.id), already_delivered=not created)


class DjangoEmailChannel(Channel):
    """Email through whatever EMAIL_BACKEND is configured (file sink by default, SMTP in production)."""

    name = "email-django"

    def send(self, message: "OutboundMessage") -> Delivery:
        message_id = f"<{message.id}@{site_host()}>"
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"Message-ID": message_id},
        )
        try:
            email.send(fail_silently=False)
        except (OSError, ValueError) as exc:  # smtplib errors are OSError subclasses
            raise ChannelError(f"Email backend refused the message: {type(exc).__name__}") from exc
        return Delivery(provider_reference=message_id)


# --- GOV.UK Notify -------------------------------------------------------------

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def notify_jwt(service_id: str, secret: str, *, issued_at: int | None = None) -> str:
    """The bearer token Notify asks for: HS256, iss = service id, iat = now (seconds)."""
    header = _b64url(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())
    claims = {"iss": service_id, "iat": int(time.time()) if issued_at is None else issued_at}
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = _b64url(hmac.new(secret.encode(), signing_input, hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


def split_notify_api_key(api_key: str) -> tuple[str, str]:
    """A Notify key is '<name>-<service id (36)>-<secret (36)>'."""
    if len(api_key) < 74 or api_key[-37] != "-" or api_key[-74] != "-":
        raise ChannelError("NOTIFY_API_KEY is not in Notify's '<name>-<service id>-<secret>' form")
    return api_key[-73:-37], api_key[-36:]


class NotifyClient:
    """The two calls we need from Notify's v2 API, with urllib and no third-party client."""

    def __init__(self, *, api_key: str, base_url: str, timeout: float = 10.0):
        self.service_id, self.secret = split_notify_api_key(api_key)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", path, json.dumps(payload).encode())

    def get(self, path: str) -> dict[str, Any]:
        return self._call("GET", path, None)

    def _call(self, method: str, path: str, data: bytes | None) -> dict[str, Any]:
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {notify_jwt(self.service_id, self.secret)}",
                "Content-Type": "application/json",
                "User-Agent": "oxtom-notify/1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = _notify_error_text(exc)
            if exc.code == 400:
                raise PermanentChannelError(f"Notify rejected the request (400): {detail}") from None
            raise ChannelError(f"Notify answered {exc.code}: {detail}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise ChannelError(f"Could not reach Notify: {type(exc).__name__}") from None
        except ValueError:
            raise ChannelError("Notify's answer was not JSON") from None


def _notify_error_text(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read(4096) or b"{}")
        return "; ".join(f"{e.get('error')}: {e.get('message')}" for e in body.get("errors", []))[:300]
    except (ValueError, AttributeError, OSError):
        return ""


class _NotifyChannel(Channel):
    path = ""
    address_field = ""
    template_setting = ""

    def client(self) -> NotifyClient:
        return NotifyClient(api_key=settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL)

    def _template_and_personalisation(self, message: "OutboundMessage") -> tuple[str, dict[str, str]]:
        from .models import MessageTemplate

        own = (
            MessageTemplate.objects.filter(code=message.template_code, channel=message.channel)
            .values_list("notify_template_id", flat=True).first()
        )
        if own:
            return own, {k: str(v) for k, v in (message.context or {}).items()}
        passthrough = getattr(settings, self.template_setting, "") or os.environ.get(self.template_setting, "")
        if not passthrough:
            raise ChannelError(f"No Notify template for {message.template_code}: set {self.template_setting}")
        return passthrough, {"subject": message.subject, "body": message.body}

    def already_sent(self, client: NotifyClient, message: "OutboundMessage") -> str:
        """Notify's id for a notification already made with this message's reference, or ''."""
        from urllib.parse import urlencode

        query = urlencode({"reference": str(message.id), "template_type": message.channel})
        found = client.get(f"/v2/notifications?{query}").get("notifications") or []
        return str(found[0].get("id", ""))[:100] if found else ""

    def send(self, message: "OutboundMessage") -> Delivery:
        template_id, personalisation = self._template_and_personalisation(message)
        client = self.client()
        if getattr(message, "takeovers", 0):
            # A worker stopped while sending this one: Notify may already have it.
            existing = self.already_sent(client, message)
            if existing:
                return Delivery(provider_reference=existing, already_delivered=True)
        answer = client.post(
            self.path,
            {
                self.address_field: message.recipient,
                "template_id": template_id,
                "personalisation": personalisation,
                "reference": str(message.id),
            },
        )
        return Delivery(provider_reference=str(answer.get("id", ""))[:100])


class NotifyEmailChannel(_NotifyChannel):
    name = "email-notify"
    path = "/v2/notifications/email"
    address_field = "email_address"
    template_setting = "NOTIFY_EMAIL_TEMPLATE_ID"


class NotifySmsChannel(_NotifyChannel):
    name = "sms-notify"
    path = "/v2/notifications/sms"
    address_field = "phone_number"
    template_setting = "NOTIFY_SMS_TEMPLATE_ID"


class NotifyLetterChannel(_NotifyChannel):
    """A letter through GOV.UK Notify as a precompiled PDF: POST /v2/notifications/letter with the PDF in
    base64 as `content`, our message id as `reference` and the postage class.

    Precompiled rather than a Notify letter template with address_line_1..7 personalisation: the platform
    renders the letter itself (letters.py), so what is posted is byte for byte what the file sink shows
    staff, the council's letterhead and layout live in our code, not in a template kept in step by hand in
    Notify's admin, and the wording stays the administrator's MessageTemplate on our side, as it is for
    emails and texts. (Notify's precompiled letters go to the same path as templated ones; the body says
    which.) Notify reads the address from the PDF's window, so the address is only in the PDF.

    Refused before sending, as permanent errors: an address of fewer than 3 lines (Notify's minimum: the
    letter could not be delivered) and a letter over 10 pages (Notify's maximum).
    """

    name = "letter-notify"
    path = "/v2/notifications/letter"

    def send(self, message: "OutboundMessage") -> Delivery:
        from .letters import MAX_PAGES, render_message_letter

        letter = render_message_letter(message)
        if len(letter.address) < 3:
            raise PermanentChannelError("The postal address has fewer than 3 lines: Notify cannot post it")
        if letter.pages > MAX_PAGES:
            raise PermanentChannelError(f"The letter is {letter.pages} pages; Notify posts at most {MAX_PAGES}")
        client = self.client()
        if getattr(message, "takeovers", 0):
            existing = self.already_sent(client, message)
            if existing:
                return Delivery(provider_reference=existing, already_delivered=True)
        answer = client.post(self.path, {
            "reference": str(message.id),
            "content": base64.b64encode(letter.content).decode("ascii"),
            "postage": settings.NOTIFY_LETTER_POSTAGE,
        })
        return Delivery(provider_reference=str(answer.get("id", ""))[:100])


def channel_for(channel: str) -> Channel:
    """The sender for a message channel, chosen by settings.

    NOTIFY_CHANNEL_CLASSES (optional, {"sms": "dotted.Path"}) replaces one;
    the real-worker tests use it for a slow or always-failing channel.
    """
    override = (getattr(settings, "NOTIFY_CHANNEL_CLASSES", None) or {}).get(channel)
    if override:
        return import_string(override)()
    if channel == "email":
        return NotifyEmailChannel() if settings.EMAIL_CHANNEL == "notify" else DjangoEmailChannel()
    if channel == "sms":
        return NotifySmsChannel() if settings.SMS_CHANNEL == "notify" else FileSmsChannel()
    if channel == "letter":
        return NotifyLetterChannel() if settings.LETTER_CHANNEL == "notify" else FileLetterChannel()
    raise PermanentChannelError(f"Unknown channel {channel!r}")
