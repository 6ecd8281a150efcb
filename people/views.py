"""Recruitment's staff pages (/staff/people/). Thin: forms in, services and selectors out.

Every page showing a candidate is audited (oxtom.core.audit), whoever reads it.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import staff_area_required
from oxtom.accounts.selectors import active_staff_by_email
from oxtom.core.files import private_file_response
from oxtom.core.forms import errors_onto_form, posted

from . import forms as f
from . import selectors, services
from .cv import CvRejected, cv_check
from .models import (ApplicationStatus, Candidate, OfferStatus, PanelMember, PreEmploymentCheck,
                     Score, VacancyStatus)



def _error(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _vacancy_url(vacancy) -> str:
    from django.urls import reverse

    return reverse("people:vacancy", args=[vacancy.reference])


def _application_url(application) -> str:
    from django.urls import reverse

    return reverse("people:application", args=[application.vacancy.reference, application.pk])


@staff_area_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    coordinator, manager = services.is_coordinator(user), services.is_hiring_manager(user)
    vacancies = list(selectors.vacancies_for(user).exclude(status__in=[VacancyStatus.FILLED, VacancyStatus.WITHDRAWN])
                     .order_by("-requested_at")[:100])
    if not (coordinator or manager or vacancies):
        raise PermissionDenied
    return render(request, "people/home.html", {
        "coordinator": coordinator, "manager": manager,
        "queue": list(selectors.recruitment_queue()[:100]) if coordinator else [],
        "mine": [v for v in vacancies if v.coordinator_id == user.pk or v.manager_id == user.pk],
        "panels": [v for v in vacancies if v.coordinator_id != user.pk and v.manager_id != user.pk]})


@staff_area_required
@require_GET
def profiles(request: HttpRequest) -> HttpResponse:
    if not (services.is_coordinator(request.user) or services.is_hiring_manager(request.user)):
        raise PermissionDenied
    coordinator = services.is_coordinator(request.user)
    profiles = selectors.role_profiles_for(coordinator=coordinator)
    return render(request, "people/profiles.html", {
        "profiles": [p for p in profiles if p.active], "retired": [p for p in profiles if not p.active],
        "coordinator": coordinator})


@staff_area_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The recruitment team adds a role profile or edits one (a stale edit is refused, nothing lost)."""
    if not services.is_coordinator(request.user):
        raise PermissionDenied
    profile = selectors.get_role_profile(pk) if pk is not None else None
    initial = f.ProfileForm.initial_for(profile) if profile else {"dbs_level": "none"}
    form = f.ProfileForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            saved = services.profile_save(data=data, by=request.user, profile=profile, version=data.pop("version"))
        except services.StaleProfileError as exc:
            # Nothing lost: the editor's text stays in the form, now against the current version, and the
            # profile as the other person saved it is shown beside it to compare before saving again.
            profile = selectors.get_role_profile(pk)
            data = request.POST.copy()
            data["version"] = str(profile.version)
            form = f.ProfileForm(data)
            form.is_valid()
            form.add_error(None, " ".join(exc.messages))
            return render(request, "people/profile_edit.html", {"form": form, "profile": profile, "stale": True})
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Role profile {saved} {'saved' if profile else 'added'}")
            return redirect("people:profiles")
    return render(request, "people/profile_edit.html", {"form": form, "profile": profile})


@staff_area_required
@require_POST
def profile_retire(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.is_coordinator(request.user):
        raise PermissionDenied
    profile = selectors.get_role_profile(pk)
    retire = request.POST.get("action") != "restore"
    try:
        profile = services.profile_retire(profile=profile, version=request.POST.get("version"), by=request.user,
                                          retire=retire)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"Role profile {profile} {'retired' if retire else 'back in use'}")
    return redirect("people:profiles")


@staff_area_required
@require_http_methods(["GET", "POST"])
def vacancy_new(request: HttpRequest) -> HttpResponse:
    if not services.is_hiring_manager(request.user):
        raise PermissionDenied
    form = f.VacancyRequestForm(posted(request), initial={"profile": request.GET.get("profile")})
    if request.method == "POST" and form.is_valid():
        try:
            vacancy = services.vacancy_request(**form.cleaned_data, by=request.user,
                                               submission_key=request.POST.get("submission_key", ""))
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Vacancy request {vacancy.reference} sent to the recruitment team")
            return redirect(_vacancy_url(vacancy))
    return render(request, "people/vacancy_new.html", {"form": form})


