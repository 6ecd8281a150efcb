"""Consultations: the public pages at /consultations/ and the officers' tools at /staff/consultations/."""
from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from oxtom.accounts.decorators import permission_required
from oxtom.accounts.permissions import Permission as P
from oxtom.core.audit import audit_record
from oxtom.core.forms import errors_onto_form as _add_errors, posted

from .. import forms as f
from .. import selectors
from ..models import Consultation, ConsultationResponse, Question
from ..services import consultations as svc

officer_required = permission_required(P.CONSULTATION_MANAGE)


def _guard_any(*permissions: P):
    from oxtom.accounts.decorators import _guard as guard

    return guard(lambda u: any(u.has_permission(p) for p in permissions))



def _question_rows(consultation: Consultation, answers: dict, errors: dict) -> list[dict]:
    return [{"q": q, "name": f"q{q.pk}", "value": answers.get(str(q.pk), ""), "error": errors.get(f"q{q.pk}", ""),
             "options": q.options} for q in consultation.questions.all()]


def _guard(request: HttpRequest, consultation: Consultation) -> str:
    if request.user.is_authenticated:
        return ""
    if not request.session.session_key:
        request.session.save()
    return svc.anonymous_guard(consultation, request.session.session_key)


def _division(request: HttpRequest):
    customer = getattr(request.user, "customer", None) if request.user.is_authenticated else None
    return getattr(customer, "division", None)


# --- public ---------------------------------------------------------------------------------------


@require_GET
def consultation_list(request: HttpRequest) -> HttpResponse:
    return render(request, "strategy/consultations/list.html", selectors.public_consultations())


@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, slug: str) -> HttpResponse:
    """Answer a consultation: signed-in residents can save and come back; everyone answers once."""
    consultation = selectors.get_public_consultation(slug)
    is_open = consultation.is_open_on(timezone.localdate())
    guard = _guard(request, consultation) if is_open else ""
    existing = svc.existing_response(consultation, user=request.user, guard=guard) if is_open else None
    if existing is not None and existing.submitted_at is not None:
        return render(request, "strategy/consultations/done.html", {"consultation": consultation, "already": True})
    answers = existing.answers if existing else {}
    errors: dict[str, str] = {}
    general: list[str] = []
    name_shared, respondent_name = (existing.name_shared, existing.respondent_name) if existing else (False, "")
    if request.method == "POST" and is_open:
        submit = request.POST.get("action") != "save"
        name_shared = request.POST.get("name_shared") == "yes"
        respondent_name = request.POST.get("respondent_name", "")[:200]
        try:
            svc.response_save(consultation=consultation, data=request.POST, user=request.user, guard=guard,
                              submit=submit, division=_division(request), name_shared=name_shared,
                              respondent_name=respondent_name)
        except svc.AlreadyResponded:
            return render(request, "strategy/consultations/done.html", {"consultation": consultation, "already": True})
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = {k: v[0] for k, v in exc.message_dict.items()}
            else:
                general = exc.messages
            answers, _ = svc.clean_answers(consultation, request.POST, final=False)
        else:
            if submit:
                return redirect("strategy:consultation_done", slug=slug)
            messages.success(request, "Your answers are saved. Come back to this page to finish them before "
                                      f"{consultation.closes_on:%-d %B %Y}")
            return redirect("strategy:consultation", slug=slug)
    return render(request, "strategy/consultations/respond.html", {
        "consultation": consultation, "is_open": is_open, "rows": _question_rows(consultation, answers, errors),
        "errors": errors, "general": general, "name_shared": name_shared, "respondent_name": respondent_name,
        "draft": existing is not None, "today": timezone.localdate(),
    })


