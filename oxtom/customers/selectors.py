"""Reads of the customer record, scoped to who is asking.

Every search branch is an index lookup (equality or a prefix range on an
indexed key), never a leading-wildcard LIKE or a scan, so it stays fast at
county scale (~730k records): see bench/customer_search.py.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.dateparse import parse_datetime

from oxtom.accounts.permissions import Permission

from .models import Consent, Customer, Interaction
from .phonetics import phonetic_key, prefix_upper_bound, search_key
from .validation import is_outward_code, normalise_email, normalise_phone, normalise_postcode, parse_dob_query

MAX_QUERY_LENGTH = 100
_REFERENCE_RE = re.compile(r"^C[A-Z0-9]{6,15}$")
# Case and permit references, e.g. HW-2026-7KXM3Q (hyphens or spaces optional when read over the phone).
_CASE_REFERENCE_RE = re.compile(r"^\s*([A-Z]{2,3})[\s\-]*(20\d\d)[\s\-]*([A-Z0-9]{6})\s*$")
_PHONE_LIKE_RE = re.compile(r"^\+?[0-9 ()\-.]{7,}$")
# Names: letters, with the punctuation names carry between them ("O'Brien", "Smith, John").
_NAME_QUERY_RE = re.compile(r"^[^\W\d_]+(?:[ '’.,\-]+[^\W\d_]*)*$")


def _can_view(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_permission(Permission.CUSTOMER_VIEW)


def customers_for_user(user: Any) -> QuerySet[Customer]:
    """The customer records `user` may see (least privilege, oxtom/customers/access.py).

    Every record for CUSTOMER_VIEW_ALL (advisers, business admin); for CUSTOMER_VIEW
    alone (officers, team leaders) the customers behind the work they may see, and
    records granted to them for a recorded reason; otherwise none.
    """
    if not _can_view(user):
        return Customer.objects.none()
    if user.has_permission(Permission.CUSTOMER_VIEW_ALL):
        return Customer.objects.all()
    from django.utils import timezone

    from . import access
    from .models import CustomerAccessGrant

    condition = Q(pk__in=CustomerAccessGrant.objects.filter(user=user, expires_at__gt=timezone.now())
                  .values("customer_id"))
    for scope in access.scopes():
        condition |= Q(pk__in=scope(user))
    return Customer.objects.filter(condition)


def sees_every_customer(user: Any) -> bool:
    return _can_view(user) and user.has_permission(Permission.CUSTOMER_VIEW_ALL)


def get_customer_for_user(user: Any, reference: str) -> Customer:
    """One record by reference; Http404 when it doesn't exist *and* when the user may not see it."""
    reference = (reference or "").strip().upper()
    if not reference or len(reference) > 16:
        raise Http404("No customer record found")
    try:
        return customers_for_user(user).select_related("merged_into", "division", "user").get(reference=reference)
    except Customer.DoesNotExist:
        raise Http404("No customer record found") from None


def find_possible_duplicates(
    *, email: str = "", phone: str = "", first_name: str = "", last_name: str = "",
    date_of_birth: dt.date | None = None, postcode: str = "", exclude_pk: int | None = None,
    limit: int = 10,
) -> list[Customer]:
    """Live records that are probably the same customer.

    Same email, same phone, or same name + date of birth + postcode. Values
    are normalised the same way services store them; each test is an indexed
    equality.
    """
    conditions = Q()
    if email:
        try:
            conditions |= Q(email=normalise_email(email))
        except ValidationError:
            pass
    if phone:
        try:
            conditions |= Q(phone=normalise_phone(phone))
        except ValidationError:
            pass
    if first_name and last_name and date_of_birth and postcode:
        try:
            conditions |= Q(
                search_last_name=search_key(last_name)[:100],
                search_first_name=search_key(first_name)[:100],
                date_of_birth=date_of_birth,
                postcode=normalise_postcode(postcode),
            )
        except ValidationError:
            pass
    if not conditions:
        return []
    queryset = Customer.objects.active().filter(conditions)
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return list(queryset.order_by("search_last_name", "search_first_name", "pk")[:limit])


@dataclass
class SearchResult:
    """What the search understood the query to be, and the records it found."""

    kind: str  # reference, email, phone, postcode, outward_postcode, date_of_birth, name, name_and_..., empty
    customers: list[Customer] = field(default_factory=list)
    message: str = ""

    @property
    def kind_label(self) -> str:
        """What we searched by, for the results heading."""
        return _KIND_LABELS.get(self.kind, self.kind.replace("_", " "))


