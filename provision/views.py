"""The provision hub's pages (/staff/provision/) and the public open data (/open-data/). Thin: forms in,
services and selectors out."""
from __future__ import annotations

import csv
import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from oxtom.accounts.decorators import permission_required, staff_area_required
from oxtom.accounts.permissions import Permission
from oxtom.core.forms import errors_onto_form, posted

from . import imports, merging, publication, rules, selectors, services
from . import forms as f
from .models import ExtensionApproval, SpendImport

hub_required = permission_required(Permission.PROVISION_WORK)



def _month(request: HttpRequest) -> dt.date:
    form = f.MonthForm(request.GET)
    if form.is_valid() and form.cleaned_data["month"]:
        year, month = form.cleaned_data["month"].split("-")
        return dt.date(int(year), int(month), 1)
    if request.GET.get("month"):
        raise Http404("Month must be like 2026-04")
    last = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1)


# --- the hub ------------------------------------------------------------------------------------------


@hub_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    board = selectors.dashboard()
    return render(request, "provision/dashboard.html", {"board": board, "section": "dashboard",
                                                        "approvals": selectors.approvals_for(request.user)})


@staff_area_required
@require_GET
def contract_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:50]
    category = request.GET.get("category", "")[:60]
    rows, cursor = selectors.contract_page(request.user, after=request.GET.get("after", "")[:40], query=query,
                                           category=category)
    from .models import Category

    return render(request, "provision/contracts.html", {
        "rows": rows, "cursor": cursor, "query": query, "category": category, "section": "contracts",
        "categories": Category.objects.all(), "hub": services.can_work_provision(request.user)})


