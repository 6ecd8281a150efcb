"""Validation and normalisation of the customer record's fields.

Pure functions: each returns the normalised value or raises a Django
ValidationError with a GOV.UK-style message, so forms, services and bulk
loaders all apply the same rules.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as _django_validate_email
from django.utils import timezone

POSTCODE_MESSAGE = "Enter a real postcode, like OX1 1DS"
PHONE_MESSAGE = "Enter a telephone number, like 01865 792422, 07700 900 982 or +44 808 157 0192"
EMAIL_MESSAGE = "Enter an email address in the correct format, like name@example.com"

# UK postcode shape (outward code: area + district; inward code: sector + unit).
# Inward unit letters never include C, I, K, M, O or V. GIR 0AA is Girobank's.
_POSTCODE_RE = re.compile(
    r"^(?:GIR ?0AA|(?P<outward>[A-Z]{1,2}[0-9][A-Z0-9]?) ?(?P<inward>[0-9][ABD-HJLNP-UW-Z]{2}))$"
)
_OUTWARD_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")

NAME_MAX_LENGTH = 100
ORGANISATION_NAME_MAX_LENGTH = 200
# Letters from any alphabet, spaces, and the punctuation real names carry
# (O'Brien, Smith-Jones, St. John, D’Arcy). Anything else (<, >, digits, ;) is refused,
# which keeps markup and injection-shaped strings out of the record.
_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '’.\-][^\W\d_]*)*$")
_ORGANISATION_RE = re.compile(r"^[\w &'’.,()\-/+!:]+$")


def _clean_text(value: object) -> str:
    """Strip, collapse internal whitespace and apply Unicode NFC so equal names compare equal."""
    text = unicodedata.normalize("NFC", str(value or ""))
    return " ".join(text.split())


def normalise_postcode(value: object) -> str:
    """'ox11ds ' -> 'OX1 1DS'. Raises ValidationError for anything that isn't UK postcode-shaped."""
    raw = str(value or "")
    if len(raw) > 20:  # don't run regexes over pasted essays
        raise ValidationError(POSTCODE_MESSAGE, code="invalid_postcode")
    compact = "".join(raw.split()).upper()
    if not compact:
        raise ValidationError("Enter a postcode", code="required")
    if len(compact) < 5 or len(compact) > 7 or not _POSTCODE_RE.match(compact):
        raise ValidationError(POSTCODE_MESSAGE, code="invalid_postcode")
    return f"{compact[:-3]} {compact[-3:]}"


def is_outward_code(value: str) -> bool:
    """True for the first half of a postcode on its own, like 'OX1' or 'OX10'."""
    return bool(_OUTWARD_RE.match("".join(str(value or "").split()).upper()))


def normalise_phone(value: object) -> str:
    """A UK (or international, with +) phone number in E.164, e.g. '+441865792422'."""
    raw = str(value or "").strip()
    if not raw:
        raise ValidationError("Enter a telephone number", code="required")
    if len(raw) > 30 or not re.fullmatch(r"[0-9+()\- .]+", raw):
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException:
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone") from None
    if not (phonenumbers.is_valid_number(number) or _is_drama_number(number)):
        raise ValidationError(PHONE_MESSAGE, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Ofcom reserves these UK ranges for drama and testing, so no real person is ever rung or
# texted by demo data or tests. phonenumbers calls them invalid; we accept them.
_DRAMA_MOBILE = re.compile(r"^7700900\d{3}$")
_DRAMA_LANDLINE = re.compile(r"^1632960\d{3}$")


def _is_drama_number(number: phonenumbers.PhoneNumber) -> bool:
    national = str(number.national_number)
    return number.country_code == 44 and bool(_DRAMA_MOBILE.match(national) or _DRAMA_LANDLINE.match(national))


def is_mobile(e164: str) -> bool:
    """Can this number receive text messages?"""
    number = phonenumbers.parse(e164, "GB")
    if number.country_code == 44 and _DRAMA_MOBILE.match(str(number.national_number)):
        return True
    return phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE
    )


