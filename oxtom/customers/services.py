"""Writes to the single customer record. Nothing else writes these tables."""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from oxtom.core.audit import audit_record

from . import merge as merge_registry
from .models import Channel, Consent, Customer, Interaction
from .phonetics import phonetic_key, search_key
from .validation import clean_customer_data, normalise_email, normalise_phone, normalise_postcode

_REFERENCE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"  # no look-alikes (0/O, 1/I, 5/S, 8/B)


def new_customer_reference() -> str:
    """A short reference customers can read over the phone, e.g. CU-7KXM-Q3TA."""
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"CU{body}"


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


def _actor(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


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
    """The electoral division for an address: its coordinates if known, else its postcode's centroid.

    Councillors' enquiries and division statistics rely on this, so the record
    keeps it in step with the address rather than asking advisers to pick it.
    """
    from oxtom.places.selectors import division_for_point, division_for_postcode

    lat, lon = values.get("latitude"), values.get("longitude")
    if lat is not None and lon is not None:
        found = division_for_point(lat, lon)
        if found is not None:
            return found
    if values.get("postcode"):
        return division_for_postcode(values["postcode"])
    return None


_LOCATION_FIELDS = {"postcode", "latitude", "longitude"}


def _check_channel(channel: str) -> None:
    if channel not in Channel.values:
        raise ValidationError({"channel": ["Select how the customer is in touch with us"]})


# --- create, update --------------------------------------------------------------------


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
def customer_update(*, customer: Customer, data: dict, by: Any, channel: str) -> Customer:
    """Change fields of a live record, recording which changed (audit) and a timeline entry.

    A tombstone can't be changed: CustomerMergedError names the survivor.
    Submitting the same values again changes and records nothing.
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
        channel=channel, fields=changed,
        before={name: _display(current.get(name)) for name in changed},
        after={name: _display(cleaned[name]) for name in changed},
    )
    interaction_record(
        customer=locked, kind="customer.updated", summary=f"Details changed: {', '.join(labels)}",
        channel=channel,
        direction=Interaction.Direction.INBOUND if getattr(locked, "user_id", None) == getattr(by, "pk", object())
        else Interaction.Direction.INTERNAL,
        by=by,
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
    recorded_at: datetime | None = None,
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
                 consent_id=consent.pk, purpose=purpose, granted=bool(granted), channel=channel)
    interaction_record(
        customer=customer, kind=f"consent.{'granted' if granted else 'withdrawn'}",
        summary=f"Consent {verb}: {label}", channel=channel,
        direction=Interaction.Direction.INBOUND, by=by, subject=consent,
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
    """INSERT many customers. A direct executemany on SQLite and PostgreSQL, bulk_create elsewhere.

    Django's bulk_create spends most of its time preparing each of the ~30
    values of each row (and SQLite's parameter limit cuts it to ~30 rows per
    statement); our values are already plain Python, so passing them straight
    to the driver inserts several times faster at county scale.
    """
    from django.db import connection

    if connection.vendor not in ("sqlite", "postgresql"):
        Customer.objects.bulk_create(customers, batch_size=1000)
        return
    import json

    now = timezone.now()
    fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
    converters = []
    for f in fields:
        if isinstance(f, models.JSONField):
            converters.append(json.dumps)
        elif isinstance(f, models.DateTimeField):
            converters.append(connection.ops.adapt_datetimefield_value)
        elif isinstance(f, models.DateField):
            converters.append(connection.ops.adapt_datefield_value)
        else:
            converters.append(None)
    rows = []
    for customer in customers:
        customer.created_at = customer.created_at or now
        customer.modified_at = customer.modified_at or now
        rows.append(tuple(
            convert(value) if convert is not None and value is not None else value
            for convert, value in zip(converters, (getattr(customer, f.attname) for f in fields))
        ))
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    table = qn(Customer._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(cursor.cursor, f"INSERT INTO {table} ({columns}) VALUES %s", rows, page_size=1000)
        else:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})", rows)


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
