"""/maps/map.svg: the offline map as an image for the location step; public, cacheable, hostile input."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest


def test_default_is_the_whole_county(client, county):
    response = client.get("/maps/map.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=3600" and response["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    assert body.startswith("<?xml") and ET.fromstring(body.encode()).get("data-zoom") == "9"
    assert 'height="440"' in body


def test_a_view_and_a_chosen_point(client, county):
    body = client.get("/maps/map.svg?lat=51.752&lon=-1.2577&z=15&h=300&plat=51.752&plon=-1.2577").content.decode()
    assert 'data-zoom="15"' in body and 'height="300"' in body and 'data-markers="1"' in body


@pytest.mark.parametrize("query", [
    "lat=nan&lon=1&z=12", "lat=91&lon=1&z=12", "lat=51&lon=-1&z=x", "lat=51&lon=-1&z=99999999999999999999",
    "lat=51&lon=-1&z=12&h=100000", "lat=<script>&lon=1&z=1", "plat=1e999&plon=0", "lat=" + "9" * 5000,
])
def test_hostile_queries_draw_a_bounded_map(client, county, query):
    response = client.get("/maps/map.svg?" + query)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script" not in body and 'height="100000"' not in body
    zoom = int(ET.fromstring(body.encode()).get("data-zoom"))
    assert 8 <= zoom <= 17


def test_no_boundaries_loaded(client, db):
    assert client.get("/maps/map.svg").status_code == 200
