"""The FOI demo step: a request answered for a resident with an account, who can ask for an internal review
online on a fresh `make run`; the demo listing says who and where; running the step again makes nothing."""
from __future__ import annotations

import pytest

from bas.foi import demo, services
from bas.foi.models import FoiRequest, InternalReview, PublishedResponse
from oxtom.core.demo import DEMO_DOMAIN, DemoContext
from tests import factories as f


@pytest.fixture
def demo_people(foi_setup):
    team = foi_setup["team"]
    people = {}
    for part, roles in (("foi", ["foi_coordinator"]), ("disclosure", ["disclosure_officer"]),
                        ("resident.07", ["resident"])):
        people[part] = f.UserFactory(email=f"{part}@{DEMO_DOMAIN}", roles=roles)
        if part != "resident.07":
            f.TeamMembershipFactory(team=team, user=people[part], team_role="")
    return people


@pytest.mark.django_db
def test_demo_requester_can_ask_for_a_review_and_the_step_is_idempotent(demo_people):
    made = demo.foi_step(DemoContext(options={}))
    assert made > 1 and PublishedResponse.objects.filter(reference=demo.MARKER).exists()
    ready = FoiRequest.objects.select_related("case__customer").get(case__submission_key=demo.REVIEW_READY_KEY)
    assert ready.case.customer.user == demo_people["resident.07"] and ready.stage == "sent"
    assert services.review_refusal(ready) == ""
    lines = demo.demo_listing("http://127.0.0.1:8000/")
    assert f"resident.07@{DEMO_DOMAIN}" in lines[1]
    assert f"http://127.0.0.1:8000/foi/my-requests/{ready.case.reference}/review/" in lines[1]
    before = (FoiRequest.objects.count(), InternalReview.objects.count())
    assert demo.foi_step(DemoContext(options={})) == 0
    assert (FoiRequest.objects.count(), InternalReview.objects.count()) == before
    # Once the review is asked for, the listing no longer offers it.
    services.foi_review_open(request=ready, grounds="Demo", by=demo_people["resident.07"], online=True)
    assert "my-requests" not in "".join(demo.demo_listing("http://127.0.0.1:8000/"))


@pytest.mark.django_db
def test_the_demo_has_an_answered_request_from_someone_without_an_account(demo_people, client_for):
    """Its response email (in the outbox, so in var/mail/ once sent) links to the review page, no sign-in."""
    import re

    from oxtom.notify.models import OutboundMessage

    demo.foi_step(DemoContext(options={}))
    made = FoiRequest.objects.select_related("case__customer").get(case__submission_key=demo.LINK_REVIEW_KEY)
    assert made.stage == "sent" and made.case.customer.user_id is None
    assert made.case.customer.email == demo.LINK_REQUESTER[1]
    lines = demo.demo_listing("http://127.0.0.1:8000/")
    assert any(made.case.reference in line and "var/mail/" in line for line in lines)
    body = OutboundMessage.objects.get(idempotency_key=f"foi:{made.pk}:response").body
    link = re.search(r"https?://[^/\s]+(/foi/review/[^\s]+/)", body).group(1)
    page = client_for(None).get(link)
    assert page.status_code == 200 and made.case.reference in page.content.decode()
    assert demo.foi_step(DemoContext(options={})) == 0


@pytest.mark.django_db
def test_a_demo_seeded_before_gains_the_review_ready_request(demo_people):
    demo.foi_step(DemoContext(options={}))
    FoiRequest.objects.filter(case__submission_key=demo.REVIEW_READY_KEY).update(stage="closed")
    from oxtom.cases.models import Case

    Case.objects.filter(submission_key=demo.REVIEW_READY_KEY).update(submission_key="older")
    assert demo.foi_step(DemoContext(options={})) == 1
    assert FoiRequest.objects.filter(case__submission_key=demo.REVIEW_READY_KEY).count() == 1


@pytest.mark.django_db
def test_a_demo_officer_outside_the_foi_team_has_an_open_allocation(demo_people, foi_setup, client_for):
    from bas.foi import selectors
    from bas.foi.models import Allocation

    officer = f.UserFactory(email=f"officer@{DEMO_DOMAIN}", roles=["officer"])
    f.TeamMembershipFactory(team=foi_setup["holder"], user=officer)
    demo.foi_step(DemoContext(options={}))
    mine = selectors.open_allocations_for(officer)
    assert len(mine) == 1 and mine[0].team == foi_setup["holder"] and mine[0].task.due_on is not None
    assert not services.is_foi_staff(officer)
    lines = demo.demo_listing("http://127.0.0.1:8000/")
    assert f"officer@{DEMO_DOMAIN}" in lines[-1] and "http://127.0.0.1:8000/staff/foi/allocations/" in lines[-1]
    page = client_for(officer).get("/staff/foi/allocations/")
    assert mine[0].request.case.reference in page.content.decode()
    before = Allocation.objects.count()
    assert demo.foi_step(DemoContext(options={})) == 0 and Allocation.objects.count() == before
