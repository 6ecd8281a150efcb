"""Writes to the single customer record. Nothing else writes these tables."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from oxtom.accounts.permissions import Permission
from oxtom.core.actors import actor as _actor
from oxtom.core.audit import audit_record
from oxtom.core.bulk import insert_many
from oxtom.core.links import absolute_url
from oxtom.core.references import random_code

from . import merge as merge_registry
from .models import (
    AssistedSession,
    Channel,
    ChatMessage,
    Consent,
    ContactLog,
    ContactOutcome,
    ContactReason,
    Customer,
    DigitalCoaching,
    Interaction,
    WebChat,
)
from .phonetics import phonetic_key, search_key
from .validation import clean_customer_data, contact_outcome_errors, normalise_email, normalise_phone, normalise_postcode

logger = logging.getLogger(__name__)

def new_customer_reference() -> str:
    """A short reference customers can read over the phone, e.g. CU-7KXM-Q3TA."""
    return random_code(8, prefix="CU")


def interaction_record(
    *,
    customer: Customer,
    kind: str,
    summary: str,
    channel: str = Channel.SYSTEM,
    direction: str = Interaction.Direction.INTERNAL,
    by: Any = None,
    on_behalf_of: bool = False,
    subject: models.Model | None = None,
    subject_reference: str = "",
    occurred_at: datetime | None = None,
) -> Interaction:
    """Add one entry to a customer's timeline. Every app records contacts and events through this.

    A tombstoned (merged) customer's entries go to the survivor.
    """
    while customer.merged_into_id is not None:
        customer = customer.merged_into
    return Interaction.objects.create(
        customer=customer,
        occurred_at=occurred_at or timezone.now(),
        channel=channel,
        direction=direction,
        kind=kind,
        actor=by if getattr(by, "is_authenticated", False) else None,
        on_behalf_of=on_behalf_of,
        summary=summary[:500],
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject_reference=subject_reference,
    )


_MANY_FIELDS = {"customer_id", "kind", "summary", "channel", "direction", "occurred_at", "on_behalf_of",
                "subject_type", "subject_id", "subject_reference"}


def interaction_record_many(entries: Iterable[dict], *, by: Any = None) -> int:
    """Many timeline entries in one INSERT per 1,000 (a nightly batch); returns how many.

    The same entries interaction_record writes one at a time: each names
    `customer_id`, `kind` and `summary`, and may give the channel, direction,
    time and subject (`subject_type`, `subject_id`, `subject_reference`).
    Entries for a tombstoned (merged) customer go to the survivor, found
    for the whole batch in one query.
    """
    rows = []
    for entry in entries:
        unknown = set(entry) - _MANY_FIELDS
        if unknown:
            raise ValueError(f"Unexpected timeline fields {sorted(unknown)}")
        rows.append(entry)
    if not rows:
        return 0
    survivors = dict(Customer.objects.filter(pk__in={r["customer_id"] for r in rows}, merged_into__isnull=False)
                     .values_list("pk", "merged_into_id"))
    while survivors:  # a chain of merges: follow each tombstone to the record that is not one
        onward = dict(Customer.objects.filter(pk__in=set(survivors.values()), merged_into__isnull=False)
                      .values_list("pk", "merged_into_id"))
        if not onward:
            break
        survivors = {k: onward.get(v, v) for k, v in survivors.items()}
    actor_id = getattr(by, "pk", None) if getattr(by, "is_authenticated", False) else None
    now = timezone.now()
    insert_many(Interaction, [dict(
        customer_id=survivors.get(r["customer_id"], r["customer_id"]), occurred_at=r.get("occurred_at") or now,
        channel=r.get("channel", Channel.SYSTEM), direction=r.get("direction", Interaction.Direction.INTERNAL),
        kind=r["kind"], actor_id=actor_id, on_behalf_of=bool(r.get("on_behalf_of", False)),
        summary=str(r["summary"])[:500], subject_type=r.get("subject_type", ""),
        subject_id=str(r.get("subject_id", "")), subject_reference=r.get("subject_reference", ""),
    ) for r in rows])
    return len(rows)


@transaction.atomic
def customer_ensure_for_user(*, user: Any, by: Any = None) -> Customer:
    """The customer record linked to an online account, creating it on first need."""
    existing = Customer.objects.filter(user=user).first()
    if existing is not None:
        return existing
    first, _, last = (user.full_name or "").partition(" ")
    customer = Customer(
        reference=_unique_reference(),
        first_name=first[:100],
        last_name=last[:100],
        email=user.email,
        user=user,
        created_by=_actor(by),
    )
    set_search_keys(customer)
    customer.save()
    audit_record(by=by, action="create", target=customer, summary="Customer record created for online account")
    interaction_record(
        customer=customer, kind="account.created", summary="Created an online account",
        channel=Channel.WEB, direction=Interaction.Direction.INBOUND, by=user,
    )
    return customer


# --- errors a caller shows to a person -------------------------------------------------


class PossibleDuplicateError(Exception):
    """The new record looks like one we already hold; the caller should confirm before creating."""

    def __init__(self, matches: list[Customer]):
        self.matches = matches
        super().__init__(f"{len(matches)} possible matching customer record(s)")


class CustomerMergedError(ValidationError):
    """The record was merged into another and can't be changed; use the survivor."""


class MergeRefusedError(ValidationError):
    """A merge that must not happen; the message says why. Nothing was changed."""


# --- helpers ---------------------------------------------------------------------------


