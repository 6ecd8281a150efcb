"""Writes for business admin support: requests, allocation, agreeing a date, messages, hand-over,
rating, officers' skills and the menus. Every service is keyword-only, atomic, audited, takes `by=`.

A request is a case on the engine with the colleague as its staff requester (oxtom.cases.services
writes the case and its events); messages to people go through the notify outbox, written in the
same transaction. The engine's own requester messages are off for BAS services (their link is the
generic request page): these services tell people themselves, with links to the BAS pages.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from oxtom.accounts.models import Team, TeamMembership
from oxtom.accounts.permissions import Permission
from oxtom.cases import services as cases
from oxtom.cases.models import Case, Decision, Outcome, Service, Status
from oxtom.core.audit import audit_record
from oxtom.core.calendar import Calendar, working_days_between
from oxtom.core.references import random_code

from .models import MAX_TARGET_WORKING_DAYS, Attachment, BasRequest, Directorate, Menu, MenuItem, Message, OfficerSkill


MAX_DETAILS = 5000
MAX_MESSAGE = 2000
MAX_COMMENT = 2000
MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DAYS_AHEAD = 366
MAX_MESSAGES_PER_REQUEST = 500
FILE_TYPES = "PDF, Word (DOCX), Excel (XLSX), PowerPoint (PPTX), JPG, PNG or WebP"
DuplicateSubmission = cases.DuplicateSubmission


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content: bytes
    content_type: str
    extension: str


# --- who may do what -----------------------------------------------------------------------------

def is_requester(user: Any, bas_request: BasRequest) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bas_request.case.requested_by_id == user.pk


def can_work(user: Any, bas_request: BasRequest) -> bool:
    """Officers of the request's BAS team (a role held in that team, or everywhere) and administrators."""
    return cases.can_work_case(user, bas_request.case)


def can_allocate(user: Any, team_id: int) -> bool:
    """A leader of the BAS team: may give its requests to its officers."""
    return (bool(getattr(user, "is_authenticated", False)) and user.has_team_permission(Permission.CASE_ASSIGN, team_id)
            and (user.has_role("administrator") or cases.is_team_member(user, team_id)))


def can_manage_menus(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_permission(Permission.BAS_MANAGE)


def _require_staff(by: Any) -> None:
    if not (getattr(by, "is_authenticated", False) and by.can_enter_staff_area):
        raise PermissionDenied("Only members of staff can ask business admin for help")


def _require_worker(bas_request: BasRequest, by: Any) -> None:
    if not can_work(by, bas_request):
        raise PermissionDenied("You cannot work on this request")


# --- checking input --------------------------------------------------------------------------------

def _text(value: str | None, *, field: str, required: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: required})
    if len(text) > max_length:
        raise ValidationError({field: f"Must be {max_length:,} characters or fewer"})
    return text


def _future_date(value: dt.date | None, *, field: str, required: str) -> dt.date:
    if value is None:
        raise ValidationError({field: required})
    today = timezone.localdate()
    if value < today:
        raise ValidationError({field: "The date must be today or in the future"})
    if value > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError({field: "The date must be within the next year"})
    return value


def _display_name(name: str) -> str:
    """An uploaded file's name, safe to store and show: no path, letters, digits, spaces, dots, dashes."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return " ".join("".join(ch for ch in base if ch.isalnum() or ch in " ._-").split())[:90].strip(" .") or "file"


def _clean_filename(name: str, extension: str) -> str:
    """The stored name: the uploader's stem with the extension its bytes proved (never theirs)."""
    stem = _display_name(name).rsplit(".", 1)[0][:80].strip(" .") or "file"
    return f"{stem}.{extension}"


def files_check(uploads: Iterable[Any], *, field: str = "files") -> list[CheckedFile]:
    """Each file judged by its bytes with the shared checks (oxtom.core.uploads.document_check): a PDF
    without active content, a Word, Excel or PowerPoint file without macros (drafted documents and
    presentations are what business admin hands over), or an image re-encoded without its metadata.
    At most MAX_FILES."""
    from oxtom.core.uploads import ImageRejected, document_check

    items = [u for u in (uploads or []) if u]
    if len(items) > MAX_FILES:
        raise ValidationError({field: f"Send {MAX_FILES} files or fewer"})
    checked = []
    for upload in items:
        try:
            result = document_check(upload, max_bytes=MAX_FILE_BYTES, office=True)
        except ImageRejected as exc:
            name = _display_name(getattr(upload, "name", ""))
            raise ValidationError({field: f"{name}: {exc}"}) from None
        checked.append(CheckedFile(filename=_clean_filename(getattr(upload, "name", ""), result.extension),
                                   content=result.content, content_type=result.content_type,
                                   extension=result.extension))
    return checked


