"""The "Apply for it" journeys: permits, blue badges and bus passes. Work without JavaScript.

start page → the service's questions (a blue badge asks who it is for
first, and for someone else asks their details, not the record's), one
thing per page (no sign-in needed: this is the eligibility check) → "not
eligible" with reasons, or → evidence → check answers (sign in or create an
account here; the draft is in the session) → submit → confirmation with the
reference and what happens next. Then the application page: pay (approved
with a fee), the issued permit/badge/pass, why it was referred or refused,
and asking us to reconsider a refusal.

The questions, eligibility and decisions are the rules' (applications):
this module only asks, shows and hands over. Details we already hold on the
customer record are never asked again. Inside an adviser's acting-for session
everything is for the acted-for customer, by the adviser (oxtom/customers/ASSIST.md).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applications import rules, selectors
from applications import services as app_services
from applications.models import Application, ApplicationEvidence, ApplicationService
from oxtom.accounts.decorators import signed_in_required
from oxtom.core.drafts import SessionDraft
from oxtom.core.files import private_file_response
from oxtom.core.money import pounds
from oxtom.customers import assist
from oxtom.customers.services import customer_ensure_for_user
from oxtom.payments.models import FINISHED, UNFINISHED
from oxtom.payments.models import Status as PaymentStatus

from .ending import ended_on
from .refunds import ENDED, resident_refund
from .decision_text import DecisionTextError, application_text_when_decided, decision_text_state
from .resident_forms import EvidenceForm, QuestionsForm, ReconsiderationForm, choices_of, field_kind

SESSION_KEY = "apply_draft"
DONE_KEY = "apply_done"
EVIDENCE_DIR = "apply-drafts"



def _start_text(service: ApplicationService) -> dict[str, Any]:
    # The service's own words (its rules module); an administrator can replace them with config
    # "who_can_apply" / "you_will_need" (lists of sentences) without a code change.
    found = rules.rules_for(service.code)
    text = dict(found.start_text if found is not None and found.start_text else {"who": [], "need": []})
    config = service.config or {}
    for key, config_key in (("who", "who_can_apply"), ("need", "you_will_need")):
        if isinstance(config.get(config_key), list):
            text[key] = [str(line) for line in config[config_key]]
    if not text["who"]:
        text["who"] = [service.summary]
    return text


# --- the draft in the session -----------------------------------------------------------------

# oxtom/core/drafts.py: evidence files are its parked files.
DRAFT = SessionDraft(SESSION_KEY, upload_dir=EVIDENCE_DIR, extensions=("jpg", "png", "webp", "pdf"),
                     parked=lambda d: (d.get("evidence") or {}).values(), done_key=DONE_KEY)
_save = DRAFT.save
_evidence_name = DRAFT.file_name
_discard = DRAFT.discard


def _get(request: HttpRequest, service: ApplicationService | None = None) -> dict[str, Any]:
    """A copy of the draft: changes count only once _save() puts them back (a rejected page changes nothing)."""
    d = DRAFT.get(request, copied=True)
    return {} if service is not None and d.get("service") != service.code else d


def _start(request: HttpRequest, service: ApplicationService, **extra: Any) -> dict[str, Any]:
    """A fresh draft with its own submission key: one application per draft, however often it is sent."""
    return DRAFT.start(request, service=service.code, **{"answers": {}, "evidence": {}, **extra})  # a renewal brings answers


# --- who, what we know, what to ask -----------------------------------------------------------

def _subject(request: HttpRequest):
    """(customer the application is for, actor, channel, on behalf of). Creates a resident's record when needed."""
    customer, actor, channel, on_behalf_of = assist.subject_and_actor(request)
    if customer is None and request.user.is_authenticated and not on_behalf_of:
        customer = customer_ensure_for_user(user=request.user, by=request.user)
    return customer, actor, channel, on_behalf_of


def _known(service: ApplicationService, d: dict, customer) -> dict[str, Any]:
    """Answers the customer record holds already (never asked twice): the rules' own look-up."""
    return rules.record_answers(service, dict(d.get("answers") or {}), customer)


# Questions that read better together on one page (GOV.UK: one thing per page, an address is one thing).
PAGE_GROUPS = [
    ({"address_line_1", "address_line_2", "town", "postcode"}, "What is the address?"),
    ({"holder_first_name", "holder_last_name"}, "What is the badge holder’s name?"),
    ({"first_name", "last_name"}, "What is your name?"),
]


def _group_title(code: str) -> str | None:
    return next((title for codes, title in PAGE_GROUPS if code in codes), None)


