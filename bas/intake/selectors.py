"""Reads for the post room and bulk uploads: keyset pages at a constant number of queries, and single
records that answer 404 to anyone who is not a business admin officer (as if they did not exist)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from oxtom.cases.models import Case, Service

from .models import DatasetUpload, PostItem
from .services import can_work_intake

PAGE_SIZE = 25
REPORT_SHOWN = 200
MAX_REFERENCE = 20
_CASE_REFERENCE = re.compile(r"^([A-Z]{2,3})[\s\-]*(20\d\d)[\s\-]*([A-Z0-9]{6})$")


@dataclass
class Page:
    items: list
    next_cursor: str = ""


def _post_base():
    return PostItem.objects.select_related("customer", "matched_case", "routed_case__team", "logged_by")


def unrouted_page(*, cursor: str = "", per_page: int = PAGE_SIZE) -> Page:
    """Post waiting to be routed, the longest waiting first (received date, then the order logged)."""
    queryset = _post_base().filter(status=PostItem.Status.UNROUTED).order_by("received_on", "id")
    after = _decode_date_cursor(cursor)
    if after is not None:
        day, pk = after
        queryset = queryset.filter(received_on__gt=day) | queryset.filter(received_on=day, id__gt=pk)
    items = list(queryset[: per_page + 1])
    more = len(items) > per_page
    items = items[:per_page]
    return Page(items, f"{items[-1].received_on.isoformat()}.{items[-1].pk}" if more else "")


def routed_page(*, cursor: str = "", per_page: int = PAGE_SIZE) -> Page:
    """Post already routed, the latest first."""
    queryset = _post_base().filter(status=PostItem.Status.ROUTED).order_by("-routed_at", "-id")
    after = _decode_time_cursor(cursor)
    if after is not None:
        when, pk = after
        queryset = queryset.filter(routed_at__lt=when) | queryset.filter(routed_at=when, id__lt=pk)
    items = list(queryset[: per_page + 1])
    more = len(items) > per_page
    items = items[:per_page]
    return Page(items, f"{items[-1].routed_at.timestamp():.6f}.{items[-1].pk}" if more else "")


def _decode_date_cursor(cursor: str) -> tuple[dt.date, int] | None:
    if not cursor:
        return None
    try:
        day, pk = cursor[:40].split(".")
        return dt.date.fromisoformat(day), int(pk)
    except ValueError:
        raise Http404("No such page") from None


def _decode_time_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    if not cursor:
        return None
    try:
        seconds, micros, pk = cursor[:40].split(".")
        return dt.datetime.fromtimestamp(int(seconds) + int(micros) / 1_000_000, tz=dt.timezone.utc), int(pk)
    except (ValueError, OverflowError, OSError):
        raise Http404("No such page") from None


def unrouted_count() -> int:
    return PostItem.objects.filter(status=PostItem.Status.UNROUTED).count()


def get_post_item(user: Any, reference: str) -> PostItem:
    """One item by reference; 404 when it does not exist and when `user` may not work the post room."""
    reference = (reference or "").strip().upper()
    if not can_work_intake(user) or not reference or len(reference) > 12:
        raise Http404("No post item found")
    try:
        return _post_base().select_related("matched_case__service", "matched_case__team",
                                           "routed_case__service").get(reference=reference)
    except PostItem.DoesNotExist:
        raise Http404("No post item found") from None


def post_item_for_file(user: Any, reference: str) -> PostItem:
    """The item whose scan `user` may open: a business admin officer, or whoever may work the case it was
    routed to (the team that received it opens the letter from its case). 404 otherwise."""
    from oxtom.cases.services import can_work_case

    reference = (reference or "").strip().upper()
    if not reference or len(reference) > 12:
        raise Http404("No post item found")
    item = PostItem.objects.select_related("routed_case").filter(reference=reference).first()
    if item is None:
        raise Http404("No post item found")
    if can_work_intake(user) or (item.routed_case is not None and can_work_case(user, item.routed_case)):
        return item
    raise Http404("No post item found")


def case_for_post(reference: str) -> Case | None:
    """The case a letter quotes, whichever team owns it: the post room routes post for every service.

    The post room shows only its reference, service, team and customer; the case page itself stays
    closed to the officer unless their own teams work it.
    """
    reference = (reference or "").strip().upper()
    shaped = _CASE_REFERENCE.match(reference)
    if shaped:  # "hw 2026 7kxm3q" as typed from a letter
        reference = "-".join(shaped.groups())
    if not reference or len(reference) > MAX_REFERENCE:
        return None
    return Case.objects.select_related("service", "team", "customer").filter(reference=reference).first()


def routing_services() -> list[Service]:
    """Services post can be routed to: every one taking new cases, grouped by team."""
    return list(Service.objects.filter(is_active=True).select_related("team").order_by("team__name", "name"))


# --- uploads ------------------------------------------------------------------------------------------

def uploads_page(*, cursor: str = "", per_page: int = PAGE_SIZE) -> Page:
    queryset = DatasetUpload.objects.select_related("uploaded_by").defer("errors").order_by("-uploaded_at", "-id")
    after = _decode_time_cursor(cursor)
    if after is not None:
        when, pk = after
        queryset = queryset.filter(uploaded_at__lt=when) | queryset.filter(uploaded_at=when, id__lt=pk)
    items = list(queryset[: per_page + 1])
    more = len(items) > per_page
    items = items[:per_page]
    return Page(items, f"{items[-1].uploaded_at.timestamp():.6f}.{items[-1].pk}" if more else "")


def get_upload(user: Any, reference: str) -> DatasetUpload:
    reference = (reference or "").strip().upper()
    if not can_work_intake(user) or not reference or len(reference) > 12:
        raise Http404("No upload found")
    try:
        return DatasetUpload.objects.select_related("uploaded_by").get(reference=reference)
    except DatasetUpload.DoesNotExist:
        raise Http404("No upload found") from None


def upload_rows(upload: DatasetUpload, *, limit: int | None = 20):
    """The rows an imported upload stored, in file order (a preview, or all of them for the export)."""
    related = upload.sen_rows if upload.dataset == "sen_pupils" else upload.transport_rows
    queryset = related.order_by("row_number")
    return queryset if limit is None else list(queryset[:limit])
