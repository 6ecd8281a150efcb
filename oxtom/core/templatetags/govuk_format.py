"""`govuk_time`, `govuk_date`, `govuk_datetime` (oxtom.core.formats) and `pounds` (oxtom.core.money)
filters, built in to every template.

    {{ event.occurred_at|govuk_datetime }}        1 December 2026 at 6:18pm
    {{ message.created_at|govuk_datetime:"short" }} 1 Dec 2026 at 6:18pm
    {{ slot.starts_at|govuk_time }}               6:18pm
    {{ payment.amount_pence|pounds }}             £1,234.56 (|pounds:"whole" £1,235)
"""
from __future__ import annotations

from django import template

from oxtom.core import formats, money

register = template.Library()


@register.filter(expects_localtime=False)
def govuk_time(value):
    return formats.govuk_time(value)


@register.filter(expects_localtime=False)
def govuk_date(value, style="long"):
    return formats.govuk_date(value, style)


@register.filter(expects_localtime=False)
def govuk_datetime(value, style="long"):
    return formats.govuk_datetime(value, style)


@register.filter
def pounds(pence, whole=""):
    return money.pounds(pence, whole=bool(whole))
