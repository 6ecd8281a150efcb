"""Forms collect what people typed; the services validate and save it.

Field rules (postcode shape, phone numbers, name characters, date of birth)
live in validation.py and are applied by the services, whose
ValidationError messages the views attach back onto these forms. That way a
form, an API and a bulk loader can't disagree about what is valid.
"""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from oxtom.core.forms import DateInputField

from .models import CONSENT_WORDING_ONLINE, INTEREST_CHOICES, Channel, Consent, Customer, PreferredChannel
from .validation import (
    DATE_OF_BIRTH_EARLIEST,
    REASONABLE_ADJUSTMENTS_MAX_LENGTH,
    contact_outcome_errors,
    field_errors,
)

# Enough for any real value; the services give the precise limits with clear messages.
# Anything longer is refused here so a pasted essay never reaches the database layer.
_LIMIT = 1000


def _text(label: str, *, hint: str = "", required: bool = False, autocomplete: str = "", width: str = "") -> forms.CharField:
    attrs = {"spellcheck": "false"}
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    if width:
        attrs["class"] = width
    return forms.CharField(
        label=label, help_text=hint, required=required, max_length=_LIMIT, strip=True,
        widget=forms.TextInput(attrs=attrs),
        error_messages={"max_length": f"{label} is too long", "required": f"Enter {label.lower()}"},
    )


class _ShowsAllErrorsAtOnce:
    """Run the record's field rules during form validation too, so every message shows in one go.

    The service applies the same rules (and the rules across fields) again when saving.
    """

    def clean(self):
        cleaned = super().clean()
        for name, messages in field_errors(cleaned).items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, messages)
        return cleaned


class CustomerForm(_ShowsAllErrorsAtOnce, forms.Form):
    """The staff form for creating or changing a customer record."""

    kind = forms.ChoiceField(
        label="Is this a person or an organisation?", choices=Customer.Kind.choices, widget=forms.RadioSelect,
        initial=Customer.Kind.PERSON,
        error_messages={"required": "Select whether this is a person or an organisation",
                        "invalid_choice": "Select whether this is a person or an organisation"},
    )
    title = _text("Title (optional)", autocomplete="honorific-prefix", width="govuk-input--width-5")
    first_name = _text("First name", autocomplete="given-name", width="govuk-!-width-one-half")
    last_name = _text("Last name", autocomplete="family-name", width="govuk-!-width-one-half")
    organisation_name = _text("Organisation name", hint="Only for organisations")
    date_of_birth = DateInputField(label="Date of birth (optional)", what="Date of birth", when="past",
                                   earliest=DATE_OF_BIRTH_EARLIEST, autocomplete="bday")
    email = _text("Email address", autocomplete="email")
    phone = _text("Telephone number", hint="For example, 01865 792422 or 07700 900 982",
                  autocomplete="tel", width="govuk-input--width-20")
    address_line_1 = _text("Address line 1", autocomplete="address-line1")
    address_line_2 = _text("Address line 2 (optional)", autocomplete="address-line2")
    town = _text("Town or city", autocomplete="address-level2", width="govuk-!-width-two-thirds")
    postcode = _text("Postcode", autocomplete="postal-code", width="govuk-input--width-10")
    uprn = _text("UPRN (optional)", hint="The property's Unique Property Reference Number, if known",
                 width="govuk-input--width-20")
    preferred_channel = forms.ChoiceField(
        label="How would they like us to contact them?", choices=PreferredChannel.choices,
        widget=forms.RadioSelect, initial=PreferredChannel.EMAIL,
        error_messages={"required": "Select how they would like us to contact them",
                        "invalid_choice": "Select how they would like us to contact them"},
    )
    interests = forms.MultipleChoiceField(
        label="Interests (optional)", choices=INTEREST_CHOICES, required=False,
        widget=forms.CheckboxSelectMultiple, error_messages={"invalid_choice": "Select interests from the list"},
    )
    reasonable_adjustments = forms.CharField(
        label="Reasonable adjustments (optional)", required=False, max_length=_LIMIT * 3,
        help_text="Anything we should do differently when contacting or helping them, like large print or a BSL interpreter",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Reasonable adjustments must be 2000 characters or fewer"},
    )
    reasonable_adjustments.character_limit = REASONABLE_ADJUSTMENTS_MAX_LENGTH  # the record's rule (validation.py)

    def customer_data(self) -> dict:
        """The cleaned values as a dict for customer_create / customer_update."""
        return {name: self.cleaned_data.get(name) for name in self.fields if name not in ("channel", "create_anyway")}


