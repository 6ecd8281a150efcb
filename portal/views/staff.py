"""Staff report pages: what an officer needs to work a street report, at /staff/reports/<reference>/.

The case page (casework) is the generic view of the same case; these pages
move what the public sees (status, repair date, updates to the reporter and
followers) through portal.services, which drive casework's services.
Visibility is casework's (team membership, 404 for anyone else's reports);
changing anything needs CASE_WORK on the case's team.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from oxtom.cases import services as casework
from oxtom.cases.models import Case, Status
from oxtom.cases.selectors import case_timeline
from oxtom.accounts.decorators import staff_area_required

from .. import catalogue, selectors, services
from ..forms import (
    ReportExpectedDateForm,
    ReportNoteForm,
    ReportPriorityForm,
    ReportRecategoriseForm,
    ReportStatusForm,
    StaffReportForm,
)
from ..models import ReportPhoto, StreetReport
from ..maps import report_map
from .photos import photo_response
from .resident import _errors_to_form


@dataclass(frozen=True)
class StaffAction:
    slug: str
    title: str
    button: str
    form: type[StaffReportForm]
    run: Callable[[StreetReport, dict, Any], Any]
    offered: Callable[[StreetReport], bool]
    done: str
    form_kwargs: Callable[[StreetReport], dict] = lambda report: {}


def _open(report: StreetReport) -> bool:
    return report.is_open


ACTIONS: dict[str, StaffAction] = {a.slug: a for a in [
    StaffAction(
        "status", "Change the status", "Change status", ReportStatusForm,
        lambda r, d, u: services.report_change_status(
            report=r, status=d["status"], expected_version=d["version"], by=u, public_text=d["text"],
            private_note=d.get("private_note", ""), scheduled_on=d["scheduled_on"], expected_date=d["expected_date"],
            duplicate_of=d["original"]),
        lambda r: bool(services.allowed_statuses(r.public_status)), "Status changed: the reporter and followers "
                                                                      "have been told",
        lambda r: {"templates": selectors.response_templates_for(r)},
    ),
    StaffAction(
        "priority", "Change the priority", "Change priority", ReportPriorityForm,
        lambda r, d, u: casework.case_change_priority(case=r.case, priority=d["priority"], reason=d["reason"],
                                                      expected_version=d["version"], by=u),
        _open, "Priority changed",
    ),
    StaffAction(
        "expected-date", "Set the expected repair date", "Set date", ReportExpectedDateForm,
        lambda r, d, u: services.report_set_expected_date(report=r, expected_date=d["expected_date"],
                                                          expected_version=d["version"], by=u),
        _open, "Expected date set: the reporter and followers have been told",
    ),
    StaffAction(
        "type", "Change the type of problem", "Change type", ReportRecategoriseForm,
        lambda r, d, u: services.report_recategorise(report=r, report_type=d["report_type"], reason=d["reason"],
                                                     expected_version=d["version"], by=u),
        _open, "Type changed",
        lambda r: {"types": selectors.report_types_for_choice()},
    ),
    StaffAction(
        "note", "Add a private note", "Add note", ReportNoteForm,
        lambda r, d, u: casework.case_add_note(case=r.case, text=d["text"], expected_version=d["version"], by=u),
        lambda r: True, "Note added",
    ),
]}


def _report(request: HttpRequest, reference: str) -> StreetReport:
    """The report if this member of staff may see its case (404 otherwise, as for a missing one)."""
    return selectors.get_staff_report(request.user, reference)


@staff_area_required
@require_GET
def report_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The report as staff see it: public status, location, answers, photos, followers, staff timeline."""
    report = _report(request, reference)
    can_work = casework.can_work_case(request.user, report.case)
    location_map, street = report_map(report)
    return render(request, "portal/staff/report_detail.html", {
        "report": report,
        "location_map": location_map,
        "street": street,
        "case": report.case,
        "photos": list(report.photos.all()),
        "followers": report.subscriptions.count(),
        "answers": _answer_rows(report),
        "timeline": case_timeline(report.case, limit=50),
        "actions": [a for a in ACTIONS.values() if can_work and a.offered(report)],
        "can_work": can_work,
        "duplicate_of": report.case.duplicate_of.reference if report.case.duplicate_of_id else "",
        # The case page's generic actions move the case but not what the public sees: say so.
        "out_of_step": (report.case.status == Status.CLOSED) == report.is_open,
        "feedback_words": selectors.RATING_WORDS.get(report.feedback_rating or 0, ""),
    })


