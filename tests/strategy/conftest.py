"""Strategy fixtures: the project office, the board, project managers and consultation officers."""
from __future__ import annotations

import pytest

from strategy.models import PoolMember
from tests import factories as f


@pytest.fixture
def pmo(db):
    return f.UserFactory(email="pmo@example.org", full_name="Pat Office", roles=["pmo_officer"])


@pytest.fixture
def board_member(db):
    return f.UserFactory(email="board@example.org", full_name="Bo Board", roles=["board_member"])


@pytest.fixture
def second_board_member(db):
    return f.UserFactory(email="board.two@example.org", full_name="Bee Board", roles=["board_member", "project_manager"])


@pytest.fixture
def project_manager(db):
    return f.UserFactory(email="pm@example.org", full_name="Priya Manager", roles=["project_manager"])


@pytest.fixture
def other_manager(db):
    return f.UserFactory(email="pm.two@example.org", full_name="Paul Other", roles=["project_manager"])


@pytest.fixture
def consultation_officer(db):
    return f.UserFactory(email="consult@example.org", full_name="Cara Consult", roles=["consultation_officer"])


@pytest.fixture
def pool(db, project_manager, other_manager):
    ba = f.UserFactory(email="ba@example.org", full_name="Ben Analyst", roles=["project_manager"])
    return {
        "pm": PoolMember.objects.create(user=project_manager, skill="pm", capacity_days=10),
        "pm2": PoolMember.objects.create(user=other_manager, skill="pm", capacity_days=20),
        "ba": PoolMember.objects.create(user=ba, skill="ba", capacity_days=8),
    }