_KIND_LABELS = {
    "reference": "customer reference",
    "case_reference": "case or permit reference",
    "email": "email address",
    "phone": "telephone number",
    "postcode": "postcode",
    "outward_postcode": "the first half of the postcode",
    "date_of_birth": "date of birth",
    "name": "name, including names that sound alike",
    "name_and_postcode": "name and postcode",
    "name_and_outward_postcode": "name and the first half of the postcode",
    "name_and_date_of_birth": "name and date of birth",
}


def _name_queries(query: str) -> tuple[Q, Q] | None:
    """(prefix condition, phonetic condition) for 'last', 'first last' or 'last, first'."""
    text = query.strip()
    if "," in text:
        last_part, _, first_part = text.partition(",")
        words_last, words_first = last_part.split(), first_part.split()
        last = "".join(words_last)
        first = words_first[0] if words_first else ""
    else:
        words = text.split()
        if not words:
            return None
        if len(words) == 1:
            first, last = "", words[0]
        else:
            first, last = words[0], "".join(words[1:])
    last_key, first_key = search_key(last)[:100], search_key(first)[:100]
    if not last_key:
        return None
    prefix = Q(search_last_name__gte=last_key, search_last_name__lt=prefix_upper_bound(last_key))
    phonetic = Q(phonetic_last_name=phonetic_key(last))
    if first_key:
        prefix &= Q(search_first_name__gte=first_key, search_first_name__lt=prefix_upper_bound(first_key))
        phonetic &= Q(phonetic_first_name=phonetic_key(first))
    return prefix, phonetic


def classify_query(query: str) -> tuple[str, Any]:
    """Decide what a search box entry is, and its normalised value."""
    text = " ".join((query or "").split())
    if not text:
        return "empty", None
    if len(text) > MAX_QUERY_LENGTH:
        return "too_long", None
    compact = re.sub(r"[\s\-]", "", text).upper()
    if "@" in text:
        try:
            return "email", normalise_email(text)
        except ValidationError:
            return "invalid", "Enter a full email address to search by email"
    dob = parse_dob_query(text)
    if dob is not None:
        return "date_of_birth", dob
    if re.fullmatch(r"\d{1,2}[/\-.]\d{1,2}[/\-.]\d{2,4}", text):
        return "invalid", "Enter a date of birth as day/month/year, like 27/3/1987"
    if _PHONE_LIKE_RE.match(text) and sum(ch.isdigit() for ch in text) >= 7:
        try:
            return "phone", normalise_phone(text)
        except ValidationError:
            return "invalid", "Enter a full telephone number, like 01865 792422"
    try:
        return "postcode", normalise_postcode(text)
    except ValidationError:
        pass
    if is_outward_code(text):
        return "outward_postcode", compact
    if _CASE_REFERENCE_RE.match(text.upper()):
        return "case_reference", _normalise_case_reference(text)
    if _REFERENCE_RE.match(compact) and any(ch.isdigit() for ch in compact):
        return "reference", compact
    combined = _name_with_detail(text)
    if combined is not None:
        return combined
    if any(ch.isdigit() for ch in text):
        return "invalid", "Enter a name, reference, postcode, email, phone number or date of birth"
    if not _NAME_QUERY_RE.match(text):
        return "invalid", "Enter a name, reference, postcode, email, phone number or date of birth"
    if _REFERENCE_RE.match(compact):
        # All-letter references exist (CUxxxxxxxx); try it as a reference, then as a name.
        return "reference_or_name", compact
    return "name", text


def _normalise_case_reference(text: str) -> str:
    prefix, year, body = _CASE_REFERENCE_RE.match(text.upper()).groups()
    return f"{prefix}-{year}-{body}"


