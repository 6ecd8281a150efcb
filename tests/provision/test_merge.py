"""Merging a duplicate supplier: everything moves, the duplicate stays as an alias, refusals change nothing;
and the look-alike queue in a constant number of queries at a few thousand suppliers."""
from __future__ import annotations

import json
import random
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oxtom.core.models import AuditEvent
from provision import imports, merging, selectors
from provision.models import SpendKind, SpendLine, Supplier, name_block_of, name_key
from tests.provision.test_imports import ap_file, ap_row


def test_the_name_key_drops_punctuation_and_legal_suffixes():
    assert name_key("Brightclean Facilities Ltd.") == name_key("BRIGHTCLEAN FACILITIES LIMITED") == \
        "brightclean facilities"
    assert name_block_of("The A&B Co") == name_block_of("A and B Company") == "ab"
    assert name_block_of("Ltd") == "ltd"  # a name of nothing but suffixes keeps its words


@pytest.fixture
def pair(hub, make_supplier, make_contract):
    keep = make_supplier("Brightclean Facilities Ltd", companies_house_number="09876543")
    dupe = make_supplier("Brightclean Facilities Limited", companies_house_number="09876543",
                         charity_number="1123456", ppon_id="PPON-1")
    own = make_contract("C-DUPE", suppliers=[dupe])
    shared = make_contract("C-BOTH", suppliers=[keep, dupe])
    imports.spend_import(data=ap_file([ap_row(1, dupe, amount="900.00"), ap_row(2, keep, amount="100.00")]),
                         file_name="ap.csv", kind=SpendKind.PAYABLE, by=hub)
    return {"keep": keep, "dupe": dupe, "own": own, "shared": shared}


@pytest.mark.django_db
def test_a_merge_moves_contracts_spend_and_contacts_and_keeps_the_duplicate_as_an_alias(hub, pair):
    keep, dupe = pair["keep"], pair["dupe"]
    preview = merging.merge_preview(source=dupe, survivor=keep)
    assert (preview.contracts, preview.shared_contracts, preview.spend_lines, preview.spend_pence) == \
        (2, 1, 1, 900_00)
    merging.supplier_merge(source=dupe, survivor=keep, reason="Same company number", by=hub)
    dupe.refresh_from_db()
    keep.refresh_from_db()
    assert dupe.merged_into == keep and dupe.is_alias and dupe.resolved == keep
    assert list(pair["own"].suppliers.all()) == [keep]
    assert list(pair["shared"].suppliers.all()) == [keep]  # named once, not twice
    assert set(SpendLine.objects.values_list("supplier_id", flat=True)) == {keep.pk}
    assert (keep.charity_number, keep.ppon_id) == ("1123456", "PPON-1")  # blanks filled from the duplicate
    # The organisation's customer record: the duplicate's is a tombstone pointing at the survivor's.
    dupe.customer.refresh_from_db()
    assert dupe.customer.merged_into_id == keep.customer_id
    assert Supplier.objects.get(pk=dupe.pk).customer_id == dupe.customer_id  # the alias stays with its tombstone
    events = AuditEvent.objects.filter(action="merge", target_type="provision.supplier")
    assert {e.target_id for e in events} == {str(keep.pk), str(dupe.pk)}
    detail = events.get(target_id=str(keep.pk)).detail
    assert detail["moved"]["spend_lines"] == 1 and detail["reason"] == "Same company number"
    # The duplicate's finance number still imports, to the survivor; it is no longer a choice or a look-alike.
    report = imports.spend_import(data=ap_file([ap_row(3, dupe, amount="50.00")]), file_name="ap2.csv",
                                  kind=SpendKind.PAYABLE, by=hub)
    assert report.stored == 1 and SpendLine.objects.get(transaction_number="T3").supplier_id == keep.pk
    assert dupe not in Supplier.objects.live()
    assert selectors.lookalike_suppliers().pairs == []


