from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """What BAS takes in: the post room's scanned post and colleagues' bulk data uploads."""

    name = "bas.intake"
    label = "bas_intake"
    verbose_name = "Post room and bulk data uploads"

    def ready(self) -> None:
        from oxtom.accounts.permissions import Permission
        from oxtom.accounts.staff_nav import register_staff_nav_item

        register_staff_nav_item("Post room", "/staff/bas/intake/post/", permissions=(Permission.BAS_WORK,), order=81)

        from oxtom.customers import merge

        # Post matched to a customer follows the record that survives a merge.
        merge.register_move("bas_intake.postitem", "customer")

        from oxtom.core.demo import register_demo_step

        from . import demo

        # After the case engine's examples (order 45), so a letter can be matched to a real case.
        register_demo_step("post room and bulk uploads", order=70, run=demo.intake_step)

        from oxtom.accounts.staff_home import register_staff_home_section

        from .home import post_waiting

        register_staff_home_section("bas/intake/home_section.html", post_waiting)

        from oxtom.cases.owners import register_case_answers

        from .case_answers import render_post_case

        # A case routed from the post room shows the letter's details and links its scan.
        register_case_answers(render_post_case, select_related="post_item")
