"""The public jobs pages (/jobs/): advertised vacancies, the application (one thing per page, the draft in the
session), and the candidate's signed links (pick an interview time, answer an offer, leave the pool).

A candidate has no account: each link carries a signed id (people.services.candidate_link), so a candidate
sees only their own application, and an altered or expired link is refused.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from oxtom.core.clientip import client_ip
from oxtom.core.drafts import SessionDraft
from oxtom.core.ratelimit import take
from oxtom.core.uploads import register_draft_upload_dir

from . import forms as f
from . import selectors, services
from .cv import CvRejected, cv_check
from .models import ApplicationStatus, InterviewSlot, JobApplication, Offer, OfferStatus

DRAFT_DIR = "people-cv-drafts"
register_draft_upload_dir(DRAFT_DIR)
DRAFT = SessionDraft("jobs_application", upload_dir=DRAFT_DIR, extensions=("pdf", "docx"),
                     parked=lambda d: [d["cv"]] if d.get("cv") else [], done_key="jobs_application_done")
APPLICATIONS_PER_HOUR = 10  # from one address: enough for a family or a library PC, not for a script

# The questions, a page each, in order: (slug, form, heading).
STEPS = [
    ("name", f.NameForm, "What is your full name?"),
    ("contact", f.ContactForm, "How can we contact you?"),
    ("location", f.LocationForm, "Where do you live?"),
    ("skills", f.SkillsForm, "What are your main skills?"),
    ("statement", f.StatementForm, "How do you meet the essential skills?"),
    ("cv", f.CvForm, "Upload your CV"),
    ("pool", f.PoolForm, "Can we keep your application in our pool of talent?"),
    ("equality", f.EqualityForm, "Equality monitoring"),
]
SLUGS = [s[0] for s in STEPS]


@require_GET
def vacancy_list(request: HttpRequest) -> HttpResponse:
    return render(request, "people/jobs/list.html", {"vacancies": list(selectors.advertised_vacancies()[:200])})


@require_GET
def vacancy_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return render(request, "people/jobs/vacancy.html", {"vacancy": selectors.get_advertised(reference)})


def _draft(request: HttpRequest, vacancy) -> dict:
    d = DRAFT.get(request, copied=True)
    return d if d.get("vacancy") == vacancy.reference else {}


def _next(slug: str) -> str:
    index = SLUGS.index(slug)
    return SLUGS[index + 1] if index + 1 < len(SLUGS) else "check"


@require_GET
def apply_start(request: HttpRequest, reference: str) -> HttpResponse:
    vacancy = selectors.get_advertised(reference)
    if not _draft(request, vacancy):
        DRAFT.start(request, vacancy=vacancy.reference, answers={}, equality={})
    return redirect("jobs:apply", reference=vacancy.reference, step=SLUGS[0])


@require_http_methods(["GET", "POST"])
def apply_step(request: HttpRequest, reference: str, step: str) -> HttpResponse:
    vacancy = selectors.get_advertised(reference)
    if step not in SLUGS:
        raise Http404("No such question")
    d = _draft(request, vacancy)
    if not d:
        return redirect("jobs:apply_start", reference=vacancy.reference)
    slug, form_class, heading = STEPS[SLUGS.index(step)]
    stored = d["equality"] if slug == "equality" else d["answers"]
    if request.method == "POST":
        form = form_class(request.POST, request.FILES or None)
        if form.is_valid():
            if slug == "cv":
                upload = form.cleaned_data.get("cv")
                if upload:
                    try:
                        checked = cv_check(upload)
                    except CvRejected as exc:
                        form.add_error("cv", str(exc))
                    else:
                        DRAFT._delete_parked(d)
                        d["cv"] = DRAFT.park(checked.content, extension=checked.extension,
                                             content_type=checked.content_type, size=len(checked.content))
                elif not d.get("cv"):
                    form.add_error("cv", "Select your CV")
            else:
                stored.update({k: v for k, v in form.cleaned_data.items()})
            if not form.errors:
                DRAFT.save(request, d)
                after = request.GET.get("change") == "1" and "check" or _next(slug)
                if after == "check":
                    return redirect("jobs:apply_check", reference=vacancy.reference)
                return redirect("jobs:apply", reference=vacancy.reference, step=after)
    else:
        initial = {k: v for k, v in stored.items()}
        if slug == "pool" and "pool" in initial:
            initial["pool"] = "yes" if initial["pool"] else "no"
        form = form_class(initial=initial)
    index = SLUGS.index(slug)
    back = (reverse("jobs:apply", args=[vacancy.reference, SLUGS[index - 1]]) if index
            else reverse("jobs:vacancy", args=[vacancy.reference]))
    return render(request, "people/jobs/step.html", {
        "vacancy": vacancy, "form": form, "heading": heading, "slug": slug, "back": back,
        "cv": d.get("cv"), "multipart": slug == "cv", "radios": slug in ("pool", "equality")})


def _summary(d: dict) -> list[tuple[str, str, str]]:
    a, e = d.get("answers", {}), d.get("equality", {})
    return [
        ("Name", a.get("name", ""), "name"),
        ("Email address", a.get("email", ""), "contact"),
        ("Phone number", a.get("phone", "") or "Not given", "contact"),
        ("Where you live", a.get("location", ""), "location"),
        ("Skills", a.get("skills", ""), "skills"),
        ("How you meet the essential skills", a.get("statement", ""), "statement"),
        ("CV", "Uploaded" if d.get("cv") else "", "cv"),
        ("Pool of talent", ("Yes, for 12 months" if a.get("pool") else "No") if "pool" in a else "", "pool"),
        ("Equality monitoring", "Answered (kept apart from your application)" if any(e.values()) else
         "Prefer not to say", "equality"),
    ]


@require_http_methods(["GET", "POST"])
def apply_check(request: HttpRequest, reference: str) -> HttpResponse:
    vacancy = selectors.get_advertised(reference)
    d = _draft(request, vacancy)
    if not d:
        return redirect("jobs:apply_start", reference=vacancy.reference)
    rows = _summary(d)
    missing = next((step for label, value, step in rows if not value), None)
    error = ""
    if request.method == "POST":
        if missing:
            return redirect("jobs:apply", reference=vacancy.reference, step=missing)
        slot = take(f"jobs-apply:{client_ip(request)}", limit=APPLICATIONS_PER_HOUR, window_seconds=3600)
        if slot is None:
            return render(request, "people/jobs/check.html", {
                "vacancy": vacancy, "rows": rows, "error": "You have sent too many applications. Try again later."},
                status=429)
        from django.core.files.storage import default_storage

        from .cv import CheckedCv

        try:
            item = d["cv"]
            with default_storage.open(DRAFT.file_name(item), "rb") as handle:
                cv = CheckedCv(handle.read(), item["content_type"], item["extension"])
        except (OSError, ValueError, KeyError):
            slot.give_back()
            d.pop("cv", None)
            DRAFT.save(request, d)
            return redirect("jobs:apply", reference=vacancy.reference, step="cv")
        try:
            application, created = services.application_submit(
                vacancy=vacancy, answers=d["answers"], cv=cv, equality=d.get("equality"), submission_key=d["key"])
        except ValidationError as exc:
            slot.give_back()
            error = " ".join(exc.messages)
        else:
            if not created:
                slot.give_back()
            DRAFT.finish(request, vacancy.reference)
            return redirect("jobs:apply_done", reference=vacancy.reference)
    return render(request, "people/jobs/check.html", {"vacancy": vacancy, "rows": rows, "error": error})


@require_GET
def apply_done(request: HttpRequest, reference: str) -> HttpResponse:
    if request.session.get(DRAFT.done_key) != reference:
        return redirect("jobs:vacancy", reference=reference)
    from .models import Vacancy

    vacancy = Vacancy.objects.select_related("role_profile").filter(reference=str(reference)[:20]).first()
    if vacancy is None:
        raise Http404
    return render(request, "people/jobs/done.html", {"vacancy": vacancy})


# --- the candidate's links ------------------------------------------------------------------------------

def _link_error(request: HttpRequest) -> HttpResponse:
    return render(request, "people/jobs/link_invalid.html", status=404)


@require_http_methods(["GET", "POST"])
def interview(request: HttpRequest, token: str) -> HttpResponse:
    try:
        application_id = services.from_link("interview", token)
    except ValidationError:
        return _link_error(request)
    application = (JobApplication.objects.select_related("vacancy__role_profile", "slot")
                   .filter(pk=application_id).first())
    if application is None:
        return _link_error(request)
    booked = getattr(application, "slot", None) if hasattr(application, "slot") else None
    free = list(InterviewSlot.objects.filter(vacancy=application.vacancy, application__isnull=True,
                                             starts_at__gt=timezone.now()))
    form = f.SlotChoiceForm(request.POST if request.method == "POST" else None, slots=free)
    still_open = application.status == ApplicationStatus.INTERVIEW
    if request.method == "POST" and still_open and form.is_valid():
        try:
            booked = services.slot_book(application_id=application.pk, slot_id=form.cleaned_data["slot"])
        except ValidationError as exc:
            form.add_error("slot", exc.message_dict.get("slot", exc.messages)[0] if hasattr(exc, "message_dict")
                           else exc.messages[0])
        else:
            return redirect("jobs:interview", token=token)
    return render(request, "people/jobs/interview.html", {"application": application, "vacancy": application.vacancy,
                                                          "form": form, "booked": booked, "open": still_open,
                                                          "free": free})


@require_http_methods(["GET", "POST"])
def offer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        offer_id = services.from_link("offer", token)
    except ValidationError:
        return _link_error(request)
    offer = Offer.objects.select_related("application__vacancy__role_profile").filter(pk=offer_id).first()
    if offer is None:
        return _link_error(request)
    form = f.OfferAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and offer.status == OfferStatus.PROVISIONAL and form.is_valid():
        try:
            services.offer_respond(offer_id=offer.pk, accept=form.cleaned_data["answer"] == "accept")
        except ValidationError as exc:
            form.add_error("answer", exc.messages[0])
        else:
            return redirect("jobs:offer", token=token)
    return render(request, "people/jobs/offer.html", {"offer": offer, "vacancy": offer.application.vacancy,
                                                      "form": form})


@require_http_methods(["GET", "POST"])
def pool_withdraw(request: HttpRequest, token: str) -> HttpResponse:
    try:
        candidate_id = services.from_link("withdraw", token, max_age=services.WITHDRAW_MAX_AGE)
    except ValidationError:
        return _link_error(request)
    done = False
    if request.method == "POST":
        services.pool_withdraw(candidate_id=candidate_id)
        done = True
    return render(request, "people/jobs/withdraw.html", {"done": done})
