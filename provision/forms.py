"""The hub's forms. Field errors use the GOV.UK wording: say what to enter, not what went wrong."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms

from oxtom.core.forms import DateInputField

from .models import Category, CycleStage, EndDecision, ProcurementRoute, Rating, SpendKind, Supplier

MONEY_RE = re.compile(r"^£?\s*\d{1,3}(,\d{3})*(\.\d{1,2})?$|^£?\s*\d+(\.\d{1,2})?$")
MAX_POUNDS = Decimal("10000000000")  # £10bn: no council contract is larger; stops a typo of extra zeros


class PoundsField(forms.CharField):
    """An amount in pounds typed as 1234.56, 1,234.56 or £1,234.56; cleaned to whole pence."""

    def __init__(self, *, label: str, required: bool = True, **kwargs):
        super().__init__(label=label, required=required, max_length=20,
                         error_messages={"required": f"Enter the {label.lower()}"}, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "class": "govuk-input govuk-input--width-10",
                                  "spellcheck": "false"})

    def clean(self, value):
        text = super().clean(value)
        if text in ("", None):
            return None
        text = text.strip()
        if not MONEY_RE.match(text):
            raise forms.ValidationError(f"{self.label} must be an amount in pounds, like 1250000 or 1,250,000.00")
        try:
            pounds = Decimal(text.replace("£", "").replace(",", "").strip())
        except InvalidOperation:
            raise forms.ValidationError(f"{self.label} must be an amount in pounds") from None
        if pounds > MAX_POUNDS:
            raise forms.ValidationError(f"{self.label} must be less than £10 billion")
        return int((pounds * 100).to_integral_value())


class SupplierForm(forms.Form):
    name = forms.CharField(label="Organisation name", max_length=200,
                           error_messages={"required": "Enter the organisation name"})
    finance_id = forms.CharField(label="Finance system supplier number", max_length=20,
                                 error_messages={"required": "Enter the supplier number the finance system uses"})
    email = forms.EmailField(label="Contact email address", max_length=254,
                             error_messages={"required": "Enter a contact email address",
                                             "invalid": "Enter an email address in the correct format, like "
                                                        "name@example.com"})
    postcode = forms.CharField(label="Postcode", max_length=8, required=False)
    companies_house_number = forms.RegexField(
        label="Companies House number (optional)", regex=r"^[A-Za-z0-9]{8}$", required=False, max_length=8,
        error_messages={"invalid": "Companies House number must be 8 characters, like 01234567 or SC123456"})
    charity_number = forms.RegexField(label="Charity number (optional)", regex=r"^\d{6,8}$", required=False,
                                      max_length=8, error_messages={"invalid": "Charity number must be 6 to 8 digits"})
    ppon_id = forms.CharField(label="PPON id (optional)", max_length=20, required=False,
                              help_text="The supplier's id on the Central Digital Platform")
    is_sme = forms.BooleanField(label="The supplier is a small or medium-sized enterprise (SME)", required=False)
    sme_evidence = forms.CharField(label="What shows it is an SME (optional)", max_length=300, required=False)
    is_vcse = forms.BooleanField(label="The supplier is a voluntary, community or social enterprise (VCSE)",
                                 required=False)
    vcse_evidence = forms.CharField(label="What shows it is a VCSE (optional)", max_length=300, required=False)
    is_individual = forms.BooleanField(label="The supplier is a sole trader (their name is redacted in publications)",
                                       required=False)


class MergeForm(forms.Form):
    """Which of two look-alike suppliers to keep; the other is merged into it."""

    keep = forms.ChoiceField(label="Which supplier do you keep?", widget=forms.RadioSelect,
                             error_messages={"required": "Choose the supplier to keep",
                                             "invalid_choice": "Choose one of the two suppliers to keep"})
    reason = forms.CharField(label="Why are these the same organisation?", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="For example: the same Companies House number and address",
                             error_messages={"required": "Say why these are the same organisation",
                                             "max_length": "Keep it to 500 characters or fewer"})

    def __init__(self, *args, suppliers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(str(s.pk), f"Keep {s.name} ({s.finance_id})") for s in suppliers]


class ContractForm(forms.Form):
    reference = forms.RegexField(label="Contract reference", regex=r"^[A-Za-z0-9][A-Za-z0-9/_-]{1,29}$", max_length=30,
                                 error_messages={"required": "Enter the contract reference",
                                                 "invalid": "Contract reference must be 2 to 30 letters, numbers, "
                                                            "hyphens or slashes"})
    title = forms.CharField(label="Title", max_length=200, error_messages={"required": "Enter the contract's title"})
    description = forms.CharField(label="Description (optional)", max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    category = forms.ModelChoiceField(label="Category", queryset=Category.objects.all(), empty_label="Choose",
                                      error_messages={"required": "Choose the category",
                                                      "invalid_choice": "Choose one of the categories"})
    directorate = forms.CharField(label="Directorate", max_length=100,
                                  error_messages={"required": "Enter the directorate"})
    service = forms.CharField(label="Service (optional)", max_length=100, required=False)
    suppliers = forms.ModelMultipleChoiceField(
        label="Suppliers", queryset=Supplier.objects.live().order_by("name"),
        error_messages={"required": "Choose at least one supplier", "invalid_choice": "Choose suppliers from the list",
                        "invalid_pk_value": "Choose suppliers from the list"},
        widget=forms.SelectMultiple(attrs={"size": 6}))
    route = forms.ChoiceField(label="Procurement route", choices=ProcurementRoute.choices, widget=forms.RadioSelect,
                              error_messages={"required": "Choose the procurement route",
                                              "invalid_choice": "Choose one of the procurement routes"})
    awarded_value_pence = PoundsField(label="Awarded value")
    estimated_annual_value_pence = PoundsField(label="Estimated annual value", required=False)
    start_date = DateInputField(label="Start date", required=True)
    end_date = DateInputField(label="End date", required=True)
    extension_options = forms.IntegerField(label="Extension options", min_value=0, max_value=10, initial=0,
                                           error_messages={"invalid": "Extension options must be a whole number",
                                                           "min_value": "Extension options cannot be negative",
                                                           "max_value": "Extension options must be 10 or fewer"})
    extension_months = forms.IntegerField(label="Months in each extension", min_value=0, max_value=60, initial=0,
                                          error_messages={"invalid": "Months must be a whole number",
                                                          "min_value": "Months cannot be negative",
                                                          "max_value": "An extension must be 60 months or fewer"})
    cpv_code = forms.RegexField(label="CPV code (optional)", regex=r"^\d{8}(-\d)?$", required=False, max_length=12,
                                error_messages={"invalid": "CPV code must be 8 digits, like 90910000"})
    kpis = forms.CharField(label="KPIs (optional)", required=False, max_length=3000,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="One per line, as the KPI, a colon, and its target: "
                                     "'Cleans completed on time: 98%'")
    no_kpi_reason = forms.CharField(label="Why the contract has no KPIs (optional)", max_length=500, required=False)
    purchase_orders = forms.CharField(label="Purchase order numbers (optional)", required=False, max_length=2000,
                                      help_text="Separated by commas")
    cost_centres = forms.CharField(label="Cost centres (optional)", required=False, max_length=500,
                                   help_text="Separated by commas: spend with the supplier from these cost centres "
                                             "falls under this contract")

    def clean_kpis(self) -> list[tuple[str, str]]:
        out = []
        for number, line in enumerate(self.cleaned_data["kpis"].splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, target = line.partition(":")
            if not sep or not name.strip() or not target.strip():
                raise forms.ValidationError(f"KPI line {number} must be the KPI, a colon, and its target")
            out.append((name.strip()[:200], target.strip()[:200]))
        return out

    @staticmethod
    def _list(text: str, limit: int) -> list[str]:
        items = [p.strip() for p in text.split(",") if p.strip()]
        if any(len(p) > limit for p in items):
            raise forms.ValidationError(f"Each must be {limit} characters or fewer")
        return list(dict.fromkeys(items))

    def clean_purchase_orders(self) -> list[str]:
        return self._list(self.cleaned_data["purchase_orders"], 30)

    def clean_cost_centres(self) -> list[str]:
        return self._list(self.cleaned_data["cost_centres"], 20)


class SpendImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=SpendKind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose what the file holds",
                                             "invalid_choice": "Choose accounts payable or procurement card"})
    file = forms.FileField(label="Export file (CSV or Excel)", help_text="Smaller than 40MB",
                           error_messages={"required": "Choose the export file", "empty": "The file is empty"})


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label="What happens at the end of the contract", choices=EndDecision.choices,
                                 widget=forms.RadioSelect,
                                 error_messages={"required": "Choose what happens at the end of the contract"})
    stage = forms.ChoiceField(label="Stage of the re-procurement", choices=[("", "None")] + CycleStage.choices,
                              required=False)
    note = forms.CharField(label="Options considered and value for money", max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"required": "Say why: the options considered and the value for money"})
    version = forms.IntegerField(widget=forms.HiddenInput)


class ExtensionForm(forms.Form):
    new_value = PoundsField(label="Contract value after the extension")
    reason = forms.CharField(label="Why extend", max_length=1000, widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": "Say why the contract should be extended"})
    version = forms.IntegerField(widget=forms.HiddenInput)


class ApprovalForm(forms.Form):
    decision = forms.ChoiceField(label="Your decision", choices=[("approved", "Approve"), ("refused", "Refuse")],
                                 widget=forms.RadioSelect, error_messages={"required": "Choose approve or refuse"})
    note = forms.CharField(label="Note (needed when you refuse)", max_length=1000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class MonthForm(forms.Form):
    month = forms.RegexField(regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False,
                             error_messages={"invalid": "Month must be like 2026-04"})


class ReviewForm(forms.Form):
    """A supplier performance review: built per contract, one result and rating per KPI."""

    period_end = DateInputField(label="Last day of the period reviewed", required=True, when="today_or_past")
    overall = forms.ChoiceField(label="Overall performance", choices=Rating.choices, widget=forms.RadioSelect,
                                error_messages={"required": "Choose the overall performance"})
    summary = forms.CharField(label="Summary", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                              error_messages={"required": "Summarise the supplier's performance"})
    actions = forms.CharField(label="Improvement actions (optional)", required=False, max_length=3000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="One per line: the action, a colon, and when it is due (YYYY-MM-DD)")

    def __init__(self, *args, kpis=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kpis = list(kpis)
        for kpi in self.kpis:
            self.fields[f"kpi_{kpi.pk}_result"] = forms.CharField(
                label=f"{kpi.name}: result (target {kpi.target})", max_length=200,
                error_messages={"required": f"Enter the result for {kpi.name}"})
            self.fields[f"kpi_{kpi.pk}_rating"] = forms.ChoiceField(
                label=f"{kpi.name}: rating", choices=[("", "Choose")] + Rating.choices,
                error_messages={"required": f"Rate {kpi.name}", "invalid_choice": f"Rate {kpi.name}"})

    def clean_actions(self) -> list[dict]:
        import datetime as dt

        out = []
        for number, line in enumerate(self.cleaned_data["actions"].splitlines(), start=1):
            if not line.strip():
                continue
            action, sep, due = line.rpartition(":")
            try:
                due_on = dt.date.fromisoformat(due.strip()) if sep else None
            except ValueError:
                due_on = None
            if not sep or not action.strip() or due_on is None:
                raise forms.ValidationError(f"Action line {number} must be the action, a colon, and a date like "
                                            "2027-03-31")
            out.append({"action": action.strip()[:300], "due": due_on.isoformat()})
        return out

    def kpi_ratings(self) -> dict[int, tuple[str, str]]:
        return {k.pk: (self.cleaned_data.get(f"kpi_{k.pk}_result", ""), self.cleaned_data.get(f"kpi_{k.pk}_rating", ""))
                for k in self.kpis}


class ContractEditForm(forms.Form):
    """A live contract's editable terms, and why they change (a modification, kept in its history)."""

    title = forms.CharField(label="Title", max_length=200,
                            error_messages={"required": "Enter the contract's title",
                                            "max_length": "Keep the title to 200 characters or fewer"})
    description = forms.CharField(label="Description (optional)", max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  error_messages={"max_length": "Keep the description to 2,000 characters or fewer"})
    end_date = DateInputField(label="End date", required=True)
    review_date = DateInputField(label="Review date (optional)", required=False,
                                 help_text="When the contract is next reviewed, for example 31 3 2027")
    value = PoundsField(label="Contract value", help_text="The total value of the contract after this change")
    reason = forms.CharField(label="Why the contract is changing", max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="This is kept in the contract's history and published with its amendments",
                             error_messages={"required": "Say why the contract is changing",
                                             "max_length": "Keep the reason to 1,000 characters or fewer"})
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)


class ReviewsDueForm(forms.Form):
    days = forms.TypedChoiceField(label="Due in the next", coerce=int, required=False,
                                  choices=[(30, "30 days"), (60, "60 days"), (90, "90 days"), (180, "180 days"),
                                           (365, "365 days")])
