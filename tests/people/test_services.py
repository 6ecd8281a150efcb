"""Recruitment services: the vacancy from request to appointment, the pool of talent, retention and the rules."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from oxtom.core.models import AuditEvent
from oxtom.notify.models import OutboundMessage
from people import registry, selectors, services
from people.models import (ApplicationStatus, Candidate, CandidateSkill, CheckKind, EqualityMonitoring, JobApplication,
                           OfferStatus, PanelBooking, Vacancy, VacancyStatus)

from .conftest import pool_candidate, to_offer

pytestmark = pytest.mark.django_db


def test_request_pick_up_and_advertise(jane, tom, profile):
    vacancy = services.vacancy_request(profile=profile, location="Banbury", hours="", reason="Leaver", by=jane,
                                       submission_key="k1")
    again = services.vacancy_request(profile=profile, location="Banbury", hours="", reason="Leaver", by=jane,
                                     submission_key="k1")
    assert again.pk == vacancy.pk and Vacancy.objects.count() == 1  # double submit: one request
    assert list(selectors.recruitment_queue()) == [vacancy]
    with pytest.raises(PermissionDenied):
        services.vacancy_pick_up(vacancy=vacancy, by=jane)
    vacancy = services.vacancy_pick_up(vacancy=vacancy, by=tom)
    assert vacancy.coordinator == tom and vacancy.status == VacancyStatus.SHORTLISTING
    assert not selectors.recruitment_queue().exists()
    assert OutboundMessage.objects.filter(recipient=jane.email).exists()
    with pytest.raises(ValidationError):
        services.vacancy_advertise(vacancy=vacancy, closing_date=timezone.localdate(), by=tom)
    services.vacancy_advertise(vacancy=vacancy, closing_date=timezone.localdate() + dt.timedelta(days=7), by=tom)
    assert list(selectors.advertised_vacancies()) == [vacancy]


def test_only_a_line_manager_raises_a_request(tom, panellist, profile):
    for user in (tom, panellist):
        with pytest.raises(PermissionDenied):
            services.vacancy_request(profile=profile, location="X", hours="", reason="", by=user)


def test_application_double_submit_and_equality_apart(make_vacancy, cv):
    vacancy = make_vacancy()
    answers = {"name": "Alex Able", "email": "Alex@Example.net", "location": "Didcot", "skills": "Telephone, telephone",
               "statement": "x", "pool": True}
    first, created = services.application_submit(vacancy=vacancy, answers=answers, cv=cv,
                                                 equality={"sex": "male", "age_band": "25-34"}, submission_key="d1")
    twin, twin_created = services.application_submit(vacancy=vacancy, answers=answers, cv=cv, equality={"sex": "male"},
                                                     submission_key="d1")
    other_draft, third = services.application_submit(vacancy=vacancy, answers=answers, cv=cv, equality={},
                                                     submission_key="d2")
    assert created and not twin_created and not third and first.pk == twin.pk == other_draft.pk
    assert JobApplication.objects.count() == 1 and Candidate.objects.count() == 1
    assert EqualityMonitoring.objects.count() == 1
    # Equality answers carry no link to the person or the application.
    fields = {f.name for f in EqualityMonitoring._meta.get_fields()}
    assert not fields & {"candidate", "application", "email", "name"}
    candidate = first.candidate
    assert candidate.email == "alex@example.net" and candidate.in_pool
    assert list(CandidateSkill.objects.filter(candidate=candidate).values_list("skill", flat=True)) == ["telephone"]
    message = OutboundMessage.objects.get(recipient="alex@example.net")
    assert "/jobs/pool/leave/" in message.body


def test_a_closed_vacancy_takes_no_applications(make_vacancy, cv):
    vacancy = make_vacancy(advertised=False)
    with pytest.raises(ValidationError):
        services.application_submit(vacancy=vacancy, answers={"name": "A", "email": "a@example.net"}, cv=cv,
                                    equality=None, submission_key="c1")


def test_pool_search_by_profile_skills_and_appointable(tom, jane, profile):
    best = pool_candidate("Ada Best", ["customer service", "telephone"], appointable=True, profile=profile)
    some = pool_candidate("Bo Some", ["telephone"])
    pool_candidate("Cy None", ["welding"])
    pool_candidate("Di Expired", ["telephone"], days=-1)
    Candidate.objects.create(name="Ed Out", email="ed@example.net", in_pool=False)
    found = selectors.pool_search(tom, profile=profile)
    assert [c.name for c in found] == ["Ada Best", "Bo Some"]
    assert [c.name for c in selectors.pool_search(tom, skills=["Telephone "])] == ["Ada Best", "Bo Some"]
    assert [c.name for c in selectors.pool_search(tom, profile=profile, appointable_only=True)] == ["Ada Best"]
    assert selectors.pool_search(jane, profile=profile) == []  # managers never search the pool
    assert best and some


def test_pool_shortlist_to_the_manager_who_chooses(make_vacancy, tom, jane, other_manager, profile, make_application):
    vacancy = make_vacancy()
    earlier = make_vacancy()
    old = make_application(earlier, email="ada@example.net", name="Ada Pool")
    candidate = old.candidate
    application = services.pool_shortlist(vacancy=vacancy, candidate=candidate, by=tom)
    assert application.from_pool and application.status == ApplicationStatus.SHORTLISTED
    assert application.cv.name == old.cv.name  # the CV they sent before goes with them
    assert services.pool_shortlist(vacancy=vacancy, candidate=candidate, by=tom).pk == application.pk
    with pytest.raises(PermissionDenied):
        services.pool_shortlist(vacancy=vacancy, candidate=candidate, by=jane)
    applied = make_application(vacancy)
    # The manager sees the shortlist, not every applicant; another manager sees nothing.
    assert list(selectors.applications_for(jane, vacancy)) == [application]
    assert not selectors.applications_for(other_manager, vacancy).exists()
    assert set(selectors.applications_for(tom, vacancy)) == {application, applied}
    with pytest.raises(PermissionDenied):
        services.application_choose(application=application, interview=True, by=other_manager)
    services.application_choose(application=application, interview=True, by=jane)
    assert Vacancy.objects.get(pk=vacancy.pk).status == VacancyStatus.INTERVIEW


def test_slots_offered_booked_once_and_panel_never_double_booked(at_interview, make_vacancy, make_application, tom,
                                                                   jane, panellist):
    vacancy, (first, second), slots = at_interview
    assert services.slots_offer(vacancy=vacancy, by=tom) == 2
    assert OutboundMessage.objects.filter(body__contains="/jobs/interview/").count() == 2
    services.slot_book(application_id=first.pk, slot_id=slots[0].pk)
    with pytest.raises(services.SlotTaken):
        services.slot_book(application_id=second.pk, slot_id=slots[0].pk)
    assert PanelBooking.objects.filter(starts_at=slots[0].starts_at).count() == 2
    # Changing to another time frees the first.
    services.slot_book(application_id=first.pk, slot_id=slots[1].pk)
    services.slot_book(application_id=second.pk, slot_id=slots[0].pk)
    # Pat sits on another vacancy's panel with a slot at the same time: it cannot be booked.
    other = make_vacancy()
    candidate = make_application(other)
    services.application_shortlist(application=candidate, by=tom)
    services.application_choose(application=candidate, interview=True, by=jane)
    services.panel_add(vacancy=other, user=panellist, by=tom)
    clash = services.slot_add(vacancy=other, starts_at=slots[0].starts_at, minutes=45, place="Room 2", by=tom)
    with pytest.raises(services.SlotTaken):
        services.slot_book(application_id=candidate.pk, slot_id=clash.pk)
    with pytest.raises(ValidationError):  # a slot of another vacancy
        services.slot_book(application_id=candidate.pk, slot_id=slots[2].pk)


def test_scores_outcome_offer_checks_and_confirmation(at_interview, tom, jane, panellist, other_manager):
    vacancy, (first, second), _slots = at_interview
    accepted, confirmed = [], []
    registry.on_offer_accepted(accepted.append)
    registry.on_appointment_confirmed(confirmed.append)
    try:
        with pytest.raises(PermissionDenied):
            services.scores_record(application=first, scores={"Communication": 3, "Values": 3}, note="", by=tom)
        with pytest.raises(ValidationError):
            services.scores_record(application=first, scores={"Communication": 9, "Values": 3}, note="", by=panellist)
        with pytest.raises(ValidationError):
            services.scores_record(application=first, scores={"Communication": 3}, note="", by=panellist)
        services.slot_book(application_id=first.pk, slot_id=vacancy.slots.first().pk)
        assert services.scores_record(application=first, scores={"Communication": 3, "Values": 4}, note="",
                                      by=panellist) == 7
        with pytest.raises(ValidationError):  # the preferred candidate must be appointable
            services.interview_outcome(application=first, appointable=False, preferred=True, by=jane)
        offer = to_offer(vacancy, JobApplication.objects.get(pk=first.pk), tom=tom, jane=jane, panellist=panellist)
        assert Vacancy.objects.get(pk=vacancy.pk).status == VacancyStatus.OFFER
        offer = services.offer_respond(offer_id=offer.pk, accept=True)
        assert offer.status == OfferStatus.ACCEPTED
        assert services.offer_respond(offer_id=offer.pk, accept=True).pk == offer.pk  # the same answer twice
        with pytest.raises(ValidationError):
            services.offer_respond(offer_id=offer.pk, accept=False)
        kinds = set(offer.checks.values_list("kind", flat=True))
        assert kinds == {CheckKind.RIGHT_TO_WORK, CheckKind.REFERENCE_1, CheckKind.REFERENCE_2, CheckKind.HEALTH,
                         CheckKind.QUALIFICATIONS, CheckKind.DBS}  # the profile needs a basic DBS check
        assert offer.checks.get(kind=CheckKind.DBS).detail == "Basic"
        assert len(accepted) == 1 and accepted[0].offer_id == offer.pk and not accepted[0].confirmed
        # Not before every check has an outcome.
        with pytest.raises(ValidationError) as early:
            services.appointment_confirm(offer=offer, start_date=timezone.localdate(), by=jane)
        assert "Every check needs an outcome" in str(early.value)
        from .conftest import pdf_bytes
        from people.cv import CheckedCv

        evidence = CheckedCv(pdf_bytes(), "application/pdf", "pdf")
        checks = list(offer.checks.all())
        with pytest.raises(ValidationError):  # concerns need a note
            services.check_record(check=checks[0], outcome="concerns", note="", evidence=evidence, by=tom)
        with pytest.raises(ValidationError):  # evidence is required
            services.check_record(check=checks[0], outcome="satisfactory", note="", evidence=None, by=tom)
        with pytest.raises(PermissionDenied):
            services.check_record(check=checks[0], outcome="satisfactory", note="", evidence=evidence, by=jane)
        for check in checks:
            services.check_record(check=check, outcome="satisfactory", note="", evidence=evidence, by=tom)
        with pytest.raises(PermissionDenied):
            services.appointment_confirm(offer=offer, start_date=timezone.localdate(), by=other_manager)
        start = timezone.localdate() + dt.timedelta(days=28)
        offer = services.appointment_confirm(offer=offer, start_date=start, by=jane)
        assert offer.status == OfferStatus.CONFIRMED and offer.start_date == start
        filled = Vacancy.objects.get(pk=vacancy.pk)
        assert filled.status == VacancyStatus.FILLED and filled.offer_accepted_at is not None
        assert JobApplication.objects.get(pk=second.pk).status == ApplicationStatus.UNSUCCESSFUL
        assert confirmed[0].start_date == start and confirmed[0].confirmed
        assert Candidate.objects.get(pk=first.candidate_id).appointable  # remembered for the pool
        # Every audit event uses the kernel's actions (the column is 16 characters; PostgreSQL holds it to that).
        assert set(AuditEvent.objects.values_list("action", flat=True)) <= set(AuditEvent.Action.values)
        assert AuditEvent.objects.filter(detail__event="people.appointment.confirmed", actor=jane).exists()
    finally:
        registry._accepted.remove(accepted.append)
        registry._confirmed.remove(confirmed.append)


def test_an_unsatisfactory_check_refuses_confirmation(at_interview, tom, jane, panellist):
    vacancy, (first, _second), _slots = at_interview
    offer = to_offer(vacancy, first, tom=tom, jane=jane, panellist=panellist)
    services.offer_respond(offer_id=offer.pk, accept=True)
    from .conftest import pdf_bytes
    from people.cv import CheckedCv

    evidence = CheckedCv(pdf_bytes(), "application/pdf", "pdf")
    for n, check in enumerate(offer.checks.all()):
        services.check_record(check=check, outcome="unsatisfactory" if n == 0 else "satisfactory",
                              note="No right to work", evidence=evidence, by=tom)
    with pytest.raises(ValidationError):
        services.appointment_confirm(offer=offer, start_date=timezone.localdate(), by=jane)


def test_a_failing_onboarding_hook_refuses_the_acceptance(at_interview, tom, jane, panellist):
    vacancy, (first, _second), _slots = at_interview
    offer = to_offer(vacancy, first, tom=tom, jane=jane, panellist=panellist)

    def broken(starter):
        raise RuntimeError("onboarding is down")

    registry.on_offer_accepted(broken)
    try:
        with pytest.raises(RuntimeError):
            services.offer_respond(offer_id=offer.pk, accept=True)
    finally:
        registry._accepted.remove(broken)


def test_declining_reopens_interviews(at_interview, tom, jane, panellist):
    vacancy, (first, _second), _slots = at_interview
    offer = to_offer(vacancy, first, tom=tom, jane=jane, panellist=panellist)
    services.offer_respond(offer_id=offer.pk, accept=False)
    assert Vacancy.objects.get(pk=vacancy.pk).status == VacancyStatus.INTERVIEW
    assert JobApplication.objects.get(pk=first.pk).status == ApplicationStatus.UNSUCCESSFUL


def test_withdraw_by_signed_link_and_retention(make_vacancy, make_application):
    vacancy = make_vacancy()
    staying = make_application(vacancy)
    token = services.candidate_link("withdraw", staying.candidate_id)
    assert services.from_link("withdraw", token) == staying.candidate_id
    with pytest.raises(ValidationError):
        services.from_link("withdraw", token + "x")
    with pytest.raises(ValidationError):
        services.from_link("offer", token)  # a link for one purpose does not open another
    services.pool_withdraw(candidate_id=staying.candidate_id)
    candidate = Candidate.objects.get(pk=staying.candidate_id)
    assert not candidate.in_pool and candidate.withdrawn_at and not candidate.skill_rows.exists()
    # Retention: expired consent leaves the pool; with nothing open the candidate is deleted.
    gone = pool_candidate("Old Timer", ["telephone"], days=-1)
    busy = make_application(vacancy)
    Candidate.objects.filter(pk=busy.candidate_id).update(pool_consent_until=timezone.localdate() - dt.timedelta(days=1))
    assert services.pool_expire() == 2
    assert not Candidate.objects.filter(pk=gone.pk).exists()
    assert not Candidate.objects.get(pk=busy.candidate_id).in_pool  # kept while their application is open
    assert services.pool_expire() == 0
    assert AuditEvent.objects.filter(action="delete", detail__event="people.pool.expired").count() == 2


def test_the_beat_schedule_runs_the_retention_job(settings):
    from people.tasks import expire_pool

    entry = settings.CELERY_BEAT_SCHEDULE["people-expire-pool"]
    assert entry["task"] == expire_pool.name


def test_measures_time_to_hire_and_filled_from_pool(at_interview, tom, jane, panellist):
    from performance.computations import REGISTRY, Context

    vacancy, (first, _second), _slots = at_interview
    JobApplication.objects.filter(pk=first.pk).update(from_pool=True)
    offer = to_offer(vacancy, JobApplication.objects.get(pk=first.pk), tom=tom, jane=jane, panellist=panellist)
    Vacancy.objects.filter(pk=vacancy.pk).update(requested_at=timezone.now() - dt.timedelta(days=14))
    services.offer_respond(offer_id=offer.pk, accept=True)
    month = timezone.localdate().replace(day=1)
    ctx = Context(months=[month], division_ids=[])
    county = lambda code: REGISTRY[code](ctx).query("division_id != division_id")["value"].tolist()  # noqa: E731
    assert county("vacancies-filled") == [1.0]
    assert county("vacancies-filled-from-pool") == [1.0]
    assert 9 <= county("time-to-hire")[0] <= 10  # two weeks is ten working days (fewer over a bank holiday)
