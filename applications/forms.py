"""The officer's assessment form for a referred application."""
from __future__ import annotations

from typing import Any

from django import forms

from .services import MAX_TEXT  # one limit for the form and the service that enforces it


class DecisionForm(forms.Form):
    """Approve or refuse with reasons; carries the application version the officer saw (optimistic locking)."""

    decision = forms.ChoiceField(
        label="Decision", widget=forms.RadioSelect,
        choices=[("approve", "Approve: issue it, or ask the customer to pay the fee"),
                 ("refuse", "Refuse: tell the customer why and how to ask us to look again")],
        error_messages={"required": "Choose whether to approve or refuse the application",
                        "invalid_choice": "Choose approve or refuse"},
    )
    reasons = forms.CharField(
        label="Reasons for the decision", max_length=MAX_TEXT, strip=True,
        help_text="The customer is sent these reasons, so write them for the customer.",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter the reasons for the decision",
                        "max_length": f"The reasons must be {MAX_TEXT:,} characters or fewer"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1,
                                 error_messages={"required": "Reload the application and try again",
                                                 "invalid": "Reload the application and try again",
                                                 "min_value": "Reload the application and try again"})

    def __init__(self, *args: Any, application: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("version", application.version)
        super().__init__(*args, **kwargs)

    def clean_reasons(self) -> str:
        value = self.cleaned_data["reasons"]
        if "\x00" in value:
            raise forms.ValidationError("Enter the reasons as plain text")
        return value
