"""Staff customer pages and residents' own details: who may see what, bad input, audit, query counts."""
from __future__ import annotations

import pytest
from django.urls import reverse

from oxtom.core.models import AuditEvent
from oxtom.customers.models import Consent, Customer
from oxtom.customers.services import customer_merge, interaction_record
from tests import factories as f
from tests.customers.helpers import make_customer

pytestmark = pytest.mark.django_db

PERSON = {
    "channel": "phone", "kind": "person", "title": "", "first_name": "Mary", "last_name": "Smyth",
    "date_of_birth_day": "4", "date_of_birth_month": "5", "date_of_birth_year": "1970",
    "email": "mary.smyth@example.org", "phone": "01865 792422", "address_line_1": "1 High Street",
    "address_line_2": "", "town": "Oxford", "postcode": "ox1 1ds", "uprn": "", "preferred_channel": "email",
    "reasonable_adjustments": "",
}


@pytest.fixture
def provision_officer(db):
    """Staff, but without any customer permission."""
    return f.UserFactory(email="provision@example.org", roles=["provision_officer"])


@pytest.fixture
def customer(db):
    return make_customer(first_name="Sam", last_name="Taylor", email="sam.taylor@example.org",
                         phone="+447700900123", postcode="OX4 1AA")


def _views_of(customer) -> int:
    return AuditEvent.objects.filter(action="view", target_type="customers.customer", target_id=str(customer.pk)).count()


# --- who may see what ------------------------------------------------------------------------


@pytest.mark.parametrize("who, expected", [
    ("adviser", 200), ("officer_in_team", 200), ("team_leader", 200), ("administrator", 200),
    ("resident_a", 403), ("councillor_of_division", 403), ("provision_officer", 403), (None, 302),
])
def test_search_page_by_role(request, client_for, who, expected):
    user = request.getfixturevalue(who) if who else None
    response = client_for(user).get(reverse("customers:search"))
    assert response.status_code == expected
    if expected == 302:
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who, expected", [
    # Officers see only the customers behind their teams' cases (tests/customers/test_least_privilege.py).
    ("adviser", 200), ("officer_in_team", 404), ("officer_outside_team", 404), ("administrator", 200),
    ("resident_a", 403), ("resident_b", 403), ("councillor_of_division", 403), ("councillor_elsewhere", 403),
    ("provision_officer", 404), (None, 302),
])
def test_record_page_by_role(request, client_for, customer, who, expected):
    user = request.getfixturevalue(who) if who else None
    response = client_for(user).get(reverse("customers:record", args=[customer.reference]))
    assert response.status_code == expected
    if expected != 200:
        assert b"sam.taylor@example.org" not in response.content
        assert _views_of(customer) == 0
    else:
        assert b"sam.taylor@example.org" in response.content


def test_a_resident_never_reaches_another_residents_record(client_for, resident_a, resident_b):
    other = Customer.objects.get(user=resident_b)
    client = client_for(resident_a)
    for name in ("record", "edit", "merge", "consent"):
        response = client.get(reverse(f"customers:{name}", args=[other.reference]))
        assert response.status_code in (403, 404) and b"resident.b@example.org" not in response.content
    details = client.get(reverse("account_details:show"))
    assert b"resident.a@example.org" in details.content and b"resident.b@example.org" not in details.content
    assert b"Bob" not in details.content


@pytest.mark.parametrize("name, who, expected", [
    ("create", "adviser", 200), ("create", "officer_in_team", 403), ("create", "councillor_of_division", 403),
])
def test_create_page_by_role(request, client_for, name, who, expected):
    response = client_for(request.getfixturevalue(who)).get(reverse(f"customers:{name}"))
    assert response.status_code == expected


@pytest.mark.parametrize("name, who, expected", [
    ("edit", "adviser", 200), ("edit", "officer_in_team", 404), ("edit", "provision_officer", 404),
    ("consent", "adviser", 200), ("consent", "officer_in_team", 404),
    ("merge", "team_leader", 404), ("merge", "administrator", 200), ("merge", "adviser", 404),  # leader: no team case
    ("merge", "officer_in_team", 404),
])
def test_record_sub_pages_by_role(request, client_for, customer, name, who, expected):
    response = client_for(request.getfixturevalue(who)).get(reverse(f"customers:{name}", args=[customer.reference]))
    assert response.status_code == expected