def _unique_reference() -> str:
    """A new reference not yet used (collisions are rare at 25^8 but possible at county scale)."""
    while True:
        reference = new_customer_reference()
        if not Customer.objects.filter(reference=reference).exists():
            return reference


def set_search_keys(customer: Customer) -> None:
    """Fill the indexed name keys from the names. Organisations are searched by organisation name."""
    if customer.kind == Customer.Kind.ORGANISATION:
        last, first = customer.organisation_name, ""
    else:
        last, first = customer.last_name, customer.first_name
    customer.search_last_name = search_key(last)[:100]
    customer.search_first_name = search_key(first)[:100]
    customer.phonetic_last_name = phonetic_key(last)
    customer.phonetic_first_name = phonetic_key(first)


_SEARCH_KEY_FIELDS = ("search_last_name", "search_first_name", "phonetic_last_name", "phonetic_first_name")
_NAME_FIELDS = {"kind", "first_name", "last_name", "organisation_name"}


def _current_values(customer: Customer) -> dict:
    from .validation import EDITABLE_FIELDS

    return {
        name: (getattr(customer, "division", None) if name == "division" else getattr(customer, name))
        for name in EDITABLE_FIELDS
    }


def _display(value: Any) -> Any:
    """Audit detail must be JSON: dates as ISO strings, related objects as their pk."""
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _derive_division(values: dict) -> Any:
    """The electoral division for an address, by the one lookup the public division finder uses too.

    Councillors' enquiries and division statistics rely on this, so the record
    keeps it in step with the address rather than asking advisers to pick it.
    """
    from oxtom.places.selectors import division_for_address

    return division_for_address(postcode=values.get("postcode") or "", latitude=values.get("latitude"),
                                longitude=values.get("longitude"))


# A change to any of these is a new address: its division is looked up again.
_LOCATION_FIELDS = {"postcode", "latitude", "longitude", "address_line_1", "uprn"}
# The coordinates located the old address; a new address without new coordinates is located by its postcode.
_ADDRESS_FIELDS = {"postcode", "address_line_1", "uprn"}


def _check_channel(channel: str) -> None:
    if channel not in Channel.values:
        raise ValidationError({"channel": ["Select how the customer is in touch with us"]})


# --- create, update --------------------------------------------------------------------


WIDER_ACCESS_MINUTES = 60


@transaction.atomic
def customer_wider_search_record(*, customers: list[Customer], reason: str, by: Any) -> None:
    """Record why `by` searched beyond their own work, and grant the records it showed for an hour.

    One audit event per search, with the reason and the references shown
    (never the search terms), marked `wider_search` so the data protection
    lead's report of the audit trail can pick every one out; and one event per
    record on that record's own trail.
    """
    from .models import CustomerAccessGrant

    reason = " ".join((reason or "").split())
    if len(reason) < 10:
        raise ValidationError({"reason": "Say why you need to search all customer records, in 10 characters or more"})
    if len(reason) > 300:
        raise ValidationError({"reason": "The reason must be 300 characters or fewer"})
    expires = timezone.now() + timedelta(minutes=WIDER_ACCESS_MINUTES)
    CustomerAccessGrant.objects.bulk_create(
        [CustomerAccessGrant(user=by, customer=c, reason=reason, expires_at=expires) for c in customers])
    event = audit_record(by=by, action="view", target=by, summary="Wider customer search (with a reason)",
                         wider_search=True, reason=reason, references=[c.reference for c in customers])
    for customer in customers:
        audit_record(by=by, action="view", target=customer, summary=f"Found by a wider search: {reason}"[:255],
                     wider_search=True)
    _tell_data_protection_lead(event=event, reason=reason, records=len(customers), by=by)


def _tell_data_protection_lead(*, event: Any, reason: str, records: int, by: Any) -> None:
    """The data protection lead hears of every wider search, through the outbox (once per search).

    The email names the member of staff, the reason they gave and how many records
    opened, and points at the audit event; never the customers or the search terms.
    """
    from django.conf import settings

    from oxtom.notify.services import notification_queue
    from oxtom.notify.templating import TemplateNotFound

    to = getattr(settings, "DATA_PROTECTION_LEAD_EMAIL", "")
    if not to:
        return
    who = getattr(by, "full_name", "") or getattr(by, "email", "") or "A member of staff"
    opened = "no records" if not records else f"{records} record{'s' if records != 1 else ''}"
    try:
        _queue_for_lead(notification_queue, to, event, by, who, opened, reason)
    except TemplateNotFound:
        # The search stays on the audit trail, which the lead's report reads; the officer is not stopped.
        logger.error("customers: no staff-alert template; the data protection lead was not emailed about "
                     "wider search %s", event.pk)


def _queue_for_lead(notification_queue, to, event, by, who, opened, reason) -> None:
    notification_queue(
        customer=None, to=to, template="staff-alert", by=by, idempotency_key=f"wider-search:{event.pk}",
        context={
            "subject": "A wider customer search was used",
            "message": (f"{who} ({getattr(by, 'email', '')}) searched all customer records on "
                        f"{timezone.localtime(event.occurred_at):%d %B %Y at %H:%M}, which opened {opened} "
                        f"to them for {WIDER_ACCESS_MINUTES} minutes.\n\nThe reason they gave: {reason}\n\n"
                        f"Audit event {event.pk} has the records' references."),
        },
    )


