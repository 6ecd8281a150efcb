"""Council moderators: approve partners' changes (seeing what changed), keep organisations and partner accounts;
advisers signpost a resident to a service from the contact log."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import permission_required
from oxtom.accounts.models import User
from oxtom.accounts.permissions import Permission
from oxtom.core.forms import errors_onto_form

from .. import selectors
from ..forms import OrganisationForm, PartnerForm, RejectForm, SignpostForm
from ..models import ChangeRequest, Feedback, Organisation, Service
from ..services.directory import organisation_create, partner_add
from ..services.moderation import change_approve, change_diff, change_reject
from ..services.people import signpost_send

moderator_required = permission_required(Permission.COMMUNITY_MODERATE)


@require_GET
@moderator_required
def home(request: HttpRequest) -> HttpResponse:
    flagged = list(Service.objects.filter(flagged_at__isnull=False).select_related("organisation")
                   .order_by("flagged_at", "id")[:50])
    orgs = list(Organisation.objects.annotate(n=Count("services")).order_by("name")[:200])
    feedback = Feedback.objects.aggregate(n=Count("id"), avg=Avg("rating"))
    from ..services.events import pending_events

    return render(request, "community/staff_home.html", {
        "changes": selectors.pending_changes(), "flagged": flagged, "organisations": orgs, "feedback": feedback,
        "pending_events": pending_events(),
    })


def _change(pk) -> ChangeRequest:
    try:
        pk = int(str(pk))
    except ValueError:
        raise Http404 from None
    change = ChangeRequest.objects.select_related("organisation", "service", "submitted_by").filter(pk=pk).first()
    if change is None:
        raise Http404
    return change


@require_http_methods(["GET", "POST"])
@moderator_required
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    change = _change(pk)
    # Bound on every POST, an empty one too: an error is put on the form below without is_valid() first.
    form = RejectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        decision = request.POST.get("decision")
        try:
            if decision == "approve":
                change_approve(change=change, by=request.user)
                messages.success(request, "Approved: the change is live and the partner has been told.")
                return redirect("community_staff:home")
            if decision == "reject" and form.is_valid():
                change_reject(change=change, reason=form.cleaned_data["reason"], by=request.user)
                messages.success(request, "Not approved: the partner has been told why.")
                return redirect("community_staff:home")
            form.add_error("reason" if decision == "reject" else None,
                           "Select approve or not approve" if decision != "reject" else "Enter a reason")
        except ValidationError as exc:
            form.add_error("reason" if decision == "reject" else None, exc.messages[0])
    return render(request, "community/change.html", {"change": change, "rows": change_diff(change), "form": form})


@require_http_methods(["GET", "POST"])
@moderator_required
def organisation_new(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = organisation_create(data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc, first_only=True)
        else:
            messages.success(request, f"{org.name} is in the directory. Add its services and partner accounts.")
            return redirect("community_staff:organisation", pk=org.pk)
    return render(request, "community/organisation_new.html", {"form": form})


@require_http_methods(["GET", "POST"])
@moderator_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.get_organisation_for_user(request.user, pk)
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = User.objects.filter(email__iexact=form.cleaned_data["email"], is_active=True).first()
        if user is None:
            form.add_error("email", "There is no account with that email address")
        else:
            try:
                partner_add(organisation=org, user=user, by=request.user)
            except ValidationError as exc:
                form.add_error("email", exc.messages[0])
            else:
                messages.success(request, "That partner account can now keep this organisation's entries.")
                return redirect("community_staff:organisation", pk=org.pk)
    return render(request, "community/organisation.html", {
        "organisation": org, "services": list(org.services.order_by("name")),
        "partners": list(org.partners.select_related("user").order_by("user__email")), "form": form,
    })


@require_http_methods(["GET", "POST"])
@permission_required(Permission.CONTACT_LOG)
def signpost(request: HttpRequest, reference: str) -> HttpResponse:
    from oxtom.customers.selectors import get_customer_for_user

    customer = get_customer_for_user(request.user, reference)
    services = list(Service.objects.listed().select_related("organisation").order_by("name")[:500])
    form = SignpostForm(request.POST or None, services=services)
    if request.method == "POST" and form.is_valid():
        service = next(s for s in services if str(s.pk) == form.cleaned_data["service"])
        try:
            signpost_send(customer=customer, service=service, channel=form.cleaned_data["channel"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc, first_only=True)
        else:
            messages.success(request, f"Details of {service.name} sent.")
            return redirect("assist:record", reference=customer.reference)
    return render(request, "community/signpost.html", {"customer": customer, "form": form})


@require_http_methods(["GET", "POST"])
@moderator_required
def event_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A partner's proposed event: a moderator approves it (live for booking) or says why not."""
    from oxtom.core.forms import errors_onto_form, posted

    from ..forms import ModerateEventForm
    from ..models import Event
    from ..services.events import event_moderate

    event = Event.objects.select_related("service__organisation", "location", "submitted_by").filter(pk=pk).first()
    if event is None or event.submitted_by_id is None:
        raise Http404
    series = list(Event.objects.filter(series=event.series).order_by("starts_at")) if event.series else [event]
    form = ModerateEventForm(posted(request))
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            count = event_moderate(event=event, approve=approve, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, ValidationError({"reason": exc.messages})
                             if exc.code in ("required", "hostile", "max_length") else exc)
        else:
            messages.success(request, (f"Approved: {count} event{'s' if count != 1 else ''} open for booking."
                                       if approve else "Not approved: the partner has been told why."))
            return redirect("community_staff:home")
    return render(request, "community/event_review.html", {"event": event, "series": series, "form": form})


@require_GET
@moderator_required
def feedback(request: HttpRequest) -> HttpResponse:
    return render(request, "community/feedback.html", {
        "rows": selectors.feedback_by_service(request.user), "small": selectors.FEEDBACK_SMALL, "staff_view": True})


@require_GET
@moderator_required
def feedback_recent(request: HttpRequest) -> HttpResponse:
    """The council's list of what residents said after events and appointments, newest first, filtered by
    service, a page at a time (keyset). It names no resident, so it is not a view of anyone's record."""
    choices = selectors.feedback_filter_choices()
    service = request.GET.get("service", "")[:20]
    if service and service not in {value for value, _ in choices}:
        service = ""
    after = request.GET.get("after", "")[:80]
    rows, next_cursor = selectors.recent_feedback(service=service, after=after)
    from urllib.parse import urlencode

    next_url = "?" + urlencode({**({"service": service} if service else {}), "after": next_cursor}) \
        if next_cursor else ""
    first_url = "?" + urlencode({"service": service}) if service else "?"
    return render(request, "community/feedback_recent.html", {
        "rows": rows, "choices": choices, "service": service, "next_url": next_url,
        "first_url": first_url if after else ""})
