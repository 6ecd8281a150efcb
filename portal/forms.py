"""Forms for the "Report it" journey and the public report pages.

Forms check shape (lengths, choices, a postcode that exists); the rules of a
report (questions, thresholds, county bounds, photos) live in catalogue.py
and services.py so the web journey and Open311 share them.
"""
from __future__ import annotations

import math

from django import forms

from oxtom.core.forms import DateInputField
from oxtom.places.postcodes import normalise_postcode
from oxtom.places.selectors import locate_postcode, streets_matching, within_county
from oxtom.places.streets import MAX_SEARCH_LENGTH, is_hostile, split_search

from .catalogue import MAX_TEXT as MAX_ANSWER_TEXT
from .models import ReportStatus, ReportType

POSTCODE_ERROR = "Enter a full postcode, like OX1 1ND"


def coordinate(value: object, limit: float) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) and abs(number) <= limit else None


class UncutCharField(forms.CharField):
    """A CharField without the HTML maxlength attribute.

    With maxlength a browser silently cuts what is typed or pasted at the
    limit, so a resident never learns their description lost its end. Left
    to the server, the form says what the limit is and shows every word they
    typed, so they can shorten it themselves.
    """

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


MAX_WHERE = 200
WHERE_FIELD = dict(
    label="Describe exactly where it is (optional)", max_length=MAX_WHERE, required=False,
    help_text=f"For example, outside the bus stop on the north side of the road. Up to {MAX_WHERE} characters.",
    error_messages={"max_length": f"The description of where it is must be {MAX_WHERE} characters or fewer: "
                                  "shorten it (it has %(show_value)d)"},
)


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


# --- the "Report it" journey -----------------------------------------------------------------

class ReportTypeForm(forms.Form):
    report_type = forms.ChoiceField(
        label="What is the problem?", widget=forms.RadioSelect,
        error_messages={"required": "Select the type of problem",
                        "invalid_choice": "Select the type of problem from the list"},
    )

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.types = {t.service.code: t for t in types}
        self.fields["report_type"].choices = [(t.service.code, t.service.name) for t in types]


class LocationForm(forms.Form):
    """A postcode, or a point from "use my location" / the map (filled in by JavaScript)."""

    postcode = forms.CharField(
        label="Postcode nearest the problem", max_length=10, required=False,
        help_text="For example, OX1 1ND. You can find a postcode on a nearby house or shop.",
        error_messages={"max_length": POSTCODE_ERROR},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "class": "govuk-input--width-10"}),
    )
    lat = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    lon = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    source = forms.ChoiceField(required=False, choices=[("", ""), ("device", "device"), ("map", "map")],
                               widget=forms.HiddenInput)
    where = UncutCharField(**WHERE_FIELD)

    def clean(self):
        cleaned = super().clean()
        postcode = (cleaned.get("postcode") or "").strip()
        lat, lon = coordinate(cleaned.get("lat"), 90), coordinate(cleaned.get("lon"), 180)
        if lat is not None and lon is not None and not postcode:
            point, source = (lat, lon), cleaned.get("source") or "map"
        elif postcode:
            if normalise_postcode(postcode) is None:
                self.add_error("postcode", POSTCODE_ERROR)
                return cleaned
            point = locate_postcode(postcode)
            if point is None:
                self.add_error("postcode", "We could not find that postcode: check it and try again")
                return cleaned
            source = "postcode"
            cleaned["postcode"] = normalise_postcode(postcode)
        else:
            self.add_error("postcode", "Enter a postcode")
            return cleaned
        if not within_county(*point):
            self.add_error("postcode", "The location must be in Oxfordshire: we cannot deal with problems "
                                       "outside the county")
            return cleaned
        cleaned["point"], cleaned["source"] = point, source
        return cleaned