@transaction.atomic
def customer_create(*, data: dict, by: Any, channel: str, allow_duplicate: bool = False) -> Customer:
    """Create a customer record (usually an adviser creating one for a caller).

    Validates every field (ValidationError maps field -> messages). Refuses a
    likely duplicate (same email, same phone, or same name + date of birth +
    postcode) with PossibleDuplicateError unless the caller has shown the
    matches to a person who confirmed with allow_duplicate=True.
    """
    from .selectors import find_possible_duplicates

    _check_channel(channel)
    cleaned = clean_customer_data(data)
    if not cleaned.get("division"):
        cleaned["division"] = _derive_division(cleaned)
    if not allow_duplicate:
        matches = find_possible_duplicates(
            email=cleaned.get("email", ""),
            phone=cleaned.get("phone", ""),
            first_name=cleaned.get("first_name", ""),
            last_name=cleaned.get("last_name", ""),
            date_of_birth=cleaned.get("date_of_birth"),
            postcode=cleaned.get("postcode", ""),
        )
        if matches:
            raise PossibleDuplicateError(matches)
    customer = Customer(reference=_unique_reference(), created_by=_actor(by), modified_by=_actor(by), **cleaned)
    set_search_keys(customer)
    customer.save()
    audit_record(
        by=by, action="create", target=customer, summary="Customer record created",
        channel=channel, confirmed_despite_duplicates=allow_duplicate,
    )
    interaction_record(
        customer=customer, kind="customer.created", summary="Customer record created",
        channel=channel, direction=Interaction.Direction.INTERNAL, by=by,
    )
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, data: dict, by: Any, channel: str, on_behalf_of: bool = False) -> Customer:
    """Change fields of a live record, recording which changed (audit) and a timeline entry.

    A tombstone can't be changed: CustomerMergedError names the survivor.
    Submitting the same values again changes and records nothing.
    on_behalf_of=True marks an adviser changing them for the customer in an
    assisted session, so the customer sees it among actions taken for them.
    """
    _check_channel(channel)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.is_tombstone:
        raise CustomerMergedError(
            f"This record was merged into {locked.merged_into.reference}. Make changes on that record.",
            code="merged",
        )
    current = _current_values(locked)
    cleaned = clean_customer_data(data, current=current)
    changed = [name for name, value in cleaned.items() if current.get(name) != value]
    if _ADDRESS_FIELDS & set(changed) and not {"latitude", "longitude"} & set(data):
        for name in ("latitude", "longitude"):
            if current.get(name) is not None:
                cleaned[name] = None
                changed.append(name)
    if "division" not in data and _LOCATION_FIELDS & set(changed):
        division = _derive_division({**current, **cleaned})
        if division != current.get("division"):
            cleaned["division"] = division
            changed.append("division")
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, cleaned[name])
    update_fields = [*changed, "modified_at", "modified_by"]
    if _NAME_FIELDS & set(changed):
        set_search_keys(locked)
        update_fields += list(_SEARCH_KEY_FIELDS)
    locked.modified_by = _actor(by)
    locked.save(update_fields=update_fields)
    labels = [Customer._meta.get_field(name).verbose_name for name in changed]
    audit_record(
        by=by, action="update", target=locked, summary=f"Changed: {', '.join(labels)}"[:255],
        channel=channel, fields=changed, on_behalf_of=on_behalf_of,
        before={name: _display(current.get(name)) for name in changed},
        after={name: _display(cleaned[name]) for name in changed},
    )
    interaction_record(
        customer=locked, kind="customer.updated", summary=f"Details changed: {', '.join(labels)}",
        channel=channel,
        direction=Interaction.Direction.INBOUND if on_behalf_of or getattr(locked, "user_id", None) == getattr(by, "pk", object())
        else Interaction.Direction.INTERNAL,
        by=by, on_behalf_of=on_behalf_of,
    )
    # Keep the caller's object in step with the database.
    for name in update_fields:
        if name != "modified_at":
            setattr(customer, name, getattr(locked, name))
    return locked


# --- consent ---------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *, customer: Customer, purpose: str, granted: bool, wording: str, channel: str, by: Any,
    recorded_at: datetime | None = None, on_behalf_of: bool = False,
) -> Consent:
    """Append a consent decision (given or withdrawn) with the exact wording shown.

    History is kept: the latest decision per purpose is the one in force
    (selectors.consents_in_force). Recording the same decision as the one in
    force adds nothing.
    """
    if customer.merged_into_id is not None:
        raise CustomerMergedError("This record was merged into another. Record consent on that record.", code="merged")
    if purpose not in Consent.Purpose.values:
        raise ValidationError({"purpose": ["Select what the consent is for"]})
    if channel not in Channel.values:
        raise ValidationError({"channel": ["Select how the consent was given"]})
    wording = (wording or "").strip()
    if not wording:
        raise ValidationError({"wording": ["Enter the wording the customer was shown or told"]})
    if len(wording) > 2000:
        raise ValidationError({"wording": ["Wording must be 2000 characters or fewer"]})
    latest = Consent.objects.filter(customer=customer, purpose=purpose).order_by("-recorded_at", "-id").first()
    if latest is not None and latest.granted == bool(granted) and latest.wording == wording:
        return latest
    consent = Consent.objects.create(
        customer=customer, purpose=purpose, granted=bool(granted), wording=wording, channel=channel,
        recorded_by=_actor(by), recorded_at=recorded_at or timezone.now(),
    )
    label = Consent.Purpose(purpose).label
    verb = "given" if granted else "withdrawn"
    audit_record(by=by, action="update", target=customer, summary=f"Consent {verb}: {label}"[:255],
                 consent_id=consent.pk, purpose=purpose, granted=bool(granted), channel=channel,
                 on_behalf_of=on_behalf_of)
    interaction_record(
        customer=customer, kind=f"consent.{'granted' if granted else 'withdrawn'}",
        summary=f"Consent {verb}: {label}", channel=channel,
        direction=Interaction.Direction.INBOUND, by=by, subject=consent, on_behalf_of=on_behalf_of,
    )
    return consent


