"""Demo FOI data: a disclosure log worth searching, and requests at every stage so the co-ordinator (foi@)
and the Access and Disclosure officer (disclosure@) have real work on a fresh `make run`. Idempotent.

Everyone here is fictional; figures are illustrative.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from oxtom.accounts.models import Team, TeamMembership
from oxtom.core.calendar import add_working_days

from . import rules, services
from .models import OPEN_STAGES, Allocation, FoiRequest, PublishedResponse

MARKER = "FOI-2025-DEMO01"

# (topic, regime, request, response, months ago)
LOG = (
    ("Potholes repaired", "foi", "How many potholes did the council repair in each month of 2024-25, and what "
     "was the average cost of a repair?", "We repaired 18,412 potholes in 2024-25 (monthly figures in the table "
     "below). The average cost of a permanent repair was £87; a temporary repair £41.\nApril 1,204; May 1,388; "
     "June 1,190; July 1,102; August 1,045; September 1,301; October 1,622; November 1,958; December 2,104; "
     "January 2,311; February 1,710; March 1,477.", 2),
    ("Agency staff spend", "foi", "What did the council spend on agency social workers in each of the last three "
     "financial years?", "Spend on agency social workers: 2022-23 £9.8m; 2023-24 £11.2m; 2024-25 £8.6m. The fall "
     "in 2024-25 follows the recruitment of 46 permanent social workers.", 3),
    ("Home to school transport", "foi", "How much does the council spend on home to school transport, and how "
     "many pupils with special educational needs use it?", "In 2024-25 home to school transport cost £46.3m, of "
     "which £31.9m was for 2,940 pupils with special educational needs and disabilities (SEND).", 1),
    ("Air quality monitoring", "eir", "Please provide nitrogen dioxide readings from the council's diffusion tubes "
     "in Oxford for 2024.", "The 2024 annual mean readings for each of the 38 diffusion tube sites are in the "
     "attached spreadsheet. The highest annual mean was 38.2 µg/m³ at St Clement's.", 4),
    ("Street lighting energy", "eir", "How much energy did street lighting use in 2024-25, and how many lights "
     "have been converted to LED?", "Street lighting used 14.2 GWh in 2024-25. 52,300 of 60,100 lights (87%) "
     "are now LED.", 5),
    ("Cyber security incidents", "foi", "How many cyber security incidents did the council record in 2024?",
     "We hold this information but are withholding it under section 31(1)(a) (law enforcement): publishing "
     "incident counts would help attackers judge our defences. The public interest test is set out below.", 6),
    ("Parking fines income", "foi", "How much income did the council receive from parking penalty charge notices "
     "in 2024-25, and how is it spent?", "Penalty charge income in 2024-25 was £4.1m. After enforcement costs, the "
     "surplus of £1.3m funded park and ride and concessionary fares, as the Road Traffic Regulation Act 1984 "
     "s55 requires.", 2),
    ("Children in care placements", "foi", "How many children in care were placed outside Oxfordshire on 31 March "
     "2025?", "On 31 March 2025, 312 of the 1,012 children in our care were placed outside the county; 141 of "
     "them within 20 miles of home.", 7),
    ("Gritting routes", "eir", "Please send the priority gritting routes and the number of gritters.", "We grit "
     "1,200 miles of priority routes with 28 gritters. The route maps are published on our winter pages; the "
     "list of roads is attached.", 8),
    ("Consultants spend", "foi", "What did the council spend on management consultants in 2024-25, by supplier?",
     "Spend with management consultants in 2024-25 was £2.7m across 14 suppliers (table attached). Spend with "
     "individual sole traders is withheld under section 40(2) (personal data).", 9),
    ("Library visits", "foi", "How many visits did each library have in 2024-25?", "The 43 libraries had 2.1m "
     "visits in 2024-25; figures for each library are in the attached table.", 10),
    ("Potholes compensation claims", "foi", "How many compensation claims for pothole damage did the council "
     "receive in 2024, and how many were paid?", "We received 1,146 claims in 2024 and paid 203 of them, "
     "totalling £96,400.", 11),
)

# (name, email, request, topic, regime, days ago received)
OPEN = (
    ("Nick Example", "nick.example@foi-requesters.example", "Please tell me how many potholes were reported on the A4074 "
     "in 2025 and how many were repaired within the target time.", "Potholes repaired", "foi", 0),
    ("Priya Sampleton", "priya.sampleton@foi-requesters.example", "How many electric vehicle charging points has the "
     "council installed since 2022, and where?", "EV charging points", "eir", 3),
    ("Tom Fictionby", "tom.fictionby@foi-requesters.example", "Please send the council's spend on agency staff in adult "
     "social care for 2025.", "Agency staff spend", "foi", 6),
)


def _membership_roles(team: Team, users: list[Any]) -> None:
    """FOI staff work the information governance queue on the engine: an officer's role in that team only."""
    TeamMembership.objects.filter(team=team, user__in=[u for u in users if u], team_role="").update(team_role="officer")


