"""Staff views of the customer record, and residents' own contact details.

Thin: forms collect input, services validate and write, selectors read.
Every staff page that shows a record writes an audit event (action "view").
Search terms are posted, not put in the URL, so names, emails and phone
numbers never land in browser history or access logs.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from oxtom.accounts.decorators import permission_required, signed_in_required, staff_area_required
from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record
from oxtom.core.forms import errors_onto_form as _attach_errors

from . import assist, record_sections, selectors, services, timeline
from .forms import (
    ConsentForm,
    CustomerForm,
    MergeChooseForm,
    ResidentConsentsForm,
    ResidentDetailsForm,
    SearchForm,
    WiderSearchForm,
    StaffCustomerCreateForm,
)
from .models import CONSENT_WORDING_ONLINE, Customer


def _record_view(request: HttpRequest, customer: Customer, summary: str) -> None:
    audit_record(by=request.user, action="view", target=customer, summary=summary)


# --- search ------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(Permission.CUSTOMER_VIEW)
def search(request: HttpRequest) -> HttpResponse:
    if assist.is_assisted(request):
        # Searching shows other customers: not while acting for one.
        raise assist.ActingForMismatch(assist.active_session(request))
    sees_all = selectors.sees_every_customer(request.user)
    form = (SearchForm if sees_all else WiderSearchForm)(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data.get("reason", "")
        result = selectors.customer_search(user=request.user, query=form.cleaned_data["q"], wider=bool(reason))
        if result.message:
            form.add_error("q", result.message)
            result = None
        elif reason:
            try:
                services.customer_wider_search_record(customers=result.customers, reason=reason, by=request.user)
            except ValidationError as exc:
                _attach_errors(form, exc)
                result = None
        elif result.customers:
            # Results show personal data, so say which records were shown (never the search terms).
            audit_record(
                by=request.user, action="view", target=request.user, summary="Searched customer records",
                search_kind=result.kind, references=[c.reference for c in result.customers],
            )
    return render(request, "customers/search.html", {
        "form": form, "result": result, "sees_all": sees_all,
        "can_create": request.user.has_permission(Permission.CUSTOMER_CREATE),
    })


# --- create ------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(Permission.CUSTOMER_CREATE)
def create(request: HttpRequest) -> HttpResponse:
    return create_customer_page(request, record_url="customers:record")


def create_customer_page(request: HttpRequest, *, record_url: str, **context: object) -> HttpResponse:
    """Create a customer with the duplicate check; shared by the customer area and the adviser console."""
    if assist.is_assisted(request):
        raise assist.ActingForMismatch(assist.active_session(request))
    form = StaffCustomerCreateForm(request.POST or None)
    matches: list[Customer] = []
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                data=form.customer_data(), by=request.user, channel=form.cleaned_data["channel"],
                allow_duplicate=request.POST.get("create_anyway") == "1",
            )
        except services.PossibleDuplicateError as exc:
            matches = exc.matches
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, f"Customer record {customer.reference} created")
            return redirect(record_url, reference=customer.reference)
    return render(request, "customers/create.html", {"form": form, "matches": matches, **context})


# --- the record ----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET"])
@staff_area_required
def record(request: HttpRequest, reference: str) -> HttpResponse:
    customer = selectors.get_customer_for_user(request.user, reference)
    # The capabilities' sections (record_sections.py), read before the audit so it can say what they showed.
    sections = record_sections.record_sections_for(request.user, customer)
    shown = [s.context["audited"] for s in sections if s.context.get("audited")]
    _record_view(request, customer, "Viewed customer record" + (f" ({'; '.join(shown)})" if shown else ""))
    interactions, next_cursor = selectors.interactions_page(customer, user=request.user, cursor=request.GET.get("after", ""))
    # Under each case's newest entry, its answers and evidence as the owner renders them (constant queries).
    timeline.attach_details(interactions, user=request.user)
    return render(request, "customers/record.html", {
        "customer": customer,
        "sections": sections,
        "consents": selectors.consents_in_force(customer),
        "interactions": interactions,
        "next_cursor": next_cursor,
        "is_first_page": not request.GET.get("after"),
        "timeline_limited": not selectors.sees_every_customer(request.user),
        "duplicates": [] if customer.is_tombstone else selectors.find_possible_duplicates(
            email=customer.email, phone=customer.phone, first_name=customer.first_name,
            last_name=customer.last_name, date_of_birth=customer.date_of_birth, postcode=customer.postcode,
            exclude_pk=customer.pk, limit=5,
        ),
        "can_edit": request.user.has_permission(Permission.CUSTOMER_EDIT) and not customer.is_tombstone,
        "can_merge": request.user.has_permission(Permission.CUSTOMER_MERGE) and not customer.is_tombstone,
    })


def _editable_customer(request: HttpRequest, reference: str, permission: Permission) -> Customer:
    # Without the permission every reference is "not found", existing or not: a 403 for real
    # records and a 404 for made-up ones would tell the two apart (docs/CONVENTIONS.md §3.2).
    if not request.user.has_permission(permission):
        raise Http404("No customer record found")
    customer = selectors.get_customer_for_user(request.user, reference)
    if customer.is_tombstone:
        # A tombstone is a closed record: nothing to change, so nothing here.
        raise Http404("This record was merged into another")
    return customer


def _initial(customer: Customer) -> dict:
    return {name: getattr(customer, name) for name in CustomerForm.base_fields}


@never_cache
@require_http_methods(["GET", "POST"])
@staff_area_required
def edit(request: HttpRequest, reference: str) -> HttpResponse:
    customer = _editable_customer(request, reference, Permission.CUSTOMER_EDIT)
    form = StaffCustomerCreateForm(request.POST or None, initial=_initial(customer))
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(customer=customer, data=form.customer_data(), by=request.user,
                                     channel=form.cleaned_data["channel"])
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, "Customer details saved")
            return redirect("customers:record", reference=customer.reference)
    else:
        _record_view(request, customer, "Viewed customer record to change it")
    return render(request, "customers/edit.html", {"form": form, "customer": customer})


@never_cache
@require_http_methods(["GET", "POST"])
@staff_area_required
def consent_add(request: HttpRequest, reference: str) -> HttpResponse:
    customer = _editable_customer(request, reference, Permission.CUSTOMER_EDIT)
    form = ConsentForm(request.POST or None)
    if request.method == "GET":
        _record_view(request, customer, "Viewed customer record to record consent")
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(
                customer=customer, purpose=form.cleaned_data["purpose"], granted=form.cleaned_data["granted"] == "yes",
                wording=form.cleaned_data["wording"], channel=form.cleaned_data["channel"], by=request.user,
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, "Consent recorded")
            return redirect("customers:record", reference=customer.reference)
    return render(request, "customers/consent.html", {"form": form, "customer": customer})


# --- merge -------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@staff_area_required
def merge_choose(request: HttpRequest, reference: str) -> HttpResponse:
    source = _editable_customer(request, reference, Permission.CUSTOMER_MERGE)
    form = MergeChooseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        survivor_reference = "".join(form.cleaned_data["survivor_reference"].split()).replace("-", "").upper()
        try:
            survivor = selectors.get_customer_for_user(request.user, survivor_reference)
        except Http404:
            form.add_error("survivor_reference", "No customer record has that reference")
        else:
            if survivor.pk == source.pk:
                form.add_error("survivor_reference", "You cannot merge a record into itself. Enter a different reference")
            elif survivor.is_tombstone:
                form.add_error("survivor_reference",
                               f"That record was merged into {survivor.merged_into.reference}. Enter that reference instead")
            else:
                return redirect("customers:merge_confirm", reference=source.reference, survivor=survivor.reference)
    duplicates = selectors.find_possible_duplicates(
        email=source.email, phone=source.phone, first_name=source.first_name, last_name=source.last_name,
        date_of_birth=source.date_of_birth, postcode=source.postcode, exclude_pk=source.pk, limit=5,
    )
    if request.method == "GET":
        _record_view(request, source, "Viewed customer record to merge it")
    return render(request, "customers/merge_choose.html", {"form": form, "customer": source, "duplicates": duplicates})


@never_cache
@require_http_methods(["GET", "POST"])
@staff_area_required
def merge_confirm(request: HttpRequest, reference: str, survivor: str) -> HttpResponse:
    source = _editable_customer(request, reference, Permission.CUSTOMER_MERGE)
    keep = selectors.get_customer_for_user(request.user, survivor)
    error = ""
    if request.method == "POST":
        try:
            services.customer_merge(source=source, survivor=keep, by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"Record {source.reference} merged into this record")
            return redirect("customers:record", reference=keep.reference)
    else:
        _record_view(request, source, "Viewed customer record to confirm a merge")
        _record_view(request, keep, "Viewed customer record to confirm a merge")
    return render(request, "customers/merge_confirm.html", {"source": source, "survivor": keep, "error": error})


# --- residents: their own details ---------------------------------------------------------
#
# Inside an adviser's acting-for session these pages show and change the
# acted-for customer's record, through the same services, with the adviser
# as actor and on_behalf_of=True (oxtom.customers.assist).


def _resident_subject(request: HttpRequest) -> tuple[Customer, object, str, bool]:
    customer, actor, channel, on_behalf_of = assist.subject_and_actor(request)
    if not on_behalf_of:
        customer = services.customer_ensure_for_user(user=request.user, by=request.user)
    return customer, actor, channel, on_behalf_of


@never_cache
@require_http_methods(["GET"])
@signed_in_required
def resident_details(request: HttpRequest) -> HttpResponse:
    customer, actor, _, on_behalf_of = _resident_subject(request)
    if on_behalf_of:
        _record_view(request, customer, "Viewed the customer's own details page in an assisted session")
    return render(request, "customers/resident_details.html", {
        "customer": customer, "consents": selectors.consents_in_force(customer), "acting": on_behalf_of,
        "on_behalf_count": customer.interactions.filter(on_behalf_of=True).count(),
    })


@never_cache
@require_http_methods(["GET"])
@signed_in_required
def resident_on_behalf(request: HttpRequest) -> HttpResponse:
    """Every action staff took on the customer's behalf, so residents can check what was done for them."""
    customer, _, _, on_behalf_of = _resident_subject(request)
    rows, next_cursor = selectors.actions_on_behalf_page(customer, cursor=request.GET.get("after", ""))
    return render(request, "customers/resident_on_behalf.html", {
        "customer": customer, "actions": rows, "next_cursor": next_cursor,
        "is_first_page": not request.GET.get("after"), "acting": on_behalf_of,
    })


