"""The demo gives the complaints officers and the demo resident real work: each point of stage 1 and 2."""
from __future__ import annotations

from bas.complaints import demo, selectors, services
from bas.complaints.models import Complaint, LearningAction
from oxtom.customers.models import Customer


def test_demo_complaints_at_every_point(resident_a, resident_b, officer_1, officer_2, adviser, complaint_services):
    resident = Customer.objects.get(user=resident_a)
    others = [Customer.objects.get(user=resident_b)] * 3
    made = demo.seed_demo_complaints(first=officer_1, second=officer_2, resident=resident, resident_user=resident_a,
                                     others=others)
    assert made == 5
    steps = {(row.stage.number, row.step) for row in selectors.queue(officer_1)}
    assert steps == {(1, "Acknowledge"), (1, "Respond"), (2, "Final response")}
    assert [row.stage.number for row in selectors.queue(officer_2, mine=True)] == [2]
    mine = Complaint.objects.filter(customer=resident)
    can_escalate = [c for c in mine if not services.escalation_refusal(c, {s.number: s for s in c.stages.all()})]
    assert len(can_escalate) == 1
    assert LearningAction.objects.filter(done_at__isnull=True).count() == 1
    assert Complaint.objects.exclude(ombudsman_decision="").count() == 1