def _name_with_detail(text: str) -> tuple[str, Any] | None:
    """'John Smith OX1 1DS', 'Smith OX1' or 'Smith 7/3/1980': a name narrowed by postcode or date of birth."""
    tokens = text.split()
    if len(tokens) < 2:
        return None
    candidates = []
    if len(tokens) >= 3:
        candidates.append((tokens[:-2], " ".join(tokens[-2:])))
    candidates.append((tokens[:-1], tokens[-1]))
    for name_tokens, detail in candidates:
        name = " ".join(name_tokens)
        if not _NAME_QUERY_RE.match(name):
            continue
        try:
            return "name_and_postcode", (name, normalise_postcode(detail))
        except ValidationError:
            pass
        if " " not in detail and is_outward_code(detail):
            return "name_and_outward_postcode", (name, detail.upper())
        dob = parse_dob_query(detail)
        if dob is not None:
            return "name_and_date_of_birth", (name, dob)
    return None


_ORDER = ("search_last_name", "search_first_name", "pk")


def customer_search(*, user: Any, query: str, limit: int = 20, wider: bool = False) -> SearchResult:
    """Find live customer records `user` may see (customers_for_user), or every record when
    `wider` (the caller has recorded a reason: customers.services.customer_wider_search_record)."""
    result = _customer_search(user=user, query=query, limit=limit)
    if wider or not result.customers or sees_every_customer(user):
        return result
    visible = set(customers_for_user(user).filter(pk__in=[c.pk for c in result.customers])
                  .values_list("pk", flat=True))
    result.customers = [c for c in result.customers if c.pk in visible]
    return result


def _customer_search(*, user: Any, query: str, limit: int = 20) -> SearchResult:
    """Find live customer records for staff with CUSTOMER_VIEW; anyone else gets an empty result.

    Recognises a customer reference, a case or permit reference (HW-2026-7KXM3Q), email, phone number, full or outward postcode,
    date of birth (dd/mm/yyyy), else a name ('last', 'first last' or
    'last, first'), matching by prefix and by sound, optionally followed by a
    postcode, outward code or date of birth to narrow it ('John Smith OX1').
    Every branch uses an index. Tombstones are left out (their survivor is found instead).
    """
    kind, value = classify_query(query)
    if not _can_view(user):
        return SearchResult(kind=kind)
    if kind == "empty":
        return SearchResult(kind=kind, message="Enter something to search for")
    if kind == "too_long":
        return SearchResult(kind=kind, message=f"Search must be {MAX_QUERY_LENGTH} characters or fewer")
    if kind == "invalid":
        return SearchResult(kind=kind, message=value)
    limit = max(1, min(int(limit), 100))
    base = Customer.objects.active()

    if kind in ("reference", "reference_or_name"):
        found = Customer.objects.filter(reference=value).select_related("merged_into").first()
        if found is not None:
            # A tombstone's reference leads to the record it was merged into.
            while found.merged_into_id is not None:
                found = Customer.objects.get(pk=found.merged_into_id)
            return SearchResult(kind="reference", customers=[found])
        if kind == "reference":
            return SearchResult(kind="reference")
        kind, value = "name", query
    if kind == "case_reference":
        # One unique-index lookup on the case table; the case's customer (or its survivor).
        from oxtom.cases.models import Case

        case = Case.objects.filter(reference=value).select_related("customer").first()
        if case is None:
            return SearchResult(kind=kind)
        found = case.customer
        while found.merged_into_id is not None:
            found = Customer.objects.get(pk=found.merged_into_id)
        return SearchResult(kind=kind, customers=[found])
    if kind == "email":
        return SearchResult(kind=kind, customers=list(base.filter(email=value).order_by(*_ORDER)[:limit]))
    if kind == "phone":
        return SearchResult(kind=kind, customers=list(base.filter(phone=value).order_by(*_ORDER)[:limit]))
    if kind == "date_of_birth":
        return SearchResult(kind=kind, customers=list(base.filter(date_of_birth=value).order_by(*_ORDER)[:limit]))
    if kind == "postcode":
        return SearchResult(
            kind=kind,
            customers=list(base.filter(postcode=value).order_by("postcode", *_ORDER)[:limit]),
        )
    if kind == "outward_postcode":
        # 'OX1' matches 'OX1 1DS' but not 'OX10 0AA': the range includes the space.
        low = f"{value} "
        return SearchResult(
            kind=kind,
            customers=list(
                base.filter(postcode__gte=low, postcode__lt=prefix_upper_bound(low)).order_by("postcode", *_ORDER)[:limit]
            ),
        )
    narrowing = Q()
    if kind.startswith("name_and_"):
        value, detail = value
        if kind == "name_and_postcode":
            narrowing = Q(postcode=detail)
        elif kind == "name_and_outward_postcode":
            narrowing = Q(postcode__gte=f"{detail} ", postcode__lt=prefix_upper_bound(f"{detail} "))
        else:
            narrowing = Q(date_of_birth=detail)
    conditions = _name_queries(value)
    if conditions is None:
        return SearchResult(kind="name", message="Enter a name, reference, postcode, email, phone number or date of birth")
    prefix, phonetic = conditions
    prefix, phonetic = prefix & narrowing, phonetic & narrowing
    exact = list(base.filter(prefix).order_by(*_ORDER)[:limit])
    customers = exact
    if len(exact) < limit:
        seen = {c.pk for c in exact}
        sounds_like = base.filter(phonetic).exclude(pk__in=seen).order_by(*_ORDER)[: limit - len(exact)]
        customers = exact + list(sounds_like)
    return SearchResult(kind=kind if kind.startswith("name_and_") else "name", customers=customers)


