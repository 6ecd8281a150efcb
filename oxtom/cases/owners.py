"""The record a case stands behind (a street report, an application, an enquiry): its page and its answers.

An app that keeps its own record behind a case registers in its
AppConfig.ready(), as apps register merge relations and payment handlers, so
casework never imports them:

- a page resolver: the case page links to the page that works the record and
  hands it the steps the resident is told about (taken on the generic case
  page they would move the case but leave the public report, or the
  application, behind);
- an answers renderer: only the owner knows its questions, so only the owner
  can show its answers as people read them (the question asked, the value as
  words, files as links to its own download views). The staff case page, the
  resident's case page and the application assessment page all show what the
  renderer returns; a case no renderer knows is shown by `generic_answers`,
  which still never prints a Python value.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal

from oxtom.core.answers import Link, Row, generic_rows

Resolver = Callable[[Any], "OwnerPage | None"]
# Who reads the answers: staff get staff-scoped file links and what the rules worked out;
# the customer gets their own answers and links they may open.
Audience = Literal["staff", "customer"]
STAFF: Audience = "staff"
CUSTOMER: Audience = "customer"
Renderer = Callable[[Any, Audience, Any], "CaseAnswers | None"]  # (case, audience, user)
# (cases, audience, user) -> {case pk: CaseAnswers} for the cases the owner knows (others left out).
ManyRenderer = Callable[[list, Audience, Any], "dict[int, CaseAnswers]"]


@dataclass(frozen=True)
class OwnerPage:
    url: str
    steps: frozenset[str]  # case actions only that page may take
    link_id: str
    link_text: str


@dataclass(frozen=True)
class CaseAnswers:
    """What a case page shows of the record behind a case."""

    rows: tuple[Row, ...] = ()
    evidence: tuple[Link, ...] = ()
    # Staff only: what the rules worked out ("Parking zone: Zone B") and why they referred or refused.
    findings: tuple[Row, ...] = ()
    reasons: tuple[str, ...] = ()
    reasons_title: str = ""  # the heading over the reasons ("Why it was referred to an officer")
    evidence_note: str = ""  # e.g. "1 photo is hidden from the public"

    @property
    def is_empty(self) -> bool:
        return not (self.rows or self.evidence or self.findings or self.reasons)


StatusLabel = Callable[[Any], "str | None"]
StatusFollower = Callable[[Any, str], None]
Messenger = Callable[[Any], bool]

_resolvers: list[Resolver] = []
_renderers: list[Renderer] = []
_many: dict[Renderer, ManyRenderer] = {}
_relations: list[str] = []
_prefetches: list[str] = []
_labels: list[StatusLabel] = []
_followers: list[StatusFollower] = []
_messengers: list[Messenger] = []
TaskHolder = Callable[[Any, Any], bool]  # (user, task) -> may mark it done without working the case
_task_holders: list[TaskHolder] = []


def _relate(select_related: str) -> None:
    if select_related and select_related not in _relations:
        _relations.append(select_related)


def register_case_owner(resolver: Resolver, *, select_related: str = "", status_label: StatusLabel | None = None,
                        follow_status: StatusFollower | None = None,
                        messages_customer: Messenger | None = None) -> Resolver:
    """Add `resolver(case) -> OwnerPage | None`; `select_related` is a relation it reads, loaded with the case.

    `status_label(case) -> str | None` names the case's status where the owner's
    record says more than the engine (a street report's "Repair scheduled" is an
    accepted case with a date): every page that shows a case's status reads
    `Case.status_label`, so a queue, the case page and the public page agree.
    `follow_status(case, previous)` runs in the same transaction whenever the
    engine moves the case (taking a case starts work on it), so the owner's
    record moves with it rather than going stale.
    `messages_customer(case) -> bool` declares that the owner tells the
    customer about the record behind `case` itself (a street report's own
    status messages, an application's decision letter): the engine then
    sends no generic message about the case's moves, whatever the service's
    setting, so the customer is never told twice. Questions we wait on the
    customer for still go.
    """
    if resolver not in _resolvers:
        _resolvers.append(resolver)
    _relate(select_related)
    if status_label is not None and status_label not in _labels:
        _labels.append(status_label)
    if follow_status is not None and follow_status not in _followers:
        _followers.append(follow_status)
    if messages_customer is not None and messages_customer not in _messengers:
        _messengers.append(messages_customer)
    return resolver


def register_case_answers(renderer: Renderer, *, select_related: str = "", prefetch_related: tuple[str, ...] = (),
                          many: ManyRenderer | None = None) -> Renderer:
    """Add `renderer(case, audience, user) -> CaseAnswers | None` (None: not my record).

    `user` is who reads the page: an owner links only the files that reader
    may open (a staff download view that would 404 for them is left unlinked).

    A renderer costs the page a constant number of queries (its relation is
    loaded with the case; anything else in one or two queries, whatever the
    number of answers or files).

    Pages that show many cases at once (the customer timeline) call
    `case_answers_many`, which must cost a constant number of queries for the
    whole list: an owner whose renderer reads only the case, its
    `select_related` relation and the relations named in `prefetch_related`
    (prefetched once for the list) needs nothing more; an owner that looks its
    record up gives `many(cases, audience, user) -> {case pk: CaseAnswers}`,
    which loads the records of all the cases together and leaves out the
    cases that are not its own.
    """
    if renderer not in _renderers:
        _renderers.append(renderer)
    _relate(select_related)
    for relation in prefetch_related:
        if relation and relation not in _prefetches:
            _prefetches.append(relation)
    if many is not None:
        _many[renderer] = many
    return renderer


def status_label(case: Any) -> str:
    """The words for `case`'s status: the owner's, else the engine's."""
    for label in _labels:
        text = label(case)
        if text:
            return text
    return case.get_status_display()


def status_changed(case: Any, previous: str) -> None:
    """Tell owners the engine moved `case` from `previous` (oxtom.cases.services calls this on every move)."""
    for follower in _followers:
        follower(case, previous)


def owner_messages_customer(case: Any) -> bool:
    """Whether the owner of the record behind `case` sends the customer its own messages about it."""
    return any(messenger(case) for messenger in _messengers)


def owner_relations() -> list[str]:
    return list(_relations)


def owner_prefetches() -> list[str]:
    """Relations the answers renderers read, to prefetch once for a list of cases (case_answers_many)."""
    return list(_prefetches)


def owner_page(case: Any) -> OwnerPage | None:
    """The page that works the record behind `case`, or None for a plain case."""
    for resolver in _resolvers:
        page = resolver(case)
        if page is not None:
            return page
    return None


def generic_answers(case: Any) -> CaseAnswers:
    """A case no owner renders: each answer under its key in words, each value as words."""
    return CaseAnswers(rows=tuple(generic_rows(case.answers if isinstance(case.answers, dict) else {})))


def case_answers(case: Any, *, audience: Audience, user: Any = None) -> CaseAnswers:
    """The answers of `case` as `user` (one of `audience`) reads them, from the owner of its record."""
    if audience not in (STAFF, CUSTOMER):
        raise ValueError(f"Unknown audience {audience!r}")
    for renderer in _renderers:
        rendered = renderer(case, audience, user)
        if rendered is not None:
            return rendered
    return generic_answers(case)


def case_answers_many(cases: Any, *, audience: Audience, user: Any = None) -> dict[int, CaseAnswers]:
    """`case_answers` for many cases at once, by case pk, in a constant number of queries.

    The cases come loaded with `owner_relations()` (select_related, as every case
    selector does); the owners' `prefetch_related` relations are prefetched here
    once, and an owner with a `many` renderer loads its records for all the cases
    together. As in `case_answers` the first owner that knows a case renders it,
    and a case no owner knows falls back to `generic_answers`.
    """
    if audience not in (STAFF, CUSTOMER):
        raise ValueError(f"Unknown audience {audience!r}")
    from django.db.models import prefetch_related_objects

    remaining = [case for case in cases if case.pk is not None]
    if remaining and _prefetches:
        prefetch_related_objects(remaining, *_prefetches)
    result: dict[int, CaseAnswers] = {}
    for renderer in _renderers:
        if not remaining:
            break
        many = _many.get(renderer)
        if many is not None:
            rendered = many(remaining, audience, user)
        else:
            rendered = {case.pk: renderer(case, audience, user) for case in remaining}
        result.update({pk: answers for pk, answers in rendered.items() if answers is not None})
        remaining = [case for case in remaining if case.pk not in result]
    for case in remaining:
        result[case.pk] = generic_answers(case)
    return result


# --- panels other capabilities add to the staff case page ---------------------------------------------------

@dataclass(frozen=True)
class CasePanel:
    """A section another capability adds to the staff case page (appointments offered from the case, say).

    `rows` say what there is; `links` are what the reader may do next (only what they may open)."""

    title: str
    panel_id: str
    rows: tuple[Row, ...] = ()
    links: tuple[Link, ...] = ()


Panel = Callable[[Any, Any], "CasePanel | None"]  # (case, user)
_panels: list[Panel] = []


def register_case_panel(panel: Panel) -> Panel:
    """Add `panel(case, user) -> CasePanel | None` (None: nothing to show); one or two queries at most each."""
    if panel not in _panels:
        _panels.append(panel)
    return panel


def case_panels(case: Any, *, user: Any) -> list[CasePanel]:
    return [p for p in (panel(case, user) for panel in _panels) if p is not None]


def register_task_holder(holds: TaskHolder) -> TaskHolder:
    """Let `holds(user, task) -> bool` name people outside the case's team who may mark a task under it done.

    A task is the case team's checklist line; some are asked of another team (an FOI request asks the
    service that holds the information). The owner of the record knows who that is, so it says: the
    engine still does the marking (oxtom/cases/services/tasks.py: once, on the timeline, audited) and
    lets no one else add, reopen or otherwise work the case.
    """
    if holds not in _task_holders:
        _task_holders.append(holds)
    return holds


def holds_task(user: Any, task: Any) -> bool:
    """Whether an owner lets `user` mark `task` done (see register_task_holder)."""
    return any(holds(user, task) for holds in _task_holders)
