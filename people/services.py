"""Recruitment's writes: vacancy requests, the pool of talent, applications, interviews, offers and checks.

Every function takes its actor (`by=`; None for a candidate acting through a signed link or the system),
runs in one transaction and records its audit event. Who may do what is decided here, not in the views.
"""
from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, Iterable

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record
from oxtom.core.links import absolute_url
from oxtom.core.references import random_code

from . import pool_index, registry
from .cv import CheckedCv
from .models import (ApplicationStatus, Candidate, CandidateSkill, CheckKind, CheckOutcome, DbsLevel,
                     EqualityMonitoring, InterviewSlot, JobApplication, Offer, OfferStatus, PanelBooking, PanelMember,
                     PreEmploymentCheck, RoleProfile, Score, Vacancy, VacancyStatus)

POOL_CONSENT_DAYS = 365  # how long a candidate who opts in stays in the pool unless they withdraw sooner
LINK_MAX_AGE = 60 * 60 * 24 * 60  # signed links to candidates work for 60 days
WITHDRAW_MAX_AGE = 60 * 60 * 24 * 400  # the pool withdrawal link works for as long as the consent
MAX_SCORE = 4
OPEN_STATUSES = (VacancyStatus.REQUESTED, VacancyStatus.OPEN, VacancyStatus.SHORTLISTING, VacancyStatus.INTERVIEW,
                 VacancyStatus.OFFER, VacancyStatus.CHECKS)


def audit(*, by: Any, event: str, target: Any, summary: str = "") -> None:
    """One audit event: the kernel's action (view, create, update, delete) and recruitment's own name for what
    happened in the detail (`event`, e.g. "people.application.viewed"), so the trail can be searched by it."""
    verb = event.rsplit(".", 1)[-1]
    action = ("view" if verb in ("viewed", "downloaded", "searched", "evidence_downloaded") else
              "delete" if verb in ("expired", "withdrawn") else
              "create" if verb in ("requested", "submitted", "added", "made", "shortlisted", "created") else "update")
    audit_record(by=by, action=action, target=target, summary=summary or event, event=event)


def is_coordinator(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and user.has_permission(Permission.RECRUITMENT_WORK))


def is_hiring_manager(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active
                and user.has_permission(Permission.STAFF_MANAGE))


def _require_coordinator(by: Any) -> None:
    if not is_coordinator(by):
        raise PermissionDenied("Only the recruitment team can do this")


def _require_manager_of(vacancy: Vacancy, by: Any) -> None:
    if not (is_hiring_manager(by) and vacancy.manager_id == by.pk):
        raise PermissionDenied("Only the vacancy's hiring manager can do this")


def _require_manager_or_coordinator(vacancy: Vacancy, by: Any) -> None:
    if not (is_coordinator(by) or (is_hiring_manager(by) and vacancy.manager_id == by.pk)):
        raise PermissionDenied("Only the recruitment team or the hiring manager can do this")


def _locked(vacancy: Vacancy) -> Vacancy:
    return Vacancy.objects.select_for_update(of=("self",)).select_related("role_profile").get(pk=vacancy.pk)


def _bump(vacancy: Vacancy, **changes: Any) -> None:
    changes["version"] = vacancy.version + 1
    Vacancy.objects.filter(pk=vacancy.pk).update(**changes)
    for name, value in changes.items():
        setattr(vacancy, name, value)


def normalise_skill(text: str) -> str:
    return " ".join(str(text).lower().split())[:60]


def parse_skills(text: str) -> list[str]:
    """Skills typed as a comma or line separated list: normalised, unique, at most 20."""
    seen: list[str] = []
    for part in str(text).replace("\n", ",").split(","):
        skill = normalise_skill(part)
        if skill and skill not in seen:
            seen.append(skill)
    return seen[:20]


def _notify(*, to: str, subject: str, message: str, reference: str, key: str, name: str = "") -> None:
    """Email someone who is not a customer (a candidate, a manager) through the outbox."""
    from oxtom.notify.services import notification_queue, staff_alert_queue

    if name:
        notification_queue(customer=None, template="generic-update", to=to, by=None, idempotency_key=key,
                           channel="email", context={"name": name, "subject": subject, "message": message,
                                                     "reference": reference})
    else:
        staff_alert_queue(to=to, key=key, subject=subject, message=message)


# --- signed links for candidates ------------------------------------------------------------------------

def candidate_link(purpose: str, pk: int) -> str:
    return signing.dumps({"id": pk}, salt=f"people.{purpose}", compress=True)


