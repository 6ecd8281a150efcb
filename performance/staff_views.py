"""Performance analysts' pages under /staff/performance/: measures, targets, commentary, figures
waiting for a second analyst, CSV imports, comparator groups, closing periods and Cabinet reports.

Thin views: read through selectors, write through services, and put a
service's ValidationError back on the form. Only people with
PERFORMANCE_MANAGE get in (others 403, like every staff area); an unknown
measure, period or entry is 404.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from oxtom.accounts.decorators import permission_required
from oxtom.accounts.permissions import Permission
from oxtom.core.forms import errors_onto_form as _add_errors, posted

from . import imports, publication, reports, selectors, services
from . import forms as f
from .models import Source

analyst_required = permission_required(Permission.PERFORMANCE_MANAGE)



# --- measures ----------------------------------------------------------------------------------------


@analyst_required
@require_GET
def measure_list(request: HttpRequest) -> HttpResponse:
    period = selectors.latest_period()
    rows = selectors.county_rows(period) if period else []
    return render(request, "performance/staff/measures.html", {
        "period": period, "rows": rows, "pending_count": selectors.pending_entry_count(),
        "last_run": selectors.last_computation_run(),
    })


@analyst_required
@require_GET
def measure_detail(request: HttpRequest, code: str) -> HttpResponse:
    from insight import selectors as insight_selectors  # the forecast beside the actuals, as a chart and tables

    measure = selectors.get_measure(code)
    forecast_page = insight_selectors.forecast_page(measure)
    return render(request, "performance/staff/measure.html", {"page": selectors.measure_page(measure),
                                                               "measure": measure, "forecast": forecast_page.view,
                                                               "forecast_page": forecast_page})


@analyst_required
@require_http_methods(["GET", "POST"])
def definition_change(request: HttpRequest, code: str) -> HttpResponse:
    measure = selectors.get_measure(code)
    form = f.DefinitionForm(posted(request), initial={name: getattr(measure, name) for name in f.DefinitionForm.FIELDS})
    if request.method == "POST" and form.is_valid():
        changes = form.changes(measure)
        if not changes:
            form.add_error(None, "Nothing has changed: change the definition, or go back")
        else:
            try:
                services.measure_update(measure=measure, changes=changes, reason=form.cleaned_data["reason"],
                                        by=request.user)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, f"Definition saved as version {measure.version}")
                return redirect("performance_staff:measure", code=measure.code)
    return render(request, "performance/staff/definition_form.html", {"form": form, "measure": measure})


@analyst_required
@require_http_methods(["GET", "POST"])
def target_set(request: HttpRequest, code: str) -> HttpResponse:
    measure = selectors.get_measure(code)
    form = f.TargetForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.target_set(measure=measure, period_start=form.cleaned_data["period"],
                                value=form.cleaned_data["value"], amber_tolerance=form.cleaned_data["amber_tolerance"],
                                by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Target set for {form.cleaned_data['period']:%B %Y}")
            return redirect("performance_staff:measure", code=measure.code)
    return render(request, "performance/staff/target_form.html", {"form": form, "measure": measure})


@analyst_required
@require_http_methods(["GET", "POST"])
def commentary_add(request: HttpRequest, code: str) -> HttpResponse:
    measure = selectors.get_measure(code)
    initial = {"period": request.GET.get("period", "")[:7]}
    form = f.CommentaryForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.commentary_add(measure=measure, period=form.cleaned_data["period"], text=form.cleaned_data["text"],
                                    by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Commentary added for {form.cleaned_data['period'].label}")
            return redirect("performance_staff:measure", code=measure.code)
    return render(request, "performance/staff/commentary_form.html", {"form": form, "measure": measure})


@analyst_required
@require_http_methods(["GET", "POST"])
def entry_new(request: HttpRequest, code: str) -> HttpResponse:
    measure = selectors.get_measure(code)
    if measure.source != Source.MANUAL:
        raise Http404  # computed and imported measures take no typed figures
    form = f.EntryForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.value_entry_submit(measure=measure, period=data["period"], division=data["division"],
                                        value=data["value"], base=data["base"], note=data["note"],
                                        commentary=data["commentary"], by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Figure entered. Another analyst must approve it before it is published")
            return redirect("performance_staff:measure", code=measure.code)
    return render(request, "performance/staff/entry_form.html", {"form": form, "measure": measure})


# --- approvals ---------------------------------------------------------------------------------------


@analyst_required
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    return render(request, "performance/staff/approvals.html", {"entries": selectors.pending_entries()})


@analyst_required
@require_http_methods(["GET", "POST"])
def approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.get_entry(pk)
    form = f.DecisionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.value_entry_decide(entry=entry, approve=form.cleaned_data["decision"] == "approve",
                                        note=form.cleaned_data["note"], by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Figure approved and published" if form.cleaned_data["decision"] == "approve"
                             else "Figure rejected")
            return redirect("performance_staff:approvals")
    return render(request, "performance/staff/approval_form.html", {
        "form": form, "entry": entry, "own": entry.entered_by_id == request.user.pk,
    })


# --- imports and comparator groups -------------------------------------------------------------------


@analyst_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    form = f.ImportForm(posted(request), request.FILES if request.method == "POST" else None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = imports.values_import(data=upload.read(), file_name=upload.name,
                                           comparator_group=form.cleaned_data["comparator_group"], by=request.user)
        except imports.ImportRejected as exc:
            report = exc.report
            form.add_error("file", f"The file was not imported: {len(report.problems)} "
                                   f"problem{'s' if len(report.problems) != 1 else ''} (listed below). Nothing was stored")
        except ValidationError as exc:
            _add_errors(form, exc)
    return render(request, "performance/staff/import.html", {
        "form": form, "report": report,
        "problems": report.problems[:imports.MAX_REPORTED] if report else [],
        "more": max(0, len(report.problems) - imports.MAX_REPORTED) if report else 0,
    })


@analyst_required
@require_GET
def comparator_groups(request: HttpRequest) -> HttpResponse:
    return render(request, "performance/staff/comparators.html", {"groups": selectors.comparator_groups()})


@analyst_required
@require_http_methods(["GET", "POST"])
def comparator_group_new(request: HttpRequest) -> HttpResponse:
    form = f.ComparatorGroupForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            group = services.comparator_group_create(name=form.cleaned_data["name"], as_of=form.cleaned_data["as_of"],
                                                     members=form.cleaned_data["members"], by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"Comparator group {group} saved")
            return redirect("performance_staff:comparators")
    return render(request, "performance/staff/comparator_form.html", {"form": form})


# --- periods and Cabinet reports -------------------------------------------------------------------------


@analyst_required
@require_GET
def period_list(request: HttpRequest) -> HttpResponse:
    return render(request, "performance/staff/periods.html", {"periods": selectors.periods_for_analysts()})


@analyst_required
@require_http_methods(["GET", "POST"])
def period_close(request: HttpRequest, month: str) -> HttpResponse:
    period = selectors.get_period(month)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.period_close(period=period, by=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"{period.label} is closed. Its Cabinet report is being made")
            return redirect("performance_staff:periods")
    missing = [] if period.is_locked else services.red_without_commentary(period)
    return render(request, "performance/staff/period_close.html", {
        "period": period, "missing": missing, "errors": errors, "month": month,
    })


@analyst_required
@require_GET
def report_detail(request: HttpRequest, month: str) -> HttpResponse:
    period = selectors.get_period(month)
    # A closed period shows its stored report; an open one a draft from today's figures.
    report = selectors.cabinet_report(period) if period.is_locked else None
    content = report.content if report else reports.report_content(period)
    return render(request, "performance/staff/report.html", {
        "period": period, "report": report, "content": content, "month": month,
        "pending": period.is_locked and report is None,
        "own": period.closed_by_id == request.user.pk,
    })


@analyst_required
@require_http_methods(["POST"])
def report_approve(request: HttpRequest, month: str) -> HttpResponse:
    """A second analyst approves a closed month's report: it is published and members are emailed."""
    period = selectors.get_period(month)
    report = selectors.cabinet_report(period) if period.is_locked else None
    if report is None:
        raise Http404
    try:
        publication.cabinet_report_approve(report=report, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The report for {period.label} is published. Councillors have been emailed a link")
    return redirect("performance_staff:report", month=month)


@analyst_required
@require_GET
def report_pdf(request: HttpRequest, month: str) -> HttpResponse:
    period = selectors.get_period(month)
    report = selectors.cabinet_report(period, with_pdf=True)
    if report is None:
        raise Http404
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="cabinet-performance-report-{month}.pdf"'
    response["X-Content-SHA256"] = report.pdf_sha256
    return response