def test_missing_and_oversized_references_are_404(client_for, adviser):
    client = client_for(adviser)
    for reference in ("CUNOTHERE1", "x" * 300, "<script>"):
        assert client.get(f"/staff/customers/{reference}/").status_code == 404


# --- search --------------------------------------------------------------------------------


def test_search_posts_so_terms_stay_out_of_the_url(client_for, adviser, customer):
    client = client_for(adviser)
    page = client.get(reverse("customers:search"))
    assert b'method="post"' in page.content
    response = client.post(reverse("customers:search"), {"q": "Tailor"})
    assert response.status_code == 200
    assert customer.reference.encode() in response.content
    assert response.request["PATH_INFO"] == "/staff/customers/" and not response.request.get("QUERY_STRING")
    assert b"1 customer found" in response.content
    assert b"Searched by name, including names that sound alike" in response.content
    event = AuditEvent.objects.get(action="view", target_type="accounts.user", target_id=str(adviser.pk))
    assert event.detail == {"search_kind": "name", "references": [customer.reference]}
    assert "Tailor" not in str(event.detail) and "Tailor" not in event.summary


@pytest.mark.parametrize("query, message", [
    ("", "Enter something to search for"),
    ("x" * 101, "Search must be 100 characters or fewer"),
    ("<script>alert(1)</script>", "Enter a name, reference, postcode"),
    ("31/02/1980", "Enter a date of birth as day/month/year"),
])
def test_bad_searches_get_an_error_summary(client_for, adviser, query, message):
    response = client_for(adviser).post(reverse("customers:search"), {"q": query})
    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content and message in content
    assert "<script>alert(1)</script>" not in content
    assert content.count("Error: ") >= 1


def test_search_page_query_count_stays_constant(client_for, adviser, django_assert_max_num_queries):
    client = client_for(adviser)
    for _ in range(3):
        make_customer(last_name="Taylor")
    with django_assert_max_num_queries(12) as small:
        client.post(reverse("customers:search"), {"q": "Taylor"})
    for i in range(30):
        make_customer(first_name=f"Ann{'a' * i}", last_name="Taylor")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.post(reverse("customers:search"), {"q": "Taylor"})
    assert b"20 customers found" in response.content


# --- the record page -----------------------------------------------------------------------


def test_record_page_shows_the_record_and_audits_the_view(client_for, adviser, customer):
    Customer.objects.filter(pk=customer.pk).update(reasonable_adjustments="Needs large print")
    Consent.objects.create(customer=customer, purpose="research", granted=True, wording="Research?",
                           channel="web", recorded_at="2026-01-01T09:00:00Z")
    interaction_record(customer=customer, kind="contact.logged", summary="Rang about a pothole")
    response = client_for(adviser).get(reverse("customers:record", args=[customer.reference]))
    content = response.content.decode()
    for text in ("Sam Taylor", "07700 900123", "OX4 1AA", "Needs large print", "Invitations to take part in research",
                 "Rang about a pothole"):
        assert text in content
    event = AuditEvent.objects.get(action="view", target_id=str(customer.pk))
    assert event.actor == adviser


def test_record_page_query_count_stays_constant(client_for, adviser, customer, django_assert_max_num_queries):
    client = client_for(adviser)
    url = reverse("customers:record", args=[customer.reference])
    for i in range(3):
        interaction_record(customer=customer, kind="x", summary=f"Event {i}", by=adviser)
    with django_assert_max_num_queries(20) as small:
        client.get(url)
    for i in range(30):
        interaction_record(customer=customer, kind="x", summary=f"More {i}", by=f.UserFactory(roles=["adviser"]))
        Consent.objects.create(customer=customer, purpose="research", granted=bool(i % 2), wording="Research?",
                               channel="web", recorded_at="2026-01-01T09:00:00Z")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="govuk-table__row"') == 26  # header + 25 per page


def test_timeline_pages_with_a_cursor(client_for, adviser, customer):
    for i in range(30):
        interaction_record(customer=customer, kind="x", summary=f"Entry number {i:02d}")
    client = client_for(adviser)
    first = client.get(reverse("customers:record", args=[customer.reference])).content.decode()
    assert "Entry number 29" in first and "Entry number 04" not in first
    older = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(older).content.decode()
    assert "Entry number 04" in second and "Entry number 29" not in second
    assert client.get(reverse("customers:record", args=[customer.reference]) + "?after=garbage!").status_code == 200


