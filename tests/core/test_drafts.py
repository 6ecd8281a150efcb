"""oxtom/core/drafts.py: the session draft both journeys (a street report, an application) use."""
from __future__ import annotations

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.files.storage import default_storage
from django.test import RequestFactory

from oxtom.core.drafts import SessionDraft

DRAFT = SessionDraft("test_draft", upload_dir="test-drafts", extensions=("jpg", "pdf"),
                     parked=lambda d: d.get("files", []), done_key="test_done")


@pytest.fixture
def request_(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}
    request = RequestFactory().get("/")
    request.session = SessionStore()
    return request


def test_a_draft_has_its_own_key_and_a_copy_changes_nothing_until_saved(request_):
    first = DRAFT.start(request_, answers={})
    assert len(first["key"]) == 32
    copy = DRAFT.get(request_, copied=True)
    copy["answers"]["x"] = 1
    assert DRAFT.get(request_)["answers"] == {}
    DRAFT.save(request_, copy)
    assert DRAFT.get(request_)["answers"] == {"x": 1}
    assert DRAFT.start(request_)["key"] != first["key"]


def test_parked_files_go_with_a_discarded_draft_and_a_finished_one_leaves_its_reference(request_):
    item = DRAFT.park(b"%PDF-1.4", extension="pdf", kind="proof")
    DRAFT.update(request_, files=[item])
    name = DRAFT.file_name(item)
    assert default_storage.exists(name)
    DRAFT.finish(request_, "AP-123")
    assert not default_storage.exists(name)
    assert DRAFT.get(request_) == {} and request_.session["test_done"] == "AP-123"


@pytest.mark.parametrize("item", [{"token": "../../etc/passwd", "extension": "pdf"},
                                  {"token": "a" * 32, "extension": "exe"}, {}])
def test_a_file_name_is_only_ever_one_of_our_tokens(item):
    with pytest.raises(ValueError):
        DRAFT.file_name(item)


def test_junk_in_the_session_is_no_draft(request_):
    request_.session["test_draft"] = ["not", "a", "dict"]
    assert DRAFT.get(request_) == {}
    DRAFT.discard(request_)  # nothing to delete, nothing raised