@pytest.mark.django_db
def test_the_published_party_lists_the_aliases_registration(client, hub, make_supplier, make_contract):
    keep = make_supplier("Cleaner Ltd", companies_house_number="01234567")
    dupe = make_supplier("Cleaner Services", charity_number="1123456")
    make_contract("C-PUB", suppliers=[keep], value=50_000_00)
    merging.supplier_merge(source=dupe, survivor=keep, reason="One organisation", by=hub)
    package = json.loads(b"".join(client.get("/open-data/ocds/releases.json").streaming_content))
    party = next(p for p in package["releases"][0]["parties"] if "supplier" in p["roles"])
    assert party["id"] == f"supplier-{keep.pk}"
    assert party["additionalIdentifiers"] == [{"scheme": "GB-CHC", "id": "1123456"}]


@pytest.mark.django_db
def test_merges_that_must_not_happen_are_refused_and_change_nothing(hub, manager, make_supplier, pair):
    keep, dupe = pair["keep"], pair["dupe"]
    with pytest.raises(ValidationError, match="two different"):
        merging.supplier_merge(source=keep, survivor=keep, reason="x", by=hub)
    with pytest.raises(ValidationError, match="Say why"):
        merging.supplier_merge(source=dupe, survivor=keep, reason="   ", by=hub)
    with pytest.raises(PermissionDenied):
        merging.supplier_merge(source=dupe, survivor=keep, reason="x", by=manager)
    sole = make_supplier("Brightclean Facilities", is_individual=True)
    with pytest.raises(ValidationError, match="sole trader"):
        merging.supplier_merge(source=sole, survivor=keep, reason="x", by=hub)
    assert not Supplier.objects.filter(merged_into__isnull=False).exists()
    merging.supplier_merge(source=dupe, survivor=keep, reason="x", by=hub)
    third = make_supplier("Third Ltd")
    with pytest.raises(ValidationError, match="already been merged"):
        merging.supplier_merge(source=dupe, survivor=third, reason="x", by=hub)
    with pytest.raises(ValidationError, match="already been merged"):
        merging.supplier_merge(source=third, survivor=dupe, reason="x", by=hub)
    # Merging the survivor on: its alias follows, one hop to the newest survivor.
    merging.supplier_merge(source=keep, survivor=third, reason="x", by=hub)
    assert Supplier.objects.get(pk=dupe.pk).merged_into_id == third.pk


@pytest.mark.django_db
def test_the_merge_pages_for_the_hub_only_with_bad_hostile_and_double_posts(client_for, hub, manager, pair,
                                                                            django_assert_max_num_queries):
    keep, dupe = pair["keep"], pair["dupe"]
    url = f"/staff/provision/suppliers/merge/{keep.pk}/{dupe.pk}/"
    client = client_for(hub)
    lookalikes = client.get("/staff/provision/suppliers/look-alike/")
    assert url.encode() in lookalikes.content
    assert client_for(manager).get(url).status_code == 403
    client = client_for(hub)
    assert client.get(f"/staff/provision/suppliers/merge/{keep.pk}/{keep.pk}/").status_code == 404
    assert client.get(f"/staff/provision/suppliers/merge/{keep.pk}/999999/").status_code == 404
    with django_assert_max_num_queries(20):
        page = client.get(url)
    assert page.status_code == 200 and b"Merge two suppliers" in page.content and b"Which supplier" in page.content
    missing = client.post(url, {"reason": ""})
    assert missing.status_code == 400 and b"Choose the supplier to keep" in missing.content \
        and b"Say why these are the same organisation" in missing.content
    assert client.post(url, {"keep": "12345", "reason": "x"}).status_code == 400
    assert client.post(url, {"keep": str(keep.pk), "reason": "x" * 501}).status_code == 400
    assert not Supplier.objects.filter(merged_into__isnull=False).exists()
    key = "merge-key-0123456789abcdef"
    done = client.post(url, {"keep": str(keep.pk), "reason": "<script>alert(1)</script> same CH number",
                             "submission_key": key})
    assert done.status_code == 302 and done["Location"] == f"/staff/provision/suppliers/{dupe.pk}/merged/"
    again = client.post(url, {"keep": str(keep.pk), "reason": "again", "submission_key": key})
    assert again.status_code == 302 and AuditEvent.objects.filter(
        action="merge", target_type="provision.supplier", target_id=str(keep.pk)).count() == 1
    confirmation = client.get(done["Location"])
    assert b"Suppliers merged" in confirmation.content and keep.name.encode() in confirmation.content
    assert client.get(f"/staff/provision/suppliers/{keep.pk}/merged/").status_code == 404  # not an alias
    # The old finance number still finds the supplier it became.
    found = client.get(f"/staff/provision/suppliers/?q={dupe.finance_id}")
    assert b"was merged into" in found.content
    # Merging the alias again is refused with the reason on the page.
    refused = client.post(url, {"keep": str(keep.pk), "reason": "again"})
    assert refused.status_code == 400 and b"already been merged" in refused.content
    assert b"<script>alert(1)</script>" not in refused.content


