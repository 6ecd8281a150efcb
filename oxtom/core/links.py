"""The one source of absolute addresses on this site, for anything read away from it.

Emails, texts, letters, payment return addresses and API documents need absolute
URLs, and there is no request to take the host from when a worker sends them.
Every such link is built here from `settings.SITE_URL`: in production it is set
(and required); in the embedded default `make run` / scripts/run-embedded.sh set
it from the address the web server is started on, for the web server, the
worker, the scheduler and the demo seeding alike, so a link in an email opens
the site that sent it whatever port it runs on.
"""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def site_url() -> str:
    """The site's own root, without a trailing slash: 'https://www.example.gov.uk'."""
    return settings.SITE_URL.rstrip("/")


def site_host() -> str:
    """The host name alone (for Message-ID headers and the like)."""
    from urllib.parse import urlsplit

    return urlsplit(settings.SITE_URL).hostname or "oxtom.invalid"


def absolute_url(path: str) -> str:
    """'/account/' -> 'https://www.example.gov.uk/account/'. `path` must start with a slash."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"absolute_url needs a path that starts with '/', not {path!r}")
    return site_url() + path


def absolute_reverse(name: str, *args: object, **kwargs: object) -> str:
    """reverse() made absolute: the address of a named page for a message."""
    return absolute_url(reverse(name, args=args or None, kwargs=kwargs or None))
