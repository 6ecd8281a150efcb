"""Writes for renewals: the nightly run (invite, remind, lapse, expire) and replies.

Everything here is set-based: a batch of rows is read with one query,
changed with a few UPDATEs or bulk INSERTs, and its messages written with
one bulk INSERT into the outbox (notify's notification_queue_many), all in one transaction
per batch. Row-by-row the run does ~400 entitlements a second; set-based
it does thousands (bench/renewals.py).

Why a kill and a re-run cannot duplicate anything:
* an invitation is unique per entitlement term (the Entitlement row), and is
  inserted with ON CONFLICT DO NOTHING;
* every message has an idempotency key made of ids and the step
  (`renewal:<entitlement id>:invite`), also inserted with ON CONFLICT DO NOTHING;
* state moves are conditional UPDATEs (`... WHERE state IN (open states)`),
  and a batch's rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED on
  PostgreSQL, so two runs at once split the work rather than share it;
* each batch is one transaction: a kill rolls back the batch it was in,
  and the next run finds those rows still to do.

A reply is recorded on the invitation (one conditional UPDATE, so a second
YES finds nothing to record) and acted on by renewals_apply_replies, the
same function for one reply (a text, an email click) and for 100,000.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from applications.bulk import (
    RenewalToPay, entitlement_end_many, entitlement_renew_many, renewal_application_create_many,
)
from applications.models import Application, ApplicationService, Entitlement
from oxtom.core.audit import audit_record, audit_record_many
from oxtom.core.links import absolute_url
from oxtom.core.models import AuditEvent
from oxtom.core.money import pounds
from oxtom.customers.models import Channel, Customer, Interaction
from oxtom.customers.services import interaction_record_many
from oxtom.notify.services import QueuedMessage as Outgoing
from oxtom.notify.services import notification_queue_many as queue_many

from .models import RenewalInvitation
from .tokens import hash_token, make_token

logger = logging.getLogger(__name__)

State = RenewalInvitation.State
Reply = RenewalInvitation.Reply
OPEN = list(RenewalInvitation.OPEN_STATES)
# A reply started a renewal that is not finished yet (payment, a blue badge reapplication).
IN_HAND = [State.AWAITING_PAYMENT, State.REAPPLYING]
# Invitations whose entitlement may yet be renewed (by a reply, a payment or a reapplication).
UNFINISHED = OPEN + IN_HAND
BATCH_SIZE = 2000
REPLY_CHANNEL_TIMELINE = {"sms": Channel.SMS, "email": Channel.WEB}


def _today() -> dt.date:
    return timezone.localdate()


def _site(path: str) -> str:
    return absolute_url(path)


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _what(service: ApplicationService) -> str:
    name = service.name
    return name[:1].lower() + name[1:]


_TOKEN_SLOT = "0" * 64


@functools.lru_cache(maxsize=None)
def _path_pattern(name: str) -> str:
    # reverse() costs ~1 ms; the nightly run builds two links per message.
    return reverse(name, args=[_TOKEN_SLOT])


def renew_path(token: str) -> str:
    return _path_pattern("renewals:confirm").replace(_TOKEN_SLOT, token)


def changed_path(token: str) -> str:
    return _path_pattern("renewals:changed").replace(_TOKEN_SLOT, token)


def reapply_path(entitlement: Entitlement) -> str:
    # C's journey pre-fills from this entitlement when it belongs to the signed-in customer.
    return f"/apply/{entitlement.service.code}/?renewing={entitlement.number}"


ACCOUNT_PATH = "/account/entitlements/"


def change_path(entitlement: Entitlement) -> str:
    """The resident's "report a change" page for this entitlement (sign-in required), which re-runs
    the rules; the path is the journeys' own, with a fallback while their URLs are not loaded."""
    try:
        return reverse("apply:change", args=[entitlement.number])
    except NoReverseMatch:
        return f"{ACCOUNT_PATH}{entitlement.number}/change/"


def _context(entitlement: Entitlement, customer: Customer, due: dt.date) -> dict[str, Any]:
    service = entitlement.service
    token = make_token(entitlement.pk, due)
    yes_means = "renew it" if service.auto_renew else "start your renewal application"
    return {
        "name": customer.display_name,
        "what": _what(service),
        "number": entitlement.number,
        "expires_on": _long_date(due),
        "renew_url": _site(renew_path(token)),
        "change_url": _site(changed_path(token)),
        "yes_means": yes_means,
        "yes_means_sms": yes_means,
        "apply_url": _site(f"/apply/{service.code}/"),
        "account_url": _site(ACCOUNT_PATH),
    }