# --- merge -----------------------------------------------------------------------------

# Contact fields a survivor takes from the merged-away record when it has none of its own.
_FILL_BLANKS = (
    "title", "date_of_birth", "email", "phone", "address_line_1", "address_line_2", "town",
    "postcode", "uprn", "latitude", "longitude", "division_id", "reasonable_adjustments",
)


def _move_relation(rel: models.ForeignObjectRel, rule: merge_registry.MoveRule,
                   source: Customer, survivor: Customer) -> int:
    model = rel.related_model
    field = rel.field
    if rule.mover is not None:
        return rule.mover(source, survivor)
    if rel.many_to_many:
        through = field.remote_field.through
        # The through table holds (owner, customer) pairs: repoint the customer side,
        # dropping pairs the survivor already has so no pair is duplicated.
        owner, to_customer = field.m2m_field_name(), field.m2m_reverse_field_name()
        already = through.objects.filter(**{to_customer: survivor}).values_list(owner, flat=True)
        through.objects.filter(**{to_customer: source, f"{owner}__in": list(already)}).delete()
        return through.objects.filter(**{to_customer: source}).update(**{to_customer: survivor})
    if rel.one_to_one:
        if model._base_manager.filter(**{field.name: survivor}).exists() and \
                model._base_manager.filter(**{field.name: source}).exists():
            raise MergeRefusedError(
                f"Both records have a {model._meta.verbose_name}. Only one can belong to a customer, "
                "so sort that out before merging."
            )
    return model._base_manager.filter(**{field.name: source}).update(**{field.name: survivor})


@transaction.atomic
def customer_merge(*, source: Customer, survivor: Customer, by: Any) -> Customer:
    """Merge a duplicate (`source`) into the record we keep (`survivor`).

    Every related row moves through the allow-list in merge.py (refused while
    any relation to Customer is unregistered). The online account moves if
    the survivor has none (refused if both have one). The source stays as a
    tombstone pointing at the survivor with its personal fields intact for
    the audit trail. Any refusal raises before the transaction commits, so
    nothing changes.
    """
    if source.pk == survivor.pk:
        raise MergeRefusedError("You cannot merge a record into itself. Choose a different record to keep.")
    locked = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[source.pk, survivor.pk]).order_by("pk")}
    if len(locked) != 2:
        raise MergeRefusedError("One of these records no longer exists.")
    source, survivor = locked[source.pk], locked[survivor.pk]
    if source.is_tombstone:
        raise MergeRefusedError(
            f"Record {source.reference} was already merged into {source.merged_into.reference}."
        )
    if survivor.is_tombstone:
        raise MergeRefusedError(
            f"Record {survivor.reference} was merged into {survivor.merged_into.reference}. "
            "Merge into that record instead."
        )
    if source.user_id and survivor.user_id:
        raise MergeRefusedError(
            "Both records have an online account, so they can't be merged. "
            "Ask the customer which account they use and close the other one first."
        )
    merge_registry.check_registry()

    moved: dict[str, int] = {}
    for rel, rule in merge_registry.move_rules():
        count = _move_relation(rel, rule, source, survivor)
        if count:
            moved[f"{rule.model_label}.{rule.field_name}"] = count

    filled = []
    for name in _FILL_BLANKS:
        if getattr(survivor, name) in (None, "") and getattr(source, name) not in (None, ""):
            setattr(survivor, name, getattr(source, name))
            filled.append(name)
    interests = sorted(set(survivor.interests or []) | set(source.interests or []))
    if interests != sorted(survivor.interests or []):
        survivor.interests = interests
        filled.append("interests")

    account_moved = False
    now = timezone.now()
    source.merged_into = survivor
    source.merged_at = now
    source.modified_by = _actor(by)
    if source.user_id and not survivor.user_id:
        survivor.user_id, source.user_id = source.user_id, None
        account_moved = True
    # The tombstone lets go of the account before the survivor takes it (one-to-one).
    source.save(update_fields=["merged_into", "merged_at", "modified_by", "modified_at", "user"])
    survivor.modified_by = _actor(by)
    survivor.save()

    audit_record(
        by=by, action="merge", target=survivor, summary=f"Merged {source.reference} into this record",
        source=source.reference, survivor=survivor.reference, moved=moved, filled=filled,
        account_moved=account_moved,
    )
    audit_record(
        by=by, action="merge", target=source, summary=f"Merged into {survivor.reference}",
        source=source.reference, survivor=survivor.reference,
    )
    interaction_record(
        customer=survivor, kind="customer.merged",
        summary=f"Duplicate record {source.reference} merged into this record",
        channel=Channel.SYSTEM, direction=Interaction.Direction.INTERNAL, by=by,
    )
    return survivor


# --- bulk seeding ----------------------------------------------------------------------


