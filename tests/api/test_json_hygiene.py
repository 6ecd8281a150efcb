"""JSON bodies get the request edge's hygiene (oxtom/core/hygiene.py), as form fields do.

Through the real middleware stack and the API's views: bidi overrides and
zero-width characters never reach a serializer, a NUL (raw or escaped) is a 400
in problem details with nothing written, and bodies that are not JSON or too
large are left to the view's own answer.
"""
from __future__ import annotations

import json

import pytest
from django.test import RequestFactory, override_settings

from oxtom.cases.models import CaseEvent
from oxtom.core.hygiene import _clean_json_body, _cleaned_json

from .test_api import problem

pytestmark = pytest.mark.django_db

RLO, PDF, ZWSP, LRI, PDI = "\u202e", "\u202c", "\u200b", "\u2066", "\u2069"


def _notes(case):
    return list(CaseEvent.objects.filter(case=case, kind="public_update").values_list("text", flat=True))


def test_bidi_and_zero_width_characters_never_reach_the_api(contractor, report_in_team):
    case = report_in_team.case
    url = f"/api/v1/cases/{case.reference}/updates/"
    note = f"Filled {RLO}exe.txt{PDF} to{ZWSP}day {LRI}ok{PDI}"
    response = contractor.post(url, {"version": case.version, "public_note": note})
    assert response.status_code == 200, response.content
    assert _notes(case) == ["Filled exe.txt today ok"]


def test_escaped_controls_are_stripped_too(contractor, report_in_team):
    """The same characters written as JSON escapes (what most clients send) are caught after decoding."""
    case = report_in_team.case
    raw = '{"version": %d, "public_note": "Visit \\u202eMonday\\u202c\\u200b"}' % case.version
    response = contractor.post(f"/api/v1/cases/{case.reference}/updates/", raw=raw)
    assert response.status_code == 200, response.content
    assert _notes(case) == ["Visit Monday"]


@pytest.mark.parametrize("raw", [
    '{"version": %d, "public_note": "a\\u0000b"}',  # escaped NUL in a value
    '{"version": %d, "public_\\u0000note": "x"}',  # in a key
    '{"version": %d, "public_note": "a\x00b"}',  # a raw NUL byte (not even JSON)
])
def test_a_nul_in_a_json_body_is_a_400_problem_and_writes_nothing(contractor, report_in_team, raw):
    case = report_in_team.case
    body = problem(contractor.post(f"/api/v1/cases/{case.reference}/updates/", raw=raw % case.version), 400)
    assert "character" in body["detail"]
    assert _notes(case) == []


def test_a_body_that_is_not_json_is_left_for_the_view_to_refuse(contractor, report_in_team):
    case = report_in_team.case
    url = f"/api/v1/cases/{case.reference}/updates/"
    body = problem(contractor.post(url, raw='{"public_note": "' + RLO + '"'), 400)  # malformed: the parser's words
    assert "JSON" in body["detail"]
    problem(contractor.post(url, raw=b"\xff\xfe{}", content_type="application/json"), 400)
    problem(contractor.post(url, raw=f"note={RLO}x", content_type="application/x-www-form-urlencoded"), 415)
    assert _notes(case) == []


def test_an_oversized_body_gets_the_apis_own_413(contractor, report_in_team):
    case = report_in_team.case
    url = f"/api/v1/cases/{case.reference}/updates/"
    big = json.dumps({"version": case.version, "public_note": (RLO + "x") * 20000})
    problem(contractor.post(url, raw=big), 413)
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):  # beyond Django's limit: never read at the edge
        problem(contractor.post(url, raw=big), 413)
    assert _notes(case) == []


def _request(body: bytes, content_type: str = "application/json"):
    return RequestFactory().generic("POST", "/anything/", body, content_type=content_type)


def test_the_body_is_rewritten_only_when_something_was_stripped():
    sent = b'{"a": 1.50, "b": "plain"}'
    request = _request(sent)
    _clean_json_body(request)
    assert request.body == sent  # untouched, byte for byte
    request = _request(json.dumps({"a": [f"x{RLO}", {f"k{ZWSP}": f"{ZWSP}v"}], "n": None, "t": True}).encode())
    _clean_json_body(request)
    assert json.loads(request.body) == {"a": ["x", {"k": "v"}], "n": None, "t": True}
    assert request.META["CONTENT_LENGTH"] == str(len(request.body))
    assert json.loads(request.read()) == json.loads(request.body)  # the stream a parser reads is the clean one


def test_passwords_in_json_are_left_as_typed_and_nested_nul_is_named():
    data, changed = _cleaned_json({"user": {"password": f"s{ZWSP}cret", "name": f"A{ZWSP}n"}})
    assert data == {"user": {"password": f"s{ZWSP}cret", "name": "An"}} and changed
    with pytest.raises(ValueError) as exc:
        _cleaned_json({"items": [{"note": "a\x00"}]})
    assert exc.value.args[0] == "items.note"


def test_deep_nesting_does_not_exhaust_the_stack():
    deep = "[" * 900 + f'"{RLO}x"' + "]" * 900
    request = _request(deep.encode())
    _clean_json_body(request)
    assert "\u202e" not in request.body.decode() and request.body.decode().count("[") == 900
    too_deep = ("[" * 200000 + "]" * 200000).encode()
    request = _request(too_deep)
    _clean_json_body(request)  # the decoder gives up: left for the view's parser
    assert request.body == too_deep


def _through_middleware(request):
    from oxtom.core.hygiene import RequestHygieneMiddleware

    seen = {}

    def view(req):
        from django.http import HttpResponse

        seen["body"] = req.body
        return HttpResponse("ok")

    return RequestHygieneMiddleware(view)(request), seen


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/octet-stream"])
def test_other_bodies_reach_the_view_as_sent(content_type):
    sent = f"{RLO}x\x00".encode()
    response, seen = _through_middleware(_request(sent, content_type))
    assert response.status_code == 200 and seen["body"] == sent


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("content_type", ["application/json", "application/merge-patch+json"])
def test_put_patch_and_plus_json_bodies_are_cleaned(method, content_type):
    request = RequestFactory().generic(method, "/x/", json.dumps({"a": f"{RLO}b"}), content_type=content_type)
    response, seen = _through_middleware(request)
    assert response.status_code == 200 and json.loads(seen["body"]) == {"a": "b"}
    request = RequestFactory().generic(method, "/x/", '{"a": "\\u0000"}', content_type=content_type)
    with pytest.raises(Exception) as exc:  # outside a registered prefix: Django's BadRequest (a 400 page)
        _through_middleware(request)
    assert type(exc.value).__name__ == "BadRequest"
