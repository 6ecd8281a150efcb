from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    label = "applications"
    verbose_name = "Applications and entitlements"

    def ready(self) -> None:
        from oxtom.accounts.permissions import Permission
        from oxtom.accounts.staff_nav import register_staff_nav_item

        register_staff_nav_item("Applications", "/staff/applications/", permissions=(Permission.CASE_WORK,), order=30)

        from oxtom.core.demo import register_demo_listing

        from . import demo as demo_module

        register_demo_listing("applications", demo_module.demo_listing)

        from oxtom.customers import merge
        from oxtom.payments.services import register_payment_success_handler

        from . import services
        from .models import Application, Entitlement

        # A merged customer's applications and entitlements follow them to the surviving record.
        merge.register_move(Application, "customer")
        merge.register_move(Entitlement, "customer")
        # A successful payment for an application issues its permit, badge or pass (once).
        register_payment_success_handler(Application._meta.label_lower, services.on_application_payment_success)
        # A referred application's case is decided and closed on its assessment page, which tells the applicant.
        from oxtom.cases.owners import register_case_answers, register_case_owner

        from .answers import render_case_answers, render_many_case_answers

        register_case_owner(_assessment_page, messages_customer=_is_application_case)
        # Its answers by the questions asked, its evidence as links (the case keeps only a copy); for a list
        # of cases (the customer timeline) all their applications in one go.
        register_case_answers(render_case_answers, many=render_many_case_answers)
        # Officers see an application's (and its permit's) timeline entries only if they may see its case.
        from oxtom.cases.models import Case
        from oxtom.customers import access

        access.register_timeline_scope(
            "applications.application", lambda user: Application.objects.filter(case__in=Case.objects.for_user(user)))
        access.register_timeline_scope(
            "applications.entitlement",
            lambda user: Entitlement.objects.filter(application__case__in=Case.objects.for_user(user)))
        # The staff customer record lists the customer's permits, badges and passes, linked to their application
        # pages for the officers who may open them.
        from oxtom.customers.record_sections import register_record_section

        register_record_section("applications/_customer_record_entitlements.html", _customer_record_section)
        # Evidence parked by an application given up on is purged after 24 hours.
        from oxtom.core.uploads import register_draft_upload_dir

        from .resident_views import EVIDENCE_DIR

        register_draft_upload_dir(EVIDENCE_DIR)
        # Demo permits, passes and a referred badge, and one renewal invitation to reply YES to.
        from oxtom.core.demo import register_demo_step

        from . import demo

        register_demo_step("applications and entitlements", order=20, run=demo.applications_step)
        register_demo_step("a cancelled permit with a refund due", order=25, run=demo.refund_step)
        register_demo_step("a permit issued with no case, to revoke", order=26, run=demo.revoke_step)
        register_demo_step("renewal invitations", order=30, run=demo.renewal_step)
        # Its measures (received, decided, decided automatically, days to decide) in performance's registry.
        from . import measures  # noqa: F401 - registers on import


def _customer_record_section(user, customer):
    """The record's "Permits, badges and passes" (selectors.entitlements_on_record), or None when the reader may
    see none of them and is not one who sees every record (so the section says nothing to them)."""
    from oxtom.customers.selectors import sees_every_customer

    from .selectors import entitlements_on_record

    if customer.is_tombstone:
        return None  # merged away: what it held moved to the surviving record
    rows, more = entitlements_on_record(user, customer)
    if not rows and not sees_every_customer(user):
        return None
    count = len(rows)
    return {"rows": rows, "more": more, "unlinked": any(r.application_reference is None for r in rows),
            "audited": f"permits, badges and passes shown: {count}{' or more' if more else ''}"}


# Case steps that would leave the application (and so the permit, badge or pass) undecided.
APPLICATION_STEPS = frozenset({"decide", "close"})


def _is_application_case(case):
    """The applicant hears the decision from the application (its decision letter), not from the case."""
    from oxtom.cases.models import Service

    return case.service.kind == Service.Kind.APPLICATION and bool((case.answers or {}).get("application"))


def _assessment_page(case):
    from django.urls import reverse

    from oxtom.cases.models import Service
    from oxtom.cases.owners import OwnerPage

    application = (case.answers or {}).get("application") if case.service.kind == Service.Kind.APPLICATION else None
    if not application:
        return None
    return OwnerPage(reverse("applications:assess", kwargs={"reference": str(application)}), APPLICATION_STEPS,
                     "application-link", f"Assess application {application}: answers, evidence and the decision")
