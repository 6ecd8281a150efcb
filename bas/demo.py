"""Demo business admin work, so John (the BAS leader), Bea and Mike (officers) and Sue (a colleague in
Property Services) each have something to do on a fresh `make run`:

- requests waiting in the queue for John to allocate (Sue's minutes, Adam's meeting booking);
- Sue's presentation allocated to Mike, who has proposed a date for Sue to accept;
- Olive's streetworks notice with Bea, where Olive asked for another date for Bea to answer;
- Sue's document delivered by Bea and waiting for Sue's rating, and two rated requests for the figures.

Idempotent: each request carries a fixed submission key and is made once.
"""
from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from oxtom.accounts.models import Team, TeamMembership
from oxtom.accounts.services import team_member_add, team_member_set_role, team_member_set_team_role
from oxtom.cases.models import Case
from oxtom.core.calendar import add_working_days
from oxtom.core.demo import DemoContext

from . import services
from .models import Directorate, MenuItem, OfficerSkill
from .seed import DIRECTORATES

logger = logging.getLogger(__name__)

KEY = "demo-bas-{}"
BAS_TEAMS = ("business-admin-support", "bas-environment", "bas-people")


def demo_pdf() -> bytes:
    """A real one-page PDF (the uploads check parses it as a viewer would)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class _Upload:
    """A demo file as an upload (name and bytes)."""

    def __init__(self, name: str, content: bytes) -> None:
        self.name, self._content, self.size = name, content, len(content)

    def seek(self, _: int) -> None:
        pass

    def read(self, n: int = -1) -> bytes:
        return self._content if n < 0 else self._content[:n]


def _roles(ctx: DemoContext) -> int:
    """John leads the BAS teams; Bea and Mike are their officers (a role held in those teams only)."""
    people = ctx.users("bas.manager", "bas.officer", "bas.officer.2", "admin")
    admin = people.get("admin")
    if admin is None:
        return 0
    teams = {t.slug: t for t in Team.objects.filter(slug__in=BAS_TEAMS)}
    wanted = [("bas.manager", slug, "team_leader", True) for slug in BAS_TEAMS]
    wanted += [("bas.officer", "business-admin-support", "officer", False),
               ("bas.officer", "bas-environment", "officer", False),
               ("bas.officer.2", "business-admin-support", "officer", False),
               ("bas.officer.2", "bas-people", "officer", False)]
    changed = 0
    for who, slug, role, leader in wanted:
        user, team = people.get(who), teams.get(slug)
        if user is None or team is None:
            continue
        membership = TeamMembership.objects.filter(team=team, user=user).first()
        if membership is None:
            membership = team_member_add(team=team, user=user, is_leader=leader, by=admin)
            changed += 1
        if leader and not membership.is_leader:
            membership = team_member_set_role(membership=membership, is_leader=True, by=admin)
            changed += 1
        if membership.team_role != role:
            team_member_set_team_role(membership=membership, team_role=role, by=admin)
            changed += 1
    return changed


def _directorate_teams() -> None:
    for slug, _name, _team, members, _default in DIRECTORATES:
        directorate = Directorate.objects.filter(slug=slug).first()
        if directorate is not None:
            directorate.teams.add(*Team.objects.filter(slug__in=members))


def _skills(ctx: DemoContext) -> None:
    items = dict(MenuItem.objects.values_list("code", "pk"))
    people = ctx.users("bas.officer", "bas.officer.2")
    wanted = {"bas.officer.2": {"presentations": 3, "document-drafting": 3, "data-entry": 1},
              "bas.officer": {"presentations": 1, "minute-taking": 3, "diary-booking": 3, "document-drafting": 2,
                              "streetworks-notices": 2}}
    for who, levels in wanted.items():
        user = people.get(who)
        if user is None or OfficerSkill.objects.filter(user=user).exists():
            continue
        services.skills_set(levels={items[c]: level for c, level in levels.items() if c in items}, by=user)


def _ask(n: int, who, code: str, details: str, days: int):
    item = MenuItem.objects.filter(code=code).select_related("service").first()
    if who is None or item is None or Case.objects.filter(submission_key=KEY.format(n)).exists():
        return None
    return services.request_submit(item=item, details=details, by=who, submission_key=KEY.format(n),
                                   needed_by=add_working_days(timezone.localdate(), days))


def _in_place() -> bool:
    """Two queries: every demo request made and every demo team role held (a rerun then costs no more)."""
    from oxtom.core.demo import DEMO_DOMAIN

    if Case.objects.filter(submission_key__in=[KEY.format(n) for n in range(1, 8)]).count() < 7:
        return False
    emails = [f"{who}@{DEMO_DOMAIN}" for who in ("bas.manager", "bas.officer", "bas.officer.2")]
    held = TeamMembership.objects.filter(team__slug__in=BAS_TEAMS, user__email__in=emails).exclude(team_role="")
    return held.count() >= len(BAS_TEAMS) + 4


@transaction.atomic
def bas_step(ctx: DemoContext) -> int:
    if _in_place():
        return 0
    made = _roles(ctx)
    _directorate_teams()
    _skills(ctx)
    people = ctx.users("sue", "adviser", "officer", "provision", "bas.manager", "bas.officer", "bas.officer.2")
    sue, john, bea, mike = (people.get(k) for k in ("sue", "bas.manager", "bas.officer", "bas.officer.2"))
    if john is None:
        return made
    today = timezone.localdate()

    # Waiting for John to allocate.
    for n, who, code, details, days in (
        (1, sue, "minute-taking", "Minutes of the Property Services team meeting on Thursday, 10am, Room 2.", 4),
        (2, people.get("adviser"), "diary-booking",
         "A 90-minute review with the contact centre leads in the next fortnight, in person.", 8),
    ):
        made += _ask(n, who, code, details, days) is not None

    # Sue's presentation: with Mike, who proposed a date for Sue to accept.
    r = _ask(3, sue, "presentations", "Slides for a staff briefing on the new building safety rules: five key "
             "points, 15 minutes, for about 40 staff. I have the points in a note.", 5)
    if r is not None and mike is not None:
        r = services.request_allocate(bas_request=r, officer=mike, expected_version=r.case.version, by=john)
        services.request_message(bas_request=r, by=mike,
                                 text="Hi Sue, I can do a first draft for you to review. Could you send the note?")
        services.request_propose_date(bas_request=r, date=add_working_days(today, 3), expected_version=r.version,
                                      by=mike)
        made += 1

    # Olive's notice: with Bea; Olive asked for another date, Bea to answer.
    olive = people.get("officer")
    r = _ask(4, olive, "streetworks-notices", "A temporary traffic order notice for resurfacing on Mill Lane, "
             "Banbury, for three nights next month.", 10)
    if r is not None and bea is not None:
        r = services.request_allocate(bas_request=r, officer=bea, expected_version=r.case.version, by=john)
        r = services.request_propose_date(bas_request=r, date=add_working_days(today, 8), expected_version=r.version,
                                          by=bea)
        services.request_propose_date(bas_request=r, date=add_working_days(today, 6), expected_version=r.version,
                                      by=olive)
        made += 1

    # Delivered: Sue's document waits for her rating; two others were rated (the performance figures).
    for n, who, code, details, officer, rating in (
        (5, sue, "document-drafting", "A letter to tenants of the Banbury depot about the lease renewal.", bea, None),
        (6, people.get("provision"), "purchase-orders", "A purchase order for the road salt framework call-off.",
         bea, 5),
        (7, people.get("adviser"), "presentations", "Slides for the webchat training session.", mike, 4),
    ):
        r = _ask(n, who, code, details, 5)
        if r is None or officer is None:
            continue
        r = services.request_allocate(bas_request=r, officer=officer, expected_version=r.case.version, by=john)
        r = services.request_propose_date(bas_request=r, date=add_working_days(today, 2), expected_version=r.version,
                                          by=officer)
        r = services.request_accept_date(bas_request=r, expected_version=r.version, by=who)
        r = services.request_deliver(bas_request=r, note="Here it is, as we discussed.", expected_version=r.version,
                                     files=[_Upload(f"{code}.pdf", demo_pdf())], by=officer)
        if rating is not None:
            services.request_rate(bas_request=r, rating=rating, comment="Quick and just what I needed.", by=who)
        made += 1
    return made



