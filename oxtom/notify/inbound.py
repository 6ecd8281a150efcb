"""Received text messages: reading Notify's callback and the handler registry.

Other apps react to replies by registering a handler, normally in their
AppConfig.ready():

    from oxtom.notify.inbound import register_inbound_handler

    @register_inbound_handler("renewals.reply-yes")
    def renew_on_yes(*, inbound, customer):
        if customer is None or inbound.message.strip().upper() != "YES":
            return False          # not mine
        ...                       # call a renewals service
        return True               # handled

Handlers run inside the transaction that stores the message, each in its
own savepoint: one that raises is rolled back and noted on the message,
and the next one is tried. A handler returns True when it acted, and then
no other handler sees the text: one text is one answer.

A handler that answers keywords we asked people to send (YES, CHANGE)
registers them with `keywords=`: it is asked first about texts starting
with them, and last about any other text (see `inbound_handlers`).
`is_keyword_reply()` lets free-text handlers (a reply to a case) leave
keyword texts alone. So a customer with a case waiting and a renewal open
can answer either, and one text never answers both.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone
from typing import Any, Callable, Iterable

from django.utils.dateparse import parse_datetime

Handler = Callable[..., Any]

_handlers: dict[str, Handler] = {}
_keywords: dict[str, frozenset[str]] = {}
# Words the networks and Notify act on themselves; never an answer to us.
CARRIER_KEYWORDS = frozenset({"STOP", "START", "UNSTOP", "HELP"})

MAX_BODY_BYTES = 16 * 1024
MAX_MESSAGE_CHARS = 2000


def register_inbound_handler(name: str, *, keywords: Iterable[str] = ()) -> Callable[[Handler], Handler]:
    """Register `name`; `keywords` are the first words it asked people to reply with."""
    def decorator(func: Handler) -> Handler:
        _handlers[name] = func
        _keywords[name] = frozenset(word.upper() for word in keywords)
        return func

    return decorator


def unregister_inbound_handler(name: str) -> None:
    _handlers.pop(name, None)
    _keywords.pop(name, None)


def inbound_handlers(text: str = "") -> list[tuple[str, Handler]]:
    """The handlers in the order they get to answer `text`, each group by name.

    First those that asked for the text's first word (YES goes to renewals);
    then free-text handlers, which act only on a text that can only be
    theirs (a reply naming a waiting case); last the keyword handlers again,
    whose catch-all for other words ("anything else means something has
    changed") must not take a text meant for someone more specific.
    """
    word = first_word(text)

    def turn(item: tuple[str, Handler]) -> tuple[int, str]:
        words = _keywords.get(item[0], frozenset())
        return (0 if word and word in words else 2 if words else 1), item[0]

    return sorted(_handlers.items(), key=turn)


def first_word(text: str) -> str:
    words = re.findall(r"[A-Za-z]+", text or "")
    return words[0].upper() if words else ""


def is_keyword_reply(text: str) -> bool:
    """True when the text starts with a word some handler asked for, or one the networks act on."""
    word = first_word(text)
    return bool(word) and (word in CARRIER_KEYWORDS or any(word in words for words in _keywords.values()))


class InboundPayloadError(ValueError):
    """The callback body is not a Notify inbound-SMS object; the message says what is wrong."""


@dataclass(frozen=True)
class InboundPayload:
    id: str
    source_number: str
    destination_number: str
    message: str
    date_received: datetime


def _text(data: dict, field: str, *, max_len: int, required: bool = True) -> str:
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise InboundPayloadError(f"{field} is required")
        return ""
    if not isinstance(value, str):
        raise InboundPayloadError(f"{field} must be a string")
    if len(value) > max_len:
        raise InboundPayloadError(f"{field} must be {max_len} characters or fewer")
    return value


def parse_inbound_payload(raw: bytes) -> InboundPayload:
    """Notify's shape: id, source_number, destination_number, message, date_received."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InboundPayloadError("Request body must be a JSON object") from None
    if not isinstance(data, dict):
        raise InboundPayloadError("Request body must be a JSON object")
    provider_id = _text(data, "id", max_len=64).strip()
    if not re.fullmatch(r"[A-Za-z0-9._:-]+", provider_id):
        raise InboundPayloadError("id must contain only letters, numbers, dots, dashes and colons")
    source = _text(data, "source_number", max_len=20).strip()
    if not re.fullmatch(r"\+?[0-9 ]{6,20}", source):
        raise InboundPayloadError("source_number must be a telephone number")
    destination = _text(data, "destination_number", max_len=20, required=False).strip()
    message = _text(data, "message", max_len=MAX_MESSAGE_CHARS)
    received_text = _text(data, "date_received", max_len=40)
    try:
        received = parse_datetime(received_text)
    except ValueError:
        received = None
    if received is None:
        raise InboundPayloadError("date_received must be a date and time like 2017-05-14T12:15:30.000000Z")
    if received.tzinfo is None:
        received = received.replace(tzinfo=dt_timezone.utc)  # Notify sends UTC
    return InboundPayload(provider_id, source, destination, message, received)
