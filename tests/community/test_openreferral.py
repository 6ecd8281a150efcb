"""The Open Referral UK 3.0 feed: every endpoint validates against the standard's OpenAPI responses and JSON Schemas
(their $refs resolved to the copies vendored in data/standards/open-referral-uk-3.0/), is open with CORS,
filters as the standard says, carries no personal data, and costs a constant number of queries per page."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from community.models import Booking, Service
from community.services.bookings import booking_create

from .conftest import make_service

pytestmark = pytest.mark.django_db

STANDARD = Path(settings.BASE_DIR) / "data" / "standards" / "open-referral-uk-3.0"  # vendored: data/standards/
REMOTE = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"


def _registry() -> Registry:
    registry = Registry()
    for path in sorted((STANDARD / "schema").rglob("*.json")):
        uri = REMOTE + str(path.relative_to(STANDARD / "schema"))
        registry = registry.with_resource(uri, Resource(json.loads(path.read_text()), specification=DRAFT202012))
    return registry


OPENAPI = json.loads((STANDARD / "openapi.json").read_text())
REGISTRY = _registry()


def _inline_page(node):
    """The OpenAPI document's own #/components refs, inlined (the file refs stay, for the registry)."""
    if isinstance(node, dict):
        if node.get("$ref", "").startswith("#/components/schemas/"):
            return copy.deepcopy(OPENAPI["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]])
        return {k: _inline_page(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_page(v) for v in node]
    return node


def response_schema(path: str) -> dict:
    return _inline_page(OPENAPI["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"])


def check(client, url: str, spec_path: str):
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    validator = Draft202012Validator(response_schema(spec_path), registry=REGISTRY, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    return data


def test_the_standard_is_here():
    assert (STANDARD / "openapi.json").exists(), "the vendored Open Referral UK standard is missing"


def test_every_endpoint_validates(client, services):
    root = check(client, "/openreferral/", "/")
    assert root["version"] == "3.0"
    page = check(client, "/openreferral/services", "/services")
    assert page["total_items"] == 4 and page["first_page"] and page["last_page"]
    service = services["social"]
    full = check(client, f"/openreferral/services/{service.uuid}", "/services/{id}")
    assert full["id"] == str(service.uuid)
    assert full["schedules"][0]["byday"] == "TU" and full["schedules"][0]["opens_at"] == "10:00"
    assert {a["taxonomy_term"]["term"] for a in full["attributes"]} == {"loneliness", "older-people"}
    assert full["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "OX4 1AB"
    taxonomies = check(client, "/openreferral/taxonomies", "/taxonomies")
    tax_id = taxonomies["contents"][0]["id"]
    check(client, f"/openreferral/taxonomies/{tax_id}", "/taxonomies/{id}")
    terms = check(client, "/openreferral/taxonomy_terms?per_page=5", "/taxonomy_terms")
    assert terms["size"] == 5 and not terms["last_page"]
    check(client, f"/openreferral/taxonomy_terms/{terms['contents'][0]['id']}", "/taxonomy_terms/{id}")
    sal = check(client, "/openreferral/service_at_locations", "/service_at_locations")
    check(client, f"/openreferral/service_at_locations/{sal['contents'][0]['id']}", "/service_at_locations/{id}")


def test_filters_the_standard_defines(client, services, county_cover):
    social, toddlers = services["social"], services["toddlers"]
    names = lambda url: [x["name"] for x in check(client, url, "/services")["contents"]]  # noqa: E731
    assert names("/openreferral/services?search=rhyme") == ["Rhyme Time"]
    term = social.terms.get(code="loneliness")
    assert names(f"/openreferral/services?taxonomy_term_id={term.uuid}") == ["Social Connections"]
    assert names(f"/openreferral/services?taxonomy_id={term.taxonomy.uuid}") == sorted(s.name for s in services.values())
    assert "Rhyme Time" not in names("/openreferral/services?minimum_age=30")
    assert "Social Connections" not in names("/openreferral/services?maximum_age=4")
    assert names("/openreferral/services?day=MO") == ["Rhyme Time"]
    assert names("/openreferral/services?day=Tuesday&start_time=11:00&end_time=11:30") == ["Social Connections"]
    assert names("/openreferral/services?day=TU&start_time=12:30") == []
    near = check(client, "/openreferral/service_at_locations?postcode=OX4+1AB&proximity=3000", "/service_at_locations")
    assert [x["service"]["name"] for x in near["contents"]][0] == "Social Connections"
    assert "Banbury Walks" not in [x["service"]["name"] for x in near["contents"]]
    assert toddlers.name in [x["service"]["name"] for x in near["contents"]]


@pytest.mark.parametrize("query", ["page=0", "per_page=1000", "page=abc", "minimum_age=-1", "day=Someday",
                                   "start_time=25:99", "taxonomy_term_id=not-a-uuid", "search=" + "x" * 101])
def test_bad_parameters_are_clear_400s(client, services, query):
    response = client.get(f"/openreferral/services?{query}")
    assert response.status_code == 400 and response.json()["error"]
    assert response["Access-Control-Allow-Origin"] == "*"


def test_bad_postcode_and_unknown_ids(client, services):
    assert client.get("/openreferral/service_at_locations?postcode=NOTAPOSTCODE").status_code == 400
    assert client.get("/openreferral/service_at_locations?proximity=100").status_code == 400
    assert client.get("/openreferral/services/not-a-uuid").status_code == 404
    assert client.get("/openreferral/services/00000000-0000-4000-8000-000000000000").status_code == 404


def test_hidden_services_and_personal_data_stay_out(client, services, donna, key, county_cover):
    from .conftest import make_event

    event = make_event(services["social"])
    booking_create(event=event, booker=donna, submission_key=key(), by=donna.user, access_needs="Wheelchair user")
    Service.objects.filter(pk=services["walks"].pk).update(hidden_at="2026-01-01T00:00:00Z")
    body = b"".join(client.get(u).content for u in (
        "/openreferral/services", f"/openreferral/services/{services['social'].uuid}", "/openreferral/service_at_locations"))
    assert b"Banbury Walks" not in body
    for private in (b"Donna", donna.email.encode(), b"Wheelchair", Booking.objects.get().reference.encode()):
        assert private not in body
    assert client.get(f"/openreferral/services/{services['walks'].uuid}").status_code == 404


def test_constant_queries_per_page(client, services, group, places, county_cover):
    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    before = {u: count(u) for u in ("/openreferral/services", "/openreferral/service_at_locations?postcode=OX4+1AB")}
    for i in range(15):
        make_service(group, f"Extra {i}", place=places["near"], terms=("loneliness", "carers"))
    after = {u: count(u) for u in before}
    assert after == before
    assert max(after.values()) <= 3