def customer_bulk_create(*, rows: Iterable[dict], by: Any = None, batch_size: int = 5000) -> int:
    """Insert many customers fast, for demo and benchmark seeding (not for live data entry).

    Each row is a dict of Customer field names. References and search keys
    are filled here; postcodes, phones and emails are normalised (a row with
    a value that can't be normalised raises ValidationError, naming the row).
    No per-row audit or timeline entries: this is generated data. Each batch
    commits on its own, so memory stays flat at county scale.
    Returns the number of rows inserted.
    """
    actor = _actor(by)
    total = 0
    iterator = iter(rows)
    row_number = 0
    while True:
        chunk = list(islice(iterator, batch_size))
        if not chunk:
            return total
        customers = []
        for row in chunk:
            row_number += 1
            values = dict(row)
            try:
                if values.get("postcode"):
                    values["postcode"] = normalise_postcode(values["postcode"])
                if values.get("phone") and not str(values["phone"]).startswith("+"):
                    values["phone"] = normalise_phone(values["phone"])
                if values.get("email"):
                    values["email"] = normalise_email(values["email"])
            except ValidationError as exc:
                raise ValidationError(f"Row {row_number}: {'; '.join(exc.messages)}") from None
            customer = Customer(**values)
            if actor is not None and not customer.created_by_id:
                customer.created_by = actor
            set_search_keys(customer)
            customers.append(customer)
        _assign_unique_references(customers)
        with transaction.atomic():
            _insert_rows(customers)
        total += len(customers)


def _insert_rows(customers: list[Customer]) -> None:
    """INSERT many customers straight to the driver (oxtom/core/bulk.py).

    Django's bulk_create spends most of its time preparing each of the ~30
    values of each row (and SQLite's parameter limit cuts it to ~30 rows per
    statement); our values are already plain Python, so passing them straight
    to the driver inserts several times faster at county scale.
    """
    insert_many(Customer, customers)


def _assign_unique_references(customers: list[Customer]) -> None:
    """Give every row without a reference one unused in the batch and in the database."""
    needing = [c for c in customers if not c.reference]
    taken = {c.reference for c in customers if c.reference}
    while needing:
        proposed = {}
        for customer in needing:
            reference = new_customer_reference()
            while reference in taken or reference in proposed:
                reference = new_customer_reference()
            proposed[reference] = customer
        clashes = set()
        for start in range(0, len(proposed), 900):  # stay under SQLite's parameter limit
            keys = list(proposed)[start:start + 900]
            clashes.update(Customer.objects.filter(reference__in=keys).values_list("reference", flat=True))
        for reference, customer in proposed.items():
            if reference not in clashes:
                customer.reference = reference
                taken.add(reference)
        needing = [c for c in needing if not c.reference]


# --- assisted digital: contacts, acting-for sessions, coaching, webchat ---------------------
#
# These record what advisers do with and for customers. Each writes its own
# row (which the measures count), an audit event and a timeline entry.

# Channels an adviser can act for a customer through.
ASSIST_CHANNELS = (Channel.PHONE, Channel.FACE_TO_FACE, Channel.WEBCHAT)
CONTACT_CHANNELS = (Channel.PHONE, Channel.FACE_TO_FACE, Channel.WEBCHAT, Channel.EMAIL, Channel.POST)
MAX_NOTES = 2000
MAX_CHAT_MESSAGE = 1000
MAX_SIGNPOSTED = 200


def assist_session_minutes() -> int:
    """How long an acting-for session lasts (settings.ASSIST_SESSION_MINUTES, default 60)."""
    return int(getattr(settings, "ASSIST_SESSION_MINUTES", 60))


def _live_customer(customer: Customer) -> Customer:
    if customer.merged_into_id is not None:
        raise CustomerMergedError(
            f"This record was merged into {customer.merged_into.reference}. Use that record.", code="merged"
        )
    return customer


def _require(by: Any, permission: Permission) -> None:
    if not (getattr(by, "is_authenticated", False) and by.has_permission(permission)):
        raise PermissionDenied(f"You need the {permission.value} permission to do this")


@transaction.atomic
def contact_log(
    *, customer: Customer | None, reason: ContactReason, outcome: str, channel: str,
    first_contact_resolved: bool, by: Any, signposted_to: str = "", notes: str = "", submission_key: str = "",
) -> ContactLog:
    """Record a contact that needed no service request (information, signposting, resolved, transferred).

    The ContactLog row is what the measures count (by channel, reason,
    division and first-contact resolution); a known customer also gets a
    timeline entry. Signposting must say where to. The same submission_key
    twice (a double-clicked form) records one contact.
    """
    _require(by, Permission.CONTACT_LOG)
    errors: dict[str, list[str]] = {}
    if channel not in CONTACT_CHANNELS:
        errors["channel"] = ["Select how the customer contacted us"]
    if outcome not in ContactOutcome.values:
        errors["outcome"] = ["Select what happened"]
    if reason is None or not reason.active:
        errors["reason"] = ["Select why they contacted us"]
    signposted_to = (signposted_to or "").strip()
    notes = (notes or "").strip()
    for name, message in contact_outcome_errors(outcome=outcome, signposted_to=signposted_to,
                                                first_contact_resolved=first_contact_resolved).items():
        errors[name] = [message]
    if len(signposted_to) > MAX_SIGNPOSTED:
        errors["signposted_to"] = [f"Who you signposted them to must be {MAX_SIGNPOSTED} characters or fewer"]
    if len(notes) > MAX_NOTES:
        errors["notes"] = [f"Notes must be {MAX_NOTES} characters or fewer"]
    if errors:
        raise ValidationError(errors)
    if submission_key:
        existing = ContactLog.objects.filter(submission_key=submission_key[:64]).first()
        if existing is not None:
            return existing
    if customer is not None:
        customer = _live_customer(customer)
    now = timezone.now()
    interaction = None
    if customer is not None:
        label = ContactOutcome(outcome).label
        summary = f"{reason.label}: {label.lower()}"
        if signposted_to:
            summary += f" ({signposted_to})"
        interaction = interaction_record(
            customer=customer, kind="contact.logged", summary=summary, channel=channel,
            direction=Interaction.Direction.INBOUND, by=by, occurred_at=now,
        )
    log = ContactLog.objects.create(
        customer=customer, interaction=interaction, reason=reason, outcome=outcome, channel=channel,
        first_contact_resolved=bool(first_contact_resolved), signposted_to=signposted_to, notes=notes,
        division_id=customer.division_id if customer is not None else None,
        recorded_by=_actor(by), recorded_at=now, submission_key=(submission_key or "")[:64],
    )
    audit_record(by=by, action="create", target=customer if customer is not None else log,
                 summary=f"Contact logged: {reason.code}", contact_log_id=log.pk, outcome=outcome, channel=channel)
    return log


