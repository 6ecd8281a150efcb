"""Benefits realised: the rules (direction, on track, met, off track once the date has passed), bad benefits refused
on the proposal (target equal to the baseline, the wrong way for the measure, a past date), the project's actuals
for a benefit with no measure (validated, audited, hostile and oversized notes, twice), the project and board pages
(the measure's latest county figure, off track first, constant queries) and who may record what."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from oxtom.core.models import AuditEvent
from oxtom.core.submissions import ALREADY_DONE
from strategy import benefits as rules
from strategy.models import Benefit, BenefitRealisation, Project
from strategy.services import pmo as svc
from tests.performance.factories import MeasureFactory, PeriodFactory, value

from .test_projects import PROPOSAL, propose

TODAY = dt.date(2026, 12, 3)
NEXT_YEAR = dt.date(TODAY.year + 1, 3, 31)


def _month(back: int) -> dt.date:
    first = timezone.localdate().replace(day=1)
    for _ in range(back):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


# --- the rules -------------------------------------------------------------------------------------

@pytest.mark.parametrize("baseline, target, actual, polarity, when, verdict", [
    (D(900), D(700), D(800), "lower", NEXT_YEAR, rules.ON_TRACK),  # fewer is better and it has come down
    (D(900), D(700), D(950), "lower", NEXT_YEAR, rules.OFF_TRACK),  # gone the wrong way
    (D(900), D(700), D(900), "lower", NEXT_YEAR, rules.OFF_TRACK),  # not moved
    (D(900), D(700), D(650), "lower", NEXT_YEAR, rules.MET),
    (D(60), D(80), D(70), "higher", NEXT_YEAR, rules.ON_TRACK),
    (D(60), D(80), D(55), "higher", NEXT_YEAR, rules.OFF_TRACK),
    (D(60), D(80), D(70), "higher", dt.date(2026, 1, 31), rules.OFF_TRACK),  # the date passed short of it
    (D(60), D(80), D(70), None, NEXT_YEAR, rules.ON_TRACK),  # no measure: the way the target lies
    (D(60), D(40), D(50), "neutral", NEXT_YEAR, rules.ON_TRACK),  # neutral: the way the target lies
    (D(60), D(80), None, "higher", NEXT_YEAR, rules.NO_ACTUAL),
    (None, None, D(5), None, None, rules.NOT_SET),
])
def test_whether_a_benefit_is_on_track(baseline, target, actual, polarity, when, verdict):
    assert rules.status(baseline=baseline, target=target, actual=actual, polarity=polarity, target_date=when,
                        today=TODAY) == verdict


APPROVED = dt.date(2026, 6, 3)  # TODAY is halfway from here to HALF_DUE
HALF_DUE = dt.date(2027, 6, 2)


@pytest.mark.parametrize("actual, verdict", [
    (D(70), rules.ON_TRACK),  # half the way, half the time gone
    (D(69), rules.ON_TRACK),  # 45%: within the grace of a tenth of the way
    (D(67), rules.BEHIND),  # 35%: the right way, but slower than the time elapsed asks
    (D(61), rules.BEHIND),
    (D(60), rules.OFF_TRACK),  # not moved at all
    (D(80), rules.MET),
])
def test_on_track_accounts_for_the_time_elapsed_since_approval(actual, verdict):
    assert rules.status(baseline=D(60), target=D(80), actual=actual, polarity="higher", target_date=HALF_DUE,
                        today=TODAY, start=APPROVED) == verdict


def test_the_time_elapsed_is_bounded_by_the_approval_and_the_target_date():
    assert rules.expected_share(start=APPROVED, target_date=HALF_DUE, today=APPROVED - dt.timedelta(days=9)) == 0
    assert rules.expected_share(start=APPROVED, target_date=HALF_DUE, today=HALF_DUE + dt.timedelta(days=9)) == 1
    assert rules.expected_share(start=None, target_date=HALF_DUE, today=TODAY) is None
    assert rules.expected_share(start=HALF_DUE, target_date=APPROVED, today=TODAY) is None  # no span: not judged
    # just approved: a little movement is on track
    assert rules.status(baseline=D(900), target=D(700), actual=D(899), polarity="lower",
                        target_date=dt.date(2028, 1, 1), today=TODAY, start=TODAY) == rules.ON_TRACK
    assert rules.ORDER[rules.BEHIND] < rules.ORDER[rules.NO_ACTUAL] < rules.ORDER[rules.ON_TRACK]


def test_progress_is_the_share_of_the_way_from_baseline_to_target():
    assert rules.progress(baseline=D(900), target=D(700), actual=D(800)) == 50
    assert rules.progress(baseline=D(60), target=D(80), actual=D(55)) == -25
    assert rules.progress(baseline=D(60), target=D(80), actual=None) is None


@pytest.mark.parametrize("baseline, target, when, polarity, field, message", [
    (D(900), D(900), NEXT_YEAR, None, "target", "must differ from the baseline"),
    (D(900), D(950), NEXT_YEAR, "lower", "target", "lower is better: the target must be lower than the baseline"),
    (D(60), D(50), NEXT_YEAR, "higher", "target", "higher is better"),
    (D(900), D(700), TODAY, None, "target_date", "must be in the future"),
    (D(900), D(700), dt.date(2020, 1, 1), None, "target_date", "must be in the future"),
    (D(900), D(700), None, None, "target_date", "Give the date"),
    (D(900), None, NEXT_YEAR, None, "target", "both a baseline and a target"),
])
def test_bad_benefit_figures_are_refused(baseline, target, when, polarity, field, message):
    errors = rules.benefit_errors(baseline=baseline, target=target, target_date=when, polarity=polarity, today=TODAY)
    assert message in errors[field]


def test_good_figures_pass_and_an_existing_benefit_may_keep_a_past_date():
    assert rules.benefit_errors(baseline=D(900), target=D(700), target_date=NEXT_YEAR, polarity="lower",
                                today=TODAY) == {}
    assert rules.benefit_errors(baseline=D(900), target=D(700), target_date=dt.date(2026, 1, 1), polarity="lower",
                                today=TODAY, new=False) == {}
    assert rules.benefit_errors(baseline=None, target=None, target_date=None, polarity=None, today=TODAY) == {}


def test_the_database_refuses_a_target_equal_to_its_baseline(pmo):
    from django.db import IntegrityError, transaction

    project = svc.project_propose(title="T", directorate="D", sponsor="S", cross_cutting=False, objectives="O",
                                  estimated_cost=D(1), benefits=[{"description": "B"}], by=pmo)
    with pytest.raises(IntegrityError), transaction.atomic():
        Benefit.objects.create(project=project, description="Same", baseline=D(5), target=D(5))


# --- bad benefits on the proposal ---------------------------------------------------------------------

@pytest.mark.parametrize("line, message", [
    ("Fewer calls | contacts-received | 9000 | 9000 | {next}", "The target must differ from the baseline"),
    ("Fewer calls | contacts-received | 9000 | 9500 | {next}", "lower is better"),
    ("Fewer calls | contacts-received | 9000 | 6000 | 2020-01-01", "The target date must be in the future"),
    ("Fewer calls | contacts-received | 9000 | 6000 | {today}", "The target date must be in the future"),
    ("Fewer calls | contacts-received | 9000 | 6000 | soon", "write the target date as year-month-day"),
    ("Fewer calls | contacts-received | 9000 | 6000", "Give the date by which the target is to be reached"),
    ("Fewer calls | contacts-received | 9000 | | {next}", "Give both a baseline and a target"),
])
def test_a_proposal_with_a_bad_benefit_is_refused(client_for, project_manager, line, message):
    MeasureFactory(code="contacts-received", name="Contacts received", unit="count", polarity="lower")
    line = line.format(next=f"{timezone.localdate().year + 1}-03-31", today=timezone.localdate().isoformat())
    response = propose(client_for(project_manager), benefits=line)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Project.objects.exists()


def test_a_proposal_stores_the_target_date(client_for, project_manager):
    MeasureFactory(code="contacts-received", name="Contacts received", unit="count", polarity="lower")
    assert propose(client_for(project_manager)).status_code == 302
    benefit = Benefit.objects.get(measure__isnull=False)
    assert benefit.target_date == dt.date(dt.date.today().year + 1, 3, 31)


# --- the pages ---------------------------------------------------------------------------------------

@pytest.fixture
def approved(pmo, board_member, project_manager, pool):
    """An approved project managed by project_manager: two benefits on measures (one on track, one off) and one
    measured by the project."""
    lower = MeasureFactory(code="calls-received", name="Calls received", unit="count", polarity="lower")
    higher = MeasureFactory(code="online-share", name="Reports made online", unit="percent", polarity="higher")
    old, last = PeriodFactory(start=_month(2)), PeriodFactory(start=_month(1))
    value(lower, old, D(9500))
    value(lower, last, D(8000))  # down from 9,000 towards 6,000: on track
    value(higher, last, D(40))  # below its baseline of 45: off track
    value(higher, PeriodFactory(start=_month(0)), D(90))  # this month is not over: not read
    project = svc.project_propose(
        title="Digital reporting", directorate="Environment", sponsor="Director", cross_cutting=False,
        objectives="Online", estimated_cost=D(1000), by=pmo, benefits=[
            {"description": "Fewer calls", "measure": lower, "baseline": D(9000), "target": D(6000),
             "target_date": NEXT_YEAR},
            {"description": "More reports online", "measure": higher, "baseline": D(45), "target": D(70),
             "target_date": NEXT_YEAR},
            {"description": "Happier residents", "baseline": D(60), "target": D(75), "target_date": NEXT_YEAR}])
    svc.project_decide(project=project, approve=True, note="", by=board_member)
    svc.project_allocate(project=project, member=pool["pm"], days=2, by=pmo)
    return Project.objects.get(pk=project.pk)


def _status_of(page: str, description: str) -> str:
    row = page.split(description)[0].rsplit("<tr", 1)[1]
    return re.search(r"benefit--([a-z-]+)", row).group(1)


def _manual(project) -> Benefit:
    return project.benefits.get(measure__isnull=True)


def test_the_project_page_shows_each_benefit_against_its_measure(client_for, approved, project_manager):
    page = client_for(project_manager).get(f"/staff/projects/{approved.reference}/").content.decode()
    table = page[page.find('id="benefits"'):page.find("</table>", page.find('id="benefits"'))]
    rows = re.findall(r'class="govuk-table__row benefit benefit--([a-z-]+)"', table)
    assert rows == ["on-track", "off-track", "no-actual"]  # the proposal's order on the project page
    assert "8,000" in table and f"{_month(1):%b %Y}" in table and "33% of the way" in table
    online = table.split("More reports online")[1].split("</tr>")[0]
    assert "40<br>" in online and "90<br>" not in online  # last month's figure; this month's is not over
    assert "Calls received (county, lower is better)" in table
    assert table.count("Record an actual") == 1  # only the benefit with no measure


def test_the_board_lists_benefits_off_track_first(client_for, approved, board_member):
    page = client_for(board_member).get("/staff/projects/board/").content.decode()
    table = page[page.find('id="portfolio-benefits"'):]
    table = table[:table.find("</table>")]
    assert re.findall(r"benefit--([a-z-]+)", table) == ["off-track", "no-actual", "on-track"]
    assert table.index("More reports online") < table.index("Happier residents") < table.index("Fewer calls")
    assert "Record an actual" not in table  # the board reads; the project records


def test_the_project_manager_records_an_actual_with_a_note(client_for, approved, project_manager):
    benefit = _manual(approved)
    url = f"/staff/projects/{approved.reference}/benefits/{benefit.pk}/actual/"
    client = client_for(project_manager)
    response = client.post(url, {"month": _month(1).strftime("%Y-%m"), "value": "68",
                                 "note": "Residents' survey\u202e, 400 replies"})
    assert response.status_code == 302 and response["Location"] == f"/staff/projects/{approved.reference}/"
    recorded = BenefitRealisation.objects.get(benefit=benefit)
    assert recorded.value == D(68) and recorded.note == "Residents' survey, 400 replies"  # the bidi control dropped
    assert AuditEvent.objects.filter(target_type="strategy.benefitrealisation", target_id=str(recorded.pk),
                                     actor=project_manager).count() == 1
    page = client.get(f"/staff/projects/{approved.reference}/").content.decode()
    assert _status_of(page, "Happier residents") == "on-track"  # 68 is up from 60 towards 75
    # The same month again replaces the figure (and is audited again).
    client.post(url, {"month": _month(1).strftime("%Y-%m"), "value": "58", "note": "Corrected"})
    assert BenefitRealisation.objects.get(benefit=benefit).value == D(58)
    assert AuditEvent.objects.filter(target_type="strategy.benefitrealisation").count() == 2


@pytest.mark.parametrize("data, message", [
    ({"month": "", "value": "5", "note": "n"}, "Enter the month the figure is for"),
    ({"month": "next", "value": "5", "note": "n"}, "Enter the month as year and month"),
    ({"month": "{this}", "value": "5", "note": "n"}, "Record a month that has ended"),
    ({"month": "{last}", "value": "lots", "note": "n"}, "Enter the actual as a number"),
    ({"month": "{last}", "value": "1e400", "note": "n"}, "Enter the actual as a number"),
    ({"month": "{last}", "value": "NaN", "note": "n"}, "Enter the actual as a number"),
    ({"month": "{last}", "value": "5", "note": ""}, "Enter where the figure came from"),
    ({"month": "{last}", "value": "5", "note": "<script>alert(1)</script>" * 60}, "1,000 characters or fewer"),
])
def test_bad_actuals_are_refused(client_for, approved, project_manager, data, message):
    benefit = _manual(approved)
    data = {k: v.format(this=_month(0).strftime("%Y-%m"), last=_month(1).strftime("%Y-%m")) for k, v in data.items()}
    response = client_for(project_manager).post(
        f"/staff/projects/{approved.reference}/benefits/{benefit.pk}/actual/", data)
    page = response.content.decode()
    assert response.status_code == 200 and message.replace("'", "&#x27;") in page, page[:200]
    assert "<title>Error:" in page.replace("\n", "").replace("  ", "")
    assert "<script>alert(1)" not in page
    assert not BenefitRealisation.objects.exists()


def test_a_hostile_note_is_shown_escaped(client_for, approved, project_manager, board_member):
    benefit = _manual(approved)
    client_for(project_manager).post(f"/staff/projects/{approved.reference}/benefits/{benefit.pk}/actual/", {
        "month": _month(1).strftime("%Y-%m"), "value": "61", "note": "<img src=x onerror=alert(1)>"})
    for user, path in ((project_manager, f"/staff/projects/{approved.reference}/"), (board_member, "/staff/projects/board/")):
        page = client_for(user).get(path).content.decode()
        assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page


def test_an_actual_sent_twice_is_recorded_once(client_for, approved, project_manager):
    benefit = _manual(approved)
    url = f"/staff/projects/{approved.reference}/benefits/{benefit.pk}/actual/"
    client = client_for(project_manager)
    key = re.search(r'name="submission_key" value="([^"]+)"', client.get(url).content.decode()).group(1)
    data = {"month": _month(1).strftime("%Y-%m"), "value": "66", "note": "Survey", "submission_key": key}
    assert client.post(url, data).status_code == 302
    again = client.post(url, {**data, "value": "99"}, follow=True)
    assert ALREADY_DONE in again.content.decode()
    assert BenefitRealisation.objects.get().value == D(66)
    assert AuditEvent.objects.filter(target_type="strategy.benefitrealisation").count() == 1


def test_a_measured_benefit_takes_no_actuals_from_the_project(client_for, approved, project_manager):
    measured = approved.benefits.filter(measure__isnull=False).first()
    url = f"/staff/projects/{approved.reference}/benefits/{measured.pk}/actual/"
    assert client_for(project_manager).get(url).status_code == 404
    with pytest.raises(Exception, match="measured by its performance measure"):
        svc.benefit_record(benefit=measured, month=_month(1), value=D(1), note="n", by=project_manager)


def test_no_actuals_for_a_project_not_approved(pmo, project_manager):
    project = svc.project_propose(title="T", directorate="D", sponsor="S", cross_cutting=False, objectives="O",
                                  estimated_cost=D(1), benefits=[{"description": "B"}], by=pmo)
    with pytest.raises(Exception, match="approved projects"):
        svc.benefit_record(benefit=project.benefits.get(), month=_month(1), value=D(1), note="n", by=pmo)


ROLES = ["anonymous", "resident_a", "adviser", "officer_in_team", "performance_analyst", "pmo", "board_member",
         "project_manager", "other_manager", "administrator"]
ACTUAL_ALLOWED = {"pmo": 200, "project_manager": 200, "administrator": 200, "board_member": 403,
                  "other_manager": 404}  # another project manager does not see the project at all


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_for_recording_an_actual(request, client_for, approved, role):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    url = f"/staff/projects/{approved.reference}/benefits/{_manual(approved).pk}/actual/"
    for method in ("get", "post"):
        response = getattr(client_for(user), method)(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == ACTUAL_ALLOWED.get(role, 403), (role, method)
    assert not BenefitRealisation.objects.exists()  # an empty POST records nothing, whoever sends it


def test_someone_elses_benefit_is_a_404(client_for, approved, pmo, board_member, project_manager):
    other = svc.project_propose(title="Other", directorate="D", sponsor="S", cross_cutting=False, objectives="O",
                                estimated_cost=D(1), benefits=[{"description": "B"}], by=pmo)
    svc.project_decide(project=other, approve=True, note="", by=board_member)
    wrong = f"/staff/projects/{approved.reference}/benefits/{other.benefits.get().pk}/actual/"
    assert client_for(pmo).get(wrong).status_code == 404  # a benefit of another project under this reference


def test_the_pages_cost_constant_queries_whatever_the_benefits(client_for, approved, pmo, board_member,
                                                              project_manager):
    def count(user, path):
        client = client_for(user)
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    project_path = f"/staff/projects/{approved.reference}/"
    before = (count(project_manager, project_path), count(board_member, "/staff/projects/board/"))
    svc.benefit_record(benefit=_manual(approved), month=_month(1), value=D(70), note="Survey", by=project_manager)
    for i in range(4):  # more projects, measures, figures and recorded actuals
        measure = MeasureFactory(code=f"extra-{i}", name=f"Extra {i}", unit="count", polarity="lower")
        value(measure, PeriodFactory(start=_month(1)), D(10 + i))
        more = svc.project_propose(
            title=f"More {i}", directorate="D", sponsor="S", cross_cutting=False, objectives="O",
            estimated_cost=D(1), by=pmo, benefits=[
                {"description": f"M{i}", "measure": measure, "baseline": D(20), "target": D(5), "target_date": NEXT_YEAR},
                {"description": f"P{i}", "baseline": D(1), "target": D(2), "target_date": NEXT_YEAR}])
        more = svc.project_decide(project=more, approve=True, note="", by=board_member)
        svc.benefit_record(benefit=more.benefits.get(measure__isnull=True), month=_month(1), value=D(1.5),
                           note="n", by=pmo)
        Benefit.objects.create(project=approved, description=f"Extra {i}", measure=measure, baseline=D(20),
                               target=D(5), target_date=NEXT_YEAR)
    after = (count(project_manager, project_path), count(board_member, "/staff/projects/board/"))
    assert after == before, (before, after)


# --- the demo ----------------------------------------------------------------------------------------

def test_the_demo_has_a_project_with_one_benefit_on_track_and_one_off(db):
    from strategy.demo import BENEFITS_PROJECT, seed_demo_strategy
    from strategy.selectors import benefit_rows, portfolio_benefits
    from tests import factories as f

    for key, roles in (("pmo", ["pmo_officer"]), ("board", ["board_member"]), ("board.2", ["board_member"]),
                       ("project.manager", ["project_manager"]), ("project.manager.2", ["project_manager"]),
                       ("consultation", ["consultation_officer"]), ("bi.analyst.2", ["project_manager"])):
        f.UserFactory(email=f"{key}@demo.test", full_name=key.title(), roles=roles)
    # Before any figures: the board's projects, but not the benefits project (nothing to track it against yet).
    assert seed_demo_strategy(domain="demo.test") > 0
    assert not Project.objects.filter(title=BENEFITS_PROJECT).exists()
    # The project approved months ago, measured by itself, is there from the first run: behind schedule.
    assert [r.status for r in portfolio_benefits()
            if r.benefit.project.title == "Waste site bookings online"] == ["behind"]
    for code, polarity, latest in (("calls-received", "lower", 8000), ("online-share", "higher", 40)):
        measure = MeasureFactory(code=code, name=code.replace("-", " ").capitalize(), unit="count", polarity=polarity)
        value(measure, PeriodFactory(start=_month(1)), D(latest))
    assert seed_demo_strategy(domain="demo.test") == 1  # the next run, with figures, adds it
    project = Project.objects.get(title=BENEFITS_PROJECT)
    assert project.status == "approved" and project.project_manager.email == "project.manager@demo.test"
    rows = benefit_rows(list(project.benefits.select_related("measure").prefetch_related("realisations")))
    assert sorted(r.status for r in rows if r.benefit.measure_id) == ["off-track", "on-track"]
    assert [r.status for r in rows if not r.benefit.measure_id] == ["no-actual"]
    assert portfolio_benefits()[0].status == "off-track"
    count = Project.objects.count()
    assert seed_demo_strategy(domain="demo.test") == 0 and Project.objects.count() == count  # idempotent


def test_the_demo_project_approved_months_ago_is_behind_its_straight_line(db, pmo, board_member, project_manager):
    """Deterministic whatever today is: approved 240 days ago, due 180 days ahead, a tenth of the way there."""
    from strategy.demo import BEHIND_PROJECT, seed_behind_schedule
    from strategy.selectors import portfolio_benefits

    assert seed_behind_schedule({"pmo": pmo, "board": board_member, "project.manager": project_manager}) == 1
    project = Project.objects.get(title=BEHIND_PROJECT)
    assert (timezone.localdate() - timezone.localtime(project.decided_at).date()).days == 240
    assert project.project_manager == project_manager and project.highlights.count() == 1
    assert project.decisions.get().decided_on == timezone.localtime(project.decided_at).date()
    [row] = portfolio_benefits()
    assert (row.status, row.status_label, row.progress, row.actual) == ("behind", "Behind schedule", 10, D(26))
    assert row.actual_month == _month(1)  # the latest actual is last month's
    expected = rules.expected_share(start=timezone.localtime(project.decided_at).date(),
                                    target_date=row.benefit.target_date, today=timezone.localdate())
    assert expected > D("0.5") and D("0.10") < expected - rules.SCHEDULE_GRACE  # over half the time, a tenth of the way