@staff_area_required
@require_GET
def report_photo(request: HttpRequest, reference: str, token: str, size: str = "display") -> HttpResponse:
    """Any photo of a report this member of staff may see, hidden ones too; never cached by shared caches."""
    report = _report(request, reference)
    photo = ReportPhoto.objects.filter(report=report, token=token).first() if len(token) == 32 else None
    return photo_response(photo, size, cache_control="private, max-age=3600")


def _answer_rows(report: StreetReport) -> list[tuple[str, str]]:
    return [(row.question, row.value) for row in catalogue.answer_rows(report.report_type.questions, report.case.answers)]


# Service error keys -> the form field that shows them.
ERROR_FIELDS = {"scheduled_on": "when_day", "expected_date": "when_day", "text": "private_note",
                "service": "report_type"}


@staff_area_required
@require_http_methods(["GET", "POST"])
def report_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404("No such action")
    report = _report(request, reference)
    if not casework.can_work_case(request.user, report.case):
        raise PermissionDenied
    report_url = reverse("portal_staff:report", kwargs={"reference": report.case.reference})
    if not spec.offered(report):
        messages.info(request, f"You cannot {spec.title[0].lower()}{spec.title[1:]} now: the report is "
                               f"{report.get_public_status_display().lower()}")
        return redirect(report_url)
    kwargs = {"report": report, "user": request.user, **spec.form_kwargs(report)}
    if request.method == "GET":
        form = spec.form(**kwargs)
    else:
        form = spec.form(request.POST, **kwargs)
        if form.is_valid():
            rename = dict(ERROR_FIELDS)
            if action == "expected-date":
                rename["expected_date"] = "expected_day"
            try:
                spec.run(report, form.cleaned_data, request.user)
            except casework.StaleCaseError as exc:
                # Keep what they typed; the version moves on so they can send it again after checking.
                data = request.POST.copy()
                data["version"] = str(Case.objects.filter(pk=report.case_id).values_list("version", flat=True)[0])
                report = _report(request, reference)
                form = spec.form(data, **{**kwargs, "report": report})
                form.is_valid()
                form.add_error(None, exc.messages[0])
            except ValidationError as exc:
                _errors_to_form(form, exc, default_field=None, rename=rename)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or "You cannot do that")
            else:
                messages.success(request, spec.done)
                return redirect(report_url)
    return render(request, "portal/staff/report_action.html", {
        "report": report, "case": report.case, "action": spec, "form": form, "report_url": report_url,
    })


@staff_area_required
@require_GET
def feedback_list(request: HttpRequest) -> HttpResponse:
    """What reporters said after their report was closed, for the teams that handle each category: newest
    first a page at a time (keyset), filtered by category and rating, with each category's monthly figures.

    Names no one: the report reference (its staff page is the record), the category, the rating and the
    comment, as the reporter wrote it (escaped). Filters that are not one of the choices are refused with a
    message and the list shown without them."""
    from urllib.parse import urlencode

    types = selectors.feedback_report_types(request.user)
    errors: list[tuple[str, str]] = []
    category = request.GET.get("category", "")[:20]
    report_type_id = None
    if category:
        if category.isdigit() and int(category) in {t.pk for t in types}:
            report_type_id = int(category)
        else:
            errors.append(("category", "Select a category from the list"))
            category = ""
    rating_raw = request.GET.get("rating", "")[:5]
    rating = None
    if rating_raw:
        if rating_raw in {"1", "2", "3", "4", "5"}:
            rating = int(rating_raw)
        else:
            errors.append(("rating", "Select a rating from the list"))
            rating_raw = ""
    after = request.GET.get("after", "")[:120]
    rows, next_cursor = selectors.feedback_page(report_types=types, report_type_id=report_type_id, rating=rating,
                                                after=after)
    kept = {k: v for k, v in (("category", category), ("rating", rating_raw)) if v}
    return render(request, "portal/staff/feedback_list.html", {
        "types": types, "rows": rows, "errors": errors, "category": category, "rating": rating_raw,
        "ratings": sorted(selectors.RATING_WORDS.items(), reverse=True),
        "next_url": f"?{urlencode({**kept, 'after': next_cursor})}" if next_cursor else "",
        "first_url": f"?{urlencode(kept)}" if after else "",
        "summary": selectors.feedback_summary(report_types=types) if types else [],
    }, status=400 if errors else 200)
