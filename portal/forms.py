"""Forms for the "Report it" journey and the public report pages.

Forms check shape (lengths, choices, a postcode that exists); the rules of a
report (questions, thresholds, county bounds, photos) live in catalogue.py
and services.py so the web journey and Open311 share them.
"""
from __future__ import annotations

import math

from django import forms

from oxtom.places.postcodes import normalise_postcode
from oxtom.places.selectors import locate_postcode, within_county

from .models import ReportStatus, ReportType

POSTCODE_ERROR = "Enter a full postcode, like OX1 1ND"


def coordinate(value: object, limit: float) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and abs(number) <= limit else None


class AroundForm(forms.Form):
    postcode = forms.CharField(label="Postcode", max_length=10, required=False,
                               error_messages={"max_length": POSTCODE_ERROR})
    lat = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    lon = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    type = forms.ChoiceField(label="Type of problem", required=False)
    status = forms.ChoiceField(
        label="Status", required=False,
        choices=[("", "Any status"), ("open", "Open"), ("closed", "Closed")] + list(ReportStatus.choices),
        error_messages={"invalid_choice": "Select a status from the list"},
    )
    after = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.types = {t.service.code: t for t in ReportType.objects.select_related("service")}
        self.fields["type"].choices = [("", "Any type")] + [
            (code, t.service.name) for code, t in sorted(self.types.items(), key=lambda i: i[1].display_order)
        ]
        self.fields["type"].error_messages["invalid_choice"] = "Select a type of problem from the list"

    def clean(self):
        cleaned = super().clean()
        cleaned["report_type"] = self.types.get(cleaned.get("type") or "")
        postcode = (cleaned.get("postcode") or "").strip()
        lat, lon = coordinate(cleaned.get("lat"), 90), coordinate(cleaned.get("lon"), 180)
        if postcode:
            if normalise_postcode(postcode) is None:
                self.add_error("postcode", POSTCODE_ERROR)
                return cleaned
            point = locate_postcode(postcode)
            if point is None:
                self.add_error("postcode", "We could not find that postcode: check it and try again")
                return cleaned
        elif lat is not None and lon is not None:
            point = (lat, lon)
        else:
            self.add_error("postcode", "Enter a postcode")
            return cleaned
        if not within_county(*point):
            self.add_error("postcode", "Enter a postcode in Oxfordshire")
            return cleaned
        cleaned["point"] = point
        return cleaned


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="What is still wrong?", max_length=1000, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter what is still wrong",
                        "max_length": "What is still wrong must be 1,000 characters or fewer"},
    )


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="How satisfied are you with how we dealt with your report?", coerce=int,
        choices=[(5, "Very satisfied"), (4, "Satisfied"), (3, "Neither satisfied nor dissatisfied"),
                 (2, "Dissatisfied"), (1, "Very dissatisfied")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how satisfied you are",
                        "invalid_choice": "Select how satisfied you are"},
    )
    comments = forms.CharField(
        label="How could we improve? (optional)", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "Your comments must be 2,000 characters or fewer"},
    )