def _reached(due: dt.date, today: dt.date, days: list[int]) -> int:
    """How many of the reminder days (e.g. [14, 3]) have come by `today`."""
    left = (due - today).days
    return sum(1 for d in days if left <= d)


def _reminder_days(service: ApplicationService) -> list[int]:
    raw = service.renewal_reminder_days or []
    return sorted({int(d) for d in raw if isinstance(d, (int, float)) and 0 <= int(d) <= 365}, reverse=True)


def _locked(queryset):
    """Claim rows for this batch: FOR UPDATE SKIP LOCKED where the database has it.

    SQLite has no row locks (a writer locks the whole file), so there the
    conditional UPDATEs alone keep two runs apart.
    """
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset


# JSON columns a batch never reads: decoding them for thousands of rows is most of a batch's CPU.
_UNUSED_JSON = ("entitlement__customer__interests",)


def _attach_services(invitations: list[RenewalInvitation]) -> None:
    """Give each entitlement its service from one query (three rows), not a join per row that
    decodes the service's config JSON thousands of times."""
    services = {s.pk: s for s in ApplicationService.objects.all()}
    for invitation in invitations:
        invitation.entitlement.service = services[invitation.entitlement.service_id]


def _bulk_timeline(rows: list[dict], *, by: Any) -> None:
    # The same entries interaction_record would write one at a time, in the customers app's bulk service.
    interaction_record_many(rows, by=by)


def _bulk_audit(rows: list[dict], *, by: Any) -> None:
    audit_record_many(rows, by=by)


def _record_ended(ended: list[tuple[Entitlement, dt.date, str, str, dict]], *, outcome: str, now: dt.datetime,
                  by: Any, summary: str) -> None:
    """The message, timeline entry and audit event for terms that just lapsed or expired, in bulk.

    Each item is (entitlement, due date for the message, the timeline's words after the number,
    the audit's words after the number, audit detail); outcome is "lapsed" or "expired" and
    names the template (renewal-<outcome>), the timeline kind and the message key.
    """
    outgoing, timeline, audit = [], [], []
    for ent, due, said, audited, detail in ended:
        outgoing.append(Outgoing(ent.customer, f"renewal-{outcome}", _context(ent, ent.customer, due),
                                 f"renewal:{ent.pk}:{outcome}"))
        timeline.append(dict(
            customer_id=ent.customer_id, occurred_at=now, channel=Channel.SYSTEM,
            direction=Interaction.Direction.INTERNAL, kind=f"entitlement.{outcome}",
            summary=f"{ent.service.name} {ent.number} {said}",
            subject_type=Entitlement._meta.label_lower, subject_id=str(ent.pk), subject_reference=ent.number,
        ))
        audit.append(dict(action=AuditEvent.Action.UPDATE,
                          target_type=Entitlement._meta.label_lower, target_id=str(ent.pk),
                          summary=f"{ent.number} {audited}", detail=detail))
    _bulk_timeline(timeline, by=by)
    _bulk_audit(audit, by=by)
    queue_many(outgoing, by=by, summary=f"{summary}: {len(outgoing)}")


# --- the nightly run ----------------------------------------------------------------------------