@staff_area_required
@require_GET
def vacancy(request: HttpRequest, reference: str) -> HttpResponse:
    user = request.user
    vacancy = selectors.get_vacancy_for(user, reference)
    applications = list(selectors.applications_for(user, vacancy))
    coordinator = services.is_coordinator(user)
    is_manager = vacancy.manager_id == user.pk
    offer = selectors.offer_of(vacancy)
    services.audit(by=user, event="people.vacancy.viewed", target=vacancy, summary=f"{len(applications)} candidates")
    return render(request, "people/vacancy.html", {
        "vacancy": vacancy, "applications": applications, "coordinator": coordinator, "is_manager": is_manager,
        "can_arrange": coordinator or is_manager, "offer": offer,
        "panel": list(PanelMember.objects.filter(vacancy=vacancy).select_related("user")),
        "slots": list(vacancy.slots.select_related("application__candidate")),
        "advertise_form": f.AdvertiseForm(), "panel_form": f.PanelForm(), "slot_form": f.SlotForm(),
        "confirm_form": f.ConfirmForm(),
        "shortlisted": sum(1 for a in applications if a.status == ApplicationStatus.SHORTLISTED),
        "missing": services.checks_missing(offer) if offer else []})


def _act(request: HttpRequest, reference: str, action) -> HttpResponse:
    vacancy = selectors.get_vacancy_for(request.user, reference)
    try:
        text = action(vacancy)
    except ValidationError as exc:
        _error(request, exc)
    else:
        if text:
            messages.success(request, text)
    return redirect(_vacancy_url(vacancy))


