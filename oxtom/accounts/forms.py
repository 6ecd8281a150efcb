"""Residents' sign-up form: allauth's, with GOV.UK wording and the name for the customer record."""
from __future__ import annotations

import unicodedata

from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ReauthenticateForm as AllauthPasswordReauthenticateForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SetPasswordForm as AllauthSetPasswordForm
from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from django import forms
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

ALLAUTH_MISMATCH = _("You must type the same password each time.")

# NCSC: allow long passphrases, but bound the work a single request can cause.
PASSWORD_MAX_LENGTH = 256
NAME_PUNCTUATION = set(" -'’.")
NEW_PASSWORD_HINT = (
    "Use at least 10 characters. A few words strung together are easy to remember and hard to guess. "
    "You can use any characters you like."
)
EMAIL_MESSAGES = {
    "required": "Enter your email address",
    "invalid": "Enter an email address in the correct format, like name@example.com",
    "max_length": "Email address must be 254 characters or fewer",
}


def _gds_email(field: forms.Field, label: str = "Email address") -> None:
    field.label = label
    field.error_messages.update(EMAIL_MESSAGES)
    field.widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
    field.widget.attrs.pop("placeholder", None)


def _gds_new_password(form: forms.Form, first: str = "password1", second: str = "password2") -> None:
    form.fields[first].label = "Create a password"
    form.fields[first].help_text = NEW_PASSWORD_HINT
    form.fields[first].error_messages["required"] = "Enter a password"
    if second in form.fields:
        form.fields[second].label = "Confirm your password"
        form.fields[second].help_text = ""
        form.fields[second].error_messages["required"] = "Confirm your password"


def _gds_password_mismatch(form: forms.Form, cleaned: dict, first: str = "password1", second: str = "password2") -> None:
    """allauth says "You must type the same password each time."; GOV.UK wording is shorter."""
    if second in form.errors:
        form.errors[second] = form.error_class(
            ["Passwords must match" if str(e) == str(ALLAUTH_MISMATCH) else e for e in form.errors[second]]
        )


def _check_password_length(value: str) -> str:
    if len(value) > PASSWORD_MAX_LENGTH:
        raise forms.ValidationError(f"Password must be {PASSWORD_MAX_LENGTH} characters or fewer")
    return value


class NewPasswordMixin:
    """GOV.UK wording, a length bound and a plain mismatch message for any form that sets a password."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _gds_new_password(self)

    def clean_password1(self) -> str:
        return _check_password_length(self.cleaned_data.get("password1", ""))

    def clean(self) -> dict:
        cleaned = super().clean()
        _gds_password_mismatch(self, cleaned)
        return cleaned


class LoginForm(AllauthLoginForm):
    """Sign in with email address and password."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _gds_email(self.fields["login"])
        self.fields["login"].help_text = ""
        password = self.fields["password"]
        password.help_text = ""  # the page links to password reset itself
        password.error_messages["required"] = "Enter your password"
        password.widget.attrs.pop("placeholder", None)


class ResetPasswordForm(AllauthResetPasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _gds_email(self.fields["email"])


class ResetPasswordKeyForm(NewPasswordMixin, AllauthResetPasswordKeyForm):
    pass


class ChangePasswordForm(NewPasswordMixin, AllauthChangePasswordForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["oldpassword"].label = "Current password"
        self.fields["oldpassword"].error_messages["required"] = "Enter your current password"
        self.fields["oldpassword"].help_text = ""


class SetPasswordForm(NewPasswordMixin, AllauthSetPasswordForm):
    pass


class AddEmailForm(AllauthAddEmailForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _gds_email(self.fields["email"], label="New email address")


class PasswordReauthenticateForm(AllauthPasswordReauthenticateForm):
    """Asked before sensitive changes (two-factor set-up, email changes)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        password = self.fields["password"]
        password.help_text = ""
        password.error_messages["required"] = "Enter your password"
        password.widget.attrs.pop("placeholder", None)


class AuthenticateForm(AllauthAuthenticateForm):
    """The second sign-in step: a code from the authenticator app, or a recovery code."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = "Security code"
        code.help_text = "The 6-digit code from your app, or a recovery code."
        code.error_messages["required"] = "Enter your security code"
        code.max_length = 64
        code.widget.attrs.update({"inputmode": "text", "spellcheck": "false", "class": "govuk-input--width-10"})
        code.widget.attrs.pop("placeholder", None)


class ReauthenticateForm(AllauthReauthenticateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = "Security code"
        code.error_messages["required"] = "Enter your security code"
        code.widget.attrs.update({"class": "govuk-input--width-10"})
        code.widget.attrs.pop("placeholder", None)


class ActivateTOTPForm(AllauthActivateTOTPForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = "Code from the app"
        code.help_text = "The 6-digit code the app shows for this account."
        code.error_messages["required"] = "Enter the 6-digit code from the app"
        code.widget.attrs.update({"inputmode": "numeric", "class": "govuk-input--width-5"})
        code.widget.attrs.pop("placeholder", None)


class SignupForm(AllauthSignupForm):
    """Residents' sign-up: email, full name and a password typed twice.

    Password rules are length and a common-password blocklist only (NCSC
    guidance; AUTH_PASSWORD_VALIDATORS): no composition rules.
    """

    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        help_text="As you would like us to address you.",
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your full name",
            "max_length": "Full name must be 150 characters or fewer",
        },
    )
    field_order = ["full_name", "email", "password1", "password2"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _gds_email(self.fields["email"])
        self.fields["email"].help_text = "We will send you a link to confirm it."
        _gds_new_password(self)

    def clean_email(self) -> str:
        value = self.cleaned_data.get("email", "")
        if len(value) > 254:
            raise forms.ValidationError(self.fields["email"].error_messages["max_length"])
        return super().clean_email()

    def clean_full_name(self) -> str:
        value = unicodedata.normalize("NFC", " ".join(self.cleaned_data["full_name"].split()))
        if not value:
            raise forms.ValidationError("Enter your full name")
        if not any(ch.isalpha() for ch in value) or any(
            not (ch.isalpha() or ch in NAME_PUNCTUATION) for ch in value
        ):
            raise forms.ValidationError("Full name must only include letters, spaces, hyphens and apostrophes")
        return value

    def clean_password1(self) -> str:
        return _check_password_length(self.cleaned_data.get("password1", ""))

    def clean(self) -> dict:
        cleaned = super().clean()
        _gds_password_mismatch(self, cleaned)
        return cleaned

    def try_save(self, request):
        """Create the account; a twin sign-up that took the email first is answered as any duplicate is.

        Why: two identical sign-ups at the same moment (a double click, a
        retry) both pass the uniqueness check and the second then broke the
        unique index with a 500. Losing the race is the duplicate case: no new
        account, the "you already have an account" email, and the same page
        as a new sign-up (no enumeration). The savepoint leaves nothing half-made.
        """
        try:
            with transaction.atomic():
                return super().try_save(request)
        except IntegrityError:
            self.account_already_exists = True
            return super().try_save(request)

    def save(self, request):
        user = super().save(request)
        user.full_name = self.cleaned_data["full_name"]
        user.roles = ["resident"]
        user.save(update_fields=["full_name", "roles"])
        return user