@transaction.atomic
def assisted_session_start(
    *, customer: Customer, channel: str, customer_present: bool, by: Any, chat: WebChat | None = None,
) -> AssistedSession:
    """Start acting for a customer. Any live session of the same adviser ends first (one customer at a time).

    Needs ASSIST_ACT_FOR. A webchat session needs the resident's consent in
    that chat. The caller keeps the returned id in the adviser's session
    (oxtom.customers.assist.activate).
    """
    _require(by, Permission.ASSIST_ACT_FOR)
    if channel not in ASSIST_CHANNELS:
        raise ValidationError({"channel": ["Select how you are helping the customer"]})
    customer = _live_customer(customer)
    if chat is not None:
        chat = WebChat.objects.get(pk=chat.pk)  # the consent may have arrived since the caller loaded it
        if chat.customer_id != customer.pk or chat.assist_consent_at is None or chat.status == WebChat.Status.CLOSED:
            raise ValidationError("The resident has not agreed in this chat for you to act for them")
    now = timezone.now()
    for live in AssistedSession.objects.select_for_update().filter(adviser=by, ended_at__isnull=True):
        _session_close(live, by=by, reason=AssistedSession.EndReason.REPLACED, now=now)
    session = AssistedSession.objects.create(
        adviser=by, customer=customer, channel=channel, customer_present=bool(customer_present),
        started_at=now, expires_at=now + timedelta(minutes=assist_session_minutes()), chat=chat,
    )
    present = "with the customer present" if customer_present else "without the customer present"
    audit_record(by=by, action="create", target=customer, summary="Assisted session started",
                 session_id=session.pk, channel=channel, customer_present=bool(customer_present))
    interaction_record(
        customer=customer, kind="assist.session_started",
        summary=f"An adviser started helping by {Channel(channel).label.lower()}, {present}",
        channel=channel, direction=Interaction.Direction.INBOUND, by=by, on_behalf_of=True, subject=session,
    )
    return session


def _session_close(session: AssistedSession, *, by: Any, reason: str, now) -> None:
    session.ended_at = min(now, session.expires_at) if reason == AssistedSession.EndReason.EXPIRED else now
    session.end_reason = reason
    session.save(update_fields=["ended_at", "end_reason"])
    audit_record(by=by, action="update", target=session.customer, summary=f"Assisted session ended ({reason})",
                 session_id=session.pk)
    interaction_record(
        customer=session.customer, kind="assist.session_ended",
        summary=f"Adviser session ended: {AssistedSession.EndReason(reason).label.lower()}",
        channel=session.channel, direction=Interaction.Direction.INTERNAL, by=by, on_behalf_of=True,
        subject=session,
    )


@transaction.atomic
def assisted_session_end(*, session: AssistedSession, by: Any, reason: str = AssistedSession.EndReason.ENDED) -> AssistedSession:
    """End a session (the adviser's choice, expiry, or sign-out). Ending an ended session does nothing."""
    locked = AssistedSession.objects.select_for_update(of=("self",)).select_related("customer").get(pk=session.pk)
    if locked.ended_at is None:
        if reason not in AssistedSession.EndReason.values:
            raise ValueError(f"Unknown end reason {reason!r}")
        _session_close(locked, by=by, reason=reason, now=timezone.now())
    return locked


@transaction.atomic
def coaching_send(*, customer: Customer, journey: str, channel: str, by: Any, send_by: str | None = None) -> DigitalCoaching:
    """Send the customer a link to carry on a journey themselves, and record that we helped them go digital.

    The message goes through the notification outbox (after commit), by the
    customer's preferred channel unless `send_by` names one. The link is the
    public portal page, never anything personal.
    """
    from oxtom.notify.services import notification_queue

    from .assist_defaults import COACHING_JOURNEYS, TEMPLATE_CODE

    _require(by, Permission.ASSIST_ACT_FOR)
    journeys = {code: (label, path) for code, label, path in COACHING_JOURNEYS}
    errors: dict[str, list[str]] = {}
    if journey not in journeys:
        errors["journey"] = ["Select what they want to do online"]
    if channel not in CONTACT_CHANNELS:
        errors["channel"] = ["Select how you are helping the customer"]
    if send_by not in (None, "", "email", "sms", "letter"):
        errors["send_by"] = ["Select how to send the link"]
    if errors:
        raise ValidationError(errors)
    customer = _live_customer(customer)
    if send_by == "email" and not customer.email:
        raise ValidationError({"send_by": ["The customer has no email address: add one or send a text"]})
    if send_by == "sms" and not customer.phone:
        raise ValidationError({"send_by": ["The customer has no telephone number: add one or send an email"]})
    label, path = journeys[journey]
    now = timezone.now()
    coaching = DigitalCoaching.objects.create(
        customer=customer, adviser=_actor(by), journey=journey, channel=channel, sent_at=now,
        division_id=customer.division_id,
    )
    message = notification_queue(
        customer=customer, template=TEMPLATE_CODE, by=by, idempotency_key=f"assist-coaching:{coaching.pk}",
        channel=send_by or None,
        context={"name": customer.display_name, "journey": label, "link": absolute_url(path)},
    )
    coaching.message_id = message.pk
    coaching.save(update_fields=["message_id"])
    audit_record(by=by, action="create", target=customer, summary="Sent a link to carry on online",
                 coaching_id=coaching.pk, journey=journey)
    interaction_record(
        customer=customer, kind="assist.coached", summary=f"Helped to go digital: sent a link to {label.lower()}",
        channel=channel, direction=Interaction.Direction.OUTBOUND, by=by, subject=coaching,
    )
    return coaching