def test_tombstone_record_points_at_the_survivor(client_for, adviser, team_leader):
    source, survivor = make_customer(), make_customer()
    customer_merge(source=source, survivor=survivor, by=team_leader)
    response = client_for(adviser).get(reverse("customers:record", args=[source.reference]))
    assert response.status_code == 200
    assert f"This record was merged into".encode() in response.content
    assert survivor.reference.encode() in response.content
    assert client_for(adviser).get(reverse("customers:edit", args=[source.reference])).status_code == 404


# --- create ----------------------------------------------------------------------------------


def test_adviser_creates_a_customer(client_for, adviser):
    response = client_for(adviser).post(reverse("customers:create"), PERSON)
    customer = Customer.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("customers:record", args=[customer.reference])
    assert (customer.postcode, customer.phone, customer.created_by) == ("OX1 1DS", "+441865792422", adviser)
    assert customer.date_of_birth.isoformat() == "1970-05-04"


@pytest.mark.parametrize("change, message", [
    ({"postcode": "OX1"}, "Enter a real postcode, like OX1 1DS"),
    ({"phone": "12345"}, "Enter a telephone number, like 01865 792422, 07700 900 982 or +44 808 157 0192"),
    ({"first_name": "<script>alert(1)</script>"}, "First name must only include letters"),
    ({"last_name": "'); DROP TABLE customers_customer;--"}, "Last name must only include letters"),
    ({"last_name": "x" * 5000}, "Last name is too long"),
    ({"last_name": "x" * 101}, "Last name must be 100 characters or fewer"),
    ({"last_name": ""}, "Enter the last name"),
    ({"date_of_birth_day": "31", "date_of_birth_month": "2"}, "Date of birth must be a real date"),
    ({"date_of_birth_year": "2999"}, "Date of birth must be in the past"),
    ({"date_of_birth_month": ""}, "Date of birth must include a month"),
    ({"kind": "robot"}, "Select whether this is a person or an organisation"),
    ({"preferred_channel": "post", "address_line_1": ""}, "Enter the first line of the address to send post to"),
    ({"email": "not-an-email"}, "Enter an email address in the correct format"),
])
def test_create_with_bad_input_shows_a_clear_message_and_saves_nothing(client_for, adviser, change, message):
    response = client_for(adviser).post(reverse("customers:create"), {**PERSON, **change})
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content and message in content
    assert "<script>alert(1)</script>" not in content
    assert not Customer.objects.exists() and not AuditEvent.objects.exists()


def test_create_shows_possible_matches_then_creates_anyway(client_for, adviser, customer):
    client = client_for(adviser)
    data = {**PERSON, "email": "SAM.TAYLOR@example.org"}
    response = client.post(reverse("customers:create"), data)
    content = response.content.decode()
    assert response.status_code == 200 and "Possible matches" in content and customer.reference in content
    assert "Create anyway" in content and 'value="Mary"' in content  # what they typed is kept
    assert Customer.objects.count() == 1
    response = client.post(reverse("customers:create"), {**data, "create_anyway": "1"})
    assert response.status_code == 302 and Customer.objects.count() == 2


# --- edit, consent --------------------------------------------------------------------------


