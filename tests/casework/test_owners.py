"""The case-owner registry: apps that keep a record behind a case say which page works it."""
from __future__ import annotations

from types import SimpleNamespace

from oxtom.cases import owners


def test_the_first_resolver_that_knows_the_case_answers_and_relations_are_loaded_with_it(monkeypatch):
    monkeypatch.setattr(owners, "_resolvers", [])
    monkeypatch.setattr(owners, "_relations", [])
    page = owners.OwnerPage("/records/1/", frozenset({"close"}), "record-link", "Work this record")
    owners.register_case_owner(lambda case: None, select_related="other_record")
    owners.register_case_owner(lambda case: page if case.pk == 1 else None, select_related="record")
    owners.register_case_owner(lambda case: page if case.pk == 1 else None, select_related="record")  # same relation

    assert owners.owner_page(SimpleNamespace(pk=1)) is page
    assert owners.owner_page(SimpleNamespace(pk=2)) is None
    assert owners.owner_relations() == ["other_record", "record"]


def test_portal_and_applications_register_their_pages():
    # Registered in their AppConfig.ready(): casework itself imports neither app.
    assert "street_report" in owners.owner_relations()
    assert len(owners._resolvers) >= 2