# --- webchat -------------------------------------------------------------------------------

# Anything that looks like markup or a script: refused rather than stored and escaped,
# so nobody downstream (exports, emails, the timeline) ever has to think about it.
_MARKUP_RE = re.compile(r"</?[a-zA-Z!?]|javascript\s*:|on[a-z]+\s*=\s*['\"]|&#|\\u003c", re.IGNORECASE)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_chat_text(text: str) -> str:
    """The message to store, or ValidationError with a message a person can act on."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError({"message": ["Enter a message"]})
    if len(text) > MAX_CHAT_MESSAGE:
        raise ValidationError({"message": [f"Your message must be {MAX_CHAT_MESSAGE} characters or fewer. "
                                           "Send it in shorter parts"]})
    if _MARKUP_RE.search(text) or _CONTROL_RE.search(text):
        raise ValidationError({"message": ["Your message can’t include code or HTML tags like <script>. "
                                           "Remove them and send it again"]})
    return text


def _safe_page(page: str) -> str:
    """Keep only a same-site path (no query string: it could hold personal data)."""
    page = (page or "").split("?", 1)[0].split("#", 1)[0]
    if not page.startswith("/") or page.startswith("//") or len(page) > 200 or _CONTROL_RE.search(page):
        return ""
    return page


@transaction.atomic
def webchat_start(*, token: str, message: str, page: str, by: Any, client_key: str = "") -> WebChat:
    """Open a chat with its first message. A signed-in resident's chat is linked to their record.

    The resident's browser session holds `token` (random, 32+ bytes), which
    is how they find the chat again after a reload without signing in.
    """
    text = clean_chat_text(message)
    if not token or len(token) < 32 or len(token) > 43:
        raise ValueError("webchat token must be 32 to 43 characters")
    existing = WebChat.objects.filter(token=token).first()
    if existing is not None:
        return existing
    customer = None
    resident = by if getattr(by, "is_authenticated", False) else None
    if resident is not None:
        customer = Customer.objects.filter(user=resident).first()
    now = timezone.now()
    chat = WebChat.objects.create(
        token=token, customer=customer, resident=resident, page=_safe_page(page), created_at=now,
        division_id=customer.division_id if customer is not None else None,
    )
    ChatMessage.objects.create(chat=chat, sender=ChatMessage.Sender.RESIDENT, author=resident, body=text,
                               sent_at=now, client_key=(client_key or "")[:64])
    return chat


def chat_offer_taken(*, offer_id: int, token: str) -> None:
    """The resident started a chat from an inline offer: link them, so the adviser sees the step and
    the questions in error, and the measures count the offer as taken."""
    from .models import ChatOffer

    chat = WebChat.objects.filter(token=token).first()
    if chat is not None:
        ChatOffer.objects.filter(pk=offer_id, chat__isnull=True).update(chat=chat)


def webchat_page_seen(*, chat: WebChat, page: str) -> None:
    """The resident asked again from another page: show advisers where they are now (path only)."""
    page = _safe_page(page)
    if page and page != chat.page and chat.status != WebChat.Status.CLOSED:
        WebChat.objects.filter(pk=chat.pk).update(page=page)
        chat.page = page


@transaction.atomic
def chat_message_add(*, chat: WebChat, sender: str, message: str, by: Any, client_key: str = "") -> ChatMessage:
    """Store one message. An adviser's first reply answers the chat (the wait-time measure ends there).

    Refused on a closed chat, and for advisers who haven't taken the chat.
    The same client_key twice stores one message.
    """
    text = clean_chat_text(message)
    locked = WebChat.objects.select_for_update().get(pk=chat.pk)
    if locked.status == WebChat.Status.CLOSED:
        raise ValidationError({"message": ["This chat has ended. Start a new chat if you still need help"]})
    if sender == ChatMessage.Sender.ADVISER:
        _require(by, Permission.ASSIST_ACT_FOR)
        if locked.adviser_id != getattr(by, "pk", None):
            raise ValidationError({"message": ["Another adviser is answering this chat"]
                                   if locked.adviser_id else ["Take the chat before you reply"]})
    elif sender != ChatMessage.Sender.RESIDENT:
        raise ValueError(f"Unknown sender {sender!r}")
    if client_key:
        existing = ChatMessage.objects.filter(chat=locked, client_key=client_key[:64]).first()
        if existing is not None:
            return existing
    now = timezone.now()
    msg = ChatMessage.objects.create(
        chat=locked, sender=sender, author=by if getattr(by, "is_authenticated", False) else None, body=text,
        sent_at=now, client_key=(client_key or "")[:64],
    )
    if sender == ChatMessage.Sender.ADVISER and locked.answered_at is None:
        locked.answered_at = now
        locked.save(update_fields=["answered_at"])
    chat.status, chat.answered_at = locked.status, locked.answered_at
    return msg


@transaction.atomic
def chat_take(*, chat: WebChat, by: Any) -> WebChat:
    """An adviser takes a waiting chat. Refused if another adviser already has it (first one wins)."""
    _require(by, Permission.ASSIST_ACT_FOR)
    taken = WebChat.objects.filter(pk=chat.pk, status=WebChat.Status.WAITING).update(
        status=WebChat.Status.ACTIVE, adviser=by,
    )
    fresh = WebChat.objects.get(pk=chat.pk)
    if not taken and fresh.adviser_id != by.pk:
        raise ValidationError("Another adviser has already taken this chat" if fresh.status == WebChat.Status.ACTIVE
                              else "This chat has ended")
    if taken:
        ChatMessage.objects.create(chat=fresh, sender=ChatMessage.Sender.SYSTEM, body="An adviser has joined the chat",
                                   sent_at=timezone.now())
        audit_record(by=by, action="update", target=fresh, summary="Took a webchat")
    return fresh


@transaction.atomic
def chat_consent_to_assist(*, chat: WebChat, by: Any) -> WebChat:
    """The signed-in resident agrees, in the chat, that the adviser may act for them."""
    locked = WebChat.objects.select_for_update().get(pk=chat.pk)
    if locked.status == WebChat.Status.CLOSED:
        raise ValidationError("This chat has ended")
    if locked.customer_id is None or getattr(by, "pk", None) != locked.resident_id:
        raise ValidationError("Sign in to your account so the adviser can help you with it")
    if locked.assist_consent_at is None:
        locked.assist_consent_at = timezone.now()
        locked.save(update_fields=["assist_consent_at"])
        ChatMessage.objects.create(chat=locked, sender=ChatMessage.Sender.SYSTEM, sent_at=locked.assist_consent_at,
                                   body="You agreed that the adviser can use your account to help you")
        consent_text = "Agreed in webchat that an adviser may act for me in my account for this conversation"
        interaction_record(customer=locked.customer, kind="assist.consent", summary=consent_text,
                           channel=Channel.WEBCHAT, direction=Interaction.Direction.INBOUND, by=by, subject=locked)
    return locked


def _transcript(chat: WebChat) -> str:
    from oxtom.core.formats import govuk_time

    lines = []
    for m in chat.messages.order_by("id"):
        who = {"resident": "Resident", "adviser": "Adviser", "system": "—"}[m.sender]
        lines.append(f"{govuk_time(m.sent_at)} {who}: {m.body}")
    return "\n".join(lines)


@transaction.atomic
def chat_close(*, chat: WebChat, by: Any) -> WebChat:
    """Close a chat (either side). The transcript goes on the customer's timeline when we know who they are.

    Closing a closed chat does nothing. Any acting-for session started from
    the chat ends with it.
    """
    locked = WebChat.objects.select_for_update(of=("self",)).select_related("customer").get(pk=chat.pk)
    if locked.status == WebChat.Status.CLOSED:
        return locked
    now = timezone.now()
    locked.status = WebChat.Status.CLOSED
    locked.closed_at = now
    locked.save(update_fields=["status", "closed_at"])
    ChatMessage.objects.create(chat=locked, sender=ChatMessage.Sender.SYSTEM, body="The chat has ended", sent_at=now)
    if locked.customer_id is not None:
        transcript = _transcript(locked)
        interaction_record(
            customer=locked.customer, kind="webchat.transcript",
            summary=f"Webchat transcript:\n{transcript}"[:500], channel=Channel.WEBCHAT,
            direction=Interaction.Direction.INBOUND, by=by, subject=locked, subject_reference=f"CHAT-{locked.pk}",
        )
    for session in AssistedSession.objects.select_for_update().filter(chat=locked, ended_at__isnull=True):
        _session_close(session, by=by, reason=AssistedSession.EndReason.ENDED, now=now)
    audit_record(by=by, action="update", target=locked, summary="Webchat closed")
    return locked


# --- sweeping up ------------------------------------------------------------------------------


def assisted_sessions_expire(*, now: datetime | None = None, limit: int = 500) -> int:
    """Mark sessions past their expiry as expired (the adviser closed the browser, say). Returns how many.

    Each is ended in its own transaction, claimed with skip_locked so two
    sweepers (or a sweeper and the adviser's own request) never double-end one.
    """
    now = now or timezone.now()
    done = 0
    ids = list(AssistedSession.objects.filter(ended_at__isnull=True, expires_at__lte=now)
               .order_by("expires_at").values_list("pk", flat=True)[:limit])
    for pk in ids:
        with transaction.atomic():
            session = (AssistedSession.objects.select_for_update(skip_locked=True, of=("self",)).select_related("customer")
                       .filter(pk=pk, ended_at__isnull=True).first())
            if session is None:
                continue
            _session_close(session, by=None, reason=AssistedSession.EndReason.EXPIRED, now=now)
            done += 1
    return done


def webchats_close_idle(*, idle_minutes: int = 120, now: datetime | None = None, limit: int = 500) -> int:
    """Close chats nobody has written in for `idle_minutes` (the resident left), transcript and all."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=idle_minutes)
    open_chats = WebChat.objects.exclude(status=WebChat.Status.CLOSED).filter(created_at__lte=cutoff)
    active_recently = ChatMessage.objects.filter(sent_at__gt=cutoff).values("chat_id")
    ids = list(open_chats.exclude(pk__in=active_recently).order_by("created_at").values_list("pk", flat=True)[:limit])
    for pk in ids:
        chat_close(chat=WebChat(pk=pk), by=None)
    return len(ids)
