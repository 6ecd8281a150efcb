"""The "Report it" journey: one question per page, works without JavaScript.

start → type → location (postcode, device or map; or a street search and
choice on its own page) → nearby (skipped when none) → details → (photos |
why it does not meet the criteria) → check answers (sign in or create an
account here; the draft is in the session) → submit → confirmation.

Each step sends the resident back to the first unanswered step if they
arrive out of order (a bookmark, the back button, an expired session).

Inside an adviser's acting-for session (oxtom/customers/ASSIST.md) the report
is the acted-for customer's, made by the adviser on the session's channel
(a phone call, usually), exactly as "Apply for it" does; a draft started for
one customer (or for nobody) is never sent for another.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from oxtom.cases.models import Case
from oxtom.cases.services import DuplicateSubmission
from oxtom.accounts.decorators import signed_in_required
from oxtom.core.ratelimit import take
from oxtom.customers import assist
from oxtom.customers.services import customer_ensure_for_user
from oxtom.places.selectors import division_for_point

from .. import catalogue, draft, selectors, services
from ..forms import (
    NEW_REPORT,
    LocationForm,
    NearbyForm,
    PhotosForm,
    QuestionsForm,
    ReportTypeForm,
    StreetChoiceForm,
    StreetSearchForm,
)
from ..models import MAX_PHOTOS, ReportType, StreetReport
from . import location_map

STEPS = ["type", "location", "details"]
# Sending is limited per account (docs/CONVENTIONS.md §8): far above what a resident needs, low enough to stop a script.
REPORTS_PER_HOUR = 30


def _report_type(code: object) -> ReportType | None:
    if not isinstance(code, str):
        return None
    return ReportType.objects.select_related("service").filter(service__code=code, service__is_active=True).first()


def _subject(request: HttpRequest):
    """(customer the report is for, actor, channel, on behalf of). Creates a resident's record when needed."""
    customer, actor, channel, on_behalf_of = assist.subject_and_actor(request)
    if customer is None and request.user.is_authenticated and not on_behalf_of:
        customer = customer_ensure_for_user(user=request.user, by=request.user)
    return customer, actor, channel, on_behalf_of


def _acting_for(request: HttpRequest) -> int | None:
    customer = assist.acting_customer(request)
    return customer.pk if customer is not None else None


def _missing_step(d: dict) -> str | None:
    """The first step the draft has not answered, as a URL name."""
    if not d.get("key"):
        return "portal:report_start"
    if not d.get("type"):
        return "portal:report_type"
    if d.get("lat") is None or d.get("lon") is None:
        return "portal:report_location"
    if "answers" not in d:
        return "portal:report_details"
    return None


def _guard(request: HttpRequest, needs: str):
    """(draft, report type) or a redirect to the first missing step before `needs`."""
    d = draft.get(request)
    if d.get("key") and d.get("acting_for") != _acting_for(request):
        # Started for someone else (or before the acting-for session began or ended): start again.
        draft.start(request, acting_for=_acting_for(request))
        return None, None, redirect("portal:report_type")
    order = ["portal:report_start", "portal:report_type", "portal:report_location", "portal:report_details",
             "portal:report_check"]
    missing = _missing_step(d)
    if missing is not None and order.index(missing) < order.index(needs):
        return None, None, redirect(missing)
    report_type = _report_type(d.get("type")) if d.get("type") else None
    if d.get("type") and report_type is None:
        draft.update(request, type=None)
        return None, None, redirect("portal:report_type")
    return d, report_type, None


@require_GET
def report_start(request: HttpRequest) -> HttpResponse:
    """The service start page: what can be reported, what happens, how long it takes."""
    types = selectors.report_types_for_choice()
    return render(request, "portal/report_start.html", {"types": types,
                                                        "timescales": selectors.report_timescales(types)})


@require_http_methods(["GET", "POST"])
def report_begin(request: HttpRequest) -> HttpResponse:
    """"Start now": a fresh draft. A GET keeps an existing draft (the back button must not lose answers)."""
    if request.method == "POST" or not draft.get(request).get("key"):
        draft.start(request, acting_for=_acting_for(request))
    return redirect("portal:report_type")


@require_http_methods(["GET", "POST"])
def report_type(request: HttpRequest) -> HttpResponse:
    d, _, bounce = _guard(request, "portal:report_type")
    if bounce:
        return bounce
    types = selectors.report_types_for_choice()
    form = ReportTypeForm(request.POST if request.method == "POST" else None, types=types, initial={"report_type": d.get("type")})
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["report_type"]
        if code != d.get("type"):
            # A different type has different questions: earlier answers no longer apply.
            d.pop("answers", None)
            d.pop("verdict", None)
        d["type"] = code
        draft.save(request, d)
        return redirect("portal:report_location")
    groups: dict[str, list] = {}
    for t in types:
        groups.setdefault(t.group, []).append(t)
    return render(request, "portal/report_type.html", {"form": form, "groups": groups})


