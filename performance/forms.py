"""Forms for the division pages and the analysts' tools. Validation only: writes go through services."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django import forms

from oxtom.core.forms import DateInputField
from oxtom.places.models import Division
from oxtom.places.postcodes import normalise_postcode
from oxtom.places.selectors import current_boundary_set

from .models import ComparatorGroup, Period, Polarity, TomLayer
from .services import parse_decimal

ONS_CODE = re.compile(r"^[EWSN]\d{8}$", re.IGNORECASE)


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


def parse_month(text: str) -> dt.date:
    """'2026-04' -> 1 April 2026, or a ValidationError an analyst can act on."""
    try:
        return dt.datetime.strptime((text or "").strip(), "%Y-%m").date()
    except ValueError:
        raise forms.ValidationError("Enter the month as year and month, for example 2026-04") from None


class MonthField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Month")
        kwargs.setdefault("help_text", "Year and month, for example 2026-04")
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault("error_messages", {"required": "Enter the month",
                                             "max_length": "Enter the month as year and month, for example 2026-04"})
        super().__init__(**kwargs)
        self.widget.attrs.update({"class": "govuk-input--width-5", "inputmode": "numeric"})

    def clean(self, value):
        return parse_month(super().clean(value))


class NumberField(forms.CharField):
    """A number as people type it ('1,234.5'), within what a figure can hold."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.attrs.update({"class": "govuk-input--width-10", "inputmode": "decimal"})

    def clean(self, value):
        text = super().clean(value)
        if text in ("", None):
            return None
        number = parse_decimal(text)
        if number is None:
            raise forms.ValidationError(f"{self.label} must be a number, like 85 or 72.5")
        return number


def _existing_period(start: dt.date) -> Period:
    period = Period.objects.filter(start=start).first()
    if period is None:
        raise forms.ValidationError(f"There is no period for {start:%B %Y}: choose a month that has started")
    return period


class TargetForm(forms.Form):
    period = MonthField()
    value = NumberField(label="Target", error_messages={"required": "Enter the target",
                                                        "max_length": "Target must be 30 characters or fewer"})
    amber_tolerance = NumberField(
        label="Amber tolerance", required=False,
        help_text="How far on the wrong side of the target still counts as amber, in the measure's unit. "
                  "Leave empty for none",
        error_messages={"max_length": "Amber tolerance must be 30 characters or fewer"})

    def clean_amber_tolerance(self):
        tolerance = self.cleaned_data.get("amber_tolerance")
        if tolerance is not None and tolerance < 0:
            raise forms.ValidationError("Amber tolerance must be 0 or more")
        return tolerance if tolerance is not None else Decimal(0)


class CommentaryForm(forms.Form):
    period = MonthField()
    text = forms.CharField(
        label="Commentary", max_length=5000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Why the figure is where it is and what is being done. Earlier commentary is kept",
        error_messages={"required": "Enter the commentary", "max_length": "Commentary must be 5,000 characters or fewer"})

    def clean_period(self):
        return _existing_period(self.cleaned_data["period"])


class EntryForm(forms.Form):
    period = MonthField()
    division = forms.ModelChoiceField(
        queryset=Division.objects.none(), required=False, empty_label="The whole county", label="Area",
        error_messages={"invalid_choice": "Choose the county or a division in the current boundaries"})
    value = NumberField(label="Figure", error_messages={"required": "Enter the figure",
                                                        "max_length": "Figure must be 30 characters or fewer"})
    base = forms.IntegerField(
        label="How many things the figure rests on (optional)", required=False, min_value=0, max_value=2_000_000_000,
        help_text="For example the number of people surveyed. Figures resting on fewer than 5 are not published",
        error_messages={"invalid": "Enter a whole number", "min_value": "Enter a whole number of 0 or more",
                        "max_value": "Enter a smaller whole number"})
    note = forms.CharField(label="Where the figure came from", max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"max_length": "Where the figure came from must be 1,000 characters or fewer"})
    commentary = forms.CharField(
        label="Commentary", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed if the county figure is red against its target",
        error_messages={"max_length": "Commentary must be 5,000 characters or fewer"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        boundary_set = current_boundary_set()
        self.fields["division"].queryset = (Division.objects.filter(boundary_set=boundary_set).only("name")
                                            if boundary_set else Division.objects.none())

    def clean_period(self):
        return _existing_period(self.cleaned_data["period"])


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Is the figure right?", widget=forms.RadioSelect,
        choices=[("approve", "Yes, approve it: it will be published"), ("reject", "No, reject it")],
        error_messages={"required": "Select whether to approve or reject the figure",
                        "invalid_choice": "Select whether to approve or reject the figure"})
    note = forms.CharField(label="Reason (needed to reject)", max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"max_length": "Reason must be 1,000 characters or fewer"})


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="Columns: measure_code, period, area_type, area_code, value "
                                                        "and optionally base. Smaller than 2MB",
                           error_messages={"required": "Choose a CSV file", "empty": "The file is empty"})
    comparator_group = forms.ModelChoiceField(
        queryset=ComparatorGroup.objects.all(), required=False, empty_label="None (no comparator rows)",
        label="Comparator group", help_text="Needed when the file has comparator councils' figures",
        error_messages={"invalid_choice": "Choose one of the comparator groups"})

    def clean_file(self):
        from .imports import MAX_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:  # refused before it is read into memory
            raise forms.ValidationError("The file must be smaller than 2MB")
        return upload


class ComparatorGroupForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120,
                           error_messages={"required": "Enter the group's name",
                                           "max_length": "Name must be 120 characters or fewer"})
    as_of = DateInputField(label="Drawn up on", what="The date the set was drawn up", required=True,
                           when="today_or_past", help_text="For example, 1 4 2025. A new set is a new group",
                           required_message="Enter the date the set was drawn up")
    members = forms.CharField(
        label="Councils", widget=forms.Textarea(attrs={"rows": 8}), max_length=10000,
        help_text="One a line: ONS code, then a comma, then the name. For example E10000013, Gloucestershire",
        error_messages={"required": "Enter at least one council",
                        "max_length": "The list must be 10,000 characters or fewer"})

    def clean_members(self) -> list[tuple[str, str]]:
        members, seen, problems = [], set(), []
        for number, line in enumerate(self.cleaned_data["members"].splitlines(), start=1):
            if not line.strip():
                continue
            code, _, name = (part.strip() for part in line.partition(","))
            if not ONS_CODE.match(code) or not name or len(name) > 120:
                problems.append(f"Line {number} must be an ONS code like E10000013, a comma and a name")
            elif code.upper() in seen:
                problems.append(f"Line {number} repeats {code.upper()}")
            else:
                seen.add(code.upper())
                members.append((code.upper(), name))
        if problems:
            raise forms.ValidationError(problems[:5])
        if not members:
            raise forms.ValidationError("Enter at least one council")
        return members


class DefinitionForm(forms.Form):
    """A change to a measure's definition; saving it makes a new version (services.measure_update)."""

    name = forms.CharField(label="Name", max_length=200,
                           error_messages={"required": "Enter the measure's name",
                                           "max_length": "Name must be 200 characters or fewer"})
    definition = forms.CharField(label="What it measures, in plain English", max_length=2000,
                                 widget=forms.Textarea(attrs={"rows": 3}),
                                 error_messages={"required": "Enter what it measures",
                                                 "max_length": "What it measures must be 2,000 characters or fewer"})
    calculation = forms.CharField(label="How we calculate it, in plain English", max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  error_messages={"required": "Enter how we calculate it",
                                                  "max_length": "How we calculate it must be 4,000 characters or fewer"})
    precision = forms.TypedChoiceField(label="Decimal places shown", coerce=int,
                                       choices=[(n, str(n)) for n in range(5)],
                                       error_messages={"invalid_choice": "Choose 0 to 4 decimal places"})
    polarity = forms.ChoiceField(label="Is higher better?", choices=Polarity.choices,
                                 error_messages={"invalid_choice": "Choose whether higher is better"})
    owner = forms.CharField(label="Owner (a role, not a person's name)", max_length=120, required=False,
                            error_messages={"max_length": "Owner must be 120 characters or fewer"})
    directorate = forms.CharField(label="Directorate", max_length=120, required=False,
                                  error_messages={"max_length": "Directorate must be 120 characters or fewer"})
    tom_layer = forms.ChoiceField(label="Operating model layer", choices=TomLayer.choices,
                                  error_messages={"invalid_choice": "Choose a layer of the operating model"})
    is_public = forms.BooleanField(label="Publish on the public division pages", required=False)
    reason = forms.CharField(label="Why the definition is changing", max_length=300,
                             help_text="Kept with the new version, so readers of old figures know what changed",
                             error_messages={"required": "Enter why the definition is changing",
                                             "max_length": "Why must be 300 characters or fewer"})

    FIELDS = ("name", "definition", "calculation", "precision", "polarity", "owner", "directorate", "tom_layer",
              "is_public")

    def changes(self, measure) -> dict:
        """Only the fields that differ from the measure as it is."""
        return {name: self.cleaned_data[name] for name in self.FIELDS
                if self.cleaned_data[name] != getattr(measure, name)}