@dataclass
class RunResult:
    replies: int = 0
    reconciled: int = 0
    lapsed: int = 0
    expired: int = 0
    invited: int = 0
    reminded: int = 0
    batches: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def renewals_run(*, today: dt.date | None = None, by: Any = None, batch_size: int = BATCH_SIZE,
                 max_batches: int | None = None) -> RunResult:
    """The nightly renewal run: act on recorded replies, close finished terms, lapse, invite, remind.

    Safe to run again at any time, and to kill at any point: every step
    only picks rows still waiting for it. `max_batches` stops early (the
    benchmark uses it to simulate a kill between batches).
    """
    today = today or _today()
    result = RunResult()

    def budget() -> bool:
        return max_batches is None or result.batches < max_batches

    while budget():
        done = renewals_apply_pending_replies(by=by, limit=batch_size)
        if not done:
            break
        result.replies += done
        result.batches += 1
    if budget():
        result.reconciled += renewals_reconcile(by=by)
    while budget():
        count = renewals_lapse_batch(today=today, by=by, batch_size=batch_size)
        if not count:
            break
        result.lapsed += count
        result.batches += 1
    if budget():
        renewals_expire_in_hand(today=today, by=by)
    while budget():
        count = renewals_expire_batch(today=today, by=by, batch_size=batch_size)
        if not count:
            break
        result.expired += count
        result.batches += 1
    for service in ApplicationService.objects.filter(is_active=True).order_by("pk"):
        last_id = 0
        while budget():
            count, last_id = renewals_invite_batch(service=service, today=today, by=by, batch_size=batch_size,
                                                   after_id=last_id)
            if last_id is None:
                break
            result.invited += count
            result.batches += 1
        last_id = 0
        while budget():
            count, last_id = renewals_remind_batch(service=service, today=today, by=by, batch_size=batch_size,
                                                   after_id=last_id)
            if last_id is None:
                break
            result.reminded += count
            result.batches += 1
    # Saved-card agreements of permits that lapsed, expired or were revoked are cancelled with the provider.
    from applications.services import payment_agreements_release

    payment_agreements_release(by=by)
    logger.info("renewals run %s: %s", today, result.as_dict())
    return result


@transaction.atomic
def renewals_invite_batch(*, service: ApplicationService, today: dt.date, by: Any, batch_size: int = BATCH_SIZE,
                          after_id: int = 0) -> tuple[int, int | None]:
    """Invite up to `batch_size` of the service's active entitlements that expire inside its invite window.

    Returns (invitations written, last entitlement id looked at) or (0, None)
    when there are none left. Entitlements already invited for this term are
    skipped by the query and, should a concurrent run get there first, by
    the unique constraint.
    """
    window_end = today + dt.timedelta(days=service.renew_invite_days_before)
    already = RenewalInvitation.objects.filter(entitlement=OuterRef("pk"))
    entitlements = list(
        Entitlement.objects.filter(service=service, status=Entitlement.Status.ACTIVE, expires_on__gte=today,
                                   expires_on__lte=window_end, id__gt=after_id)
        .filter(~Exists(already))
        .select_related("customer").defer("customer__interests")
        .order_by("id")[:batch_size]
    )
    if not entitlements:
        return 0, None
    now = timezone.now()
    days = _reminder_days(service)
    outgoing, invitations = [], []
    for ent in entitlements:
        ent.service = service
        due = ent.expires_on
        invitations.append(RenewalInvitation(
            entitlement_id=ent.pk, state=State.INVITED, due=due, invited_at=now,
            # Reminder days already passed when we first write are covered by the invitation itself.
            reminders_sent=_reached(due, today, days),
            token_hash=hash_token(make_token(ent.pk, due)),
        ))
        outgoing.append(Outgoing(ent.customer, "renewal-invite", _context(ent, ent.customer, due),
                                 f"renewal:{ent.pk}:invite"))
    # Messages first, so each invitation row is written once, already saying which channel it went by
    # (a second UPDATE of 100,000 fresh rows would rewrite every index entry).
    channels = queue_many(outgoing, by=by, summary=f"Renewal invitations for {service.name}: {len(outgoing)}")
    for invitation in invitations:
        invitation.invited_by_channel = channels.get(f"renewal:{invitation.entitlement_id}:invite", "")
    RenewalInvitation.objects.bulk_create(invitations, batch_size=1000, ignore_conflicts=True)
    return len(invitations), entitlements[-1].pk


