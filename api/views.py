"""The REST API for partner systems (/api/v1/). See docs/api.md and the schema at /api/v1/schema/."""
from __future__ import annotations

import re

from django.db import transaction
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from oxtom.cases.models import Status as CaseStatus
from oxtom.core.audit import audit_record
from oxtom.core.links import absolute_url

from . import selectors
from .framework import (MAX_BODY_BYTES, ApiKeyAuthentication, BodyTooLarge, ClientRateThrottle, Conflict,
                        HasScope, KeysetPagination, client_of, scope_for)
from .models import Scope
from .serializers import (CaseSerializer, CaseUpdateSerializer, CustomerLookupQuery, CustomerLookupSerializer,
                          DivisionMeasuresSerializer, EntitlementCheckQuery, EntitlementCheckSerializer,
                          ProblemSerializer, StreetReportSerializer)
from .services import api_call_record

CASE_STATUSES = list(CaseStatus.values)


def problems(*codes: int) -> dict:
    words = {400: "Invalid input", 401: "No key, or a key that is not recognised or revoked",
             403: "The key lacks the scope", 404: "No such record, or not this key's to see",
             409: "The record changed since it was read", 413: "The body is too large",
             415: "The body is not JSON", 422: "The change was refused (the reason is in errors)",
             429: "Too many calls: wait and retry"}
    return {(code, "application/problem+json"): OpenApiResponse(ProblemSerializer, description=words[code])
            for code in codes}


