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


# --- the owner declares whether it messages the customer itself ------------------------------------------------

import pytest  # noqa: E402

from oxtom.cases import services as s  # noqa: E402
from oxtom.cases.models import CaseEvent  # noqa: E402


@pytest.mark.django_db
def test_an_owner_that_messages_the_customer_itself_silences_the_engines_generic_message(
        monkeypatch, make_case, service, officer_in_team):
    service.notify_customer_on_change = True
    service.save()
    mine = make_case(title="Owned by a record that writes its own letters")
    plain = make_case(title="A plain case")
    monkeypatch.setattr(owners, "_messengers", [])
    owners.register_case_owner(lambda case: None, messages_customer=lambda case: case.pk == mine.pk)
    assert owners.owner_messages_customer(mine) and not owners.owner_messages_customer(plain)

    for case in (mine, plain):
        s.case_accept(case=case, expected_version=case.version, by=officer_in_team)
    sent = CaseEvent.Kind.NOTIFICATION_SENT, CaseEvent.Kind.NOTIFICATION_FAILED
    assert not CaseEvent.objects.filter(case=mine, kind__in=sent).exists()
    assert CaseEvent.objects.filter(case=plain, kind__in=sent).exists()
    # A question we wait on the customer for still goes, whoever owns the record.
    mine.refresh_from_db()
    s.case_request_information(case=mine, request_text="Which side of the road?", expected_version=mine.version,
                               by=officer_in_team)
    assert CaseEvent.objects.filter(case=mine, kind__in=sent).exists()


def test_street_reports_and_applications_declare_they_message_their_customers():
    assert len(owners._messengers) >= 2
