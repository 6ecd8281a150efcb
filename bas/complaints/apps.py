from django.apps import AppConfig

# Case steps a complaint's case takes only on the complaint's own page (so the complaint's record,
# its timeliness and the message to the complainant move with the case).
COMPLAINT_STEPS = frozenset({"decide", "close", "reopen", "extend", "next-stage", "follow-on", "duplicate"})


class ComplaintsConfig(AppConfig):
    """Corporate complaints at stage 1 and stage 2 (the Ombudsman's complaint handling code), and their learning."""

    name = "bas.complaints"
    label = "complaints"
    verbose_name = "Corporate complaints"

    def ready(self) -> None:
        from oxtom.accounts.permissions import Permission
        from oxtom.accounts.staff_nav import register_staff_nav_item

        from .services import can_handle_complaints

        # The link shows to whoever the complaints pages let in (the permission and the complaints team).
        register_staff_nav_item("Complaints", "/staff/complaints/", permissions=(Permission.COMPLAINTS_WORK,), order=83,
                                visible=can_handle_complaints)

        from oxtom.customers import assist, merge

        from .models import Complaint

        # A complaint follows its complainant when duplicate customer records are merged.
        merge.register_move(Complaint, "customer")

        # An adviser logs a complaint for the resident, and asks for stage 2 for them, in an acting-for session.
        assist.register_journey("Make a complaint", "/complaints/new/")
        assist.register_journey("Their complaints (ask for a stage 2 review)", "/account/complaints/")

        from oxtom.cases.owners import register_case_owner

        # A complaint's case is worked on the complaint's page (acknowledge, extend, respond).
        register_case_owner(_complaint_page)

        from oxtom.accounts.staff_home import register_staff_home_section

        from .home import complaints_section

        # The team's waiting work, and anyone's learning actions to mark done, on the staff home.
        register_staff_home_section("complaints/home_section.html", complaints_section)

        from . import measures

        # Received, answered on time against the code, median days and upheld, in performance's registry.
        measures.register_all()

        from oxtom.core.demo import register_demo_step

        from . import demo

        # Complaints at each point of stage 1 and stage 2, and a closed one with learning actions.
        register_demo_step("corporate complaints", order=70, run=demo.complaints_step)


def _complaint_page(case):
    from django.urls import reverse

    from oxtom.cases.owners import OwnerPage

    from .models import STAGE_1_SERVICE, STAGE_2_SERVICE

    if case.service.code not in (STAGE_1_SERVICE, STAGE_2_SERVICE):
        return None
    reference = (case.answers or {}).get("follows") or case.reference
    return OwnerPage(reverse("complaints_staff:detail", kwargs={"reference": reference}), COMPLAINT_STEPS,
                     "complaint-link", f"Work complaint {reference}: acknowledge, extend and respond")
