"""Every casework service: what it changes, what it records and what it refuses."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from oxtom.cases import rules, services as s
from oxtom.cases.models import Case, CaseEvent, Decision, Outcome, Priority, Status
from oxtom.core.models import AuditEvent
from oxtom.customers.models import Interaction
from tests import factories as f

from .factories import ServiceFactory

K = CaseEvent.Kind
LONDON = timezone.get_default_timezone()


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def kinds(case: Case) -> list[str]:
    return list(case.events.order_by("id").values_list("kind", flat=True))


def refresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def accepted(make_case, officer_in_team):
    case = make_case()
    return s.case_accept(case=case, expected_version=case.version, by=officer_in_team)


@pytest.fixture
def working(accepted, officer_in_team):
    return s.case_assign(case=accepted, assignee=officer_in_team, expected_version=accepted.version, by=officer_in_team)


@pytest.fixture
def frozen_today(monkeypatch):
    """Set the casework calendar's 'today': frozen_today(date)."""

    def _set(day: dt.date):
        monkeypatch.setattr(rules, "today", lambda: day)

    return _set


# --- create -----------------------------------------------------------------------


def test_create_puts_case_in_service_team_queue_with_sla_due_date(make_case, service, customer_a):
    case = make_case(received_at=at(dt.date(2026, 4, 2)), priority=Priority.HIGH)  # Thursday before Easter
    assert case.team == service.team and case.status == Status.NEW and case.version == 1
    # High = 5 working days: Good Friday and Easter Monday skipped.
    assert case.due_at == dt.date(2026, 4, 13)
    assert re.fullmatch(r"HW-2026-[A-Z0-9]{6}", case.reference)
    assert case.division == customer_a.division
    assert kinds(case) == [K.CREATED]
    assert AuditEvent.objects.filter(target_type="casework.case", target_id=str(case.pk), action="create").exists()
    entry = Interaction.objects.get(customer=customer_a, kind="case.created")
    assert entry.subject_reference == case.reference


def test_create_sla_follows_priority(make_case):
    monday = dt.date(2026, 3, 2)
    assert make_case(received_at=at(monday), priority=Priority.URGENT).due_at == dt.date(2026, 3, 4)
    assert make_case(received_at=at(monday), priority=Priority.LOW).due_at == dt.date(2026, 3, 30)


def test_create_received_late_evening_uses_london_date(make_case):
    # 23:30 London on Friday 13 March is Friday in London (and UTC); 00:30 BST Saturday is Friday in UTC.
    saturday_early = dt.datetime(2026, 6, 13, 0, 30, tzinfo=LONDON)
    case = make_case(received_at=saturday_early, priority=Priority.URGENT)
    assert case.due_at == dt.date(2026, 6, 16)  # counted from Saturday: Monday, Tuesday


def test_safeguarding_is_always_urgent(make_case):
    case = make_case(safeguarding=True, priority=Priority.LOW)
    assert case.priority == Priority.URGENT


def test_create_refuses_inactive_service(make_case, service):
    service.is_active = False
    service.save()
    with pytest.raises(ValidationError, match="not taking new cases"):
        make_case()
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"channel": "carrier-pigeon"}, "how the request reached us"),
        ({"priority": 9}, "priority"),
        ({"answers": ["not", "a", "dict"]}, "questions and replies"),
        ({"answers": {"text": "x" * 60_000}}, "characters or fewer"),
        ({"title": "t" * 201}, "200 characters"),
    ],
)
def test_create_refuses_bad_input_and_saves_nothing(make_case, overrides, message):
    with pytest.raises(ValidationError, match=message):
        make_case(**overrides)
    assert Case.objects.count() == 0 and CaseEvent.objects.count() == 0


def test_create_refuses_tombstoned_customer(make_case, customer_a):
    survivor = f.CustomerFactory()
    customer_a.merged_into, customer_a.merged_at = survivor, timezone.now()
    customer_a.save()
    with pytest.raises(ValidationError, match="merged"):
        make_case()


def test_hostile_text_is_stored_as_text(make_case):
    case = make_case(title="<script>alert(1)</script>'; DROP TABLE casework_case;--")
    assert refresh(case).title.startswith("<script>")


def test_cases_follow_a_merged_customer():
    from oxtom.customers import merge

    assert ("casework.case", "customer") in merge.registered_moves()


