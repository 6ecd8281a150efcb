"""Forms for the onboarding, leavers and IT request pages. Rules live in the services; these only parse input."""
from __future__ import annotations

from django import forms

from oxtom.core.forms import DateInputField

from .models import AccessRequest
from .services import MAX_DETAILS, MAX_MESSAGE, SYSTEMS


class BuddyForm(forms.Form):
    buddy_email = forms.EmailField(label="Buddy's email address", max_length=254,
                                   help_text="A colleague in the starter's team who will welcome them",
                                   error_messages={"required": "Enter the buddy's email address",
                                                   "invalid": "Enter an email address, like name@oxtom.example"})


class StartDateForm(forms.Form):
    start_date = DateInputField(label="Start date", required=True, when="today_or_future")


class MessageForm(forms.Form):
    text = forms.CharField(label="Your message", widget=forms.Textarea(attrs={"rows": 5}), max_length=MAX_MESSAGE,
                           error_messages={"required": "Enter your message",
                                           "max_length": f"Your message must be {MAX_MESSAGE:,} characters or fewer"})


class LeaverForm(forms.Form):
    account = forms.TypedChoiceField(label="Who is leaving?", coerce=int, choices=(),
                                     error_messages={"required": "Choose who is leaving",
                                                     "invalid_choice": "Choose someone you manage"})
    last_working_day = DateInputField(label="Last working day", required=True, when="today_or_future")

    def __init__(self, *args, reports=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [(r.staff_id, str(r.staff)) for r in reports]


class RoleChangeForm(forms.Form):
    account = forms.TypedChoiceField(label="Who is changing role?", coerce=int, choices=(),
                                     error_messages={"required": "Choose who is changing role",
                                                     "invalid_choice": "Choose someone you manage"})
    role_profile = forms.TypedChoiceField(label="New role", coerce=int, choices=(),
                                          error_messages={"required": "Choose the new role",
                                                          "invalid_choice": "Choose a role from the list"})

    def __init__(self, *args, reports=(), profiles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [(r.staff_id, str(r.staff)) for r in reports]
        self.fields["role_profile"].choices = [(p.pk, str(p)) for p in profiles]


class AccessRequestForm(forms.Form):
    kind = forms.ChoiceField(label="What do you need?", choices=AccessRequest.Kind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose a password reset or access",
                                             "invalid_choice": "Choose a password reset or access"})
    system = forms.ChoiceField(label="Which system?", choices=SYSTEMS, widget=forms.RadioSelect,
                               error_messages={"required": "Choose the system", "invalid_choice": "Choose the system"})
    details = forms.CharField(label="Details (optional for a password reset)", required=False, max_length=MAX_DETAILS,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text="For access: what you need and why. Never write a password here.",
                              error_messages={"max_length": f"Details must be {MAX_DETAILS:,} characters or fewer"})


class CheckForm(forms.Form):
    confirmed = forms.TypedChoiceField(label="Is this request really from them?", widget=forms.RadioSelect,
                                       coerce=lambda v: v == "yes",
                                       choices=[("yes", "Yes, I have checked it is them"),
                                                ("no", "No, or I cannot check")],
                                       error_messages={"required": "Say whether the request is from them",
                                                       "invalid_choice": "Say whether the request is from them"})
