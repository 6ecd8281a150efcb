"""Helpers (no tests here) for walking the "Apply for it" journeys through the test client."""
from __future__ import annotations

import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# Answers that get each service decided a known way (the resident's record supplies the rest).
PERMIT_OK = {"address_line_1": "1 High Street", "postcode": "OX1 1AA", "lives_at_address": "yes",
             "vehicle_registration": "ab12 cde", "vehicle_kept_at_address": "yes", "vehicle_keeper": "me"}
PERMIT_NOT_RESIDENT = {**PERMIT_OK, "lives_at_address": "no"}
BADGE_AUTOMATIC = {"applying_for": "myself", "holder_date_of_birth": date(1960, 5, 1), "awards": ["dla_higher_mobility"],
                   "walking_difficulty": "no", "both_arms": "no", "journey_distress": "no",
                   "child_equipment": "no", "child_near_vehicle": "no", "terminal_illness": "no"}
BADGE_REFERRED = {**BADGE_AUTOMATIC, "awards": ["none"], "walking_difficulty": "yes"}
BADGE_REFUSED = {**BADGE_AUTOMATIC, "awards": ["none"]}
HOME = {"address_line_1": "12 Cowley Road", "postcode": "OX4 1HP"}
BUS_PASS_OLD = {**HOME, "date_of_birth": date(1950, 1, 2), "disability_category": ""}
BUS_PASS_YOUNG = {**HOME, "date_of_birth": date(1990, 1, 2), "disability_category": "none"}


def jpeg(size=(300, 400), colour=(90, 120, 150)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def pdf() -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile("letter.pdf", body, content_type="application/pdf")


def post_data(form, answers: dict) -> dict:
    """The POST body for the fields on one question page, from a dict of answers."""
    data: dict = {}
    for name, field in form.fields.items():
        if name not in answers:
            continue
        value = answers[name]
        if getattr(field, "kind", "") == "date":
            if isinstance(value, date):
                data.update({f"{name}_day": value.day, f"{name}_month": value.month, f"{name}_year": value.year})
            else:
                data.update({f"{name}_day": value[0], f"{name}_month": value[1], f"{name}_year": value[2]})
        else:
            data[name] = value
    return data


def answer_questions(client, code: str, answers: dict, *, start: bool = True, limit: int = 25):
    """Start (optionally) and answer every question page shown; returns the first response that is not one."""
    response = client.post(f"/apply/{code}/new/") if start else client.get(f"/apply/{code}/questions/1/")
    seen = []
    for _ in range(limit):
        location = response["Location"] if response.status_code == 302 else None
        if location is None or "/questions/" not in location:
            return response
        page = client.get(location)
        if page.status_code == 302:
            response = page
            continue
        form = page.context["form"]
        seen.append(list(form.fields))
        if not post_data(form, answers):
            return page  # a question these answers don't cover: the caller takes it from here
        response = client.post(location, post_data(form, answers))
        if response.status_code != 302:
            raise AssertionError(f"question page {location} refused {post_data(form, answers)}: "
                                 f"{form.errors if not response.context else response.context['form'].errors}")
    raise AssertionError(f"too many question pages: {seen}")


def add_evidence(client, code: str, service) -> object:
    """Upload one acceptable file for every piece of evidence the service asks for."""
    page = client.get(f"/apply/{code}/evidence/")
    form = page.context["form"]
    data: dict = {}
    for name, field in form.fields.items():
        if name.startswith("file_"):
            data[name] = jpeg()
        elif name.startswith("kind_"):
            data[name] = field.choices[0][0]
    return client.post(f"/apply/{code}/evidence/", data)


def apply_through(client, code: str, answers: dict, service=None):
    """Questions, evidence, then send from check answers (signed in). Returns the check page's POST response."""
    response = answer_questions(client, code, answers)
    if response["Location"].endswith("/evidence/"):
        response = add_evidence(client, code, service)
    assert response["Location"].endswith("/check/"), response["Location"]
    return client.post(f"/apply/{code}/check/")
