"""Forms: shape only (lengths, choices); the rules live in services (clean_service_data, booking_create)."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from oxtom.core.forms import errors_onto_form
from oxtom.places.postcodes import normalise_postcode
from oxtom.places.selectors import locate_postcode

from .models import Organisation, Schedule, Service, TaxonomyTerm
from .selectors import METRES_PER_MILE, Filters


class UncutCharField(forms.CharField):
    """No HTML maxlength: the server says what the limit is instead of the browser cutting words off."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.core.validators import ProhibitNullCharactersValidator

        self.validators = [ProhibitNullCharactersValidator(message="Remove the special characters: they are not allowed")
                           if isinstance(v, ProhibitNullCharactersValidator) else v for v in self.validators]

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


def term_choices():
    return [(t.code, t.name) for t in TaxonomyTerm.objects.order_by("name")]


RADIUS_CHOICES = [("1", "1 mile"), ("3", "3 miles"), ("5", "5 miles"), ("10", "10 miles"), ("25", "25 miles")]
DAY_CHOICES = [("", "Any day")] + [(str(i), name) for i, name in enumerate(Schedule.DAY_NAMES)]
COST_CHOICES = [("", "Free or paid"), ("free", "Free only"), ("paid", "Paid only")]


class FindForm(forms.Form):
    q = UncutCharField(label="Search (optional)", required=False, max_length=100,
                       error_messages={"max_length": "Search words must be 100 characters or fewer"})
    postcode = UncutCharField(label="Postcode (optional)", required=False, max_length=10,
                              help_text="To see the nearest first, for example OX4 1AB",
                              error_messages={"max_length": "Enter a real postcode, like OX4 1AB"})
    radius = forms.ChoiceField(label="Within", choices=RADIUS_CHOICES, required=False, initial="10")
    need = forms.MultipleChoiceField(label="Who it is for", required=False, widget=forms.CheckboxSelectMultiple,
                                     error_messages={"invalid_choice": "Select who it is for from the list"})
    age = UncutCharField(label="Age of the person (optional)", required=False, max_length=3,
                         error_messages={"max_length": "Age must be between 0 and 120"})
    day = forms.ChoiceField(label="Day", choices=DAY_CHOICES, required=False,
                            error_messages={"invalid_choice": "Select a day from the list"})
    time = UncutCharField(label="Time (optional)", required=False, max_length=5, help_text="For example, 10:30",
                          error_messages={"max_length": "Enter a time like 10:30"})
    cost = forms.ChoiceField(label="Cost", choices=COST_CHOICES, required=False,
                             error_messages={"invalid_choice": "Select free or paid from the list"})

    def __init__(self, *args, home_point=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].choices = term_choices()
        self.home_point = home_point
        for name in ("radius", "day", "cost"):
            self.fields[name].widget.attrs["class"] = "govuk-select"

    def clean_q(self):
        q = self.cleaned_data["q"].strip()
        if any(ord(ch) < 32 for ch in q):
            raise ValidationError("Search words must not contain special characters")
        return q

    def clean_postcode(self):
        raw = self.cleaned_data["postcode"].strip()
        if not raw:
            return None
        normalised = normalise_postcode(raw)
        if normalised is None:
            raise ValidationError("Enter a real postcode, like OX4 1AB")
        point = locate_postcode(normalised)
        if point is None:
            raise ValidationError("We do not know where that postcode is: try a postcode in Oxfordshire")
        return point

    def clean_age(self):
        raw = self.cleaned_data["age"].strip()
        if not raw:
            return None
        if not raw.isdigit() or not 0 <= int(raw) <= 120:
            raise ValidationError("Age must be a whole number between 0 and 120")
        return int(raw)

    def clean_time(self):
        raw = self.cleaned_data["time"].strip().replace(".", ":")
        if not raw:
            return None
        try:
            hour, minute = raw.split(":") if ":" in raw else (raw, "0")
            return dt.time(int(hour), int(minute))
        except ValueError:
            raise ValidationError("Enter a real time, like 10:30") from None

    def filters(self) -> Filters:
        d = self.cleaned_data
        point = d.get("postcode") or None
        return Filters(q=d.get("q") or "", needs=tuple(d.get("need") or ()), age=d.get("age"),
                       day=int(d["day"]) if d.get("day") not in (None, "") else None, time=d.get("time"),
                       free={"free": True, "paid": False}.get(d.get("cost") or ""),
                       point=point, radius_m=int(d.get("radius") or 10) * METRES_PER_MILE)


