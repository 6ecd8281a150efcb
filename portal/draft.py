"""The report a resident is part-way through, kept in their session.

Kept in the session (not the database) so nothing exists until they
submit, and so signing in or creating an account part-way keeps every
answer (Django keeps session data when the session key rotates at sign-in).
Photos are checked and cleaned when uploaded and parked in storage under
a random token; only tokens go in the session.
"""
from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from oxtom.core.uploads import CheckedImage

SESSION_KEY = "report_draft"
DONE_KEY = "report_done"
PHOTO_DIR = "report-drafts"


def get(request) -> dict[str, Any]:
    draft = request.session.get(SESSION_KEY)
    return draft if isinstance(draft, dict) else {}


def save(request, draft: dict[str, Any]) -> None:
    request.session[SESSION_KEY] = draft
    request.session.modified = True


def start(request, *, acting_for: int | None = None) -> dict[str, Any]:
    """A fresh draft with its own submission key (one report per draft, however often it is submitted).

    `acting_for` is the customer an adviser is acting for (None otherwise): the draft is only ever sent for them.
    """
    discard(request)
    draft = {"key": uuid.uuid4().hex, "acting_for": acting_for}
    save(request, draft)
    return draft


def update(request, **changes: Any) -> dict[str, Any]:
    draft = get(request) or {"key": uuid.uuid4().hex}
    draft.update(changes)
    save(request, draft)
    return draft


def discard(request) -> None:
    """Forget the draft and delete its parked photos."""
    for photo in get(request).get("photos", []):
        default_storage.delete(photo_name(photo))
    request.session.pop(SESSION_KEY, None)


def finish(request, reference: str) -> None:
    """Forget the draft after a report was made (its photos now belong to the report)."""
    for photo in get(request).get("photos", []):
        default_storage.delete(photo_name(photo))
    request.session.pop(SESSION_KEY, None)
    request.session[DONE_KEY] = reference


def photo_name(photo: dict) -> str:
    token = str(photo.get("token", ""))
    extension = str(photo.get("extension", ""))
    if not (len(token) == 32 and token.isalnum() and extension in ("jpg", "png", "webp")):
        raise ValueError("bad photo token")
    return f"{PHOTO_DIR}/{token}.{extension}"


def park_photo(checked: CheckedImage) -> dict:
    photo = {"token": secrets.token_hex(16), "extension": checked.extension, "content_type": checked.content_type,
             "width": checked.width, "height": checked.height}
    default_storage.save(photo_name(photo), ContentFile(checked.content))
    return photo


def forget_missing_photos(request, draft: dict[str, Any]) -> None:
    """Drop photos whose parked file is gone (purged after 24 hours), so the resident adds them again."""
    photos = draft.get("photos", [])
    kept = [p for p in photos if default_storage.exists(photo_name(p))]
    if len(kept) != len(photos):
        draft["photos"] = kept
        save(request, draft)


def load_photos(draft: dict) -> list[CheckedImage]:
    """The parked photos as CheckedImage again (already cleaned; gps was used at upload time)."""
    result = []
    for photo in draft.get("photos", []):
        with default_storage.open(photo_name(photo), "rb") as handle:
            content = handle.read()
        result.append(CheckedImage(content=content, content_type=photo["content_type"],
                                   extension=photo["extension"], width=photo["width"], height=photo["height"]))
    return result
