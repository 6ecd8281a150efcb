"""The shared pieces in oxtom/core that replaced copies in the apps: references, actors, money,
service errors onto a form, and the private file response."""
from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import Http404
from django.template import engines

from oxtom.core.actors import actor
from oxtom.core.files import private_file_response
from oxtom.core.forms import errors_onto_form, posted
from oxtom.core.money import decimal_pounds, pounds
from oxtom.core.references import REFERENCE_ALPHABET, random_code


def test_reference_codes_use_only_the_phone_alphabet():
    codes = {random_code(8, prefix="BK") for _ in range(200)}
    assert len(codes) == 200
    assert all(c.startswith("BK") and len(c) == 10 and set(c[2:]) <= set(REFERENCE_ALPHABET) for c in codes)
    assert not set("0O1I5S8B2Z") & set(REFERENCE_ALPHABET)


def test_actor_is_a_signed_in_user_or_nobody():
    class Signed:
        is_authenticated = True

    user = Signed()
    assert actor(user) is user
    assert actor(AnonymousUser()) is None and actor(None) is None


@pytest.mark.parametrize("pence, whole, words", [
    (0, False, "£0.00"), (5, False, "£0.05"), (123456, False, "£1,234.56"), (-250, False, "-£2.50"),
    (123456, True, "£1,235"), (123449, True, "£1,234"), (None, False, "–"),
])
def test_pounds(pence, whole, words):
    assert pounds(pence, whole=whole) == words


def test_decimal_pounds_for_open_data():
    assert decimal_pounds(123456) == "1234.56" and decimal_pounds(-5) == "-0.05"


def test_the_pounds_filter_is_built_in_to_every_template():
    template = engines["django"].from_string('{{ a|pounds }} {{ b|pounds:"whole" }} {{ c|pounds }}')
    assert template.render({"a": 6500, "b": 1234567, "c": None}) == "£65.00 £12,346 –"


class _Form(forms.Form):
    email = forms.CharField()
    role = forms.CharField()


def _bound():
    form = _Form({"email": "a@example.net", "role": "x"})
    assert form.is_valid()
    return form


def test_service_errors_go_on_the_field_they_name_or_the_whole_form():
    form = _bound()
    errors_onto_form(form, ValidationError({"email": ["Already a member", "Second"], "team": "Team is full"}))
    assert form.errors["email"] == ["Already a member", "Second"]
    assert form.non_field_errors() == ["Team is full"]
    form = _bound()
    errors_onto_form(form, ValidationError("That did not work"))
    assert form.non_field_errors() == ["That did not work"]


def test_service_keys_map_to_form_fields_and_first_only_keeps_one():
    form = _bound()
    errors_onto_form(form, ValidationError({"user": ["Not staff", "Also"]}), fields={"user": "email"}, first_only=True)
    assert form.errors["email"] == ["Not staff"]


def test_private_file_response_is_not_cached_nor_sniffed_and_pdfs_download(tmp_path):
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("e.pdf", ContentFile(b"%PDF-1.4"))
    field_file = storage.open(name)
    response = private_file_response(field_file, content_type="application/pdf", filename="AP-1-proof.pdf")
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"%PDF-1.4"
    # An Office document downloads too; an image shows inline.
    pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    office = private_file_response(storage.open(name), content_type=pptx, filename="slides.pptx")
    assert office["Content-Disposition"].startswith("attachment") and office["Content-Type"] == pptx
    image = private_file_response(storage.open(name), content_type="image/png", filename="scan.png")
    assert image["Content-Disposition"].startswith("inline")

    class Missing:
        def open(self, mode):
            raise FileNotFoundError

    with pytest.raises(Http404):
        private_file_response(Missing(), content_type="image/jpeg", filename="x.jpg")


@pytest.mark.parametrize("sent, current, same", [(3, 3, True), ("3", 3, True), (None, 3, False), ("x", 3, False),
                                                 (2, 3, False), ([], 3, False)])
def test_a_version_from_a_form_matches_only_the_current_one(sent, current, same):
    from oxtom.core.versioning import version_matches

    assert version_matches(sent, current) is same


def test_posted_binds_a_form_on_a_post_even_an_empty_one_and_never_on_a_get(rf):
    empty_post = rf.post("/x/", {})
    assert posted(empty_post) is empty_post.POST, "an empty POST is a submission: the form shows its errors"
    assert posted(rf.post("/x/", {"a": "1"}))["a"] == "1"
    assert posted(rf.get("/x/", {"a": "1"})) is None, "a first visit is not bound"
