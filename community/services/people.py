"""The people a resident looks for support for (themselves, those they care for), feedback and signposting."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from oxtom.core.audit import audit_record
from oxtom.customers.models import Customer, Interaction
from oxtom.customers.services import interaction_record

from .. import messages
from ..messages import community_notify
from ..models import Booking, Feedback, Service, Signposting, SupportPerson, TaxonomyTerm
from ..text import clean_text

MAX_PEOPLE = 12


def _clean_person(data: dict[str, Any], *, is_self: bool) -> tuple[dict[str, Any], list[str]]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    for field, label, max_length, required in (("name", "Name", 100, not is_self),
                                               ("relationship", "Relationship", 60, False),
                                               ("access_needs", "Access needs", 500, False)):
        try:
            out[field] = clean_text(data.get(field), label=label, max_length=max_length, required=required,
                                    multiline=field == "access_needs", required_message="Enter their name")
        except ValidationError as exc:
            errors[field] = exc.messages[0]
    raw = data.get("age")
    out["age"] = None
    if raw not in (None, ""):
        try:
            out["age"] = int(str(raw).strip())
            if not 0 <= out["age"] <= 120:
                errors["age"] = "Age must be between 0 and 120"
        except ValueError:
            errors["age"] = "Age must be a whole number, like 8"
    codes = sorted(set(data.get("needs") or []))
    if codes and TaxonomyTerm.objects.filter(code__in=codes).count() != len(codes):
        errors["needs"] = "Select needs from the list"
    if errors:
        raise ValidationError(errors)
    return out, codes


@transaction.atomic
def person_save(*, customer: Customer, person: SupportPerson | None, data: dict[str, Any], is_self: bool = False,
                by: Any) -> SupportPerson:
    """Add or change someone the resident looks for support for (Donna adds her mother and her children)."""
    if person is not None and person.customer_id != customer.pk:
        raise PermissionDenied
    clean, codes = _clean_person(data, is_self=is_self or bool(person and person.is_self))
    if person is None:
        if is_self:
            person = SupportPerson.objects.filter(customer=customer, is_self=True).first()
        if person is None:
            if SupportPerson.objects.filter(customer=customer).count() >= MAX_PEOPLE:
                raise ValidationError({"name": f"You can add up to {MAX_PEOPLE} people"})
            try:
                with transaction.atomic():
                    person = SupportPerson.objects.create(customer=customer, is_self=is_self,
                                                          **{**clean, "name": clean["name"] or "You"})
            except IntegrityError:
                person = SupportPerson.objects.get(customer=customer, is_self=True)
    if not person.is_self or clean["name"]:
        person.name = clean["name"] or person.name
    person.relationship, person.age, person.access_needs = clean["relationship"], clean["age"], clean["access_needs"]
    person.save()
    person.needs.set(TaxonomyTerm.objects.filter(code__in=codes))
    audit_record(by=by, action="update", target=person, summary="Support needs saved", customer_id=customer.pk)
    return person


@transaction.atomic
def person_remove(*, customer: Customer, person: SupportPerson, by: Any) -> None:
    if person.customer_id != customer.pk:
        raise PermissionDenied
    if person.bookings.filter(status__in=Booking.ACTIVE).exists():
        raise ValidationError("Cancel their bookings before removing them")
    if person.bookings.exists():
        raise ValidationError("They have past bookings, so they stay on your list")
    audit_record(by=by, action="delete", target=person, summary="Removed a person cared for", customer_id=customer.pk)
    person.delete()


@transaction.atomic
def feedback_give(*, booking: Booking, customer: Customer, rating: object, comment: str, by: Any) -> Feedback:
    if booking.booker_id != customer.pk:
        raise PermissionDenied
    if booking.status != Booking.Status.CONFIRMED or booking.event.starts_at > timezone.now():
        raise ValidationError({"rating": "You can give feedback once the event has taken place"})
    try:
        value = int(str(rating))
    except ValueError:
        value = 0
    if not 1 <= value <= 5:
        raise ValidationError({"rating": "Select how you rate it, from 1 to 5"})
    comment = clean_text(comment, label="Comment", max_length=2000, multiline=True)
    try:
        with transaction.atomic():
            fb = Feedback.objects.create(booking=booking, rating=value, comment=comment)
    except IntegrityError:
        raise ValidationError({"rating": "You have already given feedback on this event"}) from None
    interaction_record(customer=customer, kind="community.feedback", summary=f"Rated {booking.event.title} {value} out of 5",
                       channel="web", direction=Interaction.Direction.INBOUND, by=by, subject=booking,
                       subject_reference=booking.reference)
    return fb


@transaction.atomic
def signpost_send(*, customer: Customer, service: Service, channel: str, by: Any) -> Signposting:
    """An adviser sends a resident a service's details by email or text; on the timeline and counted."""
    if channel not in ("email", "sms"):
        raise ValidationError({"channel": "Select email or text message"})
    if channel == "email" and not customer.email:
        raise ValidationError({"channel": "They have no email address: send a text or add one first"})
    if channel == "sms" and not customer.phone:
        raise ValidationError({"channel": "They have no phone number: send an email or add one first"})
    row = Signposting.objects.create(customer=customer, service=service, division=customer.division, channel=channel,
                                     by=by, created_at=timezone.now())
    contact = " ".join(x for x in (service.phone, service.email, service.url) if x) or "see the directory"
    community_notify(customer=customer, code=messages.SIGNPOST, by=by, channel=channel,
                     context={"name": customer.display_name, "service": service.name[:200],
                              "organisation": service.organisation.name[:200], "contact": contact,
                              "reference": f"SP{row.pk}"},
                     idempotency_key=f"community:signpost:{row.pk}")
    interaction_record(customer=customer, kind="community.signposted", summary=f"Sent details of {service.name}"[:500],
                       channel="phone", direction=Interaction.Direction.OUTBOUND, by=by, subject=service)
    audit_record(by=by, action="create", target=row, summary="Signposted to a community service")
    return row