def _pages(service: ApplicationService, d: dict, customer) -> list[list[Any]]:
    """The questions still to ask, a page each, in the rules' order; follow-ups only when they apply."""
    known = _known(service, d, customer)
    answers = {**known, **(d.get("answers") or {})}
    pages: list[list[Any]] = []
    for question in rules.questions(service):
        # An optional detail the record would supply (a property reference) is not worth asking for;
        # a `confirm` question is asked anyway, filled in from the record.
        if (question.code in known and not question.confirm) or not question.applies(answers) \
                or (question.prefill and not question.required):
            continue
        title = _group_title(question.code)
        if pages and title is not None and _group_title(pages[-1][-1].code) == title:
            pages[-1].append(question)
        else:
            pages.append([question])
    return pages


def _answers(service: ApplicationService, d: dict, customer) -> dict[str, Any]:
    """Everything the rules get: the person's answers with the record filling the rest, by the rules'
    one precedence (rules.prefilled, as the application service applies it), keeping only the
    questions that still apply."""
    given = dict(d.get("answers") or {})
    filled = rules.prefilled(service, given, customer)
    known = rules.record_answers(service, given, customer)
    return {q.code: filled[q.code] for q in rules.questions(service)
            if q.code in filled and (q.code in known or q.applies(filled))}


def _evaluate(service: ApplicationService, d: dict, customer):
    return rules.evaluate(service, _answers(service, d, customer), customer=customer, today=timezone.localdate())


def _next_after_questions(request: HttpRequest, service: ApplicationService, d: dict, customer) -> HttpResponse:
    """Run the rules on the answers so far: not eligible, a question they still need, or on to the evidence."""
    result = _evaluate(service, d, customer)
    pages = _pages(service, d, customer)
    asked = {question.code: n for n, page in enumerate(pages, start=1) for question in page}
    for code in result.questions_missing or []:
        if code in asked and code not in (d.get("answers") or {}):
            return redirect("apply:questions", code=service.code, page=asked[code])
    d["outcome"] = {"outcome": result.outcome, "reasons": list(result.reasons), "fee_pence": result.fee_pence}
    d["questions_done"] = True
    _save(request, d)
    if result.outcome == "refuse":
        return redirect("apply:not_eligible", code=service.code)
    have = d.get("evidence") or {}
    if any(str(i) not in have for i, _ in enumerate(_evidence_items(service))):
        return redirect("apply:evidence", code=service.code)
    return redirect("apply:check", code=service.code)


def _evidence_items(service: ApplicationService) -> list[dict]:
    items = (service.config or {}).get("required_evidence") or []
    return [i for i in items if isinstance(i, dict)]


def _kind_labels() -> dict[str, str]:
    return {value: str(label) for value, label in ApplicationEvidence.Kind.choices}


def _service_or_404(code: str) -> ApplicationService:
    return selectors.get_application_service(code)


def _renewal_source(request: HttpRequest, service: ApplicationService, number: str):
    """The entitlement a renewal link names, if it is the signed-in customer's (or the acted-for one's): else 404."""
    entitlement = selectors.get_entitlement_for_user(request.user, number, request=request)
    if entitlement.service_id != service.pk:
        raise Http404
    return entitlement


# --- pages ------------------------------------------------------------------------------------

@require_GET
def apply_index(request: HttpRequest) -> HttpResponse:
    """Everything a resident can apply for."""
    return render(request, "portal/apply/index.html", {"services": selectors.application_services_active()})


@require_GET
def apply_start(request: HttpRequest, code: str) -> HttpResponse:
    """The service's start page: what it is, who can get it, what it costs, how long, what you need.

    With ?renewing=<number> (the blue badge renewal link) the answers of that
    badge's application are carried into a new draft, once signed in.
    """
    service = _service_or_404(code)
    renewing = request.GET.get("renewing", "")
    if renewing:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}")
        entitlement = _renewal_source(request, service, renewing)
        d = _start(request, service, renewing=entitlement.number, answers=dict(entitlement.application.answers or {}))
        messages.info(request, f"We have filled in your answers from {service.name_in_sentence} {entitlement.number}. "
                               "Check them and change anything that is different now.")
        # Straight to the evidence and check answers (or to whatever the rules now need asking).
        return _next_after_questions(request, service, d, _subject(request)[0])
    return render(request, "portal/apply/start.html", {
        "service": service, "evidence": _evidence_items(service), "start": _start_text(service),
        **_start_fees(request, service),
        "validity_years": service.validity_months // 12 if service.validity_months % 12 == 0 else None,
        "in_progress": bool(_get(request, service).get("answers")),
    })


