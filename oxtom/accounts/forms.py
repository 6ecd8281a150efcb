from __future__ import annotations

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms


class SignupForm(AllauthSignupForm):
    """Residents' sign-up: email, password and their name for the customer record."""

    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        help_text="As you would like us to address you.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def clean_full_name(self) -> str:
        value = " ".join(self.cleaned_data["full_name"].split())
        if not value:
            raise forms.ValidationError("Enter your full name")
        if any(ch in value for ch in "<>{}"):
            raise forms.ValidationError("Full name must only include letters, spaces, hyphens and apostrophes")
        return value

    def save(self, request):
        user = super().save(request)
        user.full_name = self.cleaned_data["full_name"]
        user.roles = ["resident"]
        user.save(update_fields=["full_name", "roles"])
        return user