# --- accept / assign ---------------------------------------------------------------


def test_accept_moves_new_to_accepted_and_bumps_version(make_case, officer_in_team):
    case = make_case()
    case = s.case_accept(case=case, expected_version=1, by=officer_in_team)
    assert refresh(case).status == Status.ACCEPTED and refresh(case).version == 2
    event = case.events.get(kind=K.STATUS_CHANGED)
    assert (event.from_status, event.to_status, event.actor) == ("new", "accepted", officer_in_team)


def test_accept_twice_is_refused(accepted, officer_in_team):
    with pytest.raises(ValidationError, match="already been accepted"):
        s.case_accept(case=accepted, expected_version=accepted.version, by=officer_in_team)


def test_officer_outside_team_cannot_work_case(make_case, officer_outside_team):
    case = make_case()
    with pytest.raises(PermissionDenied):
        s.case_accept(case=case, expected_version=1, by=officer_outside_team)
    assert refresh(case).status == Status.NEW


def test_officer_takes_case_and_work_starts(accepted, officer_in_team):
    case = s.case_assign(case=accepted, assignee=officer_in_team, expected_version=accepted.version, by=officer_in_team)
    case = refresh(case)
    assert case.assignee == officer_in_team and case.status == Status.IN_PROGRESS
    assert K.ASSIGNED in kinds(case)


def test_assign_to_officer_outside_team_is_refused(accepted, team_leader, officer_outside_team):
    with pytest.raises(ValidationError, match="Choose an officer in Highways North"):
        s.case_assign(case=accepted, assignee=officer_outside_team, expected_version=accepted.version, by=team_leader)
    assert refresh(accepted).assignee is None


def test_assign_to_resident_is_refused(accepted, team_leader, resident_b):
    with pytest.raises(ValidationError, match="Choose an officer"):
        s.case_assign(case=accepted, assignee=resident_b, expected_version=accepted.version, by=team_leader)


def test_officer_cannot_give_case_to_colleague(accepted, officer_in_team, other_officer_in_team):
    with pytest.raises(PermissionDenied, match="team leader"):
        s.case_assign(case=accepted, assignee=other_officer_in_team, expected_version=accepted.version, by=officer_in_team)


def test_team_leader_reassigns_and_unassigns(working, team_leader, other_officer_in_team):
    case = s.case_assign(case=working, assignee=other_officer_in_team, expected_version=working.version, by=team_leader)
    assert refresh(case).assignee == other_officer_in_team
    case = s.case_assign(case=case, assignee=None, expected_version=case.version, by=team_leader)
    assert refresh(case).assignee is None
    with pytest.raises(ValidationError, match="not assigned"):
        s.case_assign(case=case, assignee=None, expected_version=case.version, by=team_leader)


def test_assign_same_officer_twice_is_refused(working, officer_in_team):
    with pytest.raises(ValidationError, match="already assigned"):
        s.case_assign(case=working, assignee=officer_in_team, expected_version=working.version, by=officer_in_team)


# --- priority and dates --------------------------------------------------------------


def test_change_priority_recomputes_due_date(make_case, officer_in_team):
    case = make_case(received_at=at(dt.date(2026, 3, 2)))  # normal: 10 working days
    assert case.due_at == dt.date(2026, 3, 16)
    case = s.case_change_priority(case=case, priority=Priority.URGENT, reason="Near a school",
                                  expected_version=case.version, by=officer_in_team)
    case = refresh(case)
    assert case.priority == Priority.URGENT and case.due_at == dt.date(2026, 3, 4)
    assert case.events.get(kind=K.PRIORITY_CHANGED).text == "Near a school"


@pytest.mark.parametrize(
    "priority,reason,message",
    [(3, "x", "already has this priority"), (7, "x", "urgent to low"), ("abc", "x", "urgent to low"),
     (1, "   ", "Enter why the priority is changing"), (1, "r" * 5001, "5,000 characters")],
)
def test_change_priority_refusals(make_case, officer_in_team, priority, reason, message):
    case = make_case()
    with pytest.raises(ValidationError, match=message):
        s.case_change_priority(case=case, priority=priority, reason=reason, expected_version=1, by=officer_in_team)
    assert refresh(case).version == 1


def test_safeguarding_case_stays_urgent(make_case, officer_in_team):
    case = make_case(safeguarding=True)
    with pytest.raises(ValidationError, match="must stay urgent"):
        s.case_change_priority(case=case, priority=4, reason="x", expected_version=1, by=officer_in_team)


