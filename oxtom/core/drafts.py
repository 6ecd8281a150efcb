"""A journey's part-way answers kept in the session: a street report, an application.

Kept in the session (not the database) so nothing exists until the person sends
it, and so signing in or creating an account part-way keeps every answer (Django
keeps session data when the session key rotates at sign-in). Each draft carries its
own submission key, so one draft makes at most one record however often it is sent.
Files are checked when uploaded and parked in storage under a random token; only the
tokens go in the session, and a folder registered with
oxtom.core.uploads.register_draft_upload_dir is purged of what was given up on.

    REPORT = SessionDraft("report_draft", upload_dir="report-drafts", extensions=("jpg", "png", "webp"),
                          parked=lambda draft: draft.get("photos", []), done_key="report_done")
"""
from __future__ import annotations

import copy
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


@dataclass(frozen=True)
class SessionDraft:
    session_key: str
    upload_dir: str
    extensions: tuple[str, ...]
    # The parked files' entries ({"token", "extension", ...}) a draft holds.
    parked: Callable[[dict], Iterable[dict]] = lambda draft: ()
    # Where the reference of the record the last draft made is kept, for the confirmation page.
    done_key: str = ""

    def get(self, request, *, copied: bool = False) -> dict[str, Any]:
        """The draft, or {} if there is none (`copied`: a deep copy, so a rejected page changes nothing)."""
        draft = request.session.get(self.session_key)
        if not isinstance(draft, dict):
            return {}
        return copy.deepcopy(draft) if copied else draft

    def save(self, request, draft: dict[str, Any]) -> None:
        request.session[self.session_key] = draft
        request.session.modified = True

    def start(self, request, **fields: Any) -> dict[str, Any]:
        """A fresh draft with its own submission key (`key`); any earlier draft and its files are discarded."""
        self.discard(request)
        draft = {"key": uuid.uuid4().hex, **fields}
        self.save(request, draft)
        return draft

    def update(self, request, **changes: Any) -> dict[str, Any]:
        draft = self.get(request) or {"key": uuid.uuid4().hex}
        draft.update(changes)
        self.save(request, draft)
        return draft

    def discard(self, request) -> None:
        """Forget the draft and delete its parked files."""
        self._delete_parked(self.get(request))
        request.session.pop(self.session_key, None)

    def finish(self, request, reference: str) -> None:
        """Forget the draft once its record is made (the files now belong to the record)."""
        self.discard(request)
        if self.done_key:
            request.session[self.done_key] = reference

    def file_name(self, item: dict) -> str:
        """The storage name of a parked file; ValueError for anything that is not one of our tokens."""
        token, extension = str(item.get("token", "")), str(item.get("extension", ""))
        if not (len(token) == 32 and token.isalnum() and extension in self.extensions):
            raise ValueError("bad draft file token")
        return f"{self.upload_dir}/{token}.{extension}"

    def park(self, content: bytes, *, extension: str, **details: Any) -> dict[str, Any]:
        """Store a checked file under a new random token; returns its entry for the draft."""
        item = {"token": secrets.token_hex(16), "extension": extension, **details}
        default_storage.save(self.file_name(item), ContentFile(content))
        return item

    def _delete_parked(self, draft: dict) -> None:
        for item in self.parked(draft) if draft else ():
            try:
                default_storage.delete(self.file_name(item))
            except ValueError:
                pass