# --- the record page ---------------------------------------------------------------------


def consents_in_force(customer: Customer) -> list[Consent]:
    """The latest decision for each purpose (history kept; latest wins).

    One query that returns at most one row per purpose, however long the
    history: the database picks each purpose's latest through the
    (customer, purpose, -recorded_at) index.
    """
    latest_of_purpose = (
        Consent.objects.filter(customer=customer, purpose=OuterRef("purpose"))
        .order_by("-recorded_at", "-id").values("id")[:1]
    )
    rows = Consent.objects.filter(customer=customer, id=Subquery(latest_of_purpose)).select_related("recorded_by")
    latest = {c.purpose: c for c in rows}
    return [latest[p] for p in Consent.Purpose.values if p in latest]


def consent_history(customer: Customer, limit: int = 50) -> list[Consent]:
    return list(Consent.objects.filter(customer=customer).select_related("recorded_by").order_by("-recorded_at", "-id")[:limit])


def encode_cursor(interaction: Interaction) -> str:
    raw = f"{interaction.occurred_at.isoformat()}|{interaction.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    """The (occurred_at, id) a page starts after, or None for a missing or tampered cursor."""
    if not cursor or len(cursor) > 100:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, pk = raw.partition("|")
        when = parse_datetime(stamp)
        return (when, int(pk)) if when is not None else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def timeline_visibility_q(user: Any) -> Q | None:
    """The timeline entries `user` may see: None for all of them (staff who see every record),
    else entries about the subjects registered in access.register_timeline_scope that they may see."""
    if user is None or sees_every_customer(user):
        return None
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from . import access

    condition = Q(pk__in=[])
    for subject_type, scope in access.timeline_scopes().items():
        visible = scope(user).annotate(_subject_id=Cast("pk", output_field=CharField())).values("_subject_id")
        condition |= Q(subject_type=subject_type, subject_id__in=visible)
    return condition


def interactions_page(customer: Customer, *, user: Any = None, cursor: str = "",
                      per_page: int = 25) -> tuple[list[Interaction], str]:
    """One page of a customer's timeline, newest first, and the cursor for the next page ('' at the end).

    Pass the viewing `user`: staff who do not see every record see only the entries about
    what they may see (timeline_visibility_q). Keyset pagination on (occurred_at, id)
    walks the (customer, -occurred_at) index, so page 1000 costs what page 1 does.
    """
    queryset = Interaction.objects.filter(customer=customer).select_related("actor")
    visibility = timeline_visibility_q(user)
    if visibility is not None:
        queryset = queryset.filter(visibility)
    position = decode_cursor(cursor)
    if position is not None:
        when, pk = position
        queryset = queryset.filter(Q(occurred_at__lt=when) | Q(occurred_at=when, id__lt=pk))
    rows = list(queryset.order_by("-occurred_at", "-id")[: per_page + 1])
    next_cursor = encode_cursor(rows[per_page - 1]) if len(rows) > per_page else ""
    return rows[:per_page], next_cursor


# --- assisted digital ----------------------------------------------------------------------

from .models import AssistedSession, ChatMessage, ContactLog, ContactReason, WebChat  # noqa: E402


def customer_cases(user: Any, customer: Customer, *, limit: int = 50) -> list:
    """Every case of this customer (newest first) for staff who may see the customer record.

    Advisers see the whole record, including cases of teams they don't
    belong to, but only the summary: reference, service, status, dates. The
    case page itself stays scoped by casework's own rules. One query.
    """
    if not _can_view(user):
        return []
    from oxtom.cases.models import Case
    from oxtom.cases.owners import owner_relations

    return list(
        # With the records behind the cases, whose words name their status (Case.status_label).
        Case.objects.filter(customer=customer).select_related("service", "team", *owner_relations())
        .order_by("-received_at", "-id")[:limit]
    )


def contact_logs_for(customer: Customer, *, limit: int = 20) -> list[ContactLog]:
    return list(ContactLog.objects.filter(customer=customer).select_related("reason", "recorded_by")[:limit])


def contact_reasons() -> list[ContactReason]:
    return list(ContactReason.objects.filter(active=True))


def actions_on_behalf_page(customer: Customer, *, cursor: str = "", per_page: int = 25) -> tuple[list[Interaction], str]:
    """What staff did for this customer on their behalf, newest first (keyset-paged like the timeline)."""
    queryset = Interaction.objects.filter(customer=customer, on_behalf_of=True).select_related("actor")
    position = decode_cursor(cursor)
    if position is not None:
        when, pk = position
        queryset = queryset.filter(Q(occurred_at__lt=when) | Q(occurred_at=when, id__lt=pk))
    rows = list(queryset.order_by("-occurred_at", "-id")[: per_page + 1])
    next_cursor = encode_cursor(rows[per_page - 1]) if len(rows) > per_page else ""
    return rows[:per_page], next_cursor


def open_chats(user: Any, *, limit: int = 50) -> list[WebChat]:
    """Waiting chats (oldest first) and the adviser's own active ones, for the chat list."""
    if not (getattr(user, "is_authenticated", False) and user.has_permission(Permission.ASSIST_ACT_FOR)):
        return []
    return list(
        WebChat.objects.filter(Q(status=WebChat.Status.WAITING) | Q(status=WebChat.Status.ACTIVE, adviser=user))
        .select_related("customer", "adviser").order_by("created_at", "id")[:limit]
    )


