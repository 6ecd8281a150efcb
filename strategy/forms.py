"""Forms for the project office, the board and consultations. Validation only: writes go through services."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import forms

from oxtom.core.forms import DateInputField
from performance.selectors import measures_by_code

from .models import ConsultationResponse, PoolMember, Rag
from .services.consultations import parse_questions

RAG_CHOICES = [("", "Choose")] + list(Rag.choices)


def _text(label: str, max_length: int, *, required: bool = True, help_text: str = "", textarea: bool = False,
          rows: int = 4) -> forms.CharField:
    noun = label[0].lower() + label[1:]
    missing = f"Enter {noun}" if noun.startswith(("what ", "who ", "how ", "where ")) else f"Enter the {noun}"
    return forms.CharField(
        label=label, max_length=max_length, required=required, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}) if textarea else forms.TextInput(),
        error_messages={"required": missing,
                        "max_length": f"{label} must be {max_length:,} characters or fewer"})


def _decimal(text: str, line: int, what: str) -> Decimal | None:
    text = text.strip().replace(",", "").replace("£", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise forms.ValidationError(f"Line {line}: the {what} must be a number") from None
    if not value.is_finite() or abs(value) >= Decimal("1e12"):
        raise forms.ValidationError(f"Line {line}: the {what} must be a number")
    return value.quantize(Decimal("0.01"))


def _date(text: str, line: int) -> dt.date | None:
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text[:12], fmt).date()
        except ValueError:
            continue
    raise forms.ValidationError(f"Line {line}: write the target date as year-month-day, for example 2027-03-31")


class ProposalForm(forms.Form):
    title = _text("Project title", 150)
    directorate = _text("Directorate", 120)
    sponsor = _text("Sponsor", 120, help_text="The accountable sponsor's role, for example Director of Highways")
    cross_cutting = forms.BooleanField(label="This project cuts across directorates", required=False)
    objectives = _text("Objectives", 3000, textarea=True)
    estimated_cost = forms.CharField(label="Estimated cost in pounds", max_length=20,
                                     error_messages={"required": "Enter the estimated cost in pounds"})
    cost_notes = _text("How the cost is made up", 2000, required=False, textarea=True, rows=3)
    benefits = _text("Benefits and how each is measured", 3000, textarea=True, help_text=(
        "One benefit a line: what it is | performance measure code (if there is one) | baseline | target | "
        "target date. For example: Fewer repeat pothole reports | street-reports-received | 900 | 700 | 2027-03-31"))
    risks = _text("Risks and their owners", 3000, required=False, textarea=True, help_text=(
        "One risk a line: the risk | who owns it"))

    def clean_estimated_cost(self) -> Decimal:
        value = _decimal(self.cleaned_data["estimated_cost"], 1, "cost")
        if value is None or value < 0:
            raise forms.ValidationError("Enter the estimated cost in pounds, 0 or more, for example 250000")
        return value

    def clean_benefits(self) -> list[dict]:
        lines = [line for line in self.cleaned_data["benefits"].splitlines() if line.strip()]
        codes = {p.split("|")[1].strip() for p in lines if p.count("|") >= 1 and p.split("|")[1].strip()}
        measures = measures_by_code(codes)
        benefits = []
        for number, line in enumerate(lines, start=1):
            parts = [p.strip() for p in line.split("|")] + ["", "", "", ""]
            description, code = parts[0], parts[1]
            if not description:
                raise forms.ValidationError(f"Line {number}: describe the benefit before the first |")
            if len(description) > 300:
                raise forms.ValidationError(f"Line {number}: a benefit must be 300 characters or fewer")
            if code and code not in measures:
                raise forms.ValidationError(f"Line {number}: there is no performance measure with the code {code[:60]}")
            benefits.append({"description": description, "measure": measures.get(code),
                             "baseline": _decimal(parts[2], number, "baseline"),
                             "target": _decimal(parts[3], number, "target"),
                             "target_date": _date(parts[4], number)})
        if not benefits:
            raise forms.ValidationError("Name at least one benefit and how it will be measured")
        return benefits

    def clean_risks(self) -> list[dict]:
        risks = []
        for number, line in enumerate([ln for ln in self.cleaned_data["risks"].splitlines() if ln.strip()], start=1):
            description, _, owner = (p.strip() for p in line.partition("|"))
            if not description or not owner:
                raise forms.ValidationError(f"Line {number}: write the risk, then | and who owns it")
            if len(description) > 300 or len(owner) > 120:
                raise forms.ValidationError(f"Line {number}: the risk or its owner is too long")
            risks.append({"description": description, "owner": owner})
        return risks


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="The board's decision", choices=[("approve", "Approve"), ("reject", "Reject")],
                                 widget=forms.RadioSelect, error_messages={"required": "Choose approve or reject"})
    note = _text("Reasons and conditions", 2000, required=False, textarea=True, rows=3)


class AllocationForm(forms.Form):
    member = forms.ModelChoiceField(label="Who from the pool", queryset=PoolMember.objects.select_related("user"),
                                    empty_label="Choose a person",
                                    error_messages={"required": "Choose who to allocate",
                                                    "invalid_choice": "Choose someone from the pool"})
    days = forms.IntegerField(label="Days a month", min_value=1, max_value=31,
                              error_messages={"required": "Enter the days a month",
                                              "invalid": "Enter the days a month as a whole number",
                                              "min_value": "Enter 1 day or more", "max_value": "Enter 31 days or fewer"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].label_from_instance = lambda m: f"{m.user.full_name} ({m.get_skill_display()})"


class HighlightForm(forms.Form):
    month = forms.CharField(label="Month reported on", max_length=7, help_text="Year and month, for example 2026-10",
                            error_messages={"required": "Enter the month reported on"})
    rag_time = forms.ChoiceField(label="Time", choices=RAG_CHOICES, error_messages={"required": "Choose a status for time"})
    rag_cost = forms.ChoiceField(label="Cost", choices=RAG_CHOICES, error_messages={"required": "Choose a status for cost"})
    rag_scope = forms.ChoiceField(label="Scope", choices=RAG_CHOICES,
                                  error_messages={"required": "Choose a status for scope"})
    rag_benefits = forms.ChoiceField(label="Benefits", choices=RAG_CHOICES,
                                     error_messages={"required": "Choose a status for benefits"})
    summary = _text("Summary of progress", 3000, textarea=True)
    risks = _text("Risks and issues with their owners", 3000, required=False, textarea=True, help_text=(
        "One a line: risk or issue | description | owner. For example: issue | Contractor late | Head of Highways"))
    decisions_needed = _text("Decisions needed from the board", 2000, required=False, textarea=True, rows=3)

    def clean_month(self) -> dt.date:
        try:
            return dt.datetime.strptime(self.cleaned_data["month"].strip(), "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError("Enter the month as year and month, for example 2026-10") from None

    def clean_risks(self) -> list[dict]:
        items = []
        for number, line in enumerate([ln for ln in self.cleaned_data["risks"].splitlines() if ln.strip()], start=1):
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3 or parts[0].lower() not in ("risk", "issue") or not parts[1] or not parts[2]:
                raise forms.ValidationError(f"Line {number}: write risk or issue | what it is | who owns it")
            if len(parts[1]) > 300 or len(parts[2]) > 120:
                raise forms.ValidationError(f"Line {number}: the description or owner is too long")
            items.append({"kind": parts[0].lower(), "description": parts[1], "owner": parts[2]})
        return items


class BenefitActualForm(forms.Form):
    """The project's actual for a benefit with no performance measure."""

    month = forms.CharField(label="Month", max_length=7, help_text="Year and month the figure is for, for example 2026-10",
                            error_messages={"required": "Enter the month the figure is for"})
    value = forms.CharField(label="Actual", max_length=20, error_messages={"required": "Enter the actual"})
    note = _text("Where the figure came from", 1000, textarea=True, rows=3,
                 help_text="For example: the survey of 120 library users in October")

    def clean_month(self) -> dt.date:
        try:
            return dt.datetime.strptime(self.cleaned_data["month"].strip(), "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError("Enter the month as year and month, for example 2026-10") from None

    def clean_value(self) -> Decimal:
        try:
            value = _decimal(self.cleaned_data["value"], 1, "actual")
        except forms.ValidationError:
            value = None
        if value is None:
            raise forms.ValidationError("Enter the actual as a number, for example 1250")
        return value


class BoardDecisionForm(forms.Form):
    text = _text("What the board decided", 2000, textarea=True, rows=3)
    decided_on = DateInputField(label="Date of the decision", required=True, when="today_or_past")


class ConsultationForm(forms.Form):
    title = _text("Title", 150)
    purpose = _text("Purpose", 3000, textarea=True, help_text="Why the council is asking, and what it will decide")
    audience = _text("Who it is for", 200, help_text="For example, residents and businesses in Banbury")
    opens_on = DateInputField(label="Opens on", required=True)
    closes_on = DateInputField(label="Closes on", required=True)
    questions = _text("Questions", 6000, textarea=True, rows=8, help_text=(
        "One question a line, starting with its kind. choice: Question | option | option. "
        "scale: Question (answered 1 to 5). text: Question (free text). End with (optional) if it can be skipped."))

    def clean_questions(self) -> list[dict]:
        try:
            return parse_questions(self.cleaned_data["questions"])
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["questions"]) from None

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", "The closing date must be on or after the opening date")
        return data


class SummaryForm(forms.Form):
    we_did = _text("What we did", 5000, textarea=True, help_text="What the council decided or changed because of the responses")


class EnterResponseForm(forms.Form):
    channel = forms.ChoiceField(label="How the response came in", choices=[
        (ConsultationResponse.Channel.PAPER, "Paper form"), (ConsultationResponse.Channel.PHONE, "Telephone")],
        widget=forms.RadioSelect, error_messages={"required": "Choose paper form or telephone"})
