"""Changing a live contract's terms under change control: the modification limits, the refusals, the history,
the audit, the OCDS amendment; and the contract managers' reviews-due board."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from oxtom.core.models import AuditEvent
from provision import rules, selectors, services
from provision.models import ApprovalRole, Approver, Contract, ContractAmendment, DelegationBand
from tests.provision.test_publication import OCDS

pytestmark = pytest.mark.django_db


def _terms(contract: Contract, **change) -> dict:
    terms = {"title": contract.title, "description": contract.description, "end_date": contract.end_date,
             "review_date": contract.review_date, "value_pence": contract.current_value_pence}
    terms.update(change)
    return terms


@pytest.fixture
def live(make_contract, manager):
    """£400,000 awarded, 20% change allowed; two 12-month options after a term ending in 600 days."""
    return make_contract("MOD-1", value=400_000_00, extension_options=2, extension_months=12,
                         max_value_change_percent=20, contract_manager=manager)


# --- the rules -------------------------------------------------------------------------------------------

def test_the_value_may_move_either_way_by_the_allowed_share_of_the_awarded_value():
    today = dt.date(2026, 12, 1)
    common = {"start_date": dt.date(2025, 1, 1), "new_end_date": dt.date(2027, 1, 1),
              "max_end_date": dt.date(2029, 1, 1), "awarded_value_pence": 400_000_00, "max_value_change_percent": 20,
              "today": today}
    assert rules.modification_check(new_value_pence=480_000_00, **common).permitted  # exactly +20%
    assert rules.modification_check(new_value_pence=320_000_00, **common).permitted  # exactly -20%
    over = rules.modification_check(new_value_pence=480_000_01, **common)
    assert not over.permitted and over.value_reasons and not over.end_date_reasons
    assert "between £320,000.00 and £480,000.00" in over.value_reasons[0]
    assert not rules.modification_check(new_value_pence=319_999_99, **common).permitted
    assert not rules.modification_check(new_value_pence=0, **common).permitted
    none_allowed = rules.modification_check(**{**common, "max_value_change_percent": 0}, new_value_pence=400_000_01)
    assert "0%" in none_allowed.value_reasons[0]


def test_the_end_date_stays_within_start_term_and_extension_options_and_not_in_the_past():
    common = {"start_date": dt.date(2025, 1, 1), "max_end_date": dt.date(2029, 1, 1), "awarded_value_pence": 100,
              "new_value_pence": 100, "max_value_change_percent": 0, "today": dt.date(2026, 12, 1)}
    assert rules.modification_check(new_end_date=dt.date(2029, 1, 1), **common).permitted
    late = rules.modification_check(new_end_date=dt.date(2029, 1, 2), **common)
    assert late.end_date_reasons == ("The end date cannot be after 1 January 2029: the start, the term and every "
                                     "extension option the contract allows",)
    assert "in the past" in rules.modification_check(new_end_date=dt.date(2026, 11, 30), **common).reasons[0]
    assert "after the start" in rules.modification_check(new_end_date=dt.date(2024, 12, 31), **common).reasons[0]
    assert rules.value_band(333_33, 10) == (30_000, 36_666)  # low rounded up, high down: both allowed


# --- the service -----------------------------------------------------------------------------------------

def test_a_change_within_the_limits_is_recorded_with_before_and_after_who_when_and_why(live, manager):
    new_end = live.end_date + dt.timedelta(days=90)
    amendment = services.contract_modify(
        contract=live, **_terms(live, value_pence=450_000_00, end_date=new_end, title="Cleaning  of  offices"),
        reason="  Two more libraries\nadded  ", expected_version=live.version, by=manager)
    live.refresh_from_db()
    assert (live.current_value_pence, live.end_date, live.title, live.version) == (
        450_000_00, new_end, "Cleaning of offices", 2)
    assert live.awarded_value_pence == 400_000_00  # the award is what the limits are measured from
    assert amendment.kind == ContractAmendment.Kind.MODIFICATION and amendment.made_by == manager
    assert amendment.reason == "Two more libraries added"
    assert amendment.changes == {"title": ["Contract MOD-1", "Cleaning of offices"],
                                 "end_date": [(new_end - dt.timedelta(days=90)).isoformat(), new_end.isoformat()],
                                 "current_value_pence": [400_000_00, 450_000_00]}
    assert ("Value", "£400,000.00", "£450,000.00") in amendment.change_lines()
    event = AuditEvent.objects.get(target_type="provision.contract", target_id=str(live.pk), action="update")
    assert event.actor == manager and event.detail["changes"] == amendment.changes


@pytest.mark.parametrize("change, field, message", [
    ({"value_pence": 480_000_01}, "value", "cannot move by more than the 20%"),
    ({"value_pence": 300_000_00}, "value", "keep it between £320,000.00 and £480,000.00"),
    ({"end_date_days": 600 + 2 * 366}, "end_date", "every extension option"),
    ({"end_date_days": -1}, "end_date", "cannot be in the past"),
])
def test_changes_beyond_the_limits_are_refused_and_nothing_changes(live, manager, change, field, message):
    if "end_date_days" in change:
        change = {"end_date": timezone.localdate() + dt.timedelta(days=change.pop("end_date_days"))}
    with pytest.raises(ValidationError) as refused:
        services.contract_modify(contract=live, **_terms(live, **change), reason="Because",
                                 expected_version=live.version, by=manager)
    assert message in " ".join(refused.value.message_dict[field])
    live.refresh_from_db()
    assert (live.version, live.current_value_pence) == (1, 400_000_00)
    assert not ContractAmendment.objects.exists()


def test_a_second_change_is_still_measured_from_the_awarded_value(live, manager):
    services.contract_modify(contract=live, **_terms(live, value_pence=470_000_00), reason="First",
                             expected_version=1, by=manager)
    live.refresh_from_db()
    with pytest.raises(ValidationError, match="20%"):  # +£20,000 more is +22.5% of the award in all
        services.contract_modify(contract=live, **_terms(live, value_pence=490_000_00), reason="Second",
                                 expected_version=2, by=manager)


def test_a_stale_version_no_change_no_reason_or_another_persons_contract_is_refused(live, manager, hub,
                                                                                    officer_outside_team):
    services.contract_modify(contract=live, **_terms(live, value_pence=410_000_00), reason="Hub's change",
                             expected_version=1, by=hub)
    with pytest.raises(services.StaleContractError):
        services.contract_modify(contract=live, **_terms(live, value_pence=420_000_00), reason="Mine",
                                 expected_version=1, by=manager)
    live.refresh_from_db()
    assert live.current_value_pence == 410_000_00 and ContractAmendment.objects.count() == 1
    with pytest.raises(ValidationError, match="not changed anything"):
        services.contract_modify(contract=live, **_terms(live), reason="Nothing", expected_version=2, by=manager)
    with pytest.raises(ValidationError, match="Say why"):
        services.contract_modify(contract=live, **_terms(live, title="New"), reason="   ", expected_version=2,
                                 by=manager)
    with pytest.raises(ValidationError, match="1,000 characters"):
        services.contract_modify(contract=live, **_terms(live, title="New"), reason="x" * 1001, expected_version=2,
                                 by=manager)
    with pytest.raises(PermissionDenied):
        services.contract_modify(contract=live, **_terms(live, title="New"), reason="Mine", expected_version=2,
                                 by=officer_outside_team)


def test_an_ended_contract_cannot_be_changed(make_contract, manager, client_for):
    today = timezone.localdate()
    ended = make_contract("MOD-ENDED", start=today - dt.timedelta(days=400), end=today - dt.timedelta(days=1),
                          contract_manager=manager)
    with pytest.raises(ValidationError, match="has ended"):
        services.contract_modify(contract=ended, **_terms(ended, title="Renamed"), reason="Late",
                                 expected_version=1, by=manager)
    page = client_for(manager).get(f"/staff/provision/contracts/{ended.reference}/")
    assert b"Change the contract's terms" not in page.content


def test_end_date_and_value_wait_while_an_extension_is_being_approved(live, manager, hub, director):
    DelegationBand.objects.create(category=None, from_value_pence=0, steps=[ApprovalRole.SERVICE_DIRECTOR])
    Approver.objects.create(role=ApprovalRole.SERVICE_DIRECTOR, user=director)
    services.extension_request(contract=live, new_value_pence=400_000_00, reason="Extend", expected_version=1,
                               by=hub)
    with pytest.raises(ValidationError, match="waiting for approval"):
        services.contract_modify(contract=live, **_terms(live, value_pence=410_000_00), reason="More",
                                 expected_version=1, by=manager)
    services.contract_modify(contract=live, **_terms(live, title="Renamed"), reason="Title only",
                             expected_version=1, by=manager)  # the title is not what the approvers sign


# --- the pages ---------------------------------------------------------------------------------------------

def _form(contract: Contract, **change) -> dict:
    end = change.pop("end", contract.end_date)
    data = {"title": contract.title, "description": contract.description, "end_date_day": end.day,
            "end_date_month": end.month, "end_date_year": end.year,
            "value": f"{contract.current_value_pence / 100:.2f}",
            "reason": "More libraries", "version": contract.version}
    data.update(change)
    return data


def test_who_may_change_a_contract_and_see_the_reviews_due(client_for, live, hub, manager, officer_outside_team,
                                                           resident_a, make_contract):
    edit = f"/staff/provision/contracts/{live.reference}/edit/"
    assert client_for(manager).get(edit).status_code == 200
    assert client_for(hub).get(edit).status_code == 200
    assert client_for(officer_outside_team).get(edit).status_code == 403  # no contract work at all
    assert client_for(officer_outside_team).post(edit, _form(live, value="410000")).status_code == 403
    assert client_for(resident_a).get(edit).status_code == 403
    anonymous = client_for(None).get(edit)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    other = make_contract("MOD-OTHER")  # someone else's contract: the manager is told it does not exist
    assert client_for(manager).get(f"/staff/provision/contracts/{other.reference}/edit/").status_code == 404
    assert client_for(manager).get("/staff/provision/contracts/NOPE/edit/").status_code == 404
    for user, status in ((manager, 200), (hub, 200), (officer_outside_team, 403), (resident_a, 403)):
        assert client_for(user).get("/staff/provision/reviews-due/").status_code == status, user
    assert client_for(None).get("/staff/provision/reviews-due/").status_code == 302
    assert not ContractAmendment.objects.exists()


def test_the_manager_changes_the_value_and_sees_it_in_the_history(client_for, live, manager):
    client = client_for(manager)
    page = client.get(f"/staff/provision/contracts/{live.reference}/")
    assert b"Change the contract's terms" in page.content and b"No changes since" in page.content
    form = client.get(f"/staff/provision/contracts/{live.reference}/edit/")
    assert b"between \xc2\xa3320,000.00 and \xc2\xa3480,000.00" in form.content
    done = client.post(f"/staff/provision/contracts/{live.reference}/edit/",
                       {**_form(live, value="£450,000"), "submission_key": "k" * 20}, follow=True)
    assert done.redirect_chain[-1][0].endswith("#history")
    text = done.content.decode()
    assert "Value: £400,000.00 to £450,000.00" in text and "More libraries" in text and "Modification" in text
    # A double submit (the same key again) makes no second modification.
    again = client.post(f"/staff/provision/contracts/{live.reference}/edit/",
                        {**_form(live, value="£450,000"), "submission_key": "k" * 20})
    assert again.status_code == 302 and ContractAmendment.objects.count() == 1


@pytest.mark.parametrize("change, message", [
    ({"value": "600000"}, "cannot move by more than the 20%"),
    ({"value": "lots"}, "must be an amount in pounds"),
    ({"value": "9" * 30}, "Ensure this value has at most 20 characters"),
    ({"reason": ""}, "Say why the contract is changing"),
    ({"reason": "x" * 1001}, "Keep the reason to 1,000 characters or fewer"),
    ({"title": "t" * 201}, "Keep the title to 200 characters or fewer"),
    ({"title": "<script>alert(1)</script>", "value": "-5"}, "must be an amount in pounds"),
    ({"description": "d" * 2001}, "Keep the description to 2,000 characters or fewer"),
    ({"end_date_month": "13"}, "End date must be a real date"),
    ({"version": "drop table"}, "Enter a whole number"),
    ({"end": "+3y"}, "every extension option"),
])
def test_bad_hostile_and_oversized_input_is_refused_with_the_reason(client_for, live, manager, change, message):
    if change.get("end") == "+3y":
        change["end"] = live.max_end_date + dt.timedelta(days=1)
    response = client_for(manager).post(f"/staff/provision/contracts/{live.reference}/edit/", _form(live, **change))
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text.replace("&#x27;", "'"), text[text.find("govuk-error-summary"):][:600]
    assert "<script>alert(1)</script>" not in text
    live.refresh_from_db()
    assert live.version == 1 and not ContractAmendment.objects.exists()


def test_a_stale_edit_says_so_keeps_what_was_typed_and_shows_the_latest_terms(client_for, live, manager, hub):
    url = f"/staff/provision/contracts/{live.reference}/edit/"
    assert client_for(hub).post(url, _form(live, value="410000", reason="Hub first")).status_code == 302
    stale = client_for(manager).post(url, _form(live, value="455000", reason="Manager second"))  # version 1
    assert stale.status_code == 400
    text = stale.content.decode()
    assert "Someone else changed this contract" in text and 'id="latest"' in text and "£410,000.00" in text
    assert 'value="455000"' in text and "Manager second" in text  # nothing the manager typed is lost
    assert 'name="version" value="2"' in text
    live.refresh_from_db()
    assert live.current_value_pence == 410_000_00
    resent = client_for(manager).post(url, _form(live, value="455000", reason="Manager second"))
    assert resent.status_code == 302 and ContractAmendment.objects.count() == 2


def test_the_ocds_release_carries_the_modification_as_an_amendment(client, live, manager):
    import jsonschema
    from referencing import Registry, Resource

    services.contract_modify(contract=live, **_terms(live, value_pence=450_000_00), reason="More libraries",
                             expected_version=1, by=manager)
    package = json.loads(b"".join(client.get("/open-data/ocds/releases.json").streaming_content))
    release_schema = json.loads((OCDS / "release-schema.json").read_text())
    registry = Registry().with_resource(
        "https://standard.open-contracting.org/schema/1__1__5/release-schema.json",
        Resource.from_contents(release_schema))
    validator = jsonschema.Draft4Validator(json.loads((OCDS / "release-package-schema.json").read_text()),
                                           registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    assert not [e.message for e in validator.iter_errors(package)]
    release = next(r for r in package["releases"] if r["contracts"][0]["id"] == "MOD-1")
    assert "contractAmendment" in release["tag"]
    contract = release["contracts"][0]
    assert contract["value"] == {"amount": 450000.0, "currency": "GBP"}
    assert release["awards"][0]["value"] == {"amount": 400000.0, "currency": "GBP"}
    [amendment] = contract["amendments"]
    assert amendment["rationale"] == "More libraries"
    assert amendment["description"] == "Modification: value £400000.00 to £450000.00"


# --- reviews due -------------------------------------------------------------------------------------------

def test_reviews_due_lists_the_next_n_days_most_urgent_first_with_a_count_per_kind(make_contract, manager, hub):
    today = timezone.localdate()
    # The category's runway is 12 months: a contract ending in 12 months and 10 days has its notice in ~10 days.
    make_contract("D-NOTICE", end=rules.add_months(today + dt.timedelta(days=10), 12), contract_manager=manager)
    make_contract("D-REVIEW", review_date=today + dt.timedelta(days=5), contract_manager=manager)
    make_contract("D-END", start=today - dt.timedelta(days=30), end=today + dt.timedelta(days=40),
                  contract_manager=manager)
    make_contract("D-LATER", review_date=today + dt.timedelta(days=120), contract_manager=manager)
    make_contract("D-NOT-MINE", review_date=today + dt.timedelta(days=3))
    board = selectors.reviews_due(manager, days=90)
    assert [(r.contract.reference, r.kind, r.days_left) for r in board.rows] == [
        ("D-REVIEW", "review", 5), ("D-NOTICE", "notice", 10), ("D-END", "end", 40)]
    assert board.counts == [("review", "Contract review", 1), ("notice", "Runway starts: time to re-procure", 1),
                            ("end", "Contract ends", 1)] and board.total == 3
    assert [r.contract.reference for r in selectors.reviews_due(manager, days=180).rows][-1] == "D-LATER"
    assert selectors.reviews_due(hub, days=90).rows[0].contract.reference == "D-NOT-MINE"  # the hub sees all
    assert selectors.reviews_due(manager, days=12345).days == 90  # only the offered windows


def test_the_notice_date_is_computed_in_the_database_as_the_rules_compute_it(make_contract, manager):
    today = timezone.localdate()
    for n, end in enumerate([rules.add_months(today, 12) + dt.timedelta(days=d) for d in (0, 1, 17, 30, 60)]):
        make_contract(f"N-{n}", end=end, contract_manager=manager)
    rows = selectors.reviews_due(manager, days=90).rows
    assert rows and all(r.kind == "notice" for r in rows)
    assert all(r.due_on == rules.add_months(r.contract.end_date, -12) for r in rows)


def test_reviews_due_pages_and_takes_the_same_queries_for_3_or_40_contracts(client_for, make_contract, manager,
                                                                           make_supplier, monkeypatch):
    monkeypatch.setattr(selectors, "REVIEWS_DUE_PER_PAGE", 10)
    today = timezone.localdate()
    client = client_for(manager)

    def add(n, start):
        for i in range(start, start + n):
            make_contract(f"P-{i:03d}", review_date=today + dt.timedelta(days=1 + i % 80), contract_manager=manager,
                          suppliers=[make_supplier(), make_supplier()])

    add(3, 0)
    client.get("/staff/provision/reviews-due/")
    counts = []
    for more in (37, 0):
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/staff/provision/reviews-due/?days=90")
        assert page.status_code == 200
        counts.append(len(queries))
        add(more, 3)
    assert counts[0] == counts[1] <= 8, counts  # 6 measured: session, user, manages?, counts, page, suppliers
    first = client.get("/staff/provision/reviews-due/?days=90")
    assert len(first.context["board"].rows) == 10 and first.context["board"].total == 40
    seen = [r.contract.reference for r in first.context["board"].rows]
    cursor = first.context["board"].cursor
    while cursor:
        page = client.get(f"/staff/provision/reviews-due/?days=90&after={cursor}")
        seen += [r.contract.reference for r in page.context["board"].rows]
        cursor = page.context["board"].cursor
    assert len(seen) == len(set(seen)) == 40
    assert client.get("/staff/provision/reviews-due/?days=abc&after=junk.x").status_code == 200


# --- the demo ----------------------------------------------------------------------------------------------

def test_the_demo_has_a_modified_contract_and_several_due_in_the_next_90_days(migration_data, hub, manager,
                                                                              director, authoriser):
    from provision.demo import seed_demo_provision

    approvers = {"service_director": director, "board": authoriser, "authoriser": authoriser}
    assert seed_demo_provision(officer=hub, approvers=approvers, contract_manager=manager) > 0
    [modification] = ContractAmendment.objects.filter(kind=ContractAmendment.Kind.MODIFICATION)
    assert modification.contract.reference == "OCC-FM-0412" and modification.made_by == manager
    assert modification.changes["current_value_pence"] == [1_800_000_00, 1_980_000_00]
    mine = selectors.reviews_due(manager, days=90)
    assert {r.kind for r in mine.rows} == {"review", "notice"} and mine.total >= 3
    assert selectors.reviews_due(hub, days=90).total >= 6
    assert seed_demo_provision(officer=hub, approvers=approvers, contract_manager=manager) == 0  # idempotent
    assert ContractAmendment.objects.filter(kind=ContractAmendment.Kind.MODIFICATION).count() == 1
