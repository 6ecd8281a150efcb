"""application_submit and friends: decisions, payment, issue, idempotency, bad input, renewal, change."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from applications import services as s
from applications.models import Application, ApplicationEvidence, Entitlement
from applications.rules import add_months
from oxtom.cases.models import Case, QaCheck
from oxtom.core.models import AuditEvent
from oxtom.customers import merge
from oxtom.customers.models import Channel, Interaction
from oxtom.notify.models import OutboundMessage
from oxtom.payments.models import Payment, SandboxCharge, Status as PayStatus
from oxtom.payments.providers import sandbox
from oxtom.payments.services import payment_refresh_status
from tests import factories as f

from .conftest import BADGE_AUTO, BADGE_REFER, BADGE_REFUSE, PDF, PERMIT_ANSWERS, png

pytestmark = pytest.mark.django_db


def submit(service, customer, answers, key, evidence=(), **kw):
    return s.application_submit(service=service, customer=customer, answers=answers, evidence=evidence,
                                channel=kw.pop("channel", Channel.WEB), by=kw.pop("by", customer.user),
                                submission_key=key(), **kw)


def permit(svc, rose, key, **answers):
    return submit(svc("parking-permit"), rose, {**PERMIT_ANSWERS, **answers}, key, [("vehicle", PDF)])


def pay(application, card="4444333322221111", by=None):
    started = s.application_payment_start(application=application, return_url="/apply/done/", by=by)
    sandbox.pay(SandboxCharge.objects.get(payment_id=started.payment.provider_payment_id), card)
    payment_refresh_status(payment=started.payment, by=by)
    application.refresh_from_db()
    return started.payment


def messages(template=None):
    qs = OutboundMessage.objects.all()
    return list(qs.filter(template_code=template) if template else qs)


# --- automatic approval with a fee, payment, issue ------------------------------------------------

def test_permit_is_approved_automatically_and_waits_for_payment(svc, rose, key):
    application = permit(svc, rose, key)
    assert application.status == Application.Status.AWAITING_PAYMENT
    assert application.decided_automatically and application.decided_at is not None
    assert application.fee_pence == 5500 and application.details["zone"] == "B"
    assert application.answers["postcode"] == "OX4 1HP"  # pre-filled from the record, not asked again
    assert application.reference.startswith("AP-")
    [message] = messages("application-decision")
    assert "pay £55.00" in message.body and application.reference in message.body
    assert message.context["link"].endswith(f"/apply/applications/{application.reference}/")
    kinds = set(rose.interactions.values_list("kind", flat=True))
    assert {"application.submitted", "application.approved"} <= kinds
    assert AuditEvent.objects.filter(target_type="applications.application", target_id=str(application.pk)).exists()
    assert not Entitlement.objects.exists()


def test_paying_issues_the_permit_once(svc, rose, key):
    application = permit(svc, rose, key)
    payment = pay(application)
    assert payment.status == PayStatus.SUCCESS
    assert application.status == Application.Status.ISSUED and application.payment == payment
    [permit_] = Entitlement.objects.all()
    assert permit_.number.startswith("RP-") and permit_.customer == rose
    assert permit_.details["vehicle_registration"] == "AB12 CDE"
    assert permit_.expires_on == add_months(permit_.starts_on, 12) - dt.timedelta(days=1)
    [issued] = messages("entitlement-issued")
    assert issued.context["link"].endswith(f"/account/entitlements/{permit_.number}/")
    # The return page and the sweeper both checking again, and a direct call, change nothing.
    payment_refresh_status(payment=payment, by=None)
    assert s.application_paid(application=application, payment=payment, by=None) == permit_
    assert Entitlement.objects.count() == 1 and len(messages("entitlement-issued")) == 1


def test_paying_twice_is_refused(svc, rose, key):
    application = permit(svc, rose, key)
    pay(application)
    with pytest.raises(s.ApplicationError, match="already been paid"):
        s.application_payment_start(application=application, return_url="/apply/done/", by=None)
    assert Payment.objects.count() == 1


def test_starting_payment_twice_gives_the_same_live_payment(svc, rose, key):
    application = permit(svc, rose, key)
    first = s.application_payment_start(application=application, return_url="/x/", by=None)
    second = s.application_payment_start(application=application, return_url="/x/", by=None)
    assert first.payment == second.payment and Payment.objects.count() == 1


def test_failed_payment_issues_nothing_and_a_new_attempt_can_pay(svc, rose, key):
    application = permit(svc, rose, key)
    failed = pay(application, card="4000000000000002")
    assert failed.status == PayStatus.FAILED
    assert application.status == Application.Status.AWAITING_PAYMENT and not Entitlement.objects.exists()
    second = pay(application)
    assert second != failed and application.status == Application.Status.ISSUED
    assert Entitlement.objects.count() == 1


def test_a_forged_payment_does_not_issue(svc, rose, key, resident_b):
    application = permit(svc, rose, key)
    other = permit(svc, rose, key, vehicle_registration="XY12 ZZZ")
    payment = pay(other)
    with pytest.raises(s.ApplicationError, match="not a completed payment"):
        s.application_paid(application=application, payment=payment, by=None)
    application.refresh_from_db()
    assert application.status == Application.Status.AWAITING_PAYMENT
    assert Entitlement.objects.filter(application=application).count() == 0


def test_nothing_to_pay_for_a_free_pass(svc, rose, key):
    application = submit(svc("bus-pass"), rose, {}, key, [("photo", png()), ("identity", PDF)])
    with pytest.raises(s.ApplicationError, match="nothing to pay"):
        s.application_payment_start(application=application, return_url="/x/", by=None)


# --- automatic approval without a fee ----------------------------------------------------------------

def test_older_persons_bus_pass_is_issued_at_once_from_the_record(svc, rose, key):
    application = submit(svc("bus-pass"), rose, {}, key, [("photo", png()), ("identity", PDF)])
    assert application.status == Application.Status.ISSUED and application.fee_pence == 0
    bus_pass = Entitlement.objects.get(application=application)
    assert bus_pass.number.startswith("BP-") and bus_pass.details["pass_type"] == "older"
    assert bus_pass.expires_on == add_months(bus_pass.starts_on, 60) - dt.timedelta(days=1)
    assert application.evidence.count() == 2
    assert [m.template_code for m in messages()] == ["entitlement-issued"]


def test_early_application_starts_on_state_pension_date(svc, rose, key):
    # Born 6 April 1960: State Pension age on 6 May 2026. Applying 10 days before is accepted (14 days early).
    application = submit(svc("bus-pass"), rose, {"date_of_birth": "1960-04-06"}, key,
                         [("photo", png()), ("identity", PDF)], today=dt.date(2026, 4, 26))
    bus_pass = Entitlement.objects.get(application=application)
    assert bus_pass.starts_on == dt.date(2026, 5, 6)
    assert bus_pass.expires_on == dt.date(2031, 5, 5)


def test_blue_badge_for_someone_else_records_the_holder(svc, rose, key, photo, letter):
    answers = {**BADGE_AUTO, "applying_for": "someone_else", "holder_first_name": "Ivy", "holder_last_name": "Jones",
               "relationship": "Mother", "holder_date_of_birth": "1940-02-02"}
    application = submit(svc("blue-badge"), rose, answers, key, [photo, letter])
    assert application.status == Application.Status.AWAITING_PAYMENT and application.fee_pence == 1000
    assert application.details["holder_name"] == "Ivy Jones"
    pay(application)
    badge = Entitlement.objects.get(application=application)
    assert badge.details["holder_name"] == "Ivy Jones" and badge.number.startswith("BB-")


# --- referral and refusal -----------------------------------------------------------------------------

def test_referral_becomes_a_case_in_the_team_queue_with_answers_and_evidence(svc, rose, key, photo, letter):
    application = submit(svc("blue-badge"), rose, BADGE_REFER, key, [photo, letter])
    assert application.status == Application.Status.REFERRED
    case = application.case
    assert case.team.slug == "blue-badge-concessions" and case.service.code == "blue-badge"
    assert case.special_category  # health information
    assert case.answers["application"] == application.reference
    assert case.answers["answers"]["walking_difficulty"] == "yes"
    assert len(case.answers["evidence"]) == 2
    assert application.reference in case.title and rose.last_name not in case.title
    [message] = messages("application-decision")
    assert "an officer" in message.body and "We will tell you our decision by" in message.body


def test_terminal_illness_is_urgent(svc, rose, key, photo, letter):
    application = submit(svc("blue-badge"), rose, {**BADGE_REFUSE, "terminal_illness": "yes"}, key, [photo, letter])
    assert application.case.priority == 1
    assert "deal with these first" in messages("application-decision")[0].body


def test_refusal_gives_reasons_reconsideration_and_signposting(svc, rose, key, photo, letter):
    application = submit(svc("blue-badge"), rose, BADGE_REFUSE, key, [photo, letter])
    assert application.status == Application.Status.REFUSED and application.fee_pence == 0
    assert application.reasons and application.case is None
    [message] = messages("application-decision")
    assert "not approved" in message.body and "look again" in message.body
    assert "Community transport" in message.body


def test_excluded_property_is_refused(svc, rose, key):
    rose.address_line_1, rose.postcode = "1 Canal Wharf", "OX4 6ZZ"
    rose.save()
    application = permit(svc, rose, key)
    assert application.status == Application.Status.REFUSED
    assert "planning condition" in " ".join(application.reasons)


def test_household_limit_counts_issued_permits_at_the_address(svc, rose, key):
    fees = []
    for reg in ("AB12 CDE", "CD12 EFG", "EF12 GHJ"):
        application = permit(svc, rose, key, vehicle_registration=reg)
        fees.append(application.fee_pence)
        pay(application)
    assert fees == [5500, 9000, 14000]
    fourth = permit(svc, rose, key, vehicle_registration="GH12 JKL")
    assert fourth.status == Application.Status.REFUSED
    assert "already has 3 permits" in fourth.reasons[0]


# --- idempotency and bad input ---------------------------------------------------------------------------

def test_same_submission_key_returns_the_first_application(svc, rose, photo, letter):
    args = dict(service=svc("blue-badge"), customer=rose, answers=BADGE_REFER, evidence=[photo, letter],
                channel=Channel.WEB, by=rose.user, submission_key="double-click")
    first = s.application_submit(**args)
    second = s.application_submit(**args)
    assert first == second
    assert Application.objects.count() == 1 and Case.objects.count() == 1 and len(messages()) == 1


def test_someone_elses_submission_key_is_refused(svc, rose, resident_b, photo, letter):
    s.application_submit(service=svc("blue-badge"), customer=rose, answers=BADGE_REFER, evidence=[photo, letter],
                         channel=Channel.WEB, by=rose.user, submission_key="shared")
    with pytest.raises(s.ApplicationError):
        s.application_submit(service=svc("blue-badge"), customer=resident_b.customer, answers=BADGE_REFER,
                             evidence=[photo, letter], channel=Channel.WEB, by=resident_b, submission_key="shared")


def _scripted_pdf() -> bytes:
    from tests.core.test_document_check import _open_action, real_pdf

    return real_pdf(_open_action({"/S": "/JavaScript", "/JS": "app.alert(1)"}))


SCRIPTED_PDF = _scripted_pdf()


@pytest.mark.parametrize("answers, evidence, message", [
    ({**PERMIT_ANSWERS, "vehicle_registration": "<script>alert(1)</script>"}, [("vehicle", PDF)], "registration"),
    ({**PERMIT_ANSWERS, "vehicle_keeper": "hacker"}, [("vehicle", PDF)], "options"),
    ({**PERMIT_ANSWERS, "lives_at_address": None}, [("vehicle", PDF)], "Do you live"),
    (PERMIT_ANSWERS, [], "registration document"),                                  # missing evidence
    (PERMIT_ANSWERS, [("vehicle", b"MZ\x90\x00 not a document")], "must be a JPG"),  # unsupported file
    (PERMIT_ANSWERS, [("vehicle", b"%PDF-1.4 truncated")], "must be a JPG"),
    (PERMIT_ANSWERS, [("vehicle", SCRIPTED_PDF)], "contains scripts or actions"),  # runs code when opened
    (PERMIT_ANSWERS, [("vehicle", b"")], "empty"),
    (PERMIT_ANSWERS, [("vehicle", b"%PDF-" + b"x" * (10 * 1024 * 1024) + b"%%EOF")], "smaller than 10MB"),
    (PERMIT_ANSWERS, [("passport-scan", PDF)], "what each file is"),
    (PERMIT_ANSWERS, [("vehicle", PDF)] * 11, "at most 10"),
    ({**PERMIT_ANSWERS, "notes": "x" * 30_000}, [("vehicle", PDF)], "characters or fewer"),
    ("not a dict", [("vehicle", PDF)], "set of questions"),
])
def test_bad_input_is_refused_and_nothing_is_saved(svc, rose, key, answers, evidence, message):
    if isinstance(answers, dict):
        answers = {k: v for k, v in answers.items() if v is not None}
    with pytest.raises(s.ApplicationError) as exc:
        submit(svc("parking-permit"), rose, answers, key, evidence)
    assert message in " ".join(exc.value.messages)
    assert not Application.objects.exists() and not ApplicationEvidence.objects.exists()
    assert not messages() and not Case.objects.exists()


def test_future_date_of_birth_is_refused(svc, rose, key):
    with pytest.raises(s.ApplicationError, match="today or in the past"):
        submit(svc("bus-pass"), rose, {"date_of_birth": "2999-01-01"}, key, [("photo", png()), ("identity", PDF)])


def test_inactive_service_and_bad_channel_and_kind(svc, rose, key):
    service = svc("parking-permit")
    with pytest.raises(s.ApplicationError, match="Choose how"):
        submit(service, rose, PERMIT_ANSWERS, key, [("vehicle", PDF)], channel="pigeon")
    with pytest.raises(s.ApplicationError, match="kind"):
        submit(service, rose, PERMIT_ANSWERS, key, [("vehicle", PDF)], kind="reconsideration")
    service.is_active = False
    service.save()
    with pytest.raises(s.ApplicationError, match="closed"):
        submit(service, rose, PERMIT_ANSWERS, key, [("vehicle", PDF)])


def test_someone_elses_entitlement_cannot_be_renewed_through_submit(svc, rose, key, resident_b):
    application = permit(svc, rose, key)
    pay(application)
    theirs = Entitlement.objects.get()
    with pytest.raises(s.ApplicationError, match="not yours"):
        submit(svc("parking-permit"), resident_b.customer, PERMIT_ANSWERS, key, kind="renewal",
               previous_entitlement=theirs)


def test_images_are_checked_by_content_and_stored_under_our_name(svc, rose, key):
    application = submit(svc("bus-pass"), rose, {}, key, [("photo", png()), ("identity", PDF)])
    photo = application.evidence.get(kind="photo")
    assert photo.content_type == "image/png" and photo.file.name.startswith("applications/")
    assert photo.token in photo.file.name


# --- QA sample of automatic approvals -----------------------------------------------------------------------

@pytest.mark.parametrize("rate, sampled", [("1", True), ("0", False)])
def test_automatic_approvals_are_sampled_for_qa_at_the_service_rate(svc, rose, key, rate, sampled):
    service = svc("bus-pass")
    service.case_service.qa_sample_rate = rate
    service.case_service.save()
    application = submit(service, rose, {}, key, [("photo", png()), ("identity", PDF)])
    checks = QaCheck.objects.filter(team=service.case_service.team)
    assert checks.exists() is sampled
    if sampled:
        check = checks.get()
        case = check.case
        assert case.status == "closed" and case.decision == "approved" and application.case == case
        # Listed in the QA queue as the rules' decision, not as an officer's closed case.
        assert check.kind == QaCheck.Kind.AUTOMATIC_DECISION
        # It is a record for the spot-check, never work in the queue.
        assert not Case.objects.open().exists()


# --- renewal and change of circumstances ------------------------------------------------------------------

def _issued_pass(svc, rose, key):
    application = submit(svc("bus-pass"), rose, {}, key, [("photo", png()), ("identity", PDF)])
    return Entitlement.objects.get(application=application)


def test_renewal_starts_from_the_old_expiry_and_is_idempotent(svc, rose, key):
    old = _issued_pass(svc, rose, key)
    new = s.entitlement_renew(entitlement=old, by=None)
    assert new.starts_on == old.expires_on + dt.timedelta(days=1)
    assert new.expires_on == add_months(new.starts_on, 60) - dt.timedelta(days=1)
    old.refresh_from_db()
    assert old.status == Entitlement.Status.SUPERSEDED and old.superseded_by == new
    assert s.entitlement_renew(entitlement=old, by=None) == new
    assert Entitlement.objects.count() == 2


def test_renewal_application_for_a_permit_pays_then_renews(svc, rose, key):
    first = permit(svc, rose, key)
    pay(first)
    old = Entitlement.objects.get()
    renewal = submit(svc("parking-permit"), rose, PERMIT_ANSWERS, key, kind="renewal", previous_entitlement=old)
    # The permit being renewed is not counted against the household limit: still the first price.
    assert renewal.status == Application.Status.AWAITING_PAYMENT and renewal.fee_pence == 5500
    pay(renewal)
    old.refresh_from_db()
    assert old.status == Entitlement.Status.SUPERSEDED
    assert old.superseded_by.starts_on == old.expires_on + dt.timedelta(days=1)
    assert renewal.status == Application.Status.ISSUED


def test_blue_badges_are_never_renewed_automatically(svc, rose, key, photo, letter):
    application = submit(svc("blue-badge"), rose, BADGE_AUTO, key, [photo, letter])
    pay(application)
    badge = Entitlement.objects.get()
    with pytest.raises(s.ApplicationError, match="cannot be renewed automatically"):
        s.entitlement_renew(entitlement=badge, by=None)
    reapplication = submit(svc("blue-badge"), rose, BADGE_AUTO, key, kind="renewal", previous_entitlement=badge)
    pay(reapplication)
    badge.refresh_from_db()
    assert badge.status == Entitlement.Status.SUPERSEDED


def test_lapsed_cannot_be_renewed(svc, rose, key):
    old = _issued_pass(svc, rose, key)
    Entitlement.objects.filter(pk=old.pk).update(status=Entitlement.Status.LAPSED)
    with pytest.raises(s.ApplicationError, match="lapsed"):
        s.entitlement_renew(entitlement=old, by=None)


def test_change_of_vehicle_reruns_the_rules_and_replaces_the_permit(svc, rose, key):
    first = permit(svc, rose, key)
    pay(first)
    old = Entitlement.objects.get()
    change = s.entitlement_change_circumstances(entitlement=old, changes={"vehicle_registration": "wx99 zzz"},
                                                by=rose.user, channel=Channel.WEB)
    assert change.kind == "change" and change.status == Application.Status.ISSUED and change.fee_pence == 0
    old.refresh_from_db()
    new = old.superseded_by
    assert new.details["vehicle_registration"] == "WX99 ZZZ" and new.expires_on == old.expires_on
    again = s.entitlement_change_circumstances(entitlement=old, changes={"vehicle_registration": "wx99 zzz"},
                                               by=rose.user, channel=Channel.WEB)
    assert again == change


def test_change_to_an_address_outside_the_zones_is_refused_and_ends_the_old_permit(svc, rose, key):
    # More cases (excluded property, household limit, refused vehicle) in test_refused_change.py.
    first = permit(svc, rose, key)
    pay(first)
    old = Entitlement.objects.get()
    change = s.entitlement_change_circumstances(entitlement=old, changes={"postcode": "OX10 0AA"}, by=rose.user,
                                                channel=Channel.WEB)
    assert change.status == Application.Status.REFUSED
    old.refresh_from_db()
    assert old.status == Entitlement.Status.REVOKED


@pytest.mark.parametrize("changes, message", [
    ({}, "what has changed"), ({"is_staff": True}, "Only the answers"),
    ({"vehicle_registration": "NOT A REG!"}, "registration"),
])
def test_bad_changes_are_refused(svc, rose, key, changes, message):
    first = permit(svc, rose, key)
    pay(first)
    with pytest.raises(s.ApplicationError, match=message):
        s.entitlement_change_circumstances(entitlement=Entitlement.objects.get(), changes=changes, by=rose.user,
                                           channel=Channel.WEB)


# --- timeline, advisers, merge ---------------------------------------------------------------------------------

def test_an_adviser_applying_by_phone_is_on_the_timeline_as_on_behalf(svc, rose, key, adviser, photo, letter):
    submit(svc("blue-badge"), rose, BADGE_REFER, key, [photo, letter], channel=Channel.PHONE, by=adviser)
    entry = rose.interactions.get(kind="application.submitted")
    assert entry.channel == Channel.PHONE and entry.actor == adviser and entry.on_behalf_of
    assert entry.direction == Interaction.Direction.INBOUND


def test_merge_moves_applications_and_entitlements(svc, rose, key):
    from oxtom.customers.services import customer_merge

    assert merge.unregistered_relations() == []
    _issued_pass(svc, rose, key)
    survivor = f.CustomerFactory()
    customer_merge(source=rose, survivor=survivor, by=f.UserFactory(roles=["administrator"]))
    assert Application.objects.get().customer == survivor and Entitlement.objects.get().customer == survivor


def test_decide_is_refused_for_residents(svc, rose, key, photo, letter):
    application = submit(svc("blue-badge"), rose, BADGE_REFER, key, [photo, letter])
    with pytest.raises(PermissionDenied):
        s.application_decide(application=application, decision="approve", reasons="fine", by=rose.user,
                             version=application.version)


def test_a_paid_application_the_handler_missed_is_issued_by_the_reconciliation(svc, rose, key, monkeypatch):
    from oxtom.payments import services as payments

    monkeypatch.setattr(payments, "_success_handlers", {})  # as if the handler had failed
    application = permit(svc, rose, key)
    pay(application)
    assert application.status == Application.Status.AWAITING_PAYMENT and not Entitlement.objects.exists()
    assert s.applications_reconcile_paid() == {"issued": 1, "failed": 0}
    application.refresh_from_db()
    assert application.status == Application.Status.ISSUED and Entitlement.objects.count() == 1
    assert s.applications_reconcile_paid() == {"issued": 0, "failed": 0}


def test_the_reconciliation_task_is_on_the_beat_schedule(settings):
    from applications import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["applications-reconcile-paid"]
    assert entry["task"] == tasks.reconcile_paid.name


def test_a_lost_bus_pass_is_replaced_for_the_replacement_fee(svc, rose, key):
    old = _issued_pass(svc, rose, key)
    replacement = submit(svc("bus-pass"), rose, {}, key, kind="replacement", previous_entitlement=old)
    assert replacement.status == Application.Status.AWAITING_PAYMENT and replacement.fee_pence == 1000
    pay(replacement)
    old.refresh_from_db()
    new = old.superseded_by
    assert old.status == Entitlement.Status.SUPERSEDED and new.expires_on == old.expires_on
    assert new.number != old.number and new.application == replacement
    with pytest.raises(s.ApplicationError, match="Say which"):
        submit(svc("bus-pass"), rose, {}, key, kind="replacement")


def test_moving_house_drops_the_old_property_reference(svc, rose, key):
    rose.uprn = "200000000123"
    rose.save()
    first = permit(svc, rose, key)
    pay(first)
    old = Entitlement.objects.get()
    assert old.details["address_key"] == "uprn:200000000123"
    change = s.entitlement_change_circumstances(
        entitlement=old, changes={"address_line_1": "7 Sheep Street", "postcode": "OX16 5AA"}, by=rose.user,
        channel=Channel.WEB)
    assert change.status == Application.Status.ISSUED
    new = Entitlement.objects.get(application=change)
    assert new.details["zone"] == "C" and new.household_key == "addr:7 sheep street|OX16 5AA"


def test_a_paid_blue_badge_reapplication_after_the_old_badge_lapsed_is_issued_fresh(svc, rose, key, photo, letter):
    first = submit(svc("blue-badge"), rose, BADGE_AUTO, key, [photo, letter])
    pay(first)
    old = Entitlement.objects.get()
    Entitlement.objects.filter(pk=old.pk).update(status=Entitlement.Status.LAPSED)
    again = submit(svc("blue-badge"), rose, BADGE_AUTO, key, kind="renewal", previous_entitlement=old)
    pay(again)
    assert again.status == Application.Status.ISSUED
    new = Entitlement.objects.get(application=again)
    assert new.status == Entitlement.Status.ACTIVE and new.starts_on == timezone.localdate()


def test_two_paid_renewals_of_one_permit_continue_the_chain(svc, rose, key):
    first = permit(svc, rose, key)
    pay(first)
    old = Entitlement.objects.get()
    one = submit(svc("parking-permit"), rose, PERMIT_ANSWERS, key, kind="renewal", previous_entitlement=old)
    two = submit(svc("parking-permit"), rose, PERMIT_ANSWERS, key, kind="renewal", previous_entitlement=old)
    pay(one)
    pay(two)
    assert one.status == two.status == Application.Status.ISSUED
    a, b = Entitlement.objects.get(application=one), Entitlement.objects.get(application=two)
    assert b.starts_on == a.expires_on + dt.timedelta(days=1)
    assert s.applications_reconcile_paid() == {"issued": 0, "failed": 0}
