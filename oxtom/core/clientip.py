"""The client's address: the one place that reads it (rate limits, sign-in throttling, audit).

X-Forwarded-For is written by whoever sends the request, so it is believed only
as far as the proxies we run: with `TRUSTED_PROXY_COUNT = N` (N load balancers or
reverse proxies in front of the app, each appending the address it saw), the
client is the N-th entry from the right. Entries further left were written by
the client and are ignored; with N = 0 (the default: gunicorn faces the
internet, or the embedded server) the header is ignored altogether and the
socket's address (REMOTE_ADDR) is the client. A header with fewer entries than
N (a request that did not pass through every proxy) or an entry that is not an
IP address falls back to REMOTE_ADDR rather than to anything the client chose.
"""
from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _ip(text: str) -> str:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return ""


def client_ip(request: HttpRequest) -> str:
    """The address to count limits against and to record; 'unknown' if there is none."""
    remote = _ip(request.META.get("REMOTE_ADDR", "")) or "unknown"
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted <= 0 or not forwarded:
        return remote
    hops = [hop for hop in forwarded.split(",")]
    if len(hops) < trusted:
        return remote
    return _ip(hops[-trusted]) or remote
