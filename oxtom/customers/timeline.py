"""What a timeline entry shows beyond its one-line summary: a registry the capabilities fill in ready().

The customer record only knows an entry's subject by its label and id
(`Interaction.subject_type`, `subject_id`); the app that owns the subject knows
what is worth showing under it (the case engine: the answers and evidence of a
case, as its owner renders them). Each registers
`register_timeline_details(subject_type, details, template=...)`, where
`details(user, ids) -> {id: context}` loads the subjects `user` may see among
`ids` in a constant number of queries, and `template` draws one of them.

A page of the timeline shows each subject's details once, under its newest
entry on the page, so a case with ten entries does not repeat its answers ten
times; a subject the reader may not see gets nothing beyond its summary.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

Details = Callable[[Any, list[str]], dict[str, Any]]

_details: dict[str, tuple[Details, str]] = {}


def register_timeline_details(subject_type: str, details: Details, *, template: str) -> None:
    _details[subject_type] = (details, template)


def attach_details(interactions: Iterable[Any], *, user: Any) -> None:
    """Give the newest entry of each subject on the page its details (`entry.detail` and
    `entry.detail_template`; None on every other entry): one `details` call per subject type."""
    newest: dict[tuple[str, str], Any] = {}
    for entry in interactions:
        entry.detail, entry.detail_template = None, ""
        key = (entry.subject_type, entry.subject_id)
        if entry.subject_type in _details and entry.subject_id and key not in newest:
            newest[key] = entry
    wanted: dict[str, list[str]] = {}
    for subject_type, subject_id in newest:
        wanted.setdefault(subject_type, []).append(subject_id)
    for subject_type, ids in wanted.items():
        details, template = _details[subject_type]
        found = details(user, ids)
        for subject_id in ids:
            detail = found.get(subject_id)
            if detail is not None:
                entry = newest[(subject_type, subject_id)]
                entry.detail, entry.detail_template = detail, template
