"""Forms for the "Apply for it" journeys (permits, blue badges, bus passes).

The questions come from the service's rules (applications.rules.questions),
so a council changes what is asked by changing the rules, not these forms.
Forms check shape only (a real date, not in the future; a vehicle
registration that can exist; no markup); whether the answers make someone
eligible is the rules' business, and an ineligible answer is never a form error.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable

from django import forms

from oxtom.core.forms import DateInputField
from oxtom.places.postcodes import normalise_postcode

MAX_TEXT = 200
MAX_LONG_TEXT = 2000
EARLIEST_DATE = date(1900, 1, 1)  # a date of birth or an award date before this is a typing slip

# Anything that looks like markup or a script is refused rather than stored and escaped
# (answers travel to officers' screens, emails and exports).
_MARKUP_RE = re.compile(r"</?[a-zA-Z!?]|javascript\s*:|on[a-z]+\s*=\s*['\"]|&#|\\u003c", re.IGNORECASE)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

REGISTRATION_ERROR = "Enter a real vehicle registration number, like AB12 CDE"

# Datatype names the rules may use, folded onto the field kinds this module renders.
_KINDS = {
    "string": "text", "text": "text", "name": "text", "short_text": "text",
    "long_text": "textarea", "textarea": "textarea", "paragraph": "textarea",
    "date": "date", "past_date": "date", "date_of_birth": "date",
    "choice": "radio", "radio": "radio", "singlevaluelist": "radio", "select": "radio",
    "multichoice": "checkboxes", "checkboxes": "checkboxes", "multivaluelist": "checkboxes",
    "boolean": "yesno", "yesno": "yesno", "yes_no": "yesno", "bool": "yesno",
    "number": "number", "integer": "number", "int": "number",
    "registration": "registration", "vehicle_registration": "registration", "vrm": "registration",
    "postcode": "postcode", "email": "email", "phone": "phone",
}


def q(question: Any, name: str, default: Any = None) -> Any:
    """One attribute of a rules Question (an object or a dict)."""
    if isinstance(question, dict):
        return question.get(name, default)
    return getattr(question, name, default)


def field_kind(question: Any) -> str:
    kind = _KINDS.get(str(q(question, "datatype", "text")).lower(), "text")
    if kind == "text" and q(question, "code") in ("postcode", "email", "phone"):
        return str(q(question, "code"))
    if kind == "number" and q(question, "choices", None):
        return "radio"  # a score from a fixed list (PIP points, a tariff level)
    return kind


def choices_of(question: Any) -> list[tuple[str, str]]:
    result = []
    for choice in q(question, "choices", None) or ():
        if isinstance(choice, dict):
            result.append((str(choice.get("value", choice.get("key"))), str(choice.get("label", choice.get("name")))))
        elif isinstance(choice, (list, tuple)):
            result.append((str(choice[0]), str(choice[1])))
        else:
            result.append((str(choice), str(choice)))
    return result


def refuse_markup(value: str, label: str) -> None:
    if _MARKUP_RE.search(value) or _CONTROL_RE.search(value.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise forms.ValidationError(f"{label} can’t include code or HTML tags like <script>. Remove them and try again")


def normalise_registration(value: str) -> str | None:
    """'ab12cde' -> 'AB12 CDE' (the rules' own DVLA shapes), None if no UK registration looks like it."""
    from applications.rules import normalise_registration as rules_normalise

    return rules_normalise(value)


def _short(question: Any) -> str:
    """How error messages name the answer: the question's error_name ("Enter your date of birth").

    Without one, a label that is a question is quoted ("Select an answer to ‘Who is it for?’"):
    lower-casing it gave "Select who is the blue badge for". A label that names a thing is used as is.
    """
    named = str(q(question, "error_name", "") or "").strip()
    if named:
        return named
    label = str(q(question, "label", q(question, "code"))).strip()
    if label.endswith("?"):
        return f"an answer to ‘{label}’"
    return label[0].lower() + label[1:] if label[:2] != label[:2].upper() else label


class QuestionsForm(forms.Form):
    """Some of the service's questions as fields; `answers` holds JSON-ready values after is_valid()."""

    def __init__(self, *args, questions: Iterable[Any] = (), answered: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            field = self._field(question)
            # "Do you live at this address?" names the address it asks about (its `about` answers).
            shown = [str(answered[c]) for c in (q(question, "about", ()) or ()) if answered and answered.get(c)]
            if shown:
                field.help_text = " ".join(x for x in (", ".join(shown) + ".", field.help_text) if x)
            self.fields[q(question, "code")] = field

    @staticmethod
    def _field(question: Any) -> forms.Field:
        kind = field_kind(question)
        label = str(q(question, "label", q(question, "code")))
        required = bool(q(question, "required", True))
        hint = str(q(question, "hint", "") or "")
        short = _short(question)
        shown = label if required else f"{label} (optional)"
        common = {"label": shown, "required": required, "help_text": hint}
        if kind == "date":
            past_only = not bool(q(question, "future_allowed", False))
            field: forms.Field = DateInputField(
                what=short, when="today_or_past" if past_only else "any", earliest=EARLIEST_DATE if past_only else None,
                required_message=f"Enter {short}", **common)
        elif kind == "radio":
            field = forms.ChoiceField(choices=choices_of(question), widget=forms.RadioSelect, error_messages={
                "required": f"Select {short}", "invalid_choice": f"Select {short} from the list"}, **common)
        elif kind == "checkboxes":
            field = forms.MultipleChoiceField(choices=choices_of(question), widget=forms.CheckboxSelectMultiple,
                                              error_messages={"required": f"Select {short}",
                                                              "invalid_choice": f"Select {short} from the list"},
                                              **common)
        elif kind == "yesno":
            field = forms.ChoiceField(choices=[("yes", "Yes"), ("no", "No")], widget=forms.RadioSelect,
                                      error_messages={"required": "Select yes or no", "invalid_choice": "Select yes or no"}, **common)
        elif kind == "number":
            field = forms.IntegerField(min_value=0, max_value=99, widget=forms.TextInput(
                attrs={"inputmode": "numeric", "class": "govuk-input--width-5"}), error_messages={
                "required": f"Enter {short}", "invalid": f"{short[0].upper() + short[1:]} must be a whole number",
                "min_value": f"{short[0].upper() + short[1:]} must be 0 or more",
                "max_value": f"{short[0].upper() + short[1:]} is too large"}, **common)
        elif kind == "textarea":
            field = forms.CharField(max_length=MAX_LONG_TEXT, widget=forms.Textarea(attrs={"rows": 5}), error_messages={
                "required": f"Enter {short}",
                "max_length": f"{short[0].upper() + short[1:]} must be {MAX_LONG_TEXT:,} characters or fewer"}, **common)
        else:
            attrs = {}
            if kind == "registration":
                attrs = {"class": "govuk-input--width-10 govuk-input--extra-letter-spacing", "spellcheck": "false",
                         "autocapitalize": "characters"}
            elif kind == "postcode":
                attrs = {"class": "govuk-input--width-10", "autocomplete": "postal-code"}
            field = forms.CharField(max_length=MAX_TEXT, widget=forms.TextInput(attrs=attrs), error_messages={
                "required": f"Enter {short}",
                "max_length": f"{short[0].upper() + short[1:]} must be {MAX_TEXT} characters or fewer"}, **common)
        field.kind = kind
        field.short = short
        # "None of these": drawn after an "or" divider and unticks the others (GOV.UK exclusive checkbox);
        # the rules refuse it with anything else, so it holds without JavaScript too.
        field.exclusive = {str(v) for v in (q(question, "exclusive", ()) or ())}
        return field

    def clean(self):
        cleaned = super().clean()
        self.answers: dict[str, Any] = {}
        for question in self.questions:
            code = q(question, "code")
            field = self.fields[code]
            if code not in cleaned:
                continue
            value = cleaned[code]
            if isinstance(value, str):
                value = value.strip()
                try:
                    refuse_markup(value, field.short[0].upper() + field.short[1:])
                except forms.ValidationError as exc:
                    self.add_error(code, exc)
                    continue
                if value and field.kind == "registration":
                    if normalise_registration(value) is None:
                        self.add_error(code, REGISTRATION_ERROR)
                        continue
                    value = normalise_registration(value)
                elif value and field.kind == "postcode":
                    normal = normalise_postcode(value)
                    if normal is None:
                        self.add_error(code, "Enter a full postcode, like OX1 1ND")
                        continue
                    value = normal
            if isinstance(value, date):
                value = value.isoformat()
            if value in ("", None, []) and not field.required:
                continue
            self.answers[code] = value
        return cleaned


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


class EvidenceForm(forms.Form):
    """One upload per piece of evidence the service asks for (its config "required_evidence").

    Each item is {"kinds": [...], "message": "..."}; with more than one kind
    the person says which it is. Files are checked by content in clean().
    Items already uploaded (kept in the draft) need not be sent again.
    """

    def __init__(self, *args, items: list[dict], have: set[int], kind_labels: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.items, self.have = items, have
        for index, item in enumerate(items):
            kinds = [k for k in item.get("kinds", []) if k in kind_labels] or ["other"]
            photo = kinds == ["photo"]
            field = forms.FileField(
                label=kind_labels.get(kinds[0], "Evidence") if len(kinds) == 1 else "Letter or document",
                required=False, help_text=_sentence(str(item.get("message", ""))) + (
                    " JPG, PNG or WebP, smaller than 10MB." if photo else " A photo or scan: JPG, PNG, WebP or PDF, smaller than 10MB."))
            field.widget.attrs["accept"] = ("image/jpeg,image/png,image/webp,image/heic,image/heif" if photo
                                            else "image/jpeg,image/png,image/webp,application/pdf")
            field.index, field.photo_only, field.already = index, photo, index in have
            self.fields[f"file_{index}"] = field
            if len(kinds) > 1:
                self.fields[f"kind_{index}"] = forms.ChoiceField(
                    label="What is this document?", required=False, widget=forms.RadioSelect,
                    choices=[(k, kind_labels[k]) for k in kinds],
                    error_messages={"invalid_choice": "Select what the document is"})
            self.fields[f"file_{index}"].kinds = kinds

    def clean(self):
        from oxtom.core.uploads import ImageRejected, document_check, image_check

        cleaned = super().clean()
        self.checked: dict[int, tuple[str, Any]] = {}
        for index, item in enumerate(self.items):
            name = f"file_{index}"
            field = self.fields[name]
            upload = cleaned.get(name)
            kinds = field.kinds
            kind = cleaned.get(f"kind_{index}") or (kinds[0] if len(kinds) == 1 else "")
            if upload:
                if not kind:
                    self.add_error(f"kind_{index}", "Select what the document is")
                    continue
                try:
                    checked = image_check(upload) if field.photo_only else document_check(upload)
                except ImageRejected as exc:
                    self.add_error(name, str(exc))
                    continue
                self.checked[index] = (kind, checked)
            elif index not in self.have:
                self.add_error(name, str(item.get("message") or "Select a file"))
        return cleaned


class ReconsiderationForm(forms.Form):
    grounds = forms.CharField(
        label="Why should we look at our decision again?", max_length=MAX_LONG_TEXT,
        help_text="Tell us anything we did not know or got wrong. You can add evidence later if we ask for it.",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter why we should look at our decision again",
                        "max_length": f"Your reasons must be {MAX_LONG_TEXT:,} characters or fewer"},
    )

    def clean_grounds(self):
        value = self.cleaned_data["grounds"].strip()
        refuse_markup(value, "Your reasons")
        if len(value) < 10:
            raise forms.ValidationError("Tell us a little more about why we should look again (at least 10 characters)")
        return value


class ChangeForm(forms.Form):
    """A change of circumstances: a new address, a new vehicle, or both (only what the entitlement's rules ask)."""

    address_line_1 = forms.CharField(label="Address line 1", max_length=MAX_TEXT, required=False,
                                     error_messages={"max_length": f"Address line 1 must be {MAX_TEXT} characters or fewer"})
    postcode = forms.CharField(label="Postcode", max_length=10, required=False, widget=forms.TextInput(
        attrs={"class": "govuk-input--width-10", "autocomplete": "postal-code"}),
        error_messages={"max_length": "Enter a full postcode, like OX1 1ND"})
    vehicle_registration = forms.CharField(
        label="New vehicle registration number", max_length=12, required=False,
        help_text="For example, AB12 CDE", widget=forms.TextInput(attrs={
            "class": "govuk-input--width-10 govuk-input--extra-letter-spacing", "spellcheck": "false",
            "autocapitalize": "characters"}),
        error_messages={"max_length": REGISTRATION_ERROR})

    def __init__(self, *args, vehicle: bool, address: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not vehicle:
            del self.fields["vehicle_registration"]
        if not address:
            del self.fields["address_line_1"], self.fields["postcode"]

    def clean(self):
        cleaned = super().clean()
        self.changes: dict[str, str] = {}
        line = (cleaned.get("address_line_1") or "").strip()
        if line:
            try:
                refuse_markup(line, "Address line 1")
            except forms.ValidationError as exc:
                self.add_error("address_line_1", exc)
            else:
                self.changes["address_line_1"] = line
        postcode = (cleaned.get("postcode") or "").strip()
        if postcode:
            normal = normalise_postcode(postcode)
            if normal is None:
                self.add_error("postcode", "Enter a full postcode, like OX1 1ND")
            else:
                self.changes["postcode"] = normal
        if "address_line_1" in self.fields and not self.errors:
            if "address_line_1" in self.changes and "postcode" not in self.changes:
                self.add_error("postcode", "Enter the postcode of your new address")
            elif "postcode" in self.changes and "address_line_1" not in self.changes:
                self.add_error("address_line_1", "Enter the first line of your new address")
        reg = (cleaned.get("vehicle_registration") or "").strip()
        if "vehicle_registration" in self.fields and reg:
            if normalise_registration(reg) is None:
                self.add_error("vehicle_registration", REGISTRATION_ERROR)
            else:
                self.changes["vehicle_registration"] = normalise_registration(reg)
        if not self.changes and not self.errors:
            first = "vehicle_registration" if "vehicle_registration" in self.fields else "address_line_1"
            what = " or ".join(w for w, f in (("a new vehicle", "vehicle_registration"), ("a new address", "postcode"))
                               if f in self.fields)
            self.add_error(first, f"Tell us what has changed: {what}")
        return cleaned
