"""The co-ordinator's queue a page at a time: keyset pages on the engine's cursor (the last row's due date and
case id), Next and Previous through the whole queue with ties on the due date, the stage filter kept, tampered
and malformed cursors giving the first page (never a 500), the same queries on every page, and the FOI staff
check asked once a request however many callers ask it."""
from __future__ import annotations

import base64
import datetime as dt
import re
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from bas.foi import selectors, services
from oxtom.cases.models import Case

PAGE = 4


@pytest.fixture
def queue_of_ten(make_request, monkeypatch):
    """Ten open requests, due over five days two by two (ties broken by case id), pages of four."""
    monkeypatch.setattr(selectors, "PAGE", PAGE)
    made = [make_request(text=f"Please send the gritting routes for district {n} in 2025.") for n in range(10)]
    today = timezone.localdate()
    for n, request in enumerate(made):
        Case.objects.filter(pk=request.case_id).update(due_at=today + dt.timedelta(days=5 - n // 2))
    return sorted(Case.objects.filter(pk__in=[r.case_id for r in made]), key=lambda c: (c.due_at, c.pk))


def _shown(body: str) -> list[str]:
    table = body.split('id="queue"', 1)[1].split("</table>", 1)[0]
    return list(dict.fromkeys(re.findall(r'href="/staff/foi/(FOI-\d{4}-\w+)/"', table)))


def _link(body: str, which: str) -> str:
    found = re.search(rf'href="([^"]+)" rel="{which}" id="', body)
    return found.group(1).replace("&amp;", "&") if found else ""


@pytest.mark.django_db
def test_next_pages_walk_the_whole_queue_in_order_and_previous_walks_back(client_for, coordinator, queue_of_ten):
    client, url = client_for(coordinator), reverse("foi_staff:queue")
    expected = [c.reference for c in queue_of_ten]
    pages, href = [], "?"
    while href:
        body = client.get(url + href).content.decode()
        pages.append((_shown(body), body))
        href = _link(body, "next")
    assert [shown for shown, _ in pages] == [expected[0:4], expected[4:8], expected[8:10]]
    assert not _link(pages[0][1], "prev") and "Next<span" in pages[0][1]
    assert "Previous<span" in pages[2][1] and not _link(pages[2][1], "next")
    # Previous from the last page, then from the second, back to the first (which has no Previous).
    body = pages[2][1]
    for want in (expected[4:8], expected[0:4]):
        body = client.get(url + _link(body, "prev")).content.decode()
        assert _shown(body) == want
    assert not _link(body, "prev") and _link(body, "next") == _link(pages[0][1], "next")


@pytest.mark.django_db
def test_the_cursor_is_the_last_rows_due_date_and_case_id(client_for, coordinator, queue_of_ten):
    body = client_for(coordinator).get(reverse("foi_staff:queue")).content.decode()
    cursor = _link(body, "next").split("after=", 1)[1]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    last = queue_of_ten[PAGE - 1]
    assert raw == f"{last.due_at.isoformat()}|{last.pk}"


@pytest.mark.django_db
def test_the_stage_filter_is_kept_on_every_page(client_for, coordinator, queue_of_ten, make_request):
    other = services.foi_triage(request=make_request(), valid=True, regime="foi", by=coordinator)
    client, url = client_for(coordinator), reverse("foi_staff:queue")
    body = client.get(url + "?stage=triage").content.decode()
    assert "stage=triage" in _link(body, "next")
    page_2 = client.get(url + _link(body, "next")).content.decode()
    assert other.case.reference not in page_2 + body
    assert _shown(page_2) == [c.reference for c in queue_of_ten[4:8]] and "stage=triage" in _link(page_2, "prev")


def _encoded(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


TAMPERED = ["x", "!!!!", "%00", "ab\u202ecd", "A" * 5000, _encoded("not a cursor"), _encoded("2026-13-45|1"),
            _encoded("2026-01-01|one"), _encoded("2026-01-01|" + "9" * 40), _encoded("9999-12-31|-5"),
            _encoded("0001-01-01|1"), _encoded("2026-01-01"), _encoded("|"), "\ufffd" * 30]


@pytest.mark.django_db
@pytest.mark.parametrize("which", ["after", "before"])
def test_tampered_or_malformed_cursors_give_a_page_never_an_error(client_for, coordinator, queue_of_ten, which):
    client, url = client_for(coordinator), reverse("foi_staff:queue")
    first = [c.reference for c in queue_of_ten[:PAGE]]
    for cursor in TAMPERED:
        response = client.get(url, {which: cursor, "stage": "triage"})
        assert response.status_code == 200, cursor
        shown = _shown(response.content.decode())
        # Undecodable: the first page. Decodable but made up: a page of the queue from that position.
        assert shown == first or set(shown) <= {c.reference for c in queue_of_ten} and len(shown) <= PAGE, cursor
    assert client.get(url, {"stage": "not-a-stage", which: "x"}).status_code == 404


@pytest.mark.django_db
def test_a_made_up_position_reads_from_there(coordinator, queue_of_ten):
    far = _encoded(f"{(timezone.localdate() + dt.timedelta(days=400)).isoformat()}|1")
    assert selectors.queue(coordinator, after=far).rows == []
    assert [r.case_id for r in selectors.queue(coordinator, before=far).rows] == [c.pk for c in queue_of_ten[-PAGE:]]
    top = _encoded(f"{(timezone.localdate() - dt.timedelta(days=400)).isoformat()}|1")
    assert [r.case_id for r in selectors.queue(coordinator, before=top).rows] == [c.pk for c in queue_of_ten[:PAGE]]


@pytest.mark.django_db
def test_every_page_costs_the_same_queries_and_the_staff_check_runs_once(client_for, coordinator, queue_of_ten,
                                                                        django_assert_max_num_queries):
    client, url = client_for(coordinator), reverse("foi_staff:queue")
    client.get(url)
    counts, checks = [], []
    real = services._foi_staff
    href = "?"
    with mock.patch.object(services, "_foi_staff", side_effect=real) as asked:
        while href:
            asked.reset_mock()
            with django_assert_max_num_queries(QUEUE_QUERIES) as captured:
                body = client.get(url + href).content.decode()
            counts.append(len(captured.captured_queries))
            checks.append(asked.call_count)
            href = _link(body, "next")
    assert len(counts) == 3 and len(set(counts)) == 1, counts
    assert checks == [1, 1, 1]  # view, selector and navigation: one answer, kept on request.user
    team_lookups = [q["sql"] for q in captured.captured_queries if "information-governance" in q["sql"]
                    and "accounts_team" in q["sql"] and "casework_case" not in q["sql"]]
    assert len(team_lookups) == 1, team_lookups


# The queue page as the co-ordinator: session and user, the staff check once (team, membership), the page
# of requests, stage counts, reviews waiting, the approvals list. It was 12 while the staff check was asked
# afresh by each of its three callers (view, selector, navigation), two queries each.
QUEUE_QUERIES = 8


@pytest.mark.django_db
def test_the_answer_is_not_carried_to_another_user_or_the_next_request(coordinator, foi_outsider, queue_of_ten):
    from oxtom.accounts.models import TeamMembership, User

    assert services.is_foi_staff(coordinator) is True
    TeamMembership.objects.filter(user=coordinator).delete()
    assert services.is_foi_staff(coordinator) is True  # the same request: the answer it began with
    assert services.is_foi_staff(User.objects.get(pk=coordinator.pk)) is False  # the next request's user
    assert services.is_foi_staff(foi_outsider) is False
    foi_outsider.pk, foi_outsider._foi_staff_answer = coordinator.pk + 1000, (coordinator.pk, True)
    assert services.is_foi_staff(foi_outsider) is False  # an answer kept for someone else is not used
