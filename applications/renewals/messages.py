"""The renewal messages' words, seeded by migration 0002 and editable in admin afterwards.

Every message says which permit, badge or pass it is about (service name and
number) and what to do next; none carries more personal data than the
customer's name. Texts stay well under one Notify message's 918 characters.
"""
from __future__ import annotations

_SIGN = "Oxfordshire County Council"


def _trio(code: str, name: str, subject: str, email: str, sms: str, letter: str | None = None) -> list[dict]:
    return [
        {"code": code, "channel": "email", "name": name, "subject": subject, "body": email},
        {"code": code, "channel": "sms", "name": name, "subject": "", "body": sms},
        {"code": code, "channel": "letter", "name": name, "subject": subject, "body": letter or email},
    ]


RENEWAL_TEMPLATES: list[dict[str, str]] = [
    *_trio(
        "renewal-invite", "Renewal: invitation", "Renew your ((what)) ((number))",
        "Dear ((name)),\n\nYour ((what)) ((number)) expires on ((expires_on)).\n\n"
        "If nothing has changed, ((yes_means)) with one click:\n((renew_url))\n\n"
        "If something has changed (for example your address or vehicle), tell us here:\n((change_url))\n\n"
        f"{_SIGN}",
        f"{_SIGN}: your ((what)) ((number)) expires on ((expires_on)). "
        "Reply YES to ((yes_means_sms)) if nothing has changed, or CHANGE if anything has changed.",
        "Dear ((name)),\n\nYour ((what)) ((number)) expires on ((expires_on)).\n\n"
        "If nothing has changed, go to ((renew_url)) to ((yes_means_sms)).\n\n"
        "If something has changed, go to ((change_url)) or call us on ((council_phone)).\n\n"
        f"Yours sincerely,\n\n{_SIGN}",
    ),
    *_trio(
        "renewal-reminder", "Renewal: reminder", "Reminder: your ((what)) expires on ((expires_on))",
        "Dear ((name)),\n\nWe have not heard from you. Your ((what)) ((number)) expires on ((expires_on)).\n\n"
        "If nothing has changed, ((yes_means)) with one click:\n((renew_url))\n\n"
        "If something has changed, tell us here:\n((change_url))\n\n"
        f"{_SIGN}",
        f"{_SIGN}: reminder, your ((what)) ((number)) expires on ((expires_on)). "
        "Reply YES to ((yes_means_sms)) if nothing has changed, or CHANGE if anything has changed.",
        "Dear ((name)),\n\nThis is a reminder: your ((what)) ((number)) expires on ((expires_on)).\n\n"
        "If nothing has changed, go to ((renew_url)) to ((yes_means_sms)).\n\n"
        "If something has changed, go to ((change_url)) or call us on ((council_phone)).\n\n"
        f"Yours sincerely,\n\n{_SIGN}",
    ),
    *_trio(
        "renewal-lapsed", "Renewal: lapsed", "Your ((what)) has expired",
        "Dear ((name)),\n\nYour ((what)) ((number)) expired on ((expires_on)) because we did not hear from you. "
        "It is no longer valid, so do not use it.\n\n"
        "To get a new one, apply here:\n((apply_url))\n\n"
        f"{_SIGN}",
        f"{_SIGN}: your ((what)) ((number)) expired on ((expires_on)) and is no longer valid. "
        "To get a new one, apply at ((apply_url))",
    ),
    *_trio(
        "renewal-expired", "Renewal: expired", "Your ((what)) has expired",
        "Dear ((name)),\n\nYour ((what)) ((number)) expired on ((expires_on)) and has not been renewed. "
        "It is no longer valid, so do not use it.\n\n"
        "To get a new one, apply here:\n((apply_url))\n\n"
        f"{_SIGN}",
        f"{_SIGN}: your ((what)) ((number)) expired on ((expires_on)) and has not been renewed, so it is no "
        "longer valid. To get a new one, apply at ((apply_url))",
    ),
    *_trio(
        "renewal-renewed", "Renewal: renewed", "Your ((what)) is renewed",
        "Dear ((name)),\n\nThank you. Your ((what)) is renewed.\n\n"
        "Your new number is ((number)). It is valid from ((starts_on)) to ((expires_on)).\n\n"
        f"{_SIGN}",
        f"{_SIGN}: thank you, your ((what)) is renewed. New number ((number)), "
        "valid from ((starts_on)) to ((expires_on)).",
    ),
    *_trio(
        "renewal-pay", "Renewal: pay to finish", "Pay to renew your ((what))",
        "Dear ((name)),\n\nThank you. To finish renewing your ((what)) ((number)), pay ((fee)) here:\n"
        "((pay_url))\n\nYour current one expires on ((expires_on)).\n\n"
        f"{_SIGN}",
        f"{_SIGN}: to finish renewing your ((what)) ((number)), pay ((fee)) at ((pay_url)) "
        "before ((expires_on)).",
    ),
    *_trio(
        "renewal-reapply", "Renewal: reapply (blue badge)", "Renew your ((what)): check your answers",
        "Dear ((name)),\n\nThank you. By law a ((what)) cannot be renewed without a new application, "
        "so we check the rules again. We have filled in what we already know; check it and send it here:\n"
        "((apply_url))\n\nYour current badge ((number)) expires on ((expires_on)).\n\n"
        f"{_SIGN}",
        f"{_SIGN}: by law a ((what)) needs a new application. We have filled in what we know: "
        "check it and send it at ((apply_url)) before ((expires_on)).",
    ),
    *_trio(
        "renewal-changed", "Renewal: something changed", "Tell us what has changed about your ((what))",
        "Dear ((name)),\n\nThank you for telling us something has changed. We have not renewed your "
        "((what)) ((number)).\n\nSign in and report the change here, and we will check the rules again:\n"
        "((change_url))\n\nYour current one expires on ((expires_on)).\n\n"
        f"{_SIGN}",
        f"{_SIGN}: we have not renewed your ((what)) ((number)). To tell us what has changed, "
        "sign in at ((change_url)) before ((expires_on)).",
    ),
    *_trio(
        "renewal-already", "Renewal: reply already received", "We already have your reply",
        "Dear ((name)),\n\nWe already have your reply about your ((what)) ((number)): ((status))\n\n"
        f"{_SIGN}",
        f"{_SIGN}: we already have your reply about your ((what)) ((number)): ((status))",
    ),
    *_trio(
        "renewal-which", "Renewal: reply matches several", "Which renewal is your reply about?",
        "Dear ((name)),\n\nYou have more than one renewal due, so we cannot tell which your reply is about. "
        "Use the links in our emails, or sign in here:\n((account_url))\n\n"
        f"{_SIGN}",
        f"{_SIGN}: you have more than one renewal due, so we cannot tell which your reply is about. "
        "Sign in at ((account_url)) to renew.",
    ),
]

TEMPLATE_CODES = sorted({row["code"] for row in RENEWAL_TEMPLATES})


def seed_renewal_templates(template_model) -> int:
    """Create the missing renewal templates; never overwrite an administrator's wording."""
    created = 0
    for row in RENEWAL_TEMPLATES:
        _, was_created = template_model.objects.get_or_create(
            code=row["code"], channel=row["channel"],
            defaults={"name": row["name"], "subject": row["subject"], "body": row["body"]},
        )
        created += was_created
    return created