class StaffCustomerCreateForm(CustomerForm):
    field_order = ["channel"]  # asked first, so the error summary follows the page order
    channel = forms.ChoiceField(
        label="How is the customer in touch with us?",
        choices=[(c, label) for c, label in Channel.choices if c in ("phone", "face_to_face", "email", "webchat", "post")],
        widget=forms.RadioSelect, initial=Channel.PHONE,
        error_messages={"required": "Select how the customer is in touch with us",
                        "invalid_choice": "Select how the customer is in touch with us"},
    )


class ResidentDetailsForm(_ShowsAllErrorsAtOnce, forms.Form):
    """What residents may change about themselves. Their email is their sign-in, changed in account settings."""

    first_name = _text("First name", autocomplete="given-name", required=True)
    last_name = _text("Last name", autocomplete="family-name", required=True)
    phone = _text("Telephone number (optional)", hint="For example, 01865 792422 or 07700 900 982",
                  autocomplete="tel", width="govuk-input--width-20")
    address_line_1 = _text("Address line 1", autocomplete="address-line1")
    address_line_2 = _text("Address line 2 (optional)", autocomplete="address-line2")
    town = _text("Town or city", autocomplete="address-level2", width="govuk-!-width-two-thirds")
    postcode = _text("Postcode", autocomplete="postal-code", width="govuk-input--width-10")
    preferred_channel = forms.ChoiceField(
        label="How would you like us to contact you?", choices=PreferredChannel.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select how you would like us to contact you",
                        "invalid_choice": "Select how you would like us to contact you"},
    )

    interests = forms.MultipleChoiceField(
        label="What would you like to hear about? (optional)", choices=INTEREST_CHOICES, required=False,
        widget=forms.CheckboxSelectMultiple, error_messages={"invalid_choice": "Select interests from the list"},
    )

    # Whose record the form was shown for: an adviser's stale form for another
    # customer is refused inside an acting-for session (AssistSessionMiddleware).
    customer_reference = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].error_messages["required"] = "Enter your first name"
        self.fields["last_name"].error_messages["required"] = "Enter your last name"

    def customer_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "customer_reference"}


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search for a customer", max_length=100, required=True, strip=True,
        help_text="Name, customer reference, postcode, email address, telephone number or date of birth (like 27/3/1987). "
        "Add a postcode or date of birth after a name to narrow it, like John Smith OX1 1DS",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        error_messages={"required": "Enter something to search for",
                        "max_length": "Search must be 100 characters or fewer"},
    )


class WiderSearchForm(SearchForm):
    """For staff who see only the customers behind their own work: searching every record needs a reason."""

    reason = forms.CharField(
        label="Why do you need to search all customer records?", max_length=300, required=False, strip=True,
        help_text="Only if the customer has no case with your team. Your reason is recorded and reported to the "
        "data protection lead, and the records found open for an hour",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"max_length": "The reason must be 300 characters or fewer"},
    )