def from_link(purpose: str, token: str, *, max_age: int = LINK_MAX_AGE) -> int:
    """The id a signed link carries, or ValidationError for a forged, altered or expired one."""
    try:
        value = signing.loads(str(token)[:300], salt=f"people.{purpose}", max_age=max_age)
        return int(value["id"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationError("This link is not valid or has expired") from None


# --- vacancies --------------------------------------------------------------------------------------------

@transaction.atomic
def vacancy_request(*, profile: RoleProfile, location: str, hours: str, reason: str, by: Any,
                    submission_key: str = "") -> Vacancy:
    """A hiring manager asks for a post to be filled, from a standard role profile. Idempotent on the key."""
    if not is_hiring_manager(by):
        raise PermissionDenied("Only a line manager can raise a vacancy request")
    if not profile.active:
        raise ValidationError({"profile": "This role profile is no longer used: choose another"})
    key = (submission_key or "").strip()[:64] or None
    if key and (existing := Vacancy.objects.filter(submission_key=key).first()):
        return existing
    location = " ".join(str(location).split())[:100]
    if not location:
        raise ValidationError({"location": "Enter where the post is based"})
    for _ in range(5):
        reference = random_code(6, prefix="VR")
        if not Vacancy.objects.filter(reference=reference).exists():
            break
    vacancy = Vacancy.objects.create(reference=reference, role_profile=profile, manager=by, location=location,
                                     hours=(hours or "Full time, 37 hours")[:60], reason=reason[:2000],
                                     requested_at=timezone.now(), submission_key=key)
    audit(by=by, event="people.vacancy.requested", target=vacancy, summary=f"{reference} {profile.title}")
    return vacancy


@transaction.atomic
def vacancy_pick_up(*, vacancy: Vacancy, by: Any) -> Vacancy:
    """A co-ordinator takes a request from the recruitment queue: it is theirs to fill."""
    _require_coordinator(by)
    vacancy = _locked(vacancy)
    if vacancy.status != VacancyStatus.REQUESTED:
        if vacancy.coordinator_id == by.pk:
            return vacancy
        raise ValidationError("This request has already been picked up")
    _bump(vacancy, coordinator=by, picked_up_at=timezone.now(), status=VacancyStatus.SHORTLISTING)
    audit(by=by, event="people.vacancy.picked_up", target=vacancy, summary=vacancy.reference)
    _notify(to=vacancy.manager.email, subject=f"Your vacancy request {vacancy.reference} has been picked up",
            message=f"{by.full_name or by.email} in the recruitment team is working on your request for a "
                    f"{vacancy.role_profile.title}.", reference=vacancy.reference,
            key=f"people:vacancy:{vacancy.pk}:picked-up")
    return vacancy


@transaction.atomic
def vacancy_advertise(*, vacancy: Vacancy, closing_date: dt.date, by: Any) -> Vacancy:
    _require_coordinator(by)
    vacancy = _locked(vacancy)
    if vacancy.status not in (VacancyStatus.SHORTLISTING, VacancyStatus.OPEN):
        raise ValidationError("Only a vacancy being shortlisted can be advertised")
    if closing_date <= timezone.localdate():
        raise ValidationError({"closing_date": "The closing date must be in the future"})
    if closing_date > timezone.localdate() + dt.timedelta(days=90):
        raise ValidationError({"closing_date": "The closing date must be within 90 days"})
    _bump(vacancy, status=VacancyStatus.OPEN, advertised_at=vacancy.advertised_at or timezone.now(),
          closing_date=closing_date)
    audit(by=by, event="people.vacancy.advertised", target=vacancy, summary=f"closes {closing_date}")
    return vacancy


# --- the pool of talent -----------------------------------------------------------------------------------

def _set_skills(candidate: Candidate, skills: Iterable[str]) -> None:
    skills = [normalise_skill(s) for s in skills if normalise_skill(s)]
    CandidateSkill.objects.filter(candidate=candidate).exclude(skill__in=skills).delete()
    have = set(CandidateSkill.objects.filter(candidate=candidate).values_list("skill", flat=True))
    CandidateSkill.objects.bulk_create([CandidateSkill(candidate=candidate, skill=s) for s in dict.fromkeys(skills)
                                        if s not in have])
    pool_index.refresh_candidates([candidate.pk])


@transaction.atomic
def pool_shortlist(*, vacancy: Vacancy, candidate: Candidate, by: Any) -> JobApplication:
    """Put a pool candidate forward to the manager: an application on the vacancy, from the pool, shortlisted.

    Their most recent CV and statement go with it. Doing it twice returns the same application.
    """
    _require_coordinator(by)
    vacancy = _locked(vacancy)
    if vacancy.status not in (VacancyStatus.SHORTLISTING, VacancyStatus.OPEN):
        raise ValidationError("Candidates can be shortlisted only while the vacancy is being shortlisted")
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if not candidate.in_pool or (candidate.pool_consent_until and candidate.pool_consent_until < timezone.localdate()):
        raise ValidationError("This candidate is no longer in the pool of talent")
    existing = JobApplication.objects.filter(vacancy=vacancy, candidate=candidate).first()
    if existing is not None:
        if existing.status == ApplicationStatus.APPLIED:
            existing.status = ApplicationStatus.SHORTLISTED
            existing.save(update_fields=["status"])
        return existing
    last = candidate.applications.exclude(cv="").order_by("-submitted_at").first()
    application = JobApplication.objects.create(
        vacancy=vacancy, candidate=candidate, status=ApplicationStatus.SHORTLISTED, from_pool=True,
        statement=last.statement if last else "", token=secrets.token_hex(16),
        cv=last.cv.name if last else "", cv_content_type=last.cv_content_type if last else "",
        cv_extension=last.cv_extension if last else "", submitted_at=timezone.now())
    audit(by=by, event="people.pool.shortlisted", target=application, summary=vacancy.reference)
    return application


@transaction.atomic
def application_shortlist(*, application: JobApplication, by: Any) -> JobApplication:
    """A co-ordinator puts an applicant on the shortlist the manager sees."""
    _require_coordinator(by)
    application = JobApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.APPLIED:
        return application
    application.status = ApplicationStatus.SHORTLISTED
    application.save(update_fields=["status"])
    audit(by=by, event="people.application.shortlisted", target=application)
    return application


@transaction.atomic
def shortlist_send(*, vacancy: Vacancy, by: Any) -> int:
    """Tell the manager the shortlist is ready; returns how many are on it."""
    _require_coordinator(by)
    count = vacancy.applications.filter(status=ApplicationStatus.SHORTLISTED).count()
    if not count:
        raise ValidationError("Shortlist at least one candidate first")
    _notify(to=vacancy.manager.email, subject=f"Shortlist ready for {vacancy.reference}",
            message=f"{count} candidate(s) are shortlisted for your {vacancy.role_profile.title} vacancy. "
                    f"Choose whom to interview: {absolute_url(reverse('people:vacancy', args=[vacancy.reference]))}",
            reference=vacancy.reference, key=f"people:vacancy:{vacancy.pk}:shortlist:{count}")
    audit(by=by, event="people.vacancy.shortlist_sent", target=vacancy, summary=f"{count} candidates")
    return count


@transaction.atomic
def application_choose(*, application: JobApplication, interview: bool, by: Any) -> JobApplication:
    """The manager chooses whether to interview a shortlisted candidate."""
    vacancy = _locked(application.vacancy)
    _require_manager_of(vacancy, by)
    application = JobApplication.objects.select_for_update().get(pk=application.pk)
    if application.status not in (ApplicationStatus.SHORTLISTED, ApplicationStatus.INTERVIEW,
                                  ApplicationStatus.NOT_CHOSEN):
        raise ValidationError("This candidate is past that stage")
    if hasattr(application, "slot") and not interview:
        raise ValidationError("This candidate has booked an interview")
    application.status = ApplicationStatus.INTERVIEW if interview else ApplicationStatus.NOT_CHOSEN
    application.save(update_fields=["status"])
    if interview and vacancy.status in (VacancyStatus.SHORTLISTING, VacancyStatus.OPEN):
        _bump(vacancy, status=VacancyStatus.INTERVIEW)
    audit(by=by, event="people.application.chosen" if interview else "people.application.not_chosen",
                 target=application)
    return application


@transaction.atomic
def pool_withdraw(*, candidate_id: int) -> Candidate | None:
    """A candidate leaves the pool through their link: out of every search at once, skills forgotten."""
    candidate = Candidate.objects.select_for_update().filter(pk=candidate_id).first()
    if candidate is None:
        return None
    if candidate.in_pool:
        Candidate.objects.filter(pk=candidate.pk).update(in_pool=False, withdrawn_at=timezone.now(),
                                                          pool_consent_until=None)
        CandidateSkill.objects.filter(candidate=candidate).delete()
        pool_index.forget_candidates([candidate.pk])
        audit(by=None, event="people.pool.withdrawn", target=candidate)
    return candidate


def pool_expire(*, today: dt.date | None = None) -> int:
    """Retention: candidates whose consent has expired leave the pool; those with nothing open are deleted
    with their applications and files. Set-based; returns how many left the pool."""
    today = today or timezone.localdate()
    expired = Candidate.objects.filter(in_pool=True, pool_consent_until__lt=today)
    ids = list(expired.values_list("pk", flat=True)[:10_000])
    if not ids:
        return 0
    with transaction.atomic():
        Candidate.objects.filter(pk__in=ids).update(in_pool=False, pool_consent_until=None)
        CandidateSkill.objects.filter(candidate_id__in=ids).delete()
        pool_index.forget_candidates(ids)
        busy = set(JobApplication.objects.filter(candidate_id__in=ids, vacancy__status__in=OPEN_STATUSES)
                   .values_list("candidate_id", flat=True))
        removable = [pk for pk in ids if pk not in busy]
        files = list(JobApplication.objects.filter(candidate_id__in=removable).exclude(cv="")
                     .values_list("cv", flat=True))
        Candidate.objects.filter(pk__in=removable).delete()
        from oxtom.core.audit import audit_record_many

        audit_record_many([{"action": "delete", "target_type": "people.candidate", "target_id": pk,
                            "summary": "Left the pool: consent expired", "detail": {"event": "people.pool.expired"}}
                           for pk in ids], by=None)

    def _delete_files() -> None:
        from django.core.files.storage import default_storage

        still_used = set(JobApplication.objects.filter(cv__in=files).values_list("cv", flat=True))
        for name in set(files) - still_used:
            default_storage.delete(name)

    transaction.on_commit(_delete_files)
    return len(ids)


# --- applying -----------------------------------------------------------------------------------------

def vacancy_is_advertised(vacancy: Vacancy) -> bool:
    return bool(vacancy.advertised_at and vacancy.closing_date and vacancy.closing_date >= timezone.localdate()
                and vacancy.status in (VacancyStatus.OPEN, VacancyStatus.SHORTLISTING))


@transaction.atomic
def application_submit(*, vacancy: Vacancy, answers: dict, cv: CheckedCv | None, equality: dict | None,
                       submission_key: str) -> tuple[JobApplication, bool]:
    """A candidate applies to an advertised vacancy. Returns (application, created).

    The same draft sent twice, or the same email address applying twice to one vacancy, makes one
    application. Equality answers are stored apart, linked to nothing but the vacancy and month.
    """
    key = (submission_key or "").strip()
    if not key or len(key) > 64:
        raise ValidationError("The form has expired: start again")
    if (existing := JobApplication.objects.filter(submission_key=key).first()) is not None:
        return existing, False
    vacancy = Vacancy.objects.select_for_update(of=("self",)).select_related("role_profile").get(pk=vacancy.pk)
    if not vacancy_is_advertised(vacancy):
        raise ValidationError("This vacancy is closed for applications")
    email = str(answers.get("email", "")).strip().lower()[:254]
    name = " ".join(str(answers.get("name", "")).split())[:150]
    if not email or not name:
        raise ValidationError("Enter your name and email address")
    candidate = Candidate.objects.select_for_update().filter(email=email).order_by("id").first()
    skills = parse_skills(answers.get("skills", ""))
    pool = bool(answers.get("pool"))
    if candidate is None:
        candidate = Candidate.objects.create(name=name, email=email)
    elif JobApplication.objects.filter(vacancy=vacancy, candidate=candidate).exists():
        return JobApplication.objects.get(vacancy=vacancy, candidate=candidate), False
    candidate.name, candidate.phone = name, str(answers.get("phone", ""))[:30]
    candidate.location = " ".join(str(answers.get("location", "")).split())[:100]
    candidate.skills = skills
    if pool:
        candidate.in_pool, candidate.withdrawn_at = True, None
        candidate.pool_consent_until = timezone.localdate() + dt.timedelta(days=POOL_CONSENT_DAYS)
    candidate.save()
    if pool:
        _set_skills(candidate, skills)
    else:
        pool_index.refresh_candidates([candidate.pk])  # a new name for someone already in the pool
    application = JobApplication(vacancy=vacancy, candidate=candidate, statement=str(answers.get("statement", ""))[:5000],
                                 token=secrets.token_hex(16), submission_key=key, submitted_at=timezone.now())
    if cv is not None:
        application.cv_content_type, application.cv_extension = cv.content_type, cv.extension
        application.cv.save("cv", ContentFile(cv.content), save=False)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:  # the twin of this submission won
        return JobApplication.objects.get(Q(submission_key=key) | Q(vacancy=vacancy, candidate=candidate)), False
    if equality and any(equality.values()):
        EqualityMonitoring.objects.create(vacancy=vacancy, month=timezone.localdate().replace(day=1),
                                          age_band=str(equality.get("age_band", ""))[:20], sex=str(equality.get("sex", ""))[:20],
                                          ethnicity=str(equality.get("ethnicity", ""))[:40],
                                          disability=str(equality.get("disability", ""))[:20])
    audit(by=None, event="people.application.submitted", target=application, summary=vacancy.reference)
    message = (f"Thank you for applying for {vacancy.role_profile.title} ({vacancy.reference}). "
               "The recruitment team will be in touch after the closing date.")
    if pool:
        message += (" You asked to be kept in our pool of talent for 12 months. To leave it at any time, use this "
                    f"link: {absolute_url(reverse('jobs:pool_withdraw', args=[candidate_link('withdraw', candidate.pk)]))}")
    _notify(to=email, name=name, subject=f"Your application for {vacancy.role_profile.title}", message=message,
            reference=vacancy.reference, key=f"people:application:{application.pk}:received")
    return application, True


# --- interviews -------------------------------------------------------------------------------------------

@transaction.atomic
def panel_add(*, vacancy: Vacancy, user: Any, by: Any) -> PanelMember:
    _require_manager_or_coordinator(vacancy, by)
    if not (user.is_active and user.can_enter_staff_area):
        raise ValidationError({"email": "A panel member must be an active member of staff"})
    member, _ = PanelMember.objects.get_or_create(vacancy=vacancy, user=user)
    audit(by=by, event="people.panel.added", target=vacancy, summary=user.email)
    return member


@transaction.atomic
def slot_add(*, vacancy: Vacancy, starts_at: dt.datetime, minutes: int, place: str, by: Any) -> InterviewSlot:
    _require_manager_or_coordinator(vacancy, by)
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": "The interview must be in the future"})
    if not 15 <= minutes <= 240:
        raise ValidationError({"minutes": "An interview lasts between 15 and 240 minutes"})
    if InterviewSlot.objects.filter(vacancy=vacancy, starts_at=starts_at).exists():
        raise ValidationError({"starts_at": "There is already a slot at that time"})
    slot = InterviewSlot.objects.create(vacancy=vacancy, starts_at=starts_at, minutes=minutes,
                                        place=(place or "County Hall, Oxford")[:150])
    audit(by=by, event="people.slot.added", target=vacancy, summary=f"{starts_at:%Y-%m-%d %H:%M}")
    return slot


@transaction.atomic
def slots_offer(*, vacancy: Vacancy, by: Any) -> int:
    """Email every candidate chosen for interview (and not yet booked) a link to pick a slot."""
    _require_manager_or_coordinator(vacancy, by)
    if not vacancy.slots.filter(application__isnull=True).exists():
        raise ValidationError("Add interview slots first")
    chosen = list(vacancy.applications.filter(status=ApplicationStatus.INTERVIEW, slot__isnull=True)
                  .select_related("candidate"))
    for application in chosen:
        link = absolute_url(reverse("jobs:interview", args=[candidate_link("interview", application.pk)]))
        _notify(to=application.candidate.email, name=application.candidate.name,
                subject=f"Interview for {vacancy.role_profile.title}",
                message=f"We would like to interview you. Choose a time that suits you: {link}",
                reference=vacancy.reference, key=f"people:application:{application.pk}:slots")
    audit(by=by, event="people.slots.offered", target=vacancy, summary=f"{len(chosen)} candidates")
    return len(chosen)


class SlotTaken(ValidationError):
    pass


def slot_book(*, application_id: int, slot_id: int) -> InterviewSlot:
    """The candidate picks a slot. The slot row is locked, and each panel member's time is a unique row, so two
    candidates (or two vacancies sharing a panel member) can never book the same time."""
    with transaction.atomic():
        application = JobApplication.objects.select_for_update(of=("self",)).select_related("vacancy").get(pk=application_id)
        if application.status != ApplicationStatus.INTERVIEW:
            raise ValidationError("This interview invitation is no longer open")
        slot = InterviewSlot.objects.select_for_update().filter(pk=slot_id, vacancy_id=application.vacancy_id).first()
        if slot is None:
            raise ValidationError({"slot": "Choose a time from the list"})
        if slot.application_id == application.pk:
            return slot
        if slot.application_id is not None or slot.starts_at <= timezone.now():
            raise SlotTaken({"slot": "That time has just been taken: choose another"})
        previous = InterviewSlot.objects.select_for_update().filter(application=application).first()
        if previous is not None:
            PanelBooking.objects.filter(slot=previous).delete()
            previous.application = None
            previous.save(update_fields=["application"])
        panel = list(PanelMember.objects.filter(vacancy_id=application.vacancy_id).values_list("user_id", flat=True))
        try:
            with transaction.atomic():
                PanelBooking.objects.bulk_create([PanelBooking(user_id=u, starts_at=slot.starts_at, slot=slot)
                                                  for u in panel])
        except IntegrityError:
            raise SlotTaken({"slot": "A panel member is no longer free at that time: choose another"}) from None
        slot.application = application
        slot.save(update_fields=["application"])
        audit(by=None, event="people.slot.booked", target=application,
                     summary=f"{slot.starts_at:%Y-%m-%d %H:%M}")
        return slot


def is_panel_member(vacancy: Vacancy, user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)
                and PanelMember.objects.filter(vacancy=vacancy, user=user).exists())


@transaction.atomic
def scores_record(*, application: JobApplication, scores: dict[str, int], note: str, by: Any) -> int:
    """A panel member's scores for one interviewed candidate, per criterion of the role profile."""
    application = (JobApplication.objects.select_for_update(of=("self",)).select_related("vacancy__role_profile")
                   .get(pk=application.pk))
    vacancy = application.vacancy
    if not is_panel_member(vacancy, by):
        raise PermissionDenied("Only the interview panel can score")
    if application.status not in (ApplicationStatus.INTERVIEW, ApplicationStatus.INTERVIEWED,
                                  ApplicationStatus.PREFERRED):
        raise ValidationError("This candidate was not interviewed")
    criteria = vacancy.role_profile.interview_criteria or ["Overall"]
    if set(scores) != set(criteria):
        raise ValidationError("Score every criterion")
    for criterion, value in scores.items():
        if not isinstance(value, int) or not 0 <= value <= MAX_SCORE:
            raise ValidationError({criterion: f"Score {criterion} from 0 to {MAX_SCORE}"})
    for criterion, value in scores.items():
        Score.objects.update_or_create(application=application, panel_member=by, criterion=criterion,
                                       defaults={"score": value, "note": note[:2000]})
    if application.status == ApplicationStatus.INTERVIEW:
        application.status = ApplicationStatus.INTERVIEWED
        application.save(update_fields=["status"])
    audit(by=by, event="people.application.scored", target=application,
                 summary=f"total {sum(scores.values())}")
    return sum(scores.values())


@transaction.atomic
def interview_outcome(*, application: JobApplication, appointable: bool, preferred: bool, by: Any) -> JobApplication:
    """The manager records whether an interviewed candidate was of appointable standard, and the preferred one.

    An appointable candidate is remembered for the role profile (the pool search finds them next time)."""
    vacancy = _locked(application.vacancy)
    _require_manager_of(vacancy, by)
    application = JobApplication.objects.select_for_update(of=("self",)).select_related("candidate").get(pk=application.pk)
    if application.status not in (ApplicationStatus.INTERVIEWED, ApplicationStatus.PREFERRED):
        raise ValidationError("Record the outcome after the panel has scored the interview")
    if preferred and not appointable:
        raise ValidationError({"appointable": "The preferred candidate must be of appointable standard"})
    if preferred and vacancy.applications.filter(status=ApplicationStatus.PREFERRED).exclude(pk=application.pk).exists():
        raise ValidationError("Another candidate is already the preferred candidate")
    application.appointable = appointable
    application.status = ApplicationStatus.PREFERRED if preferred else ApplicationStatus.INTERVIEWED
    application.save(update_fields=["appointable", "status"])
    if appointable:
        Candidate.objects.filter(pk=application.candidate_id).update(appointable=True,
                                                                     appointable_for=vacancy.role_profile_id)
        pool_index.refresh_candidates([application.candidate_id])
    audit(by=by, event="people.application.outcome", target=application,
                 summary=("preferred" if preferred else "") + (" appointable" if appointable else " not appointable"))
    return application


# --- offers and pre-employment checks -------------------------------------------------------------------

def required_checks(profile: RoleProfile) -> list[tuple[str, str]]:
    checks = [(CheckKind.RIGHT_TO_WORK, ""), (CheckKind.REFERENCE_1, ""), (CheckKind.REFERENCE_2, ""),
              (CheckKind.HEALTH, ""), (CheckKind.QUALIFICATIONS, "")]
    if profile.dbs_level != DbsLevel.NONE:
        checks.append((CheckKind.DBS, DbsLevel(profile.dbs_level).label))
    return checks


@transaction.atomic
def offer_make(*, application: JobApplication, by: Any) -> Offer:
    vacancy = _locked(application.vacancy)
    _require_manager_or_coordinator(vacancy, by)
    application = JobApplication.objects.select_for_update(of=("self",)).select_related("candidate").get(pk=application.pk)
    if hasattr(application, "offer"):
        return application.offer
    if application.status != ApplicationStatus.PREFERRED:
        raise ValidationError("Only the preferred candidate can be offered the post")
    offer = Offer.objects.create(application=application, made_at=timezone.now())
    application.status = ApplicationStatus.OFFERED
    application.save(update_fields=["status"])
    _bump(vacancy, status=VacancyStatus.OFFER)
    link = absolute_url(reverse("jobs:offer", args=[candidate_link("offer", offer.pk)]))
    _notify(to=application.candidate.email, name=application.candidate.name,
            subject=f"Provisional offer: {vacancy.role_profile.title}",
            message=f"We are pleased to offer you the post of {vacancy.role_profile.title}, subject to "
                    f"pre-employment checks. Accept or decline the offer here: {link}",
            reference=vacancy.reference, key=f"people:offer:{offer.pk}:made")
    audit(by=by, event="people.offer.made", target=application, summary=vacancy.reference)
    return offer


def _starter(offer: Offer) -> registry.Starter:
    application = offer.application
    vacancy, candidate = application.vacancy, application.candidate
    return registry.Starter(offer_id=offer.pk, vacancy_id=vacancy.pk, vacancy_reference=vacancy.reference,
                            role_profile_id=vacancy.role_profile_id, name=candidate.name, email=candidate.email,
                            phone=candidate.phone, manager_id=vacancy.manager_id, coordinator_id=vacancy.coordinator_id,
                            start_date=offer.start_date, confirmed=offer.status == OfferStatus.CONFIRMED)


@transaction.atomic
def offer_respond(*, offer_id: int, accept: bool) -> Offer:
    """The candidate accepts or declines through their link. Acceptance opens the checks as tasks and tells
    onboarding (people.registry.on_offer_accepted)."""
    offer = Offer.objects.select_for_update(of=("self",)).select_related(
        "application__vacancy__role_profile", "application__candidate").get(pk=offer_id)
    if offer.status != OfferStatus.PROVISIONAL:
        if (offer.status in (OfferStatus.ACCEPTED, OfferStatus.CONFIRMED)) == accept:
            return offer  # the same answer again
        raise ValidationError("You have already answered this offer")
    vacancy = _locked(offer.application.vacancy)
    now = timezone.now()
    if not accept:
        offer.status = OfferStatus.DECLINED
        offer.save(update_fields=["status"])
        JobApplication.objects.filter(pk=offer.application_id).update(status=ApplicationStatus.UNSUCCESSFUL)
        _bump(vacancy, status=VacancyStatus.INTERVIEW)
        audit(by=None, event="people.offer.declined", target=offer.application)
        _notify(to=vacancy.manager.email, subject=f"Offer declined: {vacancy.reference}",
                message="The preferred candidate declined the offer.", reference=vacancy.reference,
                key=f"people:offer:{offer.pk}:declined")
        return offer
    offer.status, offer.accepted_at = OfferStatus.ACCEPTED, now
    offer.save(update_fields=["status", "accepted_at"])
    PreEmploymentCheck.objects.bulk_create([
        PreEmploymentCheck(offer=offer, kind=kind, detail=detail, token=secrets.token_hex(16))
        for kind, detail in required_checks(vacancy.role_profile)])
    _bump(vacancy, status=VacancyStatus.CHECKS, offer_accepted_at=now, filled_from_pool=offer.application.from_pool)
    audit(by=None, event="people.offer.accepted", target=offer.application)
    _notify(to=vacancy.manager.email, subject=f"Offer accepted: {vacancy.reference}",
            message="The preferred candidate accepted. The recruitment team has started the pre-employment checks.",
            reference=vacancy.reference, key=f"people:offer:{offer.pk}:accepted")
    registry.fire_offer_accepted(_starter(offer))
    return offer


@transaction.atomic
def check_record(*, check: PreEmploymentCheck, outcome: str, note: str, evidence: CheckedCv | None, by: Any
                 ) -> PreEmploymentCheck:
    _require_coordinator(by)
    check = PreEmploymentCheck.objects.select_for_update(of=("self",)).select_related("offer").get(pk=check.pk)
    if check.offer.status != OfferStatus.ACCEPTED:
        raise ValidationError("Checks can be recorded only after the offer is accepted and before it is confirmed")
    if outcome not in (CheckOutcome.SATISFACTORY, CheckOutcome.CONCERNS, CheckOutcome.UNSATISFACTORY):
        raise ValidationError({"outcome": "Choose the outcome of the check"})
    if outcome != CheckOutcome.SATISFACTORY and not note.strip():
        raise ValidationError({"note": "Say what the concern is"})
    if evidence is None and not check.evidence:
        raise ValidationError({"evidence": "Upload the evidence for this check"})
    if evidence is not None:
        check.evidence_content_type, check.evidence_extension = evidence.content_type, evidence.extension
        check.evidence.save("evidence", ContentFile(evidence.content), save=False)
    check.outcome, check.note, check.recorded_by, check.recorded_at = outcome, note[:2000], by, timezone.now()
    check.save()
    audit(by=by, event="people.check.recorded", target=check, summary=f"{check.kind}: {outcome}")
    return check


def checks_missing(offer: Offer) -> list[str]:
    return [c.get_kind_display() for c in offer.checks.all() if not c.outcome]


@transaction.atomic
def appointment_confirm(*, offer: Offer, start_date: dt.date, by: Any) -> Offer:
    """The manager confirms the appointment once every required check has an outcome, with the start date."""
    offer = Offer.objects.select_for_update(of=("self",)).select_related(
        "application__vacancy__role_profile", "application__candidate").get(pk=offer.pk)
    vacancy = _locked(offer.application.vacancy)
    _require_manager_of(vacancy, by)
    if offer.status == OfferStatus.CONFIRMED:
        return offer
    if offer.status != OfferStatus.ACCEPTED:
        raise ValidationError("The candidate has not accepted the offer")
    checks = list(offer.checks.all())
    missing = [c.get_kind_display() for c in checks if not c.outcome]
    if missing or not checks:
        raise ValidationError("Every check needs an outcome first: " + ", ".join(missing))
    if any(c.outcome == CheckOutcome.UNSATISFACTORY for c in checks):
        raise ValidationError("A check was unsatisfactory: the appointment cannot be confirmed")
    if start_date < timezone.localdate():
        raise ValidationError({"start_date": "The start date must be today or in the future"})
    if start_date > timezone.localdate() + dt.timedelta(days=365):
        raise ValidationError({"start_date": "The start date must be within a year"})
    now = timezone.now()
    offer.status, offer.confirmed_at, offer.start_date = OfferStatus.CONFIRMED, now, start_date
    offer.save(update_fields=["status", "confirmed_at", "start_date"])
    _bump(vacancy, status=VacancyStatus.FILLED, filled_at=now)
    JobApplication.objects.filter(vacancy=vacancy).exclude(pk=offer.application_id).exclude(
        status=ApplicationStatus.NOT_CHOSEN).update(status=ApplicationStatus.UNSUCCESSFUL)
    audit(by=by, event="people.appointment.confirmed", target=offer.application,
                 summary=f"starts {start_date}")
    candidate = offer.application.candidate
    _notify(to=candidate.email, name=candidate.name, subject=f"Your appointment: {vacancy.role_profile.title}",
            message=f"Your checks are complete and your appointment is confirmed. Your start date is "
                    f"{start_date:%-d %B %Y}.", reference=vacancy.reference, key=f"people:offer:{offer.pk}:confirmed")
    registry.fire_appointment_confirmed(_starter(offer))
    return offer


# --- role profiles ----------------------------------------------------------------------------------------

class StaleProfileError(ValidationError):
    def __init__(self) -> None:
        super().__init__("Someone else changed this role profile while you were editing it. Nothing was saved: "
                         "your changes are still in the form. Check them against the profile as it is now, "
                         "then save again.")


# Roles a profile may give a starter on day one: staff roles only, never the administrator's.
NEVER_FROM_PROFILE = {"administrator"}
PROFILE_FIELDS = ["title", "grade", "directorate", "summary", "dbs_level", "essential_skills", "staff_roles",
                  "interview_criteria"]


def grantable_roles() -> list[tuple[str, str]]:
    from oxtom.accounts.roles import ALL_ROLES

    return [(r.code, r.name) for r in ALL_ROLES if r.staff_area and r.code not in NEVER_FROM_PROFILE]


def _clean_profile(data: dict) -> dict:
    cleaned = {name: " ".join(str(data.get(name, "")).split()) for name in ("title", "grade", "directorate")}
    for name, label, most in (("title", "the job title", 150), ("grade", "the grade", 20),
                              ("directorate", "the directorate", 100)):
        if not cleaned[name]:
            raise ValidationError({name: f"Enter {label}"})
        if len(cleaned[name]) > most:
            raise ValidationError({name: f"{label[4:].capitalize()} must be {most} characters or fewer"})
    cleaned["summary"] = str(data.get("summary", "")).strip()[:3000]
    if data.get("dbs_level", DbsLevel.NONE) not in DbsLevel.values:
        raise ValidationError({"dbs_level": "Choose the DBS check the post needs"})
    cleaned["dbs_level"] = data.get("dbs_level", DbsLevel.NONE)
    skills = data.get("essential_skills", [])
    cleaned["essential_skills"] = parse_skills(skills) if isinstance(skills, str) else \
        list(dict.fromkeys(s for s in (normalise_skill(x) for x in skills) if s))[:20]
    if not cleaned["essential_skills"]:
        raise ValidationError({"essential_skills": "Enter at least one essential skill"})
    allowed = dict(grantable_roles())
    roles = list(dict.fromkeys(str(r) for r in data.get("staff_roles", [])))
    if bad := [r for r in roles if r not in allowed]:
        raise ValidationError({"staff_roles": f"A role profile cannot give these roles: {', '.join(bad)}"})
    cleaned["staff_roles"] = roles
    criteria = data.get("interview_criteria", [])
    if isinstance(criteria, str):
        criteria = criteria.replace("\n", ",").split(",")
    cleaned["interview_criteria"] = list(dict.fromkeys(c for c in (" ".join(str(x).split())[:60] for x in criteria)
                                                       if c))[:10]
    return cleaned


def _profile_teams(data: dict) -> list:
    from oxtom.accounts.models import Team

    teams = list(data.get("teams", []))
    ids = [t.pk if hasattr(t, "pk") else int(t) for t in teams]
    found = list(Team.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"teams": "Choose teams from the list"})
    return found


