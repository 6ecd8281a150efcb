"""Demo work for the member services team (`manage.py seed_demo`): a councillor's enquiry waiting in its queue.

Raised through the same service a councillor uses (member_enquiry_raise),
about a place, so no constituent's details are involved. Idempotent by its
submission key.
"""
from __future__ import annotations

from typing import Any

from oxtom.cases.models import Case, Service

KEY = "demo-member-enquiry-1"


def seed_demo_member_enquiry(*, councillor: Any) -> int:
    """1 when the enquiry was raised, 0 when it exists or there is no councillor or enquiry service."""
    from .enquiries import member_enquiry_raise

    service = Service.objects.filter(kind=Service.Kind.ENQUIRY, is_active=True).order_by("pk").first()
    if councillor is None or service is None or Case.objects.filter(submission_key=KEY).exists():
        return 0
    member_enquiry_raise(
        service=service, title="Flooding on the footpath by the recreation ground",
        details="Several residents have told me the footpath floods after rain and stays under water for days.",
        location="Footpath beside the recreation ground", constituent=None, consent_given=False,
        submission_key=KEY, by=councillor,
    )
    return 1


# --- the case engine's contract, shown on demo cases ------------------------------------------
# A complaint with stages and its stage 2 review (a follow-on a different officer decides), an FOI
# request under the any-UK-nation calendar with an extension, a colleague's request to business admin
# with tasks, and the business-admin officer who works that queue through a role held in the team only.

BAS_TEAM = "business-admin-support"
ENGINE_KEYS = ("demo-engine-complaint", "demo-engine-foi", "demo-engine-staff-request")

DEMO_SERVICES: tuple[dict[str, Any], ...] = (
    {"code": "complaint", "name": "Complaint", "kind": "request", "reference_prefix": "CO",
     "description": "A complaint about a council service (stage 1).",
     "stages": (("Acknowledge", 3), ("Stage 1 response", 10))},
    {"code": "complaint-review", "name": "Complaint stage 2 review", "kind": "request", "reference_prefix": "CR",
     "description": "An independent review of a stage 1 complaint response.", "different_decider": True,
     "sla": 20},
    {"code": "foi-request", "name": "Freedom of information request", "kind": "request", "reference_prefix": "FO",
     "description": "A request for recorded information (FOIA 2000).", "calendar": "any_uk_nation",
     "clock_restarts_for_customer": True, "max_extensions": 1, "max_extension_working_days": 20, "sla": 20},
    {"code": "foi-internal-review", "name": "FOI internal review", "kind": "request", "reference_prefix": "FR",
     "description": "A review of how an FOI request was answered.", "calendar": "any_uk_nation",
     "different_decider": True, "sla": 20},
    {"code": "business-admin-request", "name": "Business admin request", "kind": "request", "reference_prefix": "BA",
     "description": "A colleague asks business admin for something (equipment, set-up, printing).", "sla": 10},
)


