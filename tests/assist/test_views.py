"""The adviser console: role matrix on every URL, audit of record views, query counts, bad input,
and the acting-for rules (another customer's reference refused, expiry, the role, other teams' areas)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from oxtom.core.models import AuditEvent
from oxtom.customers import services
from oxtom.customers.assist import SESSION_KEY
from oxtom.customers.models import AssistedSession, ContactLog, Customer, DigitalCoaching, Interaction
from tests import factories as f
from tests.customers.helpers import make_customer

pytestmark = pytest.mark.django_db

ROLES = ["adviser", "administrator", "officer_in_team", "team_leader", "resident_a", "councillor_of_division", None]


def _views_of(customer) -> int:
    return AuditEvent.objects.filter(action="view", target_type="customers.customer", target_id=str(customer.pk)).count()


def _urls(customer):
    ref = customer.reference
    return {
        "console": (reverse("assist:console"), {"adviser", "administrator"}),
        "create": (reverse("assist:create"), {"adviser", "administrator"}),
        "record": (reverse("assist:record", args=[ref]), {"adviser", "administrator"}),
        "session_start": (reverse("assist:session_start", args=[ref]), {"adviser", "administrator"}),
        "coach": (reverse("assist:coach", args=[ref]), {"adviser", "administrator"}),
        "chats": (reverse("assist:chats"), {"adviser", "administrator"}),
        # Officers log contacts too (CONTACT_LOG).
        "contact": (reverse("assist:contact"), {"adviser", "administrator", "officer_in_team", "team_leader"}),
        # ...but only for the customers behind their teams' cases (least privilege): this one has none.
        "customer_contact": (reverse("assist:customer_contact", args=[ref]), {"adviser", "administrator"}),
    }


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("name", ["console", "create", "record", "session_start", "coach", "chats", "contact",
                                  "customer_contact"])
def test_role_matrix_get(request, client_for, customer, reasons, who, name):
    user = request.getfixturevalue(who) if who else None
    url, allowed = _urls(customer)[name]
    response = client_for(user).get(url)
    if who is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif who in allowed:
        assert response.status_code == 200, (who, name)
    else:
        not_theirs = name == "customer_contact" and who in ("officer_in_team", "team_leader")
        assert response.status_code == (404 if not_theirs else 403), (who, name)
        assert b"rose.baker@example.org" not in response.content


@pytest.mark.parametrize("who", ["officer_in_team", "resident_a", "councillor_of_division", None])
def test_post_only_urls_refuse_other_roles(request, client_for, customer, who):
    user = request.getfixturevalue(who) if who else None
    client = client_for(user)
    for url in (reverse("assist:session_end"), reverse("assist:session_start", args=[customer.reference])):
        response = client.post(url, {"channel": "phone", "customer_present": "yes"})
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]
    assert AssistedSession.objects.count() == 0


def test_unknown_reference_is_404(client_for, adviser):
    client = client_for(adviser)
    for name in ("record", "session_start", "coach", "customer_contact"):
        assert client.get(reverse(f"assist:{name}", args=["CUNOTREAL1"])).status_code == 404
        assert client.get(reverse(f"assist:{name}", args=["X" * 300])).status_code == 404


# --- console: find and create ------------------------------------------------------------------


def test_search_finds_and_links_to_the_assist_record_and_audits_references_not_terms(client_for, adviser, customer):
    response = client_for(adviser).post(reverse("assist:console"), {"q": "Rose Baker"})
    assert response.status_code == 200
    assert reverse("assist:record", args=[customer.reference]).encode() in response.content
    event = AuditEvent.objects.get(summary="Searched customer records (assist)")
    assert event.detail["references"] == [customer.reference] and "Rose" not in str(event.detail)


@pytest.mark.parametrize("q, message", [("", "Enter something to search for"), ("x" * 101, "100 characters or fewer"),
                                        ("<script>", "Enter a name")])
def test_bad_search_shows_a_clear_message(client_for, adviser, q, message):
    response = client_for(adviser).post(reverse("assist:console"), {"q": q})
    assert response.status_code == 200 and message in response.content.decode()
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_create_checks_for_duplicates_first(client_for, adviser, customer):
    data = {
        "channel": "phone", "kind": "person", "first_name": "Rosie", "last_name": "Baker",
        "email": "rose.baker@example.org", "phone": "", "address_line_1": "", "address_line_2": "", "town": "",
        "postcode": "", "uprn": "", "preferred_channel": "email", "reasonable_adjustments": "", "title": "",
        "organisation_name": "", "date_of_birth_day": "", "date_of_birth_month": "", "date_of_birth_year": "",
    }
    client = client_for(adviser)
    before = Customer.objects.count()
    response = client.post(reverse("assist:create"), data)
    assert response.status_code == 200 and b"We may already have a record" in response.content
    assert Customer.objects.count() == before
    response = client.post(reverse("assist:create"), {**data, "create_anyway": "1"})
    created = Customer.objects.order_by("-pk").first()
    assert response.status_code == 302 and response["Location"] == reverse("assist:record", args=[created.reference])
    assert created.user is None


# --- the whole record ----------------------------------------------------------------------------


def test_record_shows_everything_and_is_audited(client_for, adviser, customer, reasons):
    from tests.casework.factories import CaseFactory

    customer.reasonable_adjustments = "Large print letters"
    customer.save()
    CaseFactory(customer=customer, reference="HW-2026-AAAAAA")
    services.consent_record(customer=customer, purpose="research", granted=True, wording="ok", channel="phone",
                            by=adviser)
    services.contact_log(customer=customer, reason=reasons["other"], outcome="information", channel="phone",
                         first_contact_resolved=True, by=adviser)
    before = _views_of(customer)
    response = client_for(adviser).get(reverse("assist:record", args=[customer.reference]))
    body = response.content.decode()
    for text in ("rose.baker@example.org", "Large print letters", "HW-2026-AAAAAA", "Invitations to take part",
                 "Something else: information or advice given", "Act for this customer"):
        assert text in body, text
    assert _views_of(customer) == before + 1


def test_record_costs_constant_queries(client_for, adviser, customer, reasons, django_assert_max_num_queries):
    from tests.casework.factories import CaseFactory

    client = client_for(adviser)
    url = reverse("assist:record", args=[customer.reference])
    client.get(url)
    with django_assert_max_num_queries(16) as small:
        client.get(url)
    baseline = len(small.captured_queries)
    assert baseline
    for n in range(15):
        CaseFactory(customer=customer, reference=f"HW-2026-B{n:05d}")
        services.contact_log(customer=customer, reason=reasons["other"], outcome="information", channel="phone",
                             first_contact_resolved=True, by=adviser)
        services.consent_record(customer=customer, purpose="research", granted=n % 2 == 0, wording=f"w{n}",
                                channel="phone", by=adviser)
    with django_assert_max_num_queries(baseline):
        client.get(url)


def test_console_costs_constant_queries(client_for, adviser, django_assert_max_num_queries):
    client = client_for(adviser)
    for n in range(3):
        make_customer(first_name="Ann", last_name="Lee", email=f"ann{n}@example.org")
    client.post(reverse("assist:console"), {"q": "Lee"})
    with django_assert_max_num_queries(14) as small:
        client.post(reverse("assist:console"), {"q": "Lee"})
    baseline = len(small.captured_queries)
    assert baseline
    for n in range(3, 20):
        make_customer(first_name="Ann", last_name="Lee", email=f"ann{n}@example.org")
    with django_assert_max_num_queries(baseline):
        client.post(reverse("assist:console"), {"q": "Lee"})


# --- log a contact ---------------------------------------------------------------------------------


def _contact(reasons, **changes):
    data = {"channel": "phone", "reason": reasons["community-support"].pk, "outcome": "signposted",
            "signposted_to": "Oxfordshire Community Foodbank", "first_contact_resolved": "yes", "notes": "",
            "submission_key": "a" * 32}
    data.update(changes)
    return data


def test_log_a_contact_for_a_customer(client_for, adviser, customer, reasons):
    response = client_for(adviser).post(reverse("assist:customer_contact", args=[customer.reference]), _contact(reasons))
    assert response.status_code == 302
    log = ContactLog.objects.get()
    assert log.customer == customer and log.first_contact_resolved and log.signposted_to.startswith("Oxfordshire")


def test_double_submitted_contact_is_logged_once(client_for, adviser, customer, reasons):
    client = client_for(adviser)
    for _ in range(2):
        client.post(reverse("assist:customer_contact", args=[customer.reference]), _contact(reasons))
    assert ContactLog.objects.count() == 1


@pytest.mark.parametrize("changes, message", [
    ({"reason": ""}, "Select why they contacted us"),
    ({"reason": "999999"}, "Select why they contacted us"),
    ({"outcome": ""}, "Select what happened"),
    ({"channel": "fax"}, "Select how they contacted us"),
    ({"signposted_to": ""}, "Enter who you signposted them to"),
    ({"signposted_to": "x" * 201}, "200 characters or fewer"),
    ({"notes": "x" * 2001}, "Notes must be 2000 characters or fewer"),
    ({"first_contact_resolved": ""}, "Select yes if it was resolved"),
    ({"outcome": "transferred", "first_contact_resolved": "yes"}, "A transferred contact was not resolved"),
    ({"outcome": "resolved", "first_contact_resolved": "no"}, "You chose ‘Resolved at first contact’: select yes"),
    ({"outcome": "signposted", "signposted_to": "   "}, "Enter who you signposted them to"),
    ({"outcome": "signposted", "signposted_to": "", "first_contact_resolved": ""}, "Enter who you signposted them to"),
    ({"signposted_to": "<script>alert(1)</script>" * 20}, "200 characters or fewer"),
])
def test_contact_bad_input_is_refused_clearly(client_for, adviser, customer, reasons, changes, message):
    response = client_for(adviser).post(reverse("assist:customer_contact", args=[customer.reference]),
                                        _contact(reasons, **changes))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body and "govuk-error-summary" in body and "<title>Error: " in body
    assert ContactLog.objects.count() == 0


# --- acting for ----------------------------------------------------------------------------------------


def _start(client, customer, **data):
    return client.post(reverse("assist:session_start", args=[customer.reference]),
                       {"channel": "phone", "customer_present": "yes", **data})


def test_start_session_shows_banner_everywhere_and_end_returns_to_console(client_for, adviser, customer):
    client = client_for(adviser)
    response = _start(client, customer)
    assert response.status_code == 302
    session = AssistedSession.objects.get()
    assert client.session[SESSION_KEY] == session.pk
    for url in (reverse("assist:record", args=[customer.reference]), "/account/details/", "/staff/"):
        body = client.get(url).content.decode()
        assert f"You are acting for Rose Baker ({customer.reference})" in body, url
        assert "End session" in body
    response = client.post(reverse("assist:session_end"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("assist:console"))
    session.refresh_from_db()
    assert session.ended_at is not None and SESSION_KEY not in client.session
    assert "You are acting for" not in client.get("/staff/").content.decode()


@pytest.mark.parametrize("data, message", [
    ({"channel": "email"}, "Select how you are helping the customer"),
    ({"channel": ""}, "Select how you are helping the customer"),
    ({"customer_present": "maybe"}, "Select yes if the customer is with you"),
])
def test_start_session_bad_input(client_for, adviser, customer, data, message):
    response = _start(client_for(adviser), customer, **data)
    assert response.status_code == 200 and message in response.content.decode()
    assert AssistedSession.objects.count() == 0


def test_residents_page_in_a_session_changes_the_acted_for_customer(client_for, adviser, customer):
    client = client_for(adviser)
    _start(client, customer)
    page = client.get("/account/details/change/").content.decode()
    assert "Change their details" in page and 'value="Rose"' in page
    response = client.post("/account/details/change/", {
        "customer_reference": customer.reference, "first_name": "Rose", "last_name": "Baker",
        "phone": "07700 900 982", "address_line_1": "1 High Street", "address_line_2": "", "town": "Oxford",
        "postcode": "OX1 1DS", "preferred_channel": "sms",
    })
    assert response.status_code == 302, response.content.decode().split("govuk-error-summary__list", 1)[-1][:500]
    customer.refresh_from_db()
    assert customer.phone == "+447700900982" and customer.preferred_channel == "sms"
    entry = Interaction.objects.get(kind="customer.updated", customer=customer)
    assert entry.actor == adviser and entry.on_behalf_of and entry.channel == "phone"
    # The adviser's own account got no customer record out of it.
    assert not Customer.objects.filter(user=adviser).exists()


def test_another_customers_reference_is_refused_in_a_session(client_for, adviser, customer, other_customer):
    client = client_for(adviser)
    _start(client, customer)
    before = _views_of(other_customer)
    for url in (reverse("assist:record", args=[other_customer.reference]),
                reverse("assist:session_start", args=[other_customer.reference]),
                reverse("assist:coach", args=[other_customer.reference]),
                reverse("customers:record", args=[other_customer.reference]),
                reverse("customers:edit", args=[other_customer.reference])):
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 403, url
        assert "You can’t see another customer’s details in this session" in body
        assert "peter.jones@example.org" not in body
    assert _views_of(other_customer) == before
    # Searching shows other customers, so it is refused too.
    for url in (reverse("customers:search"), reverse("assist:create"), reverse("assist:chats")):
        assert client.get(url).status_code == 403
    response = client.post(reverse("assist:console"), {"q": "Peter Jones"})
    assert b"peter.jones@example.org" not in response.content


def test_a_form_for_another_customer_is_refused_and_nothing_changes(client_for, adviser, customer, other_customer):
    client = client_for(adviser)
    _start(client, customer)
    response = client.post("/account/details/change/", {
        "customer_reference": other_customer.reference, "first_name": "Hacked", "last_name": "Name",
        "phone": "", "address_line_1": "", "address_line_2": "", "town": "", "postcode": "",
        "preferred_channel": "email",
    })
    assert response.status_code == 403 and "another customer" in response.content.decode()
    customer.refresh_from_db()
    other_customer.refresh_from_db()
    assert customer.first_name == "Rose" and other_customer.first_name == "Peter"


def test_an_expired_session_ends_and_says_so(client_for, adviser, customer):
    client = client_for(adviser)
    _start(client, customer)
    AssistedSession.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/account/details/")
    assert response.status_code == 302 and response["Location"] == reverse("assist:console")
    session = AssistedSession.objects.get()
    assert session.end_reason == "expired" and session.ended_at is not None
    page = client.get(reverse("assist:console")).content.decode()
    assert "has ended because it expired" in page and "You are acting for" not in page
    # The adviser's own details page, not Rose's, from now on.
    assert "rose.baker@example.org" not in client.get("/account/details/").content.decode()


def test_losing_the_role_ends_acting_for(client_for, adviser, customer):
    client = client_for(adviser)
    _start(client, customer)
    adviser.roles = ["officer"]
    adviser.save()
    assert "You are acting for" not in client.get("/staff/").content.decode()
    assert "rose.baker@example.org" not in client.get("/account/details/").content.decode()


def test_another_advisers_session_id_is_ignored(client_for, adviser, customer):
    other = f.UserFactory(roles=["adviser"])
    session = services.assisted_session_start(customer=customer, channel="phone", customer_present=True, by=other)
    client = client_for(adviser)
    stored = client.session
    stored[SESSION_KEY] = session.pk
    stored.save()
    assert "rose.baker@example.org" not in client.get("/account/details/").content.decode()


def test_adviser_in_a_session_cannot_reach_another_teams_staff_areas(client_for, adviser, customer, team, other_team):
    client = client_for(adviser)
    _start(client, customer)
    for path in (f"/staff/queues/{team.slug}/", f"/staff/queues/{other_team.slug}/", "/staff/customers/"):
        assert client.get(path).status_code in (403, 404), path


def test_residents_see_what_was_done_on_their_behalf(client_for, adviser, resident_a):
    mine = Customer.objects.get(user=resident_a)
    services.customer_update(customer=mine, data={"phone": "01865 792422"}, by=adviser, channel="phone",
                             on_behalf_of=True)
    client = client_for(resident_a)
    assert "done 1 thing for you" in client.get("/account/details/").content.decode()
    page = client.get(reverse("account_details:on_behalf")).content.decode()
    assert "Details changed: Telephone number" in page or "Details changed: phone" in page
    assert "Telephone" in page


def test_on_behalf_list_shows_only_the_residents_own(client_for, adviser, resident_a, resident_b):
    theirs = Customer.objects.get(user=resident_b)
    services.customer_update(customer=theirs, data={"town": "Didcot"}, by=adviser, channel="phone", on_behalf_of=True)
    page = client_for(resident_a).get(reverse("account_details:on_behalf")).content.decode()
    assert "Nothing has been done on your behalf" in page


def test_on_behalf_list_costs_constant_queries(client_for, adviser, resident_a, django_assert_max_num_queries):
    mine = Customer.objects.get(user=resident_a)
    client = client_for(resident_a)
    url = reverse("account_details:on_behalf")
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    baseline = len(small.captured_queries)
    assert baseline
    for n in range(30):
        services.customer_update(customer=mine, data={"town": f"Town{'x' * (n % 5)}{n}"[:20].replace("0", "o")},
                                 by=adviser, channel="phone", on_behalf_of=True)
    with django_assert_max_num_queries(baseline):
        client.get(url)


# --- coaching -------------------------------------------------------------------------------------------


def test_coach_sends_a_link(client_for, adviser, customer, message_templates):
    response = client_for(adviser).post(reverse("assist:coach", args=[customer.reference]),
                                        {"journey": "apply", "send_by": "email", "channel": "phone"})
    assert response.status_code == 302
    assert DigitalCoaching.objects.get().customer == customer


def test_coach_bad_input(client_for, adviser, customer, message_templates):
    response = client_for(adviser).post(reverse("assist:coach", args=[customer.reference]),
                                        {"journey": "rm -rf", "send_by": "fax", "channel": ""})
    body = response.content.decode()
    assert response.status_code == 200 and "Select what they want to do online" in body
    assert DigitalCoaching.objects.count() == 0


def test_signing_out_ends_the_session(client_for, adviser, customer):
    client = client_for(adviser)
    _start(client, customer)
    client.post("/accounts/logout/")
    session = AssistedSession.objects.get()
    assert session.end_reason == "signed_out" and session.ended_at is not None


def test_contact_reasons_are_admin_editable(client_for, reasons, adviser, customer):
    client = client_for(f.UserFactory(roles=["administrator"], is_staff=True, is_superuser=True))
    reason = reasons["other"]
    assert client.get(f"/django-admin/customers/contactreason/{reason.pk}/change/").status_code == 200
    services.contact_log(customer=customer, reason=reason, outcome="information", channel="phone",
                         first_contact_resolved=True, by=adviser)
    page = client.get(f"/django-admin/customers/contactreason/{reason.pk}/change/").content.decode()
    assert 'name="code"' not in page  # in use: the code is fixed


def test_chat_list_costs_constant_queries(client_for, adviser, django_assert_max_num_queries):
    client = client_for(adviser)
    services.webchat_start(token="a" * 40, message="hi", page="/", by=None)
    client.get(reverse("assist:chats"))
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("assist:chats"))
    baseline = len(small.captured_queries)
    assert baseline
    for n in range(15):
        services.webchat_start(token=f"{n:02d}" * 20, message="hi", page="/apply/", by=f.UserFactory())
    with django_assert_max_num_queries(baseline):
        client.get(reverse("assist:chats"))


def test_another_customers_case_reference_is_refused_in_a_session(client_for, customer, other_customer):
    from tests.casework.factories import CaseFactory

    admin = f.UserFactory(roles=["administrator"])  # sees every case, so only the session rule can refuse
    mine = CaseFactory(customer=customer, reference="HW-2026-MINE01")
    theirs = CaseFactory(customer=other_customer, reference="HW-2026-THEIR1")
    client = client_for(admin)
    _start(client, customer)
    assert client.get(f"/staff/cases/{mine.reference}/").status_code == 200
    response = client.get(f"/staff/cases/{theirs.reference}/")
    assert response.status_code == 403 and "another customer" in response.content.decode()
    response = client.post(reverse("assist:console"), {"case_reference": theirs.reference, "q": "x"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(summary__startswith="Refused").exists()


def test_forms_on_pages_not_yet_acting_for_are_refused_in_a_session(client_for, adviser, customer):
    from oxtom.customers import assist

    client = client_for(adviser)
    _start(client, customer)
    # A one-click renewal link is the resident's own (from their email): not an acting-for journey.
    response = client.post("/renew/some-token/", {"anything": "x"})
    body = response.content.decode()
    assert response.status_code == 403 and "This page can’t be used to act for a customer yet" in body
    assert "Nothing was saved" in body
    # Reading is fine, and staff pages and registered journeys take posts.
    assert assist.accepts_posts("/staff/assist/session/end/") and assist.accepts_posts("/account/details/change/")
    assert assist.accepts_posts("/pay/sandbox/abc/") and not assist.accepts_posts("/renew/some-token/")
    assert assist.accepts_posts("/report/check/")  # Report it acts for the customer (issue 10)
    assert ("Change their contact details", "/account/details/change/") in assist.journeys()
    assert all(label for label, _ in assist.journeys())


def test_register_journey_refuses_non_paths():
    from oxtom.customers import assist

    with pytest.raises(ValueError):
        assist.register_journey("Evil", "https://evil.example/")


def test_public_case_pages_stay_readable_in_a_session(client_for, adviser, customer, other_customer):
    from oxtom.customers.middleware import AssistSessionMiddleware  # noqa: F401
    from tests.casework.factories import CaseFactory

    theirs = CaseFactory(customer=other_customer, reference="HW-2026-PUBLC1")
    client = client_for(adviser)
    _start(client, customer)
    response = client.get(f"/reports/{theirs.reference}/")
    assert response.status_code != 403


def test_subject_initial_prefills_from_the_acted_for_record(rf, adviser, customer, resident_a):
    from django.contrib.sessions.backends.db import SessionStore

    from oxtom.customers import assist

    session = services.assisted_session_start(customer=customer, channel="phone", customer_present=True, by=adviser)
    request = rf.get("/report/")
    request.user = adviser
    request.session = SessionStore()
    assist.activate(request, session)
    initial = assist.subject_initial(request)
    assert initial["email"] == "rose.baker@example.org" and initial["first_name"] == "Rose"
    assert assist.subject_and_actor(request) == (customer, adviser, "phone", True)
    assert assist.is_assisted(request) and assist.acting_customer(request) == customer

    own = rf.get("/report/")
    own.user = resident_a
    own.session = SessionStore()
    assert assist.subject_initial(own)["email"] == "resident.a@example.org"
    assert assist.subject_and_actor(own)[1:] == (resident_a, "web", False)
    assert not assist.is_assisted(own)

    from django.contrib.auth.models import AnonymousUser

    anonymous = rf.get("/report/")
    anonymous.user = AnonymousUser()
    anonymous.session = SessionStore()
    assert assist.subject_initial(anonymous) == {} and assist.subject_and_actor(anonymous) == (None, None, "web", False)


def test_in_a_session_a_missing_case_and_another_customers_case_look_the_same(client_for, adviser, customer,
                                                                              other_customer, team):
    """Otherwise an adviser could tell which case references exist (a 403 for real ones, a 404 for made-up)."""
    from tests.casework.factories import CaseFactory, ServiceFactory

    service = ServiceFactory(code="acting-for-test", name="Test service", team=team, reference_prefix="HW")
    theirs = CaseFactory(service=service, customer=other_customer)
    client = client_for(adviser)
    _start(client, customer)
    real = client.get(f"/staff/cases/{theirs.reference}/")
    made_up = client.get("/staff/cases/HW-2026-99999/")
    assert real.status_code == made_up.status_code == 403
    assert "You can’t see another customer’s details in this session" in made_up.content.decode()
