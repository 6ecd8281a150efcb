from django.apps import AppConfig
from django.core import checks


class CustomersConfig(AppConfig):
    name = "oxtom.customers"
    label = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from . import merge  # noqa: F401 - registers the customers app's own relations

        checks.register(check_merge_registry, checks.Tags.models)
        user_logged_out.connect(end_assisted_session_on_sign_out, dispatch_uid="customers.assist.sign_out")


def check_merge_registry(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn at start-up about relations to Customer that the merge allow-list doesn't cover.

    A warning, not an error, so a developer mid-way through adding a model can
    still run makemigrations; customer_merge itself refuses to run until it's fixed.
    """
    from .merge import unregistered_relations

    return [
        checks.Warning(
            f"{label} points at Customer but is not in the merge allow-list.",
            hint="Call oxtom.customers.merge.register_move() or register_keep() in the app's ready().",
            id="customers.W001",
        )
        for label in unregistered_relations()
    ]


def end_assisted_session_on_sign_out(sender, request=None, user=None, **kwargs) -> None:
    """Signing out ends the adviser's acting-for session rather than leaving it to expire."""
    if request is None or user is None or not hasattr(request, "session"):
        return
    from .assist import SESSION_KEY
    from .models import AssistedSession
    from .services import assisted_session_end

    session_id = request.session.get(SESSION_KEY)
    if session_id is None:
        return
    session = AssistedSession.objects.filter(pk=session_id, adviser=user, ended_at__isnull=True).first()
    if session is not None:
        assisted_session_end(session=session, by=user, reason=AssistedSession.EndReason.SIGNED_OUT)