def _many_suppliers(n: int, *, hub) -> None:
    from oxtom.customers.models import Customer
    from oxtom.customers.services import customer_bulk_create

    words = ["Alpha", "Beacon", "Cedar", "Delta", "Elm", "Forge", "Granite", "Harbour", "Iris", "Juniper", "Kestrel",
             "Lantern", "Meadow", "North", "Orchard", "Pine", "Quarry", "River", "Summit", "Thames"]
    rng = random.Random(15)
    letters = "abcdefghijklmnopqrstuvwxyz"
    # 20 blocks of n/20 each (the first word), names otherwise unalike: a realistic register's spread.
    names = [f"{words[i % 20]} {''.join(rng.choice(letters) for _ in range(7))} Services Ltd" for i in range(n)]
    names += ["Zephyr Cleaning Ltd", "Zephyr Cleaning Limited", "Unique Widgets plc", "Oddly Named Co"]
    customer_bulk_create(rows=[{"kind": "organisation", "organisation_name": name, "email": f"m{i}@example.org"}
                               for i, name in enumerate(names)])
    customers = Customer.objects.filter(kind="organisation").order_by("id")
    Supplier.objects.bulk_create([
        Supplier(customer=c, name=c.organisation_name, finance_id=f"M{i:05d}", name_block=name_block_of(c.organisation_name),
                 companies_house_number="11112222" if c.organisation_name in ("Unique Widgets plc", "Oddly Named Co")
                 else "") for i, c in enumerate(customers)], batch_size=2000)


@pytest.mark.django_db
def test_the_lookalike_queue_takes_five_queries_at_three_thousand_suppliers(hub, client_for):
    _many_suppliers(3000, hub=hub)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        page = selectors.lookalike_suppliers()
    elapsed = time.perf_counter() - started
    assert len(queries) <= 5, [q["sql"][:120] for q in queries]
    found = {frozenset((a.name, b.name)): why for a, b, _, why in page.pairs}
    assert found[frozenset(("Unique Widgets plc", "Oddly Named Co"))] == "Same Companies House number"
    assert elapsed < 20, elapsed
    # Walk every page, five blocks at a time: the planted look-alike names are found, each page a bounded query.
    first = selectors.lookalike_suppliers(blocks=5)
    pairs, after, pages = list(first.pairs), first.cursor, 1
    while after:
        with CaptureQueriesContext(connection) as queries:
            next_page = selectors.lookalike_suppliers(after=after, blocks=5)
        assert len(queries) <= 3
        pairs += next_page.pairs
        after, pages = next_page.cursor, pages + 1
    assert frozenset(("Zephyr Cleaning Ltd", "Zephyr Cleaning Limited")) in {
        frozenset((a.name, b.name)) for a, b, _, _ in pairs}
    assert pages >= 4
    response = client_for(hub).get("/staff/provision/suppliers/look-alike/")
    assert response.status_code == 200


