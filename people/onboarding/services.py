"""Writes for starters, leavers and staff IT access requests. Each is atomic, checks who acts, and is audited.

Day-one access is real: the starter's sign-in is made before the start date with the roles and teams their
role profile says, switched off; `starters_activate_due` (a scheduled job) switches it on on the start date
and sends the set-password link; the platform's own rule then makes them set up two-factor at first sign-in
(oxtom.accounts.middleware). A leaver's sign-in is closed by `leavers_deactivate_due` the same way.

Scheduled jobs take the date they run for (`today`/`through`), so tests freeze time by passing it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from oxtom.accounts.models import Team, TeamMembership
from oxtom.accounts.permissions import Permission
from oxtom.accounts.roles import ROLES_BY_CODE
from oxtom.cases.models import Service
from oxtom.cases.services import case_create
from oxtom.core.audit import audit_record
from oxtom.customers.models import Channel
from oxtom.notify.services import staff_alert_queue

from .models import (SYSTEM_NAMES, SYSTEMS, AccessRequest, BuddyMessage, ItemGroup, ItemOwner, Leaver,  # noqa: F401
                     LeaverItem, LineReport, Onboarding, OnboardingItem)

User = get_user_model()

ONBOARDING_SERVICE = "staff-onboarding"
LEAVER_SERVICE = "staff-leaver"
ACCESS_SERVICE = "staff-it-access"
# Roles a role profile may never hand out on its own: an administrator is made by an administrator.
NEVER_FROM_PROFILE = {"administrator", "resident", "councillor"}
MAX_MESSAGE = 2000
MAX_DETAILS = 1000
MAX_NAME = 150
PORTAL_DAYS_AFTER_START = 14  # the starter's link keeps working through their first fortnight


# The checklist every starter gets; e-learning and access lines depend on the role profile.
# (code, title, group, owner, days before the start date it is due: negative is after)
BASE_CHECKLIST = [
    ("buddy", "Buddy assigned and introduced", ItemGroup.BUDDY, ItemOwner.MANAGER, 10),
    ("elearning-induction", "Corporate induction e-learning (mandatory)", ItemGroup.ELEARNING, ItemOwner.STARTER, 1),
    ("elearning-data-protection", "Data protection and information security e-learning (mandatory)",
     ItemGroup.ELEARNING, ItemOwner.STARTER, 1),
    ("id-pass", "ID pass printed and ready to collect", ItemGroup.DAY_ONE, ItemOwner.COORDINATOR, 5),
    ("ict-equipment", "Laptop and ICT equipment ready", ItemGroup.DAY_ONE, ItemOwner.ICT, 10),
    ("mobile-phone", "Mobile phone ready", ItemGroup.DAY_ONE, ItemOwner.ICT, 10),
    ("desk", "Desk or workspace booked", ItemGroup.DAY_ONE, ItemOwner.MANAGER, 5),
    ("platform-account", "Staff sign-in made with the role's access (switched on on the start date)",
     ItemGroup.ACCESS, ItemOwner.SYSTEM, 5),
    ("council-systems", "Access to the council systems the role uses", ItemGroup.ACCESS, ItemOwner.ICT, 5),
    ("first-week-training", "First-week training booked", ItemGroup.TRAINING, ItemOwner.MANAGER, 0),
]
SAFEGUARDING_ITEM = ("elearning-safeguarding", "Safeguarding awareness e-learning (the post needs a DBS check)",
                     ItemGroup.ELEARNING, ItemOwner.STARTER, 1)
DAY_ONE_GROUPS = {ItemGroup.DAY_ONE, ItemGroup.ACCESS}

LEAVER_CHECKLIST = [
    ("handover", "Handover of work agreed and done", 3),
    ("equipment-returned", "Laptop, phone and ID pass returned", 0),
    ("exit-questionnaire", "Exit questionnaire offered", 0),
]


# --- who may do what -------------------------------------------------------------------------------------------

def _is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and user.has_role("administrator")


def is_coordinator(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_permission(Permission.RECRUITMENT_WORK)


def is_ict_desk(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_permission(Permission.ICT_DESK)


def manages(user: Any, manager_id: int | None) -> bool:
    return (bool(getattr(user, "is_authenticated", False)) and user.pk == manager_id
            and user.has_permission(Permission.STAFF_MANAGE))


def can_see_onboarding(user: Any, onboarding: Onboarding) -> bool:
    return is_coordinator(user) or _is_admin(user) or manages(user, onboarding.manager_id)


def can_tick(user: Any, item: OnboardingItem, onboarding: Onboarding) -> bool:
    """HR (co-ordinator) and the starter's manager tick anything but the platform's own line; the ICT desk its own."""
    if item.owner == ItemOwner.SYSTEM:
        return False
    if can_see_onboarding(user, onboarding):
        return True
    return item.owner == ItemOwner.ICT and is_ict_desk(user)


# --- helpers ---------------------------------------------------------------------------------------------------

def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _service(code: str) -> Service:
    try:
        return Service.objects.select_related("team").get(code=code)
    except Service.DoesNotExist:
        raise ValidationError(f"The {code} service is not set up: run the migrations") from None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Enter the starter's name"})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": f"The name must be {MAX_NAME} characters or fewer"})
    return name


def _profile_roles(role_profile: Any) -> list[str]:
    roles = list(role_profile.staff_roles or [])
    unknown = [r for r in roles if r not in ROLES_BY_CODE]
    if unknown:
        raise ValidationError(f"The role profile {role_profile} names roles that do not exist: {', '.join(unknown)}")
    forbidden = sorted(set(roles) & NEVER_FROM_PROFILE)
    if forbidden:
        raise ValidationError(f"A role profile cannot give the {', '.join(forbidden)} role: an administrator must")
    return roles


def _work_email(name: str) -> str:
    """first.last@<STAFF_EMAIL_DOMAIN>, with a number when that address is taken."""
    domain = getattr(settings, "STAFF_EMAIL_DOMAIN", "oxtom.example")
    local = re.sub(r"[^a-z0-9.]", "", slugify(name).replace("-", ".")).strip(".") or "starter"
    candidate, n = f"{local}@{domain}", 1
    while User.objects.filter(email=candidate).exists():
        n += 1
        candidate = f"{local}{n}@{domain}"
    return candidate


def _alert(to: str, key: str, subject: str, message: str) -> None:
    if to:
        staff_alert_queue(to=to, key=key, subject=subject, message=message)


def _portal_link(token: str) -> str:
    from oxtom.core.links import absolute_reverse

    return absolute_reverse("onboarding:portal", token=token)


# --- onboarding ------------------------------------------------------------------------------------------------

def _checklist(role_profile: Any) -> list[tuple]:
    rows = list(BASE_CHECKLIST)
    if role_profile.needs_dbs:
        rows.insert(3, SAFEGUARDING_ITEM)
    return rows


def _due(start_date: dt.date | None, days_before: int) -> dt.date | None:
    return None if start_date is None else start_date - dt.timedelta(days=days_before)


@transaction.atomic
def open_onboarding(*, role_profile: Any, name: str, personal_email: str, manager: Any, by: Any = None,
                    start_date: dt.date | None = None, phone: str = "", coordinator: Any = None,
                    offer_id: int | None = None, vacancy_reference: str = "", today: dt.date | None = None,
                    ) -> tuple[Onboarding, str]:
    """Open a starter's onboarding case and checklist; returns it and the starter's portal token.

    Idempotent on `offer_id` (recruitment's hook may be called again for the same offer): the second call
    returns the first onboarding and an empty token. With a start date the staff sign-in is made now, switched off.
    """
    if offer_id is not None:
        existing = Onboarding.objects.filter(offer_id=offer_id).first()
        if existing is not None:
            return existing, ""
    name = _clean_name(name)
    personal_email = (personal_email or "").strip().lower()
    if not personal_email or "@" not in personal_email or len(personal_email) > 254:
        raise ValidationError({"personal_email": "Enter the starter's email address, like name@example.com"})
    if manager is None or not (manager.is_active and manager.has_permission(Permission.STAFF_MANAGE)):
        raise ValidationError({"manager": "Choose an active line manager"})
    _profile_roles(role_profile)
    today = _today(today)
    if start_date is not None and start_date < today:
        raise ValidationError({"start_date": "The start date must be today or in the future"})
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    try:
        with transaction.atomic():
            onboarding = Onboarding.objects.create(
                offer_id=offer_id, vacancy_reference=vacancy_reference[:40], role_profile=role_profile, name=name,
                personal_email=personal_email, phone=(phone or "")[:32], manager=manager, coordinator=coordinator,
                start_date=start_date, portal_token_hash=token_hash(token), created_at=now)
    except IntegrityError:  # the same offer at the same moment: the first one stands
        if offer_id is None:
            raise
        return Onboarding.objects.get(offer_id=offer_id), ""
    OnboardingItem.objects.bulk_create([
        OnboardingItem(onboarding=onboarding, code=code, title=title, group=group, owner=owner,
                       due_on=_due(start_date, days), position=n)
        for n, (code, title, group, owner, days) in enumerate(_checklist(role_profile))])
    onboarding.case = case_create(
        service=_service(ONBOARDING_SERVICE), customer=None, requested_by=manager, by=by, channel=Channel.SYSTEM,
        title=f"Onboarding: {role_profile.title}",
        answers={"Role": str(role_profile), "Directorate": role_profile.directorate,
                 "Start date": start_date.isoformat() if start_date else "to be agreed"})
    onboarding.save(update_fields=["case"])
    audit_record(by=by, action="create", target=onboarding, summary=f"Onboarding opened ({onboarding.case.reference})",
                 offer=offer_id, role_profile=role_profile.pk)
    _alert(personal_email, f"onboarding-welcome-{onboarding.pk}", "Welcome: getting ready to start",
           f"Welcome to the council. Your page for getting ready to start, with what to do before your first day "
           f"and whom to contact, is at {_portal_link(token)} (keep this link to yourself).")
    if start_date is not None:
        _prepare_account(onboarding, by=by)
    return onboarding, token


@transaction.atomic
def onboarding_set_start_date(*, onboarding: Onboarding, start_date: dt.date, by: Any,
                              today: dt.date | None = None) -> Onboarding:
    """The agreed start date: the checklist's due dates follow it, and the switched-off sign-in is made."""
    onboarding = Onboarding.objects.select_for_update().get(pk=onboarding.pk)
    if by is not None and not can_see_onboarding(by, onboarding):
        raise PermissionDenied("You cannot change this starter")
    if onboarding.status != Onboarding.Status.OPEN:
        raise ValidationError({"start_date": "This starter has already started"})
    if start_date < _today(today):
        raise ValidationError({"start_date": "The start date must be today or in the future"})
    onboarding.start_date = start_date
    onboarding.save(update_fields=["start_date"])
    days = {row[0]: row[4] for row in _checklist(onboarding.role_profile)}
    for item in onboarding.items.all():
        if item.code in days:
            item.due_on = _due(start_date, days[item.code])
            item.save(update_fields=["due_on"])
    audit_record(by=by, action="update", target=onboarding, summary=f"Start date set to {start_date:%d %B %Y}")
    _prepare_account(onboarding, by=by)
    return onboarding


def _prepare_account(onboarding: Onboarding, *, by: Any) -> None:
    """The starter's staff sign-in: the role profile's roles and teams, no password, switched off until day one."""
    if onboarding.account_id is not None:
        return
    from allauth.account.models import EmailAddress

    profile = onboarding.role_profile
    roles = _profile_roles(profile)
    account = User.objects.create_user(_work_email(onboarding.name), password=None, full_name=onboarding.name,
                                       roles=roles, is_active=False)
    # The council issues the address: it needs no confirming before the first sign-in.
    EmailAddress.objects.create(user=account, email=account.email, verified=True, primary=True)
    teams = list(profile.teams.all())
    TeamMembership.objects.bulk_create([TeamMembership(team=team, user=account) for team in teams])
    LineReport.objects.update_or_create(staff=account, defaults={"manager": onboarding.manager,
                                                                 "role_profile": profile})
    onboarding.account = account
    onboarding.save(update_fields=["account"])
    OnboardingItem.objects.filter(onboarding=onboarding, code="platform-account").update(done_at=timezone.now())
    audit_record(by=by, action="create", target=account, summary=f"Staff sign-in made for starter {onboarding.name}",
                 roles=roles, teams=[t.slug for t in teams], active_from=str(onboarding.start_date))


def _load_item(onboarding: Onboarding, code: str) -> OnboardingItem:
    item = OnboardingItem.objects.filter(onboarding=onboarding, code=code).first()
    if item is None:
        raise ValidationError("There is no such item on this checklist")
    return item


@transaction.atomic
def onboarding_item_complete(*, item: OnboardingItem, by: Any) -> OnboardingItem:
    """Tick a checklist line. Ticking one ticked meanwhile is refused (a conditional update, so never twice)."""
    onboarding = item.onboarding
    if not can_tick(by, item, onboarding):
        raise PermissionDenied("You cannot tick this item")
    if onboarding.status == Onboarding.Status.CANCELLED:
        raise ValidationError("This onboarding was cancelled")
    now = timezone.now()
    if OnboardingItem.objects.filter(pk=item.pk, done_at__isnull=True).update(done_at=now, done_by=by) != 1:
        raise ValidationError("That has already been ticked")
    item.done_at, item.done_by = now, by
    audit_record(by=by, action="update", target=onboarding, summary=f"Checklist: {item.title}", item=item.code)
    return item


@transaction.atomic
def onboarding_elearning_complete(*, onboarding: Onboarding, code: str) -> OnboardingItem:
    """The starter records an e-learning module done, from their own page (the token link is who they are)."""
    item = _load_item(onboarding, code)
    if item.group != ItemGroup.ELEARNING:
        raise ValidationError("Only e-learning is recorded from this page")
    now = timezone.now()
    if OnboardingItem.objects.filter(pk=item.pk, done_at__isnull=True).update(done_at=now) != 1:
        raise ValidationError("You have already recorded that module")
    item.done_at = now
    audit_record(by=None, action="update", target=onboarding, summary=f"Starter completed: {item.title}",
                 item=item.code)
    return item


@transaction.atomic
def onboarding_assign_buddy(*, onboarding: Onboarding, buddy: Any, by: Any) -> Onboarding:
    """A buddy for the starter: told through the outbox, and able to message the starter before day one."""
    if not can_see_onboarding(by, onboarding):
        raise PermissionDenied("You cannot change this starter")
    if buddy is None or not (buddy.is_active and buddy.can_enter_staff_area):
        raise ValidationError({"buddy": "Choose an active member of staff as the buddy"})
    if buddy.pk in (onboarding.account_id, onboarding.manager_id):
        raise ValidationError({"buddy": "The buddy must be someone other than the starter and their manager"})
    if onboarding.buddy_id == buddy.pk:
        raise ValidationError({"buddy": f"{buddy} is already the buddy"})
    onboarding.buddy = buddy
    onboarding.save(update_fields=["buddy"])
    OnboardingItem.objects.filter(onboarding=onboarding, code="buddy", done_at__isnull=True).update(
        done_at=timezone.now(), done_by=by)
    audit_record(by=by, action="update", target=onboarding, summary=f"Buddy assigned: {buddy}", buddy=buddy.pk)
    from oxtom.core.links import absolute_reverse

    _alert(buddy.email, f"onboarding-buddy-{onboarding.pk}-{buddy.pk}", "You are a new starter's buddy",
           f"You are the buddy of {onboarding.name}, starting as {onboarding.role_profile.title}"
           + (f" on {onboarding.start_date:%d %B %Y}" if onboarding.start_date else "")
           + f". You can send them a message before their first day: {absolute_reverse('onboarding:buddy', onboarding.pk)}")
    return onboarding


@transaction.atomic
def buddy_message_send(*, onboarding: Onboarding, text: str, by: Any) -> BuddyMessage:
    """The buddy (or manager) writes to the starter before day one: stored, and emailed through the outbox."""
    if not (getattr(by, "is_authenticated", False) and by.pk in (onboarding.buddy_id, onboarding.manager_id)):
        raise PermissionDenied("Only the starter's buddy or manager can message them")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Enter your message"})
    if len(text) > MAX_MESSAGE:
        raise ValidationError({"text": f"Your message must be {MAX_MESSAGE:,} characters or fewer"})
    message = BuddyMessage.objects.create(onboarding=onboarding, sender=by, text=text, sent_at=timezone.now())
    audit_record(by=by, action="create", target=onboarding, summary="Message sent to the starter")
    _alert(onboarding.personal_email, f"onboarding-message-{message.pk}", f"A message from {by}",
           f"{by} wrote to you before your first day:\n\n{text}")
    return message


def _set_password_link(account: Any) -> str:
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    from oxtom.core.links import absolute_reverse

    return absolute_reverse("account_reset_password_from_key", uidb36=user_pk_to_url_str(account),
                            key=default_token_generator.make_token(account))


def starters_activate_due(*, today: dt.date | None = None) -> int:
    """The scheduled job: switch on every starter's sign-in whose start date has come; send the set-password link.

    Each starter in their own transaction, claimed with a conditional update, so a double run does nothing twice.
    Records whether every day-one item was ready by the start date (the measure).
    """
    today = _today(today)
    done = 0
    ids = list(Onboarding.objects.filter(status=Onboarding.Status.OPEN, activated_at__isnull=True,
                                         start_date__lte=today, account__isnull=False).values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            now = timezone.now()
            if Onboarding.objects.filter(pk=pk, status=Onboarding.Status.OPEN, activated_at__isnull=True).update(
                    status=Onboarding.Status.STARTED, activated_at=now) != 1:
                continue
            onboarding = Onboarding.objects.select_related("account").get(pk=pk)
            limit = onboarding.start_date
            items = list(onboarding.items.filter(group__in=DAY_ONE_GROUPS))
            ready = all(i.done_at is not None and timezone.localdate(i.done_at) <= limit for i in items)
            onboarding.day_one_ready = ready
            onboarding.save(update_fields=["day_one_ready"])
            account = onboarding.account
            User.objects.filter(pk=account.pk).update(is_active=True)
            account.is_active = True
            audit_record(by=None, action="activate", target=account,
                         summary=f"Starter's sign-in switched on for their start date {onboarding.start_date:%d %B %Y}",
                         day_one_ready=ready)
            _alert(onboarding.personal_email, f"onboarding-password-{onboarding.pk}", "Your council sign-in is ready",
                   f"Welcome to your first day. Your staff sign-in is {account.email}. Choose your password here: "
                   f"{_set_password_link(account)} . When you first sign in you will set up two-factor "
                   "authentication with an app on your phone.")
            _alert(onboarding.manager.email, f"onboarding-started-{onboarding.pk}", "Your starter's sign-in is on",
                   f"{onboarding.name}'s staff sign-in was switched on today"
                   + ("." if ready else ": some day-one items were not ready, see the starter's checklist."))
            done += 1
    return done


# --- leavers -------------------------------------------------------------------------------------------------

def _require_manager_of(by: Any, staff: Any) -> None:
    if _is_admin(by):
        return
    line = LineReport.objects.filter(staff=staff).values_list("manager_id", flat=True).first()
    if not manages(by, line):
        raise PermissionDenied("You can only do this for people you manage")


@transaction.atomic
def leaver_record(*, account: Any, last_working_day: dt.date, by: Any, today: dt.date | None = None) -> Leaver:
    """A manager records a leaver: the checklist opens, and the sign-in closes after the last working day."""
    _require_manager_of(by, account)
    if last_working_day < _today(today):
        raise ValidationError({"last_working_day": "The last working day must be today or in the future"})
    if last_working_day > _today(today) + dt.timedelta(days=366):
        raise ValidationError({"last_working_day": "The last working day must be within the next year"})
    if not account.is_active:
        raise ValidationError({"account": f"{account}'s sign-in is already closed"})
    if Leaver.objects.filter(account=account, status=Leaver.Status.OPEN).exists():
        raise ValidationError({"account": f"{account} is already recorded as leaving"})
    try:
        with transaction.atomic():
            leaver = Leaver.objects.create(account=account, manager=by, last_working_day=last_working_day,
                                           recorded_at=timezone.now())
    except IntegrityError:
        raise ValidationError({"account": f"{account} is already recorded as leaving"}) from None
    LeaverItem.objects.bulk_create([
        LeaverItem(leaver=leaver, code=code, title=title, due_on=last_working_day - dt.timedelta(days=days), position=n)
        for n, (code, title, days) in enumerate(LEAVER_CHECKLIST)])
    leaver.case = case_create(service=_service(LEAVER_SERVICE), customer=None, requested_by=by, by=by,
                              channel=Channel.WEB, title="Leaver",
                              answers={"Last working day": last_working_day.isoformat()})
    leaver.save(update_fields=["case"])
    audit_record(by=by, action="create", target=leaver, summary=f"Leaver recorded: {account}, last day "
                 f"{last_working_day:%d %B %Y}", account=account.pk)
    return leaver


@transaction.atomic
def leaver_item_complete(*, item: LeaverItem, by: Any) -> LeaverItem:
    leaver = item.leaver
    if not (manages(by, leaver.manager_id) or is_coordinator(by) or _is_admin(by)):
        raise PermissionDenied("You cannot tick this item")
    now = timezone.now()
    if LeaverItem.objects.filter(pk=item.pk, done_at__isnull=True).update(done_at=now, done_by=by) != 1:
        raise ValidationError("That has already been ticked")
    item.done_at, item.done_by = now, by
    audit_record(by=by, action="update", target=leaver, summary=f"Leaver checklist: {item.title}", item=item.code)
    return item


@transaction.atomic
def leaver_cancel(*, leaver: Leaver, by: Any) -> Leaver:
    """They are staying after all: nothing is closed."""
    if not (manages(by, leaver.manager_id) or _is_admin(by)):
        raise PermissionDenied("You cannot change this leaver")
    if Leaver.objects.filter(pk=leaver.pk, status=Leaver.Status.OPEN).update(status=Leaver.Status.CANCELLED) != 1:
        raise ValidationError("This leaver has already left or was cancelled")
    leaver.status = Leaver.Status.CANCELLED
    audit_record(by=by, action="update", target=leaver, summary="Leaving cancelled")
    return leaver


def _end_sessions(user_ids: set[int]) -> int:
    """Delete the live sessions of these users (the database session store holds no user column: decode each)."""
    from django.contrib.sessions.models import Session

    ended, wanted = 0, {str(pk) for pk in user_ids}
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=1000):
        if str(session.get_decoded().get("_auth_user_id")) in wanted:
            session.delete()
            ended += 1
    return ended


def account_close(*, account: Any, reason: str, by: Any) -> dict:
    """Close a sign-in: switched off, password unusable, sessions ended, API keys revoked, teams left.

    Returns what was ended (kept on the leaver and in the audit). Runs inside the caller's transaction.
    """
    memberships = [{"team": slug, "team_role": role, "is_leader": leader} for slug, role, leader in
                   TeamMembership.objects.filter(user=account).values_list("team__slug", "team_role", "is_leader")]
    TeamMembership.objects.filter(user=account).delete()
    account.is_active = False
    account.set_unusable_password()  # the session hash changes too: any session not found below dies with it
    account.save(update_fields=["is_active", "password"])
    sessions = _end_sessions({account.pk})
    keys = 0
    client = getattr(account, "api_client", None) if hasattr(account, "api_client") else None
    if client is not None:
        from api.services import api_client_deactivate

        keys = client.keys.filter(revoked_at__isnull=True).count()
        api_client_deactivate(client=client, by=by)
    LineReport.objects.filter(staff=account).delete()
    detail = {"teams": memberships, "sessions_ended": sessions, "api_keys_revoked": keys}
    audit_record(by=by, action="deactivate", target=account, summary=reason, **detail)
    return detail


def leavers_deactivate_due(*, through: dt.date) -> int:
    """The scheduled job: close the sign-in of every leaver whose last working day is `through` or earlier."""
    done = 0
    ids = list(Leaver.objects.filter(status=Leaver.Status.OPEN, last_working_day__lte=through)
               .values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            now = timezone.now()
            if Leaver.objects.filter(pk=pk, status=Leaver.Status.OPEN).update(status=Leaver.Status.LEFT,
                                                                               deactivated_at=now) != 1:
                continue
            leaver = Leaver.objects.select_related("account", "manager").get(pk=pk)
            detail = account_close(account=leaver.account, by=None,
                                   reason=f"{leaver.account} left: last working day "
                                          f"{leaver.last_working_day:%d %B %Y}, sign-in closed")
            leaver.ended_memberships = detail["teams"]
            leaver.save(update_fields=["ended_memberships"])
            _alert(leaver.manager.email, f"leaver-closed-{leaver.pk}", "A leaver's sign-in was closed",
                   f"{leaver.account}'s staff sign-in was closed after their last working day.")
            done += 1
    return done


def deactivation_cutoff(now: dt.datetime | None = None) -> dt.date:
    """Whose sign-ins close now: the evening run closes today's leavers, the morning catch-up yesterday's."""
    local = timezone.localtime(now or timezone.now())
    return local.date() if local.hour >= 18 else local.date() - dt.timedelta(days=1)


@transaction.atomic
def role_change(*, account: Any, role_profile: Any, by: Any) -> dict:
    """Move someone to a new role: their roles and team memberships become the new profile's, as a leaver's end."""
    _require_manager_of(by, account)
    if not account.is_active:
        raise ValidationError({"account": f"{account}'s sign-in is closed"})
    line = LineReport.objects.select_for_update().get(staff=account) if not _is_admin(by) else \
        LineReport.objects.filter(staff=account).first()
    if line is not None and line.role_profile_id == role_profile.pk:
        raise ValidationError({"role_profile": f"{account} is already in that role"})
    roles = _profile_roles(role_profile)
    wanted = set(role_profile.teams.values_list("pk", flat=True))
    have = dict(TeamMembership.objects.filter(user=account).values_list("team_id", "team__slug"))
    ended = [slug for team_id, slug in have.items() if team_id not in wanted]
    TeamMembership.objects.filter(user=account).exclude(team_id__in=wanted).delete()
    added = [TeamMembership(team_id=t, user=account) for t in wanted if t not in have]
    TeamMembership.objects.bulk_create(added)
    account.roles = roles
    account.save(update_fields=["roles"])
    if line is not None:
        line.role_profile = role_profile
        line.save(update_fields=["role_profile"])
    added_slugs = list(Team.objects.filter(pk__in=[m.team_id for m in added]).values_list("slug", flat=True))
    audit_record(by=by, action="update", target=account, summary=f"Role changed to {role_profile}",
                 roles=roles, teams_ended=ended, teams_added=added_slugs)
    return {"ended": ended, "added": added_slugs}


# --- staff IT access requests ------------------------------------------------------------------------------------

@transaction.atomic
def access_request_submit(*, requester: Any, kind: str, system: str, details: str = "",
                          submission_key: str = "") -> AccessRequest:
    """A member of staff asks for a password reset or access; their manager confirms it is them before the desk sees it."""
    if not (getattr(requester, "is_authenticated", False) and requester.is_active and requester.can_enter_staff_area):
        raise PermissionDenied("Only staff can ask the ICT service desk")
    if kind not in AccessRequest.Kind.values:
        raise ValidationError({"kind": "Choose a password reset or access"})
    if system not in SYSTEM_NAMES:
        raise ValidationError({"system": "Choose the system"})
    details = (details or "").strip()
    if len(details) > MAX_DETAILS:
        raise ValidationError({"details": f"Details must be {MAX_DETAILS:,} characters or fewer"})
    if system == "other" and not details:
        raise ValidationError({"details": "Say which system you need"})
    if kind == AccessRequest.Kind.ACCESS and not details:
        raise ValidationError({"details": "Say what access you need and why"})
    key = (submission_key or "")[:64]
    if key:
        twin = AccessRequest.objects.filter(submission_key=key).first()
        if twin is not None:
            return twin
    manager_id = LineReport.objects.filter(staff=requester).values_list("manager_id", flat=True).first()
    if manager_id is None:
        raise ValidationError("We do not know who your line manager is, so nobody can confirm this is you: "
                              "ask your manager to call the ICT service desk")
    request = AccessRequest.objects.create(requester=requester, checker_id=manager_id, kind=kind, system=system,
                                           details=details, submission_key=key, created_at=timezone.now())
    audit_record(by=requester, action="create", target=request, summary=f"IT request: {request}")
    checker = User.objects.get(pk=manager_id)
    from oxtom.core.links import absolute_reverse

    _alert(checker.email, f"access-check-{request.pk}", "Confirm a colleague's IT request",
           f"{requester} asked the ICT service desk: {request}. Confirm it is really them: "
           f"{absolute_reverse('onboarding:access_check', request.pk)}")
    return request


@transaction.atomic
def access_request_check(*, request: AccessRequest, confirmed: bool, by: Any) -> AccessRequest:
    """The manager confirms (the request goes to the ICT service desk's queue, a case) or refuses it."""
    if not (getattr(by, "is_authenticated", False) and by.pk == request.checker_id):
        raise PermissionDenied("Only the requester's manager can confirm this")
    status = AccessRequest.Status.WITH_DESK if confirmed else AccessRequest.Status.REFUSED
    now = timezone.now()
    if AccessRequest.objects.filter(pk=request.pk, status=AccessRequest.Status.AWAITING_CHECK).update(
            status=status, checked_at=now) != 1:
        raise ValidationError("This request has already been answered")
    request.status, request.checked_at = status, now
    if confirmed:
        system = SYSTEM_NAMES[request.system]
        request.case = case_create(
            service=_service(ACCESS_SERVICE), customer=None, requested_by=request.requester, by=by,
            channel=Channel.WEB, title=f"{request.get_kind_display()}: {system}",
            answers={"Request": request.get_kind_display(), "System": system, "Details": request.details or "None",
                     "Identity": f"Confirmed by their line manager, {by}"})
        request.save(update_fields=["case"])
    audit_record(by=by, action="update", target=request,
                 summary="Identity confirmed: sent to the ICT service desk" if confirmed else "Identity not confirmed")
    _alert(request.requester.email, f"access-checked-{request.pk}", "Your IT request",
           f"Your request ({request}) " + (f"is with the ICT service desk as {request.case.reference}."
                                           if confirmed else "was not confirmed by your manager: talk to them."))
    return request
