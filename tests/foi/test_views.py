"""FOI pages: the role matrix on every new URL, residents' own requests only, drafts never public,
bad and hostile input, staff views audited, and constant query counts on the queue and case pages."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from bas.foi import services
from bas.foi.models import FoiRequest, PersonalDataHit, PublishedResponse
from oxtom.core.models import AuditEvent


@pytest.fixture
def worked(make_request, coordinator, foi_setup):
    """A request with an allocation, a draft, a finding and an attachment, so every URL has an object."""
    request = services.foi_triage(request=make_request(), valid=True, regime="foi", names_in_scope="Jane Smith",
                                  by=coordinator)
    allocation = services.foi_allocate(request=request, team=foi_setup["holder"], asked="Figures",
                                       due_on=request.case.due_at - dt.timedelta(days=2), by=coordinator)
    services.foi_draft_save(request=request, outcome="granted", response_text="Ask Jane Smith.", by=coordinator)
    attachment = services.foi_attachment_add(request=request, data=b"a,b\n1,2\n", filename="t.csv", by=coordinator)
    services.foi_check_personal_data(request=request, by=coordinator)
    hit = PersonalDataHit.objects.get(request=request)
    return {"request": request, "allocation": allocation, "attachment": attachment, "hit": hit}


def _urls(worked):
    ref = worked["request"].case.reference
    return [
        ("get", reverse("foi_staff:queue")),
        ("get", reverse("foi_staff:log")),
        ("get", reverse("foi_staff:trends")),
        ("get", reverse("foi_staff:case", kwargs={"reference": ref})),
        ("get", reverse("foi_staff:attachment", kwargs={"reference": ref, "pk": worked["attachment"].pk})),
        ("post", reverse("foi_staff:allocation", kwargs={"reference": ref, "pk": worked["allocation"].pk})),
        ("post", reverse("foi_staff:hit", kwargs={"reference": ref, "pk": worked["hit"].pk})),
        ("post", reverse("foi_staff:action", kwargs={"reference": ref, "action": "check"})),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role, allowed", [
    ("anonymous", "login"), ("resident_a", {403}), ("adviser", {403, 404}), ("officer_in_team", {403, 404}),
    ("foi_outsider", {403, 404}), ("administrator", {200, 302, 400}), ("coordinator", {200, 302, 400}),
    ("approver", {200, 302, 400}),
])
def test_role_matrix_on_every_staff_url(request, client_for, worked, role, allowed):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = client_for(user)
    for method, url in _urls(worked):
        response = getattr(client, method)(url)
        if allowed == "login":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        else:
            assert response.status_code in allowed, (role, url, response.status_code)


@pytest.mark.django_db
def test_review_url_matrix(client_for, worked, coordinator, approver, officer_in_team, resident_a):
    services.foi_allocation_received(allocation=worked["allocation"], information="None held", by=coordinator)
    services.foi_draft_save(request=worked["request"], outcome="not_held", response_text="Not held.", by=coordinator)
    request = FoiRequest.objects.get(pk=worked["request"].pk)
    services.foi_check_personal_data(request=request, by=coordinator)
    services.foi_submit_for_approval(request=request, by=coordinator)
    services.foi_approve(request=request, by=approver)
    review = services.foi_review_open(request=request, grounds="Unhappy", by=coordinator)
    url = reverse("foi_staff:review", kwargs={"reference": review.case.reference})
    assert client_for(None).get(url).status_code == 302
    assert client_for(resident_a).get(url).status_code == 403
    assert client_for(officer_in_team).get(url).status_code == 403
    page = client_for(approver).get(url)
    assert page.status_code == 200 and "another officer must decide" in page.content.decode()
    refused = client_for(approver).post(url, {"result": "upheld", "reasons": "Fine"})
    assert refused.status_code == 400 and "another officer must decide" in refused.content.decode()


@pytest.mark.django_db
def test_public_pages(client, foi_setup):
    PublishedResponse.objects.create(reference="FOI-2025-AAAAAA", title="Potholes repaired", request_text="How many?",
                                     response_text="18,412 potholes", published_on=timezone.localdate(),
                                     search_document="Potholes repaired How many? 18,412 potholes")
    for url in ("/foi/", "/foi/?q=potholes", "/foi/request/", "/foi/log/FOI-2025-AAAAAA/"):
        assert client.get(url).status_code == 200, url
    assert "Potholes repaired" in client.get("/foi/?q=pothole").content.decode()
    assert "Potholes repaired" not in client.get("/foi/?q=libraries").content.decode()
    assert client.get("/foi/log/FOI-2025-NOTHERE/").status_code == 404
    assert client.get("/foi/my-requests/").status_code == 302
    assert client.get("/foi/request/done/").status_code == 302
    # Hostile and oversized search text is cut and escaped, never an error.
    page = client.get("/foi/", {"q": "<script>alert(1)</script>" + "x" * 5000})
    assert page.status_code == 200 and "<script>alert(1)" not in page.content.decode()


@pytest.mark.django_db
def test_drafts_are_never_public(client, worked):
    ref = worked["request"].case.reference
    assert client.get(f"/foi/log/{ref}/").status_code == 404
    assert ref not in client.get("/foi/", {"q": "Jane"}).content.decode()


def _post_request(client, **extra):
    data = {"name": "Nick Requester", "email": "nick@example.org", "address_line_1": "", "town": "", "postcode": "",
            "request_text": "Please send the gritting routes for 2025.", "submission_key": "s" * 30}
    data.update(extra)
    return client.post("/foi/request/", data)


@pytest.mark.django_db
def test_make_a_request_online_once_only(client, foi_setup):
    response = _post_request(client)
    assert response.status_code == 302 and response["Location"] == "/foi/request/done/"
    done = client.get("/foi/request/done/").content.decode()
    made = FoiRequest.objects.get()
    assert made.case.reference in done
    again = _post_request(client)  # a double click: the same key
    assert again.status_code == 302 and FoiRequest.objects.count() == 1


@pytest.mark.django_db
def test_similar_published_requests_shown_before_sending(client, foi_setup):
    PublishedResponse.objects.create(reference="FOI-2025-BBBBBB", title="Gritting routes", request_text="Gritting",
                                     response_text="1,200 miles", published_on=timezone.localdate(),
                                     search_document="Gritting routes priority gritting 1,200 miles")
    first = _post_request(client)
    assert first.status_code == 200 and "Gritting routes" in first.content.decode()
    assert not FoiRequest.objects.exists()
    sent = _post_request(client, seen_similar="yes", submission_key="t" * 30)
    assert sent.status_code == 302 and FoiRequest.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("extra, message", [
    ({"name": ""}, "Enter your name"),
    ({"email": "", "address_line_1": "", "postcode": ""}, "Enter an email address, or a postal address"),
    ({"email": "not-an-email"}, "Enter an email address like"),
    ({"request_text": "x" * 20_001}, "20,000 characters or fewer"),
    ({"request_text": ""}, "Describe the information you want"),
    ({"name": "n" * 201}, "200 characters or fewer"),
])
def test_bad_request_input(client, foi_setup, extra, message):
    response = _post_request(client, **extra)
    assert response.status_code == 200 and message in response.content.decode()
    assert "Error: " in response.content.decode()
    assert not FoiRequest.objects.exists()


@pytest.mark.django_db
def test_hostile_text_is_stored_as_text_and_escaped(client_for, client, foi_setup, coordinator):
    _post_request(client, request_text="<script>alert('x')</script> and \u202egnp.exe please")
    made = FoiRequest.objects.get()
    assert "\u202e" not in made.request_text
    page = client_for(coordinator).get(reverse("foi_staff:case", kwargs={"reference": made.case.reference}))
    assert "<script>alert" not in page.content.decode() and "&lt;script&gt;" in page.content.decode()


@pytest.mark.django_db
def test_rate_limited(client, foi_setup):
    from bas.foi.views import REQUESTS_PER_HOUR

    for n in range(REQUESTS_PER_HOUR):
        assert _post_request(client, submission_key=f"{n:02d}" * 15).status_code == 302
    refused = _post_request(client, submission_key="z" * 30)
    assert refused.status_code == 429 and FoiRequest.objects.count() == REQUESTS_PER_HOUR


@pytest.mark.django_db
def test_residents_see_only_their_own_requests(client_for, foi_setup, resident_a, resident_b):
    client = client_for(resident_a)
    _post_request(client, name="Alice Resident", email="resident.a@example.org")
    made = FoiRequest.objects.get()
    assert made.case.customer.user == resident_a
    assert made.case.reference in client.get("/foi/my-requests/").content.decode()
    assert made.case.reference not in client_for(resident_b).get("/foi/my-requests/").content.decode()


@pytest.mark.django_db
def test_staff_view_is_audited_and_wrong_file_refused(client_for, worked, coordinator):
    ref = worked["request"].case.reference
    client = client_for(coordinator)
    before = AuditEvent.objects.filter(action="view").count()
    client.get(reverse("foi_staff:case", kwargs={"reference": ref}))
    assert AuditEvent.objects.filter(action="view").count() == before + 1
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("evil.pdf", b"MZ not really a pdf", content_type="application/pdf")
    response = client.post(reverse("foi_staff:action", kwargs={"reference": ref, "action": "attach"}), {"attach-file": upload})
    assert response.status_code == 400 and "must be a PDF, Word document" in response.content.decode()
    assert worked["request"].attachments.count() == 1


@pytest.mark.django_db
def test_author_approving_own_response_is_refused_with_a_message(client_for, make_request, approver):
    request = services.foi_triage(request=make_request(), valid=True, regime="foi", by=approver)
    services.foi_draft_save(request=request, outcome="not_held", response_text="Not held.", by=approver)
    services.foi_check_personal_data(request=request, by=approver)
    services.foi_submit_for_approval(request=request, by=approver)
    url = reverse("foi_staff:action", kwargs={"reference": request.case.reference, "action": "approve"})
    response = client_for(approver).post(url)
    assert response.status_code == 400
    assert "You drafted this response, so another officer must approve it" in response.content.decode()
    assert FoiRequest.objects.get(pk=request.pk).stage == "awaiting_approval"


@pytest.mark.django_db
def test_staff_log_received_by_post(client_for, coordinator, foi_setup):
    received = timezone.localdate() - dt.timedelta(days=2)
    response = client_for(coordinator).post(reverse("foi_staff:log"), {
        "name": "Margaret Letter", "email": "", "address_line_1": "3 Church Lane", "town": "Witney",
        "postcode": "OX28 4AA", "request_text": "Inspection reports for Church Lane please.",
        "received_on_day": received.day, "received_on_month": received.month, "received_on_year": received.year,
        "channel": "post", "regime": "foi", "submission_key": "p" * 30})
    assert response.status_code == 302
    made = FoiRequest.objects.get()
    assert made.received_on == received and made.case.channel == "post"


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_queue_and_case_pages_cost_constant_queries(client_for, make_request, coordinator, foi_setup):
    client = client_for(coordinator)
    first = services.foi_triage(request=make_request(), valid=True, regime="foi", by=coordinator)
    queue_small = _queries(client, reverse("foi_staff:queue"))
    case_url = reverse("foi_staff:case", kwargs={"reference": first.case.reference})
    case_small = _queries(client, case_url)
    for n in range(6):
        make_request(text=f"Please send the number of street lights in parish {n} of the county.")
        services.foi_allocate(request=first, team=foi_setup["holder"], asked=f"Part {n}",
                              due_on=first.case.due_at - dt.timedelta(days=1), by=coordinator)
        services.foi_exemption_add(request=first, provision=f"section {22 + n}", public_interest="Weighed",
                                   by=coordinator) if n < 5 else None
    assert _queries(client, reverse("foi_staff:queue")) == queue_small
    assert _queries(client, case_url) == case_small


@pytest.mark.django_db
def test_queue_filters_and_approvals_cost_constant_queries(client_for, make_request, coordinator, approver):
    """Each stage filter, and the approver's "waiting for your approval" list, whatever the number of requests:
    bench/foi_queue.py measures the same at 20,000 open on PostgreSQL."""

    def awaiting(n: int):
        made = services.foi_triage(request=make_request(text=f"Please send the gritting routes for area {n}."),
                                   valid=True, regime="eir", by=coordinator)
        services.foi_draft_save(request=made, outcome="granted", response_text=f"Route {n} is attached.",
                                by=coordinator)
        services.foi_check_personal_data(request=made, by=coordinator)
        return services.foi_submit_for_approval(request=made, by=coordinator)

    awaiting(0)
    urls = [reverse("foi_staff:queue")] + [f"{reverse('foi_staff:queue')}?stage={s}" for s in
                                            ("triage", "clarification", "collecting", "drafting", "awaiting_approval")]
    coordinator_client = client_for(coordinator)
    small = [_queries(coordinator_client, url) for url in urls]
    approver_small = _queries(client_for(approver), reverse("foi_staff:queue"))
    for n in range(1, 5):
        awaiting(n)
        services.foi_ask_clarification(request=make_request(text=f"Please send the bus subsidies for {n}."),
                                       question="Which routes?", by=coordinator)
    coordinator_client = client_for(coordinator)
    assert [_queries(coordinator_client, url) for url in urls] == small
    page = client_for(approver).get(reverse("foi_staff:queue")).content.decode()
    assert page.split('id="approvals"', 1)[1].split("</div>", 1)[0].count("<li>") == 5
    assert _queries(client_for(approver), reverse("foi_staff:queue")) == approver_small


@pytest.mark.django_db
def test_queue_is_the_teams_open_requests_soonest_due_first(client_for, make_request, coordinator, foi_setup):
    """The queue reads the team's open engine cases in due-date order (the index's order) and stops at a page."""
    from bas.foi import selectors
    from oxtom.cases.models import Case

    made = [make_request(text=f"Please send the library visits for branch {n}.") for n in range(4)]
    today = timezone.localdate()
    for n, request in enumerate(made):  # due dates the other way round from the order they came in
        Case.objects.filter(pk=request.case_id).update(due_at=today + dt.timedelta(days=10 - n))
    rows = selectors.queue(coordinator).rows
    assert [r.pk for r in rows] == [r.pk for r in reversed(made)]
    assert [r.pk for r in selectors.queue(coordinator, stage="triage").rows] == [r.pk for r in reversed(made)]
    assert selectors.queue(coordinator, stage="drafting").rows == []
    # A request whose engine case is no longer open in the team's queue is not an open request of the queue.
    Case.objects.filter(pk=made[0].case_id).update(status="closed")
    Case.objects.filter(pk=made[1].case_id).update(team=foi_setup["holder"])
    assert [r.pk for r in selectors.queue(coordinator).rows] == [made[3].pk, made[2].pk]
    body = client_for(coordinator).get(reverse("foi_staff:queue")).content.decode()
    assert made[3].case.reference in body and made[0].case.reference not in body