def format_phone_for_display(e164: str) -> str:
    """'+441865792422' -> '01865 792422' for UK numbers, international format otherwise."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "GB")
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 44:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_email(value: object) -> str:
    """Lower-cased, so duplicate checks and the email index work without case-folding at query time."""
    email = str(value or "").strip()
    if not email:
        raise ValidationError("Enter an email address", code="required")
    if len(email) > 254:
        raise ValidationError("Email address must be 254 characters or fewer", code="max_length")
    try:
        _django_validate_email(email)
    except ValidationError:
        raise ValidationError(EMAIL_MESSAGE, code="invalid_email") from None
    return email.lower()


def normalise_name(value: object, *, label: str = "name", required: bool = False,
                   max_length: int = NAME_MAX_LENGTH) -> str:
    """A person's first or last name: letters, spaces, apostrophes, hyphens and full stops only."""
    name = _clean_text(value)
    if not name:
        if required:
            raise ValidationError(f"Enter the {label}", code="required")
        return ""
    if len(name) > max_length:
        raise ValidationError(
            f"{label[0].upper()}{label[1:]} must be {max_length} characters or fewer", code="max_length"
        )
    if not _NAME_RE.match(name):
        raise ValidationError(
            f"{label[0].upper()}{label[1:]} must only include letters, spaces, hyphens and apostrophes",
            code="invalid_name",
        )
    return name


def normalise_organisation_name(value: object, *, required: bool = True) -> str:
    name = _clean_text(value)
    if not name:
        if required:
            raise ValidationError("Enter the organisation name", code="required")
        return ""
    if len(name) > ORGANISATION_NAME_MAX_LENGTH:
        raise ValidationError(
            f"Organisation name must be {ORGANISATION_NAME_MAX_LENGTH} characters or fewer", code="max_length"
        )
    if not _ORGANISATION_RE.match(name):
        raise ValidationError(
            "Organisation name must only include letters, numbers, spaces and & ' . , ( ) - / + ! :",
            code="invalid_name",
        )
    return name


DATE_OF_BIRTH_EARLIEST = dt.date(1900, 1, 1)


def validate_date_of_birth(value: dt.date | None) -> dt.date | None:
    """Not today or later, not before 1900. (Forms ask with oxtom.core.forms.DateInputField, same rules.)"""
    if value is None:
        return None
    if not isinstance(value, dt.date):
        raise ValidationError("Date of birth must be a real date", code="invalid_date")
    if isinstance(value, dt.datetime):
        value = value.date()
    if value >= timezone.localdate():
        raise ValidationError("Date of birth must be in the past", code="future_date")
    if value < DATE_OF_BIRTH_EARLIEST:
        raise ValidationError("Date of birth must be the same as or after 1 January 1900", code="too_old")
    return value


def parse_dob_query(text: str) -> dt.date | None:
    """'01/02/1980', '1/2/1980' or '01-02-1980' -> date; anything else -> None (not a date query)."""
    match = re.fullmatch(r"(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})", text.strip())
    if not match:
        return None
    try:
        return dt.date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None


def normalise_short_text(value: object, *, label: str, max_length: int) -> str:
    """Free text lines (address lines, town): trimmed, bounded, no markup characters."""
    text = _clean_text(value)
    if len(text) > max_length:
        raise ValidationError(f"{label} must be {max_length} characters or fewer", code="max_length")
    if "<" in text or ">" in text:
        raise ValidationError(f"{label} must not include < or >", code="invalid_characters")
    return text


# Fields a service caller may set on a customer record, and the cleaner for each.
EDITABLE_FIELDS = (
    "kind", "title", "first_name", "last_name", "organisation_name", "date_of_birth",
    "email", "phone", "address_line_1", "address_line_2", "town", "postcode", "uprn",
    "latitude", "longitude", "division", "preferred_channel", "interests", "reasonable_adjustments",
)
REASONABLE_ADJUSTMENTS_MAX_LENGTH = 2000


