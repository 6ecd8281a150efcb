from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from oxtom.customers import merge

        from .models import ReportSubscription

        # A merged customer keeps following every report either record followed (once each).
        merge.register_move(ReportSubscription, "customer", mover=_move_subscriptions)
        # "Apply for it" pages serve the acted-for customer inside an adviser's session (applications/resident_views.py).
        from oxtom.customers import assist

        # "Report it" too (portal/views/journey.py): the commonest phone contact is a street problem.
        assist.register_journey("Report a street problem", "/report/")
        # Following and stopping following a report (reopening and feedback refuse inside a session).
        assist.register_journey("", "/reports/", listed=False)
        assist.register_journey("Apply for a parking permit, blue badge or bus pass", "/apply/")
        assist.register_journey("Their permits, badges, passes and applications", "/account/entitlements/")
        # A street report's case is worked on the report's staff page, which keeps the public page in step.
        from oxtom.cases.owners import register_case_answers, register_case_owner

        from .answers import render_case_answers

        register_case_owner(_report_page, select_related="street_report", status_label=_report_status,
                            follow_status=_follow_case, messages_customer=_is_report_case)
        # Its answers by the report type's questions, its photos as links (for a list of cases, such as
        # the customer timeline, the photos of all the reports are prefetched in one query).
        register_case_answers(render_case_answers, select_related="street_report__report_type",
                              prefetch_related=("street_report__photos",))
        # A request refused at the edge (a NUL byte) answers in Open311's error list under /open311/.
        from oxtom.core.hygiene import register_bad_request_responder

        register_bad_request_responder("/open311/", _open311_bad_request)
        # Photos parked by a report journey given up on are purged after 24 hours.
        from oxtom.core.uploads import register_draft_upload_dir

        from .draft import PHOTO_DIR

        register_draft_upload_dir(PHOTO_DIR)
        # The cached default Open311 query is rebuilt after any report or photo change.
        from .open311_cache import connect_signals

        connect_signals()
        # A year of demo street reports, worked through the real services (counted by the first figures).
        from oxtom.core.demo import register_demo_step

        from . import demo

        register_demo_step("street reports", order=10, run=demo.seed_demo_step, activity=True)
        register_demo_step("Open311 client requests", order=65, run=demo.open311_step)
        # Its measures (received, fixed on time, days to fix, feedback) in performance's registry.
        from . import measures  # noqa: F401 - registers on import


def _open311_bad_request(request, message: str, *, field: str = ""):
    from .open311_format import errors

    return errors([{"code": 400, "description": message}], "xml" if request.path.endswith(".xml") else "json", 400)


# Case steps that change what the public page and the followers are told.
REPORT_STEPS = frozenset({"accept", "expected-date", "decide", "close", "reopen", "duplicate"})


def _report_page(case):
    from django.core.exceptions import ObjectDoesNotExist
    from django.urls import reverse

    from oxtom.cases.owners import OwnerPage

    try:
        case.street_report  # noqa: B018 - loaded with the case (select_related above)
    except ObjectDoesNotExist:
        return None
    return OwnerPage(reverse("portal_staff:report", kwargs={"reference": case.reference}), REPORT_STEPS,
                     "street-report-link", "Work this street report: status, repair date, public updates, duplicates")


def _report_of(case):
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return case.street_report
    except ObjectDoesNotExist:
        return None


def _is_report_case(case):
    """A street report's reporter and followers hear from the report (portal.services._notify), never
    from the engine's generic message as well."""
    if case.service.kind != "report":
        return False
    from .models import StreetReport

    return StreetReport.objects.filter(case_id=case.pk).exists()


def _report_status(case):
    """A report case's status is its public status (staff and public read the same words), except while
    we wait for the customer, which only staff and the reporter need to see."""
    from oxtom.cases.models import Status

    if case.service.kind != "report" or case.status == Status.AWAITING_CUSTOMER:
        return None
    report = _report_of(case)
    return report.get_public_status_display() if report is not None else None


def _follow_case(case, previous):
    """Keep the public status in step when the engine starts work (an officer takes the case)."""
    from oxtom.cases.models import Status

    if case.service.kind != "report" or case.status != Status.IN_PROGRESS:
        return
    from .services import report_follow_case_started

    report_follow_case_started(case=case)


def _move_subscriptions(source, survivor) -> int:
    from .models import ReportSubscription

    already = ReportSubscription.objects.filter(customer=survivor).values("report_id")
    ReportSubscription.objects.filter(customer=source, report_id__in=already).delete()
    return ReportSubscription.objects.filter(customer=source).update(customer=survivor)