def _demo_services(team: Any) -> dict[str, Service]:
    from oxtom.cases.models import ServiceStage

    services: dict[str, Service] = {}
    for spec in DEMO_SERVICES:
        days = spec.get("sla")
        defaults = {k: v for k, v in spec.items() if k not in ("code", "stages", "sla")}
        if days:
            defaults["sla_working_days"] = {"1": max(1, days // 4), "2": max(1, days // 2), "3": days, "4": days}
        service, created = Service.objects.get_or_create(code=spec["code"], defaults={**defaults, "team": team})
        if created:
            for position, (name, working_days) in enumerate(spec.get("stages", ()), start=1):
                ServiceStage.objects.create(service=service, position=position, name=name, working_days=working_days)
        services[spec["code"]] = service
    return services


def seed_demo_case_engine(*, domain: str) -> int:
    """The demo cases that show the engine's contract (idempotent by submission key). Returns cases made."""
    from oxtom.accounts.models import Team, TeamMembership, User
    from oxtom.cases import services as cases
    from oxtom.customers.models import Channel, Customer

    if Case.objects.filter(submission_key__in=ENGINE_KEYS).count() == len(ENGINE_KEYS):
        return 0  # a demo made before: one query, nothing to add
    team = Team.objects.filter(slug=BAS_TEAM).first()
    bea = User.objects.filter(email=f"bas.officer@{domain}").first()
    leader = User.objects.filter(email=f"team.leader@{domain}").first()
    olive = User.objects.filter(email=f"officer@{domain}").first()
    resident = Customer.objects.filter(user__email=f"resident@{domain}").first()
    if team is None or bea is None or leader is None or olive is None or resident is None:
        return 0
    services = _demo_services(team)
    # The business-admin officer has no officer role: a role held in this team lets her work its queue only.
    TeamMembership.objects.filter(team=team, user=bea, team_role="").update(team_role="officer")
    if not TeamMembership.objects.filter(team=team, user=bea).exists():
        TeamMembership.objects.create(team=team, user=bea, team_role="officer")
    bea = User.objects.get(pk=bea.pk)  # fresh: her team roles are read once per instance
    made = 0
    if not Case.objects.filter(submission_key=ENGINE_KEYS[0]).exists():
        complaint = cases.case_create(
            service=services["complaint"], customer=resident, channel=Channel.WEB, by=resident.user,
            title="Bin collection missed three weeks running", submission_key=ENGINE_KEYS[0],
            answers={"what_happened": "Our bin has been missed three weeks running and nobody called back."})
        complaint = cases.case_assign(case=complaint, assignee=bea, expected_version=complaint.version, by=bea)
        complaint = cases.case_next_stage(case=complaint, note="Acknowledged by email", by=bea,
                                          expected_version=complaint.version)
        complaint = cases.case_decide(case=complaint, decision="action_taken", by=bea,
                                      expected_version=complaint.version,
                                      reasons="We apologise: the round was re-planned and your street was missed. "
                                              "It is back on the round from next week.")
        complaint = cases.case_close(case=complaint, outcome="completed", expected_version=complaint.version, by=bea)
        # The resident was not satisfied: stage 2, which Bea (who answered stage 1) may not decide.
        review = cases.case_open_follow_on(parent=complaint, service=services["complaint-review"], by=bea,
                                           reason="The customer is not satisfied with the stage 1 response.")
        cases.case_task_add(case=review, title="Ask the waste contractor for the round logs", by=bea,
                            assignee=leader)
        made += 2
    if not Case.objects.filter(submission_key=ENGINE_KEYS[1]).exists():
        foi = cases.case_create(
            service=services["foi-request"], customer=resident, channel=Channel.EMAIL, by=bea,
            title="Spend on pothole repairs 2024-25", submission_key=ENGINE_KEYS[1],
            answers={"request": "How much did the council spend on pothole repairs in 2024-25, by district?"})
        foi = cases.case_accept(case=foi, expected_version=foi.version, by=bea)
        from oxtom.core.calendar import Calendar, add_working_days

        cases.case_extend(case=foi, new_due=add_working_days(foi.due_at, 10, Calendar.ANY_UK_NATION), by=bea,
                          reason="We are considering the public interest in releasing the contract prices.",
                          expected_version=foi.version)
        made += 1
    if not Case.objects.filter(submission_key=ENGINE_KEYS[2]).exists():
        request = cases.case_create(
            service=services["business-admin-request"], customer=None, requested_by=olive, channel=Channel.WEB,
            by=olive, title="Set up a new starter in Highways North", submission_key=ENGINE_KEYS[2],
            answers={"what_is_needed": "Laptop, phone and building pass for a new inspector starting next month."})
        first = cases.case_task_add(case=request, title="Order the laptop and phone", by=bea, assignee=bea)
        cases.case_task_add(case=request, title="Book the building pass photo", by=bea, assignee=bea)
        cases.case_task_add(case=request, title="Add to the Highways North mailing list", by=bea)
        cases.case_task_complete(task=first, by=bea)
        made += 1
    return made
def member_enquiry_step(context) -> int:
    """Demo step (oxtom/core/demo.py): the demo councillor's enquiry."""
    return seed_demo_member_enquiry(councillor=context.user("councillor"))


def case_engine_step(context) -> int:
    """Demo step (oxtom/core/demo.py): the cases that show the engine's contract."""
    from oxtom.core.demo import DEMO_DOMAIN

    return seed_demo_case_engine(domain=DEMO_DOMAIN)