def _profile_diff(before: dict, after: dict) -> list[str]:
    return [name.replace("_", " ") for name in after if before.get(name) != after[name]]


@transaction.atomic
def profile_save(*, data: dict, by: Any, profile: RoleProfile | None = None, version: Any = None) -> RoleProfile:
    """The recruitment team creates a role profile or edits one. An edit carries the version the editor saw
    and is refused (StaleProfileError, nothing saved) if someone else saved in between. When the essential
    skills change, the pool's ranking for the profile is rebuilt in the same transaction."""
    from oxtom.core.versioning import lock_current, save_versioned

    _require_coordinator(by)
    cleaned = _clean_profile(data)
    teams = _profile_teams(data)
    duplicate = RoleProfile.objects.filter(title__iexact=cleaned["title"], grade__iexact=cleaned["grade"],
                                           directorate__iexact=cleaned["directorate"])
    if profile is None:
        if duplicate.exists():
            raise ValidationError({"title": "A role profile with this title, grade and directorate already exists"})
        profile = RoleProfile.objects.create(**cleaned, modified_at=timezone.now(), modified_by=by)
        profile.teams.set(teams)
        pool_index.rebuild([profile.pk])
        audit(by=by, event="people.profile.created", target=profile, summary=str(profile))
        return profile
    fresh = lock_current(RoleProfile.objects, profile.pk, version, stale=StaleProfileError)
    if duplicate.exclude(pk=fresh.pk).exists():
        raise ValidationError({"title": "A role profile with this title, grade and directorate already exists"})
    before = {name: getattr(fresh, name) for name in PROFILE_FIELDS}
    before_teams = sorted(fresh.teams.values_list("pk", flat=True))
    for name, value in cleaned.items():
        setattr(fresh, name, value)
    save_versioned(fresh, PROFILE_FIELDS, by=by, stale=StaleProfileError)
    fresh.teams.set(teams)
    if before["essential_skills"] != cleaned["essential_skills"]:
        pool_index.rebuild([fresh.pk])
    changed = _profile_diff(before, cleaned) + (["teams"] if before_teams != sorted(t.pk for t in teams) else [])
    audit(by=by, event="people.profile.edited", target=fresh,
          summary=f"{fresh}: " + ("changed " + ", ".join(changed) if changed else "saved with no change"))
    return fresh


@transaction.atomic
def profile_retire(*, profile: RoleProfile, version: Any, by: Any, retire: bool = True) -> RoleProfile:
    """Retire a profile (no new vacancy requests from it; open vacancies keep it), or bring it back."""
    from oxtom.core.versioning import lock_current, save_versioned

    _require_coordinator(by)
    fresh = lock_current(RoleProfile.objects, profile.pk, version, stale=StaleProfileError)
    if fresh.active == (not retire):
        return fresh
    fresh.active = not retire
    save_versioned(fresh, ["active"], by=by, stale=StaleProfileError)
    audit(by=by, event="people.profile.retired" if retire else "people.profile.restored", target=fresh,
          summary=str(fresh))
    return fresh