class ServiceForm(forms.Form):
    """A directory entry; clean_service_data does the checking, so partners and moderators get one set of rules."""

    name = UncutCharField(label="Name", max_length=100_000, required=False)
    description = UncutCharField(label="Description", widget=forms.Textarea(attrs={"rows": 5}), required=False,
                                 max_length=100_000)
    status = forms.ChoiceField(label="Status", choices=Service.Status.choices, required=False,
                               error_messages={"invalid_choice": "Select a status from the list"})
    terms = forms.MultipleChoiceField(label="Who it is for", required=False, widget=forms.CheckboxSelectMultiple,
                                      error_messages={"invalid_choice": "Select who it is for from the list"})
    locations = forms.MultipleChoiceField(label="Where it happens", required=False, widget=forms.CheckboxSelectMultiple,
                                          error_messages={"invalid_choice": "Select places from the list"})
    opening = UncutCharField(label="Opening times (optional)", required=False, max_length=100_000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="One a line, like Tuesday 10:00-12:00")
    minimum_age = UncutCharField(label="Youngest age (optional)", required=False, max_length=100)
    maximum_age = UncutCharField(label="Oldest age (optional)", required=False, max_length=100)
    is_free = forms.BooleanField(label="It is free", required=False)
    fees = UncutCharField(label="What it costs (if not free)", required=False, max_length=100_000)
    url = UncutCharField(label="Website (optional)", required=False, max_length=100_000)
    email = UncutCharField(label="Email (optional)", required=False, max_length=100_000)
    phone = UncutCharField(label="Phone (optional)", required=False, max_length=100_000)
    accessibility = UncutCharField(label="Accessibility (optional)", required=False, max_length=100_000,
                                   widget=forms.Textarea(attrs={"rows": 2}),
                                   help_text="For example, step-free entrance, hearing loop")

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        from .services.directory import locations_for_organisation

        self.fields["terms"].choices = term_choices()
        self.fields["locations"].choices = [(str(loc.uuid), f"{loc.name}, {loc.city}")
                                            for loc in locations_for_organisation(organisation)]
        self.fields["status"].widget.attrs["class"] = "govuk-select"

    def data_for_service(self) -> dict:
        return dict(self.cleaned_data)

    def add_service_errors(self, exc: ValidationError) -> None:
        errors_onto_form(self, exc, first_only=True)


class RejectForm(forms.Form):
    reason = UncutCharField(label="Why it is not approved", widget=forms.Textarea(attrs={"rows": 3}), required=False,
                            help_text="The partner is told this", max_length=100_000)


class CancelEventForm(forms.Form):
    reason = UncutCharField(label="Why it is cancelled", widget=forms.Textarea(attrs={"rows": 2}), required=False,
                            help_text="Everyone booked is told this", max_length=100_000)


class OrganisationForm(forms.Form):
    name = UncutCharField(label="Name", max_length=100_000, required=False)
    description = UncutCharField(label="Description", widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                 max_length=100_000)
    kind = forms.ChoiceField(label="Kind", choices=Organisation.Kind.choices, required=False,
                             error_messages={"invalid_choice": "Select what kind of organisation it is"})
    email = UncutCharField(label="Email (optional)", required=False, max_length=100_000)
    website = UncutCharField(label="Website (optional)", required=False, max_length=100_000)
    phone = UncutCharField(label="Phone (optional)", required=False, max_length=100_000)
    charity_number = UncutCharField(label="Charity number (optional)", required=False, max_length=100_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["class"] = "govuk-select"


class PartnerForm(forms.Form):
    email = forms.EmailField(label="Email address of the partner's account", max_length=254,
                             error_messages={"invalid": "Enter an email address like name@example.org",
                                             "required": "Enter the email address of the partner's account"})


class BookForm(forms.Form):
    who = forms.ChoiceField(label="Who is the place for?", widget=forms.RadioSelect,
                            error_messages={"required": "Select who the place is for",
                                            "invalid_choice": "Select who the place is for"})
    access_needs = UncutCharField(label="Access needs (optional)", required=False, max_length=100_000,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text="Anything the organiser should know, like a wheelchair space")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("self", "Me")] + [(str(p.pk), f"{p.name} ({p.relationship})" if p.relationship else p.name)
                                      for p in people if not p.is_self]
        self.fields["who"].choices = choices


class PersonForm(forms.Form):
    name = UncutCharField(label="Their name", required=False, max_length=100_000)
    relationship = UncutCharField(label="Who they are to you (optional)", required=False, max_length=100_000,
                                  help_text="For example, mother or son")
    age = UncutCharField(label="Their age (optional)", required=False, max_length=100_000)
    needs = forms.MultipleChoiceField(label="What they would like support with", required=False,
                                      widget=forms.CheckboxSelectMultiple,
                                      error_messages={"invalid_choice": "Select needs from the list"})
    access_needs = UncutCharField(label="Access needs (optional)", required=False, max_length=100_000,
                                  widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, is_self=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["needs"].choices = term_choices()
        if is_self:
            del self.fields["name"], self.fields["relationship"]
            self.fields["age"].label = "Your age (optional)"
            self.fields["needs"].label = "What you would like support with"

    def add_service_errors(self, exc: ValidationError) -> None:
        errors_onto_form(self, exc, first_only=True)


class MessageForm(forms.Form):
    message = UncutCharField(label="Message to everyone booked", widget=forms.Textarea(attrs={"rows": 3}),
                             required=False, max_length=100_000)


class FeedbackForm(forms.Form):
    rating = forms.ChoiceField(label="How was it?", widget=forms.RadioSelect,
                               choices=[("5", "5 - Very good"), ("4", "4 - Good"), ("3", "3 - Neither good nor poor"),
                                        ("2", "2 - Poor"), ("1", "1 - Very poor")],
                               error_messages={"required": "Select how you rate it, from 1 to 5",
                                               "invalid_choice": "Select how you rate it, from 1 to 5"})
    comment = UncutCharField(label="Anything you would like to tell the organisers? (optional)", required=False,
                             widget=forms.Textarea(attrs={"rows": 3}), max_length=100_000)


class SignpostForm(forms.Form):
    service = forms.ChoiceField(label="Service", error_messages={"required": "Select a service",
                                                                 "invalid_choice": "Select a service from the list"})
    channel = forms.ChoiceField(label="Send by", widget=forms.RadioSelect,
                                choices=[("email", "Email"), ("sms", "Text message")],
                                error_messages={"required": "Select email or text message"})

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", "Choose a service")] + [(str(s.pk), f"{s.name} ({s.organisation.name})")
                                                                        for s in services]
        self.fields["service"].widget.attrs["class"] = "govuk-select"
