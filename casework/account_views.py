"""A resident's own cases under /account/cases/: what is happening, and replying when we ask.

Every case of the customer shows here (street reports, applications,
enquiries), with what the customer may see of its history: public events
and what passed between us and them, never staff notes. When we have asked for information, the page says
what we asked and takes the reply, which restarts the case's clock.

An adviser acting for the customer (oxtom.customers.assist) sees and replies
as them: the pages serve the acted-for customer, and the reply is recorded
as made on their behalf.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from oxtom.accounts.decorators import signed_in_required
from oxtom.cases import owners, rules, selectors, services
from oxtom.cases.models import Status
from oxtom.customers.assist import subject_and_actor

from .forms import CustomerReplyForm


@signed_in_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    customer, _, _, on_behalf_of = subject_and_actor(request)
    cases = selectors.customer_cases(customer)
    return render(request, "casework/account/cases.html", {
        "cases": cases, "limit": selectors.CUSTOMER_CASES_LIMIT, "acting": on_behalf_of,
    })


def _page_context(case, customer) -> dict:
    return {
        "case": case,
        "timeline": selectors.customer_timeline(case),
        "info_request": services.outstanding_request(case),
        "sla_label": rules.SlaState.LABELS[rules.case_sla_state(case)],
        "customer": customer,
        "answers": owners.case_answers(case, audience=owners.CUSTOMER),
        # The case it follows and its follow-ons, only those that are this customer's own.
        "links": selectors.case_links(case, customer=customer),
    }


@signed_in_required
@require_GET
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    customer, _, _, on_behalf_of = subject_and_actor(request)
    case = selectors.get_customer_case(customer, reference)
    context = _page_context(case, customer)
    context["acting"] = on_behalf_of
    if context["info_request"] is not None:
        context["form"] = CustomerReplyForm()
    return render(request, "casework/account/case.html", context)


@signed_in_required
@require_http_methods(["GET", "POST"])
def case_reply(request: HttpRequest, reference: str) -> HttpResponse:
    customer, actor, channel, on_behalf_of = subject_and_actor(request)
    case = selectors.get_customer_case(customer, reference)
    if request.method == "GET" and case.status != Status.AWAITING_CUSTOMER:
        messages.info(request, "We are not waiting for anything from you on this case")
        return redirect("casework_account:case", reference=case.reference)
    form = CustomerReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_customer_reply(case=case, customer=customer, details=form.cleaned_data["details"],
                                         by=actor, channel=channel, on_behalf_of=on_behalf_of)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            # Typically an officer recorded a reply by phone or closed the case while the customer
            # typed: say so and keep their words on the page, so nothing they wrote is lost.
            if getattr(exc, "code", None) == "invalid_transition":
                form.add_error(None, "We are no longer waiting for a reply on this case, so your reply has not "
                                     f"been sent. Your words are below: contact us quoting {case.reference} if "
                                     "you still need to tell us.")
            else:
                for message in exc.messages:
                    form.add_error("details" if hasattr(exc, "error_dict") else None, message)
        else:
            messages.success(request, "Thank you: we have your reply and have started work on your case again")
            return redirect("casework_account:case", reference=case.reference)
    context = _page_context(case, customer)
    context.update(form=form, acting=on_behalf_of)
    return render(request, "casework/account/reply.html", context)
