"""The officer's assessment form for a referred application."""
from __future__ import annotations

from typing import Any

from decimal import Decimal

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


class RefundForm(forms.Form):
    """How much to refund of a permit that ended early, and why (the reason goes on the payment's record)."""

    amount = forms.DecimalField(
        label="Amount to refund, in pounds", min_value=Decimal("0.01"), max_value=Decimal("100000"),
        decimal_places=2, max_digits=8,
        error_messages={"required": "Enter the amount to refund", "invalid": "Enter the amount in pounds, like 32.50",
                        "min_value": "The amount must be at least 1p",
                        "max_value": "The amount must be £100,000 or less",
                        "max_decimal_places": "Enter the amount in pounds and pence, like 32.50",
                        "max_digits": "The amount must be £100,000 or less"},
    )
    reason = forms.CharField(label="Why it is being refunded", max_length=255,
                             help_text="Kept on the payment's record; the customer is not sent it.",
                             error_messages={"required": "Say why it is being refunded",
                                             "max_length": "Keep the reason to 255 characters or fewer"})

    def clean_reason(self) -> str:
        value = self.cleaned_data["reason"]
        if "\x00" in value:
            raise forms.ValidationError("Enter the reason as plain text")
        return value

    def key(self, request) -> str:
        """The page's submission key (new for each page shown), so a double click refunds once."""
        from oxtom.core.submissions import FIELD

        raw = request.POST.get(FIELD, "")
        return raw[:64] if raw else "no-key"


class RevokeForm(forms.Form):
    """Why an officer ends a permit, badge or pass in force (the holder is sent it)."""

    reason = forms.CharField(
        label="Why it is being revoked", max_length=500, strip=True,
        help_text="The customer is sent this, so write it for them.", widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why it is being revoked",
                        "max_length": "Keep the reason to 500 characters or fewer"})


class FindEntitlementForm(forms.Form):
    """An officer finds a permit, badge or pass by its number (it may have been issued with no case)."""

    number = forms.CharField(
        label="Permit, badge or pass number", max_length=20, strip=True,
        help_text="For example, RP-7M7KK9D4. Only your teams' services are searched.",
        error_messages={"required": "Enter the number of the permit, badge or pass",
                        "max_length": "Permit, badge and pass numbers are 20 characters or fewer"})