def test_set_expected_date(working, officer_in_team, frozen_today):
    frozen_today(dt.date(2026, 3, 2))
    case = s.case_set_expected_date(case=working, expected_date=dt.date(2026, 3, 20),
                                    expected_version=working.version, by=officer_in_team)
    assert refresh(case).expected_date == dt.date(2026, 3, 20)
    for bad, message in [(dt.date(2026, 3, 1), "today or in the future"), (dt.date(2027, 6, 1), "within the next year"),
                         (None, "Enter the date")]:
        with pytest.raises(ValidationError, match=message):
            s.case_set_expected_date(case=case, expected_date=bad, expected_version=case.version, by=officer_in_team)


# --- information from the customer: the clock pauses -----------------------------------


def test_request_information_pauses_clock_and_reply_moves_due_date(make_case, officer_in_team, frozen_today):
    case = make_case(received_at=at(dt.date(2026, 3, 26)))  # Thursday; normal 10 days -> 10 April (Easter skipped)
    assert case.due_at == dt.date(2026, 4, 13)
    case = s.case_accept(case=case, expected_version=case.version, by=officer_in_team)
    frozen_today(dt.date(2026, 4, 1))  # Wednesday
    case = s.case_request_information(case=case, request_text="Send a photo", expected_version=case.version,
                                      by=officer_in_team)
    assert refresh(case).status == Status.AWAITING_CUSTOMER and refresh(case).paused_on == dt.date(2026, 4, 1)
    assert rules.sla_state(status=case.status, due_at=case.due_at, paused_on=case.paused_on,
                           on=dt.date(2026, 5, 1)) == rules.SlaState.PAUSED
    frozen_today(dt.date(2026, 4, 7))  # Tuesday after Easter: Thu 2 and Tue 7 are the only working days paused
    case = s.case_information_received(case=case, details="Photo received", expected_version=case.version,
                                       by=officer_in_team)
    case = refresh(case)
    assert case.status == Status.IN_PROGRESS and case.paused_on is None
    assert case.paused_working_days == 2
    assert case.due_at == dt.date(2026, 4, 15)


def test_pauses_add_up(make_case, officer_in_team, frozen_today):
    case = make_case(received_at=at(dt.date(2026, 3, 2)))
    case = s.case_accept(case=case, expected_version=case.version, by=officer_in_team)
    for start, end in [(dt.date(2026, 3, 3), dt.date(2026, 3, 4)), (dt.date(2026, 3, 5), dt.date(2026, 3, 9))]:
        frozen_today(start)
        case = s.case_request_information(case=case, request_text="More", expected_version=case.version, by=officer_in_team)
        frozen_today(end)
        case = s.case_information_received(case=case, details="Here", expected_version=case.version, by=officer_in_team)
    case = refresh(case)
    assert case.paused_working_days == 1 + 2
    assert case.due_at == rules.due_date(received_on=dt.date(2026, 3, 2), sla_working_days=10, paused_working_days=3)


def test_service_without_pause_keeps_clock_running(make_case, service, officer_in_team, frozen_today):
    service.clock_pauses_for_customer = False
    service.save()
    case = make_case(received_at=at(dt.date(2026, 3, 2)))
    due = case.due_at
    case = s.case_accept(case=case, expected_version=case.version, by=officer_in_team)
    frozen_today(dt.date(2026, 3, 3))
    case = s.case_request_information(case=case, request_text="Photo", expected_version=case.version, by=officer_in_team)
    assert refresh(case).paused_on is None
    frozen_today(dt.date(2026, 3, 10))
    case = s.case_information_received(case=case, details="Photo", expected_version=case.version, by=officer_in_team)
    assert refresh(case).due_at == due and refresh(case).paused_working_days == 0


def test_request_information_needs_words_and_an_accepted_case(make_case, accepted, officer_in_team):
    with pytest.raises(ValidationError, match="Enter what you need"):
        s.case_request_information(case=accepted, request_text="", expected_version=accepted.version, by=officer_in_team)
    new = make_case()
    with pytest.raises(ValidationError, match="Accept this case before asking"):
        s.case_request_information(case=new, request_text="Photo", expected_version=1, by=officer_in_team)


