"""Forms for the administrator's team pages. Validation of who may be added lives in services.py."""
from __future__ import annotations

from django import forms

from .models import TEAM_ROLE_CHOICES, User

ROLE_CHOICES = [("member", "Member: works the team's cases"), ("leader", "Team leader: also allocates its work")]


class AddMemberForm(forms.Form):
    email = forms.EmailField(
        label="Email address of the member of staff", max_length=254,
        help_text="The address they sign in with", widget=forms.EmailInput(attrs={"autocomplete": "off",
                                                                                  "spellcheck": "false"}),
        error_messages={"required": "Enter the email address of the member of staff",
                        "invalid": "Enter an email address in the correct format, like name@example.org",
                        "max_length": "The email address must be 254 characters or fewer"},
    )
    role = forms.ChoiceField(label="Their role in the team", choices=ROLE_CHOICES, widget=forms.RadioSelect,
                             initial="member",
                             error_messages={"required": "Select their role in the team",
                                             "invalid_choice": "Select their role in the team"})

    def clean_email(self) -> User:
        email = self.cleaned_data["email"].strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise forms.ValidationError("There is no sign-in with that email address")
        return user


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Their role in the team", choices=ROLE_CHOICES, widget=forms.RadioSelect,
                             error_messages={"required": "Select their role in the team",
                                             "invalid_choice": "Select their role in the team"})
    team_role = forms.ChoiceField(
        label="A role for this team's work only", choices=TEAM_ROLE_CHOICES, widget=forms.RadioSelect,
        required=False, initial="",
        help_text="Lets them work this team's queue and cases without giving them that role anywhere else",
        error_messages={"invalid_choice": "Choose a role from the list"})