def _start_fees(request: HttpRequest, service: ApplicationService) -> dict[str, Any]:
    """What the start page says it costs, from the data the decision charges by.

    A service with zones (parking) charges by zone and by how many permits the household
    has: the signed-in resident's own zone when their address is in one, else every zone.
    """
    zones = rules.zone_fees(service)
    if not zones:
        return {"fee": pounds(service.fee_pence) if service.fee_pence else "", "zones": [], "zone": None}
    # One column per permit in the household, up to the most any zone allows; a zone with fewer
    # prices than permits charges its last price again (as the decision does).
    most = min(6, max(max(z.max_permits, len(z.charges_pence)) for z in zones))
    ordinals = ["first", "second", "third", "fourth", "fifth", "sixth"][:most]
    rows = []
    for z in zones:
        prices = [pounds(z.charges_pence[min(n, len(z.charges_pence) - 1)]) for n in range(z.max_permits)]
        said = [f"a {word} {price}" for word, price in zip(ordinals[1:], prices[1:])]
        sentence = f"Your household’s first permit costs {prices[0]}"
        if said:
            sentence += f", {', '.join(said[:-1])}{' and ' if len(said) > 1 else ''}{said[-1]}"
        sentence += f". A household can have up to {z.max_permits} permit{'s' if z.max_permits != 1 else ''}."
        rows.append({"code": z.code, "name": z.name, "sentence": sentence,
                     "columns": [prices[n] if n < len(prices) else "" for n in range(most)]})
    zone = None
    customer = selectors.customer_for(request.user, request)
    if customer is not None:
        found = rules.find_zone(service.config or {}, rules.prefilled(service, {}, customer))
        zone = next((row for row in rows if found is not None and row["code"] == str(found.get("code") or "")), None)
    return {"fee": "", "zones": rows, "zone": zone,
            "outside_zones": customer is not None and zone is None and bool(customer.postcode),
            "fee_headers": [f"{word.capitalize()} permit" for word in ordinals]}


def _first_step(service: ApplicationService) -> str:
    return reverse("apply:questions", kwargs={"code": service.code, "page": 1})


@require_http_methods(["GET", "POST"])
def apply_begin(request: HttpRequest, code: str) -> HttpResponse:
    """"Start now": a fresh draft. A GET keeps one in progress (the back button must not lose answers)."""
    service = _service_or_404(code)
    if request.method == "POST" or not _get(request, service).get("key"):
        _start(request, service)
    return redirect(_first_step(service))


def _draft_or_restart(request: HttpRequest, service: ApplicationService):
    d = _get(request, service)
    if not d.get("key"):
        return None, redirect("apply:start", code=service.code)
    return d, None


def _initial_for(questions: list[Any], answers: dict) -> dict[str, Any]:
    initial = {}
    for question in questions:
        code = question.code
        if code not in answers:
            continue
        value = answers[code]
        if field_kind(question) == "date" and isinstance(value, str):
            try:
                born = date.fromisoformat(value)
            except ValueError:
                continue
            value = [born.day, born.month, born.year]
        initial[code] = value
    return initial


