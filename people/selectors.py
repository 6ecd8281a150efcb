"""Reads of recruitment records, scoped to the reader (docs/CONVENTIONS.md §3.2): HR data is the narrowest.

- The recruitment team (recruitment.work) sees every vacancy, application and the pool of talent.
- A hiring manager sees only their own vacancies, and of those only the candidates shortlisted to them.
- A panel member sees the vacancies they interview for, and only the candidates chosen for interview.
- Nobody sees equality monitoring against a person: it is stored apart (people.models.EqualityMonitoring).
"""
from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import (ApplicationStatus, Candidate, CandidateSkill, JobApplication, PanelMember, PoolMatch, RoleProfile,
                     Vacancy, VacancyStatus)
from .services import is_coordinator, is_hiring_manager, normalise_skill

MANAGER_SEES = [s for s in ApplicationStatus.values if s != ApplicationStatus.APPLIED]
PANEL_SEES = [ApplicationStatus.INTERVIEW, ApplicationStatus.INTERVIEWED, ApplicationStatus.PREFERRED,
              ApplicationStatus.OFFERED, ApplicationStatus.UNSUCCESSFUL]
POOL_PAGE = 50


def vacancies_for(user: Any) -> QuerySet[Vacancy]:
    base = Vacancy.objects.select_related("role_profile", "manager", "coordinator")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return base.none()
    if is_coordinator(user):
        return base
    panel = PanelMember.objects.filter(vacancy=OuterRef("pk"), user=user)
    if is_hiring_manager(user):
        return base.filter(Q(manager=user) | Exists(panel))
    return base.filter(Exists(panel))


def get_vacancy_for(user: Any, reference: str) -> Vacancy:
    vacancy = vacancies_for(user).filter(reference=str(reference)[:20]).first()
    if vacancy is None:
        raise Http404("No such vacancy")
    return vacancy


def applications_for(user: Any, vacancy: Vacancy) -> QuerySet[JobApplication]:
    base = JobApplication.objects.filter(vacancy=vacancy).select_related("candidate", "slot")
    if is_coordinator(user):
        return base
    if is_hiring_manager(user) and vacancy.manager_id == user.pk:
        return base.filter(status__in=MANAGER_SEES)
    if PanelMember.objects.filter(vacancy=vacancy, user=user).exists():
        return base.filter(status__in=PANEL_SEES)
    return base.none()


def get_application_for(user: Any, vacancy: Vacancy, pk: Any) -> JobApplication:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such application") from None
    application = applications_for(user, vacancy).filter(pk=pk).first()
    if application is None:
        raise Http404("No such application")
    return application


def recruitment_queue() -> QuerySet[Vacancy]:
    """Requests waiting for a co-ordinator, oldest first."""
    return (Vacancy.objects.filter(status=VacancyStatus.REQUESTED).select_related("role_profile", "manager")
            .order_by("requested_at", "id"))


def pool_search(user: Any, *, profile: RoleProfile | None = None, skills: list[str] | None = None,
                appointable_only: bool = False, limit: int = POOL_PAGE) -> list[Candidate]:
    """Candidates in the pool with consent current: appointable first, then by the number of the skills asked
    for that they have, then by name. Only the recruitment team may search.

    By role profile (skills not given) the ranking is read from PoolMatch, which holds each candidate's match
    for each profile beside its sort keys: one query walking pool_match_rank_idx in order that stops after
    `limit` rows, however big the pool. Asked for skills, the candidates holding any of them are counted from
    the skill index alone (unique_candidate_skill, index-only) and only the first `limit` are loaded."""
    if not is_coordinator(user):
        return []
    today = timezone.localdate()
    wanted = list(dict.fromkeys(s for s in (normalise_skill(s) for s in (skills or [])) if s))[:10]
    if profile is not None and not wanted:
        matches = PoolMatch.objects.filter(profile=profile, pool_until__gte=today)
        if appointable_only:
            matches = matches.filter(appointable=True)
        return [m.candidate for m in matches.select_related("candidate__appointable_for")
                .order_by("-appointable", "-matched", "name", "candidate_id")[:limit]]
    if not wanted:
        qs = Candidate.objects.filter(in_pool=True, pool_consent_until__gte=today)
        if appointable_only:
            qs = qs.filter(appointable=True)
        return list(qs.select_related("appointable_for").order_by("-appointable", "name", "id")[:limit])
    rows = CandidateSkill.objects.filter(skill__in=wanted, candidate__in_pool=True,
                                         candidate__pool_consent_until__gte=today)
    if appointable_only:
        rows = rows.filter(candidate__appointable=True)
    if profile is not None:
        # Those appointable for the profile or with one of its skills: exactly the profile's PoolMatch rows.
        rows = rows.filter(Exists(PoolMatch.objects.filter(profile=profile, candidate=OuterRef("candidate_id"))))
    ranked = list(rows.values("candidate_id").annotate(matched=Count("id"))
                  .order_by("-candidate__appointable", "-matched", "candidate__name", "candidate_id")
                  .values_list("candidate_id", flat=True)[:limit])
    found = Candidate.objects.select_related("appointable_for").in_bulk(ranked)
    return [found[pk] for pk in ranked if pk in found]


def candidate_skills(candidates: list[Candidate]) -> dict[int, list[str]]:
    rows = CandidateSkill.objects.filter(candidate_id__in=[c.pk for c in candidates]).order_by("skill")
    found: dict[int, list[str]] = {}
    for candidate_id, skill in rows.values_list("candidate_id", "skill"):
        found.setdefault(candidate_id, []).append(skill)
    return found


def advertised_vacancies() -> QuerySet[Vacancy]:
    today = timezone.localdate()
    return (Vacancy.objects.filter(advertised_at__isnull=False, closing_date__gte=today,
                                   status__in=[VacancyStatus.OPEN, VacancyStatus.SHORTLISTING])
            .select_related("role_profile").order_by("closing_date", "id"))


def get_advertised(reference: str) -> Vacancy:
    vacancy = advertised_vacancies().filter(reference=str(reference)[:20]).first()
    if vacancy is None:
        raise Http404("No such vacancy")
    return vacancy


def offer_of(vacancy: Vacancy) -> "Offer | None":
    """The vacancy's offer (one per vacancy), for the manager to confirm; the vacancy is already the reader's."""
    from .models import Offer

    return (Offer.objects.filter(application__vacancy=vacancy).select_related("application__candidate")
            .prefetch_related("checks").first())



def role_profiles_for(*, coordinator: bool) -> list[RoleProfile]:
    """The role profiles a reader may see: the recruitment team sees retired ones too, managers those in use."""
    profiles = RoleProfile.objects.all() if coordinator else RoleProfile.objects.filter(active=True)
    return list(profiles)


def get_role_profile(pk: int) -> RoleProfile:
    profile = RoleProfile.objects.filter(pk=pk).first()
    if profile is None:
        raise Http404("No such role profile")
    return profile