def test_adviser_changes_details(client_for, adviser, customer):
    client = client_for(adviser)
    page = client.get(reverse("customers:edit", args=[customer.reference]))
    assert page.status_code == 200 and _views_of(customer) == 1
    assert 'value="Sam"' in page.content.decode()
    data = {**PERSON, "first_name": "Sam", "last_name": "Taylor", "email": "sam.taylor@example.org",
            "phone": "07700 900123", "postcode": "ox2 6gg", "channel": "face_to_face"}
    response = client.post(reverse("customers:edit", args=[customer.reference]), data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.postcode == "OX2 6GG"
    assert "postcode" in AuditEvent.objects.get(action="update").detail["fields"]


@pytest.mark.parametrize("url", ["/staff/customers/new/", "/staff/assist/new/"])
def test_create_pages_ask_for_the_date_of_birth_in_three_boxes(client_for, adviser, url):
    html = client_for(adviser).get(url).content.decode()
    for part in ("day", "month", "year"):
        assert f'name="date_of_birth_{part}"' in html
    assert html.count("govuk-date-input__item") == 3


def test_change_page_prefills_the_date_of_birth_and_keeps_its_boxes_after_an_error(client_for, adviser):
    import datetime as dt

    customer = make_customer(first_name="Sam", last_name="Taylor", date_of_birth=dt.date(1990, 8, 17))
    client = client_for(adviser)
    url = reverse("customers:edit", args=[customer.reference])
    html = client.get(url).content.decode()
    assert 'name="date_of_birth_day" type="text" inputmode="numeric" autocomplete="bday-day" value="17"' in html
    assert 'autocomplete="bday-month" value="8"' in html and 'autocomplete="bday-year" value="1990"' in html
    assert "1990-08-17" not in html
    # Saving unchanged works (it failed with "must be a real date" when the whole date sat in the Day box).
    data = {**PERSON, "first_name": "Sam", "last_name": "Taylor", "email": customer.email,
            "date_of_birth_day": "17", "date_of_birth_month": "8", "date_of_birth_year": "1990"}
    assert client.post(url, data).status_code == 302
    customer.refresh_from_db()
    assert customer.date_of_birth == dt.date(1990, 8, 17)
    # A bad change shows what was typed, box by box, never a Python list.
    response = client.post(url, {**data, "date_of_birth_month": "", "date_of_birth_year": "1991"})
    html = response.content.decode()
    assert response.status_code == 200 and "Date of birth must include a month" in html
    assert 'href="#id_date_of_birth_month"' in html
    assert "None" not in html and "[&#x27;" not in html and "['" not in html
    assert 'autocomplete="bday-year" value="1991"' in html
    customer.refresh_from_db()
    assert customer.date_of_birth == dt.date(1990, 8, 17)


def test_bad_edit_changes_nothing(client_for, adviser, customer):
    data = {**PERSON, "postcode": "<script>", "town": "Banbury"}
    response = client_for(adviser).post(reverse("customers:edit", args=[customer.reference]), data)
    assert response.status_code == 200 and "Enter a real postcode" in response.content.decode()
    customer.refresh_from_db()
    assert customer.town == "" and customer.postcode == "OX4 1AA"


def test_adviser_records_consent(client_for, adviser, customer):
    client = client_for(adviser)
    assert client.get(reverse("customers:consent", args=[customer.reference])).status_code == 200
    assert _views_of(customer) == 1
    bad = client.post(reverse("customers:consent", args=[customer.reference]), {"purpose": "sell"})
    assert "Select what the consent is for" in bad.content.decode() and not Consent.objects.exists()
    response = client.post(reverse("customers:consent", args=[customer.reference]), {
        "purpose": "newsletter", "granted": "yes", "wording": "Can we email you council news?", "channel": "phone"})
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.granted and consent.recorded_by == adviser and consent.channel == "phone"


# --- merge ----------------------------------------------------------------------------------


def _team_cases(team, *customers):
    """Give the leader's team a case for each customer: leaders see (and merge) those customers only."""
    from tests.casework.factories import CaseFactory, ServiceFactory

    service = ServiceFactory(code="merge-tests", name="Merge tests", team=team, reference_prefix="HW")
    for customer in customers:
        CaseFactory(service=service, customer=customer)


def test_team_leader_merges_through_the_confirm_screen(client_for, team_leader, team):
    source, survivor = make_customer(last_name="Smyth"), make_customer(last_name="Smith")
    _team_cases(team, source, survivor)
    client = client_for(team_leader)
    response = client.post(reverse("customers:merge", args=[source.reference]),
                           {"survivor_reference": survivor.reference.lower()})
    confirm_url = reverse("customers:merge_confirm", args=[source.reference, survivor.reference])
    assert response.status_code == 302 and response["Location"] == confirm_url
    page = client.get(confirm_url)
    assert page.status_code == 200 and b"Merge records" in page.content
    assert _views_of(source) == 1 and _views_of(survivor) == 1
    assert Customer.objects.get(pk=source.pk).merged_into_id is None  # nothing happens on GET
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert Customer.objects.get(pk=source.pk).merged_into_id == survivor.pk


def test_merge_choose_refuses_self_missing_and_tombstones(client_for, team_leader, team):
    source, tomb, final = make_customer(), make_customer(), make_customer()
    customer_merge(source=tomb, survivor=final, by=team_leader)
    _team_cases(team, source, tomb, final)  # after the merge, which moves cases to the survivor
    client = client_for(team_leader)
    url = reverse("customers:merge", args=[source.reference])
    for value, message in ((source.reference, "You cannot merge a record into itself"),
                           ("CUNOTHERE1", "No customer record has that reference"),
                           (tomb.reference, f"That record was merged into {final.reference}"),
                           ("", "Enter the reference of the record to keep"),
                           ("x" * 500, "Enter a customer reference")):
        content = client.post(url, {"survivor_reference": value}).content.decode()
        assert "There is a problem" in content and message in content
    assert Customer.objects.get(pk=source.pk).merged_into_id is None


def test_merge_confirm_into_a_tombstone_shows_the_reason_and_changes_nothing(client_for, team_leader, team):
    source, tomb, final = make_customer(), make_customer(), make_customer()
    customer_merge(source=tomb, survivor=final, by=team_leader)
    _team_cases(team, source, tomb, final)  # after the merge, which moves cases to the survivor
    response = client_for(team_leader).post(reverse("customers:merge_confirm", args=[source.reference, tomb.reference]))
    assert response.status_code == 200
    assert f"was merged into {final.reference}" in response.content.decode()
    assert Customer.objects.get(pk=source.pk).merged_into_id is None


def test_adviser_cannot_merge(client_for, adviser):
    source, survivor = make_customer(), make_customer()
    response = client_for(adviser).post(reverse("customers:merge_confirm", args=[source.reference, survivor.reference]))
    assert response.status_code == 404  # the same answer as for records that do not exist
    assert Customer.objects.get(pk=source.pk).merged_into_id is None


# --- residents' own details ----------------------------------------------------------------


def test_resident_sees_and_changes_their_details(client_for, resident_a):
    client = client_for(resident_a)
    assert client.get(reverse("account_details:show")).status_code == 200
    response = client.post(reverse("account_details:change"), {
        "first_name": "Alice", "last_name": "Resident", "phone": "07700 900 982", "address_line_1": "2 Broad St",
        "address_line_2": "", "town": "Oxford", "postcode": "ox1 3bd", "preferred_channel": "sms"})
    assert response.status_code == 302
    customer = Customer.objects.get(user=resident_a)
    assert (customer.phone, customer.postcode, customer.preferred_channel) == ("+447700900982", "OX1 3BD", "sms")
    entry = customer.interactions.get(kind="customer.updated")
    assert entry.channel == "web" and entry.direction == "inbound" and entry.actor == resident_a


@pytest.mark.parametrize("change, message", [
    ({"postcode": "SW1"}, "Enter a real postcode, like OX1 1DS"),
    ({"phone": "call me"}, "Enter a telephone number, like 01865 792422"),
    ({"first_name": "<b>Alice</b>"}, "First name must only include letters"),
    ({"first_name": ""}, "Enter your first name"),
    ({"last_name": "y" * 2000}, "Last name is too long"),
    ({"preferred_channel": "sms", "phone": "01865 792422"}, "Enter a mobile number"),
    ({"preferred_channel": "pigeon"}, "Select how you would like us to contact you"),
])
def test_resident_bad_input_is_refused_clearly(client_for, resident_a, change, message):
    data = {"first_name": "Alice", "last_name": "Resident", "phone": "", "address_line_1": "", "address_line_2": "",
            "town": "", "postcode": "", "preferred_channel": "email", **change}
    response = client_for(resident_a).post(reverse("account_details:change"), data)
    content = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in content and message in content
    customer = Customer.objects.get(user=resident_a)
    assert customer.postcode == "OX1 1AA" and not customer.interactions.filter(kind="customer.updated").exists()


def test_resident_details_need_sign_in(client_for):
    response = client_for(None).get(reverse("account_details:show"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_without_a_customer_record_get_one_made_for_their_account(client_for, adviser):
    assert client_for(adviser).get(reverse("account_details:show")).status_code == 200
    assert Customer.objects.filter(user=adviser).count() == 1


def test_every_problem_shows_at_once_in_page_order(client_for, adviser):
    data = {**PERSON, "channel": "", "first_name": "<b>", "postcode": "nope", "phone": "1"}
    content = client_for(adviser).post(reverse("customers:create"), data).content.decode()
    summary = content.split("govuk-error-summary__list")[1].split("</ul>")[0]
    expected = ["Select how the customer is in touch with us", "First name must only include letters",
                "Enter a telephone number", "Enter a real postcode"]
    positions = [summary.find(message) for message in expected]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert not Customer.objects.exists()


def test_resident_sets_their_consents_and_history_is_kept(client_for, resident_a):
    client = client_for(resident_a)
    url = reverse("account_details:consents")
    page = client.get(url).content.decode()
    assert "Send me council news and updates by email" in page
    bad = client.post(url, {"newsletter": "maybe"}).content.decode()
    assert "There is a problem" in bad and "Select yes or no" in bad and not Consent.objects.exists()
    choices = {"newsletter": "yes", "research": "no", "sms_updates": "no", "share_partners": "no"}
    assert client.post(url, choices).status_code == 302
    assert client.post(url, {**choices, "newsletter": "no"}).status_code == 302
    customer = Customer.objects.get(user=resident_a)
    newsletter = Consent.objects.filter(customer=customer, purpose="newsletter").order_by("recorded_at", "id")
    assert [c.granted for c in newsletter] == [True, False]
    assert newsletter[0].wording.startswith("Send me council news") and newsletter[0].channel == "web"
    assert Consent.objects.filter(customer=customer).count() == 5  # unchanged answers aren't repeated
    details = client.get(reverse("account_details:show")).content.decode()
    assert "Council news and updates by email: no" in details


def test_resident_chooses_interests(client_for, resident_a):
    data = {"first_name": "Alice", "last_name": "Resident", "phone": "", "address_line_1": "", "address_line_2": "",
            "town": "", "postcode": "", "preferred_channel": "email", "interests": ["roads", "libraries"]}
    assert client_for(resident_a).post(reverse("account_details:change"), data).status_code == 302
    assert Customer.objects.get(user=resident_a).interests == ["libraries", "roads"]
    bad = client_for(resident_a).post(reverse("account_details:change"), {**data, "interests": ["<script>"]})
    assert "Select interests from the list" in bad.content.decode()


@pytest.mark.parametrize("name, who", [("edit", "officer_in_team"), ("consent", "officer_in_team"),
                                       ("merge", "adviser"), ("merge", "officer_in_team")])
def test_forbidden_and_missing_records_get_the_same_answer(request, client_for, customer, name, who):
    client = client_for(request.getfixturevalue(who))
    real = client.get(reverse(f"customers:{name}", args=[customer.reference]))
    made_up = client.get(reverse(f"customers:{name}", args=["CUNOTREAL1"]))
    assert real.status_code == made_up.status_code == 404


def test_record_and_public_finder_agree_on_the_division_before_and_after_a_move(client_for, adviser, client,
                                                                                 division_a, division_b):
    """Issue 10 item 11: the record said one division, the public finder another, and the record kept it after a move."""
    from oxtom.places.models import PostcodeCentroid

    PostcodeCentroid.objects.create(postcode="OX16 5AA", kind="unit", latitude=52.06, longitude=-1.34)
    PostcodeCentroid.objects.create(postcode="OX10 0AB", kind="unit", latitude=51.60, longitude=-1.12)
    # Coordinates from an old import that sit in the other division from the postcode.
    customer = make_customer(first_name="Sam", last_name="Taylor", postcode="OX16 5AA", latitude=51.60, longitude=-1.12,
                             division=division_b)
    staff = client_for(adviser)
    edit = reverse("customers:edit", args=[customer.reference])
    data = {**PERSON, "first_name": "Sam", "last_name": "Taylor", "email": customer.email}
    for postcode, division in (("OX10 0AB", division_b), ("OX16 5AA", division_a)):
        assert staff.post(edit, {**data, "postcode": postcode}).status_code == 302
        record = staff.get(reverse("customers:record", args=[customer.reference])).content.decode()
        assert f'<dd class="govuk-summary-list__value">{division.name}</dd>' in record
        found = client.get("/divisions/", {"q": postcode})
        assert found.status_code == 302 and found["Location"].rstrip("/").endswith(division.slug)