@transaction.atomic
def renewals_remind_batch(*, service: ApplicationService, today: dt.date, by: Any, batch_size: int = BATCH_SIZE,
                          after_id: int = 0) -> tuple[int, int | None]:
    """Remind open invitations of the service whose next reminder day has come (one reminder a run).

    A run missed for a few days sends one reminder, not one per day missed.
    """
    days = _reminder_days(service)
    if not days:
        return 0, None
    # Only rows with a reminder day newly reached: for reminder k (days sorted from the earliest),
    # fewer than k+1 sent and the due date within days[k]. Rows already reminded are never loaded.
    reached_new = Q()
    for k, day in enumerate(days):
        reached_new |= Q(reminders_sent__lt=k + 1, due__lte=today + dt.timedelta(days=day))
    rows = list(
        _locked(RenewalInvitation.objects.filter(
            reached_new, entitlement__service=service, state__in=OPEN, reply="", due__gte=today, id__gt=after_id,
            entitlement__status=Entitlement.Status.ACTIVE,  # nothing to remind about once revoked
        )).select_related("entitlement", "entitlement__customer").order_by("id")[:batch_size]
    )
    if not rows:
        return 0, None
    now = timezone.now()
    groups: dict[tuple[int, int], list[RenewalInvitation]] = defaultdict(list)
    for invitation in rows:
        reached = _reached(invitation.due, today, days)
        if reached > invitation.reminders_sent:
            groups[(invitation.reminders_sent, reached)].append(invitation)
    outgoing = []
    for (before, after), invitations in groups.items():
        RenewalInvitation.objects.filter(pk__in=[i.pk for i in invitations], state__in=OPEN, reply="",
                                         reminders_sent=before).update(
            state=State.REMINDED, reminders_sent=after, last_reminded_at=now)
        for invitation in invitations:
            ent = invitation.entitlement
            ent.service = service
            outgoing.append(Outgoing(ent.customer, "renewal-reminder", _context(ent, ent.customer, invitation.due),
                                     f"renewal:{ent.pk}:reminder:{after}"))
    queue_many(outgoing, by=by, summary=f"Renewal reminders for {service.name}: {len(outgoing)}")
    return len(outgoing), rows[-1].pk


@transaction.atomic
def renewals_lapse_batch(*, today: dt.date, by: Any, batch_size: int = BATCH_SIZE) -> int:
    """End the terms that expired with no reply: the invitation lapses, so does the entitlement.

    An entitlement's expires_on is its last valid day, so it lapses the day after.
    A YES recorded but not yet acted on is acted on first (renewals_run's order).
    """
    rows = list(
        _locked(RenewalInvitation.objects.filter(state__in=OPEN, reply="", due__lt=today))
        .select_related("entitlement", "entitlement__customer").defer(*_UNUSED_JSON)
        .order_by("due", "id")[:batch_size]
    )
    if not rows:
        return 0
    _attach_services(rows)
    now = timezone.now()
    ids = [r.pk for r in rows]
    RenewalInvitation.objects.filter(pk__in=ids, state__in=OPEN, reply="").update(state=State.LAPSED, closed_at=now)
    live = [r for r in rows if r.entitlement.status == Entitlement.Status.ACTIVE]
    entitlement_end_many(entitlement_ids=[r.entitlement_id for r in live], status=Entitlement.Status.LAPSED, by=by)
    _record_ended([
        (invitation.entitlement, invitation.due,
         f"lapsed: not renewed by {_long_date(invitation.due)}", "lapsed (no renewal reply)",
         {"invitation": invitation.pk})
        for invitation in live
    ], outcome="lapsed", now=now, by=by, summary="Renewals lapsed")
    return len(rows)


@transaction.atomic
def renewals_expire_in_hand(*, today: dt.date, by: Any = None) -> int:
    """Entitlements whose renewal is in hand (waiting for payment, a blue badge reapplication) but
    not finished by expiry stop being valid: `expired`, not `lapsed`, so paying or the reapplication
    still renews them (entitlement_renew accepts an expired term)."""
    ids = list(RenewalInvitation.objects.filter(state__in=IN_HAND, due__lt=today,
                                                entitlement__status=Entitlement.Status.ACTIVE)
               .values_list("entitlement_id", flat=True))
    if not ids:
        return 0
    return entitlement_end_many(entitlement_ids=ids, status=Entitlement.Status.EXPIRED, by=by)