def _store(bas_request: BasRequest, files: list[CheckedFile], *, kind: str, by: Any) -> list[Attachment]:
    now = timezone.now()
    stored = []
    for item in files:
        attachment = Attachment(request=bas_request, kind=kind, filename=item.filename,
                                content_type=item.content_type, size=len(item.content), uploaded_by=by,
                                uploaded_at=now)
        attachment.file.save(f"{random_code(16)}.{item.extension}", ContentFile(item.content), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


# --- telling people (the outbox) ------------------------------------------------------------------------

def request_url(bas_request: BasRequest) -> str:
    from oxtom.core.links import absolute_reverse

    return absolute_reverse("bas:request", reference=bas_request.case.reference)


def _tell(bas_request: BasRequest, *, to: Iterable[Any], key: str, subject: str, message: str) -> int:
    """Email staff (the shared staff alert): the reference, what happened and a link, never the request's
    details. One that cannot be queued is logged there and leaves the work standing. Returns how many queued."""
    from oxtom.notify.services import staff_alert_queue

    link = request_url(bas_request)
    addresses = sorted({getattr(u, "email", u) for u in to if u and getattr(u, "is_active", True)} - {""})
    return sum(staff_alert_queue(to=address, key=f"bas:{bas_request.pk}:{key}:{address}"[:200], subject=subject,
                                 message=f"{message} See the request at {link}") for address in addresses)


def team_leaders(team_id: int) -> list[Any]:
    memberships = (TeamMembership.objects.filter(team_id=team_id, user__is_active=True)
                   .select_related("user"))
    return [m.user for m in memberships if m.is_leader or m.team_role == "team_leader"
            or m.user.has_permission(Permission.BAS_MANAGE)]


# --- routing ---------------------------------------------------------------------------------------

def directorate_for(user: Any) -> Directorate:
    """The requester's directorate, from the teams they belong to; else the default directorate."""
    found = (Directorate.objects.filter(teams__memberships__user_id=getattr(user, "pk", None))
             .select_related("bas_team").order_by("name").first())
    if found is None:
        found = Directorate.objects.filter(is_default=True).select_related("bas_team").first()
    if found is None:
        raise ValidationError("Business admin support is not set up yet: no directorate serves you")
    return found


def team_for(item: MenuItem, directorate: Directorate) -> Team:
    return item.team if item.team_id else directorate.bas_team


# --- a colleague asks --------------------------------------------------------------------------------

@transaction.atomic
def request_submit(*, item: MenuItem, details: str, needed_by: dt.date | None, files: Iterable[Any] = (),
                   submission_key: str = "", by: Any) -> BasRequest:
    """A colleague asks for a menu item: a case in the BAS team of their directorate, its leaders told.

    `submission_key` makes a double submit one request (DuplicateSubmission carries the first).
    """
    _require_staff(by)
    retired = Menu.objects.filter(pk=item.menu_id, retired_at__isnull=False).exists()
    if not item.is_active or not item.service.is_active or retired:
        raise ValidationError("This service is not taking requests at the moment")
    details = _text(details, field="details", required="Enter what you need", max_length=MAX_DETAILS)
    needed_by = _future_date(needed_by, field="needed_by", required="Enter the date you need it by")
    checked = files_check(files)
    directorate = directorate_for(by)
    team = team_for(item, directorate)
    case = cases.case_create(
        service=item.service, customer=None, requested_by=by, by=by, channel="web", title=item.name,
        answers={"details": details, "needed_by": needed_by.isoformat(), "directorate": directorate.name},
        submission_key=submission_key, team=team)
    bas_request = BasRequest.objects.create(case=case, item=item, directorate=directorate, details=details,
                                            needed_by=needed_by, created_at=timezone.now())
    _store(bas_request, checked, kind=Attachment.Kind.BRIEF, by=by)
    audit_record(by=by, action="create", target=bas_request, summary=f"Business admin request {case.reference}",
                 item=item.code, team=team.slug, files=len(checked))
    _tell(bas_request, to=[*team_leaders(team.pk), team.email], key="new",
          subject=f"New business admin request {case.reference}",
          message=f"{by} asked for {item.name} ({directorate.name}), needed by {needed_by:%-d %B %Y}. "
                  "It is waiting in the queue to be allocated.")
    return bas_request


# --- allocating by skill ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    officer: Any
    level: int  # 0: no skill recorded for this item
    level_label: str
    open_requests: int
    suggested: bool = False


def allocation_candidates(bas_request: BasRequest) -> list[Candidate]:
    """The team's officers, best first: the highest recorded skill for the item, then the fewest open cases
    (capacity), then name. The first is the suggestion. Three queries whatever the team's size."""
    from django.db.models import Count

    from oxtom.cases.selectors import team_officers

    team = bas_request.case.team
    officers = team_officers(team)
    ids = [o.pk for o in officers]
    levels = dict(OfficerSkill.objects.filter(item_id=bas_request.item_id, user_id__in=ids)
                  .values_list("user_id", "level"))
    loads = dict(Case.objects.filter(assignee_id__in=ids).exclude(status=Status.CLOSED).order_by()
                 .values("assignee_id").annotate(n=Count("id")).values_list("assignee_id", "n"))
    rows = sorted(officers, key=lambda o: (-levels.get(o.pk, 0), loads.get(o.pk, 0), str(o).lower(), o.pk))
    labels = dict(OfficerSkill.Level.choices)
    return [Candidate(officer=o, level=levels.get(o.pk, 0), level_label=labels.get(levels.get(o.pk, 0), "No skill recorded"),
                      open_requests=loads.get(o.pk, 0), suggested=i == 0) for i, o in enumerate(rows)]


@transaction.atomic
def request_allocate(*, bas_request: BasRequest, officer: Any, expected_version: int, by: Any) -> BasRequest:
    """The team leader gives the request to an officer of the team (the suggestion or another)."""
    case = bas_request.case
    if not can_allocate(by, case.team_id):
        raise PermissionDenied("Only a leader of this business admin team can allocate its requests")
    if officer is None:
        raise ValidationError({"officer": "Choose an officer"})
    case = cases.case_assign(case=case, assignee=officer, expected_version=expected_version, by=by)
    bas_request.case = case
    suggested = allocation_candidates(bas_request)[:1]
    audit_record(by=by, action="update", target=bas_request, summary=f"Allocated to {officer}",
                 officer=officer.pk, took_suggestion=bool(suggested and suggested[0].officer.pk == officer.pk))
    _tell(bas_request, to=[officer], key=f"allocated:{case.version}", subject=f"Request {case.reference} is yours",
          message=f"{by} gave you {bas_request.item.name} for {case.requested_by}. Contact them to agree a date.")
    _tell(bas_request, to=[case.requested_by], key=f"allocated-requester:{case.version}",
          subject=f"Your request {case.reference} has an officer",
          message=f"{officer} will do your request and will contact you to agree a date.")
    return bas_request


# --- agreeing a date ----------------------------------------------------------------------------------

def _lock(bas_request: BasRequest, expected_version: int) -> BasRequest:
    current = BasRequest.objects.select_for_update(of=("self",)).select_related("case", "case__team", "case__requested_by",
                                                                     "case__assignee", "item").get(pk=bas_request.pk)
    if current.version != expected_version:
        raise ValidationError("Someone changed this request while you were looking at it. Nothing has been "
                              "saved: check the latest and try again.", code="stale")
    return current


def _save(bas_request: BasRequest, fields: list[str]) -> None:
    bas_request.version += 1
    bas_request.save(update_fields=[*fields, "version"])


def _require_open(bas_request: BasRequest) -> None:
    if bas_request.delivered_at is not None or not bas_request.case.is_open:
        raise ValidationError("This request has been completed", code="invalid_transition")


@transaction.atomic
def request_propose_date(*, bas_request: BasRequest, date: dt.date | None, expected_version: int,
                         by: Any) -> BasRequest:
    """The officer proposes when they will deliver; the requester may answer with another date (a counter).

    The other side is told and may accept; proposing again replaces the last proposal.
    """
    bas_request = _lock(bas_request, expected_version)
    _require_open(bas_request)
    officer_side = can_work(by, bas_request) and not is_requester(by, bas_request)
    if not officer_side and not is_requester(by, bas_request):
        raise PermissionDenied("You cannot change the date of this request")
    if officer_side and bas_request.case.assignee_id is None:
        raise ValidationError("Allocate the request to an officer before proposing a date", code="invalid_transition")
    if not officer_side and bas_request.date_state not in (BasRequest.DateState.PROPOSED,):
        raise ValidationError("There is no proposed date to answer", code="invalid_transition")
    date = _future_date(date, field="date", required="Enter the date")
    if bas_request.date_state != BasRequest.DateState.AGREED and date == bas_request.proposed_date:
        raise ValidationError({"date": "That is the date already proposed: accept it instead"})
    bas_request.proposed_date, bas_request.proposed_by = date, by
    bas_request.date_state = BasRequest.DateState.PROPOSED if officer_side else BasRequest.DateState.COUNTERED
    bas_request.agreed_date = None
    _save(bas_request, ["proposed_date", "proposed_by", "date_state", "agreed_date"])
    audit_record(by=by, action="update", target=bas_request, summary=f"Date proposed: {date:%-d %B %Y}",
                 date=date.isoformat(), counter=not officer_side)
    other = [bas_request.case.requested_by] if officer_side else [bas_request.case.assignee]
    _tell(bas_request, to=other, key=f"date:{bas_request.version}", subject=f"Date proposed for {bas_request.reference}",
          message=f"{by} proposed {date:%-d %B %Y} for {bas_request.item.name}. Accept it or propose another.")
    return bas_request


@transaction.atomic
def request_accept_date(*, bas_request: BasRequest, expected_version: int, by: Any) -> BasRequest:
    """The side that did not propose accepts the date: it is agreed."""
    bas_request = _lock(bas_request, expected_version)
    _require_open(bas_request)
    state = bas_request.date_state
    if state == BasRequest.DateState.PROPOSED:
        allowed = is_requester(by, bas_request)
    elif state == BasRequest.DateState.COUNTERED:
        allowed = can_work(by, bas_request) and not is_requester(by, bas_request)
    else:
        raise ValidationError("There is no proposed date to accept", code="invalid_transition")
    if not allowed:
        raise PermissionDenied("The other side must accept this date")
    bas_request.agreed_date, bas_request.date_state = bas_request.proposed_date, BasRequest.DateState.AGREED
    _save(bas_request, ["agreed_date", "date_state"])
    audit_record(by=by, action="update", target=bas_request, summary=f"Date agreed: {bas_request.agreed_date:%-d %B %Y}",
                 date=bas_request.agreed_date.isoformat())
    _tell(bas_request, to=[bas_request.proposed_by], key=f"agreed:{bas_request.version}",
          subject=f"Date agreed for {bas_request.reference}",
          message=f"{by} accepted {bas_request.agreed_date:%-d %B %Y} for {bas_request.item.name}.")
    return bas_request


# --- messages -------------------------------------------------------------------------------------------

@transaction.atomic
def request_message(*, bas_request: BasRequest, text: str, by: Any) -> Message:
    """A message between the requester and the team on the request; the other side is emailed a link."""
    requester = is_requester(by, bas_request)
    if not requester and not can_work(by, bas_request):
        raise PermissionDenied("You cannot message on this request")
    text = _text(text, field="text", required="Enter your message", max_length=MAX_MESSAGE)
    BasRequest.objects.select_for_update().filter(pk=bas_request.pk).values_list("pk", flat=True).first()
    if Message.objects.filter(request=bas_request).count() >= MAX_MESSAGES_PER_REQUEST:
        raise ValidationError({"text": f"A request can have up to {MAX_MESSAGES_PER_REQUEST} messages"})
    message = Message.objects.create(request=bas_request, author=by, text=text, sent_at=timezone.now())
    audit_record(by=by, action="create", target=message, summary=f"Message on {bas_request.reference}")
    case = bas_request.case
    if requester:
        to = [case.assignee] if case.assignee_id else team_leaders(case.team_id)
    else:
        to = [case.requested_by]
    _tell(bas_request, to=to, key=f"message:{message.pk}", subject=f"New message on {case.reference}",
          message=f"{by} sent a message about {bas_request.item.name}.")
    return message


# --- hand-over and rating --------------------------------------------------------------------------------

@transaction.atomic
def request_deliver(*, bas_request: BasRequest, note: str, files: Iterable[Any], expected_version: int,
                    by: Any) -> BasRequest:
    """The officer hands over the deliverable: files stored, the case decided and closed (completion logged),
    whether it met the target recorded, and the requester asked to rate it."""
    bas_request = _lock(bas_request, expected_version)
    _require_worker(bas_request, by)
    _require_open(bas_request)
    case = bas_request.case
    if case.assignee_id is None:
        raise ValidationError("Allocate the request to an officer before handing it over", code="invalid_transition")
    note = _text(note, field="note", required="Say what you are handing over", max_length=MAX_DETAILS)
    checked = files_check(files)
    if not checked:
        raise ValidationError({"files": f"Attach the deliverable ({FILE_TYPES})"})
    _store(bas_request, checked, kind=Attachment.Kind.DELIVERABLE, by=by)
    if case.status != Status.IN_PROGRESS:
        case = cases.case_start_work(case=case, expected_version=case.version, by=by)
    case = cases.case_decide(case=case, decision=Decision.ACTION_TAKEN, reasons=note, expected_version=case.version,
                             by=by)
    case = cases.case_close(case=case, outcome=Outcome.COMPLETED, note="Deliverable handed over",
                            expected_version=case.version, by=by)
    today = timezone.localdate()
    received = timezone.localdate(case.received_at)
    bas_request.case = case
    bas_request.delivered_at, bas_request.delivery_note = timezone.now(), note
    bas_request.on_time = today <= case.due_at
    bas_request.working_days = working_days_between(received, today, Calendar.ENGLAND_AND_WALES)
    _save(bas_request, ["delivered_at", "delivery_note", "on_time", "working_days"])
    audit_record(by=by, action="update", target=bas_request, summary=f"Delivered {case.reference}",
                 files=len(checked), on_time=bas_request.on_time, working_days=bas_request.working_days)
    _tell(bas_request, to=[case.requested_by], key="delivered", subject=f"Your request {case.reference} is ready",
          message=f"{by} has handed over {bas_request.item.name}. Please rate the service.")
    _tell(bas_request, to=team_leaders(case.team_id), key="delivered-leader",
          subject=f"Request {case.reference} completed", message=f"{by} completed {bas_request.item.name}.")
    return bas_request


@transaction.atomic
def request_rate(*, bas_request: BasRequest, rating: int | None, comment: str = "", by: Any) -> BasRequest:
    """The requester rates a delivered request once, 1 (very poor) to 5 (very good), with an optional comment."""
    bas_request = BasRequest.objects.select_for_update(of=("self",)).select_related("case").get(pk=bas_request.pk)
    if not is_requester(by, bas_request):
        raise PermissionDenied("Only the colleague who asked can rate this request")
    if bas_request.delivered_at is None:
        raise ValidationError("You can rate the request once it has been handed over", code="invalid_transition")
    if bas_request.rated_at is not None:
        raise ValidationError("You have already rated this request", code="invalid_transition")
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ValidationError({"rating": "Choose a rating from 1 to 5"})
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError({"comment": f"Must be {MAX_COMMENT:,} characters or fewer"})
    bas_request.rating, bas_request.rating_comment, bas_request.rated_at = rating, comment, timezone.now()
    _save(bas_request, ["rating", "rating_comment", "rated_at"])
    audit_record(by=by, action="update", target=bas_request, summary=f"Rated {rating} out of 5", rating=rating)
    return bas_request


# --- skills -----------------------------------------------------------------------------------------

def can_record_skills(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_permission(Permission.BAS_WORK)


@transaction.atomic
def skills_set(*, levels: dict[int, int | None], by: Any) -> int:
    """An officer records how well they do each menu item (None: not a skill of theirs). Returns changes."""
    if not can_record_skills(by):
        raise PermissionDenied("Only business admin officers record skills")
    valid = set(OfficerSkill.Level.values)
    items = set(MenuItem.objects.filter(pk__in=list(levels)).values_list("pk", flat=True))
    if set(levels) - items:
        raise ValidationError("Choose services from the menu")
    if any(level is not None and level not in valid for level in levels.values()):
        raise ValidationError("Choose a level from the list")
    have = dict(OfficerSkill.objects.filter(user=by).values_list("item_id", "level"))
    changed = 0
    for item_id, level in levels.items():
        if have.get(item_id) == level:
            continue
        if level is None:
            OfficerSkill.objects.filter(user=by, item_id=item_id).delete()
        else:
            OfficerSkill.objects.update_or_create(user=by, item_id=item_id, defaults={"level": level})
        changed += 1
    if changed:
        audit_record(by=by, action="update", target=by, summary=f"Business admin skills recorded ({changed} changed)",
                     levels={str(k): v for k, v in levels.items() if have.get(k) != v})
    return changed


# --- the menus (BAS managers) -------------------------------------------------------------------------------

def _require_manager(by: Any) -> None:
    if not can_manage_menus(by):
        raise PermissionDenied("Only a business admin manager can edit the menus")


@transaction.atomic
def menu_item_save(*, item: MenuItem | None, menu: Menu, name: str, description: str, what_to_provide: str,
                   target_working_days: int, team: Team | None, is_active: bool = True,
                   expected_version: int | None = None, code: str = "", by: Any) -> MenuItem:
    """Add or change a menu item and its casework service (name, team, target) together."""
    from django.utils.text import slugify

    _require_manager(by)
    name = _text(name, field="name", required="Enter the service's name", max_length=120)
    description = _text(description, field="description", required="Describe the service", max_length=1000)
    what_to_provide = (what_to_provide or "").strip()
    if len(what_to_provide) > 1000:
        raise ValidationError({"what_to_provide": "Must be 1,000 characters or fewer"})
    if not isinstance(target_working_days, int) or not 1 <= target_working_days <= MAX_TARGET_WORKING_DAYS:
        raise ValidationError({"target_working_days": f"Enter a whole number of working days from 1 to "
                                                      f"{MAX_TARGET_WORKING_DAYS}"})
    default_team = Directorate.objects.filter(is_default=True).values_list("bas_team_id", flat=True).first()
    service_team = team.pk if team is not None else default_team
    if service_team is None:
        raise ValidationError({"team": "Choose the team that does this work"})
    sla = {str(p): target_working_days for p in (1, 2, 3, 4)}
    if item is None:
        code = slugify(code or name)[:34].strip("-")
        if not code:
            raise ValidationError({"name": "Enter a name with letters or numbers"})
        if MenuItem.objects.filter(code=code).exists() or Service.objects.filter(code=f"bas-{code}").exists():
            raise ValidationError({"name": "There is already a service with this name: choose another"})
        service = Service.objects.create(code=f"bas-{code}", name=name, kind=Service.Kind.REQUEST,
                                         reference_prefix="BA", description=description, team_id=service_team,
                                         sla_working_days=sla, qa_sample_rate=0, notify_customer_on_change=False,
                                         is_active=is_active)
        item = MenuItem.objects.create(menu=menu, code=code, name=name, description=description,
                                       what_to_provide=what_to_provide, target_working_days=target_working_days,
                                       team=team, service=service, is_active=is_active,
                                       position=MenuItem.objects.filter(menu=menu).count() + 1)
        audit_record(by=by, action="create", target=item, summary=f"Menu item added: {name}", menu=menu.slug)
        return item
    current = MenuItem.objects.select_for_update(of=("self",)).select_related("service").get(pk=item.pk)
    if expected_version is not None and current.version != expected_version:
        raise ValidationError("Someone changed this service while you were editing it. Nothing has been saved: "
                              "check the latest and try again.", code="stale")
    before = {"name": current.name, "menu": current.menu_id, "target": current.target_working_days,
              "team": current.team_id, "active": current.is_active, "description": current.description,
              "provide": current.what_to_provide}
    after = {"name": name, "menu": menu.pk, "target": target_working_days, "team": getattr(team, "pk", None),
             "active": bool(is_active), "description": description, "provide": what_to_provide}
    if before == after:
        raise ValidationError("Nothing has changed")
    current.menu, current.name, current.description = menu, name, description
    current.what_to_provide, current.target_working_days, current.team = what_to_provide, target_working_days, team
    current.is_active = bool(is_active)
    current.version += 1
    current.save()
    service = current.service
    service.name, service.description, service.team_id = name, description, service_team
    service.sla_working_days, service.is_active = sla, bool(is_active)
    service.save()
    audit_record(by=by, action="update", target=current, summary=f"Menu item changed: {name}",
                 changed={k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]})
    return current
