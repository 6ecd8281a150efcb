"""The post room's and uploads' pages: the role matrix on every URL, bad input on every form, the journeys
through the test client, and query counts that stay constant as the lists grow."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import get_resolver
from django.utils import timezone

from bas.intake import samples, services
from bas.intake.models import DatasetUpload, PostItem, SenPupilRecord
from oxtom.core.models import AuditEvent

from .conftest import pdf, pdf_with_javascript, png

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident_a", "adviser", "officer_in_team", "officer_outside_team", "team_leader",
         "councillor_of_division", "bas_officer", "administrator"]
LOGIN = "login"


def bas_only(ok=200, *, others=403):
    """Business admin officers (and administrators, who hold every permission); other signed-in people
    refused at the area; anonymous sent to sign in."""
    return {"anonymous": LOGIN, **{r: others for r in ROLES if r != "anonymous"}, "bas_officer": ok,
            "administrator": ok}


MATRIX = {
    "post_list": ("/staff/bas/intake/post/", "get", bas_only()),
    "post_new": ("/staff/bas/intake/post/new/", "get", bas_only()),
    "post_item": ("/staff/bas/intake/post/{item}/", "get", bas_only()),
    "post_describe": ("/staff/bas/intake/post/{item}/describe/", "post", bas_only(200)),
    "post_match_case": ("/staff/bas/intake/post/{item}/match-case/", "post", bas_only(200)),
    "post_find_customer": ("/staff/bas/intake/post/{item}/find-customer/", "post", bas_only(200)),
    "post_match_customer": ("/staff/bas/intake/post/{item}/match-customer/", "post", bas_only(400)),
    "post_unmatch": ("/staff/bas/intake/post/{item}/unmatch/", "post", bas_only(302)),
    "post_route": ("/staff/bas/intake/post/{item}/route/", "post", bas_only(200)),
    "post_route_to_team": ("/staff/bas/intake/post/{item}/route-to-team/", "post", bas_only(200)),
    # The scan: the post room, or the team working the case it went to (none yet): 404 for everyone else.
    "post_file": ("/staff/bas/intake/post/{item}/scan/", "get",
                  {**{r: 404 for r in ROLES}, "bas_officer": 200, "administrator": 200}),
    "uploads": ("/staff/bas/intake/uploads/", "get", bas_only()),
    "dataset_sample": ("/staff/bas/intake/uploads/example/sen_pupils.csv", "get", bas_only()),
    "upload": ("/staff/bas/intake/uploads/{upload}/", "get", bas_only()),
    "upload_report_csv": ("/staff/bas/intake/uploads/{upload}/problems.csv", "get", bas_only()),
    "upload_rows_csv": ("/staff/bas/intake/uploads/{upload}/rows.csv", "get", bas_only(404)),
}


def test_every_intake_url_is_in_the_matrix():
    resolver = get_resolver()
    names = {name for name, value in resolver.namespace_dict["bas_intake"][1].reverse_dict.items()
             if isinstance(name, str)}
    assert names == set(MATRIX)


@pytest.fixture
def item(bas_officer):
    return services.post_items_log(files=[pdf("matrix.pdf")], received_on=timezone.localdate(), by=bas_officer)[0]


@pytest.fixture
def rejected(bas_officer):
    return services.dataset_upload(dataset="sen_pupils", data=samples.sen_csv_with_errors(20),
                                   file_name="x.csv", by=bas_officer).upload


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_role_matrix(request, client_for, name, role, item, rejected):
    path, method, expected = MATRIX[name]
    path = path.format(item=item.reference, upload=rejected.reference)
    user = None if role == "anonymous" else request.getfixturevalue(role)
    client = client_for(user)
    before = (PostItem.objects.values_list("sender", "matched_case", "customer", "status")
              .get(pk=item.pk), DatasetUpload.objects.count())
    response = client.get(path) if method == "get" else client.post(path, {})
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), (name, role)
    else:
        assert response.status_code == want, (name, role, response.status_code)
    if expected[role] != expected["bas_officer"]:  # refused: nothing changed
        assert before == (PostItem.objects.values_list("sender", "matched_case", "customer", "status")
                          .get(pk=item.pk), DatasetUpload.objects.count())


def test_another_reference_is_404_not_a_hint(client_for, bas_officer):
    client = client_for(bas_officer)
    for path in ("/staff/bas/intake/post/PSNOTREAL1/", "/staff/bas/intake/uploads/DUNOTREAL1/",
                 "/staff/bas/intake/post/" + "X" * 40 + "/", "/staff/bas/intake/uploads/example/payroll.csv"):
        assert client.get(path).status_code == 404, path
    assert client.get("/staff/bas/intake/post/?after=nonsense").status_code == 404


def test_logging_two_letters_through_the_page(client_for, bas_officer):
    client = client_for(bas_officer)
    today = timezone.localdate()
    response = client.post("/staff/bas/intake/post/new/", {
        "received_on_day": today.day, "received_on_month": today.month, "received_on_year": today.year,
        "files": [pdf("a.pdf", "Letter A"), png("b.png")], "sender": "", "summary": ""})
    assert response.status_code == 302 and response["Location"] == "/staff/bas/intake/post/"
    assert PostItem.objects.count() == 2
    page = client.get("/staff/bas/intake/post/").content.decode()
    assert page.count("Needs details") == 2 and "Waiting to be routed (2)" in page


@pytest.mark.parametrize("data, message", [
    ({}, "Enter the date the post was received"),
    ({"received_on_day": "31", "received_on_month": "2", "received_on_year": "2026"}, "real date"),
    ({"when": "future"}, "today or in the past"),
    ({"files": "none"}, "Choose the scanned post to upload"),
    ({"bad": "js"}, "scripts or actions"),
    ({"sender": "x" * 201}, "200 characters"),
])
def test_bad_input_on_the_log_form_is_refused_with_a_clear_message(client_for, bas_officer, data, message):
    today = timezone.localdate()
    future = today + dt.timedelta(days=3)
    post = {"received_on_day": today.day, "received_on_month": today.month, "received_on_year": today.year,
            "files": [pdf()]}
    if data.get("when") == "future":
        post.update(received_on_day=future.day, received_on_month=future.month, received_on_year=future.year)
    elif data.get("files") == "none":
        post.pop("files")
    elif data.get("bad") == "js":
        post["files"] = [pdf_with_javascript()]
    elif data and "received_on_day" not in data:
        post.update(data)
    else:
        for key in ("received_on_day", "received_on_month", "received_on_year"):
            post.pop(key)
        post.update(data)
    response = client_for(bas_officer).post("/staff/bas/intake/post/new/", post)
    body = response.content.decode()
    assert response.status_code == 200
    assert "".join(body.split())[:3000].count("<title>Error:") == 1
    assert message in body, body[body.find("govuk-error-summary"):][:600]
    assert PostItem.objects.count() == 0


def test_describe_match_by_case_and_route_through_the_pages(client_for, bas_officer, item, case, service):
    client = client_for(bas_officer)
    base = f"/staff/bas/intake/post/{item.reference}/"
    today = timezone.localdate()
    bad = client.post(base + "describe/", {"sender": "", "summary": "x" * 1001, "received_on_day": today.day,
                                          "received_on_month": today.month, "received_on_year": today.year})
    assert "Enter who the post is from" in bad.content.decode()
    assert client.post(base + "describe/", {
        "sender": "Alice Resident", "summary": "Asks when the pothole will be filled", "received_on_day": today.day,
        "received_on_month": today.month, "received_on_year": today.year}).status_code == 302
    missing = client.post(base + "match-case/", {"reference": "HW-2026-NOPE00"})
    assert "No case has that reference" in missing.content.decode()
    assert "Route post" not in missing.content.decode()
    assert client.post(base + "match-case/", {"reference": case.reference.lower()}).status_code == 302
    page = client.get(base).content.decode()
    assert f"Case {case.reference}" in page and "Route post" in page
    assert "Choose the team and service" in client.post(base + "route/", {"service": ""}).content.decode()
    assert "Choose a team and service from the list" in client.post(base + "route/", {"service": "999999"}).content.decode()
    done = client.post(base + "route/", {"service": service.pk})
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.is_routed and item.routed_case.team == service.team and item.routed_case.parent == case
    assert "Highways North: case" in client.get("/staff/bas/intake/post/?show=routed").content.decode()
    assert AuditEvent.objects.filter(target_type="bas_intake.postitem", target_id=str(item.pk), action="view").exists()


def test_match_by_customer_search_is_posted_and_chosen(client_for, bas_officer, item, resident_a):
    client = client_for(bas_officer)
    base = f"/staff/bas/intake/post/{item.reference}/"
    found = client.post(base + "find-customer/", {"query": "Resident"})
    assert resident_a.customer.reference in found.content.decode()
    assert "Enter a name" in client.post(base + "find-customer/", {"query": ""}).content.decode()
    assert client.post(base + "match-customer/", {"customer": "CNOTREAL"}).status_code == 400
    assert client.post(base + "match-customer/", {"customer": resident_a.customer.reference}).status_code == 302
    item.refresh_from_db()
    assert item.customer == resident_a.customer and item.matched_case is None


def test_the_routed_team_opens_the_scan(client_for, bas_officer, item, case, service, officer_in_team):
    services.post_item_describe(item=item, sender="A", summary="B", received_on=item.received_on, by=bas_officer)
    services.post_item_match(item=item, case=case, by=bas_officer)
    services.post_item_route(item=item, service=service, by=bas_officer)
    response = client_for(officer_in_team).get(f"/staff/bas/intake/post/{item.reference}/scan/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_uploading_with_errors_then_clean_and_then_the_same_file_again(client_for, bas_officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(bas_officer)
    bad = client.post("/staff/bas/intake/uploads/", {"dataset": "sen_pupils", "file": SimpleUploadedFile(
        "pupils.csv", samples.sen_csv_with_errors(30))})
    assert bad.status_code == 302
    report = client.get(bad["Location"]).content.decode()
    assert "Nothing was stored: 6 problems" in report and "formula" in report and SenPupilRecord.objects.count() == 0
    csv_report = b"".join(client.get(bad["Location"] + "problems.csv").streaming_content).decode()
    assert csv_report.splitlines()[0] == "row,column,problem" and len(csv_report.splitlines()) == 7
    good = samples.sen_csv(30)
    ok = client.post("/staff/bas/intake/uploads/", {"dataset": "sen_pupils",
                                                   "file": SimpleUploadedFile("pupils.csv", good)})
    assert "30 rows imported" in client.get(ok["Location"]).content.decode()
    again = client.post("/staff/bas/intake/uploads/", {"dataset": "sen_pupils",
                                                      "file": SimpleUploadedFile("pupils-copy.csv", good)})
    assert again["Location"] == ok["Location"]
    assert "already imported" in client.get(again["Location"]).content.decode()
    assert SenPupilRecord.objects.count() == 30
    exported = b"".join(client.get(ok["Location"] + "rows.csv").streaming_content).decode().splitlines()
    assert exported[0].startswith("row_number,upn,forename") and len(exported) == 31


def test_the_export_writes_formula_looking_cells_as_text(client_for, bas_officer):
    """A stored value can only start like a formula if a schema lets it (none does today); the export
    escapes whatever it writes anyway, and the problems report quotes the cells people typed."""
    client = client_for(bas_officer)
    rows = samples.sen_rows(2)
    rows[0][2] = "=HYPERLINK(\"http://x\")"
    outcome = services.dataset_upload(dataset="sen_pupils", data=samples.to_csv(samples.SEN_HEADER, rows),
                                      file_name="=evil.csv", by=bas_officer)
    report = b"".join(client.get(f"/staff/bas/intake/uploads/{outcome.upload.reference}/problems.csv")
                      .streaming_content).decode()
    assert all(not line.split(",")[0].startswith(("=", "+", "-", "@")) for line in report.splitlines())
    page = client.get("/staff/bas/intake/uploads/").content.decode()
    assert "=evil.csv" in page  # shown as text: HTML-escaped by the template, never a link or a formula


@pytest.mark.parametrize("post, message", [
    ({"dataset": "sen_pupils"}, "Choose the spreadsheet to upload"),
    ({"dataset": "payroll", "file": "x"}, "Choose a dataset from the list"),
    ({"file": "x"}, "Choose which dataset the file holds"),
])
def test_bad_input_on_the_upload_form(client_for, bas_officer, post, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    if post.get("file"):
        post = {**post, "file": SimpleUploadedFile("a.csv", samples.sen_csv(2))}
    response = client_for(bas_officer).post("/staff/bas/intake/uploads/", post)
    assert response.status_code == 200 and message in response.content.decode()
    assert DatasetUpload.objects.count() == 0


def test_an_oversized_upload_is_refused_before_it_is_read(client_for, bas_officer, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bas.intake import datasets

    monkeypatch.setattr(datasets, "MAX_BYTES", 100)
    response = client_for(bas_officer).post("/staff/bas/intake/uploads/", {
        "dataset": "sen_pupils", "file": SimpleUploadedFile("big.csv", samples.sen_csv(5))})
    assert "must be smaller than" in response.content.decode() and DatasetUpload.objects.count() == 0


def _queries(django_assert_max_num_queries, client, path, limit):
    with django_assert_max_num_queries(limit):
        assert client.get(path).status_code == 200


def test_list_pages_cost_the_same_queries_with_more_rows(client_for, bas_officer, django_assert_max_num_queries,
                                                         resident_a, case, service):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(bas_officer)
    paths = ["/staff/bas/intake/post/", "/staff/bas/intake/post/?show=routed", "/staff/bas/intake/uploads/"]

    def counts():
        out = []
        for path in paths:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 200
            out.append(len(captured))
        return out

    def add(n):
        for k in range(n):
            made = services.post_items_log(files=[pdf(f"{n}-{k}.pdf", f"letter {n} {k}")],
                                           received_on=timezone.localdate(), sender="S", summary="T", by=bas_officer)
            services.post_item_match(item=made[0], customer=resident_a.customer, by=bas_officer)
            if k % 2:
                services.post_item_match(item=made[0], case=case, by=bas_officer)
                services.post_item_route(item=made[0], service=service, by=bas_officer)
            services.dataset_upload(dataset="sen_pupils", data=samples.sen_csv(2, seed=n * 100 + k),
                                    file_name="f.csv", by=bas_officer)

    add(2)
    few = counts()
    add(8)
    many = counts()
    assert many == few, (few, many)


def test_the_routed_case_page_shows_the_letter_and_links_the_scan(client_for, bas_officer, item, case, service,
                                                                  officer_in_team):
    services.post_item_describe(item=item, sender="Alice Resident", summary="Still a pothole",
                                received_on=item.received_on, by=bas_officer)
    services.post_item_match(item=item, case=case, by=bas_officer)
    routed = services.post_item_route(item=item, service=service, by=bas_officer).routed_case
    page = client_for(officer_in_team).get(f"/staff/cases/{routed.reference}/").content.decode()
    assert "Still a pothole" in page and f"/staff/bas/intake/post/{item.reference}/scan/" in page
    assert case.reference in page  # the case it follows
