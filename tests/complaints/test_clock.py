"""Working-day tables for complaints under the complaint handling code: acknowledgement (5 working days),
stage 1 response (10 from acknowledgement), stage 2 (20 from acknowledgement), the one extension of up
to 10 working days, and the 20-working-day window to escalate. Expected dates worked out by hand
(England and Wales bank holidays: Christmas 2026, New Year 2027, Easter 2027)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bas.complaints import services
from bas.complaints.models import Outcome
from oxtom.customers.models import Customer

D = dt.date


def _complaint(resident, day, pin):
    pin(day)
    return services.complaint_submit(customer=Customer.objects.get(user=resident), what_happened="It went wrong",
                                     by=resident)


@pytest.mark.parametrize("received, due", [
    (D(2026, 12, 7), D(2026, 12, 14)),   # an ordinary week
    (D(2026, 12, 21), D(2026, 12, 30)),  # over Christmas Day and the Boxing Day substitute (Mon 28th)
    (D(2026, 12, 24), D(2027, 1, 5)),    # Christmas and New Year's Day
    (D(2027, 3, 25), D(2027, 4, 5)),     # Good Friday and Easter Monday
    (D(2026, 12, 5), D(2026, 12, 11)),   # received on a Saturday: Monday is day one
])
def test_acknowledgement_due_in_5_working_days(resident_a, complaint_services, today, received, due):
    complaint = _complaint(resident_a, received, today)
    stage = complaint.stages.get(number=1)
    assert stage.received_on == received and stage.acknowledge_due == due
    assert stage.case.due_at == due


@pytest.mark.parametrize("acknowledged, due", [
    (D(2026, 12, 14), D(2026, 12, 30)),
    (D(2027, 3, 19), D(2027, 4, 6)),
    (D(2026, 11, 30), D(2026, 12, 14)),
])
def test_stage_1_response_due_10_working_days_after_acknowledgement(resident_a, officer_1, today, acknowledged, due):
    complaint = _complaint(resident_a, acknowledged - dt.timedelta(days=3), today)
    today(acknowledged)
    stage = services.complaint_acknowledge(complaint=complaint, number=1, by=officer_1)
    assert stage.acknowledged_on == acknowledged and stage.response_due == due
    stage.case.refresh_from_db()
    assert stage.case.due_at == due and stage.case.stage.name == "Stage 1 response"


def _answered(resident, officer, pin, responded=D(2026, 12, 7)):
    complaint = _complaint(resident, responded - dt.timedelta(days=7), pin)
    pin(responded - dt.timedelta(days=6))
    services.complaint_acknowledge(complaint=complaint, number=1, by=officer)
    pin(responded)
    services.complaint_respond(complaint=complaint, number=1, outcome=Outcome.NOT_UPHELD, reasons="We did it right",
                               remedy="", by=officer)
    return complaint


@pytest.mark.parametrize("acknowledged, due", [
    (D(2026, 12, 7), D(2027, 1, 7)),    # 20 working days over Christmas and New Year
    (D(2027, 3, 15), D(2027, 4, 14)),   # over Easter
])
def test_stage_2_final_response_due_20_working_days_after_acknowledgement(resident_a, officer_1, officer_2, today,
                                                                           acknowledged, due):
    complaint = _answered(resident_a, officer_1, today, responded=acknowledged - dt.timedelta(days=2))
    today(acknowledged - dt.timedelta(days=1))
    stage2 = services.complaint_escalate(complaint=complaint, reason="Not good enough", by=resident_a)
    today(acknowledged)
    stage2 = services.complaint_acknowledge(complaint=complaint, number=2, by=officer_2)
    stage2.case.refresh_from_db()
    assert stage2.response_due == due and stage2.case.stage.name == "Stage 2 final response"


def test_one_extension_of_up_to_10_working_days(resident_a, officer_1, today):
    complaint = _complaint(resident_a, D(2026, 12, 9), today)
    today(D(2026, 12, 14))
    services.complaint_acknowledge(complaint=complaint, number=1, by=officer_1)  # due 30 December
    with pytest.raises(ValidationError) as too_far:
        services.complaint_extend(complaint=complaint, number=1, new_due=D(2027, 1, 15), reason="Waiting", by=officer_1)
    assert "latest date is 14 January 2027" in str(too_far.value)
    with pytest.raises(ValidationError) as no_reason:
        services.complaint_extend(complaint=complaint, number=1, new_due=D(2027, 1, 14), reason="  ", by=officer_1)
    assert "Enter why" in str(no_reason.value)
    stage = services.complaint_extend(complaint=complaint, number=1, new_due=D(2027, 1, 14),
                                      reason="We are waiting for the contractor's records", by=officer_1)
    assert stage.response_due == D(2027, 1, 14) and stage.extension_reason.startswith("We are waiting")
    with pytest.raises(ValidationError) as twice:
        services.complaint_extend(complaint=complaint, number=1, new_due=D(2027, 1, 15), reason="More", by=officer_1)
    assert "already been extended" in str(twice.value)
    stage.refresh_from_db()
    assert stage.response_due == D(2027, 1, 14)


def test_extension_before_acknowledgement_is_refused(resident_a, officer_1, today):
    complaint = _complaint(resident_a, D(2026, 12, 9), today)
    with pytest.raises(ValidationError, match="Acknowledge the complaint first"):
        services.complaint_extend(complaint=complaint, number=1, new_due=D(2026, 12, 18), reason="x", by=officer_1)


@pytest.mark.parametrize("on, allowed", [
    (D(2026, 12, 8), True),
    (D(2027, 1, 7), True),    # the 20th working day after 7 December
    (D(2027, 1, 8), False),
])
def test_escalation_window_20_working_days(resident_a, officer_1, today, on, allowed):
    complaint = _answered(resident_a, officer_1, today, responded=D(2026, 12, 7))
    assert complaint.stages.get(number=1).escalate_by == D(2027, 1, 7)
    today(on)
    if allowed:
        stage = services.complaint_escalate(complaint=complaint, reason="Not satisfied", by=resident_a)
        assert stage.number == 2
    else:
        with pytest.raises(ValidationError) as refused:
            services.complaint_escalate(complaint=complaint, reason="Not satisfied", by=resident_a)
        assert "ended on 7 January 2027" in str(refused.value)
        assert complaint.stages.count() == 1
