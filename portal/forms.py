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
    where = forms.CharField(
        label="Describe exactly where it is (optional)", max_length=200, required=False,
        help_text="For example, outside the bus stop on the north side of the road",
        error_messages={"max_length": "The description of where it is must be 200 characters or fewer"},
    )

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