def test_information_received_when_not_waiting_is_refused(working, officer_in_team):
    with pytest.raises(ValidationError):
        s.case_information_received(case=working, details="x", expected_version=working.version, by=officer_in_team)


# --- notes and updates ---------------------------------------------------------------


def test_private_note_is_not_public_and_not_on_customer_timeline(working, officer_in_team, customer_a):
    before = Interaction.objects.filter(customer=customer_a).count()
    case = s.case_add_note(case=working, text="Called the contractor", expected_version=working.version, by=officer_in_team)
    note = case.events.get(kind=K.NOTE)
    assert note.visibility == "staff" and note.text == "Called the contractor"
    assert Interaction.objects.filter(customer=customer_a).count() == before
    assert refresh(case).version == working.version  # append-only: no one else's form goes stale


def test_public_update_is_public_and_on_timeline(working, officer_in_team, customer_a):
    case = s.case_add_public_update(case=working, text="Repair booked for Tuesday", expected_version=working.version,
                                    by=officer_in_team)
    assert case.events.get(kind=K.PUBLIC_UPDATE).visibility == "public"
    assert Interaction.objects.filter(customer=customer_a, kind="case.update").exists()
    # Notification: queued through the outbox, or recorded as not sent; never silently dropped.
    assert case.events.filter(kind__in=[K.NOTIFICATION_SENT, K.NOTIFICATION_FAILED]).exists()


def test_no_notification_when_service_says_not_to(working, service, officer_in_team):
    service.notify_customer_on_change = False
    service.save()
    case = refresh(working)
    last = case.events.order_by("-id").first().pk
    s.case_add_public_update(case=case, text="Booked", expected_version=case.version, by=officer_in_team)
    new_kinds = set(case.events.filter(pk__gt=last).values_list("kind", flat=True))
    assert new_kinds == {K.PUBLIC_UPDATE}


@pytest.mark.parametrize("text,message", [("", "Enter a note"), ("  \n ", "Enter a note"), ("n" * 5001, "5,000")])
def test_note_bad_input(working, officer_in_team, text, message):
    with pytest.raises(ValidationError, match=message):
        s.case_add_note(case=working, text=text, expected_version=working.version, by=officer_in_team)
    assert not working.events.filter(kind=K.NOTE).exists()


# --- decide, close, reopen ------------------------------------------------------------


def test_decide_needs_reasons(working, officer_in_team):
    with pytest.raises(ValidationError, match="Enter the reasons"):
        s.case_decide(case=working, decision=Decision.APPROVED, reasons=" ", expected_version=working.version,
                      by=officer_in_team)
    assert refresh(working).status == Status.IN_PROGRESS


def test_decide_needs_a_real_decision(working, officer_in_team):
    with pytest.raises(ValidationError, match="Choose a decision"):
        s.case_decide(case=working, decision="maybe", reasons="Because", expected_version=working.version, by=officer_in_team)


def test_decide_new_case_is_refused(make_case, officer_in_team):
    with pytest.raises(ValidationError, match="Accept this case before recording a decision"):
        s.case_decide(case=make_case(), decision=Decision.APPROVED, reasons="x", expected_version=1, by=officer_in_team)


def test_decide_then_close(working, officer_in_team):
    case = s.case_decide(case=working, decision=Decision.ACTION_TAKEN, reasons="Pothole is over 40mm deep",
                         expected_version=working.version, by=officer_in_team)
    case = refresh(case)
    assert case.status == Status.DECIDED and case.decision_reasons == "Pothole is over 40mm deep" and case.decided_at
    with pytest.raises(ValidationError, match="already been recorded"):
        s.case_decide(case=case, decision=Decision.REFUSED, reasons="x", expected_version=case.version, by=officer_in_team)
    case = s.case_close(case=case, outcome=Outcome.COMPLETED, expected_version=case.version, by=officer_in_team)
    case = refresh(case)
    assert case.status == Status.CLOSED and case.outcome == Outcome.COMPLETED and case.closed_at


def test_close_needs_outcome(working, officer_in_team):
    for outcome in ["", "solved-ish"]:
        with pytest.raises(ValidationError, match="Choose an outcome"):
            s.case_close(case=working, outcome=outcome, expected_version=working.version, by=officer_in_team)
    with pytest.raises(ValidationError, match="link as duplicate"):
        s.case_close(case=working, outcome=Outcome.DUPLICATE, expected_version=working.version, by=officer_in_team)
    assert refresh(working).status == Status.IN_PROGRESS