@require_http_methods(["GET", "POST"])
def apply_questions(request: HttpRequest, code: str, page: int) -> HttpResponse:
    """One page of the service's questions. No sign-in: this is the eligibility check."""
    service = _service_or_404(code)
    d, bounce = _draft_or_restart(request, service)
    if bounce:
        return bounce
    customer = _subject(request)[0] if request.user.is_authenticated else None
    pages = _pages(service, d, customer)
    if not pages:
        return _next_after_questions(request, service, d, customer)
    if page < 1 or page > len(pages):
        return redirect("apply:questions", code=service.code, page=1)
    # Don't let someone skip ahead by editing the address: earlier pages must be answered first.
    for n, earlier in enumerate(pages[: page - 1], start=1):
        if any(x.code not in d["answers"] and x.required for x in earlier):
            return redirect("apply:questions", code=service.code, page=n)
    questions = pages[page - 1]
    # What the record holds fills in a page it must confirm; what was answered here wins over it.
    known = _known(service, d, customer)
    form = QuestionsForm(request.POST if request.method == "POST" else None, questions=questions,
                         initial=_initial_for(questions, {**known, **d["answers"]}), answered={**known, **d["answers"]})
    if request.method == "POST" and form.is_valid():
        for question in questions:  # an optional answer cleared is forgotten
            d["answers"].pop(question.code, None)
        d["answers"].update(form.answers)
        # The rules have the last word on an answer's shape (a PIP score that cannot be awarded).
        errors = _evaluate(service, d, customer).errors
        for code_ in [c for c in errors if c in form.fields]:
            form.add_error(code_, errors[code_])
    if request.method == "POST" and form.is_valid():
        d.pop("outcome", None)
        _save(request, d)
        pages = _pages(service, d, customer)  # answers can open or close follow-up questions
        if page < len(pages) and not request.GET.get("check"):
            return redirect("apply:questions", code=service.code, page=page + 1)
        return _next_after_questions(request, service, d, customer)
    if page > 1:
        back = reverse("apply:questions", kwargs={"code": service.code, "page": page - 1})
    else:
        back = reverse("apply:start", kwargs={"code": service.code})
    return render(request, "portal/apply/questions.html", {
        "service": service, "form": form, "page": page, "pages": len(pages), "back": back,
        "heading": questions[0].label if len(questions) == 1 else _group_title(questions[0].code),
        "single": len(questions) == 1,
        "from_record": any(question.confirm and question.code in known and question.code not in d["answers"]
                           for question in questions),
    })


@require_GET
def apply_not_eligible(request: HttpRequest, code: str) -> HttpResponse:
    """Not eligible: the reasons in plain English, what else might help. Never a validation error."""
    service = _service_or_404(code)
    d, bounce = _draft_or_restart(request, service)
    if bounce:
        return bounce
    outcome = d.get("outcome") or {}
    if outcome.get("outcome") != "refuse":
        return redirect("apply:check", code=service.code)
    return render(request, "portal/apply/not_eligible.html", {
        "service": service, "reasons": outcome.get("reasons") or [],
        "signposting": (service.config or {}).get("signposting") or [],
        "last_page": len(_pages(service, d, _subject(request)[0] if request.user.is_authenticated else None)) or 1,
    })


@require_http_methods(["GET", "POST"])
def apply_evidence(request: HttpRequest, code: str) -> HttpResponse:
    """The photo and documents the service asks for, checked by their content (never name or type)."""
    service = _service_or_404(code)
    d, bounce = _draft_or_restart(request, service)
    if bounce:
        return bounce
    if not d.get("questions_done"):
        return redirect("apply:questions", code=service.code, page=1)
    items = _evidence_items(service)
    if not items:
        return redirect("apply:check", code=service.code)
    have = {int(k) for k in (d.get("evidence") or {})}
    form = EvidenceForm(request.POST if request.method == "POST" else None,
                        request.FILES if request.method == "POST" else None,
                        items=items, have=have, kind_labels=_kind_labels())
    if request.method == "POST" and form.is_valid():
        evidence = d.setdefault("evidence", {})
        for index, (kind, checked) in form.checked.items():
            old = evidence.get(str(index))
            if old:
                default_storage.delete(_evidence_name(old))
            evidence[str(index)] = _park(kind, checked)
        _save(request, d)
        return redirect("apply:check", code=service.code)
    return render(request, "portal/apply/evidence.html", {
        "service": service, "form": form, "have": d.get("evidence") or {},
        "back": reverse("apply:questions", kwargs={"code": service.code, "page": max(1, len(_pages(
            service, d, _subject(request)[0] if request.user.is_authenticated else None)))}),
    })


def _park(kind: str, checked: Any) -> dict:
    return DRAFT.park(checked.content, extension=checked.extension, content_type=checked.content_type, kind=kind,
                      size=len(checked.content))


def _load_evidence(d: dict) -> list[tuple[str, Any]]:
    """The parked files as (kind, checked file) again; they were checked when uploaded."""
    from oxtom.core.uploads import CheckedImage

    from oxtom.core.uploads import CheckedDocument

    result = []
    for item in (d.get("evidence") or {}).values():
        with default_storage.open(_evidence_name(item), "rb") as handle:
            content = handle.read()
        if item["extension"] == "pdf":
            result.append((item["kind"], CheckedDocument(content)))
        else:
            result.append((item["kind"], CheckedImage(content=content, content_type=item["content_type"],
                                                      extension=item["extension"], width=0, height=0)))
    return result


def _display(question: Any, value: Any) -> str:
    """Check-answers words for an answer, formatted as every case page shows it (oxtom.core.answers)."""
    from oxtom.core.answers import format_answer

    kind = {"radio": "choice", "checkboxes": "multichoice"}.get(field_kind(question), field_kind(question))
    if value in ("", None):
        return ""
    return format_answer(value, kind=kind, choices=dict(choices_of(question)))


