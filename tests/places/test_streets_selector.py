"""streets_matching: the gazetteer search behind "search for a street"."""
from __future__ import annotations

import pytest

from oxtom.places.models import Street
from oxtom.places.selectors import streets_matching
from oxtom.places.streets import split_search, street_key


def _street(name, town, lat, lon, district=""):
    return Street.objects.create(
        ref=f"t:{name}|{town}|{lat}", name=name, search_key=street_key(name), town=town, town_key=street_key(town),
        district=district, latitude=lat, longitude=lon,
    )


@pytest.fixture
def streets(county):
    _street("Banbury Road", "Oxford", 51.7700, -1.2630, "Oxford")
    _street("High Street", "Oxford", 51.7526, -1.2510, "Oxford")
    _street("High Street", "Witney", 51.7850, -1.4850, "West Oxfordshire")
    _street("Upper High Street", "Thame", 51.7470, -0.9740, "South Oxfordshire")
    _street("St Aldate's", "Oxford", 51.7500, -1.2570, "Oxford")
    _street("Queens Avenue", "Bicester", 51.9010, -1.1590, "Cherwell")
    _street("Oxford Road", "Abingdon", 51.6830, -1.2760, "Vale of White Horse")
    # The same name in Swindon (outside Oxfordshire) must never be offered.
    _street("Oxford Road", "Swindon", 51.5600, -1.7700, "Swindon")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("St. Aldate's", "saint aldates"),
        ("High St", "high street"),
        ("Banbury Rd.", "banbury road"),
        ("QUEENS AVE", "queens avenue"),
        ("  high   street ", "high street"),
    ],
)
def test_the_key_ignores_case_punctuation_and_abbreviations(text, expected):
    assert street_key(text) == expected


def test_a_comma_separates_the_town():
    assert split_search("High St, Witney") == ("high street", "witney")


@pytest.mark.parametrize(
    "text, found",
    [
        ("banbury rd", ["Banbury Road, Oxford"]),
        ("BANBURY ROAD", ["Banbury Road, Oxford"]),
        ("banb", ["Banbury Road, Oxford"]),
        ("st aldates", ["St Aldate's, Oxford"]),
        ("St. Aldate's", ["St Aldate's, Oxford"]),
        ("queens ave", ["Queens Avenue, Bicester"]),
    ],
)
def test_abbreviations_case_and_punctuation_do_not_matter(streets, text, found):
    assert [str(s) for s in streets_matching(text)] == found


def test_names_starting_with_the_text_come_before_names_containing_it(streets):
    assert [str(s) for s in streets_matching("high st")] == [
        "High Street, Oxford", "High Street, Witney", "Upper High Street, Thame",
    ]


def test_a_town_after_a_comma_narrows_the_search(streets):
    assert [str(s) for s in streets_matching("High St, Witney")] == ["High Street, Witney"]
    assert [str(s) for s in streets_matching("high street, south oxon")] == []
    assert [str(s) for s in streets_matching("high street, South Oxfordshire")] == ["Upper High Street, Thame"]


def test_streets_outside_the_county_are_never_offered(streets):
    assert [str(s) for s in streets_matching("oxford road")] == ["Oxford Road, Abingdon"]
    assert streets_matching("oxford road, swindon") == []


@pytest.mark.parametrize("text", ["zzzz street", "", " ", "a", "<script>alert(1)</script>", "x" * 101, None, 42])
def test_no_match_and_unusable_input_give_nothing(streets, text):
    assert streets_matching(text) == []


def test_the_limit_is_kept_and_stretches_of_one_street_are_listed_once(county):
    for i in range(30):
        _street(f"Mill Lane {i:02d}", "Oxford", 51.75 + i / 10000, -1.25, "Oxford")
    _street("Mill Lane 00", "Oxford", 51.7700, -1.2500, "Oxford")  # a second stretch of the first one
    found = streets_matching("mill lane", limit=10)
    assert [s.name for s in found] == [f"Mill Lane {i:02d}" for i in range(10)]
    assert len(streets_matching("mill ln", limit=500)) == 30


def test_a_search_costs_the_same_few_queries_however_many_streets(county, django_assert_max_num_queries):
    Street.objects.bulk_create([
        Street(ref=f"bulk{i}", name=f"Road {i}", search_key=f"road {i}", town="Oxford", town_key="oxford",
               latitude=51.75, longitude=-1.25) for i in range(500)
    ])
    with django_assert_max_num_queries(4):  # streets, boundary set, division boxes, polygons (cold)
        assert len(streets_matching("road", limit=10)) == 10
    with django_assert_max_num_queries(3):
        assert len(streets_matching("road 4", limit=50)) == 50


def test_without_boundaries_nothing_is_in_the_county(db):
    _street("Banbury Road", "Oxford", 51.7700, -1.2630)
    assert streets_matching("banbury road") == []
