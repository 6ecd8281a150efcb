"""Letters: the PDF as Notify's precompiled letters need it, the file sink's copy, and the Notify letter channel.

The Notify tests talk to the same fake Notify on 127.0.0.1 as the email and SMS channels' tests
(tests/notify/test_channels.py); nothing reaches the real Notify.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import json
import uuid

import pytest
from pypdf import PdfReader

from oxtom.core import pdf as core_pdf
from oxtom.notify.channels import (
    ChannelError, Delivery, FileLetterChannel, NotifyLetterChannel, PermanentChannelError, channel_for,
)
from oxtom.notify.letters import (
    ADDRESS_BOTTOM, ADDRESS_LEFT, ADDRESS_RIGHT, ADDRESS_TOP, BODY_TOP, MAX_PAGES, address_lines, render_letter,
)
from oxtom.notify.models import OutboundMessage
from tests.notify.test_channels import API_KEY, SECRET, SERVICE_ID, FakeNotify, _unb64

ADDRESS = "Rose Baker\n1 High Street\nWitney\nOX28 6AA"
MM = 72 / 25.4  # PDF points per millimetre


def letter(**kwargs) -> OutboundMessage:
    defaults = dict(id=uuid.uuid4(), channel="letter", template_code="generic-update", recipient=ADDRESS,
                    subject="Your parking permit", body="Dear Rose Baker,\n\nYour permit is ready.\n\nYours sincerely",
                    context={"reference": "PP-1234"})
    defaults.update(kwargs)
    return OutboundMessage(**defaults)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def placed_text(content: bytes) -> list[tuple[float, float, str]]:
    """(mm from the left, mm from the top, text) of every text run on the first page."""
    runs: list[tuple[float, float, str]] = []
    page = PdfReader(io.BytesIO(content)).pages[0]
    height = float(page.mediabox.height)

    def visit(text, cm, tm, font, size):
        if text.strip():
            x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
            runs.append((x / MM, (height - y) / MM, text.strip()))

    page.extract_text(visitor_text=visit)
    return runs


def render(**kwargs):
    args = dict(recipient=ADDRESS, subject="Your parking permit", body="Your permit is ready.", on=dt.date(2026, 12, 4))
    args.update(kwargs)
    return render_letter(**args)


# --- the PDF ------------------------------------------------------------------------

def test_the_letter_is_an_a4_pdf_with_the_council_the_date_the_subject_and_the_body():
    rendered = render(reference="PP-1234")
    assert rendered.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(rendered.content))
    assert len(reader.pages) == rendered.pages == 1
    box = reader.pages[0].mediabox
    assert round(float(box.width) / MM) == 210 and round(float(box.height) / MM) == 297
    text = pdf_text(rendered.content)
    for expected in ("Oxfordshire County Council", "County Hall", "OX1 1ND", "4 December 2026", "Our reference PP-1234",
                     "Rose Baker", "1 High Street", "OX28 6AA", "Your parking permit", "Your permit is ready."):
        assert expected in text


def test_the_address_alone_is_in_the_envelope_window_and_the_letter_starts_below_it():
    runs = placed_text(render().content)
    in_window = [t for x, y, t in runs
                 if ADDRESS_LEFT <= x <= ADDRESS_RIGHT and ADDRESS_TOP <= y <= ADDRESS_BOTTOM]
    assert in_window == ["Rose Baker", "1 High Street", "Witney", "OX28 6AA"]
    for x, y, text in runs:
        assert 15 <= x <= 195 and 5 <= y <= 292, f"{text!r} outside the printable area at {x:.1f}, {y:.1f} mm"
    subject = [y for x, y, t in runs if t == "Your parking permit"]
    assert subject and subject[0] >= BODY_TOP


def test_council_address_comes_from_settings(settings):
    settings.COUNCIL_POSTAL_ADDRESS = ["Speedwell House", "Speedwell Street", "Oxford", "OX1 1NE"]
    text = pdf_text(render().content)
    assert "Speedwell House" in text and "County Hall" not in text


def test_a_long_letter_runs_on_with_page_numbers():
    rendered = render(body="\n\n".join(["A paragraph of the letter that goes on for a while. " * 8] * 30))
    assert rendered.pages > 1
    text = pdf_text(rendered.content)
    assert f"Page 1 of {rendered.pages}" in text and f"Page {rendered.pages} of {rendered.pages}" in text


HOSTILE = [
    "<script>alert('x')</script> <b>bold</b> **not markdown** ((placeholder))",
    "nul\x00 bell\x07 escape\x1b[31m form\x0c vertical\x0b del\x7f c1\x85",
    "right-to-left \u202eoverride\u202c and zero\u200bwidth\ufeff",
    "x" * 5000,
    "Zoë Łukasz Ærøskøbing Đorđe Ελληνικά Кириллица",
    "日本語のテキスト 中文 한국어 العربية עברית हिन्दी 🙂🚗",
    "tab\there\r\nwindows line\rold mac line",
    "\ud800 lone surrogate",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_never_breaks_the_letter(hostile):
    rendered = render(recipient=f"{hostile[:80]}\n1 High Street\nOX28 6AA", subject=hostile[:200], body=hostile)
    text = pdf_text(rendered.content)
    assert "1 High Street" in text and "OX28 6AA" in text
    for gone in ("\x00", "\x07", "\x1b", "\u202e", "\u200b", "\ufeff", "\ud800"):
        assert gone not in text


def test_markup_is_printed_as_typed_not_interpreted():
    text = pdf_text(render(body="<b>bold</b> & <script>x</script>").content)
    assert "<b>bold</b> & <script>x</script>" in text


def test_a_5000_character_word_is_broken_to_fit_the_page():
    runs = placed_text(render(body="y" * 5000).content)
    assert sum(t.count("y") for x, y, t in runs) > 1000  # printed, on the first page and beyond
    assert all(x <= 195 for x, y, t in runs)


def test_characters_the_font_has_are_kept_and_the_rest_become_question_marks():
    text = pdf_text(render(body="Zoë Łukasz Ελληνικά Кириллица 日本").content)
    assert "Zoë Łukasz Ελληνικά Кириллица" in text  # the bundled DejaVu Sans draws these
    assert "日本" not in text and "??" in text


def test_without_a_unicode_font_text_is_narrowed_to_latin_1(monkeypatch):
    monkeypatch.setattr(core_pdf, "FONT_DIRS", [])  # only the PDF's built-in Helvetica
    rendered = render(recipient="Đorđe Łukasz\n1 High Street\nOX28 6AA", body="Zoë “quoted” Ελληνικά 日本 ő")
    text = pdf_text(rendered.content)
    assert "Zoë" in text and "o" in text and "1 High Street" in text
    assert "Ελληνικά" not in text and "日本" not in text


def test_address_lines_are_cleaned_and_capped_at_seven_with_the_postcode_last(settings):
    class Plain:
        def __call__(self, value):
            return str(value)

    lines = address_lines("  Rose   Baker \n\n, Flat 2\n@1 High Street\n2\n3\n4\n5\n6\nOX28 6AA", Plain())
    assert lines[0] == "Rose Baker" and lines[1] == "Flat 2" and lines[2] == "1 High Street"
    assert len(lines) == 7 and lines[-1] == "OX28 6AA" and lines[-2] == "4, 5, 6"


def test_a_very_long_address_line_is_cut_inside_the_window():
    runs = placed_text(render(recipient="R" * 300 + "\n1 High Street\nOX28 6AA").content)
    first = [t for x, y, t in runs if t.startswith("RRR")]
    assert first and first[0].endswith("...") and len(first[0]) < 100


# --- the file sink -------------------------------------------------------------------

def test_the_file_sink_writes_the_pdf_beside_the_text_once(sinks):
    msg = letter()
    assert not FileLetterChannel().send(msg).already_delivered
    assert FileLetterChannel().send(msg).already_delivered
    folder = sinks / "letters"
    assert sorted(p.name for p in folder.iterdir()) == [f"{msg.id}.pdf", f"{msg.id}.txt"]
    text = pdf_text((folder / f"{msg.id}.pdf").read_bytes())
    assert "Rose Baker" in text and "Your permit is ready." in text and "PP-1234" in text


def test_the_file_sink_finishes_a_letter_whose_text_a_crash_left_unwritten(sinks):
    msg = letter()
    folder = sinks / "letters"
    folder.mkdir()
    (folder / f"{msg.id}.pdf").write_bytes(b"%PDF- from the first attempt")
    assert not FileLetterChannel().send(msg).already_delivered
    assert (folder / f"{msg.id}.txt").exists()
    assert (folder / f"{msg.id}.pdf").read_bytes() == b"%PDF- from the first attempt"


# --- GOV.UK Notify's letters -----------------------------------------------------------

@pytest.fixture
def fake_notify(settings):
    server = FakeNotify()
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_BASE_URL = server.url
    settings.NOTIFY_LETTER_POSTAGE = "second"
    yield server
    server.close()


def test_channel_for_letters_follows_letter_channel(settings):
    settings.LETTER_CHANNEL = "file"
    assert isinstance(channel_for("letter"), FileLetterChannel)
    settings.LETTER_CHANNEL = "notify"
    assert isinstance(channel_for("letter"), NotifyLetterChannel)


@pytest.mark.django_db
def test_notify_letter_posts_the_pdf_with_our_reference_and_postage(fake_notify):
    msg = letter()
    delivery = NotifyLetterChannel().send(msg)
    assert delivery == Delivery(provider_reference="740e5834-3a29-46b4-9a6f-16142fde533a")
    [request] = fake_notify.requests
    assert request["path"] == "/v2/notifications/letter"
    body = request["body"]
    assert set(body) == {"reference", "content", "postage"}
    assert body["reference"] == str(msg.id) and body["postage"] == "second"
    content = base64.b64decode(body["content"], validate=True)
    text = pdf_text(content)
    assert "Rose Baker" in text and "OX28 6AA" in text and "Your permit is ready." in text
    # No personal data outside the PDF: the reference is our message id.
    assert "Rose" not in json.dumps({k: v for k, v in body.items() if k != "content"})
    scheme, token = request["authorization"].split(" ")
    header, payload, signature = token.split(".")
    assert scheme == "Bearer" and json.loads(_unb64(payload))["iss"] == SERVICE_ID
    assert _unb64(signature) == hmac.new(SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()


@pytest.mark.django_db
def test_notify_letter_postage_follows_settings(fake_notify, settings):
    settings.NOTIFY_LETTER_POSTAGE = "first"
    NotifyLetterChannel().send(letter())
    assert fake_notify.requests[0]["body"]["postage"] == "first"


@pytest.mark.django_db
def test_notify_rejecting_the_letter_is_permanent_and_quotes_the_reason(fake_notify):
    fake_notify.answer = (400, {"status_code": 400, "errors": [
        {"error": "ValidationError", "message": "Letter content is not a valid PDF"}]})
    with pytest.raises(PermanentChannelError, match="not a valid PDF"):
        NotifyLetterChannel().send(letter())


@pytest.mark.django_db
@pytest.mark.parametrize("status", [403, 429, 500, 503])
def test_notify_letter_auth_rate_limit_and_server_errors_are_retryable(fake_notify, status):
    fake_notify.answer = (status, {"errors": [{"error": "X", "message": "try later"}]})
    with pytest.raises(ChannelError) as err:
        NotifyLetterChannel().send(letter())
    assert not isinstance(err.value, PermanentChannelError) and str(status) in str(err.value)
    assert "Rose" not in str(err.value)


@pytest.mark.django_db
def test_notify_letter_unreachable_is_retryable(settings):
    settings.NOTIFY_API_KEY, settings.NOTIFY_BASE_URL = API_KEY, "http://127.0.0.1:9"
    with pytest.raises(ChannelError, match="Could not reach Notify") as err:
        NotifyLetterChannel().send(letter())
    assert not isinstance(err.value, PermanentChannelError)


@pytest.mark.django_db
def test_an_address_notify_cannot_post_or_an_over_long_letter_is_refused_before_sending(fake_notify):
    with pytest.raises(PermanentChannelError, match="fewer than 3 lines"):
        NotifyLetterChannel().send(letter(recipient="Rose Baker\nOX28 6AA"))
    with pytest.raises(PermanentChannelError, match=f"at most {MAX_PAGES}"):
        NotifyLetterChannel().send(letter(body="\n\n".join(["A long paragraph. " * 60] * 60)))
    assert fake_notify.requests == []


@pytest.mark.django_db
def test_notify_letter_after_a_takeover_asks_by_reference_and_does_not_post_twice(fake_notify):
    msg = letter()
    msg.takeovers = 1
    fake_notify.lookup = {"notifications": [{"id": "11111111-2222-3333-4444-555555555555"}]}
    delivery = NotifyLetterChannel().send(msg)
    assert delivery == Delivery(provider_reference="11111111-2222-3333-4444-555555555555", already_delivered=True)
    [request] = fake_notify.requests
    assert request["path"] == f"/v2/notifications?reference={msg.id}&template_type=letter"


@pytest.mark.django_db
def test_notify_letter_through_the_outbox_is_sent_and_recorded(fake_notify, settings, templates, enqueued):
    from oxtom.notify.services import message_dispatch, notification_queue
    from tests import factories as f

    settings.LETTER_CHANNEL = "notify"
    customer = f.CustomerFactory(first_name="Rose", last_name="Baker", email="", phone="", preferred_channel="post",
                                 address_line_1="1 High Street", town="Witney", postcode="OX28 6AA")
    message = notification_queue(customer=customer, template="generic-update", by=None, idempotency_key="letter:1",
                                 context={"name": "Rose Baker", "subject": "Your permit", "message": "It is ready.",
                                          "reference": "PP-1"})
    assert message.channel == "letter"
    assert message_dispatch(message_id=message.pk).outcome == "sent"
    message.refresh_from_db()
    assert message.status == "sent" and message.provider_reference == "740e5834-3a29-46b4-9a6f-16142fde533a"
    assert "It is ready." in pdf_text(base64.b64decode(fake_notify.requests[0]["body"]["content"]))
