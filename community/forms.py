"""Forms: shape only (lengths, choices); the rules live in services (clean_service_data, booking_create)."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from oxtom.core.forms import DateInputField, errors_onto_form
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


def errors_where_form_is_silent(form: forms.BaseForm, error: ValidationError, *,
                                fields: dict[str, str | None] | None = None) -> None:
    """A service's errors onto a form that failed its own checks: each field the form has not already
    flagged gets the service's message, so every error shows on the first submit (not one round later).
    `fields` maps the service's keys to the form's names (None: a key with no field, left out)."""
    fields = fields or {}
    for key, messages in getattr(error, "message_dict", {}).items():
        name = fields.get(key, key)
        if name is None or name not in form.fields or name in form.errors:
            continue
        for message in messages:
            form.add_error(name, message)


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


RATING_CHOICES = [("5", "5 - Very good"), ("4", "4 - Good"), ("3", "3 - Neither good nor poor"), ("2", "2 - Poor"),
                  ("1", "1 - Very poor")]


class AppointmentFeedbackForm(forms.Form):
    """Shape only: both fields always clean, so the service's rules (community/services/appointments.py
    appointment_feedback_give) say everything wrong at once, each at its field."""

    rating = forms.CharField(label="How was your appointment?", required=False,
                             widget=forms.RadioSelect(choices=RATING_CHOICES))
    comment = UncutCharField(label="Anything you would like to tell us? (optional)", required=False,
                             strip=False, widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="Do not include personal details such as your address or phone number.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].character_limit = 2000  # the service's limit, stated under the box


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


class EventForm(forms.Form):
    """A partner's event (or a weekly run of them); the service checks the rules and names the field at fault."""

    title = UncutCharField(label="Title", required=False, max_length=100_000)
    description = UncutCharField(label="Description (optional)", required=False, max_length=100_000,
                                 widget=forms.Textarea(attrs={"rows": 4}))
    location = forms.ChoiceField(label="Where", widget=forms.RadioSelect,
                                 error_messages={"required": "Choose where it is held",
                                                 "invalid_choice": "Choose where it is held"})
    date = DateInputField(label="Date", what="The date of the event", required=True, when="today_or_future")
    starts = forms.TimeField(label="Starts", help_text="For example, 10:30", required=False,
                             error_messages={"invalid": "Enter the start time, like 10:30"},
                             widget=forms.TimeInput(attrs={"class": "govuk-input govuk-input--width-5"}))
    ends = forms.TimeField(label="Ends", help_text="For example, 12:00", required=False,
                           error_messages={"invalid": "Enter the end time, like 12:00"},
                           widget=forms.TimeInput(attrs={"class": "govuk-input govuk-input--width-5"}))
    capacity = forms.IntegerField(label="Places", required=False, min_value=1, max_value=500,
                                  error_messages={"invalid": "Enter how many places, as a number",
                                                  "min_value": "Enter how many places, from 1 to 500",
                                                  "max_value": "Enter how many places, from 1 to 500"},
                                  widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                                "class": "govuk-input govuk-input--width-4"}))
    price = forms.DecimalField(label="Price in pounds (0 if free)", required=False, min_value=0, max_value=100,
                               decimal_places=2, initial="0",
                               error_messages={"invalid": "Enter a price in pounds, like 3.50",
                                               "min_value": "Enter a price from £0 to £100",
                                               "max_value": "Enter a price from £0 to £100",
                                               "max_decimal_places": "Enter a price in pounds and pence, like 3.50"},
                               widget=forms.TextInput(attrs={"inputmode": "decimal",
                                                             "class": "govuk-input govuk-input--width-5"}))
    weeks = forms.IntegerField(label="How many weeks does it run?", required=False, min_value=1, max_value=12,
                               initial=1, help_text="1 for a one-off; up to 12 for the same time each week",
                               error_messages={"invalid": "Enter how many weeks, as a number",
                                               "min_value": "Enter how many weeks it runs, from 1 to 12",
                                               "max_value": "Enter how many weeks it runs, from 1 to 12"},
                               widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                             "class": "govuk-input govuk-input--width-3"}))

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = [(str(loc.pk), f"{loc.name}, {loc.address_1}") for loc in locations]

    def data_for_service(self) -> dict:
        c = self.cleaned_data
        price = c.get("price")
        return {"title": c.get("title", ""), "description": c.get("description", ""),
                "location": int(c["location"]) if c.get("location") else None, "date": c.get("date"),
                "starts": c.get("starts"), "ends": c.get("ends"), "capacity": c.get("capacity"),
                "price_pence": int(round(price * 100)) if price is not None else 0,
                "weeks": c.get("weeks") or 1, "cutoff_hours": 24}