def _received_for_due_in(working_days: int) -> dt.date:
    """The received date whose statutory date is `working_days` working days from today."""
    target = add_working_days(timezone.localdate(), working_days, rules.CALENDAR)
    day = target - dt.timedelta(days=45)  # well before: bank holidays make 20 working days longer than 4 weeks
    while rules.statutory_due(day) < target:
        day += dt.timedelta(days=1)
    return day


REVIEW_REQUESTER = "resident.07"  # a resident account (not the printed resident@, whose journeys start clean)
REVIEW_READY_KEY = "demo-foi-review-ready"


def _staff(context, team: Team | None) -> tuple[Any, Any]:
    people = context.users("foi", "disclosure")
    fay, dev = people.get("foi"), people.get("disclosure")
    if fay is None or dev is None or team is None:
        return None, None
    _membership_roles(team, [fay, dev])
    for user in (fay, dev):  # the roles just given are read fresh
        user.__dict__.pop("_team_roles_cache", None)
        user.__dict__.pop("_foi_staff_answer", None)
    return fay, dev


def _review_ready(context, fay: Any, dev: Any) -> int:
    """A request made by a signed-in resident and answered, so they can ask for an internal review
    online (its own key: added to a demo seeded before it, and never twice)."""
    resident = context.user(REVIEW_REQUESTER)
    if resident is None or FoiRequest.objects.filter(case__submission_key=REVIEW_READY_KEY).exists():
        return 0
    made = services.foi_request_make(
        name=resident.full_name or "Demo Resident", email=resident.email, by=resident,
        submission_key=REVIEW_READY_KEY, request_text="How many bus shelters does the council maintain in "
        "Banbury, and how many were repaired after vandalism in 2025?")
    made = services.foi_triage(request=made, valid=True, regime="foi", topic="Bus shelters", by=fay)
    services.foi_draft_save(request=made, outcome="granted", by=fay, response_text=(
        "The council maintains 64 bus shelters in Banbury; 23 were repaired in 2025. Our repair records do not "
        "say what caused the damage."))
    services.foi_check_personal_data(request=made, by=fay)
    services.foi_submit_for_approval(request=made, by=fay)
    services.foi_approve(request=made, by=dev)
    return 1


LINK_REVIEW_KEY = "demo-foi-review-by-link"
LINK_REQUESTER = ("Rowan Linkfield", "rowan.linkfield@foi-requesters.example")