def _rows(service: ApplicationService, d: dict, customer) -> list[dict]:
    """Check-answers rows: each answer with a link back to its page."""
    pages = _pages(service, d, customer)
    rows = []
    for n, page in enumerate(pages, start=1):
        for question in page:
            code = question.code
            if code in d.get("answers", {}):
                rows.append({"label": question.label, "value": _display(question, d["answers"][code]),
                             "change": reverse("apply:questions", kwargs={"code": service.code, "page": n}) + "?check=1"})
    return rows


@never_cache
@require_http_methods(["GET", "POST"])
def apply_check(request: HttpRequest, code: str) -> HttpResponse:
    """Check answers, then send. Signing in or creating an account happens here, with the answers kept."""
    service = _service_or_404(code)
    done = request.session.get(DONE_KEY)
    d = _get(request, service)
    if not d.get("key"):
        if request.method == "POST" and done:
            # A second click on "Send" after the first went through: the same application, not another.
            return redirect("apply:confirmation", code=service.code)
        return redirect("apply:start", code=service.code)
    if not d.get("questions_done"):
        return redirect("apply:questions", code=service.code, page=1)
    customer = None
    if request.user.is_authenticated:
        customer, actor, channel, on_behalf_of = _subject(request)
    # Signing in can change the answer (a household's permits, a date of birth on the record): ask the rules again.
    result = _evaluate(service, d, customer)
    if result.outcome == "refuse":
        d["outcome"] = {"outcome": "refuse", "reasons": list(result.reasons), "fee_pence": result.fee_pence}
        _save(request, d)
        return redirect("apply:not_eligible", code=service.code)
    missing_evidence = [i for i, _ in enumerate(_evidence_items(service)) if str(i) not in (d.get("evidence") or {})]
    if missing_evidence:
        return redirect("apply:evidence", code=service.code)
    error = ""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
        previous = None
        if d.get("renewing"):
            previous = _renewal_source(request, service, d["renewing"])
        try:
            application = app_services.application_submit(
                service=service, customer=customer, answers=_answers(service, d, customer),
                evidence=_load_evidence(d), channel=channel, by=actor, submission_key=d["key"],
                kind="renewal" if previous is not None else "new", previous_entitlement=previous,
            )
        except (ValidationError, OSError, ValueError) as exc:
            error = "; ".join(exc.messages) if isinstance(exc, ValidationError) else \
                "Your files have expired: add them again"
        else:
            DRAFT.finish(request, application.reference)
            return redirect("apply:confirmation", code=service.code)
    return render(request, "portal/apply/check.html", {
        "service": service, "d": d, "rows": _rows(service, d, customer), "customer": customer,
        "evidence": [(_kind_labels().get(i["kind"], i["kind"]), i) for i in (d.get("evidence") or {}).values()],
        "fee": pounds(result.fee_pence) if result.fee_pence else "", "outcome": result.outcome,
        "error": error, "next": request.path, "assisted": assist.is_assisted(request),
    })


@require_GET
@signed_in_required
def apply_confirmation(request: HttpRequest, code: str) -> HttpResponse:
    """Application sent: the reference, when they will hear, and what happens next."""
    service = _service_or_404(code)
    reference = request.session.get(DONE_KEY)
    if not reference:
        return redirect("apply:start", code=service.code)
    try:
        application = selectors.get_application_for_user(request.user, reference, request=request)
    except Http404:
        return redirect("apply:start", code=service.code)
    return render(request, "portal/apply/confirmation.html", {"service": service, "application": application,
                                                               "back": "confirmation",
                                                               **_decision_context(application)})


# --- after the decision -----------------------------------------------------------------------

def _decision_context(application: Application) -> dict[str, Any]:
    """What the application page and the confirmation need: the permit issued, the payment state."""
    entitlement = None
    if application.status == Application.Status.ISSUED:
        entitlement = application.entitlements.order_by("-starts_on").first()
    payment = application.payment
    payment_pending = bool(payment and payment.status in UNFINISHED)
    return {
        "entitlement": entitlement, "payment": payment,
        "refund": resident_refund(entitlement) if entitlement is not None else None,
        "ended_on": ended_on(entitlement) if entitlement is not None and entitlement.status in ENDED else None,
        "payment_failed": bool(payment and payment.status in FINISHED and payment.status != PaymentStatus.SUCCESS),
        # Every state GOV.UK Pay has not finished (capturable too), so the page asks the provider again.
        "payment_pending": payment_pending,
        "fee": application.fee_display if application.fee_pence else "",
        "offer_agreement": (application.status == Application.Status.AWAITING_PAYMENT and not payment_pending
                            and app_services.offers_payment_agreement(application)),
        "signposting": (application.service.config or {}).get("signposting") or [],
        "decision_text": decision_text_state(application),
        "reconsider_refusal": (refusal := app_services.reconsideration_refusal(application)) or "",
        "can_reconsider": refusal is None,
    }


