"""The post room (/staff/bas/intake/post/) and bulk data uploads (/staff/bas/intake/uploads/). Thin: forms in,
services and selectors out. Business admin officers only: anyone else gets 403 on the area and 404 on a record."""
from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import permission_required
from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record
from oxtom.core.files import private_file_response
from oxtom.core.forms import errors_onto_form, posted
from oxtom.customers.selectors import customer_search, get_customer_for_user

from . import datasets, selectors, services
from . import forms as f
from .models import DatasetUpload, PostItem

intake_required = permission_required(Permission.BAS_WORK)



# --- the post room ------------------------------------------------------------------------------------

@intake_required
@require_GET
def post_list(request: HttpRequest) -> HttpResponse:
    routed = request.GET.get("show") == "routed"
    cursor = request.GET.get("after", "")[:40]
    page = selectors.routed_page(cursor=cursor) if routed else selectors.unrouted_page(cursor=cursor)
    return render(request, "bas/intake/post_list.html", {
        "page": page, "routed": routed, "section": "post", "waiting": selectors.unrouted_count()})


@intake_required
@require_http_methods(["GET", "POST"])
def post_new(request: HttpRequest) -> HttpResponse:
    form = f.PostLogForm(posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            items = services.post_items_log(files=data["files"], received_on=data["received_on"],
                                            sender=data["sender"], summary=data["summary"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"{len(items)} item{'s' if len(items) != 1 else ''} of post logged: "
                                      + ", ".join(i.reference for i in items))
            return redirect(reverse("bas_intake:post_item", args=[items[0].reference]) if len(items) == 1
                            else reverse("bas_intake:post_list"))
    return render(request, "bas/intake/post_new.html", {"form": form, "section": "post"})


def _item_page(request: HttpRequest, item: PostItem, *, status: int = 200, **forms) -> HttpResponse:
    describe = forms.get("describe") or f.PostDescribeForm(initial={
        "sender": item.sender, "summary": item.summary, "received_on": item.received_on})
    route = forms.get("route") or f.RouteForm(initial={"service": item.matched_case.service_id if item.matched_case
                                                        else None})
    audit_record(by=request.user, action="view", target=item, summary=f"Post {item.reference} viewed")
    context = {
        "item": item, "section": "post", "describe": describe, "route": route,
        "team_route": forms.get("team_route") or f.TeamRouteForm(),
        "case_form": forms.get("case_form") or f.CaseMatchForm(), "search": forms.get("search") or f.CustomerSearchForm(),
        "results": forms.get("results"), "choice_error": forms.get("choice_error", ""),
        # The error summary (base.html) shows whichever form failed.
        "form": next((form for form in forms.values() if hasattr(form, "errors") and form.errors), None),
    }
    return render(request, "bas/intake/post_item.html", context, status=status)


@intake_required
@require_GET
def post_item(request: HttpRequest, reference: str) -> HttpResponse:
    return _item_page(request, selectors.get_post_item(request.user, reference))


@intake_required
@require_POST
def post_describe(request: HttpRequest, reference: str) -> HttpResponse:
    item = selectors.get_post_item(request.user, reference)
    form = f.PostDescribeForm(request.POST)
    if form.is_valid():
        try:
            services.post_item_describe(item=item, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, "Sender and summary saved")
            return redirect("bas_intake:post_item", item.reference)
    return _item_page(request, item, describe=form)


@intake_required
@require_POST
def post_match_case(request: HttpRequest, reference: str) -> HttpResponse:
    item = selectors.get_post_item(request.user, reference)
    form = f.CaseMatchForm(request.POST)
    if form.is_valid():
        case = selectors.case_for_post(form.cleaned_data["reference"])
        if case is None:
            form.add_error("reference", "No case has that reference: check the letter, or find the customer instead")
        else:
            try:
                services.post_item_match(item=item, case=case, by=request.user)
            except ValidationError as exc:
                errors_onto_form(form, exc)
            else:
                messages.success(request, f"Matched to case {case.reference}")
                return redirect("bas_intake:post_item", item.reference)
    return _item_page(request, item, case_form=form)


@intake_required
@require_POST
def post_find_customer(request: HttpRequest, reference: str) -> HttpResponse:
    """Searches are POSTed, so names never reach addresses or logs."""
    item = selectors.get_post_item(request.user, reference)
    form = f.CustomerSearchForm(request.POST)
    results = None
    if form.is_valid():
        results = customer_search(user=request.user, query=form.cleaned_data["query"], limit=10)
        if not results.customers:
            form.add_error("query", results.message or "No customer record matches: try another name, postcode "
                                                       "or reference")
            results = None
    return _item_page(request, item, search=form, results=results)


@intake_required
@require_POST
def post_match_customer(request: HttpRequest, reference: str) -> HttpResponse:
    item = selectors.get_post_item(request.user, reference)
    form = f.CustomerChoiceForm(request.POST)
    if form.is_valid():
        try:
            customer = get_customer_for_user(request.user, form.cleaned_data["customer"])
        except Http404:
            customer = None
        if customer is not None:
            try:
                services.post_item_match(item=item, customer=customer, by=request.user)
            except ValidationError as exc:
                return _item_page(request, item, choice_error=" ".join(exc.messages), status=400)
            messages.success(request, f"Matched to customer {customer.reference}")
            return redirect("bas_intake:post_item", item.reference)
    return _item_page(request, item, choice_error="Choose the customer the post is from", status=400)


@intake_required
@require_POST
def post_unmatch(request: HttpRequest, reference: str) -> HttpResponse:
    item = selectors.get_post_item(request.user, reference)
    try:
        services.post_item_unmatch(item=item, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Match removed")
    return redirect("bas_intake:post_item", item.reference)


@intake_required
@require_POST
def post_route(request: HttpRequest, reference: str) -> HttpResponse:
    item = selectors.get_post_item(request.user, reference)
    form = f.RouteForm(request.POST)
    if form.is_valid():
        try:
            item = services.post_item_route(item=item, service=form.cleaned_data["service"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Post {item.reference} routed to {item.routed_case.team.name}: "
                                      f"case {item.routed_case.reference}")
            return redirect("bas_intake:post_list")
    return _item_page(request, item, route=form)


@intake_required
@require_POST
def post_route_to_team(request: HttpRequest, reference: str) -> HttpResponse:
    """Post matched to nobody goes straight to a team's queue, the post room officer as the staff requester."""
    item = selectors.get_post_item(request.user, reference)
    form = f.TeamRouteForm(request.POST)
    if form.is_valid():
        try:
            item = services.post_item_route_to_team(item=item, team=form.cleaned_data["team"],
                                                    note=form.cleaned_data["note"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Post {item.reference} routed to {item.routed_case.team.name}: "
                                      f"case {item.routed_case.reference}")
            return redirect("bas_intake:post_list")
    return _item_page(request, item, team_route=form)


@require_GET
def post_file(request: HttpRequest, reference: str) -> HttpResponse:
    """The scan, for the post room or for the team working the case it was routed to."""
    if not request.user.is_authenticated:
        raise Http404("No post item found")
    item = selectors.post_item_for_file(request.user, reference)
    audit_record(by=request.user, action="view", target=item, summary=f"Scan of post {item.reference} opened")
    return private_file_response(item.file, content_type=item.content_type,
                                 filename=f"post-{item.reference}.{item.extension}")


# --- bulk data uploads --------------------------------------------------------------------------------

@intake_required
@require_http_methods(["GET", "POST"])
def uploads(request: HttpRequest) -> HttpResponse:
    form = f.UploadForm(posted(request), request.FILES if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > datasets.MAX_BYTES:
            form.add_error("file", f"The selected file must be smaller than {datasets.MAX_BYTES // (1024 * 1024)}MB")
        else:
            outcome = services.dataset_upload(dataset=form.cleaned_data["dataset"], data=upload.read(),
                                              file_name=upload.name, by=request.user)
            if outcome.already:
                messages.info(request, f"{outcome.upload.file_name} was already imported as {outcome.upload.reference}: "
                                       "nothing was stored again")
            elif outcome.imported:
                messages.success(request, f"{outcome.upload.rows} row{'s' if outcome.upload.rows != 1 else ''} imported")
            return redirect("bas_intake:upload", outcome.upload.reference)
    page = selectors.uploads_page(cursor=request.GET.get("after", "")[:40])
    return render(request, "bas/intake/uploads.html", {
        "form": form, "page": page, "section": "uploads", "datasets": datasets.DATASETS.values()})


@intake_required
@require_GET
def upload_detail(request: HttpRequest, reference: str) -> HttpResponse:
    upload = selectors.get_upload(request.user, reference)
    audit_record(by=request.user, action="view", target=upload, summary=f"Upload {upload.reference} viewed")
    declared = datasets.dataset(upload.dataset)
    return render(request, "bas/intake/upload.html", {
        "upload": upload, "section": "uploads", "declared": declared,
        "problems": upload.errors[:selectors.REPORT_SHOWN],
        "more": max(0, upload.error_count - selectors.REPORT_SHOWN),
        "preview": selectors.upload_rows(upload) if upload.status == DatasetUpload.Status.IMPORTED else []})


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(rows, name: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow([datasets.formula_safe(v) for v in row]) for row in rows),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@intake_required
@require_GET
def upload_report_csv(request: HttpRequest, reference: str) -> StreamingHttpResponse:
    """The row-by-row report as CSV; cells that start like a formula are written as text."""
    upload = selectors.get_upload(request.user, reference)

    def rows():
        yield ["row", "column", "problem"]
        for problem in upload.errors:
            yield [problem["row"] or "whole file", problem["column"], problem["message"]]

    return _csv(rows(), f"{upload.reference}-problems.csv")


@intake_required
@require_GET
def upload_rows_csv(request: HttpRequest, reference: str) -> StreamingHttpResponse:
    """What an import stored, as CSV in the dataset's columns (formula-safe)."""
    upload = selectors.get_upload(request.user, reference)
    if upload.status != DatasetUpload.Status.IMPORTED:
        raise Http404("Nothing was stored from this upload")
    audit_record(by=request.user, action="export", target=upload, summary=f"Upload {upload.reference} exported")
    model = upload.sen_rows.model if upload.dataset == "sen_pupils" else upload.transport_rows.model
    columns = [field.attname for field in model._meta.concrete_fields if field.attname not in ("id", "upload_id")]

    def rows():
        yield columns
        for row in selectors.upload_rows(upload, limit=None).values_list(*columns).iterator(chunk_size=2000):
            yield list(row)

    return _csv(rows(), f"{upload.reference}.csv")


@intake_required
@require_GET
def dataset_sample(request: HttpRequest, code: str) -> HttpResponse:
    """A fictional example file for a dataset, with the declared columns."""
    from . import samples

    if code not in datasets.DATASETS:
        raise Http404("No such dataset")
    data = samples.sen_csv() if code == "sen_pupils" else samples.routes_csv()
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{code.replace("_", "-")}-example.csv"'
    return response
