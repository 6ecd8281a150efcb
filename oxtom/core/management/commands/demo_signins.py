"""Print where the embedded demo is running, one sign-in per role, and who works each team (make run calls this)."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from django.core.management.base import BaseCommand, CommandError

from oxtom.accounts.models import Team, TeamMembership, User
from oxtom.accounts.roles import ROLES_BY_CODE
from oxtom.core.demo import demo_listings
from oxtom.core.links import site_url

from .seed_demo import ALL_DEMO_SIGN_INS, DEMO_PASSWORD, DEMO_SIGN_INS


class Command(BaseCommand):
    help = "Print the site URL, the demo sign-in for each role and each team's officer and leader (from seed_demo)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=None, help="where the site is running (default: the site's own address)")

    def handle(self, *args, **opts):
        url = opts["url"] or site_url() + "/"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CommandError(f"{url!r} is not an http(s) URL")
        base = url if url.endswith("/") else url + "/"
        emails = [s.email for s in ALL_DEMO_SIGN_INS]
        existing = set(User.objects.filter(email__in=emails, is_active=True).values_list("email", flat=True))
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
        extras = [s for s in ALL_DEMO_SIGN_INS if s not in DEMO_SIGN_INS and not s.team and s.email in existing]
        if extras:
            self.stdout.write("More sign-ins (a second person for the two-person rules):")
            for sign_in in extras:
                role = ROLES_BY_CODE[sign_in.role].name
                self.stdout.write(f"  {role:<{width}}  {sign_in.email:<36}  then {urljoin(base, sign_in.area.lstrip('/'))}")
        self._teams(existing, base)
        for line in demo_listings(base):  # each app's own demo credentials (oxtom/core/demo.py)
            self.stdout.write(line)
        self.stdout.write("Sign in at " + urljoin(base, "accounts/login/") + "\n")

    def _teams(self, existing: set[str], base: str) -> None:
        """Each team with its demo members (officers first, then its leader), so a tester knows who works what."""
        members: dict[int, list[tuple[bool, str]]] = {}
        for team_id, email, leader in (TeamMembership.objects.filter(user__email__in=existing)
                                       .values_list("team_id", "user__email", "is_leader")):
            members.setdefault(team_id, []).append((leader, email))
        teams = [t for t in Team.objects.order_by("name") if t.pk in members]
        if not teams:
            return
        self.stdout.write("Who works each team (the team leader leads every team; queues at "
                          + urljoin(base, "staff/queues/") + "):")
        width = max(len(t.name) for t in teams)
        for team in teams:
            people = sorted(members[team.pk])
            officers = ", ".join(email for leader, email in people if not leader) or "nobody yet"
            leaders = ", ".join(email for leader, email in people if leader) or "no leader"
            self.stdout.write(f"  {team.name:<{width}}  staff: {officers:<44}  leader: {leaders}")
