"""FOI pages: the public disclosure log and request form (/foi/), and the staff workflow (/staff/foi/).

Thin: forms in, services and selectors out. Every staff view of a request is audited.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import signed_in_required, staff_area_required
from oxtom.cases.services import DuplicateSubmission
from oxtom.core.audit import audit_record
from oxtom.core.clientip import client_ip
from oxtom.core.files import private_file_response
from oxtom.core.forms import errors_onto_form, posted
from oxtom.customers import assist
from oxtom.core.ratelimit import take

from . import forms as f
from . import rules, selectors, services
from .models import Allocation, Attachment, InternalReview, PersonalDataHit, Stage

REQUESTS_PER_HOUR = 5


# --- public -----------------------------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    form = f.SearchForm(request.GET or None)
    query = selectors.clean_query(request.GET.get("q", ""))
    results = selectors.search_log(query) if query else selectors.search_log("", limit=10)
    return render(request, "foi/index.html", {"search": form, "query": query, "results": results})


@require_GET
def entry(request: HttpRequest, reference: str) -> HttpResponse:
    return render(request, "foi/entry.html", {"entry": selectors.published(reference)})


@require_http_methods(["GET", "POST"])
def make_request(request: HttpRequest) -> HttpResponse:
    form = f.RequestForm(request.POST or None)
    similar = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        similar = selectors.similar_to(data["request_text"])
        if similar and request.POST.get("seen_similar") != "yes":
            return render(request, "foi/request.html", {"form": form, "similar": similar, "confirm": True})
        slot = take(f"foi-request:{client_ip(request)}", limit=REQUESTS_PER_HOUR, window_seconds=3600)
        if slot is None:
            form.add_error(None, f"You have made {REQUESTS_PER_HOUR} requests in the last hour: wait an hour and "
                                 "try again, or email foi@oxfordshire.gov.uk")
            return render(request, "foi/request.html", {"form": form}, status=429)
        try:
            made = services.foi_request_make(
                name=data["name"], email=data["email"], address_line_1=data["address_line_1"], town=data["town"],
                postcode=data["postcode"], request_text=data["request_text"], by=request.user,
                submission_key=request.POST.get("submission_key", "")[:64])
        except DuplicateSubmission as twin:
            slot.give_back()
            request.session["foi_made"] = twin.case.reference
            return redirect("foi:done")
        except ValidationError as exc:
            slot.give_back()
            errors_onto_form(form, exc)
        else:
            request.session["foi_made"] = made.case.reference
            return redirect("foi:done")
    return render(request, "foi/request.html", {"form": form, "similar": similar})


@require_GET
def done(request: HttpRequest) -> HttpResponse:
    reference = request.session.get("foi_made")
    if not reference:
        return redirect("foi:index")
    from .models import FoiRequest

    made = FoiRequest.objects.select_related("case").filter(case__reference=reference).first()
    if made is None:
        raise Http404
    return render(request, "foi/done.html", {"made": made})


@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={reverse('foi:mine')}")
    rows = selectors.requests_of_resident(request.user)
    return render(request, "foi/mine.html", {"rows": [(row, services.review_refusal(row)) for row in rows]})


@signed_in_required
@require_http_methods(["GET", "POST"])
def ask_review(request: HttpRequest, reference: str) -> HttpResponse:
    """The requester (or an adviser acting for them) asks for an internal review of our response."""
    customer, actor, _, on_behalf_of = assist.subject_and_actor(request)
    foi = selectors.request_for_customer(customer, reference)
    form = f.ReviewAskForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            review = services.foi_review_open(
                request=foi, grounds=form.cleaned_data["grounds"], by=actor, online=True,
                on_behalf_of=on_behalf_of, submission_key=request.POST.get("submission_key", "")[:64])
        except DuplicateSubmission:
            messages.info(request, "You have already asked for this internal review: it has not been sent again")
            return redirect("foi:mine")
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"We have received your request for an internal review ({review.case.reference}). "
                                      f"We will reply by {review.case.due_at:%-d %B %Y}.")
            return redirect("foi:mine")
    refusal = services.review_refusal(foi)
    return render(request, "foi/ask_review.html", {
        "form": form, "foi": foi, "refusal": refusal, "window_ends": services.review_window_ends(foi),
        "review_days": rules.REVIEW_WORKING_DAYS}, status=400 if form.errors else 200)


def _link_request(token: str):
    """(the request a review link names, "") or (None, why: services.BAD_LINK or EXPIRED_LINK)."""
    try:
        return services.request_from_review_link(token), ""
    except ValidationError as exc:
        return None, services.EXPIRED_LINK if getattr(exc, "code", "") == services.EXPIRED_LINK else services.BAD_LINK


def _bad_link(request: HttpRequest, why: str) -> HttpResponse:
    """A GOV.UK page saying only that the link is not valid, or has expired: nothing about any request."""
    expired = why == services.EXPIRED_LINK
    return render(request, "foi/review_link_bad.html", {"expired": expired,
                                                        "window_days": rules.REVIEW_WINDOW_WORKING_DAYS},
                  status=410 if expired else 404)


@require_http_methods(["GET", "POST"])
def review_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """A requester without an account asks for an internal review from the response message's signed link.

    The link is the proof (bound to the request and the requester's email, until the review window ends);
    the page shows the request's reference and nothing else about it. foi_review_open keeps every rule.
    """
    foi, why = _link_request(token)
    if foi is None:
        return _bad_link(request, why)
    form = f.ReviewAskForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.foi_review_open(request=foi, grounds=form.cleaned_data["grounds"], by=None, by_link=True,
                                     submission_key=request.POST.get("submission_key", "")[:64])
        except DuplicateSubmission:
            messages.info(request, "You had already sent this request for an internal review: it was not sent again")
            return redirect("foi:review_link_done", token=token)
        except PermissionDenied:
            return _bad_link(request, services.BAD_LINK)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            return redirect("foi:review_link_done", token=token)
    refusal = "" if form.errors else services.review_refusal(foi)
    return render(request, "foi/review_link.html", {
        "form": form, "foi": foi, "refusal": refusal, "window_ends": services.review_window_ends(foi),
        "review_days": rules.REVIEW_WORKING_DAYS}, status=400 if form.errors else 200)


@require_GET
def review_by_link_done(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation: the review's reference and the date we will reply by (20 working days)."""
    foi, why = _link_request(token)
    if foi is None:
        return _bad_link(request, why)
    review = foi.reviews.select_related("case").first()
    if review is None:
        return redirect("foi:review_link", token=token)
    return render(request, "foi/review_link_done.html", {"foi": foi, "review": review,
                                                         "review_days": rules.REVIEW_WORKING_DAYS})


# --- staff ------------------------------------------------------------------------------------------


def _staff(request: HttpRequest) -> None:
    if not services.is_foi_staff(request.user):
        raise PermissionDenied


@staff_area_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    _staff(request)
    stage = request.GET.get("stage", "")
    if stage and stage not in Stage.values:
        raise Http404
    page = selectors.queue(request.user, stage=stage, after=request.GET.get("after", "")[:100],
                           before=request.GET.get("before", "")[:100])
    keep = {"stage": stage} if stage else {}
    return render(request, "foi/queue.html", {
        "rows": page.rows, "stage": stage,
        "next_href": "?" + urlencode({**keep, "after": page.next_cursor}) if page.next_cursor else "",
        "previous_href": "?" + urlencode({**keep, "before": page.previous_cursor}) if page.previous_cursor else "", "counts": selectors.stage_counts(), "stages": Stage,
        "reviews": selectors.reviews_waiting(),
        "soon": selectors.due_soon_date(), "approvals": selectors.for_approval(request.user)})


@staff_area_required
@require_http_methods(["GET", "POST"])
def log_received(request: HttpRequest) -> HttpResponse:
    _staff(request)
    form = f.LogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.foi_request_make(
                name=data["name"], email=data["email"], address_line_1=data["address_line_1"], town=data["town"],
                postcode=data["postcode"], request_text=data["request_text"], by=request.user,
                channel=data["channel"], received_on=data["received_on"], regime=data["regime"],
                submission_key=request.POST.get("submission_key", "")[:64])
        except DuplicateSubmission as twin:
            return redirect("foi_staff:case", reference=twin.case.reference)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Request {made.case.reference} logged: due {made.case.due_at:%-d %B %Y}")
            return redirect("foi_staff:case", reference=made.case.reference)
    return render(request, "foi/log.html", {"form": form})


def _case_context(request: HttpRequest, foi, **extra) -> dict:
    page = selectors.case_page(foi)
    hits = page["hits"]
    return {
        "foi": foi, "case": foi.case, **page,
        "open_hits": [h for h in hits if h.state == PersonalDataHit.State.OPEN],
        "blockers": services.approval_blockers(foi) if foi.stage in (Stage.DRAFTING, Stage.AWAITING_APPROVAL) else [],
        "check_current": services.check_is_current(foi),
        "can_approve": services.can_approve(request.user) and foi.drafted_by_id != request.user.pk,
        "is_author": foi.drafted_by_id == request.user.pk,
        "cost_hours": rules.COST_LIMIT_HOURS, "stages": Stage,
        "forms": {
            "triage": f.TriageForm(prefix="triage", initial={"regime": foi.regime, "topic": foi.topic,
                                                             "names_in_scope": foi.names_in_scope}),
            "regime": f.RegimeForm(prefix="regime"),
            "clarify": f.TextForm(prefix="clarify", label="What needs clarifying"),
            "clarified": f.TextForm(prefix="clarified", label="What the requester said"),
            "extend": f.TextForm(prefix="extend", label="Reason for the extension"),
            "allocate": f.AllocateForm(prefix="allocate"), "exemption": f.ExemptionForm(prefix="exemption"),
            "refuse": f.RefusalForm(prefix="refuse"),
            "draft": f.DraftForm(prefix="draft", initial={"outcome": foi.outcome, "response_text": foi.response_text}),
            "attach": f.AttachmentForm(prefix="attach"),
            "publication": f.PublicationForm(prefix="publication", initial={
                "publish": "yes" if foi.publish else "no", "reason": foi.not_published_reason}),
            "return": f.TextForm(prefix="return", label="What needs to change"),
            "review": f.TextForm(prefix="review", label="What the requester is unhappy with"),
        },
        **extra,
    }


@staff_area_required
@require_GET
def case(request: HttpRequest, reference: str) -> HttpResponse:
    foi = selectors.request_for_staff(request.user, reference)
    audit_record(by=request.user, action="view", target=foi, summary=f"Viewed FOI request {reference}")
    return render(request, "foi/case.html", _case_context(request, foi))


ACTIONS = {
    "triage": f.TriageForm, "regime": f.RegimeForm, "clarify": f.TextForm, "clarified": f.TextForm,
    "extend": f.TextForm, "allocate": f.AllocateForm, "exemption": f.ExemptionForm, "refuse": f.RefusalForm,
    "draft": f.DraftForm, "attach": f.AttachmentForm, "check": None, "publication": f.PublicationForm,
    "submit": None, "approve": None, "return": f.TextForm, "review": f.TextForm,
}


def _run(action: str, foi, data: dict, request: HttpRequest):  # noqa: C901 - one line per action
    by = request.user
    if action == "triage":
        published = None
        if data["already_published"]:
            try:
                published = selectors.published(data["already_published"].strip())
            except Http404:
                raise ValidationError({"already_published": "No published response has that reference"}) from None
        return services.foi_triage(request=foi, valid=data["valid"] == "yes", regime=data["regime"],
                                   topic=data["topic"], names_in_scope=data["names_in_scope"], note=data["note"],
                                   already_published=published, by=by)
    if action == "regime":
        return services.foi_set_regime(request=foi, regime=data["regime"], reason=data["reason"], by=by)
    if action == "clarify":
        return services.foi_ask_clarification(request=foi, question=data["text"], by=by)
    if action == "clarified":
        return services.foi_clarification_received(request=foi, details=data["text"], by=by)
    if action == "extend":
        return services.foi_extend(request=foi, reason=data["text"], by=by)
    if action == "allocate":
        return services.foi_allocate(request=foi, team=data["team"], asked=data["asked"], due_on=data["due_on"], by=by)
    if action == "exemption":
        return services.foi_exemption_add(request=foi, provision=data["provision"],
                                          public_interest=data["public_interest"], by=by)
    if action == "refuse":
        return services.foi_refuse(request=foi, ground=data["ground"], reasons=data["reasons"],
                                   estimated_hours=data["estimated_hours"], by=by)
    if action == "draft":
        return services.foi_draft_save(request=foi, outcome=data["outcome"], response_text=data["response_text"], by=by)
    if action == "attach":
        upload = data["file"]
        if upload.size > 10 * 1024 * 1024:
            raise ValidationError({"file": "The selected file must be smaller than 10MB"})
        return services.foi_attachment_add(request=foi, data=upload.read(), filename=upload.name, by=by)
    if action == "check":
        found = services.foi_check_personal_data(request=foi, by=by)
        messages.info(request, f"Personal data check: {found} new finding{'s' if found != 1 else ''} to decide")
        return None
    if action == "publication":
        return services.foi_set_publication(request=foi, publish=data["publish"] == "yes", reason=data["reason"], by=by)
    if action == "submit":
        return services.foi_submit_for_approval(request=foi, by=by)
    if action == "approve":
        services.foi_approve(request=foi, by=by)
        messages.success(request, "Response approved and sent to the requester")
        return None
    if action == "return":
        return services.foi_return_to_draft(request=foi, reason=data["text"], by=by)
    if action == "review":
        review = services.foi_review_open(request=foi, grounds=data["text"], by=by)
        messages.success(request, f"Internal review {review.case.reference} opened")
        return None
    raise Http404


@staff_area_required
@require_POST
def case_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    foi = selectors.request_for_staff(request.user, reference)
    form_class = ACTIONS[action]
    form = form_class(request.POST, request.FILES, prefix=action) if form_class else django_forms.Form(data={})
    if form.is_valid():
        try:
            _run(action, foi, form.cleaned_data, request)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "You cannot do that")
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            return redirect("foi_staff:case", reference=foi.case.reference)
    foi = selectors.request_for_staff(request.user, reference)
    context = _case_context(request, foi, form=form, failed=action)
    if form_class is not None:
        context["forms"][action] = form
    return render(request, "foi/case.html", context, status=400 if form.errors else 200)


