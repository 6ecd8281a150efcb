"""The BI team's and the MASH team's pages under /staff/insight/.

Who sees what:
- forecasts: the BI team and the performance analysts;
- the risk model's versions, model cards, bias checks and weekly figures (aggregate, no person in them):
  the BI team and the safeguarding service manager, who signs a version off;
- MASH referrals (special category): the MASH team only, through the engine's case visibility; every
  page that shows a referral is audited;
- the weekly review report (names and case histories): the safeguarding service manager only, audited.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from oxtom.accounts.decorators import _guard
from oxtom.accounts.permissions import Permission as P
from oxtom.cases.services import DuplicateSubmission
from oxtom.core.audit import audit_record, audit_record_many
from oxtom.core.forms import errors_onto_form, posted

from . import forms as f
from . import selectors, services

# Forecasts are for the BI team and the performance analysts whose measure pages show them.
forecast_readers = _guard(lambda u: u.has_permission(P.INSIGHT_WORK) or u.has_permission(P.PERFORMANCE_MANAGE))
model_readers = _guard(lambda u: u.has_permission(P.INSIGHT_WORK) or u.has_permission(P.RISK_MODEL_SIGN_OFF))
mash_team = _guard(lambda u: u.has_permission(P.SAFEGUARDING_SCREEN))
reviewer = _guard(lambda u: u.has_permission(P.SAFEGUARDING_SCREEN) and u.has_permission(P.RISK_MODEL_SIGN_OFF))
# A forecast page (aggregate demand, no person in it) is for the forecast readers and team leaders, whose
# capacity it is checked against; capacity is set by an analyst for any team, by a leader for their own.
forecast_page_readers = _guard(lambda u: u.has_permission(P.INSIGHT_WORK) or u.has_permission(P.PERFORMANCE_MANAGE)
                               or u.has_team_permission(P.TEAM_MANAGE))
capacity_setters = _guard(lambda u: services.is_analyst(u) or bool(services.led_team_ids(u)))


@forecast_readers
@require_GET
def forecasts(request: HttpRequest) -> HttpResponse:
    return render(request, "insight/forecasts.html", {"forecasts": selectors.forecast_list(),
                                                      "run": selectors.last_run(),
                                                      "warnings": selectors.capacity_warnings()})


@forecast_page_readers
@require_GET
def forecast(request: HttpRequest, code: str) -> HttpResponse:
    from performance import selectors as performance

    measure = performance.get_measure(code)
    if measure.pk not in {m.pk for m in performance.demand_measures()}:
        raise Http404("Not a measure of demand")
    return render(request, "insight/forecast.html", {"measure": measure, "page": selectors.forecast_page(measure),
                                                     "can_set": services.is_analyst(request.user) or bool(
                                                         services.led_team_ids(request.user))})


@capacity_setters
@require_http_methods(["GET", "POST"])
def capacity(request: HttpRequest) -> HttpResponse:
    from performance import selectors as performance

    teams = services.capacity_teams(request.user)
    measures = performance.demand_measures()
    from django.utils import timezone

    initial = {"first_month": timezone.localdate().replace(day=1)}
    if request.GET.get("measure", "").isdigit():
        initial["measure"] = int(request.GET["measure"])
    form = f.CapacityForm(posted(request), teams=teams, measures=measures, initial=initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        measure = next((m for m in measures if m.pk == data["measure"]), None)
        try:
            rows = services.capacity_set(team=data["team"], measure=measure, first_month=data["first_month"],
                                         months=data["months"], capacity=data["capacity"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"{data['team'].name}'s capacity for {measure.name} set to "
                                      f"{data['capacity']:,} a month for {len(rows)} month{'s' if len(rows) != 1 else ''}")
            return redirect("insight:capacity")
    return render(request, "insight/capacity.html", {
        "form": form, "capacities": selectors.capacity_list(teams),
        "warnings": selectors.capacity_warnings(team_ids=None if services.is_analyst(request.user)
                                                else services.led_team_ids(request.user))})


# --- MASH referrals -------------------------------------------------------------------------------

@mash_team
@require_GET
def mash_queue(request: HttpRequest) -> HttpResponse:
    queue = selectors.referral_queue(request.user)
    shown = queue["waiting"] + queue["screened"]
    if shown:  # the queue names children: who saw which, recorded
        audit_record_many([{"action": "view", "target_type": "insight.referral", "target_id": r.pk,
                            "summary": "Listed in the MASH queue"} for r in shown], by=request.user)
    return render(request, "insight/mash/queue.html", queue)


@mash_team
@require_http_methods(["GET", "POST"])
def mash_new(request: HttpRequest) -> HttpResponse:
    form = f.ReferralForm(posted(request))
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_create(by=request.user, submission_key=request.POST.get(
                "submission_key", "")[:64], **data)
        except DuplicateSubmission as exc:
            return redirect("insight:referral", reference=exc.case.reference)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Referral {referral.case.reference} recorded in the MASH screening queue")
            return redirect("insight:referral", reference=referral.case.reference)
    return render(request, "insight/mash/new.html", {"form": form})


@mash_team
@require_http_methods(["GET", "POST"])
def referral(request: HttpRequest, reference: str) -> HttpResponse:
    item = selectors.get_referral_for_user(request.user, reference)
    form = f.ScreeningForm(posted(request), initial={"version": item.case.version})
    if form.is_bound and item.screening_outcome:
        messages.info(request, "This referral has already been screened")
        return redirect("insight:referral", reference=item.case.reference)
    if form.is_bound and form.is_valid():
        try:
            services.referral_screen(referral=item, outcome=form.cleaned_data["outcome"],
                                     reasons=form.cleaned_data["reasons"],
                                     expected_version=form.cleaned_data["version"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Referral {item.case.reference} screened")
            return redirect("insight:mash")
    audit_record(by=request.user, action="view", target=item, summary=f"Viewed MASH referral {item.case.reference}")
    return render(request, "insight/mash/referral.html", {
        "referral": item, "form": form, "history": selectors.child_history(item)})


# --- the risk model -------------------------------------------------------------------------------

@model_readers
@require_GET
def models(request: HttpRequest) -> HttpResponse:
    return render(request, "insight/models/list.html", {
        "versions": selectors.risk_versions(), "running": services.running_risk_model(),
        "runs": selectors.scoring_figures(), "training": selectors.training_runs(),
        "can_train": request.user.has_permission(P.INSIGHT_WORK)})


trainer = _guard(lambda u: u.has_permission(P.INSIGHT_WORK))


@trainer
@require_http_methods(["GET", "POST"])
def model_train(request: HttpRequest) -> HttpResponse:
    form = f.TrainingForm(posted(request))
    if form.is_bound and form.is_valid():
        try:
            services.training_request(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, "Training has started. The new version appears here when it has "
                                      "finished: refresh this page in a few minutes")
            return redirect("insight:models")
    return render(request, "insight/models/train.html", {"form": form, "training": selectors.training_runs()[:1]})


@model_readers
@require_http_methods(["GET", "POST"])
def model(request: HttpRequest, number: int) -> HttpResponse:
    version = selectors.get_risk_version(number)
    if request.method == "POST":
        if not request.user.has_permission(P.RISK_MODEL_SIGN_OFF):
            raise PermissionDenied
        try:
            services.risk_model_sign_off(version=version, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Version {version.version} signed off: it scores from the next weekly run")
        return redirect("insight:model", number=version.version)
    can_sign = (request.user.has_permission(P.RISK_MODEL_SIGN_OFF) and version.signed_off_at is None)
    return render(request, "insight/models/version.html", {
        "version": version, "can_sign": can_sign, "fairness": selectors.fairness_rows(version),
        "min_group": selectors.risk_min_group(), "labels": selectors.input_labels(version),
        "own": version.trained_by_id == request.user.pk})


# --- Lee's weekly review report ---------------------------------------------------------------------

@reviewer
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    runs = selectors.scoring_figures()
    run = runs[0] if runs else None
    scores = selectors.review_report(run) if run else []
    if scores:
        audit_record_many([{"action": "view", "target_type": "insight.referral", "target_id": s.referral_id,
                            "summary": "Listed in the weekly risk report"} for s in scores], by=request.user)
    return render(request, "insight/review/report.html", {"run": run, "runs": runs, "scores": scores})


@reviewer
@require_http_methods(["GET", "POST"])
def review_case(request: HttpRequest, pk: int) -> HttpResponse:
    score = selectors.get_score_for_review(pk)
    reviewed = hasattr(score, "review")
    form = f.ReviewForm(posted(request))
    if form.is_bound and reviewed:
        messages.info(request, "This case has already been reviewed")
        return redirect("insight:review")
    if form.is_bound and form.is_valid():
        try:
            services.risk_review_record(score=score, decision=form.cleaned_data["decision"],
                                        reasons=form.cleaned_data["reasons"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Review of {score.referral.case.reference} recorded")
            return redirect("insight:review")
    audit_record(by=request.user, action="view", target=score.referral,
                 summary=f"Reviewed risk score of {score.referral.case.reference}")
    return render(request, "insight/review/case.html", {
        "score": score, "form": form, "reviewed": reviewed, "history": selectors.child_history(score.referral)})
