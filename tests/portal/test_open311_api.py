"""Open311 GeoReport v2 at /open311/v2/: conformance to the shipped schemas, XML shape, bad input, privacy."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from oxtom.cases.models import Case, CaseEvent
from oxtom.customers.models import Customer
from oxtom.notify.models import OutboundMessage
from oxtom.places.models import PostcodeCentroid
from portal import open311
from portal.models import Open311Key, ReportStatus, StreetReport
from portal.open311_keys import open311_key_create, open311_key_revoke
from portal.services import report_change_status

from .conftest import HERE, POTHOLE_OK
from .test_selectors import north_of, quick_report

SCHEMAS = Path(settings.BASE_DIR) / "data" / "standards" / "open311-georeport-v2"  # vendored: data/standards/
RS = ReportStatus

# The spec ships no schema for these three: ours, from the spec's and mySociety's field lists.
ERRORS_SCHEMA = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["code", "description"], "additionalProperties": False,
    "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}}}}
DISCOVERY_SCHEMA = {"type": "object", "required": ["changeset", "contact", "key_service", "endpoints"], "properties": {
    "endpoints": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["specification", "url", "changeset", "type", "formats"],
        "properties": {"formats": {"type": "array", "items": {"enum": ["text/xml", "application/json"]}}}}}}}
UPDATES_SCHEMA = {"type": "array", "items": {
    "type": "object", "required": ["update_id", "service_request_id", "status", "updated_datetime", "description"],
    "properties": {"update_id": {"type": "string"}, "service_request_id": {"type": "string"},
                   "status": {"enum": ["open", "closed"]}, "updated_datetime": {"type": "string"},
                   "description": {"type": "string"}}}}


def _validator(name: str) -> Draft202012Validator:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        resources.append((path.name, Resource.from_contents(json.loads(path.read_text()),
                                                            default_specification=DRAFT202012)))
    registry = Registry().with_resources(resources)
    return Draft202012Validator(json.loads((SCHEMAS / name).read_text()), registry=registry)


def conforms(body, schema: str | dict) -> None:
    validator = _validator(schema) if isinstance(schema, str) else Draft202012Validator(schema)
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not problems, problems


def has_timezone(value: str) -> bool:
    return dt.datetime.fromisoformat(value).tzinfo is not None


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    return SafeET.fromstring(response.content)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate-limit counters must not leak between tests
    yield
    cache.clear()


@pytest.fixture
def api_key(db):
    _, key = open311_key_create(name="fixmystreet", by=None)
    return key


@pytest.fixture
def postcode(db, division_a):
    PostcodeCentroid.objects.update_or_create(postcode="OX16 1AA", defaults={
        "kind": "unit", "latitude": HERE[0], "longitude": HERE[1]})
    return "OX16 1AA"


def payload(api_key, **overrides):
    data = {"api_key": api_key, "service_code": "pothole", "lat": str(HERE[0]), "long": str(HERE[1]),
            "attribute[depth_mm]": "50", "attribute[width_mm]": "300", "attribute[position]": "road",
            "description": "Deep hole by the bus stop", "email": "carol.reporter@example.org",
            "first_name": "Carol", "last_name": "Reporter"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client, data, fmt="json"):
    return client.post(f"/open311/v2/requests.{fmt}", data)


# --- discovery, services, service definitions ---------------------------------------------------

def test_discovery_json_and_xml(client, db):
    response = client.get("/open311/v2/discovery.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    body = response.json()
    conforms(body, DISCOVERY_SCHEMA)
    assert body["endpoints"][0]["url"].endswith("/open311/v2/")
    root = xml(client.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_services_lists_public_active_types_only(client, catalogue):
    catalogue["fly-tipping"].is_public = False
    catalogue["fly-tipping"].save()
    catalogue["damaged-sign"].service.is_active = False
    catalogue["damaged-sign"].service.save()
    body = client.get("/open311/v2/services.json").json()
    conforms(body, "services.json")
    codes = [s["service_code"] for s in body]
    assert "pothole" in codes and "fly-tipping" not in codes and "damaged-sign" not in codes
    pothole = next(s for s in body if s["service_code"] == "pothole")
    assert pothole["metadata"] is True and pothole["type"] == "realtime" and pothole["group"] == "Roads and pavements"
    root = xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == codes
    assert root.find("service/metadata").text == "true"


def test_service_definition_from_the_type_questions(client, pothole):
    response = client.get("/open311/v2/services/pothole.json")
    body = response.json()
    conforms(body, "service-definition.json")
    assert body["service_code"] == "pothole"
    assert [a["code"] for a in body["attributes"]] == ["depth_mm", "width_mm", "position", "details"]
    position = body["attributes"][2]
    assert position["datatype"] == "singlevaluelist" and position["required"] is True and position["order"] == 30
    assert {"key": "road", "name": "In the road"} in position["values"]
    root = xml(client.get("/open311/v2/services/pothole.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "pothole"
    attribute = root.findall("attributes/attribute")[2]
    assert attribute.findtext("code") == "position" and attribute.findtext("required") == "true"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == ["road", "cycle_lane", "road_edge"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_404_error_list(client, catalogue, fmt):
    response = client.get(f"/open311/v2/services/no-such-thing.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        conforms(response.json(), ERRORS_SCHEMA)
        assert response.json()[0]["code"] == 404
    else:
        root = xml(response)
        assert root.tag == "errors" and root.findtext("error/code") == "404"
        assert "no-such-thing" in root.findtext("error/description")


def test_unknown_resource_and_wrong_method_answer_with_error_lists(client, db):
    response = client.get("/open311/v2/nothing-here.json")
    assert response.status_code == 404
    conforms(response.json(), ERRORS_SCHEMA)
    response = client.post("/open311/v2/services.json", {})
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
    conforms(response.json(), ERRORS_SCHEMA)
    assert client.head("/open311/v2/services.json").status_code == 200
    response = client.put("/open311/v2/requests.xml")
    assert response.status_code == 405 and xml(response).findtext("error/code") == "405"


def test_other_jurisdiction_is_404(client, catalogue):
    response = client.get("/open311/v2/services.json", {"jurisdiction_id": "elsewhere.gov.uk"})
    assert response.status_code == 404
    assert client.get("/open311/v2/services.json", {"jurisdiction_id": "oxfordshire.gov.uk"}).status_code == 200


# --- requests: GET ------------------------------------------------------------------------------

def test_requests_json_conforms_and_maps_status(client, pothole, street_light, make_report, officer_in_team):
    open_one = make_report()
    closed = make_report(answers={**POTHOLE_OK, "details": "Another one"}, submission_key="second")
    report_change_status(report=closed, status=RS.FIXED, expected_version=closed.case.version, by=officer_in_team,
                         public_text="Filled in")
    response = client.get("/open311/v2/requests.json")
    assert response.status_code == 200
    body = response.json()
    conforms(body, "requests.json")
    by_id = {r["service_request_id"]: r for r in body}
    assert set(by_id) == {open_one.case.reference, closed.case.reference}
    assert by_id[open_one.case.reference]["status"] == "open"
    assert by_id[open_one.case.reference]["status_notes"] == "Reported"
    assert by_id[closed.case.reference]["status"] == "closed"
    assert by_id[closed.case.reference]["extended_status"] == "fixed"
    row = by_id[open_one.case.reference]
    assert row["service_code"] == "pothole" and row["lat"] == HERE[0] and row["long"] == HERE[1]
    assert row["description"] == "Deep hole by the bus stop"
    assert row["media_url"].startswith(settings.SITE_URL) and "/photos/" in row["media_url"]
    assert all(has_timezone(row[k]) for k in ("requested_datetime", "updated_datetime"))
    assert row["requested_datetime"].endswith(("+00:00", "+01:00"))


def test_requests_xml_has_the_spec_elements(client, make_report):
    report = make_report()
    root = xml(client.get("/open311/v2/requests.xml"))
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    for name in ("service_request_id", "status", "service_code", "requested_datetime", "lat", "long"):
        assert request.find(name) is not None, name
    assert request.findtext("service_request_id") == report.case.reference
    assert request.findtext("status") == "open"


def test_default_window_is_90_days_newest_first_and_filters(client, pothole, street_light):
    now = timezone.now()
    old = quick_report(pothole, HERE, when=now - dt.timedelta(days=91))
    recent = quick_report(pothole, HERE, when=now - dt.timedelta(days=2))
    newest = quick_report(street_light, HERE, when=now - dt.timedelta(hours=1))
    closed = quick_report(pothole, HERE, status=RS.NOT_FIXED, when=now - dt.timedelta(days=3))
    hidden = quick_report(pothole, HERE, is_public=False, when=now)

    def ids(**params):
        response = client.get("/open311/v2/requests.json", params)
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    assert ids() == [newest.case.reference, recent.case.reference, closed.case.reference]
    assert old.case.reference not in ids() and hidden.case.reference not in ids()
    assert ids(status="open") == [newest.case.reference, recent.case.reference]
    assert ids(status="closed") == [closed.case.reference]
    assert ids(service_code="street-light") == [newest.case.reference]
    assert ids(service_code="unknown") == []
    start = (now - dt.timedelta(days=100)).isoformat()
    end = (now - dt.timedelta(days=80)).isoformat()
    assert ids(start_date=start, end_date=end) == [old.case.reference]
    # Explicit ids override every other filter, as the spec says; hidden reports stay hidden.
    assert set(ids(service_request_id=f"{old.case.reference},{hidden.case.reference}", status="open")) == {
        old.case.reference}


def test_requests_come_a_page_at_a_time_and_at_most_1000(client, pothole, monkeypatch):
    monkeypatch.setattr(open311, "MAX_RESULTS", 3)
    monkeypatch.setattr(open311, "DEFAULT_PAGE_SIZE", 2)
    for _ in range(5):
        quick_report(pothole, HERE)
    assert len(client.get("/open311/v2/requests.json").json()) == 2
    assert len(client.get("/open311/v2/requests.json", {"page_size": "3"}).json()) == 3
    assert client.get("/open311/v2/requests.json", {"page_size": "4"}).status_code == 400


@pytest.mark.parametrize("params, message", [
    ({"start_date": "yesterday"}, "start_date must be a date and time"),
    ({"end_date": "2026-13-45T99:00:00Z"}, "end_date must be a date and time"),
    ({"start_date": "2026-11-10T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"}, "end_date must be after start_date"),
    ({"status": "pending"}, "status must be open, closed"),
    ({"service_request_id": ",".join(f"HW-{i}" for i in range(101))}, "at most 100 values"),
    ({"service_code": "x" * 2000}, "service_code must be"),
    ({"end_date": "0001-01-01T00:00:00"}, "end_date is too early"),
    ({"start_date": "2026-11-01T00:00:00Z\x00"}, "contains a character that cannot be used"),  # at the edge
])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_query_parameters_are_400(client, db, params, message, fmt):
    response = client.get(f"/open311/v2/requests.{fmt}", params)
    assert response.status_code == 400
    if fmt == "json":
        conforms(response.json(), ERRORS_SCHEMA)
        assert message in response.json()[0]["description"]
    else:
        assert message in xml(response).findtext("error/description")


def test_single_request_and_404s(client, make_report, pothole):
    report = make_report()
    body = client.get(f"/open311/v2/requests/{report.case.reference}.json").json()
    conforms(body, "requests.json")
    assert [r["service_request_id"] for r in body] == [report.case.reference]
    root = xml(client.get(f"/open311/v2/requests/{report.case.reference.lower()}.xml"))
    assert root.findtext("request/service_request_id") == report.case.reference
    hidden = quick_report(pothole, HERE, is_public=False)
    for reference in (hidden.case.reference, "HW-0000-NONE"):
        response = client.get(f"/open311/v2/requests/{reference}.json")
        assert response.status_code == 404
        conforms(response.json(), ERRORS_SCHEMA)


def test_requests_json_query_count_is_constant(client, pothole, street_light, make_report,
                                               django_assert_max_num_queries):
    from django.core.cache import cache

    make_report()
    with django_assert_max_num_queries(1):
        assert len(client.get("/open311/v2/requests.json").json()) == 1
    for i in range(25):
        report = quick_report(street_light if i % 2 else pothole, north_of(10 * i))
        report.description = f"Report {i}"
        report.save()
    cache.clear()  # the default query's cached answer is dropped on commit, which this test never reaches
    with django_assert_max_num_queries(1):
        assert len(client.get("/open311/v2/requests.json").json()) == 26
    with django_assert_max_num_queries(1):
        client.get("/open311/v2/requests.json", {"service_code": "pothole,street-light", "status": "open"})


# --- requests: POST -----------------------------------------------------------------------------

def test_post_creates_a_case_in_the_team_queue_and_notifies(client, pothole, team, division_a, api_key):
    response = post(client, payload(api_key))
    assert response.status_code == 201, response.content
    body = response.json()
    conforms(body, "requests.json")
    [created] = body
    assert set(created) >= {"service_request_id", "service_notice", "account_id"}
    report = StreetReport.objects.select_related("case__customer").get()
    assert created["service_request_id"] == report.case.reference
    assert report.case.team == team and report.case.service.code == "pothole" and report.division == division_a
    assert report.case.answers["depth_mm"] == 50 and report.description == "Deep hole by the bus stop"
    assert report.case.customer.email == "carol.reporter@example.org"
    assert OutboundMessage.objects.filter(template_code="report-received", customer=report.case.customer).count() == 1
    key = Open311Key.objects.get(name="fixmystreet")
    assert key.last_used_at is not None


def test_post_xml_answers_in_xml(client, pothole, division_a, api_key):
    response = post(client, payload(api_key), fmt="xml")
    assert response.status_code == 201
    root = xml(response)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == Case.objects.get().reference
    assert root.find("request/account_id") is not None


def test_post_reuses_the_customer_whose_email_and_names_match(client, pothole, division_a, api_key, resident_a):
    response = post(client, payload(api_key, email="RESIDENT.A@example.org", first_name="alice", last_name="Resident"))
    assert response.status_code == 201, response.content
    assert Case.objects.get().customer == resident_a.customer
    assert Customer.objects.count() == 1


def test_an_email_alone_adds_nothing_to_someone_elses_record(client, pothole, division_a, api_key, resident_a):
    """A key holder who knows an email must not file reports on that person's timeline."""
    response = post(client, payload(api_key, email="resident.a@example.org", first_name="Mallory", last_name="Other"))
    assert response.status_code == 201
    case = Case.objects.get()
    assert case.customer != resident_a.customer and case.customer.first_name == "Mallory"
    assert not Case.objects.filter(customer=resident_a.customer).exists()