@transaction.atomic
def renewals_expire_batch(*, today: dt.date, by: Any, batch_size: int = BATCH_SIZE) -> int:
    """End active terms past their expiry that no renewal step will end: `expired`, with one message.

    These were never invited (issued inside the invitation window, a service
    switched off, a failed run), or the holder replied that something changed
    and did not finish the change. Terms with a renewal still under way are
    left to the steps above (a recorded YES, a payment, a reapplication).
    Idempotent: only `active` rows are picked, and the message key is per
    entitlement.
    """
    under_way = RenewalInvitation.objects.filter(entitlement=OuterRef("pk"), state__in=UNFINISHED)
    rows = list(
        _locked(Entitlement.objects.filter(status=Entitlement.Status.ACTIVE, expires_on__lt=today)
                .exclude(Exists(under_way)))
        .select_related("customer").defer("customer__interests").order_by("expires_on", "id")[:batch_size]
    )
    if not rows:
        return 0
    catalogue = {s.pk: s for s in ApplicationService.objects.all()}
    now = timezone.now()
    ids = set(Entitlement.objects.filter(pk__in=[e.pk for e in rows], status=Entitlement.Status.ACTIVE)
              .values_list("pk", flat=True))
    entitlement_end_many(entitlement_ids=ids, status=Entitlement.Status.EXPIRED, by=by)
    ended = [e for e in rows if e.pk in ids]
    for ent in ended:
        ent.service = catalogue[ent.service_id]
    _record_ended([
        (ent, ent.expires_on, f"expired on {_long_date(ent.expires_on)}", "expired (not renewed)",
         {"expires_on": ent.expires_on.isoformat()})
        for ent in ended
    ], outcome="expired", now=now, by=by, summary="Entitlements expired")
    return len(ids)


@transaction.atomic
def renewals_reconcile(*, by: Any = None, limit: int = 10_000) -> int:
    """Close invitations whose entitlement was renewed another way (a paid renewal, a reapplication).

    A permit renewal is finished by the payment: application_paid issues the
    new term and supersedes this one; the invitation follows here (the
    nightly run and the renewal page both look at the entitlement, so the
    resident never sees a stale state).
    """
    ids = list(
        RenewalInvitation.objects.filter(state__in=UNFINISHED, entitlement__status=Entitlement.Status.SUPERSEDED)
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    successor = Entitlement.objects.filter(pk=OuterRef("entitlement_id")).values("superseded_by")[:1]
    return RenewalInvitation.objects.filter(pk__in=ids, state__in=UNFINISHED).update(
        state=State.RENEWED, closed_at=timezone.now(), renewed_entitlement=Subquery(successor))


# --- replies ------------------------------------------------------------------------------------

def renewal_reply_record(*, invitation: RenewalInvitation, reply: str, channel: str, by: Any) -> bool:
    """Record a reply on an open invitation. False if it already has one or is no longer open.

    One conditional UPDATE: two replies at once (a text and a click) record one.
    """
    if reply not in (Reply.YES, Reply.CHANGE):
        raise ValueError(f"Unknown reply {reply!r}")
    now = timezone.now()
    recorded = RenewalInvitation.objects.filter(pk=invitation.pk, state__in=OPEN, reply="").update(
        reply=reply, reply_channel=channel, replied_at=now)
    if recorded:
        invitation.reply, invitation.reply_channel, invitation.replied_at = reply, channel, now
    return bool(recorded)


@dataclass
class ReplyResult:
    renewed: list[int] = field(default_factory=list)        # invitation ids
    awaiting_payment: list[int] = field(default_factory=list)
    reapplying: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)         # nothing left to renew (lapsed, revoked...)

    @property
    def total(self) -> int:
        return len(self.renewed) + len(self.awaiting_payment) + len(self.reapplying) + len(self.closed)


def _replied_after_expiry(invitation: RenewalInvitation) -> bool:
    # A reply on time is honoured even if the batch acting on it runs after midnight.
    replied = invitation.replied_at or timezone.now()
    return timezone.localtime(replied).date() > invitation.due


def renewal_fee_pence(entitlement: Entitlement) -> int:
    """What renewing costs: what this term cost (the zone's charge for this household's permit),
    or the service's fee when that is unknown. The rules are not re-run for a "nothing has
    changed" reply; a change of circumstances re-runs them."""
    paid = entitlement.application.fee_pence if entitlement.application_id else 0
    return paid or entitlement.service.fee_pence