@require_http_methods(["GET", "POST"])
def report_location(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    d, report_type, bounce = _guard(request, "portal:report_location")
    if bounce:
        return bounce
    form = LocationForm(request.POST if request.method == "POST" else None, initial={"postcode": d.get("postcode", ""), "where": d.get("where", "")})
    if request.method == "POST" and form.is_valid():
        lat, lon = form.cleaned_data["point"]
        d.update(lat=lat, lon=lon, source=form.cleaned_data["source"], postcode=form.cleaned_data.get("postcode", ""),
                 where=form.cleaned_data.get("where", ""), street="")
        draft.save(request, d)
        return redirect("portal:report_nearby")
    return render(request, "portal/report_location.html", {
        "form": form, "report_type": report_type, "tile_url": settings.MAP_TILE_URL,
        "street_search": StreetSearchForm(),
        # No tile server: the offline map, a click on which starts the map step (location_map.py).
        "offline_map": None if settings.MAP_TILE_URL else location_map.county_map_context(),
    })


@require_http_methods(["GET", "POST"])
def report_street(request: HttpRequest) -> HttpResponse:
    """Search for a street by name (GET), then choose one of the matches (POST): its point is the location."""
    d, report_type, bounce = _guard(request, "portal:report_location")
    if bounce:
        return bounce
    searched = "street" in request.GET or request.method == "POST"
    search = StreetSearchForm(request.GET if searched else None)
    streets = search.matches if searched and search.is_valid() else []
    choice = StreetChoiceForm(request.POST if request.method == "POST" and streets else None, streets=streets,
                              initial={"where": d.get("where", "")})
    if choice.is_bound and choice.is_valid():
        street = choice.cleaned_data["street"]
        d.update(lat=street.latitude, lon=street.longitude, source="street", street=str(street), postcode="",
                 where=choice.cleaned_data["where"])
        draft.save(request, d)
        return redirect("portal:report_nearby")
    return render(request, "portal/report_street.html", {
        # The error summary and the "Error: " title follow whichever form was sent.
        "form": choice if choice.is_bound else search, "search": search, "choice": choice, "streets": streets,
        "report_type": report_type, "query": urlencode({"street": search.cleaned_data["street"]}) if streets else "",
    })


@require_http_methods(["GET", "POST"])
def report_nearby(request: HttpRequest) -> HttpResponse:
    """Open reports of the same type nearby: follow one instead of reporting it again."""
    d, report_type, bounce = _guard(request, "portal:report_details")
    if bounce:
        return bounce
    nearby = selectors.nearby_open_reports(report_type=report_type, latitude=d["lat"], longitude=d["lon"])
    if not nearby:
        return redirect("portal:report_details")
    form = NearbyForm(request.POST if request.method == "POST" else None, nearby=nearby)
    if request.method == "POST" and form.is_valid():
        choice = form.cleaned_data["choice"]
        if choice == NEW_REPORT:
            d["not_listed"] = True
            draft.save(request, d)
            return redirect("portal:report_details")
        d["follow"] = choice
        draft.save(request, d)
        return redirect("portal:report_follow_confirm")
    return render(request, "portal/report_nearby.html", {"form": form, "nearby": nearby,
                                                          "report_type": report_type})


@require_http_methods(["GET", "POST"])
@signed_in_required
def report_follow_confirm(request: HttpRequest) -> HttpResponse:
    """Confirm following the report chosen on the nearby step (after signing in if needed)."""
    d = draft.get(request)
    reference = d.get("follow")
    if not reference:
        return redirect("portal:report_start")
    report = selectors.get_public_report(reference)
    if request.method == "POST":
        customer, actor, channel, on_behalf_of = _subject(request)
        try:
            services.report_subscribe(report=report, customer=customer, by=actor, channel=channel,
                                      on_behalf_of=on_behalf_of)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return redirect("portal:report_nearby")
        draft.discard(request)
        messages.success(request, "They are following this report. We will tell them when it changes."
                         if on_behalf_of else "You are following this report. We will tell you when it changes.")
        return redirect("portal:report_public", reference=report.case.reference)
    return render(request, "portal/report_follow_confirm.html", {"report": report,
                                                                 "assisted": assist.is_assisted(request)})


@require_http_methods(["GET", "POST"])
def report_details(request: HttpRequest) -> HttpResponse:
    """The type's questions. The verdict against the council's criteria follows at once."""
    d, report_type, bounce = _guard(request, "portal:report_details")
    if bounce:
        return bounce
    questions = report_type.ordered_questions()
    initial = d.get("answers") or {}
    form = QuestionsForm(request.POST if request.method == "POST" else None, questions=questions, initial=initial)
    if request.method == "POST" and form.is_valid():
        verdict = catalogue.evaluate(report_type.thresholds, form.answers)
        emergency = catalogue.emergencies(questions, form.answers)
        if emergency:  # urgent whatever the thresholds say (portal.services.report_create does the same)
            verdict = catalogue.Verdict(meets=True)
        if emergency != d.get("emergency"):
            d["emergency_seen"] = False
        d.update(answers=form.answers, verdict={"meets": verdict.meets, "reasons": verdict.reasons},
                 emergency=emergency)
        draft.save(request, d)
        if emergency:
            return redirect("portal:report_emergency")
        if verdict.meets:
            return redirect("portal:report_photos")
        return redirect("portal:report_criteria")
    back = reverse("portal:report_nearby") if d.get("not_listed") else reverse("portal:report_location")
    return render(request, "portal/report_details.html", {"form": form, "report_type": report_type, "back": back})


def _emergency_unseen(d: dict):
    """The emergency page until the resident has read it: nobody reaches photos or sending past it."""
    if d.get("emergency") and not d.get("emergency_seen"):
        return redirect("portal:report_emergency")
    return None


@require_http_methods(["GET", "POST"])
def report_emergency(request: HttpRequest) -> HttpResponse:
    """An answer that is a danger now: call us on the council's number. Reporting online anyway is urgent."""
    from django.conf import settings

    d, report_type, bounce = _guard(request, "portal:report_check")
    if bounce:
        return bounce
    if not d.get("emergency"):
        return redirect("portal:report_photos")
    if request.method == "POST":
        d["emergency_seen"] = True
        draft.save(request, d)
        return redirect("portal:report_photos")
    return render(request, "portal/report_emergency.html", {
        "report_type": report_type, "emergency": d["emergency"], "phone": settings.COUNCIL_PHONE,
        "urgent_days": report_type.service.sla_days(1), "assisted": assist.is_assisted(request),
    })


@require_GET
def report_criteria(request: HttpRequest) -> HttpResponse:
    """Does not meet the intervention criteria: say why and what happens instead."""
    d, report_type, bounce = _guard(request, "portal:report_check")
    if bounce:
        return bounce
    verdict = d.get("verdict") or {}
    if verdict.get("meets", True):
        return redirect("portal:report_photos")
    return render(request, "portal/report_criteria.html", {"report_type": report_type, "reasons": verdict["reasons"]})


@require_http_methods(["GET", "POST"])
def report_photos(request: HttpRequest) -> HttpResponse:
    """Up to three photos, at least one when the type asks for it. GPS in a photo can place the report."""
    d, report_type, bounce = _guard(request, "portal:report_check")
    if bounce:
        return bounce
    unseen = _emergency_unseen(d)
    if unseen:
        return unseen
    meets = (d.get("verdict") or {}).get("meets", True)
    photos = d.get("photos", [])
    if request.method == "POST" and request.POST.get("remove"):
        keep = [p for p in photos if p.get("token") != request.POST["remove"]]
        for gone in [p for p in photos if p not in keep]:
            from django.core.files.storage import default_storage

            default_storage.delete(draft.photo_name(gone))
        d["photos"] = keep
        draft.save(request, d)
        return redirect("portal:report_photos")
    # Nobody is asked to photograph a danger (exposed wiring): photos are optional for an emergency.
    required = meets and report_type.photos_required and not d.get("emergency")
    form = PhotosForm(request.POST if request.method == "POST" else None, request.FILES if request.method == "POST" else None, already=len(photos), required=required)
    if request.method == "POST" and form.is_valid():
        for checked in form.checked[: MAX_PHOTOS - len(photos)]:
            photos.append(draft.park_photo(checked))
            if checked.gps and d.get("source") in ("postcode", "street") and division_for_point(*checked.gps) is not None:
                # A photo's own position beats a postcode's centre or the one point we hold for a street.
                d.update(lat=checked.gps[0], lon=checked.gps[1], source="photo")
        d["photos"] = photos
        draft.save(request, d)
        if request.POST.get("add_another") and len(photos) < MAX_PHOTOS:
            return redirect("portal:report_photos")
        return redirect("portal:report_check")
    return render(request, "portal/report_photos.html", {
        "form": form, "report_type": report_type, "photos": photos, "required": required, "meets": meets,
        "max_photos": MAX_PHOTOS, "back": reverse("portal:report_emergency") if d.get("emergency")
        else reverse("portal:report_details") if meets else reverse("portal:report_criteria"),
    })


def _answer_rows(report_type: ReportType, answers: dict) -> list[tuple[str, str]]:
    return [(row.question, row.value) for row in catalogue.answer_rows(report_type.questions, answers)]


@require_http_methods(["GET", "POST"])
def report_check(request: HttpRequest) -> HttpResponse:
    """Check answers, then send. Signing in or creating an account happens here, with the answers kept."""
    d, report_type, bounce = _guard(request, "portal:report_check")
    if bounce:
        return bounce
    verdict = d.get("verdict") or {}
    unseen = _emergency_unseen(d)
    if unseen:
        return unseen
    if verdict.get("meets") and report_type.photos_required and not d.get("photos") and not d.get("emergency"):
        return redirect("portal:report_photos")
    error = ""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({'next': reverse('portal:report_check')})}")
        # A resend of a report already made (double click, second tab) is answered below without counting.
        slot = None
        if not Case.objects.filter(submission_key=d["key"]).exists():
            slot = take(f"report-submit:{request.user.pk}", limit=REPORTS_PER_HOUR, window_seconds=3600)
            if slot is None:
                from django.conf import settings

                error = (f"You have sent {REPORTS_PER_HOUR} reports in the last hour. Wait an hour, or call us on "
                         f"{settings.COUNCIL_PHONE} if it is urgent")
                return render(request, "portal/report_check.html",
                              _check_context(request, d, report_type, verdict, error), status=429)
        customer, actor, channel, on_behalf_of = _subject(request)
        try:
            report = services.report_create(
                report_type=report_type, customer=customer, latitude=d["lat"], longitude=d["lon"],
                answers=d["answers"], photos=draft.load_photos(d), by=actor, channel=channel,
                on_behalf_of=on_behalf_of,
                location_text=" ".join(x for x in (d.get("street", ""), d.get("postcode", ""), d.get("where", "")) if x),
                submission_key=d["key"],
            )
        except DuplicateSubmission as dup:
            if slot is not None:
                slot.give_back()
            if dup.case.customer_id == customer.pk:
                draft.finish(request, dup.case.reference)
                return redirect("portal:report_confirmation")
            draft.start(request, acting_for=_acting_for(request))
            return redirect("portal:report_start")
        except (ValidationError, OSError, ValueError) as exc:
            if slot is not None:
                slot.give_back()
            # The draft no longer passes (e.g. the type's questions changed): say so, keep the answers.
            error = "; ".join(getattr(exc, "messages", [str(exc)])) if isinstance(exc, ValidationError) else \
                "Your photos have expired: add them again"
            if isinstance(exc, OSError):  # parked photos purged after 24 hours: ask for them again
                draft.forget_missing_photos(request, d)
        else:
            draft.finish(request, report.case.reference)
            return redirect("portal:report_confirmation")
    return render(request, "portal/report_check.html", _check_context(request, d, report_type, verdict, error))