class ApiView(GenericAPIView):
    """Key authentication, scopes, the client's throttle, a size limit, problem details and a call log."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    throttle_classes = [ClientRateThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    required_scope = ""

    def initial(self, request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = MAX_BODY_BYTES + 1
        if length > MAX_BODY_BYTES:
            raise BodyTooLarge()
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        client = client_of(request)
        api_call_record(client=client, key_prefix=request.auth.prefix if client else "",
                        scope=scope_for(self, request), method=request.method, path=request.path,
                        status=response.status_code)
        return response

    def query(self, serializer_class):
        data = serializer_class(data=self.request.query_params)
        data.is_valid(raise_exception=True)
        return data.validated_data


# --- entitlements:check -------------------------------------------------------------------------

class EntitlementCheckView(ApiView):
    required_scope = Scope.ENTITLEMENTS_CHECK
    serializer_class = EntitlementCheckSerializer

    @extend_schema(
        operation_id="entitlements_check", tags=["entitlements"],
        summary="Is there a valid permit for this vehicle in this zone?",
        description="For civil enforcement officers' handhelds. Yes or no, the permit type and its term: never a "
                    "name or an address. Scope: `entitlements:check`.",
        parameters=[EntitlementCheckQuery],
        responses={200: EntitlementCheckSerializer, **problems(400, 401, 403, 429)},
        examples=[OpenApiExample("A valid permit", response_only=True, value={
            "registration": "AB12 CDE", "zone": "B", "date": "2026-12-02", "valid": True,
            "permit_type": "Residents' parking permit", "permit_number": "RP-123456",
            "valid_from": "2026-04-01", "valid_until": "2027-03-31"})],
    )
    def get(self, request):
        q = self.query(EntitlementCheckQuery)
        registration = selectors.normalise_registration(q["registration"])
        if registration is None:
            raise exceptions.ValidationError({"registration": ["Enter a UK registration, like AB12 CDE."]})
        zone = q["zone"].strip().upper()
        if not (zone.isascii() and zone.replace("-", "").isalnum()):
            raise exceptions.ValidationError({"zone": ["Enter the zone's code, like B."]})
        on = q.get("date") or timezone.localdate()
        found = selectors.entitlement_on(registration=registration, zone=zone, on=on)
        return Response({
            "registration": registration, "zone": zone, "date": on.isoformat(), "valid": found is not None,
            "permit_type": found.service.name if found else None,
            "permit_number": found.number if found else None,
            "valid_from": found.starts_on.isoformat() if found else None,
            "valid_until": found.expires_on.isoformat() if found else None,
        })


# --- cases:read / cases:update ----------------------------------------------------------------------

def case_dict(case) -> dict:
    report = selectors.report_of(case)
    return {
        "reference": case.reference, "service": case.service.code, "service_name": case.service.name,
        "title": case.title, "status": case.status,
        "report_status": report.public_status if report else None,
        "priority": case.priority, "received_at": case.received_at.isoformat(),
        "due_on": case.due_at.isoformat(),
        "expected_date": case.expected_date.isoformat() if case.expected_date else None,
        "latitude": report.latitude if report else None, "longitude": report.longitude if report else None,
        "version": case.version,
    }


class CaseListView(ApiView):
    required_scope = Scope.CASES_READ
    serializer_class = CaseSerializer
    pagination_class = KeysetPagination

    @extend_schema(
        operation_id="cases_list", tags=["cases"], summary="The client's team's cases, newest first",
        description="Scope: `cases:read`. Keyset pages: follow `next`. Filter with `status` and `open`.",
        parameters=[
            OpenApiParameter("status", str, enum=CASE_STATUSES, required=False),
            OpenApiParameter("open", bool, required=False, description="true: only cases not closed"),
            OpenApiParameter("page_size", int, required=False, description="1 to 200 (default 50)"),
        ],
        responses={200: CaseSerializer(many=True), **problems(400, 401, 403, 429)},
    )
    def get(self, request):
        from oxtom.cases.models import Status

        qs = selectors.cases_for_client(client_of(request))
        status = request.query_params.get("status")
        if status:
            if status not in Status.values:
                raise exceptions.ValidationError({"status": [f"Choose one of {', '.join(Status.values)}."]})
            qs = qs.filter(status=status)
        only_open = request.query_params.get("open")
        if only_open is not None:
            if only_open not in ("true", "false"):
                raise exceptions.ValidationError({"open": ["Send true or false."]})
            if only_open == "true":
                qs = qs.exclude(status=Status.CLOSED)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response([case_dict(c) for c in page])


class CaseDetailView(ApiView):
    required_scope = Scope.CASES_READ
    serializer_class = CaseSerializer

    @extend_schema(operation_id="cases_retrieve", tags=["cases"], summary="One of the team's cases",
                   description="Scope: `cases:read`. Another team's case is a 404, like one that does not exist.",
                   responses={200: CaseSerializer, **problems(401, 403, 404, 429)})
    def get(self, request, reference: str):
        return Response(case_dict(selectors.get_case_for_client(client_of(request), reference)))


class CaseUpdateView(ApiView):
    required_scope = Scope.CASES_UPDATE
    serializer_class = CaseUpdateSerializer

    @extend_schema(
        operation_id="cases_update", tags=["cases"], summary="A status update or a public note on a case",
        description=(
            "Scope: `cases:update`. Through the same services as the case page: a street report's status moves "
            "its case and tells the reporter and followers; a public note is what the resident sees. Send the "
            "`version` you read: a stale one is refused with 409, so a repeated request changes nothing twice."),
        request=CaseUpdateSerializer,
        responses={200: CaseSerializer, **problems(400, 401, 403, 404, 409, 413, 415, 422, 429)},
        examples=[OpenApiExample("A contractor marks a repair done", request_only=True, value={
            "version": 3, "status": "fixed", "public_note": "Pothole filled and made safe."})],
    )
    def post(self, request, reference: str):
        client = client_of(request)
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
        body = CaseUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        case = selectors.get_case_for_client(client, reference)
        if data["version"] != case.version:
            raise Conflict()
        report = selectors.report_of(case)
        if data.get("status") and report is None:
            raise exceptions.ValidationError({"status": ["Only a street report's status is changed here; "
                                                         "send a public_note for this case."]})
        with transaction.atomic():
            if data.get("status"):
                from portal.services import report_change_status

                report_change_status(report=report, status=data["status"], expected_version=case.version,
                                     by=client.user, public_text=data.get("public_note", ""),
                                     scheduled_on=data.get("scheduled_on"))
            else:
                from oxtom.cases.services import case_add_public_update

                case_add_public_update(case=case, text=data["public_note"], expected_version=case.version,
                                       by=client.user)
        return Response(case_dict(selectors.get_case_for_client(client, reference)))


# --- customers:lookup ----------------------------------------------------------------------------

class CustomerLookupView(ApiView):
    required_scope = Scope.CUSTOMERS_LOOKUP
    serializer_class = CustomerLookupSerializer

    @extend_schema(
        operation_id="customers_lookup", tags=["customers"], summary="Who is calling? (telephony screen-pop)",
        description="Scope: `customers:lookup`. The references of the records holding the number and a link to "
                    "each for a signed-in adviser; nothing more. Each match is audited as a staff view is.",
        parameters=[CustomerLookupQuery],
        responses={200: CustomerLookupSerializer, **problems(400, 401, 403, 429)},
        examples=[OpenApiExample("One record", response_only=True, value={"matches": [
            {"reference": "C-7KXM3Q", "url": "https://www.example.gov.uk/staff/customers/C-7KXM3Q/"}]})],
    )
    def get(self, request):
        from oxtom.notify.services import to_e164

        q = self.query(CustomerLookupQuery)
        e164 = to_e164(q["phone"])
        if not e164:
            raise exceptions.ValidationError({"phone": ["Enter a telephone number, like 01865 792422."]})
        client = client_of(request)
        matches = selectors.customers_with_phone(e164)
        for customer in matches:
            audit_record(by=client.user, action="view", target=customer, summary="Found by phone (API screen-pop)",
                         api_client=client.name)
        return Response({"matches": [
            {"reference": c.reference, "url": absolute_url(reverse("customers:record", args=[c.reference]))}
            for c in matches]})


# --- public collections -----------------------------------------------------------------------------

class StreetReportListView(ApiView):
    """Public: no key needed (a key, if sent, must be valid and counts against its client's limit)."""

    serializer_class = StreetReportSerializer
    pagination_class = KeysetPagination

    @extend_schema(
        operation_id="street_reports_list", tags=["public"], summary="Public street reports, newest first",
        description="What /open311/v2/requests.json publishes, in keyset pages: no names, no contact details, "
                    "the division rather than the reporter's words about the place.",
        auth=[], parameters=[OpenApiParameter("page_size", int, required=False, description="1 to 200")],
        responses={200: StreetReportSerializer(many=True), **problems(400, 401, 429)},
    )
    def get(self, request):
        from portal import selectors as reports

        page = self.paginate_queryset(reports.open311_requests())
        return self.get_paginated_response(reports.open311_request_dicts(page))


class DivisionMeasuresView(ApiView):
    serializer_class = DivisionMeasuresSerializer

    @extend_schema(
        operation_id="division_measures", tags=["public"], summary="A division's published measures",
        description="The latest figure of each public measure, as the division's page shows it: figures resting "
                    "on 1 to 4 things are suppressed (value null, display 'Fewer than 5').",
        auth=[], responses={200: DivisionMeasuresSerializer, **problems(401, 404, 429)},
    )
    def get(self, request, slug: str):
        from performance.selectors import division_page, get_public_division

        if not re.fullmatch(r"[a-z0-9-]{1,100}", slug):
            raise exceptions.NotFound()
        division = get_public_division(slug)
        page = division_page(division)
        rows = []
        for row in page.rows:
            status = row.status
            rows.append({
                "code": row.measure.code, "name": row.measure.name, "unit": row.measure.unit,
                "period": row.period.start.strftime("%Y-%m") if row.period else None,
                "value": None if status.suppressed or status.value is None else str(status.value),
                "display": status.display, "suppressed": bool(status.suppressed), "rag": status.rag,
            })
        return Response({"division": division.slug, "name": division.name, "measures": rows})


def docs(request):
    """The API's documentation page, rendered here from the schema (no CDN, works without JavaScript)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            responses = [(code, r.get("description", "")) for code, r in sorted(op.get("responses", {}).items())]
            # <wbr> after each slash: a long path wraps on a 375 px phone instead of widening the page.
            wrapped = mark_safe("/<wbr>".join(escape(part) for part in path.split("/")))  # noqa: S308 - escaped
            operations.append({"method": method.upper(), "path": path, "wrapped": wrapped, "summary": op.get("summary", ""),
                               "description": op.get("description", ""), "responses": responses,
                               "public": op.get("security") == [] or not op.get("security"),
                               "id": op.get("operationId", "")})
    return render(request, "api/docs.html", {"operations": operations, "scopes": Scope.choices,
                                             "max_body_kb": MAX_BODY_BYTES // 1024})

