"""The report a resident is part-way through, kept in their session (oxtom/core/drafts.py says why).

Photos are checked and cleaned when uploaded and parked in storage under
a random token; only tokens go in the session.
"""
from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage

from oxtom.core.drafts import SessionDraft
from oxtom.core.uploads import CheckedImage

SESSION_KEY = "report_draft"
DONE_KEY = "report_done"
PHOTO_DIR = "report-drafts"


# The journey's draft (oxtom/core/drafts.py): photos are its parked files.
DRAFT = SessionDraft(SESSION_KEY, upload_dir=PHOTO_DIR, extensions=("jpg", "png", "webp"),
                     parked=lambda draft: draft.get("photos", []), done_key=DONE_KEY)
get = DRAFT.get
save = DRAFT.save
update = DRAFT.update
discard = DRAFT.discard
finish = DRAFT.finish
photo_name = DRAFT.file_name


def start(request, *, acting_for: int | None = None) -> dict[str, Any]:
    """A fresh draft with its own submission key (one report per draft, however often it is submitted).

    `acting_for` is the customer an adviser is acting for (None otherwise): the draft is only ever sent for them.
    """
    return DRAFT.start(request, acting_for=acting_for)


def park_photo(checked: CheckedImage) -> dict:
    return DRAFT.park(checked.content, extension=checked.extension, content_type=checked.content_type,
                      width=checked.width, height=checked.height)


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
