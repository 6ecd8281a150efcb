"""The demo step gives John, Bea, Mike and Sue real work, and running it again makes nothing more."""
from __future__ import annotations

import pytest

from bas import demo
from bas.models import BasRequest
from oxtom.core.demo import DEMO_DOMAIN, DemoContext
from tests import factories as f

from .conftest import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_people(directorates, bas_team, env_bas_team, property_team, team, other_team):
    def user(local, roles, team_=None):
        made = f.UserFactory(email=f"{local}@{DEMO_DOMAIN}", full_name=local.title(), roles=roles)
        if team_ is not None:
            f.TeamMembershipFactory(team=team_, user=made)
        return made

    people = {
        "admin": user("admin", ["administrator"]),
        "bas.manager": user("bas.manager", ["bas_manager"], bas_team),
        "bas.officer": user("bas.officer", ["bas_officer"], bas_team),
        "bas.officer.2": user("bas.officer.2", ["bas_officer"], bas_team),
        "sue": user("sue", ["line_manager"], property_team),
        "adviser": user("adviser", ["adviser"], property_team),
        "officer": user("officer", ["officer"], team),
        "provision": user("provision", ["provision_officer"], property_team),
    }
    for code, name, days, team_ in (("minute-taking", "Minute taking", 3, None),
                                    ("diary-booking", "Diary and meeting booking", 2, None),
                                    ("presentations", "Presentations", 5, None),
                                    ("document-drafting", "Document drafting and formatting", 5, None),
                                    ("purchase-orders", "Purchase orders", 3, None),
                                    ("streetworks-notices", "Streetworks notices", 10, env_bas_team)):
        make_item(code, name, days=days, team=team_, default_team=bas_team)
    return people


def test_the_demo_gives_each_role_work_and_is_idempotent(demo_people):
    made = demo.bas_step(DemoContext(options={}))
    assert made > 0
    rows = {r.case.submission_key: r for r in BasRequest.objects.select_related("case", "case__assignee")}
    assert len(rows) == 7
    waiting = [r for r in rows.values() if r.case.assignee_id is None]
    assert len(waiting) == 2  # John has requests to allocate
    mike_sue = rows["demo-bas-3"]
    assert mike_sue.case.assignee.email.startswith("bas.officer.2@") and mike_sue.date_state == "proposed"
    assert rows["demo-bas-4"].date_state == "countered"  # Bea has a counter-proposal to answer
    assert rows["demo-bas-5"].delivered_at is not None and rows["demo-bas-5"].rating is None  # Sue rates it
    assert sum(1 for r in rows.values() if r.rating) == 2
    assert demo.bas_step(DemoContext(options={})) == 0
    assert BasRequest.objects.count() == 7


def test_the_demo_gives_the_bas_manager_what_the_set_up_journey_needs(demo_people, env_bas_team):
    """tests/bas/test_browser_bas_setup.py's journey, on the demo's data: John may set up menus and
    directorates, Sue's directorate is served by a BAS team, and another BAS team John leads can take it over."""
    from bas import configuration, services

    demo.bas_step(DemoContext(options={}))
    john, sue = demo_people["bas.manager"], demo_people["sue"]
    assert services.can_manage_menus(john)
    served_by = services.directorate_for(sue).bas_team
    choices = configuration.bas_team_choices()
    assert served_by in choices
    others = [t for t in choices if t != served_by and john.team_memberships.filter(team=t, is_leader=True).exists()]
    assert env_bas_team in others
