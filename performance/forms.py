"""Forms for the division pages and the analysts' tools. Validation only: writes go through services."""
from __future__ import annotations

from django import forms

from oxtom.places.postcodes import normalise_postcode

from .models import ComparatorGroup, Measure, Period, Source
from .services import parse_decimal


class DivisionSearchForm(forms.Form):
    q = forms.CharField(
        label="Postcode or place name", max_length=100, required=True,
        help_text="For example, OX1 1DS or Banbury",
        error_messages={"required": "Enter a postcode or place name",
                        "max_length": "Postcode or place name must be 100 characters or fewer"},
    )

    def clean_q(self) -> str:
        text = " ".join(self.cleaned_data["q"].split())
        if not text:
            raise forms.ValidationError("Enter a postcode or place name")
        return text

    @property
    def postcode(self) -> str | None:
        return normalise_postcode(self.cleaned_data.get("q", ""))
