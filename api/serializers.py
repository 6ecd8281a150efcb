"""Request and response shapes. Responses name no person: references, statuses, dates and links."""
from __future__ import annotations

from rest_framework import serializers

from .framework import MAX_BODY_BYTES  # noqa: F401 - documented limit

MAX_NOTE = 2000


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class EntitlementCheckQuery(serializers.Serializer):
    registration = serializers.CharField(max_length=20, help_text="The vehicle's registration, e.g. AB12 CDE")
    zone = serializers.CharField(max_length=20, help_text="The parking zone code, e.g. B")
    date = serializers.DateField(required=False, help_text="The day to check (default: today)")


class EntitlementCheckSerializer(serializers.Serializer):
    registration = serializers.CharField(help_text="The registration as we read it (normalised)")
    zone = serializers.CharField()
    date = serializers.DateField()
    valid = serializers.BooleanField()
    permit_type = serializers.CharField(allow_null=True)
    permit_number = serializers.CharField(allow_null=True)
    valid_from = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)


class CaseSerializer(serializers.Serializer):
    reference = serializers.CharField()
    service = serializers.CharField(source="service.code")
    service_name = serializers.CharField(source="service.name")
    title = serializers.CharField()
    status = serializers.CharField(help_text="The case engine's status")
    report_status = serializers.CharField(allow_null=True, help_text="A street report's public status, else null")
    priority = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    due_on = serializers.DateField(source="due_at")
    expected_date = serializers.DateField(allow_null=True)
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    version = serializers.IntegerField(help_text="Send it back with an update: a stale version is refused (409)")


class CaseUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The case's version as last read")
    status = serializers.ChoiceField(
        required=False, choices=["accepted", "scheduled", "in_progress", "fixed", "not_fixed", "referred"],
        help_text="A street report's new public status (street reports only)")
    scheduled_on = serializers.DateField(required=False, help_text="The repair date, with status scheduled")
    public_note = serializers.CharField(required=False, max_length=MAX_NOTE, allow_blank=False,
                                        help_text="What the resident and the public are told")

    def validate(self, attrs):
        if not attrs.get("status") and not attrs.get("public_note"):
            raise serializers.ValidationError({"status": ["Send a status, a public_note, or both."]})
        if attrs.get("scheduled_on") and attrs.get("status") != "scheduled":
            raise serializers.ValidationError({"scheduled_on": ["scheduled_on goes with status scheduled."]})
        return attrs


class CustomerLookupQuery(serializers.Serializer):
    phone = serializers.CharField(max_length=32, help_text="The caller's number, as the telephony sees it")


class CustomerMatchSerializer(serializers.Serializer):
    reference = serializers.CharField()
    url = serializers.URLField(help_text="The customer's record for a signed-in adviser")


class CustomerLookupSerializer(serializers.Serializer):
    matches = CustomerMatchSerializer(many=True)


class StreetReportSerializer(serializers.Serializer):
    """The Open311 request fields, as /open311/v2/requests.json publishes them."""

    service_request_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    status_notes = serializers.CharField()
    extended_status = serializers.CharField()
    service_name = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    agency_responsible = serializers.CharField()
    service_notice = serializers.CharField(allow_null=True)
    requested_datetime = serializers.CharField()
    updated_datetime = serializers.CharField()
    expected_datetime = serializers.CharField(allow_null=True)
    address = serializers.CharField(allow_null=True)
    address_id = serializers.CharField(allow_null=True)
    zipcode = serializers.CharField(allow_null=True)
    lat = serializers.FloatField()
    long = serializers.FloatField()
    media_url = serializers.CharField(allow_null=True)
    url = serializers.CharField()


class DivisionMeasureSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    period = serializers.CharField(allow_null=True, help_text="The month, as YYYY-MM")
    value = serializers.CharField(allow_null=True, help_text="A decimal string; null when suppressed or missing")
    display = serializers.CharField(help_text="As the division page shows it ('Fewer than 5' when suppressed)")
    suppressed = serializers.BooleanField()
    rag = serializers.CharField(help_text="red, amber, green or empty (no target)")


class DivisionMeasuresSerializer(serializers.Serializer):
    division = serializers.CharField()
    name = serializers.CharField()
    measures = DivisionMeasureSerializer(many=True)