def test_closing_closed_case_is_refused(working, officer_in_team):
    case = s.case_close(case=working, outcome=Outcome.WITHDRAWN, expected_version=working.version, by=officer_in_team)
    with pytest.raises(ValidationError, match="already closed"):
        s.case_close(case=case, outcome=Outcome.COMPLETED, expected_version=case.version, by=officer_in_team)


def test_customer_withdraws_while_we_wait(accepted, officer_in_team):
    case = s.case_request_information(case=accepted, request_text="Photo", expected_version=accepted.version, by=officer_in_team)
    case = s.case_close(case=case, outcome=Outcome.WITHDRAWN, expected_version=case.version, by=officer_in_team)
    assert refresh(case).paused_on is None and refresh(case).status == Status.CLOSED


def test_reopen(working, officer_in_team, frozen_today):
    case = s.case_decide(case=working, decision=Decision.ACTION_TAKEN, reasons="Fixed", expected_version=working.version,
                         by=officer_in_team)
    case = s.case_close(case=case, outcome=Outcome.COMPLETED, expected_version=case.version, by=officer_in_team)
    with pytest.raises(ValidationError, match="Enter why"):
        s.case_reopen(case=case, reason="", expected_version=case.version, by=officer_in_team)
    frozen_today(dt.date(2026, 3, 2))
    case = s.case_reopen(case=case, reason="Pothole is back", expected_version=case.version, by=officer_in_team)
    case = refresh(case)
    assert case.status == Status.IN_PROGRESS and case.outcome == "" and case.closed_at is None and case.decision == ""
    assert case.due_at == dt.date(2026, 3, 16)


def test_reopen_open_case_is_refused(working, officer_in_team):
    with pytest.raises(ValidationError, match="Only a closed case"):
        s.case_reopen(case=working, reason="x", expected_version=working.version, by=officer_in_team)


# --- duplicates and referral -------------------------------------------------------------


def test_link_duplicate_closes_the_copy(make_case, officer_in_team):
    original, copy = make_case(), make_case()
    copy = s.case_link_duplicate(case=copy, original=original, expected_version=copy.version, by=officer_in_team)
    copy = refresh(copy)
    assert copy.status == Status.CLOSED and copy.outcome == Outcome.DUPLICATE and copy.duplicate_of == original
    assert refresh(original).status == Status.NEW


def test_link_duplicate_refusals(make_case, officer_in_team):
    original, copy, third = make_case(), make_case(), make_case()
    with pytest.raises(ValidationError, match="itself"):
        s.case_link_duplicate(case=copy, original=copy, expected_version=copy.version, by=officer_in_team)
    copy = s.case_link_duplicate(case=copy, original=original, expected_version=copy.version, by=officer_in_team)
    with pytest.raises(ValidationError, match=f"link to {original.reference}"):
        s.case_link_duplicate(case=third, original=refresh(copy), expected_version=third.version, by=officer_in_team)
    with pytest.raises(ValidationError, match="already closed"):
        s.case_link_duplicate(case=refresh(copy), original=third, expected_version=refresh(copy).version, by=officer_in_team)


def test_refer_moves_case_to_new_team_and_keeps_answers(working, officer_in_team, other_team):
    answers = dict(working.answers)
    due = working.due_at
    case = s.case_refer(case=working, team=other_team, reason="Private road: parking team",
                        expected_version=working.version, by=officer_in_team)
    case = refresh(case)
    assert case.team == other_team and case.assignee is None and case.status == Status.NEW
    assert case.answers == answers and case.due_at == due
    assert case.events.get(kind=K.REFERRED).text == "Private road: parking team"


def test_refer_refusals(working, accepted, officer_in_team, team, other_team):
    with pytest.raises(ValidationError, match="already with this team"):
        s.case_refer(case=working, team=team, reason="x", expected_version=working.version, by=officer_in_team)
    with pytest.raises(ValidationError, match="Enter why"):
        s.case_refer(case=working, team=other_team, reason="", expected_version=working.version, by=officer_in_team)
    waiting = s.case_request_information(case=working, request_text="x", expected_version=working.version, by=officer_in_team)
    with pytest.raises(ValidationError, match="reply before referring"):
        s.case_refer(case=waiting, team=other_team, reason="x", expected_version=waiting.version, by=officer_in_team)


