"""Print where the embedded demo is running and one sign-in per role (make run calls this)."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from django.core.management.base import BaseCommand, CommandError

from oxtom.accounts.models import User
from oxtom.accounts.roles import ROLES_BY_CODE
from oxtom.core.links import site_url

from .seed_demo import DEMO_PASSWORD, DEMO_SIGN_INS


class Command(BaseCommand):
    help = "Print the site URL and the demo sign-in for each role (created by seed_demo)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=None, help="where the site is running (default: the site's own address)")

    def handle(self, *args, **opts):
        url = opts["url"] or site_url() + "/"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CommandError(f"{url!r} is not an http(s) URL")
        base = url if url.endswith("/") else url + "/"
        existing = set(User.objects.filter(email__in=[s.email for s in DEMO_SIGN_INS], is_active=True)
                       .values_list("email", flat=True))
        self.stdout.write(f"\nOxTOM is running at {base}\n")
        if not existing:
            self.stdout.write("No demo sign-ins yet: run `manage.py seed_demo` to create them.\n")
            return
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD})\n")
        width = max(len(ROLES_BY_CODE[s.role].name) for s in DEMO_SIGN_INS)
        for sign_in in DEMO_SIGN_INS:
            if sign_in.email not in existing:
                continue
            role = ROLES_BY_CODE[sign_in.role].name
            self.stdout.write(f"  {role:<{width}}  {sign_in.email:<36}  then {urljoin(base, sign_in.area.lstrip('/'))}")
        self.stdout.write("Sign in at " + urljoin(base, "accounts/login/") + "\n")
