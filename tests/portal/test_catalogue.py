"""The report-type catalogue: seeded data, question/threshold validation, answers and verdicts."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from oxtom.cases.models import Service
from oxtom.notify.models import MessageTemplate
from portal import catalogue
from portal.models import ReportType, ResponseTemplate
from portal.seed import REPORT_TYPES

SEEDED = ["pothole", "street-light", "traffic-signal", "damaged-pavement", "blocked-drain", "fly-tipping",
          "overgrown-vegetation", "damaged-sign"]


@pytest.fixture
def pothole(db):
    return ReportType.objects.select_related("service").get(service__code="pothole")


def test_migration_seeds_the_eight_types_with_valid_questions(db):
    types = list(ReportType.objects.select_related("service__team"))
    assert sorted(t.code for t in types) == sorted(SEEDED)
    for report_type in types:
        report_type.full_clean()  # questions and thresholds pass the admin's own validation
        assert report_type.service.kind == Service.Kind.REPORT
        assert report_type.nearby_radius_m == 250
        assert report_type.service.notify_customer_on_change is False  # portal sends report messages
    assert {t.service.team.slug for t in types} == {"highways-north", "environmental-enforcement"}


def test_migration_seeds_response_templates_for_every_status_and_messages(db):
    statuses = set(ResponseTemplate.objects.values_list("status", flat=True))
    assert statuses >= {"accepted", "scheduled", "in_progress", "fixed", "not_fixed", "referred", "duplicate"}
    codes = set(MessageTemplate.objects.filter(code__startswith="report-").values_list("code", "channel"))
    assert codes == {(c, ch) for c in ("report-received", "report-update", "report-feedback")
                     for ch in ("email", "sms", "letter")}


def test_seeding_again_changes_nothing_an_administrator_edited(db):
    from django.apps import apps

    from portal.seed import seed

    rt = ReportType.objects.get(service__code="pothole")
    rt.nearby_radius_m = 100
    rt.save()
    seed(apps)
    assert ReportType.objects.get(service__code="pothole").nearby_radius_m == 100
    assert ReportType.objects.count() == len(REPORT_TYPES)


@pytest.mark.parametrize("questions,message", [
    ("not a list", "list of Open311 attributes"),
    ([{"code": "Bad Code", "datatype": "string", "description": "x"}], "lower-case"),
    ([{"code": "a", "datatype": "blob", "description": "x"}], "datatype"),
    ([{"code": "a", "datatype": "string", "description": " "}], "enter the question"),
    ([{"code": "a", "datatype": "string", "description": "x"}] * 2, "used twice"),
    ([{"code": "a", "datatype": "singlevaluelist", "description": "x"}], "needs values"),
    ([{"code": "a", "datatype": "singlevaluelist", "description": "x", "values": [{"key": "b"}]}], "key and a name"),
    ([{"code": "a", "datatype": "string", "description": "x", "required": "yes"}], "true or false"),
])
def test_bad_questions_are_refused(questions, message):
    with pytest.raises(ValidationError, match=message):
        catalogue.validate_questions(questions)


def test_bad_thresholds_are_refused(pothole):
    q = pothole.questions
    bad = [
        ([{"code": "depth_mm", "op": "gt", "value": 1, "reason": "r"}], "operator"),
        ([{"code": "nope", "op": "gte", "value": 1, "reason": "r"}], "no question"),
        ([{"code": "depth_mm", "op": "gte", "value": "40", "reason": "r"}], "number"),
        ([{"code": "position", "op": "gte", "value": 4, "reason": "r"}], "not a number question"),
        ([{"code": "position", "op": "in", "value": ["moon"], "reason": "r"}], "not choices"),
        ([{"code": "depth_mm", "op": "gte", "value": 40}], "say why"),
    ]
    for thresholds, message in bad:
        with pytest.raises(ValidationError, match=message):
            catalogue.validate_thresholds(thresholds, q)
    pothole.thresholds = bad[0][0]
    with pytest.raises(ValidationError) as err:
        pothole.full_clean()
    assert "thresholds" in err.value.message_dict


def test_clean_answers_checks_each_datatype(pothole):
    answers, errors = catalogue.clean_answers(pothole.questions, {
        "depth_mm": "45", "width_mm": "1,200.5", "position": "road", "details": "  Deep  ", "extra": "ignored",
    })
    assert errors == {}
    assert answers == {"depth_mm": 45, "width_mm": 1200.5, "position": "road", "details": "Deep"}


@pytest.mark.parametrize("data,code,message", [
    ({}, "depth_mm", "Enter how deep the pothole is"),
    ({}, "position", "Select where the pothole is"),
    ({"depth_mm": "deep"}, "depth_mm", "The depth must be a number, like 45"),
    ({"depth_mm": "NaN"}, "depth_mm", "The depth must be a number, like 45"),
    ({"depth_mm": "1e400"}, "depth_mm", "The depth must be a number, like 45"),
    ({"depth_mm": "-5"}, "depth_mm", "The depth must be 0 or more"),
    ({"position": "<script>"}, "position", "Select where the pothole is from the list"),
    ({"details": "x" * 2001}, "details", "The description of the problem must be 2,000 characters or fewer"),
    ({"details": "a\x00b"}, "details", "The description of the problem must not include control characters"),
])
def test_clean_answers_errors(pothole, data, code, message):
    _, errors = catalogue.clean_answers(pothole.questions, data)
    assert errors[code] == message


def test_every_seeded_question_has_its_own_error_words():
    """Messages built from labels read badly ("Enter how deep is it"): each seeded question names its answer."""
    from portal.seed import REPORT_TYPES

    for report_type in REPORT_TYPES:
        catalogue.validate_questions(report_type["questions"])
        for question in report_type["questions"]:
            name, subject = catalogue.error_words(question)
            assert question.get("error_name"), (report_type["code"], question["code"])
            assert " is it" not in name and "?" not in name and subject[0].isupper()


def test_questions_without_error_words_quote_the_question():
    question = {"code": "colour", "datatype": "string", "description": "What colour is it?", "required": True}
    _, errors = catalogue.clean_answers([question], {})
    assert errors == {"colour": "Enter an answer to ‘What colour is it?’"}
    _, errors = catalogue.clean_answers([question], {"colour": "x" * 201})
    assert errors == {"colour": "The answer to ‘What colour is it?’ must be 200 characters or fewer"}


@pytest.mark.parametrize("bad", [{"error_name": 5}, {"error_name": "<b>x</b>"}, {"error_subject": "x" * 101}])
def test_error_words_are_checked_when_a_question_is_saved(bad):
    question = {"code": "colour", "datatype": "string", "description": "What colour is it?", **bad}
    with pytest.raises(ValidationError, match="characters or fewer"):
        catalogue.validate_questions([question])


def test_clean_answers_reads_query_dicts_and_multi_value_lists():
    questions = [{"code": "kinds", "datatype": "multivaluelist", "description": "Which kinds", "required": True,
                  "values": [{"key": "a", "name": "A"}, {"key": "b", "name": "B"}]}]
    answers, errors = catalogue.clean_answers(questions, QueryDict("kinds=b&kinds=a&kinds=a"))
    assert answers == {"kinds": ["a", "b"]} and not errors
    _, errors = catalogue.clean_answers(questions, QueryDict("kinds=z"))
    assert "from the list" in errors["kinds"]
    _, errors = catalogue.clean_answers(questions, QueryDict(""))
    assert errors["kinds"] == "Select an answer to ‘Which kinds’"


@pytest.mark.parametrize("depth,width,meets,reasons", [
    (40, 150, True, 0),
    (39, 150, False, 1),
    (40, 149, False, 1),
    (10, 10, False, 2),
])
def test_pothole_threshold_edges(pothole, depth, width, meets, reasons):
    verdict = catalogue.evaluate(pothole.thresholds, {"depth_mm": depth, "width_mm": width})
    assert verdict.meets is meets and len(verdict.reasons) == reasons


def test_unanswered_threshold_is_not_met_and_list_thresholds_work():
    drain = next(t for t in REPORT_TYPES if t["code"] == "blocked-drain")
    assert catalogue.evaluate(drain["thresholds"], {}).meets is False
    assert catalogue.evaluate(drain["thresholds"], {"flooding": "road"}).meets is True
    assert catalogue.evaluate(drain["thresholds"], {"flooding": "no"}).reasons == [drain["thresholds"][0]["reason"]]
    assert catalogue.evaluate([], {}).meets is True