@transaction.atomic
def renewals_apply_replies(*, invitation_ids: Iterable[int], by: Any = None) -> ReplyResult:
    """Act on recorded YES replies, set-based, for one invitation or thousands.

    * permits and bus passes with no fee: a new term is issued from the day
      after the old expiry (the old entitlement is superseded);
    * with a fee (permits): a renewal application waits for payment and the
      resident gets a link to /renew/<token>/, where paying starts; the
      payment's success hook issues the new term (A's application_paid);
    * blue badges (never renewed without a new application, by law): the
      resident gets a link to the pre-filled reapplication.

    Rows are claimed with FOR UPDATE SKIP LOCKED (PostgreSQL) and moved with
    conditional UPDATEs, so a reply is acted on once however often this runs.
    """
    ids = list(invitation_ids)
    result = ReplyResult()
    if not ids:
        return result
    rows = list(
        _locked(RenewalInvitation.objects.filter(pk__in=ids, state__in=OPEN, reply=Reply.YES))
        .select_related("entitlement", "entitlement__customer", "entitlement__application",
                        "entitlement__payment_agreement")
        .defer(*_UNUSED_JSON, "entitlement__application__reasons", "entitlement__application__details")
        .order_by("id")
    )
    if not rows:
        return result
    _attach_services(rows)
    now = timezone.now()
    outgoing: list[Outgoing] = []
    # Plain dicts for rows only ever inserted (oxtom/core/bulk.py): no model instance per row.
    timeline: list[dict] = []
    audit: list[dict] = []
    renew_now: list[RenewalInvitation] = []
    to_pay: list[RenewalInvitation] = []
    for invitation in rows:
        ent = invitation.entitlement
        if ent.status == Entitlement.Status.SUPERSEDED:
            result.renewed.append(invitation.pk)
        elif ent.status != Entitlement.Status.ACTIVE or _replied_after_expiry(invitation):
            result.closed.append(invitation.pk)
        elif not ent.service.auto_renew:
            result.reapplying.append(invitation.pk)
            context = _context(ent, ent.customer, invitation.due)
            context["apply_url"] = _site(reapply_path(ent))
            outgoing.append(Outgoing(ent.customer, "renewal-reapply", context, f"renewal:{ent.pk}:reapply"))
        elif renewal_fee_pence(ent) > 0:
            to_pay.append(invitation)
        else:
            renew_now.append(invitation)

    if result.renewed:
        RenewalInvitation.objects.filter(pk__in=result.renewed, state__in=OPEN).update(
            state=State.RENEWED, closed_at=now)
    if result.closed:
        RenewalInvitation.objects.filter(pk__in=result.closed, state__in=OPEN).update(
            state=State.LAPSED, closed_at=now)
    if result.reapplying:
        RenewalInvitation.objects.filter(pk__in=result.reapplying, state__in=OPEN).update(state=State.REAPPLYING)

    # --- renew now: new terms in one INSERT, old ones superseded in one UPDATE (applications' bulk service) ---
    if renew_now:
        issued = entitlement_renew_many(entitlements=[i.entitlement for i in renew_now], by=by)
        done_ids = []
        for invitation in renew_now:
            old = invitation.entitlement
            new = issued.get(old.pk)
            if new is None:  # pragma: no cover - entitlement_renew_many issues every term it is given
                continue
            done_ids.append(invitation.pk)
            result.renewed.append(invitation.pk)
            outgoing.append(Outgoing(old.customer, "renewal-renewed", {
                "name": old.customer.display_name, "what": _what(old.service), "number": new.number,
                "starts_on": _long_date(new.starts_on), "expires_on": _long_date(new.expires_on),
            }, f"renewal:{old.pk}:renewed"))
            summary = (f"{old.service.name} {old.number} renewed as {new.number}, valid to "
                       f"{_long_date(new.expires_on)}")
            timeline.append(dict(
                customer_id=old.customer_id, occurred_at=now, channel=Channel.SYSTEM,
                direction=Interaction.Direction.INTERNAL, kind="entitlement.renewed", summary=summary,
                subject_type=Entitlement._meta.label_lower, subject_id=str(new.pk), subject_reference=new.number,
            ))
            audit.append(dict(action=AuditEvent.Action.CREATE, target_type=Entitlement._meta.label_lower,
                              target_id=str(new.pk), summary=summary,
                              detail={"renews": old.pk, "invitation": invitation.pk,
                                      "reply_channel": invitation.reply_channel}))
        renewed_as = Entitlement.objects.filter(pk=OuterRef("entitlement_id")).values("superseded_by")[:1]
        RenewalInvitation.objects.filter(pk__in=done_ids, state__in=OPEN).update(
            state=State.RENEWED, closed_at=now, renewed_entitlement=Subquery(renewed_as))

    # --- fee: a renewal application per term, waiting for payment (applications' bulk service) -----------
    if to_pay:
        pending = [RenewalToPay(
            entitlement=invitation.entitlement,
            channel=REPLY_CHANNEL_TIMELINE.get(invitation.reply_channel, Channel.WEB),
            submission_key=f"renewal:{invitation.entitlement.pk}:{invitation.due.isoformat()}",
            fee_pence=renewal_fee_pence(invitation.entitlement),
            reasons=["Renewal: you told us nothing has changed"],
        ) for invitation in to_pay]
        made = renewal_application_create_many(renewals=pending, by=by)
        by_agreement: list[int] = []
        for invitation, application in zip(to_pay, pending):
            old = invitation.entitlement
            result.awaiting_payment.append(invitation.pk)
            if old.payment_agreement is not None and old.payment_agreement.is_active:
                # Paid with the saved card after this commits (a network call never runs in this transaction);
                # the resident hears once: renewed, or a link to pay if the card is declined.
                by_agreement.append(made[application.submission_key])
                continue
            context = _context(old, old.customer, invitation.due)
            context.update(fee=pounds(application.fee_pence), pay_url=context["renew_url"])
            outgoing.append(Outgoing(old.customer, "renewal-pay", context, f"renewal:{old.pk}:pay"))
            audit.append(dict(action=AuditEvent.Action.CREATE, target_type=Application._meta.label_lower,
                              target_id=str(made[application.submission_key]),
                              summary=f"Renewal of {old.number} waiting for payment",
                              detail={"renews": old.pk, "invitation": invitation.pk,
                                      "fee_pence": application.fee_pence}))
        renewal_application = (Application.objects.filter(previous_entitlement_id=OuterRef("entitlement_id"),
                                                          kind=Application.Kind.RENEWAL)
                               .order_by("-id").values("pk")[:1])
        RenewalInvitation.objects.filter(pk__in=result.awaiting_payment, state__in=OPEN).update(
            state=State.AWAITING_PAYMENT, application=Subquery(renewal_application))
        if by_agreement:
            transaction.on_commit(lambda: _publish_agreement_payments(by_agreement))

    _bulk_timeline(timeline, by=by)
    _bulk_audit(audit, by=by)
    queue_many(outgoing, by=by, summary=f"Renewal replies acted on: {result.total}")
    return result


