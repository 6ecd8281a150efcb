"""Street report messages through the notification outbox: what is queued, on which channel, in which words.

The reporter gets a confirmation, then a message on every status change
(the last one, on closing, also asks for feedback); followers get the same
updates. Each event queues one message per person, however often it is sent.
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from oxtom.customers.models import PreferredChannel
from oxtom.notify.models import OutboundMessage
from portal import services
from portal.models import ReportStatus
from tests import factories as f

RS = ReportStatus


def outbox(customer=None, template=None):
    qs = OutboundMessage.objects.order_by("created_at", "id")
    if customer is not None:
        qs = qs.filter(customer=customer)
    if template:
        qs = qs.filter(template_code=template)
    return list(qs)


@pytest.fixture
def texter(db, division_b):
    """A follower who prefers text messages."""
    user = f.UserFactory(email="texter@example.org", full_name="Tess Texter")
    f.CustomerFactory(user=user, first_name="Tess", last_name="Texter", email=user.email, phone="+447700900123",
                      preferred_channel=PreferredChannel.SMS, division=division_b)
    return user


def change(report, by, **kwargs):
    return services.report_change_status(report=report, expected_version=report.case.version, by=by, **kwargs)


def test_confirmation_by_email_names_reference_type_and_next_steps(make_report, resident_a):
    report = make_report()
    [message] = outbox(resident_a.customer)
    assert message.template_code == "report-received" and message.channel == "email"
    assert message.recipient == resident_a.customer.email
    assert message.subject == f"We have received your report {report.case.reference}"
    assert "Dear Alice Resident" in message.body and "Thank you for reporting a problem: Pothole." in message.body
    assert "We aim to deal with it within 20 working days." in message.body
    assert f"/reports/{report.case.reference}/" in message.body


def test_confirmation_by_text_message_when_preferred(make_report, texter):
    report = make_report(customer=texter.customer, by=texter)
    [message] = outbox(texter.customer)
    assert message.channel == "sms" and message.recipient == "+447700900123" and message.subject == ""
    assert message.body.startswith(f"Oxfordshire County Council: we have your report {report.case.reference}: Pothole.")


def test_below_threshold_confirmation_says_what_happens_instead(make_report, resident_a, pothole):
    make_report(answers={"depth_mm": "10", "width_mm": "100", "position": "road"}, photos=[])
    [message] = outbox(resident_a.customer)
    assert pothole.below_threshold_message in message.body and "working days" not in message.body


def test_submitting_the_same_report_twice_queues_one_confirmation(make_report, resident_a):
    from oxtom.cases.services import DuplicateSubmission

    make_report(submission_key="draft-1")
    with pytest.raises(DuplicateSubmission):
        make_report(submission_key="draft-1")
    assert len(outbox(resident_a.customer, "report-received")) == 1


def test_every_status_change_reaches_reporter_and_followers_on_their_channels(
        make_report, resident_a, resident_b, texter, officer_in_team):
    report = make_report()
    for person in (resident_b, texter):
        services.report_subscribe(report=report, customer=person.customer, by=person)
    expected = timezone.localdate() + dt.timedelta(days=12)
    booked = timezone.localdate() + dt.timedelta(days=6)
    report = change(report, officer_in_team, status=RS.ACCEPTED, expected_date=expected)
    report = change(report, officer_in_team, status=RS.SCHEDULED, scheduled_on=booked)
    report = change(report, officer_in_team, status=RS.IN_PROGRESS, public_text="Our crew is on site.")
    report = change(report, officer_in_team, status=RS.FIXED, public_text="Filled and sealed.")

    reporter = outbox(resident_a.customer)
    assert [m.template_code for m in reporter] == [
        "report-received", "report-update", "report-update", "report-update", "report-feedback"]
    accepted, scheduled, in_progress, fixed = reporter[1:]
    ref = report.case.reference
    assert accepted.subject == f"Update on report {ref}: Accepted"
    assert f"is now: Accepted." in accepted.body and f"We expect to fix it by {expected:%-d %B %Y}." in accepted.body
    assert scheduled.subject.endswith("Repair scheduled") and f"booked for {booked:%-d %B %Y}" in scheduled.body
    assert "Our crew is on site." in in_progress.body and in_progress.subject.endswith("In progress")
    assert fixed.subject == f"How did we do with report {ref}?"
    assert "Fixed." in fixed.body and "Filled and sealed." in fixed.body and "reopen the report" in fixed.body

    by_email = outbox(resident_b.customer)
    assert [m.template_code for m in by_email] == ["report-update"] * 4  # followers are not asked for feedback
    assert all(m.channel == "email" and m.recipient == "resident.b@example.org" for m in by_email)
    by_text = outbox(texter.customer)
    assert [m.channel for m in by_text] == ["sms"] * 4
    assert by_text[0].body == (f"Oxfordshire County Council: report {ref} is now Accepted. "
                               f"We expect to fix it by {expected:%-d %B %Y}.")
    assert by_text[3].body.endswith("is now Fixed. Filled and sealed.")
    # Nobody's name or contact details reach anyone else's message.
    for message in by_email + by_text:
        assert "Alice" not in message.body
    report.refresh_from_db()
    assert report.feedback_requested_at is not None


@pytest.mark.parametrize("status,words", [
    (RS.NOT_FIXED, "Closed – not fixed"),
    (RS.REFERRED, "Referred elsewhere"),
])
def test_closing_without_a_fix_asks_the_reporter_for_feedback(make_report, resident_a, resident_b, officer_in_team,
                                                              status, words):
    report = make_report()
    services.report_subscribe(report=report, customer=resident_b.customer, by=resident_b)
    change(report, officer_in_team, status=status, public_text="This is on private land.")
    [feedback] = outbox(resident_a.customer, "report-feedback")
    assert words in feedback.body and "This is on private land." in feedback.body
    [update] = outbox(resident_b.customer)
    assert update.template_code == "report-update" and update.subject.endswith(words)


def test_duplicate_tells_everyone_where_updates_will_come_from(make_report, resident_a, resident_b, texter,
                                                               officer_in_team):
    original = make_report(customer=resident_b.customer, by=resident_b)
    copy = make_report()
    services.report_subscribe(report=copy, customer=texter.customer, by=texter)
    change(copy, officer_in_team, status=RS.DUPLICATE, duplicate_of=original)
    for person in (resident_a, texter):
        [update] = outbox(person.customer, "report-update")
        assert f"Updates will now come from report {original.case.reference}." in update.body
        assert "Duplicate" in update.body
    assert not outbox(template="report-feedback")  # a duplicate is not a closed job to rate
    # Both now follow the original, so its next change reaches them once each.
    original.refresh_from_db()
    change(original, officer_in_team, status=RS.ACCEPTED)
    for person in (resident_a, texter, resident_b):
        assert len(outbox(person.customer, "report-update")) == (1 if person is resident_b else 2)


def test_reopen_tells_reporter_and_followers(make_report, resident_a, resident_b, officer_in_team):
    report = make_report()
    services.report_subscribe(report=report, customer=resident_b.customer, by=resident_b)
    report = change(report, officer_in_team, status=RS.FIXED)
    services.report_reopen(report=report, reason="Still a hole", by=resident_a)
    last = outbox(resident_b.customer)[-1]
    assert "the report is open again" in last.body


def test_a_change_sent_twice_queues_its_messages_once(make_report, resident_a, officer_in_team):
    report = make_report()
    seen = report.case.version
    services.report_change_status(report=report, status=RS.ACCEPTED, expected_version=seen, by=officer_in_team)
    with pytest.raises(ValidationError):
        services.report_change_status(report=report, status=RS.ACCEPTED, expected_version=seen, by=officer_in_team)
    assert len(outbox(resident_a.customer, "report-update")) == 1


def test_refused_change_queues_nothing(make_report, resident_a, officer_in_team):
    report = make_report()
    with pytest.raises(ValidationError):
        change(report, officer_in_team, status=RS.SCHEDULED)  # no date
    assert outbox(template="report-update") == []


def test_new_expected_date_is_announced(make_report, resident_a, officer_in_team):
    report = make_report()
    when = timezone.localdate() + dt.timedelta(days=9)
    services.report_set_expected_date(report=report, expected_date=when, expected_version=report.case.version,
                                      by=officer_in_team)
    [update] = outbox(resident_a.customer, "report-update")
    assert f"We expect to fix it by {when:%-d %B %Y}." in update.body and update.subject.endswith("Reported")
    with pytest.raises(ValidationError, match="already has that expected date"):
        report.refresh_from_db()
        services.report_set_expected_date(report=report, expected_date=when, expected_version=report.case.version,
                                          by=officer_in_team)
    assert len(outbox(resident_a.customer, "report-update")) == 1
