from django.apps import AppConfig


class CasesConfig(AppConfig):
    """The case engine: cases, their events, clocks, queues and quality checks.

    It keeps the label "casework" it was born with, so its tables, migrations, permissions and the
    string identities other records hold ("casework.case" in audit and payments) stay valid.
    """

    name = "oxtom.cases"
    label = "casework"
    verbose_name = "Cases"

    def ready(self) -> None:
        from oxtom.customers import access, merge
        from oxtom.notify.inbound import register_inbound_handler

        from .inbound import reply_by_text
        from .models import Case

        # A merged customer's cases follow them to the surviving record.
        merge.register_move(Case, "customer")
        # Officers and team leaders see the customers behind the cases they may see (least privilege):
        # special-category cases (a blue badge) stay with the teams entitled to them, and so do their customers.
        access.register_scope(lambda user: Case.objects.for_user(user).values("customer_id"))
        # And of those customers' timelines, the entries about the cases they may see.
        access.register_timeline_scope("casework.case", lambda user: Case.objects.for_user(user))
        # Under a case's entry on a customer's timeline, its answers and evidence as its owner renders them.
        from oxtom.customers.timeline import register_timeline_details

        from .selectors import timeline_case_details

        register_timeline_details("casework.case", timeline_case_details, template="cases/timeline_case.html")
        # A text back to our request for information is the customer's reply.
        register_inbound_handler("casework.reply-to-request")(reply_by_text)