@pytest.mark.django_db
def test_two_suppliers_both_on_live_contracts_merge_with_everything_moved_and_audited(hub, make_supplier,
                                                                                     make_contract):
    """Both sides hold live contracts with matched spend: every link and line moves, the matches stay, the
    audit records the counts; on PostgreSQL the link table's unique (contract, supplier) is never broken
    mid-merge by the contract naming both."""
    keep = make_supplier("Riverside Care Ltd", postcode="")
    dupe = make_supplier("Riverside Care Limited", postcode="OX4 1AA")
    own_keep = make_contract("C-KEEP", suppliers=[keep], orders=["PO-K"])
    own_dupe = make_contract("C-DUP2", suppliers=[dupe], orders=["PO-D"])
    both = make_contract("C-BOTH2", suppliers=[dupe, keep])
    imports.spend_import(data=ap_file([ap_row(1, dupe, amount="700.00", order="PO-D"),
                                       ap_row(2, keep, amount="300.00", order="PO-K")]),
                         file_name="live.csv", kind=SpendKind.PAYABLE, by=hub)
    before = dict(SpendLine.objects.values_list("transaction_number", "contract_id"))
    merging.supplier_merge(source=dupe, survivor=keep, reason="Same organisation", by=hub)
    for contract in (own_keep, own_dupe, both):
        assert list(contract.suppliers.all()) == [keep], contract.reference
    assert dict(SpendLine.objects.values_list("transaction_number", "contract_id")) == before
    assert set(SpendLine.objects.values_list("supplier_id", flat=True)) == {keep.pk}
    keep.refresh_from_db()
    assert keep.postcode == "OX4 1AA" and keep.division_id == dupe.division_id
    detail = AuditEvent.objects.get(action="merge", target_type="provision.supplier", target_id=str(keep.pk)).detail
    assert detail["moved"] == {"contracts": 2, "shared_contracts": 1, "spend_lines": 1, "spend_pence": 700_00,
                               "aliases": 0}
    assert "postcode" in detail["filled"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_opposite_merges_at_once_one_wins_the_other_is_refused_without_deadlock(migration_data, hub, make_supplier,
                                                                               make_contract):
    """Two officers merge the same pair in opposite directions at the same moment (PostgreSQL row locks)."""
    import threading

    from django.db import connections

    from tests.conftest import require

    if connection.vendor != "postgresql":
        require("REQUIRE_SERVICES", "the concurrent merge test needs PostgreSQL (set DATABASE_URL)")
    a = make_supplier("Twin Parks Ltd")
    b = make_supplier("Twin Parks Limited")
    make_contract("C-TA", suppliers=[a])
    make_contract("C-TB", suppliers=[b])
    start, outcomes, lock = threading.Barrier(2), [], threading.Lock()

    def work(source, survivor):
        try:
            start.wait()
            merging.supplier_merge(source=source, survivor=survivor, reason="Twins", by=hub)
            result = "merged"
        except ValidationError as exc:
            result = "refused: " + " ".join(exc.messages)
        except BaseException as exc:  # noqa: BLE001 - a deadlock or anything else fails the test below
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=work, args=pair) for pair in ((a, b), (b, a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(o.split(":")[0] for o in outcomes) == ["merged", "refused"], outcomes
    assert "already been merged" in next(o for o in outcomes if o.startswith("refused"))
    aliases = list(Supplier.objects.filter(pk__in=[a.pk, b.pk], merged_into__isnull=False))
    assert len(aliases) == 1
    survivor = aliases[0].merged_into
    from provision.models import Contract
    assert {c.reference for c in Contract.objects.filter(suppliers=survivor)} == {"C-TA", "C-TB"}
    assert AuditEvent.objects.filter(action="merge", target_type="provision.supplier").count() == 2