def _publish_agreement_payments(application_ids: list[int]) -> None:
    """Publish the task that takes the fees; never raises (the beat job's catch-up takes what is missed)."""
    from .tasks import pay_renewals_by_agreement

    try:
        pay_renewals_by_agreement.delay(application_ids)
    except Exception as exc:  # noqa: BLE001 - a broker outage: renewals_pay_pending_by_agreement picks them up
        logger.warning("Agreement payments for %d renewals not published (%s)", len(application_ids),
                       type(exc).__name__)


def renewals_pay_pending_by_agreement(*, limit: int = BATCH_SIZE, older_than: dt.timedelta = dt.timedelta(minutes=5),
                                      by: Any = None) -> int:
    """Renewals waiting for a fee under an active saved-card agreement with no payment yet (missed tasks)."""
    ids = list(Application.objects.filter(
        kind=Application.Kind.RENEWAL, status=Application.Status.AWAITING_PAYMENT, payment__isnull=True,
        previous_entitlement__payment_agreement__status="active",
        created_at__lte=timezone.now() - older_than).order_by("pk").values_list("pk", flat=True)[:limit])
    return renewals_pay_by_agreement(application_ids=ids, by=by)["paid"] if ids else 0


def renewals_pay_by_agreement(*, application_ids: Iterable[int], by: Any = None) -> dict[str, int]:
    """Take each renewal's fee under its saved-card agreement (after the YES was recorded and committed)."""
    from applications.services import application_pay_by_agreement

    counts = {"paid": 0, "not_paid": 0, "skipped": 0}
    for application in Application.objects.filter(pk__in=list(application_ids)).order_by("pk"):
        try:
            payment = application_pay_by_agreement(application=application, by=by)
        except ValidationError as exc:
            logger.warning("Renewal %s not paid by agreement: %s", application.reference, "; ".join(exc.messages))
            payment = None
        if payment is None:
            counts["skipped"] += 1
            on_agreement_payment_failed_for(application)
        elif payment.status == "success":
            counts["paid"] += 1
        else:
            counts["not_paid"] += 1  # declined (a link has gone) or not settled yet (the sweeper carries on)
    return counts


