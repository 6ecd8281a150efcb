"""The sandbox card form. Card numbers and security codes are never rendered back into the page."""
from __future__ import annotations

import re

from django import forms
from django.utils import timezone

from oxtom.core.forms import DateInputField

from .providers.sandbox import TEST_CARDS


class BlankTextInput(forms.TextInput):
    """A text input that never echoes what was typed (card number, security code) after an error."""

    def format_value(self, value):
        return None


def luhn_ok(number: str) -> bool:
    total = 0
    for index, digit in enumerate(reversed(number)):
        value = int(digit)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


class CardForm(forms.Form):
    card_number = forms.CharField(
        label="Card number", max_length=40, strip=True,
        widget=BlankTextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric", "spellcheck": "false",
                                     "class": "govuk-input--width-20"}),
        error_messages={"required": "Enter a card number", "max_length": "Enter a valid card number",
                        "null_characters_not_allowed": "Enter a valid card number"},
    )
    # One field for both boxes (posted as expiry_month and expiry_year), so one error message.
    expiry = DateInputField(label="Card expiry date", what="The expiry date", parts=("month", "year"), required=True,
                            when="today_or_future", two_digit_year=True, autocomplete="cc-exp",
                            help_text="For example, 03 30", required_message="Enter the expiry date")
    cardholder_name = forms.CharField(
        label="Name on card", max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "cc-name", "spellcheck": "false"}),
        error_messages={"required": "Enter the name as it appears on the card",
                        "max_length": "Name on card must be 100 characters or fewer",
                        "null_characters_not_allowed": "Name on card must only include letters, spaces and punctuation"},
    )
    cvc = forms.CharField(
        label="Card security code", max_length=4, help_text="The last 3 digits on the back of the card",
        widget=BlankTextInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric", "class": "govuk-input--width-4"}),
        error_messages={"required": "Enter the card security code", "max_length": "Enter a valid card security code",
                        "null_characters_not_allowed": "Enter a valid card security code"},
    )

    def clean_card_number(self) -> str:
        number = re.sub(r"[\s-]", "", self.cleaned_data["card_number"])
        if not number.isdigit() or not 12 <= len(number) <= 19 or not number.isascii() or not luhn_ok(number):
            raise forms.ValidationError("Enter a valid card number")
        if number not in TEST_CARDS:
            raise forms.ValidationError("This is the sandbox: enter one of the test card numbers, "
                                        "such as 4444 3333 2222 1111")
        return number

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"]
        if not (cvc.isascii() and cvc.isdigit() and len(cvc) in (3, 4)):
            raise forms.ValidationError("Enter a valid card security code")
        return cvc

    def clean_cardholder_name(self) -> str:
        name = self.cleaned_data["cardholder_name"]
        if any(ord(ch) < 32 for ch in name):
            raise forms.ValidationError("Name on card must only include letters, spaces and punctuation")
        return name

    def clean_expiry(self):
        expiry = self.cleaned_data["expiry"]
        if expiry.year > timezone.localdate().year + 20:
            raise forms.ValidationError("The expiry date must be a real date")
        return expiry