@hub_required
@require_http_methods(["GET", "POST"])
def contract_new(request: HttpRequest) -> HttpResponse:
    form = f.ContractForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        suppliers = list(data.pop("suppliers"))
        kpis, orders = data.pop("kpis"), data.pop("purchase_orders")
        try:
            contract = services.contract_create(
                data={**data, "estimated_annual_value_pence": data["estimated_annual_value_pence"] or 0},
                suppliers=suppliers, kpis=kpis, purchase_orders=orders, by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Contract {contract.reference} added")
            return redirect("provision:contract", reference=contract.reference)
    return render(request, "provision/contract_new.html", {"form": form, "section": "contracts"})


@staff_area_required
@require_GET
def contract_detail(request: HttpRequest, reference: str) -> HttpResponse:
    contract = selectors.get_contract_for_user(request.user, reference)
    return _contract_page(request, contract)


def _contract_page(request, contract, *, decision_form=None, extension_form=None, status=200):
    hub = services.can_work_provision(request.user)
    spent = selectors.contract_spend_to_date(contract)
    check = selectors.extension_check_of(contract)
    pending = selectors.pending_extension_of(contract)
    return render(request, "provision/contract.html", {
        "contract": contract, "runway": selectors.runway_of(contract), "spent": spent,
        "headroom": contract.awarded_value_pence - spent, "hub": hub, "section": "contracts",
        "suppliers": contract.suppliers.all(), "kpis": contract.kpis.all(),
        "amendments": selectors.amendments_of(contract), "can_modify": services.can_modify(request.user, contract),
        "extension_check": check, "pending": pending, "can_review": services.can_review(request.user, contract),
        "reviews": contract.reviews.select_related("reviewed_by").prefetch_related("kpi_ratings__kpi"),
        "decision_form": decision_form or f.DecisionForm(initial={
            "version": contract.version, "decision": contract.end_decision, "stage": contract.reprocurement_stage}),
        "extension_form": extension_form or f.ExtensionForm(initial={"version": contract.version}),
    }, status=status)


@staff_area_required
@require_http_methods(["GET", "POST"])
def contract_edit(request: HttpRequest, reference: str) -> HttpResponse:
    """Change a live contract's terms (the hub, or the contract's manager), within its modification limits."""
    if not selectors.manages_contracts(request.user):
        raise PermissionDenied
    contract = selectors.get_contract_for_user(request.user, reference)
    if not services.can_modify(request.user, contract):
        raise Http404("No such contract")
    initial = {"title": contract.title, "description": contract.description, "end_date": contract.end_date,
               "review_date": contract.review_date, "value": f"{contract.current_value_pence / 100:.2f}",
               "version": contract.version}
    form = f.ContractEditForm(posted(request), initial=initial)
    stale = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.contract_modify(
                contract=contract, title=data["title"], description=data["description"], end_date=data["end_date"],
                review_date=data["review_date"], value_pence=data["value"], reason=data["reason"],
                expected_version=data["version"], by=request.user)
        except services.StaleContractError as exc:
            # Nothing typed is lost: the form keeps it, the page shows the latest terms beside it, and sending
            # it again (now at the latest version) applies it over them.
            again = request.POST.copy()
            again["version"] = str(contract.version)
            form = f.ContractEditForm(again, initial=initial)
            form.is_valid()
            errors_onto_form(form, exc)
            stale = True
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Contract {contract.reference} changed: the change is in its history")
            return redirect(f"{reverse('provision:contract', kwargs={'reference': contract.reference})}#history")
    return render(request, "provision/contract_edit.html", {
        "form": form, "contract": contract, "stale": stale, "limits": selectors.modification_limits(contract),
        "section": "contracts"}, status=400 if form.errors else 200)


@staff_area_required
@require_GET
def reviews_due(request: HttpRequest) -> HttpResponse:
    """Contracts due for a review, a re-procurement notice or their end soon: for the hub and contract managers."""
    if not selectors.manages_contracts(request.user):
        raise PermissionDenied
    form = f.ReviewsDueForm(request.GET)
    days = (form.cleaned_data["days"] if form.is_valid() else None) or selectors.REVIEWS_DUE_DEFAULT_DAYS
    board = selectors.reviews_due(request.user, days=days, after=request.GET.get("after", "")[:40])
    return render(request, "provision/reviews_due.html", {
        "board": board, "form": form, "first": not request.GET.get("after"), "section": "reviews_due",
        "hub": services.can_work_provision(request.user)})


@staff_area_required
@require_http_methods(["GET", "POST"])
def contract_review(request: HttpRequest, reference: str) -> HttpResponse:
    """A supplier performance review of one contract, by the hub or the contract's manager."""
    contract = selectors.get_contract_for_user(request.user, reference)
    if not services.can_review(request.user, contract):
        raise Http404("No such contract")
    kpis = list(contract.kpis.all())
    form = f.ReviewForm(posted(request), kpis=kpis)
    if request.method == "POST" and form.is_valid():
        try:
            services.supplier_review_record(
                contract=contract, period_end=form.cleaned_data["period_end"], overall=form.cleaned_data["overall"],
                summary=form.cleaned_data["summary"], kpi_ratings=form.kpi_ratings(),
                actions=form.cleaned_data["actions"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, "Performance review recorded")
            return redirect("provision:contract", reference=contract.reference)
    return render(request, "provision/review.html", {"contract": contract, "form": form, "section": "contracts",
                                                     "kpi_fields": [(form[f"kpi_{k.pk}_result"],
                                                                     form[f"kpi_{k.pk}_rating"]) for k in kpis]})


@hub_required
@require_http_methods(["POST"])
def contract_decision(request: HttpRequest, reference: str) -> HttpResponse:
    contract = selectors.get_contract_for_user(request.user, reference)
    form = f.DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.contract_record_decision(contract=contract, decision=form.cleaned_data["decision"],
                                              stage=form.cleaned_data["stage"], note=form.cleaned_data["note"],
                                              expected_version=form.cleaned_data["version"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, "Decision recorded")
            return redirect("provision:contract", reference=contract.reference)
    return _contract_page(request, contract, decision_form=form, status=400)


@hub_required
@require_http_methods(["POST"])
def contract_review_case(request: HttpRequest, reference: str) -> HttpResponse:
    """Open (or return to) the contract's review case on the engine."""
    contract = selectors.get_contract_for_user(request.user, reference)
    case = services.contract_review_open(contract=contract, by=request.user)
    return redirect("casework:case", reference=case.reference)


@hub_required
@require_http_methods(["POST"])
def contract_extend(request: HttpRequest, reference: str) -> HttpResponse:
    contract = selectors.get_contract_for_user(request.user, reference)
    form = f.ExtensionForm(request.POST)
    if form.is_valid():
        try:
            services.extension_request(contract=contract, new_value_pence=form.cleaned_data["new_value"],
                                       reason=form.cleaned_data["reason"],
                                       expected_version=form.cleaned_data["version"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, "Extension sent for approval")
            return redirect("provision:contract", reference=contract.reference)
    return _contract_page(request, contract, extension_form=form, status=400)


@staff_area_required
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    return render(request, "provision/approvals.html", {"approvals": selectors.approvals_for(request.user),
                                                        "section": "approvals"})


@staff_area_required
@require_http_methods(["GET", "POST"])
def approval(request: HttpRequest, pk: int) -> HttpResponse:
    waiting = {a.pk: a for a in selectors.approvals_for(request.user)}
    item = waiting.get(pk)
    if item is None:
        done = get_object_or_404(ExtensionApproval.objects.filter(decided_by=request.user), pk=pk)
        return render(request, "provision/approval.html", {"approval": done, "done": True, "section": "approvals"})
    form = f.ApprovalForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.extension_decide(approval=item, decision=form.cleaned_data["decision"],
                                      note=form.cleaned_data["note"], by=request.user)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, "Decision recorded")
            return redirect("provision:approvals")
    return render(request, "provision/approval.html", {"approval": item, "form": form, "section": "approvals",
                                                       "request_": item.request})


@hub_required
@require_GET
def supplier_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    suppliers, aliases = selectors.supplier_search(query)
    return render(request, "provision/suppliers.html", {"suppliers": suppliers, "query": query,
                                                        "aliases": aliases, "section": "suppliers"})


@hub_required
@require_http_methods(["GET", "POST"])
def supplier_new(request: HttpRequest) -> HttpResponse:
    form = f.SupplierForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            supplier = services.supplier_create(name=data.pop("name"), email=data.pop("email"),
                                                postcode=data.pop("postcode"), by=request.user, **data)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Supplier {supplier.name} added")
            return redirect("provision:suppliers")
    return render(request, "provision/supplier_new.html", {"form": form, "section": "suppliers"})


@hub_required
@require_GET
def supplier_lookalikes(request: HttpRequest) -> HttpResponse:
    page = selectors.lookalike_suppliers(after=request.GET.get("after", "")[:4])
    return render(request, "provision/lookalikes.html", {"pairs": page.pairs, "cursor": page.cursor,
                                                         "first": not request.GET.get("after"),
                                                         "section": "suppliers"})


@hub_required
@require_http_methods(["GET", "POST"])
def supplier_merge(request: HttpRequest, a: int, b: int) -> HttpResponse:
    """Check two look-alike suppliers side by side, choose the one to keep, and merge the other into it."""
    first, second = selectors.merge_pair(a, b)
    form = f.MergeForm(posted(request), suppliers=(first, second))
    if request.method == "POST" and form.is_valid():
        survivor = first if form.cleaned_data["keep"] == str(first.pk) else second
        source = second if survivor is first else first
        try:
            merging.supplier_merge(source=source, survivor=survivor, reason=form.cleaned_data["reason"],
                                   by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            return redirect("provision:supplier_merged", pk=source.pk)
    sides = [{"supplier": s, "preview": merging.merge_preview(source=s, survivor=other)}
             for s, other in ((first, second), (second, first))]
    return render(request, "provision/merge.html", {"form": form, "sides": sides, "section": "suppliers"},
                  status=400 if form.errors else 200)


@hub_required
@require_GET
def supplier_merged(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation: the duplicate is now an alias of the supplier kept."""
    alias = selectors.merged_alias(pk)
    return render(request, "provision/merged.html", {"alias": alias, "survivor": alias.merged_into,
                                                     "section": "suppliers"})


@hub_required
@require_http_methods(["GET", "POST"])
def spend_import(request: HttpRequest) -> HttpResponse:
    form = f.SpendImportForm(posted(request), request.FILES if request.method == "POST" else None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = imports.spend_import(data=upload.read(), file_name=upload.name, kind=form.cleaned_data["kind"],
                                          by=request.user)
        except imports.ImportRejected as exc:
            report = exc.report
            count = len(report.problems)
            form.add_error("file", f"The file was not imported: {count} problem{'s' if count != 1 else ''} "
                                   "(listed below). Nothing was stored")
    return render(request, "provision/import.html", {
        "form": form, "report": report, "section": "spend",
        "problems": report.problems[:imports.MAX_REPORTED] if report else [],
        "more": max(0, len(report.problems) - imports.MAX_REPORTED) if report else 0,
        "recent": SpendImport.objects.select_related("imported_by")[:10]})


@hub_required
@require_GET
def off_contract(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    return render(request, "provision/off_contract.html", {
        "report": selectors.off_contract_report(month=month), "month": month, "section": "spend",
        "cumulative": selectors.cumulative_without_contract(),
        "previous": rules.add_months(month, -1), "next": rules.add_months(month, 1)})


@hub_required
@require_GET
def payments(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    half_start = dt.date(today.year, 1 if today.month <= 6 else 7, 1)
    start = rules.add_months(half_start, -6)
    end = half_start - dt.timedelta(days=1)
    return render(request, "provision/payments.html", {
        "figures": selectors.payment_performance(start=start, end=end), "start": start, "end": end,
        "section": "spend"})


# --- open data (public) ----------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_response(rows, name: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    last = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return render(request, "provision/open_data.html", {"month": last.replace(day=1),
                                                        "licence": publication.LICENCE_URL})


@require_GET
def spend_over_500_csv(request: HttpRequest) -> StreamingHttpResponse:
    month = _month(request)
    return _csv_response(publication.spend_over_500_rows(month), f"spend-over-500-{month:%Y-%m}.csv")


@require_GET
def procurement_card_csv(request: HttpRequest) -> StreamingHttpResponse:
    month = _month(request)
    return _csv_response(publication.procurement_card_rows(month), f"procurement-card-{month:%Y-%m}.csv")


@require_GET
def contracts_csv(request: HttpRequest) -> StreamingHttpResponse:
    return _csv_response(publication.contracts_rows(), "contracts.csv")


@require_GET
def tenders_csv(request: HttpRequest) -> StreamingHttpResponse:
    return _csv_response(publication.tenders_rows(), "tenders.csv")


@require_GET
def ocds_releases(request: HttpRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(publication.ocds_package_chunks(), content_type="application/json")
    response["Cache-Control"] = "public, max-age=3600"
    return response
