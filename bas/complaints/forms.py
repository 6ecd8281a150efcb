"""Complaint forms: shapes and limits only; the rules are in services.py."""
from __future__ import annotations

from django import forms

from oxtom.core.forms import DateInputField

from .models import MAX_TEXT, OmbudsmanDecision, Outcome
from .services import MAX_ACTION, MAX_WHAT_HAPPENED


def _text(label: str, *, required: bool = True, max_length: int = MAX_TEXT, help_text: str = "",
          rows: int = 5, required_message: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message or f"Enter {label[:1].lower() + label[1:]}",
                        "max_length": f"Must be {max_length:,} characters or fewer"})


class ComplaintForm(forms.Form):
    about_case = forms.ChoiceField(label="Which of your cases is it about? (optional)", required=False)
    about_service = forms.ChoiceField(label="Which service is it about? (optional)", required=False)
    what_happened = _text("What went wrong", max_length=MAX_WHAT_HAPPENED, rows=8,
                          help_text="Tell us what happened, when, and who you dealt with if you know. "
                                    "Do not include bank or medical details.",
                          required_message="Tell us what went wrong")
    outcome_wanted = _text("What would you like us to do to put it right? (optional)", required=False)

    def __init__(self, *args, cases=(), services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.cases = {c.reference: c for c in cases}
        self.services = {str(s.pk): s for s in services}
        self.fields["about_case"].choices = [("", "Not about one of my cases")] + [
            (c.reference, f"{c.reference}: {c.label}") for c in cases]
        self.fields["about_service"].choices = [("", "Not sure or something else")] + [
            (str(s.pk), s.name) for s in services]
        if not cases:
            del self.fields["about_case"]

    def clean_about_case(self):
        value = self.cleaned_data.get("about_case") or ""
        return self.cases.get(value)

    def clean_about_service(self):
        value = self.cleaned_data.get("about_service") or ""
        return self.services.get(value)


class ContactForm(forms.Form):
    """Who is complaining, when they are not signed in."""

    first_name = forms.CharField(label="First name", max_length=100,
                                 error_messages={"required": "Enter your first name",
                                                 "max_length": "Must be 100 characters or fewer"})
    last_name = forms.CharField(label="Last name", max_length=100,
                                error_messages={"required": "Enter your last name",
                                                "max_length": "Must be 100 characters or fewer"})
    email = forms.EmailField(label="Email address (optional if you give a phone number)", required=False,
                             max_length=254, error_messages={"invalid": "Enter an email address like name@example.com"})
    phone = forms.CharField(label="Phone number (optional if you give an email address)", required=False,
                            max_length=20, error_messages={"max_length": "Must be 20 characters or fewer"})

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("email") or data.get("phone")):
            self.add_error("email", "Enter an email address or a phone number so we can reply")
        return data


class EscalateForm(forms.Form):
    reason = _text("Why are you not satisfied with our stage 1 response?", rows=6,
                   required_message="Tell us why you are not satisfied with our response")


class RespondForm(forms.Form):
    outcome = forms.ChoiceField(label="Decision", choices=Outcome.choices, widget=forms.RadioSelect,
                                error_messages={"required": "Choose whether the complaint is upheld, partly upheld "
                                                            "or not upheld"})
    reasons = _text("Reasons for the decision", rows=6, required_message="Explain the reasons for the decision")
    remedy = _text("Remedy: what we will do to put it right", required=False, rows=4,
                   help_text="An apology, a payment, a service put right. Needed unless not upheld.")


class ExtendForm(forms.Form):
    new_due = DateInputField(label="New response date", when="future", required=True)
    reason = _text("Reason the complainant will be given", rows=3, max_length=2000,
                   required_message="Enter why the complaint needs more time")


class ConvertForm(forms.Form):
    service = forms.ChoiceField(label="Which service should handle it?")
    reason = _text("What the resident will be told", rows=3, max_length=2000,
                   required_message="Explain to the resident why this is a service request")

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.services = {str(s.pk): s for s in services}
        self.fields["service"].choices = [("", "Choose a service")] + [(str(s.pk), s.name) for s in services]

    def clean_service(self):
        return self.services.get(self.cleaned_data.get("service") or "")


class LearningForm(forms.Form):
    action = forms.CharField(label="What will change", max_length=MAX_ACTION,
                             error_messages={"required": "Enter what will change",
                                             "max_length": f"Must be {MAX_ACTION} characters or fewer"})
    owner = forms.ChoiceField(label="Owner")
    due_on = DateInputField(label="Due date", when="today_or_future", required=True)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owners = {str(u.pk): u for u in owners}
        self.fields["owner"].choices = [("", "Choose the owner")] + [
            (str(u.pk), u.full_name or u.email) for u in owners]

    def clean_owner(self):
        return self.owners.get(self.cleaned_data.get("owner") or "")


class DoneForm(forms.Form):
    note = forms.CharField(label="What was done (optional)", max_length=500, required=False,
                           error_messages={"max_length": "Must be 500 characters or fewer"})


class OmbudsmanForm(forms.Form):
    decision = forms.ChoiceField(label="What the Ombudsman decided", choices=OmbudsmanDecision.choices,
                                 widget=forms.RadioSelect,
                                 error_messages={"required": "Choose what the Ombudsman decided"})
    notes = _text("Notes (optional)", required=False, rows=3)
