from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


from .inbound import MAX_MESSAGE_CHARS


class SimulateReplyForm(forms.Form):
    """The dev page's stand-in for a resident texting us back."""

    from_number = forms.CharField(
        label="Mobile number the reply comes from",
        help_text="For example, 07700 900 982",
        max_length=30,
        error_messages={
            "required": "Enter the mobile number the reply comes from",
            "max_length": "Enter a UK mobile number, like 07700 900 982",
        },
    )
    message = forms.CharField(
        label="Text message",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_MESSAGE_CHARS,
        strip=False,
        error_messages={
            "required": "Enter the text message",
            "max_length": f"Text message must be {MAX_MESSAGE_CHARS:,} characters or fewer",
        },
    )

    def clean_from_number(self) -> str:
        from .services import is_mobile, to_e164

        number = to_e164(self.cleaned_data["from_number"])
        if not number or not is_mobile(number):
            raise ValidationError("Enter a UK mobile number, like 07700 900 982")
        return number

    def clean_message(self) -> str:
        message = self.cleaned_data["message"]
        if not message.strip():
            raise ValidationError("Enter the text message")
        return message