def _link_review_ready(fay: Any, dev: Any) -> int:
    """A request made by email from someone with no account, answered: the response email in var/mail/ carries
    the signed link to ask for an internal review without signing in (its own key: added once)."""
    if FoiRequest.objects.filter(case__submission_key=LINK_REVIEW_KEY).exists():
        return 0
    name, email = LINK_REQUESTER
    made = services.foi_request_make(
        name=name, email=email, by=None, submission_key=LINK_REVIEW_KEY, request_text="How many road gullies "
        "did the council clear in West Oxfordshire in 2025, and how many were found blocked?")
    made = services.foi_triage(request=made, valid=True, regime="foi", topic="Drainage", by=fay)
    services.foi_draft_save(request=made, outcome="granted", by=fay, response_text=(
        "We cleared 8,940 road gullies in West Oxfordshire in 2025; 1,127 were blocked when we reached them."))
    services.foi_check_personal_data(request=made, by=fay)
    services.foi_submit_for_approval(request=made, by=fay)
    services.foi_approve(request=made, by=dev)
    return 1


def demo_listing(base: str) -> list[str]:
    """For manage.py demo_signins: the requester who can ask for an internal review of their answered request."""
    from urllib.parse import urljoin

    from oxtom.core.demo import DEMO_DOMAIN

    lines = []
    made = (FoiRequest.objects.filter(case__submission_key=REVIEW_READY_KEY, reviews__isnull=True,
                                      case__customer__user__is_active=True)
            .select_related("case__customer__user").first())
    email = made.case.customer.user.email if made is not None else ""
    if email.endswith(f"@{DEMO_DOMAIN}"):
        lines += ["An FOI requester whose request has been answered (ask for an internal review):",
                  f"  {email:<36}  then {urljoin(base, f'foi/my-requests/{made.case.reference}/review/')}"]
    return lines + _link_listing() + _holder_listing(base)


def _link_listing() -> list[str]:
    """Where the no-account requester's review link is: the response email in var/mail/ (not re-signed here)."""
    made = (FoiRequest.objects.filter(case__submission_key=LINK_REVIEW_KEY, reviews__isnull=True, stage="sent")
            .select_related("case").first())
    if made is None:
        return []
    # The requester's name, not their address: this list is read as the demo's sign-ins (every address in it is
    # tried as one), and this requester has no account to sign in to.
    return [f"An FOI requester without an account ({LINK_REQUESTER[0]}), {made.case.reference} answered: open the "
            "link in the email",
            f"  \"Response to your information request {made.case.reference}\" in var/mail/ (no sign-in)"]


def _holder_listing(base: str) -> list[str]:
    """An officer outside the FOI team whose team was asked for information (the open allocation the step made)."""
    from urllib.parse import urljoin

    from oxtom.core.demo import DEMO_DOMAIN

    allocation = (Allocation.objects.filter(task__done_at__isnull=True, request__stage__in=OPEN_STAGES)
                  .exclude(team__slug=services.TEAM_SLUG).select_related("team").order_by("id").first())
    if allocation is None:
        return []
    member = (TeamMembership.objects.filter(team=allocation.team, user__is_active=True,
                                            user__email__endswith=f"@{DEMO_DOMAIN}")
              .select_related("user").order_by("user__email").first())
    if member is None:
        return []
    return [f"An officer of {allocation.team.name} asked for information for an FOI request:",
            f"  {member.user.email:<36}  then {urljoin(base, 'staff/foi/allocations/')}"]


