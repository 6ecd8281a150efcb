"""Forms for the MASH referral service and Lee's review. Validation only: writes go through services."""
from __future__ import annotations

from django import forms

from oxtom.core.forms import DateInputField

from .models import Referral, RiskReview


def _text(label: str, max_length: int, *, required: bool = True, textarea: bool = False, help_text: str = "",
          missing: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, max_length=max_length, required=required, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 5}) if textarea else forms.TextInput(),
        error_messages={"required": missing or f"Enter the {label[0].lower()}{label[1:]}",
                        "max_length": f"{label} must be {max_length:,} characters or fewer"})


class ReferralForm(forms.Form):
    referrer_agency = forms.ChoiceField(label="Referring agency", choices=[("", "Choose")] + list(
        Referral.Agency.choices), error_messages={"required": "Choose the agency that referred",
                                                 "invalid_choice": "Choose the agency that referred"})
    referrer_name = _text("Referrer's name", 120)
    referrer_contact = _text("Referrer's phone or email (optional)", 200, required=False)
    child_name = _text("Child's name", 120)
    child_key = _text("Child's identifier", 32, help_text="The same identifier links this child's referrals",
                      missing="Enter the child's identifier")
    child_date_of_birth = DateInputField(label="Child's date of birth", required=True, when="past")
    child_sex = forms.ChoiceField(label="Child's sex", choices=[("", "Choose"), ("female", "Female"),
                                                                ("male", "Male")],
                                  error_messages={"required": "Choose the child's sex",
                                                  "invalid_choice": "Choose the child's sex"})
    child_ethnicity = forms.ChoiceField(label="Child's ethnic group", choices=[("", "Choose")] + [
        (g, f"Group {g}") for g in "ABCDE"], help_text="Recorded for the fairness checks; never used to score",
        error_messages={"required": "Choose the child's ethnic group",
                        "invalid_choice": "Choose the child's ethnic group"})
    child_disability = forms.BooleanField(label="The child has a disability", required=False)
    deprivation_decile = forms.TypedChoiceField(
        label="Deprivation decile of the child's area", coerce=int,
        choices=[("", "Choose")] + [(str(d), str(d)) for d in range(1, 11)],
        help_text="From the index of multiple deprivation: 1 is the most deprived tenth",
        error_messages={"required": "Choose the area's deprivation decile",
                        "invalid_choice": "Choose the area's deprivation decile"})
    concerns = _text("Concerns", 5000, textarea=True, missing="Enter the concerns")
    police_flag = forms.BooleanField(label="Police have raised a concern", required=False)
    school_flag = forms.BooleanField(label="School reports persistent absence", required=False)
    health_flag = forms.BooleanField(label="Health have raised a concern", required=False)


class ScreeningForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome of screening", choices=Referral.Screening.choices,
                                widget=forms.RadioSelect,
                                error_messages={"required": "Choose the outcome of screening",
                                                "invalid_choice": "Choose the outcome of screening"})
    reasons = _text("Reasons", 2000, textarea=True, missing="Enter the reasons for the decision")
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="Decision", choices=RiskReview.Decision.choices, widget=forms.RadioSelect,
                                 error_messages={"required": "Choose whether to refer to partners",
                                                 "invalid_choice": "Choose whether to refer to partners"})
    reasons = _text("Reasons", 2000, textarea=True, missing="Enter the reasons for the decision")


class CapacityForm(forms.Form):
    """A team's capacity for a measure of demand, for some months from a first month (capacity_set checks it)."""

    team = forms.ModelChoiceField(label="Team", queryset=None, empty_label="Choose",
                                  error_messages={"required": "Choose the team",
                                                  "invalid_choice": "Choose one of your teams"})
    measure = forms.TypedChoiceField(label="Demand it handles", coerce=int, choices=(),
                                     error_messages={"required": "Choose the measure of demand",
                                                     "invalid_choice": "Choose a measure of demand"})
    capacity = forms.IntegerField(label="Capacity a month", min_value=1, max_value=1_000_000,
                                  help_text="How many the team can handle in a month, for example 900",
                                  widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-10"}),
                                  error_messages={"required": "Enter the capacity a month",
                                                  "invalid": "Enter the capacity as a whole number, like 900",
                                                  "min_value": "Enter a capacity of at least 1 a month",
                                                  "max_value": "Enter a capacity of 1,000,000 a month or fewer"})
    first_month = DateInputField(label="From", what="The first month", parts=("month", "year"), required=True,
                                 when="today_or_future")
    months = forms.IntegerField(label="For how many months", min_value=1, max_value=24, initial=12,
                                widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-2"}),
                                error_messages={"required": "Enter how many months",
                                                "invalid": "Enter how many months as a whole number",
                                                "min_value": "Enter at least 1 month",
                                                "max_value": "Enter 24 months or fewer"})

    def __init__(self, *args, teams, measures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["measure"].choices = [("", "Choose")] + [(m.pk, m.name) for m in measures]


class TrainingForm(forms.Form):
    """The BI team's training form: the hypothesis, the inputs, how much synthetic history, the mitigation."""

    hypothesis = _text("Hypothesis", 1000, textarea=True,
                       help_text="What the model tests, in a sentence a service manager can judge",
                       missing="Enter the hypothesis the model tests")
    features = forms.MultipleChoiceField(
        label="Inputs", widget=forms.CheckboxSelectMultiple,
        help_text="Choose at least two. Sex, ethnic group and disability are never inputs: they are used only to "
                  "check fairness.",
        error_messages={"required": "Choose at least two of the listed inputs",
                        "invalid_choice": "Choose at least two of the listed inputs"})
    rows = forms.TypedChoiceField(
        label="Synthetic referral histories to train on", coerce=int, widget=forms.RadioSelect,
        help_text="More histories take longer: about a minute for 20,000 on this server",
        error_messages={"required": "Choose how many referral histories to train on",
                        "invalid_choice": "Choose how many referral histories to train on"})
    equalise_areas = forms.BooleanField(
        label="Select the same share of cases in the most deprived areas as elsewhere", required=False,
        help_text="The mitigation for the area deprivation check: a threshold within each area group")

    def __init__(self, *args, **kwargs):
        from . import risk
        from .selectors import FACTOR_LABELS
        from .services.training import ROW_CHOICES

        super().__init__(*args, **kwargs)
        self.fields["features"].choices = [(k, FACTOR_LABELS[k]) for k in risk.FEATURES]
        self.fields["rows"].choices = [(n, f"{n:,}") for n in ROW_CHOICES]
        self.fields["features"].initial = list(risk.FEATURES)
        self.fields["rows"].initial = ROW_CHOICES[1]

    def clean_features(self):
        chosen = self.cleaned_data["features"]
        if len(chosen) < 2:
            raise forms.ValidationError("Choose at least two of the listed inputs")
        return chosen
