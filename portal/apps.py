from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from oxtom.customers import merge

        from .models import ReportSubscription

        # A merged customer keeps following every report either record followed (once each).
        merge.register_move(ReportSubscription, "customer", mover=_move_subscriptions)
        # "Apply for it" pages serve the acted-for customer inside an adviser's session (portal/views/apply.py).
        from oxtom.customers import assist

        assist.register_journey("Apply for a parking permit, blue badge or bus pass", "/apply/")
        assist.register_journey("Their permits, badges, passes and applications", "/account/entitlements/")


def _move_subscriptions(source, survivor) -> int:
    from .models import ReportSubscription

    already = ReportSubscription.objects.filter(customer=survivor).values("report_id")
    ReportSubscription.objects.filter(customer=source, report_id__in=already).delete()
    return ReportSubscription.objects.filter(customer=source).update(customer=survivor)