@transaction.atomic
def foi_step(context) -> int:
    team = Team.objects.filter(slug=services.TEAM_SLUG).first()
    fay, dev = _staff(context, team)
    if fay is None:
        return 0
    review_ready = _review_ready(context, fay, dev) + _link_review_ready(fay, dev)
    if PublishedResponse.objects.filter(reference=MARKER).exists():
        return review_ready
    today = timezone.localdate()
    made = 0
    for n, (topic, regime, request, response, months) in enumerate(LOG, start=1):
        PublishedResponse.objects.create(
            reference=MARKER if n == 1 else f"FOI-2025-DEMO{n:02d}", regime=regime, title=topic, topic=topic,
            request_text=request, response_text=response, outcome="granted",
            published_on=today - dt.timedelta(days=30 * months + n),
            search_document=services.search_document(topic, request, response))
        made += 1
    holder = Team.objects.filter(slug="highways-north").first() or team
    # Just arrived: triage it.
    for name, email, text, topic, regime, days in OPEN:
        services.foi_request_make(name=name, email=email, request_text=text, by=None, regime=regime)
        made += 1
    # Logged from a letter, due in two working days, with the information still to come from Highways.
    soon = services.foi_request_make(
        name="Margaret Placeholme", address_line_1="3 Church Lane", town="Witney", postcode="OX28 4AA",
        request_text="Please provide the number of complaints about the condition of Church Lane, Witney, since "
                     "2023 and any inspection reports.", by=fay, channel="post",
        received_on=_received_for_due_in(2))
    soon = services.foi_triage(request=soon, valid=True, regime="foi", topic="Road condition", by=fay)
    services.foi_allocate(request=soon, team=holder, asked="Complaints and inspection reports for Church Lane",
                          due_on=add_working_days(today, 1, rules.CALENDAR), by=fay)
    # Waiting for clarification: the clock has stopped.
    vague = services.foi_request_make(name="Sam Mockridge", email="sam.mockridge@foi-requesters.example",
                                      request_text="Send me everything about the new bus lanes.", by=None)
    services.foi_ask_clarification(request=vague, by=fay, question="Which bus lanes, and what kind of "
                                   "information (costs, consultation responses, traffic counts)?")
    # Drafted, with personal data found and waiting for decisions.
    drafting = services.foi_request_make(name="Efe Testerley", email="efe.testerley@foi-requesters.example", by=None,
                                         request_text="Who approved the closure of Bridge Street, Banbury, in "
                                                      "May 2025, and what traffic modelling was done?")
    drafting = services.foi_triage(request=drafting, valid=True, regime="foi", topic="Road closures",
                                   names_in_scope="Alex Examplewood", by=fay)
    services.foi_draft_save(request=drafting, outcome="granted", by=fay, response_text=(
        "The closure was approved by the Network Manager, Alex Examplewood (alex.examplewood@oxtom.example, "
        "01865 815000), under delegated powers on 2 April 2025. The traffic modelling report is attached in "
        "summary: peak diversion delay 4 minutes."))
    services.foi_check_personal_data(request=drafting, by=fay)
    # Waiting for approval by disclosure@ (drafted by foi@, checked and clean).
    ready = services.foi_request_make(name="Wren Notreal", email="wren.notreal@foi-requesters.example", by=None,
                                      request_text="How many fixed penalty notices for fly-tipping did the "
                                                   "council issue in 2024-25?")
    ready = services.foi_triage(request=ready, valid=True, regime="foi", topic="Fly-tipping", by=fay)
    services.foi_draft_save(request=ready, outcome="granted", by=fay, response_text=(
        "The council does not issue fly-tipping fixed penalty notices itself: the district councils do. We "
        "recorded 6,204 fly-tipping incidents on the highway in 2024-25 and cleared all of them."))
    services.foi_check_personal_data(request=ready, by=fay)
    services.foi_submit_for_approval(request=ready, by=fay)
    # Answered and published through the whole workflow, with an internal review waiting.
    sent = services.foi_request_make(name="Kwame Demoford", email="kwame.demoford@foi-requesters.example", by=None,
                                     request_text="How many school crossing patrols does the council fund, and "
                                                  "how many posts are vacant?")
    sent = services.foi_triage(request=sent, valid=True, regime="foi", topic="School crossing patrols", by=fay)
    services.foi_draft_save(request=sent, outcome="granted", by=fay, response_text=(
        "The council funds 96 school crossing patrol sites; 11 were vacant on 1 September 2025."))
    services.foi_check_personal_data(request=sent, by=fay)
    services.foi_submit_for_approval(request=sent, by=fay)
    sent = services.foi_approve(request=sent, by=dev)
    services.foi_review_open(request=sent, grounds="The requester asks for the vacancies by school.", by=fay)
    return made + 6 + review_ready