class StreetSearchForm(forms.Form):
    """The street name search, for residents who know the street but not a postcode (sent by GET)."""

    street = forms.CharField(
        label="Street name", max_length=MAX_SEARCH_LENGTH,
        help_text="For example, Banbury Road. To narrow the list, add the town after a comma: High Street, Witney",
        error_messages={"required": "Enter the name of the street",
                        "max_length": f"The street name must be {MAX_SEARCH_LENGTH} characters or fewer"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_street(self):
        text = " ".join(self.cleaned_data["street"].split())
        if is_hostile(text):
            raise forms.ValidationError("A street name can only contain letters, numbers, spaces and "
                                        "punctuation such as full stops, commas, apostrophes and hyphens")
        if len(split_search(text)[0].replace(" ", "")) < 2:
            raise forms.ValidationError("Enter at least 2 letters of the street name")
        self.matches = streets_matching(text)
        if not self.matches:
            raise forms.ValidationError("We could not find a street with that name in Oxfordshire: check the "
                                        "spelling, or give the postcode of a house or shop near the problem instead")
        return text


class StreetChoiceForm(forms.Form):
    """Choose one of the streets the search found; its point becomes the report's location."""

    choice = forms.ChoiceField(
        label="Which street is the problem on?", widget=forms.RadioSelect,
        error_messages={"required": "Select the street where the problem is",
                        "invalid_choice": "Select the street where the problem is"},
    )
    where = UncutCharField(**WHERE_FIELD)

    def __init__(self, *args, streets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.streets = {str(s.pk): s for s in streets}
        self.fields["choice"].choices = [(str(s.pk), str(s)) for s in streets]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("choice") in self.streets:
            cleaned["street"] = self.streets[cleaned["choice"]]
        return cleaned


NEW_REPORT = "new"


class NearbyForm(forms.Form):
    choice = forms.ChoiceField(
        label="Is your problem one of these?", widget=forms.RadioSelect,
        error_messages={"required": "Select a report, or that your problem is not listed",
                        "invalid_choice": "Select a report, or that your problem is not listed"},
    )

    def __init__(self, *args, nearby=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.nearby = {n.report.case.reference: n for n in nearby}
        self.fields["choice"].choices = [
            (n.report.case.reference, f"{n.report.case.reference}: {n.report.get_public_status_display()}, "
                                      f"{n.distance_text}") for n in nearby
        ] + [(NEW_REPORT, "My problem is not listed: make a new report")]


class QuestionsForm(forms.Form):
    """The report type's questions as fields; the replies are checked by catalogue.clean_answers."""

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            label = question["description"] + ("" if question.get("required") else " (optional)")
            hint = question.get("datatype_description", "")
            datatype = question["datatype"]
            if datatype in ("singlevaluelist", "multivaluelist"):
                choices = [(v["key"], v["name"]) for v in question["values"]]
                if datatype == "singlevaluelist":
                    field = forms.CharField(label=label, required=False, help_text=hint,
                                            widget=forms.RadioSelect(choices=choices))
                else:
                    field = forms.MultipleChoiceField(label=label, required=False, help_text=hint, choices=choices,
                                                      widget=forms.CheckboxSelectMultiple)
            elif datatype == "text":
                field = forms.CharField(label=label, required=False, help_text=hint, strip=False,
                                        widget=forms.Textarea(attrs={"rows": 4}))
                field.character_limit = MAX_ANSWER_TEXT  # enforced by clean_answers, with its message
            elif datatype == "number":
                field = forms.CharField(label=label, required=False, help_text=hint, widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "spellcheck": "false", "class": "govuk-input--width-5"}))
            else:
                field = forms.CharField(label=label, required=False, help_text=hint)
            field.datatype = datatype
            self.fields[question["code"]] = field

    def clean(self):
        from .catalogue import clean_answers

        answers, errors = clean_answers(self.questions, self.data)
        for code, message in errors.items():
            self.add_error(code, message)
        self.answers = answers
        return super().clean()


class PhotosForm(forms.Form):
    photo_1 = forms.FileField(label="Photo 1", required=False)
    photo_2 = forms.FileField(label="Photo 2 (optional)", required=False)
    photo_3 = forms.FileField(label="Photo 3 (optional)", required=False)

    def __init__(self, *args, already=0, required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.already, self.photos_required = already, required
        for name in ("photo_1", "photo_2", "photo_3"):
            self.fields[name].widget.attrs["accept"] = "image/jpeg,image/png,image/webp,image/heic,image/heif"
        # Only as many boxes as there is room for.
        for name in ("photo_3", "photo_2", "photo_1")[: already]:
            del self.fields[name]

    def clean(self):
        from oxtom.core.uploads import ImageRejected, image_check

        cleaned = super().clean()
        self.checked = []
        for name in [n for n in ("photo_1", "photo_2", "photo_3") if n in self.fields]:
            upload = cleaned.get(name)
            if not upload:
                continue
            try:
                self.checked.append(image_check(upload))
            except ImageRejected as exc:
                self.add_error(name, str(exc))
        if self.photos_required and not self.already and not self.checked and not self.errors:
            first = next(n for n in ("photo_1", "photo_2", "photo_3") if n in self.fields)
            self.add_error(first, "Select a photo of the problem")
        return cleaned


# --- staff: working a report ---------------------------------------------------------------

MAX_STAFF_NOTE = 5000
def _staff_text(label: str, *, max_length: int, short: str, required: bool = False, help_text: str = "",
                rows: int = 4, required_message: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, help_text=help_text, max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message or f"Enter {short.lower()}",
                        "max_length": f"{short} must be {max_length:,} characters or fewer"},
    )


class StaffReportForm(forms.Form):
    """Every staff change carries the case version the officer saw (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1,
                                 error_messages={"required": "Reload the report and try again",
                                                 "invalid": "Reload the report and try again",
                                                 "min_value": "Reload the report and try again"})

    def __init__(self, *args, report, user, **kwargs):
        self.report, self.user = report, user
        kwargs.setdefault("initial", {}).setdefault("version", report.case.version)
        super().__init__(*args, **kwargs)


class ReportStatusForm(StaffReportForm):
    """A new public status, with a public update (typed or a response template) and a private note."""

    status = forms.ChoiceField(label="New status", widget=forms.RadioSelect,
                               error_messages={"required": "Choose the new status",
                                               "invalid_choice": "Choose a status from the list"})
    response_template = forms.ChoiceField(
        label="Standard response (optional)", required=False,
        help_text="Its words go to the reporter and followers and onto the public page",
        error_messages={"invalid_choice": "Choose a standard response from the list"},
    )
    public_text = _staff_text("Public update (optional)", max_length=1000, short="The public update",
                              help_text="Added after the standard response if you chose one. No names or addresses.")
    private_note = _staff_text("Private note for staff (optional)", max_length=MAX_STAFF_NOTE,
                               short="The private note", rows=3)
    when = DateInputField(
        label="Date (for Accepted or Repair scheduled)", what="The date",
        help_text="Repair scheduled: the date the repair is booked for (required). Accepted: the date we expect to "
                  "fix it by (optional). For example, 27 3 2026")
    duplicate_of = forms.CharField(
        label="Reference of the report this duplicates", required=False, max_length=20,
        help_text="Only when the new status is Duplicate. For example, HW-2026-7KXM3Q",
        error_messages={"max_length": "Enter a report reference, like HW-2026-7KXM3Q"},
    )

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        from .services import allowed_statuses

        self.fields["status"].choices = [(s, ReportStatus(s).label) for s in allowed_statuses(self.report.public_status)]
        self.templates = {str(t.pk): t for t in templates}
        self.fields["response_template"].choices = [("", "None: I will write the update")] + [
            (pk, f"{ReportStatus(t.status).label}: {t.title}") for pk, t in self.templates.items()
        ]

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        template = self.templates.get(cleaned.get("response_template") or "")
        if template is not None and status and template.status != status:
            self.add_error("response_template", f"Choose a standard response for {ReportStatus(status).label.lower()}")
        typed = (cleaned.get("public_text") or "").strip()
        text = " ".join(x for x in ((template.text if template else ""), typed) if x)
        if len(text) > 1000:
            self.add_error("public_text", "The standard response and your update together must be 1,000 characters "
                                          "or fewer")
        cleaned["text"] = text
        # The date belongs to two of the statuses only: a half-typed date is no error for the others.
        when = cleaned.get("when")
        if status not in (ReportStatus.SCHEDULED, ReportStatus.ACCEPTED):
            self.errors.pop("when", None)
            when = None
        elif status == ReportStatus.SCHEDULED:
            if "when" in self.errors:
                self.errors["when"] = self.error_class(
                    [m.replace("The date", "The repair date") for m in self.errors["when"]])
            elif when is None:
                self.add_error("when", "Enter the repair date")
        cleaned["scheduled_on"] = when if status == ReportStatus.SCHEDULED else None
        cleaned["expected_date"] = when if status == ReportStatus.ACCEPTED else None
        reference = (cleaned.get("duplicate_of") or "").strip()
        cleaned["original"] = None
        if status == ReportStatus.DUPLICATE:
            if not reference:
                self.add_error("duplicate_of", "Enter the reference of the report this duplicates")
            else:
                from django.http import Http404

                from .selectors import get_report_for_user

                try:
                    cleaned["original"] = get_report_for_user(self.user, reference)
                except Http404:
                    self.add_error("duplicate_of", "Enter the reference of a report you can see, like HW-2026-7KXM3Q")
        return cleaned


class ReportPriorityForm(StaffReportForm):
    priority = forms.TypedChoiceField(label="Priority", coerce=int, widget=forms.RadioSelect,
                                      error_messages={"required": "Choose a priority",
                                                      "invalid_choice": "Choose a priority from the list"})
    reason = _staff_text("Why is the priority changing?", max_length=MAX_STAFF_NOTE, short="The reason",
                         required=True, required_message="Enter why the priority is changing", rows=3)

    def __init__(self, *args, **kwargs):
        from oxtom.cases.models import Priority

        super().__init__(*args, **kwargs)
        self.fields["priority"].choices = Priority.choices


class ReportExpectedDateForm(StaffReportForm):
    """The date the reporter and followers are told to expect the repair."""

    expected = DateInputField(label="When do we expect to fix it?", what="The expected date", required=True,
                              required_message="Enter the expected date")

    def clean(self):
        cleaned = super().clean()
        cleaned["expected_date"] = cleaned.get("expected")
        return cleaned


class ReportRecategoriseForm(StaffReportForm):
    report_type = forms.ChoiceField(label="Correct type", widget=forms.RadioSelect,
                                    error_messages={"required": "Choose the correct type",
                                                    "invalid_choice": "Choose a type from the list"})
    reason = _staff_text("Why is the type changing?", max_length=MAX_STAFF_NOTE, short="The reason",
                         required=True, required_message="Enter why the type is changing", rows=3)

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.types = {t.service.code: t for t in types if t.pk != self.report.report_type_id}
        self.fields["report_type"].choices = [(code, t.service.name) for code, t in self.types.items()]

    def clean_report_type(self):
        return self.types[self.cleaned_data["report_type"]]


class ReportNoteForm(StaffReportForm):
    text = _staff_text("Private note", max_length=MAX_STAFF_NOTE, short="The note", required=True,
                       required_message="Enter a note", help_text="Only staff see this")