def _clean_field(name: str, value: object) -> object:  # noqa: C901 - one branch per field is clearest
    from .models import INTEREST_CHOICES, Customer, PreferredChannel

    if name == "kind":
        if value not in Customer.Kind.values:
            raise ValidationError("Select whether this is a person or an organisation", code="invalid_choice")
        return value
    if name == "title":
        title = _clean_text(value)
        if len(title) > 20:
            raise ValidationError("Title must be 20 characters or fewer", code="max_length")
        if title and not _NAME_RE.match(title):
            raise ValidationError("Title must only include letters, like Mr, Ms or Dr", code="invalid_name")
        return title
    if name == "first_name":
        return normalise_name(value, label="first name")
    if name == "last_name":
        return normalise_name(value, label="last name")
    if name == "organisation_name":
        return normalise_organisation_name(value, required=False)
    if name == "date_of_birth":
        return validate_date_of_birth(value or None)
    if name == "email":
        return normalise_email(value) if str(value or "").strip() else ""
    if name == "phone":
        return normalise_phone(value) if str(value or "").strip() else ""
    if name in ("address_line_1", "address_line_2"):
        return normalise_short_text(value, label="Address line", max_length=200)
    if name == "town":
        return normalise_short_text(value, label="Town or city", max_length=100)
    if name == "postcode":
        return normalise_postcode(value) if str(value or "").strip() else ""
    if name == "uprn":
        uprn = str(value or "").strip()
        if uprn and not (uprn.isdigit() and len(uprn) <= 12):
            raise ValidationError("UPRN must be a number of up to 12 digits", code="invalid_uprn")
        return uprn
    if name in ("latitude", "longitude"):
        if value in (None, ""):
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError(f"{name.title()} must be a number", code="invalid") from None
        limit = 90 if name == "latitude" else 180
        if not -limit <= number <= limit:
            raise ValidationError(f"{name.title()} is out of range", code="invalid")
        return number
    if name == "division":
        return value or None
    if name == "preferred_channel":
        if value not in PreferredChannel.values:
            raise ValidationError("Select how the customer would like us to contact them", code="invalid_choice")
        return value
    if name == "interests":
        codes = list(value or [])
        known = {code for code, _ in INTEREST_CHOICES}
        if any(code not in known for code in codes):
            raise ValidationError("Select interests from the list", code="invalid_choice")
        return sorted(set(codes))
    if name == "reasonable_adjustments":
        text = str(value or "").strip()
        if len(text) > REASONABLE_ADJUSTMENTS_MAX_LENGTH:
            raise ValidationError(
                f"Reasonable adjustments must be {REASONABLE_ADJUSTMENTS_MAX_LENGTH} characters or fewer",
                code="max_length",
            )
        if "<" in text or ">" in text:
            raise ValidationError("Reasonable adjustments must not include < or >", code="invalid_characters")
        return text
    raise ValueError(f"{name!r} is not a field services may set on a customer")


def field_errors(data: dict) -> dict[str, list[str]]:
    """Each field's own problems (no cross-field rules), so a form can show them all at once."""
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if name not in EDITABLE_FIELDS:
            continue
        try:
            _clean_field(name, value)
        except ValidationError as exc:
            errors[name] = exc.messages
    return errors


def clean_customer_data(data: dict, *, current: dict | None = None) -> dict:
    """Clean `data` (field -> raw value) and check the record it would produce as a whole.

    `current` holds the record's present values (for updates), so that rules
    across fields (a preferred channel needs a way to reach the customer) see
    the result of the change. Raises one ValidationError mapping each field to
    its messages, so a form can show them all at once.
    """
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not customer fields services may set: {sorted(unknown)}")
    cleaned: dict = {}
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        try:
            cleaned[name] = _clean_field(name, value)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)

    merged = {**(current or {}), **cleaned}
    kind = merged.get("kind") or "person"
    if kind == "organisation":
        if not merged.get("organisation_name") and "organisation_name" not in errors:
            errors.setdefault("organisation_name", []).append("Enter the organisation name")
    else:
        for field, label in (("first_name", "first name"), ("last_name", "last name")):
            if not merged.get(field) and field not in errors:
                errors.setdefault(field, []).append(f"Enter the {label}")
    channel = merged.get("preferred_channel") or "email"
    if channel == "email" and not merged.get("email") and "email" not in errors:
        errors.setdefault("email", []).append("Enter an email address, or choose another way to contact them")
    if channel == "sms" and not merged.get("phone") and "phone" not in errors:
        errors.setdefault("phone", []).append("Enter a mobile number to send text messages to")
    if channel == "sms" and merged.get("phone") and "phone" not in errors:
        if not is_mobile(merged["phone"]):
            errors.setdefault("phone", []).append(
                "Enter a mobile number to send text messages to, like 07700 900 982"
            )
    if channel == "post":
        if not merged.get("address_line_1") and "address_line_1" not in errors:
            errors.setdefault("address_line_1", []).append("Enter the first line of the address to send post to")
        if not merged.get("postcode") and "postcode" not in errors:
            errors.setdefault("postcode", []).append("Enter a postcode to send post to")
    if errors:
        raise ValidationError(errors)
    return cleaned


def contact_outcome_errors(*, outcome: str, signposted_to: str, first_contact_resolved: bool | None) -> dict[str, str]:
    """The rules between a logged contact's answers, so the form and contact_log say the same thing.

    Signposting names who to; "Resolved at first contact" was resolved and a
    transfer was not. `first_contact_resolved` None means not answered yet.
    """
    from .models import ContactOutcome

    errors: dict[str, str] = {}
    if outcome == ContactOutcome.SIGNPOSTED and not (signposted_to or "").strip():
        errors["signposted_to"] = "Enter who you signposted them to"
    if outcome == ContactOutcome.RESOLVED and first_contact_resolved is False:
        errors["first_contact_resolved"] = ("You chose ‘Resolved at first contact’: select yes, "
                                            "or choose what else happened")
    if outcome == ContactOutcome.TRANSFERRED and first_contact_resolved:
        errors["first_contact_resolved"] = "A transferred contact was not resolved at first contact: select no"
    return errors