def get_chat_for_adviser(user: Any, chat_id: int | str) -> WebChat:
    """One chat for an adviser with ASSIST_ACT_FOR; 404 for missing and forbidden alike."""
    if not (getattr(user, "is_authenticated", False) and user.has_permission(Permission.ASSIST_ACT_FOR)):
        raise Http404("No chat found")
    try:
        return WebChat.objects.select_related("customer", "adviser", "customer__division").get(pk=int(chat_id))
    except (WebChat.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No chat found") from None


def chat_messages(chat: WebChat, *, after: int = 0, limit: int = 200) -> list[ChatMessage]:
    return list(chat.messages.filter(id__gt=after).order_by("id")[:limit])


def live_session_for(user: Any) -> AssistedSession | None:
    return AssistedSession.objects.filter(adviser=user, ended_at__isnull=True).select_related("customer").first()


def chats_for_resident(user: Any, *, limit: int = 100) -> list[WebChat]:
    """A signed-in resident's own webchats, newest first (for their account)."""
    if not getattr(user, "is_authenticated", False):
        return []
    from django.db.models import Count

    return list(WebChat.objects.filter(resident=user).annotate(message_count=Count("messages"))
                .order_by("-created_at", "-id")[:limit])


def get_chat_for_resident(user: Any, chat_id: int | str) -> WebChat:
    """One of the resident's own chats; 404 for missing and someone else's alike."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No chat found")
    try:
        return WebChat.objects.get(pk=int(chat_id), resident=user)
    except (WebChat.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No chat found") from None


def chat_transcript_text(chat: WebChat, *, viewer: str = "resident") -> str:
    """The whole conversation as plain text, for the resident to keep (download or email).

    Advisers are "Adviser", never named; times are local (Europe/London).
    """
    from django.utils import timezone

    started = timezone.localtime(chat.created_at)
    lines = [f"Webchat with Oxfordshire County Council, {started.day} {started:%B %Y}", ""]
    for m in chat.messages.order_by("id"):
        who = {"system": "Update", "adviser": "Adviser", "resident": "Resident"}[m.sender]
        if m.sender == viewer:
            who = "You"
        lines.append(f"{timezone.localtime(m.sent_at):%H:%M} {who}: {m.body}")
    return "\n".join(lines) + "\n"
