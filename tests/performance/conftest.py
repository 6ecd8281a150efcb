"""Performance fixtures on top of the shared role fixtures (tests/conftest.py)."""
from __future__ import annotations

import pytest

from tests import factories as f


@pytest.fixture
def analyst(db):
    return f.UserFactory(email="analyst@example.org", full_name="Ann Analyst", roles=["performance_analyst"])


@pytest.fixture
def second_analyst(db):
    return f.UserFactory(email="analyst.two@example.org", full_name="Sam Second", roles=["performance_analyst"])
