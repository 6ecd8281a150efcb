"""Writes for the post room and bulk data uploads. Every one is atomic, takes the acting officer as `by=`
and records its own audit event.

Routing post goes through the case engine: it opens a case on the chosen service (so it joins that
service's team queue with its clock started on the day the post arrived), follows the matched case
when there is one (both case pages link), and never writes a case row itself.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from oxtom.accounts.permissions import Permission
from oxtom.cases import services as cases
from oxtom.core.audit import audit_record
from oxtom.core.bulk import insert_many
from oxtom.core.hygiene import clean_free_text
from oxtom.core.references import random_code
from oxtom.core.uploads import ImageRejected, document_check
from oxtom.customers.models import Channel

from . import datasets
from .models import DatasetUpload, PostItem, SenPupilRecord, TransportRoute

MAX_FILES = 20
MAX_POST_BYTES = 10 * 1024 * 1024
MAX_SENDER = 200
MAX_SUMMARY = 1000
OLDEST_POST_DAYS = 366
MAX_ROUTE_NOTE = 1000
# The casework service post with no customer and no case is routed on (bas/intake/migrations/0002).
POST_FOR_TEAM_SERVICE = "bas-post-for-team"


def can_work_intake(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "is_active", False) and \
        user.has_permission(Permission.BAS_WORK)


def _require(by: Any) -> None:
    if not can_work_intake(by):
        raise PermissionDenied("Only business admin officers work the post room and bulk uploads")


def _clean(value: str, *, field: str, limit: int, what: str, required: bool = False) -> str:
    text = " ".join((value or "").split()) if field == "sender" else (value or "").strip()
    if required and not text:
        raise ValidationError({field: f"Enter {what}"})
    if len(text) > limit:
        raise ValidationError({field: f"{what[0].upper()}{what[1:]} must be {limit:,} characters or fewer"})
    return text


def _received_on(value: dt.date | None) -> dt.date:
    today = timezone.localdate()
    if value is None:
        raise ValidationError({"received_on": "Enter the date the post was received"})
    if value > today:
        raise ValidationError({"received_on": "The date the post was received must be today or in the past"})
    if value < today - dt.timedelta(days=OLDEST_POST_DAYS):
        raise ValidationError({"received_on": "The date the post was received must be within the last year"})
    return value


def _new_reference(model) -> str:
    while True:
        reference = random_code(8, prefix="PS" if model is PostItem else "DU")
        if not model.objects.filter(reference=reference).exists():
            return reference


# --- the post room ------------------------------------------------------------------------------------

@transaction.atomic
def post_items_log(*, files: list, received_on: dt.date | None, sender: str = "", summary: str = "",
                   by: Any) -> list[PostItem]:
    """Log scanned post: one item per file, all or none.

    Each file is judged by its bytes (oxtom/core/uploads.document_check: a PDF without scripts or
    actions, or an image re-encoded without its metadata, decompression bombs refused). A scan
    already logged (the same bytes) is refused naming the item it is, so nothing is logged twice.
    """
    _require(by)
    received_on = _received_on(received_on)
    sender = _clean(sender, field="sender", limit=MAX_SENDER, what="who the post is from")
    summary = _clean(summary, field="summary", limit=MAX_SUMMARY, what="the summary")
    if not files:
        raise ValidationError({"files": "Choose the scanned post to upload"})
    if len(files) > MAX_FILES:
        raise ValidationError({"files": f"Choose {MAX_FILES} files or fewer at a time"})
    checked = []
    seen: dict[str, str] = {}
    for upload in files:
        name = (getattr(upload, "name", "") or "file")[-80:]
        try:
            document = document_check(upload, max_bytes=MAX_POST_BYTES)
        except ImageRejected as exc:
            raise ValidationError({"files": f"{name}: {exc}"}) from None
        digest = hashlib.sha256(document.content).hexdigest()
        if digest in seen:
            raise ValidationError({"files": f"{name} is the same scan as {seen[digest]}: choose each file once"})
        seen[digest] = name
        checked.append((name, document, digest))
    earlier = dict(PostItem.objects.filter(sha256__in=list(seen)).values_list("sha256", "reference"))
    for name, _document, digest in checked:
        if digest in earlier:
            raise ValidationError({"files": f"{name} was already logged as {earlier[digest]}: nothing was logged twice"})
    now = timezone.now()
    items = []
    for _name, document, digest in checked:
        item = PostItem(reference=_new_reference(PostItem), received_on=received_on, sender=sender, summary=summary,
                        content_type=document.content_type, extension=document.extension,
                        size=len(document.content), sha256=digest, logged_by=by, logged_at=now)
        try:
            with transaction.atomic():
                item.file.save("scan", ContentFile(document.content), save=False)
                item.save()
        except IntegrityError:
            raise ValidationError({"files": "That scan was logged a moment ago by someone else: "
                                            "nothing was logged twice"}) from None
        audit_record(by=by, action="create", target=item, summary=f"Post {item.reference} logged",
                     received_on=received_on.isoformat(), content_type=item.content_type, size=item.size)
        items.append(item)
    return items


def _unrouted(item: PostItem) -> PostItem:
    item = PostItem.objects.select_for_update().get(pk=item.pk)
    if item.is_routed:
        raise ValidationError("This post was already routed: nothing was changed", code="routed")
    return item


@transaction.atomic
def post_item_describe(*, item: PostItem, sender: str, summary: str, received_on: dt.date | None, by: Any) -> PostItem:
    """Record who the post is from, what it is about and when it came."""
    _require(by)
    item = _unrouted(item)
    item.sender = _clean(sender, field="sender", limit=MAX_SENDER, what="who the post is from", required=True)
    item.summary = _clean(summary, field="summary", limit=MAX_SUMMARY, what="a summary of the post", required=True)
    item.received_on = _received_on(received_on)
    item.save(update_fields=["sender", "summary", "received_on"])
    audit_record(by=by, action="update", target=item, summary=f"Post {item.reference} described")
    return item


@transaction.atomic
def post_item_match(*, item: PostItem, by: Any, case: Any = None, customer: Any = None) -> PostItem:
    """Match the post to the case it is about (and so that case's customer), or to a customer record."""
    _require(by)
    item = _unrouted(item)
    if case is None and customer is None:
        raise ValidationError("Choose a case or a customer record")
    if case is not None:
        item.matched_case = case
        item.customer = case.customer
    else:
        if customer.merged_into_id is not None:
            raise ValidationError("This customer record was merged into another: use the current record")
        item.matched_case = None
        item.customer = customer
    item.save(update_fields=["matched_case", "customer"])
    audit_record(by=by, action="update", target=item, summary=f"Post {item.reference} matched",
                 case=getattr(case, "reference", ""), customer=getattr(item.customer, "reference", ""))
    return item


@transaction.atomic
def post_item_unmatch(*, item: PostItem, by: Any) -> PostItem:
    _require(by)
    item = _unrouted(item)
    item.matched_case = None
    item.customer = None
    item.save(update_fields=["matched_case", "customer"])
    audit_record(by=by, action="update", target=item, summary=f"Post {item.reference} match removed")
    return item


@transaction.atomic
def post_item_route(*, item: PostItem, service: Any, by: Any) -> PostItem:
    """Route the post to `service`'s team queue: a case for the matched customer (or the matched case's
    requester), following the matched case, its clock started on the day the post arrived."""
    _require(by)
    item = _unrouted(item)
    if not item.sender or not item.summary:
        raise ValidationError("Say who the post is from and what it is about before routing it")
    matched = item.matched_case
    if item.customer_id is None and matched is None:
        raise ValidationError("Match the post to a case or a customer record before routing it")
    if service is None or not service.is_active:
        raise ValidationError({"service": "Choose a service that is taking new cases"})
    received_at = timezone.make_aware(dt.datetime.combine(item.received_on, dt.time(9, 0)))
    answers = {"Post item": item.reference, "Received": item.received_on.strftime("%-d %B %Y"),
               "From": item.sender, "Summary": item.summary}
    if matched is not None:
        answers["About case"] = matched.reference
    try:
        case = cases.case_create(
            service=service, customer=item.customer,
            requested_by=matched.requested_by if (matched is not None and item.customer is None) else None,
            parent=matched, answers=answers, channel=Channel.POST, by=by, title=f"Post from {item.sender}"[:200],
            received_at=received_at, submission_key=f"bas-post:{item.reference}",
            division=getattr(matched, "division", None) or getattr(item.customer, "division", None))
    except cases.DuplicateSubmission as duplicate:  # a case made for this item before (a retried route)
        case = duplicate.case
    _mark_routed(item, case=case, by=by)
    audit_record(by=by, action="route", target=item, summary=f"Post {item.reference} routed to {service.team.name}",
                 case=case.reference, service=service.code, team=service.team.slug)
    return item


def post_for_team_service() -> Any:
    """The service unmatched post is routed on; None if an administrator has taken it off (no routing then)."""
    from oxtom.cases.models import Service

    return Service.objects.filter(code=POST_FOR_TEAM_SERVICE, is_active=True).first()


@transaction.atomic
def post_item_route_to_team(*, item: PostItem, team: Any, note: str, by: Any) -> PostItem:
    """Route post that matches no customer and no case (a supplier's invoice, a letter quoting nothing) straight
    to `team`'s queue.

    The case engine opens a case only for a customer or for a member of staff who asks for it, and this post
    has no customer: so the post room officer is the staff requester (they follow it under My requests), the
    scan goes with it (the team opens it from the case page), and `note` says what it is and why this team.
    The case is on the "Post to action" service, in `team`'s queue, its clock from the day the post arrived.
    Post matched to a customer or a case is routed to a service instead (post_item_route).
    """
    _require(by)
    item = _unrouted(item)
    if item.customer_id is not None or item.matched_case_id is not None:
        raise ValidationError("This post is matched to a customer or a case: route it to a service instead, "
                              "or remove the match first")
    if team is None or not getattr(team, "pk", None):
        raise ValidationError({"team": "Choose a team from the list"})
    from oxtom.accounts.models import Team

    if not Team.objects.filter(pk=team.pk).exists():
        raise ValidationError({"team": "That team no longer exists: choose a team from the list"})
    note = clean_free_text(str(note or "")).replace("\x00", "").strip()
    if not note:
        raise ValidationError({"note": "Enter what the post is and why it goes to this team"})
    if len(note) > MAX_ROUTE_NOTE:
        raise ValidationError({"note": f"What the post is and why it goes to this team must be "
                                       f"{MAX_ROUTE_NOTE:,} characters or fewer"})
    service = post_for_team_service()
    if service is None:
        raise ValidationError("Post cannot be routed to a team just now: the Post to action service is not "
                              "taking new cases. Ask an administrator to turn it back on")
    received_at = timezone.make_aware(dt.datetime.combine(item.received_on, dt.time(9, 0)))
    answers = {"Post item": item.reference, "Received": item.received_on.strftime("%-d %B %Y"),
               "From": item.sender or "Not known", "Why this team": note}
    if item.summary:
        answers["Summary"] = item.summary
    try:
        case = cases.case_create(
            service=service, customer=None, requested_by=by, answers=answers, channel=Channel.POST, by=by,
            title=(f"Post from {item.sender}" if item.sender else f"Post {item.reference}")[:200],
            received_at=received_at, submission_key=f"bas-post:{item.reference}", team=team)
    except cases.DuplicateSubmission as duplicate:  # a case made for this item before (a retried route)
        case = duplicate.case
    _mark_routed(item, case=case, by=by)
    audit_record(by=by, action="route", target=item, summary=f"Post {item.reference} routed to {team.name} "
                                                             "with no customer",
                 case=case.reference, service=service.code, team=team.slug, note_chars=len(note))
    return item


# --- bulk data uploads --------------------------------------------------------------------------------

class UploadOutcome:
    """What an upload did: `upload` is the record, `already` when the same file was imported before."""

    def __init__(self, upload: DatasetUpload, *, already: bool = False):
        self.upload = upload
        self.already = already

    @property
    def imported(self) -> bool:
        return self.upload.status == DatasetUpload.Status.IMPORTED


_ROW_MODELS = {"sen_pupils": SenPupilRecord, "transport_routes": TransportRoute}


def dataset_upload(*, dataset: str, data: bytes, file_name: str, by: Any) -> UploadOutcome:
    """Check a spreadsheet against `dataset`'s declared schema and store every row, or none.

    A clean file is stored in one transaction (one multi-row INSERT per 1,000 rows). A file with
    any problem stores no row: the upload is kept as rejected with its row-by-row report (the file
    itself is not kept). The same file imported before is not imported again.
    """
    _require(by)
    if dataset not in datasets.DATASETS:
        raise ValidationError({"dataset": "Choose the dataset the file holds"})
    file_name = (file_name or "upload").replace("\x00", "").strip()[-200:] or "upload"
    digest = hashlib.sha256(data).hexdigest()
    earlier = _imported(dataset, digest)
    if earlier is not None:
        return UploadOutcome(earlier, already=True)
    checked = datasets.check_file(data, dataset)
    now = timezone.now()
    base = dict(dataset=dataset, file_name=file_name, sha256=digest, size=len(data), uploaded_by=by, uploaded_at=now,
                rows=checked.row_count)
    if not checked.ok:
        with transaction.atomic():
            upload = DatasetUpload.objects.create(
                reference=_new_reference(DatasetUpload), status=DatasetUpload.Status.REJECTED,
                error_count=len(checked.problems),
                errors=[p.as_dict() for p in checked.problems[:datasets.MAX_STORED_ERRORS]], **base)
            audit_record(by=by, action="create", target=upload, summary=f"Upload {upload.reference} rejected",
                         dataset=dataset, problems=len(checked.problems))
        return UploadOutcome(upload)
    try:
        with transaction.atomic():
            upload = DatasetUpload.objects.create(reference=_new_reference(DatasetUpload),
                                                  status=DatasetUpload.Status.IMPORTED, **base)
            for row in checked.rows:
                row["upload_id"] = upload.pk
            insert_many(_ROW_MODELS[dataset], checked.rows)
            audit_record(by=by, action="create", target=upload, summary=f"Upload {upload.reference} imported",
                         dataset=dataset, rows=len(checked.rows))
    except IntegrityError:  # the same file, imported by a second upload that won the race
        twin = _imported(dataset, digest)
        if twin is None:
            raise
        return UploadOutcome(twin, already=True)
    return UploadOutcome(upload)


def _imported(dataset: str, digest: str) -> DatasetUpload | None:
    return DatasetUpload.objects.filter(dataset=dataset, sha256=digest, status=DatasetUpload.Status.IMPORTED).first()


def _mark_routed(item: PostItem, *, case: Any, by: Any) -> None:
    """The item leaves the unrouted list, naming the case it became and who routed it."""
    item.status = PostItem.Status.ROUTED
    item.routed_case = case
    item.routed_by = by
    item.routed_at = timezone.now()
    item.save(update_fields=["status", "routed_case", "routed_by", "routed_at"])
