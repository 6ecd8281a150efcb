"""Places fixtures: the real 2025 division list with its shipped demo boundaries."""
from __future__ import annotations

import json

import pytest

from oxtom.places import services
from oxtom.places.selectors import clear_geometry_cache


@pytest.fixture(autouse=True)
def _fresh_geometry_cache():
    """Each test starts with an empty per-process polygon cache, so query counts are honest."""
    clear_geometry_cache()
    yield
    clear_geometry_cache()


@pytest.fixture
def county(db):
    """Districts, the 69 divisions, demo boundaries (current) and postcode centroids, as seed_demo loads them."""
    services.localities_load()
    services.divisions_load()
    result = services.boundary_set_load(
        data=json.loads(services.DEMO_BOUNDARIES.read_text()), set_slug=services.COUNTY_SET_SLUG,
        make_current=True, demo=True, source=services.DEMO_BOUNDARIES.name,
    )
    services.postcode_centroids_load()
    return result.boundary_set