@require_GET
def done(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = selectors.get_public_consultation(slug)
    return render(request, "strategy/consultations/done.html", {"consultation": consultation, "already": False})


@require_GET
def results(request: HttpRequest, slug: str) -> HttpResponse:
    """We asked, you said, we did: published once the consultation has closed and the summary is written."""
    consultation = selectors.get_public_consultation(slug)
    if consultation.summary_published_at is None:
        return render(request, "strategy/consultations/results_pending.html", {"consultation": consultation})
    total, rows = selectors.consultation_results(consultation, with_texts=False)
    return render(request, "strategy/consultations/results.html", {"consultation": consultation, "total": total,
                                                                   "rows": rows, "staff": False})


# --- officers ---------------------------------------------------------------------------------------


@officer_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    return render(request, "strategy/consultations/staff_list.html",
                  {"consultations": list(Consultation.objects.all())})


@officer_required
@require_http_methods(["GET", "POST"])
def staff_new(request: HttpRequest) -> HttpResponse:
    form = f.ConsultationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consultation = svc.consultation_create(title=data["title"], purpose=data["purpose"],
                                                   audience=data["audience"], opens_on=data["opens_on"],
                                                   closes_on=data["closes_on"], questions=data["questions"],
                                                   by=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Consultation saved as a draft: check it, then publish it")
            return redirect("strategy_consultations:manage", slug=consultation.slug)
    return render(request, "strategy/consultations/staff_new.html", {"form": form})


@officer_required
@require_http_methods(["GET", "POST"])
def staff_manage(request: HttpRequest, slug: str) -> HttpResponse:
    consultation = selectors.get_consultation_for_staff(slug)
    form = f.SummaryForm(posted(request) if request.POST.get("action") == "summary" else None,
                         initial={"we_did": consultation.we_did})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "publish":
                svc.consultation_publish(consultation=consultation, by=request.user)
                messages.success(request, "Published: residents can now respond")
            elif action == "close":
                svc.consultation_close(consultation=consultation, by=request.user)
                messages.success(request, "Closed: no more responses are taken")
            elif action == "summary":
                if form.is_valid():
                    svc.consultation_summary_publish(consultation=consultation, we_did=form.cleaned_data["we_did"],
                                                     by=request.user)
                    messages.success(request, "We asked, you said, we did is published")
            else:
                raise ValidationError("Choose what to do")
        except ValidationError as exc:
            if action == "summary":
                _add_errors(form, exc)
            else:
                messages.error(request, " ".join(exc.messages))
                return redirect("strategy_consultations:manage", slug=slug)
        else:
            if not form.errors:
                return redirect("strategy_consultations:manage", slug=slug)
    total, rows = selectors.consultation_results(consultation, with_texts=True)
    return render(request, "strategy/consultations/staff_manage.html", {
        "consultation": consultation, "form": form, "total": total, "rows": rows,
    })


@officer_required
@require_GET
def staff_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """Every submitted response, one row each; names only where the respondent agreed."""
    consultation = selectors.get_consultation_for_staff(slug)
    questions = list(consultation.questions.all())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="consultation-{consultation.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(["response", "submitted", "channel", "division", "name (if agreed)"]
                    + [f"Q{q.position} {q.text}" for q in questions])
    rows = (ConsultationResponse.objects.filter(consultation=consultation, submitted_at__isnull=False)
            .select_related("division").order_by("submitted_at", "id"))
    for n, r in enumerate(rows, start=1):
        writer.writerow([_safe(v) for v in [n, r.submitted_at.date().isoformat(), r.get_channel_display(),
                                            r.division.name if r.division else "",
                                            r.respondent_name if r.name_shared else ""]
                         + [r.answers.get(str(q.pk), "") for q in questions]])
    audit_record(by=request.user, action="export", target=consultation, summary="Responses exported as CSV")
    return response


def _safe(value: object) -> object:
    """Spreadsheets run cells starting with = + - @ as formulas: quote them."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@_guard_any(P.CONSULTATION_MANAGE, P.ASSIST_ACT_FOR)
@require_http_methods(["GET", "POST"])
def staff_enter(request: HttpRequest, slug: str) -> HttpResponse:
    """An adviser (or officer) enters a paper or phone response for a resident."""
    consultation = selectors.get_consultation_for_staff(slug)
    form = f.EnterResponseForm(posted(request))
    errors: dict[str, str] = {}
    general: list[str] = []
    answers: dict = {}
    name_shared, respondent_name = False, ""
    if request.method == "POST":
        name_shared = request.POST.get("name_shared") == "yes"
        respondent_name = request.POST.get("respondent_name", "")[:200]
        if form.is_valid():
            try:
                svc.response_enter_for(consultation=consultation, data=request.POST,
                                       channel=form.cleaned_data["channel"], division=None, name_shared=name_shared,
                                       respondent_name=respondent_name, by=request.user)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    errors = {k: v[0] for k, v in exc.message_dict.items()}
                else:
                    general = exc.messages
            else:
                messages.success(request, "Response entered")
                return redirect("strategy_consultations:enter", slug=slug)
        answers, _ = svc.clean_answers(consultation, request.POST, final=False)
    return render(request, "strategy/consultations/staff_enter.html", {
        "consultation": consultation, "form": form, "rows": _question_rows(consultation, answers, errors),
        "errors": errors, "general": general, "name_shared": name_shared, "respondent_name": respondent_name,
    })