# --- optimistic locking -----------------------------------------------------------------------


def test_second_officer_working_from_a_stale_page_is_told_and_nothing_is_lost(
    accepted, officer_in_team, other_officer_in_team, team_leader
):
    seen_by_both = accepted.version
    s.case_change_priority(case=accepted, priority=Priority.HIGH, reason="Busy road", expected_version=seen_by_both,
                           by=officer_in_team)
    with pytest.raises(ValidationError, match="Someone else changed this case") as exc:
        s.case_decide(case=accepted, decision=Decision.REFUSED, reasons="Not ours", expected_version=seen_by_both,
                      by=other_officer_in_team)
    assert isinstance(exc.value, s.StaleCaseError)
    case = refresh(accepted)
    assert case.priority == Priority.HIGH and case.status == Status.ACCEPTED and case.decision == ""
    assert not case.events.filter(kind=K.STATUS_CHANGED, to_status=Status.DECIDED).exists()


@pytest.mark.parametrize("version", [0, 99, None])
def test_wrong_version_refused(make_case, officer_in_team, version):
    case = make_case()
    with pytest.raises(s.StaleCaseError):
        s.case_accept(case=case, expected_version=version, by=officer_in_team)
    assert refresh(case).status == Status.NEW


# --- get next (sequential; the concurrent test is in test_claim_concurrency.py) ---------------


def test_claim_next_takes_most_urgent_then_earliest_due(make_case, officer_in_team, other_officer_in_team):
    monday = dt.date(2026, 3, 2)
    low_early = make_case(priority=Priority.LOW, received_at=at(monday - dt.timedelta(days=60)))
    urgent_late = make_case(priority=Priority.URGENT, received_at=at(monday))
    urgent_early = make_case(priority=Priority.URGENT, received_at=at(monday - dt.timedelta(days=7)))
    first = s.case_claim_next(officer=officer_in_team, team=urgent_late.team)
    second = s.case_claim_next(officer=other_officer_in_team, team=urgent_late.team)
    third = s.case_claim_next(officer=officer_in_team, team=urgent_late.team)
    assert [first.pk, second.pk, third.pk] == [urgent_early.pk, urgent_late.pk, low_early.pk]
    assert refresh(first).assignee == officer_in_team and refresh(first).status == Status.IN_PROGRESS
    assert refresh(second).assignee == other_officer_in_team
    assert s.case_claim_next(officer=officer_in_team, team=urgent_late.team) is None


def test_claim_next_skips_assigned_waiting_and_closed(make_case, working, officer_in_team, other_officer_in_team):
    waiting = make_case()
    waiting = s.case_accept(case=waiting, expected_version=1, by=officer_in_team)
    s.case_request_information(case=waiting, request_text="x", expected_version=waiting.version, by=officer_in_team)
    assert s.case_claim_next(officer=other_officer_in_team, team=working.team) is None


def test_claim_next_refuses_officer_outside_team(make_case, officer_outside_team, team):
    make_case()
    with pytest.raises(PermissionDenied):
        s.case_claim_next(officer=officer_outside_team, team=team)
    assert Case.objects.filter(assignee__isnull=False).count() == 0


def test_claim_then_stale_form_is_refused(make_case, officer_in_team, team_leader):
    case = make_case()
    s.case_claim_next(officer=officer_in_team, team=case.team)
    with pytest.raises(s.StaleCaseError):
        s.case_accept(case=case, expected_version=1, by=team_leader)


def test_public_update_is_queued_in_the_outbox_once(working, officer_in_team, customer_a):
    from oxtom.notify.defaults import seed_templates
    from oxtom.notify.models import MessageTemplate, OutboundMessage

    seed_templates(MessageTemplate)  # a transactional test elsewhere may have flushed the seeded rows
    case = s.case_add_public_update(case=working, text="Repair booked for Tuesday", expected_version=working.version,
                                    by=officer_in_team)
    event = case.events.get(kind=K.PUBLIC_UPDATE)
    message = OutboundMessage.objects.get(idempotency_key=f"case:{case.pk}:event:{event.pk}")
    assert message.customer == customer_a and "Repair booked for Tuesday" in message.body
    assert case.reference in message.body
    assert case.events.filter(kind=K.NOTIFICATION_SENT, data__about_event=event.pk).count() == 1