def _check_context(request: HttpRequest, d: dict, report_type: ReportType, verdict: dict, error: str) -> dict:
    location_label = {"postcode": f"Near {d.get('postcode', '')}", "device": "Your current location",
                      "map": "The point you chose on the map", "photo": "Where your photo was taken",
                      "street": d.get("street", "")}
    return {
        "report_type": report_type, "d": d, "rows": _answer_rows(report_type, d.get("answers", {})),
        "location": location_label.get(d.get("source"), "The point you chose"), "error": error,
        "meets": verdict.get("meets", True),
        "next": reverse("portal:report_check"), "acting_for": assist.acting_customer(request),
    }


@require_GET
@signed_in_required
def report_confirmation(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    reference = request.session.get(draft.DONE_KEY)
    if not reference:
        return redirect("portal:report_start")
    customer, _, _, on_behalf_of = _subject(request)
    report = StreetReport.objects.select_related("case__service", "report_type__service").filter(
        case__reference=reference, case__customer=customer).first()
    if report is None:
        return redirect("portal:report_start")
    return render(request, "portal/report_confirmation.html", {
        "report": report, "assisted": on_behalf_of, "emergency": report.case.priority == 1,
        "phone": settings.COUNCIL_PHONE, "sla_days": report.case.service.sla_days(report.case.priority) if report.eligible else None,
    })
