"""Officers assess referred applications: every answer and piece of evidence, then approve or refuse.

Thin views: the application is found through its case, so whoever may not
work that case (another team, a councillor, a resident) gets 404 exactly as
for a missing one; the decision goes through services.application_decide.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from casework.views import _put_errors_on_form
from oxtom.accounts.decorators import staff_area_required
from oxtom.core.audit import audit_record

from . import selectors, services
from .answers import answer_rows, finding_rows
from .forms import DecisionForm
from .models import Application


def _page(request: HttpRequest, application: Application, form: DecisionForm, status: int = 200) -> HttpResponse:
    original = application.reconsideration_of
    same_officer = services.made_first_decision(request.user, application)
    audit_record(by=request.user, action="view", target=application,
                 summary=f"Viewed application {application.reference}")
    return render(request, "applications/assess.html", {
        "application": application, "case": application.case, "answers": answer_rows(application),
        "evidence": list(application.evidence.all()), "original": original, "form": form,
        "fast_track": bool((application.details or {}).get("fast_track")),
        "can_decide": application.status == Application.Status.REFERRED and not same_officer,
        "same_officer": same_officer and application.status == Application.Status.REFERRED,
        "details": finding_rows(application),
    }, status=status)


@staff_area_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Referred applications waiting for a decision in the teams this officer works."""
    return render(request, "applications/index.html", {"applications": selectors.applications_to_assess(request.user)})


@staff_area_required
@require_GET
def assess(request: HttpRequest, reference: str) -> HttpResponse:
    application = selectors.get_application_for_officer(request.user, reference)
    return _page(request, application, DecisionForm(application=application))


@staff_area_required
@require_POST
def decide(request: HttpRequest, reference: str) -> HttpResponse:
    application = selectors.get_application_for_officer(request.user, reference)
    form = DecisionForm(request.POST, application=application)
    if form.is_valid():
        try:
            services.application_decide(application=application, decision=form.cleaned_data["decision"],
                                        reasons=form.cleaned_data["reasons"], by=request.user,
                                        version=form.cleaned_data["version"])
        except services.StaleApplicationError as exc:
            application.refresh_from_db()
            data = request.POST.copy()
            data["version"] = str(application.version)
            form = DecisionForm(data, application=application)
            form.is_valid()
            form.add_error(None, exc.messages[0])
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "You cannot decide this application")
        except ValidationError as exc:
            _put_errors_on_form(form, exc)
            application.refresh_from_db()
        else:
            word = "approved" if form.cleaned_data["decision"] == "approve" else "refused"
            messages.success(request, f"Application {application.reference} {word}. The customer has been told.")
            return redirect(reverse("applications:assess", args=[application.reference]))
    return _page(request, application, form, status=400)


@staff_area_required
@require_GET
def evidence_file(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    application = selectors.get_application_for_officer(request.user, reference)
    row = application.evidence.filter(token=token).first() if len(token) <= 32 else None
    if row is None:
        raise Http404
    audit_record(by=request.user, action="view", target=application,
                 summary=f"Viewed evidence for {application.reference}", evidence=row.pk, kind=row.kind)
    try:
        handle = row.file.open("rb")
    except OSError:
        raise Http404 from None
    # Our stored type (decided from the bytes), never the uploader's; PDFs download rather than render here.
    response = FileResponse(handle, content_type=row.content_type, as_attachment=row.content_type == "application/pdf",
                            filename=f"{application.reference}-{row.kind}.{row.file.name.rsplit('.', 1)[-1]}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
