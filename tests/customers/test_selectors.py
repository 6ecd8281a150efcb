"""customer_search, find_possible_duplicates, get_customer_for_user, timeline pages."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from oxtom.customers.models import Customer, Interaction
from oxtom.customers.selectors import (
    classify_query,
    customer_search,
    decode_cursor,
    find_possible_duplicates,
    get_customer_for_user,
    interactions_page,
)
from oxtom.customers.services import customer_merge, interaction_record
from tests import factories as f
from tests.customers.helpers import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return f.UserFactory(roles=["adviser"])


@pytest.fixture
def people():
    return {
        "smith": make_customer(first_name="John", last_name="Smith", postcode="OX1 1DS", email="john@example.org",
                               phone="+441865792422", date_of_birth=dt.date(1980, 3, 7)),
        "smyth": make_customer(first_name="Jon", last_name="Smyth", postcode="OX10 0AB", email="jon@example.org",
                               phone="+447700900001"),
        "mcdonald": make_customer(first_name="Ann", last_name="McDonald", postcode="OX1 2JD", email="ann@example.org",
                                  phone="+447700900002"),
        "jones": make_customer(first_name="Mary", last_name="Jones", postcode="OX4 1AA", email="mary@example.org",
                               phone="+447700900003"),
    }


def _names(result):
    return [c.last_name for c in result.customers]


@pytest.mark.parametrize("query, kind", [
    ("CU7KXMQ3TA", "reference"), ("cu7k-xmq3ta", "reference"), ("john@example.org", "email"),
    ("01865 792422", "phone"), ("OX1 1DS", "postcode"), ("ox11ds", "postcode"), ("OX1", "outward_postcode"),
    ("07/03/1980", "date_of_birth"), ("Smith", "name"), ("john smith", "name"), ("Cunningham", "reference_or_name"),
    ("", "empty"), ("x" * 101, "too_long"), ("31/02/1980", "invalid"), ("Smith 2", "invalid"),
    ("John Smith OX1 1DS", "name_and_postcode"), ("smith ox11ds", "name_and_postcode"),
    ("Smith OX1", "name_and_outward_postcode"), ("j smith 7/3/1980", "name_and_date_of_birth"),
    ("<script>alert(1)</script>", "invalid"), ("<b>Smith</b>", "invalid"), ("O'Brien", "name"), ("' OR 1=1 --", "invalid"),
])
def test_queries_are_recognised(query, kind):
    assert classify_query(query)[0] == kind


def test_name_search_finds_prefixes_and_sound_alikes_exact_first(staff, people):
    assert _names(customer_search(user=staff, query="Smith")) == ["Smith", "Smyth"]
    assert _names(customer_search(user=staff, query="smyth")) == ["Smyth", "Smith"]
    assert _names(customer_search(user=staff, query="Smi")) == ["Smith"]
    assert _names(customer_search(user=staff, query="mcdonald")) == ["McDonald"]
    assert _names(customer_search(user=staff, query="MacDonald")) == ["McDonald"]
    assert _names(customer_search(user=staff, query="john smith")) == ["Smith", "Smyth"]
    assert _names(customer_search(user=staff, query="j smi")) == ["Smith"]
    assert _names(customer_search(user=staff, query="Smith, John")) == ["Smith", "Smyth"]
    assert _names(customer_search(user=staff, query="mary smith")) == []


def test_other_kinds_of_search(staff, people):
    assert _names(customer_search(user=staff, query="JOHN@example.org")) == ["Smith"]
    assert _names(customer_search(user=staff, query="01865 792422")) == ["Smith"]
    assert _names(customer_search(user=staff, query="+44 1865 792422")) == ["Smith"]
    assert _names(customer_search(user=staff, query="ox1 1ds")) == ["Smith"]
    assert _names(customer_search(user=staff, query="OX1")) == ["Smith", "McDonald"]  # not OX10
    assert _names(customer_search(user=staff, query="OX10")) == ["Smyth"]
    assert _names(customer_search(user=staff, query="7/3/1980")) == ["Smith"]
    reference = people["jones"].reference
    assert _names(customer_search(user=staff, query=reference.lower())) == ["Jones"]


def test_a_name_can_be_narrowed_by_postcode_or_date_of_birth(staff, people):
    assert _names(customer_search(user=staff, query="Smith OX1 1DS")) == ["Smith"]
    assert _names(customer_search(user=staff, query="Smyth OX10")) == ["Smyth"]  # sounds-like, narrowed
    assert _names(customer_search(user=staff, query="Smith OX1")) == ["Smith"]  # not Smyth in OX10
    assert _names(customer_search(user=staff, query="j smith 07/03/1980")) == ["Smith"]
    assert _names(customer_search(user=staff, query="Jones OX1 1DS")) == []


def test_search_leaves_out_tombstones_and_follows_their_reference(staff, people):
    leader = f.UserFactory(roles=["team_leader"])
    customer_merge(source=people["smyth"], survivor=people["smith"], by=leader)
    assert _names(customer_search(user=staff, query="Smyth")) == ["Smith"]
    assert _names(customer_search(user=staff, query=people["smyth"].reference)) == ["Smith"]


@pytest.mark.parametrize("role", [[], ["resident"], ["councillor"], ["provision_officer"], ["community_partner"]])
def test_search_is_empty_for_users_without_customer_view(people, role):
    user = f.UserFactory(roles=role)
    result = customer_search(user=user, query="Smith")
    assert result.customers == []


def test_search_is_empty_for_anonymous(people):
    from django.contrib.auth.models import AnonymousUser

    assert customer_search(user=AnonymousUser(), query="Smith").customers == []


def test_bad_queries_get_a_message_not_an_error(staff, people):
    for query in ("", "x" * 500, "31/02/1980", "Smith 2", "@", "'; DROP TABLE customers_customer;--"):
        result = customer_search(user=staff, query=query)
        assert result.customers == [] and result.message
    assert Customer.objects.count() == 4


def test_search_results_are_limited(staff):
    for i in range(25):
        make_customer(first_name=f"Ann{'a' * i}", last_name="Taylor")
    assert len(customer_search(user=staff, query="Taylor").customers) == 20
    assert len(customer_search(user=staff, query="Taylor", limit=5).customers) == 5


def _plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = off")  # tiny tables: ask whether an index *can* serve it
        cursor.execute(f"EXPLAIN {sql}", params)
        return " ".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("query", [
    "Smith", "Smi", "john smith", "Smyth", "OX1 1DS", "OX1", "john@example.org", "01865 792422", "07/03/1980",
    "CU7KXMQ3TA", "John Smith OX1 1DS", "Smith OX1", "Smith 07/03/1980",
])
def test_every_search_branch_uses_an_index(staff, people, query):
    with CaptureQueriesContext(connection) as ctx:
        customer_search(user=staff, query=query)
    customer_queries = [q["sql"] for q in ctx.captured_queries if "customers_customer" in q["sql"]]
    assert customer_queries
    for sql in customer_queries:
        assert "LIKE '%" not in sql.upper()
        # Re-run the captured SQL through the planner (params are inlined by Django's capture).
        plan = _plan(sql, None)
        if connection.vendor == "sqlite":
            assert "USING INDEX" in plan or "USING COVERING INDEX" in plan or "USING INTEGER PRIMARY KEY" in plan, (sql, plan)
            assert "SCAN customers_customer" not in plan.replace("USING INDEX", ""), (sql, plan)
            # Not the near-useless merged_into index (almost every row is NULL there).
            assert "merged_into" not in plan, (sql, plan)
        else:
            assert "Seq Scan on customers_customer" not in plan, (sql, plan)


@pytest.mark.parametrize("query, index", [("Smyth", "customer_phonetic_last"), ("Willson", "customer_phonetic_last"),
                                          ("Jon Smithe", "customer_phonetic_full")])
def test_the_sounds_like_branch_reads_its_index_in_name_order(staff, people, query, index):
    """The phonetic filter and the name order are served by one index: no sort, no walk of the name index.

    A lone surname at 700,000 customers took 0.2-2 s when the planner walked the name index in order and
    filtered by the key; bench/customer_search.py ("sound-alike surname") measures it at scale.
    """
    with CaptureQueriesContext(connection) as ctx:
        customer_search(user=staff, query=query)
    phonetic = [q["sql"] for q in ctx.captured_queries if '"phonetic_last_name" =' in q["sql"]]
    assert len(phonetic) == 1
    plan = _plan(phonetic[0], None)
    if connection.vendor == "sqlite":
        assert index in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # the order comes from the index
    else:
        # On a table of a few rows PostgreSQL may pick either phonetic index and sort the handful it finds
        # (seen in a randomly ordered run); what matters here is that the phonetic key is read through an
        # index. bench/customer_search.py measures the order-serving plan at 700,000 customers.
        assert "customer_phonetic_" in plan, plan
        assert "Seq Scan on customers_customer" not in plan, plan


def test_search_query_count_is_constant(staff, people):
    """Each kind of search costs the same number of queries however many records match."""
    counts = {}
    for extra in (0, 30):
        for i in range(extra):
            make_customer(first_name=f"Jo{'n' * (i % 5)}", last_name="Smithe" if i % 2 else "Smyth")
        for query in ("Smyth", "john smith", "OX1", "Smith OX1"):
            with CaptureQueriesContext(connection) as ctx:
                customer_search(user=staff, query=query)
            counts.setdefault(query, set()).add(len(ctx.captured_queries))
    assert all(len(n) == 1 for n in counts.values()), counts


def test_find_possible_duplicates(people):
    smith = people["smith"]
    assert find_possible_duplicates(email="JOHN@example.org") == [smith]
    assert find_possible_duplicates(phone="01865 792422") == [smith]
    assert find_possible_duplicates(first_name="john", last_name="SMITH", date_of_birth=dt.date(1980, 3, 7),
                                    postcode="ox11ds") == [smith]
    # Name + date of birth without the same postcode is not enough.
    assert find_possible_duplicates(first_name="John", last_name="Smith", date_of_birth=dt.date(1980, 3, 7),
                                    postcode="OX4 1AA") == []
    assert find_possible_duplicates(email="john@example.org", exclude_pk=smith.pk) == []
    assert find_possible_duplicates(email="not-an-email", phone="12") == []
    assert find_possible_duplicates() == []


def test_get_customer_for_user_404s_for_missing_and_forbidden(staff, people):
    reference = people["smith"].reference
    assert get_customer_for_user(staff, reference.lower()) == people["smith"]
    for user, ref in ((staff, "CUNOTHERE1"), (staff, "x" * 500), (f.UserFactory(roles=["resident"]), reference),
                      (f.UserFactory(roles=["councillor"]), reference)):
        with pytest.raises(Http404):
            get_customer_for_user(user, ref)


def test_timeline_keyset_pages_walk_every_entry_once():
    customer = make_customer()
    base = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    for i in range(12):
        # Pairs share a timestamp, so the id tiebreak matters.
        interaction_record(customer=customer, kind="x", summary=f"e{i}", occurred_at=base + dt.timedelta(hours=i // 2))
    seen, cursor, pages = [], "", 0
    while True:
        rows, cursor = interactions_page(customer, cursor=cursor, per_page=5)
        seen += [r.summary for r in rows]
        pages += 1
        if not cursor:
            break
    assert pages == 3 and len(seen) == 12 and len(set(seen)) == 12
    expected = [i.summary for i in Interaction.objects.filter(customer=customer).order_by("-occurred_at", "-id")]
    assert seen == expected


def test_tampered_cursors_start_from_the_top():
    assert decode_cursor("not base64!!") is None
    assert decode_cursor("a" * 500) is None
    assert decode_cursor("") is None