def on_agreement_payment_failed(payment: Any, by: Any) -> None:
    """Payments' failure handler: a renewal fee under an agreement was declined, so send the payment link."""
    if not payment.agreement_id or payment.sets_up_agreement:
        return  # the payer is on the card page and sees the outcome there
    application = Application.objects.filter(pk=payment.for_id).first()
    if application is not None:
        on_agreement_payment_failed_for(application)


def on_agreement_payment_failed_for(application: Application) -> None:
    invitation = (RenewalInvitation.objects.filter(application=application, state=State.AWAITING_PAYMENT)
                  .select_related("entitlement", "entitlement__customer", "entitlement__service").first())
    if invitation is None:
        return
    old = invitation.entitlement
    context = _context(old, old.customer, invitation.due)
    context.update(fee=pounds(application.fee_pence), pay_url=context["renew_url"])
    queue_many([Outgoing(old.customer, "renewal-pay", context, f"renewal:{old.pk}:pay")], by=None,
               summary="Renewal not paid with the saved card: payment link sent")


def renewals_apply_pending_replies(*, by: Any = None, limit: int = BATCH_SIZE) -> int:
    """One batch of recorded-but-not-yet-acted-on YES replies (the beat job's catch-up)."""
    ids = list(RenewalInvitation.objects.filter(reply=Reply.YES, state__in=OPEN).order_by("id")
               .values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    return renewals_apply_replies(invitation_ids=ids, by=by).total


@transaction.atomic
def renewal_accept(*, invitation: RenewalInvitation, channel: str, by: Any) -> tuple[bool, ReplyResult]:
    """"Nothing has changed": record the reply and act on it now. (recorded?, what happened)."""
    recorded = renewal_reply_record(invitation=invitation, reply=Reply.YES, channel=channel, by=by)
    if not recorded:
        return False, ReplyResult()
    customer = invitation.entitlement.customer
    from oxtom.customers.services import interaction_record

    interaction_record(
        customer=customer, kind="renewal.reply", summary=f"Renewal reply: nothing has changed ({channel})",
        channel=REPLY_CHANNEL_TIMELINE.get(channel, Channel.WEB), direction=Interaction.Direction.INBOUND, by=by,
        subject=invitation.entitlement, subject_reference=invitation.entitlement.number,
    )
    result = renewals_apply_replies(invitation_ids=[invitation.pk], by=by)
    invitation.refresh_from_db()
    return True, result


@transaction.atomic
def renewal_decline_changed(*, invitation: RenewalInvitation, channel: str, by: Any) -> bool:
    """"Something has changed": stop reminders and tell them how to report the change.

    False when the invitation already had a reply (nothing is sent twice).
    """
    recorded = renewal_reply_record(invitation=invitation, reply=Reply.CHANGE, channel=channel, by=by)
    if not recorded:
        return False
    RenewalInvitation.objects.filter(pk=invitation.pk, state__in=OPEN, reply=Reply.CHANGE).update(
        state=State.CHANGED, closed_at=timezone.now())
    invitation.refresh_from_db()
    ent = invitation.entitlement
    from oxtom.customers.services import interaction_record
    from oxtom.notify.services import notification_queue

    interaction_record(
        customer=ent.customer, kind="renewal.reply", summary=f"Renewal reply: something has changed ({channel})",
        channel=REPLY_CHANNEL_TIMELINE.get(channel, Channel.WEB), direction=Interaction.Direction.INBOUND, by=by,
        subject=ent, subject_reference=ent.number,
    )
    audit_record(by=by, action="update", target=invitation, summary=f"{ent.number}: resident says something changed")
    context = _context(ent, ent.customer, invitation.due)
    context["change_url"] = _site(change_path(ent))
    notification_queue(customer=ent.customer, template="renewal-changed", context=context, by=by,
                       idempotency_key=f"renewal:{ent.pk}:changed")
    return True
