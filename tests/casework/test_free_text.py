"""Every free-text box on the case actions: oversized text is refused with a message and saves
nothing; hostile HTML is kept as typed and shown escaped (never run) on the case page."""
from __future__ import annotations

import pytest

from oxtom.cases import services as s
from oxtom.cases.models import Case, CaseEvent

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def _accepted(case, by):
    return s.case_accept(case=case, expected_version=case.version, by=by)


def _awaiting(case, by):
    case = _accepted(case, by)
    return s.case_request_information(case=case, request_text="Photo", expected_version=case.version, by=by)


def _closed(case, by):
    return s.case_close(case=case, outcome="completed", expected_version=case.version, by=by)


# action, the free-text field, other fields, how to get the case into a state that offers it, the message
FIELDS = [
    ("note", "text", {}, None, "The note must be 5,000 characters or fewer"),
    ("update", "text", {}, None, "The update must be 5,000 characters or fewer"),
    ("priority", "reason", {"priority": "1"}, None, "The reason must be 5,000 characters or fewer"),
    ("request-information", "request_text", {}, _accepted, "The request must be 5,000 characters or fewer"),
    ("information-received", "details", {}, _awaiting, "The details must be 5,000 characters or fewer"),
    ("decide", "reasons", {"decision": "approved"}, _accepted, "The reasons must be 5,000 characters or fewer"),
    ("close", "note", {"outcome": "completed"}, None, "The closing note must be 5,000 characters or fewer"),
    ("reopen", "reason", {}, _closed, "The reason must be 5,000 characters or fewer"),
    ("refer", "reason", {}, None, "The reason must be 5,000 characters or fewer"),
]


@pytest.fixture
def prepared(make_case, officer_in_team):
    def _prepare(setup):
        case = make_case()
        return setup(case, officer_in_team) if setup else case

    return _prepare


def _post(client, case, action, field, text, extra, other_team):
    data = {"version": Case.objects.get(pk=case.pk).version, field: text, **extra}
    if action == "refer":
        data["team"] = other_team.pk
    return client.post(f"/staff/cases/{case.reference}/{action}/", data)


@pytest.mark.parametrize("action,field,extra,setup,message", FIELDS, ids=[row[0] for row in FIELDS])
def test_oversized_text_is_refused_and_nothing_saved(client_for, prepared, team_leader, other_team,
                                                     action, field, extra, setup, message):
    case = prepared(setup)
    before = (Case.objects.get(pk=case.pk).version, CaseEvent.objects.filter(case=case).count())
    response = _post(client_for(team_leader), case, action, field, "x" * 5001, extra, other_team)
    body = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in body and message in body
    assert (Case.objects.get(pk=case.pk).version, CaseEvent.objects.filter(case=case).count()) == before


@pytest.mark.parametrize("action,field,extra,setup,message", FIELDS, ids=[row[0] for row in FIELDS])
def test_hostile_text_is_kept_as_typed_and_shown_escaped(client_for, prepared, team_leader, administrator,
                                                         other_team, action, field, extra, setup, message):
    case = prepared(setup)
    response = _post(client_for(team_leader), case, action, field, HOSTILE, extra, other_team)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CaseEvent.objects.filter(case=case, text__contains=HOSTILE).exists()
    page = client_for(administrator).get(f"/staff/cases/{case.reference}/").content.decode()
    assert ESCAPED in page and "<script>alert" not in page and "<img src=x" not in page