class ModerateEventForm(forms.Form):
    decision = forms.ChoiceField(label="Decision", widget=forms.RadioSelect,
                                 choices=[("approve", "Approve: it goes live for booking"),
                                          ("reject", "Do not approve")],
                                 error_messages={"required": "Choose whether to approve it"})
    reason = UncutCharField(label="Reason (needed if not approved; the partner is told)", required=False,
                            max_length=100_000, widget=forms.Textarea(attrs={"rows": 3}))


# --- Choosing a time: booking, moving, and a time offered from a case --------------------------------------------


def slot_choices(starts) -> list[tuple[str, str]]:
    """Radio choices for free times: the value is the ISO time, the label as GOV.UK writes it, in London time."""
    from oxtom.core.formats import govuk_datetime

    return [(s.isoformat(), govuk_datetime(s, "weekday")) for s in starts]


def _aware(value: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else None


class SlotField(forms.ChoiceField):
    """One of the times shown, cleaned to an aware datetime.

    A time that is not shown but `accept` allows (one taken since the page was drawn) still cleans, so the
    service gives the clear answer ("that time has just been taken") rather than "choose one of those shown".
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.RadioSelect)
        super().__init__(*args, **kwargs)
        self.accept = lambda value: _aware(value) is not None

    def valid_value(self, value) -> bool:
        return super().valid_value(value) or self.accept(value)

    def clean(self, value):
        when = _aware(super().clean(value))
        if when is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return when


class ChooseTimeForm(forms.Form):
    """Choose a time. `accept` narrows what a time not shown may be (an offer: only the times it offered)."""

    slot = SlotField(label="Choose a time", error_messages={"required": "Choose a time",
                                                           "invalid_choice": "Choose one of the times shown"})

    def __init__(self, *args, starts, accept=None, label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["slot"]
        field.choices = slot_choices(starts)
        if accept is not None:
            field.accept = accept
        if label:
            field.label = label
            field.error_messages = {**field.error_messages, "required": label}


class BookTimeForm(ChooseTimeForm):
    notes = UncutCharField(label="Anything we should know? (optional)", required=False, max_length=100_000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CancelAppointmentForm(forms.Form):
    reason = UncutCharField(label="Why is it cancelled? (the customer is told)", max_length=100_000,
                            error_messages={"required": "Enter why it is cancelled, so the customer knows"})


class OfferTimesForm(forms.Form):
    """An officer offers a case's customer some of a service's free times."""

    slots = forms.MultipleChoiceField(label="Times to offer", widget=forms.CheckboxSelectMultiple,
                                      error_messages={"required": "Choose at least one time to offer",
                                                      "invalid_choice": "One of those times has just been taken: "
                                                                        "choose again"})
    message = UncutCharField(label="Message to the customer (optional)", required=False, max_length=100_000,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, choices, **kwargs):
        from .services.offers import MAX_OFFERED

        super().__init__(*args, **kwargs)
        self.fields["slots"].choices = choices
        self.fields["slots"].help_text = f"Choose up to {MAX_OFFERED}. They are not held until the customer chooses one."


# --- a service's officers and rooms (community/views/resources.py) ----------------------------------------------

class ResourceAddForm(forms.Form):
    """A new officer (a member of the team) or room; the service checks the rest and names the field."""

    kind = forms.ChoiceField(label="Is it an officer or a room?", widget=forms.RadioSelect,
                             choices=[("officer", "An officer in the team"), ("room", "A room or booth")],
                             error_messages={"required": "Choose an officer or a room",
                                             "invalid_choice": "Choose an officer or a room"})
    user = forms.ChoiceField(label="Which member of the team (officers only)", required=False,
                             error_messages={"invalid_choice": "Choose a member of the team"})
    name = UncutCharField(label="Name on the day's list", required=False, max_length=100_000,
                          help_text="For a room, its name, like Assessment room 2. For an officer, leave it empty "
                                    "to use the name on their account")

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "Choose a member of the team")] + [
            (str(m.user_id), str(m.user)) for m in members]


class ResourceRenameForm(forms.Form):
    name = UncutCharField(label="Name on the day's list", required=False, max_length=100_000)


def _time_box(label):
    return UncutCharField(label=label, required=False, max_length=100_000,
                          widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-5",
                                                        "inputmode": "numeric", "autocomplete": "off"}))


class ResourceHoursForm(forms.Form):
    """Up to two spans a weekday, each a start and an end like 09:30 (the service checks them)."""

    DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for d, day in enumerate(self.DAYS):
            for n, which in enumerate(("first", "second")):
                self.fields[f"d{d}s{n}_start"] = _time_box(f"{day}, {which} span: from")
                self.fields[f"d{d}s{n}_end"] = _time_box(f"{day}, {which} span: to")

    def days(self):
        """(day name, [(start field, end field), ...]) for the template."""
        return [(day, [(self[f"d{d}s{n}_start"], self[f"d{d}s{n}_end"]) for n in range(2)])
                for d, day in enumerate(self.DAYS)]

    def spans(self) -> dict[str, tuple[str, str]]:
        """What was sent, each box cut to 100 characters: the service reads and checks every one (so a box the
        form could not clean is refused there, never saved as empty)."""
        def sent(name):
            return str(self.data.get(name, ""))[:100]

        return {f"d{d}s{n}": (sent(f"d{d}s{n}_start"), sent(f"d{d}s{n}_end")) for d in range(7) for n in range(2)}


class AbsenceForm(forms.Form):
    """A whole-day absence (first and last day) or a part-day one (a date, from and to, and an end date when it
    runs past midnight)."""

    length = forms.ChoiceField(label="How long are they away?", widget=forms.RadioSelect,
                               choices=[("whole", "Whole days"), ("part", "Part of a day, like 10:00 to 12:00")],
                               error_messages={"required": "Choose whole days or part of a day",
                                               "invalid_choice": "Choose whole days or part of a day"})
    # Past days too (sickness yesterday); how far back is the service's rule (community.resource_rules.PAST_DAYS).
    starts_on = DateInputField(label="First day", what="The first day", required=True)
    ends_on = DateInputField(label="Last day (optional)", what="The last day",
                             help_text="Leave it empty for one day. For a part day, the day it ends if not the same")
    from_time = forms.TimeField(label="From (part of a day)", required=False, help_text="For example, 10:00",
                                error_messages={"invalid": "Enter the time they are away from, like 10:00"},
                                widget=forms.TimeInput(attrs={"class": "govuk-input govuk-input--width-5"}))
    to_time = forms.TimeField(label="To (part of a day)", required=False, help_text="For example, 12:00",
                              error_messages={"invalid": "Enter the time they are back, like 12:00"},
                              widget=forms.TimeInput(attrs={"class": "govuk-input govuk-input--width-5"}))
    reason = forms.ChoiceField(label="Why", widget=forms.RadioSelect,
                               error_messages={"required": "Choose why they are away",
                                               "invalid_choice": "Choose why they are away"})

    def __init__(self, *args, **kwargs):
        from .models import ResourceAbsence

        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = ResourceAbsence.Reason.choices

    def clean(self):
        data = super().clean()
        if data.get("length") == "part":
            if not data.get("from_time") and "from_time" not in self.errors:
                self.add_error("from_time", "Enter the time they are away from, like 10:00")
            if not data.get("to_time") and "to_time" not in self.errors:
                self.add_error("to_time", "Enter the time they are back, like 12:00")
        return data

    def span(self):
        """(starts_at, ends_at) in Europe/London, or (None, None) while the form has errors."""
        from django.utils import timezone

        from .models import ResourceAbsence

        data = self.cleaned_data
        first, last = data.get("starts_on"), data.get("ends_on") or data.get("starts_on")
        if self.errors or first is None:
            return None, None
        if data["length"] == "whole":
            return ResourceAbsence.day_span(first, last)
        tz = timezone.get_default_timezone()
        return (dt.datetime.combine(first, data["from_time"], tzinfo=tz),
                dt.datetime.combine(last, data["to_time"], tzinfo=tz))