@staff_area_required
@require_POST
def pick_up(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(request, reference, lambda v: services.vacancy_pick_up(vacancy=v, by=request.user)
                and "You have picked up this vacancy")


@staff_area_required
@require_POST
def advertise(request: HttpRequest, reference: str) -> HttpResponse:
    def run(vacancy):
        form = f.AdvertiseForm(request.POST)
        if not form.is_valid():
            raise ValidationError(form.errors["closing_date"][0])
        services.vacancy_advertise(vacancy=vacancy, closing_date=form.cleaned_data["closing_date"], by=request.user)
        return "The vacancy is advertised on the jobs pages"

    return _act(request, reference, run)


@staff_area_required
@require_POST
def shortlist_send(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(request, reference, lambda v: f"Shortlist of {services.shortlist_send(vacancy=v, by=request.user)} "
                                              f"sent to the hiring manager")


@staff_area_required
@require_POST
def panel_add(request: HttpRequest, reference: str) -> HttpResponse:
    def run(vacancy):
        form = f.PanelForm(request.POST)
        if not form.is_valid():
            raise ValidationError(form.errors["email"][0])
        user = active_staff_by_email(form.cleaned_data["email"])
        if user is None:
            raise ValidationError("There is no member of staff with that email address")
        services.panel_add(vacancy=vacancy, user=user, by=request.user)
        return f"{user.full_name or user.email} is on the panel"

    return _act(request, reference, run)


@staff_area_required
@require_POST
def slot_add(request: HttpRequest, reference: str) -> HttpResponse:
    def run(vacancy):
        form = f.SlotForm(request.POST)
        if not form.is_valid():
            raise ValidationError([str(e[0]) for e in form.errors.values()])
        services.slot_add(vacancy=vacancy, starts_at=form.starts_at(), minutes=form.cleaned_data["minutes"],
                          place=form.cleaned_data["place"], by=request.user)
        return "Interview slot added"

    return _act(request, reference, run)


@staff_area_required
@require_POST
def slots_offer(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(request, reference, lambda v: f"Interview times sent to "
                                              f"{services.slots_offer(vacancy=v, by=request.user)} candidate(s)")


@staff_area_required
@require_POST
def confirm(request: HttpRequest, reference: str) -> HttpResponse:
    def run(vacancy):
        offer = selectors.offer_of(vacancy)
        if offer is None:
            raise ValidationError("There is no offer to confirm")
        form = f.ConfirmForm(request.POST)
        if not form.is_valid():
            raise ValidationError(form.errors["start_date"][0])
        services.appointment_confirm(offer=offer, start_date=form.cleaned_data["start_date"], by=request.user)
        return "Appointment confirmed"

    return _act(request, reference, run)


# --- the pool of talent ------------------------------------------------------------------------------

@staff_area_required
@require_GET
def pool(request: HttpRequest, reference: str) -> HttpResponse:
    vacancy = selectors.get_vacancy_for(request.user, reference)
    if not services.is_coordinator(request.user):
        raise PermissionDenied
    form = f.PoolSearchForm(request.GET or {"profile": vacancy.role_profile_id})
    results: list[Candidate] = []
    if form.is_valid():
        results = selectors.pool_search(request.user, profile=form.cleaned_data["profile"],
                                        skills=services.parse_skills(form.cleaned_data["skills"]),
                                        appointable_only=form.cleaned_data["appointable"])
    on_vacancy = set(vacancy.applications.values_list("candidate_id", flat=True))
    skills = selectors.candidate_skills(results)
    rows = [{"candidate": c, "skills": skills.get(c.pk, []), "added": c.pk in on_vacancy} for c in results]
    if results:
        from oxtom.core.audit import audit_record_many

        audit_record_many([{"action": "view", "target_type": "people.candidate", "target_id": c.pk,
                            "summary": f"Pool search for {vacancy.reference}", "detail": {"event": "people.pool.searched"}} for c in results], by=request.user)
    return render(request, "people/pool.html", {"vacancy": vacancy, "search": form, "rows": rows})


@staff_area_required
@require_POST
def pool_shortlist(request: HttpRequest, reference: str) -> HttpResponse:
    vacancy = selectors.get_vacancy_for(request.user, reference)
    if not services.is_coordinator(request.user):
        raise PermissionDenied
    candidate = Candidate.objects.filter(pk=str(request.POST.get("candidate", ""))[:12] or 0).first() \
        if str(request.POST.get("candidate", "")).isdigit() else None
    if candidate is None:
        raise Http404("No such candidate")
    try:
        services.pool_shortlist(vacancy=vacancy, candidate=candidate, by=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"{candidate.name} shortlisted for {vacancy.reference}")
    back = request.POST.get("back", "")
    from django.utils.http import url_has_allowed_host_and_scheme

    if back.startswith("/staff/people/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return redirect(back)
    return redirect(_vacancy_url(vacancy))


# --- one application --------------------------------------------------------------------------------

@staff_area_required
@require_GET
def application(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    user = request.user
    vacancy = selectors.get_vacancy_for(user, reference)
    application = selectors.get_application_for(user, vacancy, pk)
    services.audit(by=user, event="people.application.viewed", target=application, summary=vacancy.reference)
    criteria = vacancy.role_profile.interview_criteria or ["Overall"]
    scores = list(Score.objects.filter(application=application).select_related("panel_member"))
    panel = services.is_panel_member(vacancy, user)
    return render(request, "people/application.html", {
        "vacancy": vacancy, "application": application, "candidate": application.candidate,
        "coordinator": services.is_coordinator(user), "is_manager": vacancy.manager_id == user.pk,
        "panel": panel, "scores": scores, "criteria": criteria,
        "total": sum(s.score for s in scores), "choose_form": f.ChooseForm(), "outcome_form": f.OutcomeForm(),
        "offer": getattr(application, "offer", None) if hasattr(application, "offer") else None})


@staff_area_required
@require_GET
def application_cv(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    vacancy = selectors.get_vacancy_for(request.user, reference)
    application = selectors.get_application_for(request.user, vacancy, pk)
    if not application.cv:
        raise Http404("No CV")
    services.audit(by=request.user, event="people.cv.downloaded", target=application, summary=vacancy.reference)
    return private_file_response(application.cv, content_type=application.cv_content_type,
                                 filename=f"cv-{vacancy.reference}-{application.pk}.{application.cv_extension}")


def _app_act(request: HttpRequest, reference: str, pk: int, action) -> HttpResponse:
    vacancy = selectors.get_vacancy_for(request.user, reference)
    application = selectors.get_application_for(request.user, vacancy, pk)
    try:
        text = action(application)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, text)
    return redirect(_application_url(application))


@staff_area_required
@require_POST
def application_shortlist(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    return _app_act(request, reference, pk, lambda a: services.application_shortlist(application=a, by=request.user)
                    and "Shortlisted for the hiring manager")


@staff_area_required
@require_POST
def application_choose(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    def run(application):
        form = f.ChooseForm(request.POST)
        if not form.is_valid():
            raise ValidationError(form.errors["interview"][0])
        services.application_choose(application=application, interview=form.cleaned_data["interview"], by=request.user)
        return "Chosen for interview" if form.cleaned_data["interview"] else "Not chosen for interview"

    return _app_act(request, reference, pk, run)


@staff_area_required
@require_POST
def application_outcome(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    def run(application):
        form = f.OutcomeForm(request.POST)
        if not form.is_valid():
            raise ValidationError([str(e[0]) for e in form.errors.values()])
        services.interview_outcome(application=application, by=request.user, **form.cleaned_data)
        return "Interview outcome recorded"

    return _app_act(request, reference, pk, run)


@staff_area_required
@require_POST
def application_offer(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    return _app_act(request, reference, pk, lambda a: services.offer_make(application=a, by=request.user)
                    and "Provisional offer sent to the candidate")


@staff_area_required
@require_http_methods(["GET", "POST"])
def application_score(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    vacancy = selectors.get_vacancy_for(request.user, reference)
    application = selectors.get_application_for(request.user, vacancy, pk)
    if not services.is_panel_member(vacancy, request.user):
        raise PermissionDenied
    if application.status not in (ApplicationStatus.INTERVIEW, ApplicationStatus.INTERVIEWED,
                                  ApplicationStatus.PREFERRED):
        raise Http404("This candidate is not at interview")
    criteria = vacancy.role_profile.interview_criteria or ["Overall"]
    form = f.score_form(criteria, posted(request))
    services.audit(by=request.user, event="people.application.viewed", target=application, summary="scoring")
    if request.method == "POST" and form.is_valid():
        try:
            services.scores_record(application=application, note=form.cleaned_data["note"], by=request.user,
                                   scores={c: form.cleaned_data[f"c{i}"] for i, c in enumerate(criteria)})
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, "Scores recorded")
            return redirect(_application_url(application))
    return render(request, "people/score.html", {"vacancy": vacancy, "application": application, "form": form,
                                                 "fields": [form[f"c{i}"] for i in range(len(criteria))]})


# --- pre-employment checks ----------------------------------------------------------------------------

def _check_for(request: HttpRequest, reference: str, pk: int) -> PreEmploymentCheck:
    vacancy = selectors.get_vacancy_for(request.user, reference)
    if not (services.is_coordinator(request.user) or vacancy.manager_id == request.user.pk):
        raise Http404("No such check")
    check = (PreEmploymentCheck.objects.filter(pk=pk, offer__application__vacancy=vacancy)
             .select_related("offer__application__vacancy", "offer__application__candidate").first())
    if check is None:
        raise Http404("No such check")
    return check


@staff_area_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    check = _check_for(request, reference, pk)
    if not services.is_coordinator(request.user):
        raise PermissionDenied
    form = f.CheckForm(posted(request), request.FILES or None,
                       initial={"outcome": check.outcome or None, "note": check.note})
    if request.method == "POST" and form.is_valid():
        evidence = None
        try:
            if form.cleaned_data["evidence"]:
                evidence = cv_check(form.cleaned_data["evidence"])
            services.check_record(check=check, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"],
                                  evidence=evidence, by=request.user)
        except CvRejected as exc:
            form.add_error("evidence", str(exc))
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"{check.get_kind_display()} recorded")
            return redirect(_vacancy_url(check.offer.application.vacancy))
    services.audit(by=request.user, event="people.check.viewed", target=check)
    return render(request, "people/check.html", {"check": check, "form": form,
                                                 "vacancy": check.offer.application.vacancy,
                                                 "accepted": check.offer.status == OfferStatus.ACCEPTED})


@staff_area_required
@require_GET
def check_evidence(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    check = _check_for(request, reference, pk)
    if not check.evidence:
        raise Http404("No evidence")
    services.audit(by=request.user, event="people.check.evidence_downloaded", target=check)
    return private_file_response(check.evidence, content_type=check.evidence_content_type,
                                 filename=f"check-{check.kind}-{check.pk}.{check.evidence_extension}")