class MergeChooseForm(forms.Form):
    survivor_reference = forms.CharField(
        label="Reference of the record to keep", max_length=20, required=True,
        help_text="The other record stays as a closed record pointing at this one. For example, CU7KXMQ3TA",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false", "autocomplete": "off"}),
        error_messages={"required": "Enter the reference of the record to keep",
                        "max_length": "Enter a customer reference, like CU7KXMQ3TA"},
    )


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(
        label="What is the consent for?", choices=Consent.Purpose.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select what the consent is for", "invalid_choice": "Select what the consent is for"},
    )
    granted = forms.ChoiceField(
        label="What did the customer decide?", choices=[("yes", "Gave consent"), ("no", "Withdrew or refused consent")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what the customer decided", "invalid_choice": "Select what the customer decided"},
    )
    wording = forms.CharField(
        label="What the customer was told", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The exact words you read out or they were shown",
        error_messages={"required": "Enter the wording the customer was shown or told",
                        "max_length": "Wording must be 2000 characters or fewer"},
    )
    channel = StaffCustomerCreateForm.base_fields["channel"]


class ResidentConsentsForm(forms.Form):
    """One yes/no question per consent purpose, worded exactly as we record it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for purpose, wording in CONSENT_WORDING_ONLINE.items():
            self.fields[purpose.value] = forms.ChoiceField(
                label=wording, choices=[("yes", "Yes"), ("no", "No")], widget=forms.RadioSelect,
                error_messages={"required": "Select yes or no", "invalid_choice": "Select yes or no"},
            )


# --- assisted digital ------------------------------------------------------------------------

from .assist_defaults import COACHING_JOURNEYS  # noqa: E402
from .models import ContactOutcome, ContactReason  # noqa: E402
from .services import MAX_CHAT_MESSAGE  # noqa: E402

_ASSIST_CHANNEL_CHOICES = [("phone", "Telephone"), ("face_to_face", "Face to face"), ("webchat", "Webchat")]
_CONTACT_CHANNEL_CHOICES = _ASSIST_CHANNEL_CHOICES + [("email", "Email"), ("post", "Post")]


def _radio(label: str, choices, message: str, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=choices, widget=forms.RadioSelect,
                             error_messages={"required": message, "invalid_choice": message}, **kwargs)


class ContactLogForm(forms.Form):
    """A contact that needed no service request."""

    channel = _radio("How did they contact us?", _CONTACT_CHANNEL_CHOICES, "Select how they contacted us",
                     initial="phone")
    reason = forms.ModelChoiceField(
        label="Why did they contact us?", queryset=ContactReason.objects.filter(active=True),
        empty_label="Select a reason",
        error_messages={"required": "Select why they contacted us", "invalid_choice": "Select why they contacted us"},
    )
    outcome = _radio("What happened?", ContactOutcome.choices, "Select what happened")
    signposted_to = forms.CharField(
        label="Who did you signpost them to?", required=False, max_length=200,
        help_text="Only if you signposted them, like Age UK Oxfordshire or the district council",
        error_messages={"max_length": "Who you signposted them to must be 200 characters or fewer"},
    )
    first_contact_resolved = _radio("Was it resolved at this first contact?", [("yes", "Yes"), ("no", "No")],
                                    "Select yes if it was resolved at this first contact")
    notes = forms.CharField(
        label="Notes (optional)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Notes must be 2000 characters or fewer"},
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def clean(self):
        # The rules between answers, here too so they show with the other messages in one go.
        cleaned = super().clean()
        resolved = cleaned.get("first_contact_resolved")
        for name, message in contact_outcome_errors(
            outcome=cleaned.get("outcome") or "", signposted_to=cleaned.get("signposted_to") or "",
            first_contact_resolved=None if not resolved else resolved == "yes",
        ).items():
            if name not in self.errors:
                self.add_error(name, message)
        return cleaned


class StartSessionForm(forms.Form):
    channel = _radio("How are you helping them?", _ASSIST_CHANNEL_CHOICES, "Select how you are helping the customer",
                     initial="phone")
    customer_present = _radio("Is the customer with you or on the line now?", [("yes", "Yes"), ("no", "No")],
                              "Select yes if the customer is with you or on the line")


class CoachingForm(forms.Form):
    journey = _radio("What do they want to do online?", [(c, label) for c, label, _ in COACHING_JOURNEYS],
                     "Select what they want to do online")
    send_by = _radio("How should we send the link?",
                     [("", "Their preferred way"), ("email", "Email"), ("sms", "Text message")],
                     "Select how to send the link", required=False)
    channel = _radio("How are you in touch with them?", _CONTACT_CHANNEL_CHOICES,
                     "Select how you are helping the customer", initial="phone")


class ChatMessageForm(forms.Form):
    """One chat message. Long or marked-up text is refused by services.clean_chat_text with its own words."""

    message = forms.CharField(
        label="Your message", max_length=20000, widget=forms.Textarea(attrs={"rows": 3}), strip=True,
        error_messages={"required": "Enter a message", "max_length": "Your message must be 1000 characters or fewer"},
    )
    message.character_limit = MAX_CHAT_MESSAGE  # services.clean_chat_text enforces it, with its own words
    client_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
