"""FOI forms: shape and length only; the rules are in services.py."""
from __future__ import annotations

from django import forms

from oxtom.accounts.models import Team
from oxtom.core.forms import DateInputField

from .models import InternalReview, Outcome, REFUSALS, Regime

REGIME_CHOICES = [(Regime.FOI, "FOI: recorded information"), (Regime.EIR, "EIR: environmental information")]


class SearchForm(forms.Form):
    q = forms.CharField(label="Search published responses", required=False, max_length=200,
                        help_text="For example: potholes 2025, school transport costs, agency staff spend")


class RequestForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=200,
                           error_messages={"required": "Enter your name", "max_length": "Name must be 200 characters or fewer"})
    email = forms.EmailField(label="Email address (optional if you give a postal address)", required=False,
                             max_length=254, error_messages={"invalid": "Enter an email address like name@example.com"})
    address_line_1 = forms.CharField(label="Postal address: first line (optional)", required=False, max_length=100)
    town = forms.CharField(label="Town (optional)", required=False, max_length=100)
    postcode = forms.CharField(label="Postcode (optional)", required=False, max_length=10)
    request_text = forms.CharField(
        label="What information do you want?", widget=forms.Textarea(attrs={"rows": 8}), max_length=20000,
        help_text="Describe the information as clearly as you can, with dates or places if they help",
        error_messages={"required": "Describe the information you want",
                        "max_length": "Your request must be 20,000 characters or fewer"})


class LogForm(RequestForm):
    received_on = DateInputField(label="Date received", when="today_or_past")
    channel = forms.ChoiceField(label="How it arrived", choices=[("email", "Email"), ("post", "Post")],
                                widget=forms.RadioSelect, error_messages={"required": "Choose how it arrived"})
    regime = forms.ChoiceField(label="Regime", choices=REGIME_CHOICES, widget=forms.RadioSelect, initial=Regime.FOI)


class TriageForm(forms.Form):
    valid = forms.ChoiceField(label="Is it a valid request?", widget=forms.RadioSelect,
                              choices=[("yes", "Yes: it names the requester, gives an address and describes information"),
                                       ("no", "No: it needs clarifying first")],
                              error_messages={"required": "Say whether it is a valid request"})
    regime = forms.ChoiceField(label="Regime", choices=REGIME_CHOICES, widget=forms.RadioSelect)
    topic = forms.CharField(label="Topic (for trends)", max_length=80, required=False)
    names_in_scope = forms.CharField(label="People named in or by the request (one a line, optional)", required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    already_published = forms.CharField(label="Already published: disclosure log reference (optional)", required=False,
                                        max_length=20)
    note = forms.CharField(label="Triage note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=5000)


class RegimeForm(forms.Form):
    regime = forms.ChoiceField(label="Change the regime to", choices=REGIME_CHOICES, widget=forms.RadioSelect)
    reason = forms.CharField(label="Why", max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class TextForm(forms.Form):
    text = forms.CharField(label="Details", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "Enter the details", "max_length": "Must be 5,000 characters or fewer"})

    def __init__(self, *args, label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["text"].label = label


class AllocateForm(forms.Form):
    team = forms.ModelChoiceField(label="Service that holds the information", queryset=Team.objects.order_by("name"),
                                  error_messages={"required": "Choose the service"})
    asked = forms.CharField(label="What they need to provide", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    due_on = DateInputField(label="Reply by", when="today_or_future")


class InformationForm(forms.Form):
    information = forms.CharField(label="What the service provided", max_length=100000,
                                  widget=forms.Textarea(attrs={"rows": 4}))


class AllocationReplyForm(forms.Form):
    """The holding service's reply: the information (or where it is), a file, or both."""

    information = forms.CharField(label="The information, or a note about it", max_length=100000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 6}),
                                  help_text="For example the figures asked for, or that the information is not "
                                            "held and why")
    file = forms.FileField(label="Attach the information (optional)", required=False,
                           help_text="A PDF, Word document (DOCX), Excel spreadsheet (XLSX) or CSV file, smaller "
                                     "than 10MB", error_messages={"empty": "The selected file is empty"})


class ExemptionForm(forms.Form):
    provision = forms.CharField(label="Section or regulation", max_length=40,
                                help_text="For example section 40(2), section 43(2) or regulation 12(5)(e)")
    public_interest = forms.CharField(label="Public interest test (for and against disclosure)", required=False,
                                      max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class RefusalForm(forms.Form):
    ground = forms.ChoiceField(label="Why is it refused?", widget=forms.RadioSelect,
                               choices=[(o.value, o.label) for o in REFUSALS])
    estimated_hours = forms.DecimalField(label="Estimated hours (cost limit only)", required=False, max_digits=6,
                                         decimal_places=1, min_value=0)
    reasons = forms.CharField(label="Reasons", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class DraftForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=[(o.value, o.label) for o in Outcome if o not in REFUSALS])
    response_text = forms.CharField(label="Response", max_length=100000, widget=forms.Textarea(attrs={"rows": 10}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label="Attachment (PDF, DOCX, XLSX or CSV, up to 10MB)",
                           error_messages={"required": "Choose a file"})


class HitForm(forms.Form):
    action = forms.ChoiceField(choices=[("redact", "Redact"), ("clear", "Clear")])
    note = forms.CharField(required=False, max_length=500, label="Why it can be disclosed")


class PublicationForm(forms.Form):
    publish = forms.ChoiceField(label="Publish in the disclosure log?", widget=forms.RadioSelect,
                                choices=[("yes", "Yes"), ("no", "No")])
    reason = forms.CharField(label="Why not (if not)", required=False, max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ReviewDecideForm(forms.Form):
    result = forms.ChoiceField(label="Result", choices=InternalReview.Result.choices, widget=forms.RadioSelect)
    reasons = forms.CharField(label="Reasons", max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class DatasetForm(forms.Form):
    title = forms.CharField(label="Dataset", max_length=200)
    reason = forms.CharField(label="Why publish it routinely", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewAskForm(forms.Form):
    """The requester asks for an internal review of our response (bas.foi.services.foi_review_open)."""

    grounds = forms.CharField(
        label="Why are you unhappy with our response?", max_length=2000, widget=forms.Textarea(attrs={"rows": 6}),
        help_text="For example, information you think we hold but did not send, or an exemption you think is wrong",
        error_messages={"required": "Tell us why you are unhappy with our response",
                        "max_length": "Must be 2,000 characters or fewer"})
