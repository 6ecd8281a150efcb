from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from oxtom.customers import merge

        from .models import Case

        # A merged customer's cases follow them to the surviving record.
        merge.register_move(Case, "customer")

        from oxtom.customers import access

        # Officers and team leaders see the customers behind the cases they may see (least privilege):
        # special-category cases (a blue badge) stay with the teams entitled to them, and so do their customers.
        access.register_scope(lambda user: Case.objects.for_user(user).values("customer_id"))

        from oxtom.customers import assist

        # /account/cases/ serves the acted-for customer, so an adviser can read a request out and key the reply.
        assist.register_journey("Their cases and replies to our questions", "/account/cases/")

        from oxtom.notify.inbound import register_inbound_handler

        from .inbound import reply_by_text

        # A text back to our request for information is the customer's reply.
        register_inbound_handler("casework.reply-to-request")(reply_by_text)

        from .enquiry_answers import render_enquiry_answers
        from .owners import register_case_answers

        # A councillor's enquiry shows its answers under the questions the enquiry form asked.
        register_case_answers(render_enquiry_answers)

        from oxtom.accounts.staff_home import register_staff_home_section

        from .home import my_work

        # The staff home starts with the officer's own work: their cases, what is due, a case finder.
        register_staff_home_section("casework/home_my_work.html", my_work)