def test_known_and_unknown_contacts_get_the_same_answers(client, pothole, division_a, api_key, resident_a):
    """Nothing in the answer tells a key holder whether an email belongs to a customer."""
    def shape(response):
        body = response.json()
        return response.status_code, [sorted(item) for item in body], [item.get("description") for item in body
                                                                      if "service_request_id" not in item]

    for changes in ({"first_name": None, "last_name": None}, {"first_name": "Someone", "last_name": "Else"}):
        known = post(client, payload(api_key, email="resident.a@example.org", **changes))
        unknown = post(client, payload(api_key, email="nobody.here@example.org", description="Another hole",
                                       **changes))
        assert shape(known) == shape(unknown)


def test_post_needs_names_for_a_new_reporter_and_some_contact(client, pothole, division_a, api_key):
    response = post(client, payload(api_key, first_name=None))
    assert response.status_code == 400 and "first_name and last_name" in response.json()[0]["description"]
    response = post(client, payload(api_key, email=None))
    assert response.status_code == 400 and "email or phone" in response.json()[0]["description"]
    response = post(client, payload(api_key, email="not-an-email"))
    assert response.status_code == 400 and response.json()[0]["description"].startswith("email:")
    assert not Case.objects.exists() and not Customer.objects.exists()


def test_post_by_address_string_postcode(client, pothole, postcode, api_key):
    data = payload(api_key, lat=None, long=None, address_string="Outside 12 High Street, Banbury OX16 1AA")
    response = post(client, data)
    assert response.status_code == 201, response.content
    report = StreetReport.objects.get()
    assert (report.latitude, report.longitude) == HERE
    assert report.location_text == "Outside 12 High Street, Banbury OX16 1AA"
    assert "High Street" not in response.content.decode()  # the reporter's words about the place stay with staff
    response = post(client, payload(api_key, lat=None, long=None, address_string="Somewhere nice"))
    assert response.status_code == 400 and "postcode" in response.json()[0]["description"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", [None, "", "x" * 43, "short"])
def test_post_without_a_valid_key_is_403(client, pothole, division_a, key, fmt):
    response = post(client, payload(key), fmt=fmt)
    assert response.status_code == 403
    if fmt == "json":
        conforms(response.json(), ERRORS_SCHEMA)
    else:
        assert xml(response).findtext("error/code") == "403"
    assert not Case.objects.exists()


def test_post_with_a_revoked_key_is_403(client, pothole, division_a, api_key):
    open311_key_revoke(name="fixmystreet", by=None)
    response = post(client, payload(api_key))
    assert response.status_code == 403 and not Case.objects.exists()


@pytest.mark.parametrize("overrides, status, message", [
    ({"service_code": "no-such-service"}, 404, "no service with the service_code"),
    ({"service_code": None}, 400, "service_code is required"),
    ({"service_code": "x" * 41}, 400, "service_code must be 40 characters or fewer"),
    ({"attribute[position]": "in_the_sky"}, 400, "attribute[position]: Select where the pothole is from the list"),
    ({"attribute[depth_mm]": None}, 400, "attribute[depth_mm]: Enter how deep the pothole is"),
    ({"attribute[depth_mm]": "deep"}, 400, "The depth must be a number, like 45"),
    ({"lat": "51.5014", "long": "-0.1419"}, 400, "must be in Oxfordshire"),
    ({"lat": "nan", "long": "1"}, 400, "Choose a location"),
    ({"lat": None}, 400, "Give both lat and long"),
    ({"lat": None, "long": None}, 400, "Give the location"),
    ({"description": "x" * 2001}, 400, "description must be 2,000 characters or fewer"),
    ({"description": "x" * 20_000}, 400, "description must be"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url must be an http"),
    ({"phone": "call me"}, 400, "phone:"),
])
def test_post_refuses_bad_input_and_saves_nothing(client, pothole, division_a, api_key, overrides, status, message):
    response = post(client, payload(api_key, **overrides))
    assert response.status_code == status, response.content
    body = response.json()
    conforms(body, ERRORS_SCHEMA)
    assert any(message in e["description"] for e in body), body
    assert not Case.objects.exists() and not StreetReport.objects.exists() and not Customer.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_oversized_or_overfull_post_is_400_and_saves_nothing(client, pothole, division_a, api_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = post(client, payload(api_key, **{"attribute[details]": "x" * 20_000}))
    assert response.status_code == 400 and response.json()[0]["description"] == "The request is too large"
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    response = post(client, {**payload(api_key), **{f"attribute[x{i}]": "1" for i in range(30)}}, fmt="xml")
    assert response.status_code == 400 and xml(response).findtext("error/description") == "The request is too large"
    assert not Case.objects.exists()


def test_post_lists_every_attribute_error(client, pothole, division_a, api_key):
    response = post(client, payload(api_key, **{"attribute[position]": "x", "attribute[width_mm]": "-3"}))
    assert response.status_code == 400
    assert [e["code"] for e in response.json()] == [400, 400]


def test_html_is_stored_as_text_and_escaped_on_output(client, pothole, division_a, api_key):
    hostile = '<script>alert("x")</script> & <b>bold</b>'
    response = post(client, payload(api_key, description=hostile))
    assert response.status_code == 201
    report = StreetReport.objects.get()
    assert report.description == hostile  # kept exactly as sent: it is text, not markup
    raw = client.get("/open311/v2/requests.json").content.decode()
    assert "<script" not in raw and "\\u003cscript\\u003e" in raw
    assert json.loads(raw)[0]["description"] == hostile
    xml_raw = client.get("/open311/v2/requests.xml").content.decode()
    assert "<script" not in xml_raw and "&lt;script&gt;" in xml_raw
    assert SafeET.fromstring(xml_raw.encode()).findtext("request/description") == hostile


def test_control_characters_do_not_break_the_xml(client, pothole):
    report = quick_report(pothole, HERE)
    report.description = "Bell\x07 and tab\tkept"
    report.save()
    root = xml(client.get("/open311/v2/requests.xml"))
    assert root.findtext("request/description") == "Bell and tab\tkept"


def test_double_post_makes_one_report_and_one_email(client, pothole, division_a, api_key):
    first = post(client, payload(api_key))
    second = post(client, payload(api_key))
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()[0]["service_request_id"] == second.json()[0]["service_request_id"]
    assert StreetReport.objects.count() == 1 and Customer.objects.count() == 1
    assert OutboundMessage.objects.filter(template_code="report-received").count() == 1
    # A different report from the same client is a new report.
    third = post(client, payload(api_key, description="A second hole further along"))
    assert third.status_code == 201 and StreetReport.objects.count() == 2


def test_same_payload_after_the_window_is_a_new_report(client, pothole, division_a, api_key, monkeypatch):
    assert post(client, payload(api_key)).status_code == 201
    later = timezone.now() + dt.timedelta(seconds=open311.IDEMPOTENCY_WINDOW_S * 2 + 1)
    monkeypatch.setattr(open311.timezone, "now", lambda: later)
    assert post(client, payload(api_key)).status_code == 201
    assert StreetReport.objects.count() == 2


def test_posts_are_rate_limited_per_key(client, pothole, division_a, api_key, monkeypatch):
    monkeypatch.setattr(open311, "POSTS_PER_MINUTE", 2)
    _, other_key = open311_key_create(name="other-client", by=None)
    for i in range(2):
        assert post(client, payload(api_key, description=f"Hole {i}")).status_code == 201
    response = post(client, payload(api_key, description="Hole 3"))
    assert response.status_code == 429 and "at most 2 a minute" in response.json()[0]["description"]
    assert post(client, payload(other_key, description="Hole 4")).status_code == 201
    assert StreetReport.objects.count() == 3


def test_the_per_key_limit_is_a_sliding_minute_not_a_calendar_one(client, pothole, division_a, api_key,
                                                                    monkeypatch):
    """A calendar minute let twice the limit through in seconds either side of its boundary."""
    from oxtom.core import ratelimit

    monkeypatch.setattr(open311, "POSTS_PER_MINUTE", 2)
    boundary = (int(ratelimit.time.time()) // 60 + 10) * 60.0
    monkeypatch.setattr(ratelimit.time, "time", lambda: boundary - 2)
    for i in range(2):
        assert post(client, payload(api_key, description=f"Hole {i}")).status_code == 201
    monkeypatch.setattr(ratelimit.time, "time", lambda: boundary + 2)
    assert post(client, payload(api_key, description="Hole 3")).status_code == 429
    monkeypatch.setattr(ratelimit.time, "time", lambda: boundary + 61)
    assert post(client, payload(api_key, description="Hole 4")).status_code == 201


def test_post_works_without_a_csrf_token(pothole, division_a, api_key):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert post(strict, payload(api_key)).status_code == 201


def test_multivaluelist_attributes(client, pothole, division_a, api_key):
    pothole.questions = pothole.questions + [{
        "code": "hazards", "datatype": "multivaluelist", "description": "What else is there?", "order": 40,
        "required": False, "values": [{"key": "water", "name": "Water"}, {"key": "glass", "name": "Glass"}]}]
    pothole.save()
    response = client.post("/open311/v2/requests.json",
                           {**payload(api_key), "attribute[hazards][]": ["water", "glass"]})
    assert response.status_code == 201, response.content
    assert Case.objects.get().answers["hazards"] == ["glass", "water"]
    response = client.post("/open311/v2/requests.json",
                           {**payload(api_key, description="other"), "attribute[hazards][]": ["lava"]})
    assert response.status_code == 400


# --- servicerequestupdates ----------------------------------------------------------------------

def test_updates_are_public_text_only(client, make_report, officer_in_team):
    from oxtom.cases.services import case_add_note

    report = make_report()
    case = case_add_note(case=report.case, text="Private: the reporter sounded upset", expected_version=report.case.version,
                         by=officer_in_team)
    report = report_change_status(report=report, status=RS.ACCEPTED, expected_version=case.version,
                                  by=officer_in_team, public_text="An inspector will visit this week")
    report = report_change_status(report=report, status=RS.FIXED, expected_version=report.case.version,
                                  by=officer_in_team, public_text="Filled in today")
    response = client.get("/open311/v2/servicerequestupdates.json")
    assert response.status_code == 200
    body = response.json()
    conforms(body, UPDATES_SCHEMA)
    texts = [u["description"] for u in body]
    assert "An inspector will visit this week" in texts and "Filled in today" in texts
    assert not any("Private" in t for t in texts)
    assert {u["service_request_id"] for u in body} == {report.case.reference}
    assert body[-1]["status"] == "closed" and body[0]["status"] == "open"
    assert [u["updated_datetime"] for u in body] == sorted(u["updated_datetime"] for u in body)
    assert all(has_timezone(u["updated_datetime"]) for u in body)
    root = xml(client.get("/open311/v2/servicerequestupdates.xml"))
    assert root.tag == "service_requests_updates"
    assert [u.findtext("update_id") for u in root.findall("request_update")] == [u["update_id"] for u in body]


def test_updates_window_and_hidden_reports(client, make_report, pothole):
    report = make_report()
    hidden = quick_report(pothole, HERE, is_public=False)
    CaseEvent.objects.create(case=hidden.case, kind=CaseEvent.Kind.PUBLIC_UPDATE, occurred_at=timezone.now(),
                             visibility="public", text="Hidden report's update")
    CaseEvent.objects.filter(case=report.case).update(occurred_at=timezone.now() - dt.timedelta(days=10))
    body = client.get("/open311/v2/servicerequestupdates.json").json()
    assert {u["service_request_id"] for u in body} == {report.case.reference}
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert client.get("/open311/v2/servicerequestupdates.json", {"start_date": since}).json() == []
    response = client.get("/open311/v2/servicerequestupdates.json", {"start_date": "2026-11-10",
                                                                      "end_date": "2026-11-01"})
    assert response.status_code == 400


def test_updates_query_count_is_constant(client, make_report, pothole, django_assert_max_num_queries):
    make_report()
    with django_assert_max_num_queries(1):
        assert len(client.get("/open311/v2/servicerequestupdates.json").json()) == 1
    for i in range(20):
        report = quick_report(pothole, north_of(10 * i))
        CaseEvent.objects.create(case=report.case, kind=CaseEvent.Kind.PUBLIC_UPDATE, occurred_at=timezone.now(),
                                 visibility="public", text=f"Update {i}")
    with django_assert_max_num_queries(1):
        assert len(client.get("/open311/v2/servicerequestupdates.json").json()) == 21


# --- privacy ------------------------------------------------------------------------------------

def test_no_names_emails_or_phones_in_any_response(client, pothole, division_a, api_key, officer_in_team):
    response = post(client, payload(api_key, phone="07700 900982", email="carol.reporter@example.org"))
    assert response.status_code == 201
    report = StreetReport.objects.get()
    report_change_status(report=report, status=RS.ACCEPTED, expected_version=report.case.version,
                         by=officer_in_team, public_text="Thanks")
    bodies = [response.content]
    for path in ("requests.json", "requests.xml", f"requests/{report.case.reference}.json",
                 "servicerequestupdates.json", "servicerequestupdates.xml"):
        bodies.append(client.get(f"/open311/v2/{path}").content)
    everything = b"\n".join(bodies).decode().lower()
    for secret in ("carol", "reporter@", "example.org", "7700", "900982", officer_in_team.email.lower(),
                   officer_in_team.full_name.lower()):
        assert secret not in everything, secret


# --- pages, photos in the same query, the cached default query ---------------------------------

def test_the_default_answer_is_one_small_page_and_pages_walk_the_window(client, pothole, monkeypatch):
    monkeypatch.setattr(open311, "DEFAULT_PAGE_SIZE", 4)
    now = timezone.now()
    made = [quick_report(pothole, HERE, when=now - dt.timedelta(minutes=i)) for i in range(10)]
    newest_first = [r.case.reference for r in made]

    def ids(**params):
        response = client.get("/open311/v2/requests.json", params)
        assert response.status_code == 200, response.content
        conforms(response.json(), "requests.json")
        return [r["service_request_id"] for r in response.json()]

    assert ids() == newest_first[:4]
    assert ids(page="2") == newest_first[4:8]
    assert ids(page="3") == newest_first[8:]
    assert ids(page="4") == []
    assert ids(page_size="7", page="2") == newest_first[7:]
    assert ids(page_size="3", status="open", page="2") == newest_first[3:6]  # filters page too
    root = xml(client.get("/open311/v2/requests.xml", {"page_size": "2"}))
    assert [e.text for e in root.findall("request/service_request_id")] == newest_first[:2]


@pytest.mark.parametrize("params, message", [
    ({"page_size": "0"}, "page_size must be a whole number from 1"),
    ({"page_size": "-5"}, "page_size must be a whole number from 1"),
    ({"page_size": "1001"}, "page_size must be 1,000 or fewer"),
    ({"page": "x"}, "page must be a whole number from 1"),
    ({"page": "9" * 11}, "page must be 10 characters or fewer"),
    ({"page": "1000", "page_size": "1000"}, "narrow start_date and end_date"),
])
def test_bad_paging_is_a_400_error_list(client, db, params, message):
    response = client.get("/open311/v2/requests.json", params)
    assert response.status_code == 400
    conforms(response.json(), ERRORS_SCHEMA)
    assert message in response.json()[0]["description"]


def test_requests_with_photos_cost_one_query(client, pothole, street_light, make_report,
                                             django_assert_num_queries):
    """The first public photo of each report comes in the rows' own query: no IN list of report ids."""
    from portal.models import ReportPhoto

    reports = [quick_report(street_light if i % 2 else pothole, north_of(10 * i)) for i in range(12)]
    for i, report in enumerate(reports[:8]):
        ReportPhoto.objects.create(report=report, token=f"{i:032x}", image="x.jpg", content_type="image/jpeg",
                                   width=10, height=10, position=1, is_public=i % 4 != 3)
        ReportPhoto.objects.create(report=report, token=f"{i + 100:032x}", image="y.jpg", content_type="image/jpeg",
                                   width=10, height=10, position=2)
    for params in ({}, {"status": "open"}, {"page_size": "5", "page": "2"}):
        with django_assert_num_queries(1) as captured:
            body = client.get("/open311/v2/requests.json", {**params, "service_code": "pothole,street-light"}).json()
        assert " IN (" not in captured.captured_queries[0]["sql"].split("FROM", 1)[1].split("WHERE", 1)[0]
    body = client.get("/open311/v2/requests.json", {"page_size": "20", "status": "open"}).json()
    by_ref = {r["service_request_id"]: r["media_url"] for r in body}
    for i, report in enumerate(reports):
        url = by_ref[report.case.reference]
        if i >= 8:
            assert url is None
        else:
            first = f"{i:032x}" if i % 4 != 3 else f"{i + 100:032x}"  # the hidden one is skipped
            assert url.endswith(f"/reports/{report.case.reference}/photos/{first}/")


def test_the_default_query_is_cached_until_a_report_changes(client, pothole, django_assert_num_queries,
                                                            django_capture_on_commit_callbacks):
    first = quick_report(pothole, HERE)
    assert [r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()] == [
        first.case.reference]
    with django_assert_num_queries(0):  # served from the cache
        again = client.get("/open311/v2/requests.json")
    assert again.status_code == 200 and again["Content-Type"] == "application/json; charset=utf-8"
    assert [r["service_request_id"] for r in again.json()] == [first.case.reference]
    with django_assert_num_queries(0):
        client.get("/open311/v2/requests.json", {"jurisdiction_id": "oxfordshire.gov.uk"})
    # A filtered query is never cached.
    with django_assert_num_queries(1):
        client.get("/open311/v2/requests.json", {"status": "open"})
    # A new report, a status change and a hidden report each show at once.
    # (Invalidation waits for the commit: run the on-commit callbacks as a commit would.)
    with django_capture_on_commit_callbacks(execute=True):
        second = quick_report(pothole, HERE)
    assert [r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()] == [
        second.case.reference, first.case.reference]
    with django_capture_on_commit_callbacks(execute=True):
        first.public_status = RS.NOT_FIXED
        first.save()
    assert client.get("/open311/v2/requests.json").json()[1]["status"] == "closed"
    with django_capture_on_commit_callbacks(execute=True):
        second.is_public = False
        second.save()
    assert [r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()] == [
        first.case.reference]
    # XML is cached apart from JSON.
    assert xml(client.get("/open311/v2/requests.xml")).findtext("request/service_request_id") == first.case.reference


def test_the_cache_failing_still_answers(client, pothole, monkeypatch):
    from portal import open311_cache

    monkeypatch.setattr(open311_cache, "get", lambda key: None)
    monkeypatch.setattr(open311_cache, "put", lambda key, body: None)
    quick_report(pothole, HERE)
    assert len(client.get("/open311/v2/requests.json").json()) == 1


def test_work_starting_on_a_report_drops_the_cached_answer(client, pothole, django_capture_on_commit_callbacks):
    """The engine moves a report to "In progress" with an UPDATE (no post_save): it invalidates by hand."""
    from portal.services import report_follow_case_started

    report = quick_report(pothole, HERE)
    assert client.get("/open311/v2/requests.json").json()[0]["extended_status"] == RS.OPEN
    with django_capture_on_commit_callbacks(execute=True):
        assert report_follow_case_started(case=report.case) == 1
    assert client.get("/open311/v2/requests.json").json()[0]["extended_status"] == RS.IN_PROGRESS


# --- who filed it ----------------------------------------------------------------------------------

def test_a_request_is_recorded_as_filed_by_the_client_in_the_case_history(client, pothole, division_a, api_key,
                                                                        administrator):
    from oxtom.cases.models import CaseEvent
    from oxtom.core.models import AuditEvent
    from oxtom.customers.models import Interaction

    assert post(client, payload(api_key)).status_code == 201
    key = Open311Key.objects.select_related("owner").get(name="fixmystreet")
    owner = key.owner
    assert owner is not None and str(owner) == "fixmystreet (Open311 client)"
    assert not owner.is_active and not owner.has_usable_password() and owner.roles == []
    case = Case.objects.get()
    created = CaseEvent.objects.get(case=case, kind="created")
    assert created.actor == owner
    timeline = Interaction.objects.get(customer=case.customer, kind="case.created")
    assert timeline.actor == owner and not timeline.on_behalf_of
    assert AuditEvent.objects.get(summary__startswith="Open311 request from fixmystreet").actor == owner
    # The officers' case page says so.
    client.force_login(administrator)
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "by fixmystreet (Open311 client)" in page


def test_the_clients_account_cannot_sign_in(client, pothole, division_a, api_key):
    post(client, payload(api_key))
    owner = Open311Key.objects.get(name="fixmystreet").owner
    response = client.post("/accounts/login/", {"login": owner.email, "password": ""})
    assert "_auth_user_id" not in client.session and response.status_code in (200, 429)


def test_a_key_made_before_owners_existed_gets_its_account_on_first_use(client, pothole, division_a, api_key):
    from django.contrib.auth import get_user_model

    key = Open311Key.objects.get(name="fixmystreet")
    owner = key.owner
    Open311Key.objects.filter(pk=key.pk).update(owner=None)
    get_user_model().objects.filter(pk=owner.pk).delete()
    assert post(client, payload(api_key)).status_code == 201
    key.refresh_from_db()
    assert key.owner is not None and Case.objects.get().events.get(kind="created").actor == key.owner


def test_the_demo_has_a_request_filed_by_an_open311_client(pothole, division_a, monkeypatch):
    from portal import demo

    monkeypatch.setattr(demo, "DEMO_POINT", HERE)
    assert demo.seed_demo_open311() == 1
    assert demo.seed_demo_open311() == 0, "once"
    case = Case.objects.get()
    assert str(case.events.get(kind="created").actor) == "fixmystreet-demo (Open311 client)"