@staff_area_required
@require_POST
def allocation_received(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    foi = selectors.request_for_staff(request.user, reference)
    allocation = Allocation.objects.select_related("task__case", "request").filter(pk=pk, request=foi).first()
    if allocation is None:
        raise Http404
    form = f.InformationForm(request.POST)
    if form.is_valid():
        try:
            services.foi_allocation_received(allocation=allocation, information=form.cleaned_data["information"],
                                             by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            return redirect("foi_staff:case", reference=reference)
    return render(request, "foi/case.html", _case_context(request, foi, form=form), status=400)


@staff_area_required
@require_GET
def allocation_file(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """The file a holding service replied with, for the FOI team on the case page."""
    foi = selectors.request_for_staff(request.user, reference)
    allocation = Allocation.objects.filter(pk=pk, request=foi).exclude(file="").first()
    if allocation is None:
        raise Http404
    audit_record(by=request.user, action="view", target=allocation,
                 summary=f"Opened a service's reply to {reference}")
    return private_file_response(allocation.file, content_type=allocation.content_type, filename=allocation.filename)


# --- the holding service's side (any team an FOI request asks for information) ----------------------


@staff_area_required
@require_GET
def holder_allocations(request: HttpRequest) -> HttpResponse:
    """The open FOI allocations asked of the user's teams, soonest due first."""
    return render(request, "foi/holder_allocations.html", {
        "rows": selectors.open_allocations_for(request.user), "soon": selectors.due_soon_date()})


@staff_area_required
@require_http_methods(["GET", "POST"])
def holder_allocation(request: HttpRequest, pk: int) -> HttpResponse:
    """One allocation asked of the user's team: what is asked and the request's words (never who asked), and
    the reply that marks it done. 404 for anyone outside the team."""
    allocation = selectors.allocation_for_holder(request.user, pk)
    form = f.AllocationReplyForm(posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload is not None and upload.size > 10 * 1024 * 1024:
                raise ValidationError({"file": "The selected file must be smaller than 10MB"})
            services.foi_allocation_reply(allocation=allocation, information=form.cleaned_data["information"],
                                          data=upload.read() if upload is not None else None,
                                          filename=upload.name if upload is not None else "", by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, f"Sent to the FOI team for {allocation.request.case.reference}: thank you")
            return redirect("foi_staff:holder_allocations")
    else:
        audit_record(by=request.user, action="view", target=allocation,
                     summary=f"Viewed an FOI allocation on {allocation.request.case.reference}")
    return render(request, "foi/holder_allocation.html", {
        "allocation": allocation, "form": form, "request_text": services.request_text_for_holder(allocation.request),
        "foi": allocation.request}, status=400 if form.errors else 200)


@staff_area_required
@require_POST
def hit_decide(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    foi = selectors.request_for_staff(request.user, reference)
    hit = PersonalDataHit.objects.select_related("request__case", "attachment").filter(pk=pk, request=foi).first()
    if hit is None:
        raise Http404
    form = f.HitForm(request.POST)
    if form.is_valid():
        try:
            services.foi_hit_decide(hit=hit, action=form.cleaned_data["action"], note=form.cleaned_data["note"],
                                    by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            return redirect(f"{reverse('foi_staff:case', kwargs={'reference': reference})}#personal-data")
    return render(request, "foi/case.html", _case_context(request, foi, form=form), status=400)


@staff_area_required
@require_GET
def attachment(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    foi = selectors.request_for_staff(request.user, reference)
    item = Attachment.objects.filter(pk=pk, request=foi).first()
    if item is None:
        raise Http404
    audit_record(by=request.user, action="view", target=item, summary=f"Opened an attachment of {reference}")
    return private_file_response(item.file, content_type=item.content_type, filename=item.filename)


@staff_area_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, reference: str) -> HttpResponse:
    _staff(request)
    item = InternalReview.objects.select_related("request__case", "case", "decided_by").filter(
        case__reference=reference[:20]).first()
    if item is None:
        raise Http404
    audit_record(by=request.user, action="view", target=item, summary=f"Viewed internal review {reference}")
    form = f.ReviewDecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.foi_review_decide(review=item, result=form.cleaned_data["result"],
                                       reasons=form.cleaned_data["reasons"], by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                form.add_error(None, str(exc))
            else:
                errors_onto_form(form, exc)
        else:
            messages.success(request, "Review decided and the requester told")
            return redirect("foi_staff:review", reference=reference)
    return render(request, "foi/review.html", {"review": item, "form": form,
                                                "involved": request.user.pk in services.involved_in(item.request)},
                  status=400 if form.errors else 200)


@staff_area_required
@require_http_methods(["GET", "POST"])
def trends(request: HttpRequest) -> HttpResponse:
    _staff(request)
    from .models import DatasetFlag

    form = f.DatasetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.foi_dataset_flag(title=form.cleaned_data["title"], reason=form.cleaned_data["reason"],
                                      by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, "Dataset flagged for proactive publication")
            return redirect("foi_staff:trends")
    return render(request, "foi/trends.html", {
        "topics": selectors.trends(), "flags": list(DatasetFlag.objects.select_related("flagged_by")[:50]),
        "form": form}, status=400 if form.errors else 200)
