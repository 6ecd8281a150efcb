"""The sandbox card form. Card numbers and security codes are never rendered back into the page."""
from __future__ import annotations

import re

from django import forms
from django.utils import timezone

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
    expiry_month = forms.CharField(
        label="Month", max_length=2, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-exp-month",
                                                                   "class": "govuk-input--width-2"}),
        error_messages={"required": "Enter the expiry date", "max_length": "Enter a real expiry date"},
    )
    expiry_year = forms.CharField(
        label="Year", max_length=4, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "cc-exp-year",
                                                                  "class": "govuk-input--width-4"}),
        error_messages={"required": "Enter the expiry date", "max_length": "Enter a real expiry date"},
    )
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

    def clean(self):
        cleaned = super().clean()
        month, year = cleaned.get("expiry_month"), cleaned.get("expiry_year")
        if month is None or year is None:
            return cleaned
        if not (month.isascii() and month.isdigit() and year.isascii() and year.isdigit()) or len(year) not in (2, 4):
            self.add_error("expiry_month", "Enter a real expiry date")
            return cleaned
        m, y = int(month), int(year)
        if len(year) == 2:
            y += 2000
        if not 1 <= m <= 12:
            self.add_error("expiry_month", "Enter a real expiry date")
            return cleaned
        today = timezone.localdate()
        if (y, m) < (today.year, today.month):
            self.add_error("expiry_month", "The expiry date must be in the future")
        elif y > today.year + 20:
            self.add_error("expiry_month", "Enter a real expiry date")
        return cleaned
