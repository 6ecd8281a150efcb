"""Councillors' view of casework in their division (/members/).

Councillors see open cases in their own division, except special-category
cases not marked as shareable with them (selectors.case_visibility_q). They
see what the customer sees, never staff notes, and no customer contact
details: enough to answer "is the council dealing with it?" without
sharing more personal data than that needs.
"""
from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from oxtom.accounts.decorators import member_area_required

from oxtom.cases import owners, rules, selectors, services
from oxtom.core.forms import errors_onto_form

from . import enquiries
from .forms import MemberEnquiryForm


@member_area_required
@require_GET
def division_cases(request: HttpRequest) -> HttpResponse:
    sla = request.GET.get("sla", "")
    filters = selectors.QueueFilters(sla=sla if sla in rules.SlaState.FILTERABLE else None)
    page = selectors.division_cases_page(user=request.user, filters=filters, cursor=request.GET.get("after", ""))
    base = {"sla": filters.sla} if filters.sla else {}
    return render(request, "casework/members/division_cases.html", {
        "division": request.user.member_division,
        "page": page,
        "sla_tabs": [
            {"state": s, "label": rules.SlaState.LABELS[s], "count": page.shown[s],
             "href": "?" + urlencode({"sla": s}), "current": filters.sla == s}
            for s in rules.SlaState.FILTERABLE
        ],
        "next_href": "?" + urlencode({**base, "after": page.next_cursor}) if page.next_cursor else "",
        "first_href": "?" + urlencode(base) if request.GET.get("after") else "",
    })


@member_area_required
@require_GET
def division_case(request: HttpRequest, reference: str) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, reference)
    return render(request, "casework/members/case.html", {
        "case": case,
        # Councillors read the case as its customer would: no staff file links, no rule findings.
        "answers": owners.case_answers(case, audience=owners.CUSTOMER) if case.raised_by_id == request.user.pk else None,
        "timeline": selectors.public_timeline(case),
        "sla_state": rules.SlaState.LABELS[rules.case_sla_state(case)],
    })


# --- enquiries -----------------------------------------------------------------------------------


@member_area_required
@require_GET
def enquiry_list(request: HttpRequest) -> HttpResponse:
    return render(request, "casework/members/enquiries.html", {"enquiries": selectors.member_enquiries(request.user)})


@member_area_required
@require_http_methods(["GET", "POST"])
def enquiry_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = MemberEnquiryForm(initial={"submission_key": uuid.uuid4().hex})
    else:
        form = MemberEnquiryForm(request.POST)
        if form.is_valid():
            try:
                case = enquiries.member_enquiry_raise(
                    service=form.cleaned_data["service"], title=form.cleaned_data["title"],
                    details=form.cleaned_data["details"], location=form.cleaned_data["location"],
                    constituent=form.constituent(), consent_given=form.cleaned_data["consent"],
                    submission_key=form.cleaned_data["submission_key"], by=request.user,
                )
            except services.DuplicateSubmission as duplicate:
                messages.info(request, f"You have already sent this enquiry: its reference is {duplicate.case.reference}")
                return redirect("casework_members:case", reference=duplicate.case.reference)
            except PermissionDenied:
                raise
            except ValidationError as exc:
                errors_onto_form(form, exc)
            else:
                messages.success(request, f"Enquiry sent. Its reference is {case.reference}")
                return redirect("casework_members:case", reference=case.reference)
    return render(request, "casework/members/enquiry_new.html", {
        "form": form, "consent_wording": enquiries.CONSENT_WORDING,
    })
