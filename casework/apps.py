from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    """The officers' workbench on the case engine (oxtom/cases): queues, the case page, QA and
    screening pages, residents' /account/cases/, councillors' enquiries and their weekly digest."""

    name = "casework"
    label = "workbench"
    verbose_name = "Casework"

    def ready(self) -> None:
        from oxtom.accounts.permissions import Permission
        from oxtom.accounts.staff_nav import register_staff_nav_item

        register_staff_nav_item("Queues", "/staff/queues/", permissions=(Permission.CASE_VIEW_TEAM,), order=20, team_scoped=True)

        from oxtom.accounts.staff_home import register_staff_home_section
        from oxtom.cases.owners import register_case_answers
        from oxtom.customers import assist

        from .enquiry_answers import render_enquiry_answers
        from .home import my_requests, my_work

        # /account/cases/ serves the acted-for customer, so an adviser can read a request out and key the reply.
        assist.register_journey("Their cases and replies to our questions", "/account/cases/")
        # A councillor's enquiry shows its answers under the questions the enquiry form asked.
        register_case_answers(render_enquiry_answers)
        # The staff home starts with the officer's own work: their cases, what is due, a case finder.
        register_staff_home_section("casework/home_my_work.html", my_work)
        # Any member of staff: the requests they made to other teams (a case with them as requester).
        register_staff_home_section("casework/home_my_requests.html", my_requests)
        # A councillor's enquiry waiting in the member services queue.
        from oxtom.core.demo import register_demo_step

        from . import demo

        register_demo_step("councillors' enquiries", order=40, run=demo.member_enquiry_step)
        register_demo_step("case engine examples", order=45, run=demo.case_engine_step)