@never_cache
@require_http_methods(["GET", "POST"])
@signed_in_required
def resident_consents(request: HttpRequest) -> HttpResponse:
    customer, actor, channel, on_behalf_of = _resident_subject(request)
    in_force = {c.purpose: ("yes" if c.granted else "no") for c in selectors.consents_in_force(customer)}
    form = ResidentConsentsForm(request.POST or None, initial=in_force)
    if request.method == "POST" and form.is_valid():
        for purpose, wording in CONSENT_WORDING_ONLINE.items():
            services.consent_record(
                customer=customer, purpose=purpose, granted=form.cleaned_data[purpose.value] == "yes",
                wording=wording, channel=channel, by=actor, on_behalf_of=on_behalf_of,
            )
        messages.success(request, "Their choices have been saved" if on_behalf_of else "Your choices have been saved")
        return redirect("account_details:show")
    return render(request, "customers/resident_consents.html", {"form": form, "acting": on_behalf_of})


@never_cache
@require_http_methods(["GET", "POST"])
@signed_in_required
def resident_details_change(request: HttpRequest) -> HttpResponse:
    customer, actor, channel, on_behalf_of = _resident_subject(request)
    initial = {name: getattr(customer, name) for name in ResidentDetailsForm.base_fields if name != "customer_reference"}
    initial["customer_reference"] = customer.reference
    form = ResidentDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(customer=customer, data=form.customer_data(), by=actor, channel=channel,
                                     on_behalf_of=on_behalf_of)
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, "Their details have been saved" if on_behalf_of else "Your details have been saved")
            return redirect("account_details:show")
    return render(request, "customers/resident_details_change.html",
                  {"form": form, "customer": customer, "acting": on_behalf_of})

