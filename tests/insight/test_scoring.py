"""Weekly scoring by the signed-off risk model and Lee's review: only a signed-off version runs; a rerun of the
week adds nothing twice and tells Lee once; the model never changes a case; each review is recorded once; the
report's figures (flagged, reviewed, referred) and the input drift are measured; only Lee opens the report."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from insight import services
from insight.models import RiskReview, RiskScore, ScoringRun
from insight.selectors import scoring_figures
from oxtom.cases.models import Case
from oxtom.core.models import AuditEvent
from oxtom.notify.models import OutboundMessage

from .conftest import make_referral


def test_nothing_scores_without_a_signed_off_version(history, bi):
    from insight import risk

    services.risk_model_train(df=risk.generate_referrals(2000, seed=3), hypothesis="x", by=bi,
                              grid={"max_depth": [3], "learning_rate": [0.1], "max_iter": [30]})
    assert services.risk_scores_compute() is None and not RiskScore.objects.exists()


def test_weekly_scoring_flags_the_risky_histories_once_and_changes_no_case(history, signed_model, maya, lee):
    open_one = make_referral(maya, child="C-0", police=True, school=True, days_ago=2)  # open: scored, not reported
    versions = dict(Case.objects.values_list("pk", "version"))
    run = services.risk_scores_compute()
    assert run.scored == len(history) + 1 and run.version == signed_model
    flagged = RiskScore.objects.filter(flagged=True, closed=True)
    assert run.flagged == flagged.count() > 0
    risky = {r.pk for r in history if r.child_key in ("C-0", "C-1", "C-2", "C-3")}
    assert set(flagged.values_list("referral_id", flat=True)) <= risky  # the long flagged histories only
    assert all(s.factors and s.factors[0]["effect"] > 0 for s in flagged)
    assert not RiskScore.objects.get(referral=open_one).closed
    assert set(run.drift) == {"prior_referrals", "prior_nfa", "last_case_days", "police_flag", "school_flag",
                              "health_flag", "age", "deprivation_decile"}
    alerts = OutboundMessage.objects.filter(template_code="staff-alert", recipient=lee.email)
    assert alerts.count() == 1 and "Alfie" not in alerts.get().context.get("message", "")
    # A rerun of the same week: nothing twice, and Lee is not told again.
    again = services.risk_scores_compute()
    assert again.pk == run.pk and RiskScore.objects.count() == run.scored and ScoringRun.objects.count() == 1
    assert alerts.count() == 1
    assert dict(Case.objects.values_list("pk", "version")) == versions  # the model never changed a case


def test_lee_reviews_each_flagged_case_once_and_the_figures_count(history, signed_model, lee, maya, bi):
    services.risk_scores_compute()
    first, *rest = RiskScore.objects.filter(flagged=True, closed=True)
    for user in (maya, bi):
        with pytest.raises(PermissionDenied):
            services.risk_review_record(score=first, decision="refer", reasons="x", by=user)
    with pytest.raises(ValidationError, match="reasons"):
        services.risk_review_record(score=first, decision="refer", reasons=" ", by=lee)
    with pytest.raises(ValidationError, match="refer"):
        services.risk_review_record(score=first, decision="arrest", reasons="x", by=lee)
    services.risk_review_record(score=first, decision="refer", reasons="Early help offer via school", by=lee)
    with pytest.raises(ValidationError, match="already been reviewed"):
        services.risk_review_record(score=first, decision="no_referral", reasons="x", by=lee)
    if rest:
        services.risk_review_record(score=rest[0], decision="no_referral", reasons="Support in place", by=lee)
    run = scoring_figures()[0]
    assert (run.reviewed, run.referred) == (1 + bool(rest), 1)
    unflagged = RiskScore.objects.filter(flagged=False).first()
    if unflagged:
        with pytest.raises(ValidationError, match="Only flagged"):
            services.risk_review_record(score=unflagged, decision="refer", reasons="x", by=lee)


def test_role_matrix_on_the_model_and_report_pages(client_for, history, signed_model, lee, maya, bi, outsider):
    services.risk_scores_compute()
    score = RiskScore.objects.filter(flagged=True, closed=True).first()
    models = ["/staff/insight/models/", f"/staff/insight/models/{signed_model.version}/"]
    report = ["/staff/insight/review/", f"/staff/insight/review/{score.pk}/"]
    for user, model_code, report_code in ((lee, 200, 200), (bi, 200, 403), (maya, 403, 403), (outsider, 403, 403)):
        c = client_for(user)
        for url in models:
            assert c.get(url).status_code == model_code, (user.email, url)
        for url in report:
            assert c.get(url).status_code == report_code, (user.email, url)
    page = client_for(bi).get(models[0]).content.decode()
    assert "Testerley" not in page  # the BI team's pages hold figures, never a child
    assert client_for(lee).get("/staff/insight/review/999999/").status_code == 404
    assert client_for(None).get(report[0]).status_code == 302


def test_the_report_is_audited_constant_in_queries_and_records_a_decision(client_for, history, signed_model, lee,
                                                                        django_assert_max_num_queries):
    services.risk_scores_compute()
    c = client_for(lee)
    with django_assert_max_num_queries(16):
        page = c.get("/staff/insight/review/")
    flagged = list(RiskScore.objects.filter(flagged=True, closed=True))
    assert page.status_code == 200 and flagged[0].referral.child_name in page.content.decode()
    assert AuditEvent.objects.filter(action="view", actor=lee, target_type="insight.referral").count() == len(flagged)
    url = f"/staff/insight/review/{flagged[0].pk}/"
    bad = c.post(url, {"decision": "", "reasons": "x" * 2001})
    assert "Choose whether to refer to partners" in bad.content.decode() and not RiskReview.objects.exists()
    ok = c.post(url, {"decision": "refer", "reasons": "<script>x</script> early help", "submission_key": "r" * 24})
    assert ok.status_code == 302 and RiskReview.objects.get().decision == "refer"
    assert c.post(url, {"decision": "refer", "reasons": "again", "submission_key": "r" * 24}).status_code == 302
    assert RiskReview.objects.count() == 1
    assert "&lt;script&gt;" in c.get(url).content.decode()
    with django_assert_max_num_queries(16):
        assert c.get("/staff/insight/models/").status_code == 200


def test_sign_off_through_the_page_refuses_the_trainer_and_failed_checks(client_for, bi, lee):
    from insight import risk

    version = services.risk_model_train(df=risk.generate_referrals(3000, seed=7), hypothesis="x", by=bi,
                                        grid={"max_depth": [3], "learning_rate": [0.1], "max_iter": [30]})
    url = f"/staff/insight/models/{version.version}/"
    assert client_for(bi).post(url).status_code == 403
    c = client_for(lee)
    c.post(url)
    version.refresh_from_db()
    assert version.signed_off_at is None  # its bias checks failed (the planted unfairness)
    assert "cannot be signed off" in c.get(url).content.decode()