@never_cache
@require_GET
@signed_in_required
def application_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """The decision, and what to do about it: pay, wait for an officer, ask us to reconsider.

    Payment outcomes are read from our own records (the payment journey asked
    the provider); nothing in this page's address can change them.
    """
    application = selectors.get_application_for_user(request.user, reference, request=request)
    context = _decision_context(application)
    if context["payment_pending"]:
        from oxtom.payments.services import payment_refresh_status

        payment_refresh_status(payment=application.payment, by=request.user)
        application = selectors.get_application_for_user(request.user, reference, request=request)
        context = _decision_context(application)
    return render(request, "portal/apply/application.html", {"application": application, "service": application.service,
                                                             **context})


@never_cache
@require_GET
@signed_in_required
def application_evidence(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """A file the applicant sent with their own application (an adviser acting for them sees theirs)."""
    application = selectors.get_application_for_user(request.user, reference, request=request)
    row = application.evidence.filter(token=token).first() if 0 < len(token) <= 32 else None
    if row is None:
        raise Http404
    return private_file_response(row.file, content_type=row.content_type,
                                 filename=f"{application.reference}-{row.kind}.{row.file.name.rsplit('.', 1)[-1]}")


@require_POST
@signed_in_required
def application_pay(request: HttpRequest, reference: str) -> HttpResponse:
    """Start (or carry on with) the payment for an approved application. Paying twice is refused by the service."""
    application = selectors.get_application_for_user(request.user, reference, request=request)
    detail = reverse("apply:application", kwargs={"reference": application.reference})
    if application.status != Application.Status.AWAITING_PAYMENT:
        messages.info(request, "There is nothing to pay for this application.")
        return redirect(detail)
    _, actor, _, _ = _subject(request)
    try:
        started = app_services.application_payment_start(application=application, return_url=detail, by=actor,
                                                         moto=assist.is_assisted(request),
                                                         set_up_agreement=request.POST.get("agree_recurring") == "yes")
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(detail)
    return redirect(started.next_url or detail)


@require_POST
@signed_in_required
def application_text_me(request: HttpRequest, reference: str) -> HttpResponse:
    """"Text me when you have decided", from the confirmation or the application page (decision_text.py)."""
    application = selectors.get_application_for_user(request.user, reference, request=request)
    back = (reverse("apply:confirmation", kwargs={"code": application.service.code})
            if request.POST.get("back") == "confirmation" and request.session.get(DONE_KEY) == application.reference
            else reverse("apply:application", kwargs={"reference": application.reference}))
    _, actor, _, _ = _subject(request)
    try:
        application_text_when_decided(application=application, by=actor)
    except DecisionTextError as exc:
        messages.info(request, str(exc))
    else:
        messages.success(request, "We will text you as soon as we have decided.")
    return redirect(f"{back}#decision-text")


@require_http_methods(["GET", "POST"])
@signed_in_required
def application_reconsider(request: HttpRequest, reference: str) -> HttpResponse:
    """Ask us to look again at a refusal. A different officer decides."""
    application = selectors.get_application_for_user(request.user, reference, request=request)
    detail = reverse("apply:application", kwargs={"reference": application.reference})
    if not _decision_context(application)["can_reconsider"]:
        messages.info(request, "You have already asked us to look at this decision again, or it was not a refusal.")
        return redirect(detail)
    form = ReconsiderationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        _, actor, _, _ = _subject(request)
        try:
            again = app_services.application_request_reconsideration(
                application=application, grounds=form.cleaned_data["grounds"], by=actor)
        except ValidationError as exc:
            form.add_error("grounds", exc.messages[0])
        else:
            messages.success(request, f"We have your request. Its reference is {again.reference}. "
                                      "A different officer will look at the decision again.")
            return redirect("apply:application", reference=again.reference)
    return render(request, "portal/apply/reconsider.html", {"application": application, "form": form,
                                                            "service": application.service})
