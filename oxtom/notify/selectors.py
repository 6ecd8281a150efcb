"""Reads for notification pages. Staff pages show masked recipients only."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime

from .models import InboundSms, OutboundMessage


def dead_messages(user=None) -> QuerySet[OutboundMessage]:
    """Messages that were given up on, newest first, for the staff page and admin.

    Given `user`, only those they may see (least privilege, as the customer record):
    everyone's for the whole-index roles (advisers, business admin), else only the
    messages to customers behind their own work (customers_for_user); messages to
    staff addresses (no customer: alerts that name staff and their reasons) only
    for the whole-index roles.
    """
    rows = (
        OutboundMessage.objects.filter(status=OutboundMessage.Status.DEAD)
        .select_related("customer")
        .order_by("-created_at")
    )
    if user is None:
        return rows
    from oxtom.customers.selectors import customers_for_user, sees_every_customer

    if sees_every_customer(user):
        return rows
    return rows.filter(customer__in=customers_for_user(user))


def template_names(messages: list[OutboundMessage]) -> dict[tuple[str, str], str]:
    """{(template code, channel): template name} for these messages, in one query (lists show names, not codes)."""
    from .models import MessageTemplate

    codes = {m.template_code for m in messages}
    if not codes:
        return {}
    return {(t["code"], t["channel"]): t["name"]
            for t in MessageTemplate.objects.filter(code__in=codes).values("code", "channel", "name")}


def recent_outbox(limit: int = 50) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.select_related("customer").order_by("-created_at")[:limit])


def recent_inbound(limit: int = 20) -> list[InboundSms]:
    return list(InboundSms.objects.select_related("customer").order_by("-received_at", "-id")[:limit])


def mask_recipient(recipient: str) -> str:
    """Enough to recognise, not enough to read out: 'a••••@example.org', '+44••••••0123', first line of address."""
    if not recipient:
        return ""
    if "@" in recipient:
        local, _, domain = recipient.partition("@")
        return f"{local[:1]}••••@{domain}"
    if recipient.startswith("+"):
        return f"{recipient[:3]}••••••{recipient[-4:]}"
    return recipient.splitlines()[-1]  # a postal address: just the postcode


@dataclass(frozen=True)
class SinkedSms:
    id: str
    to: str
    body: str
    written_at: datetime | None


def sms_sink(limit: int = 50) -> list[SinkedSms]:
    """The newest text messages in the file sink (the embedded default's 'phone')."""
    directory = Path(settings.SMS_FILE_PATH)
    if not directory.is_dir():
        return []
    entries = sorted(
        (e for e in os.scandir(directory) if e.name.endswith(".json") and e.is_file()),
        key=lambda e: e.stat().st_mtime,
        reverse=True,
    )[:limit]
    found = []
    for entry in entries:
        try:
            data = json.loads(Path(entry.path).read_text())
        except (OSError, ValueError):
            continue
        try:
            written = parse_datetime(str(data.get("written_at", "")))
        except ValueError:
            written = None
        found.append(SinkedSms(str(data.get("id", "")), str(data.get("to", "")), str(data.get("body", "")), written))
    return found
