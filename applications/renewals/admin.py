from django.contrib import admin

from .models import RenewalInvitation


@admin.register(RenewalInvitation)
class RenewalInvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations change only through the renewal services."""

    list_display = ("entitlement", "state", "due", "invited_by_channel", "reminders_sent", "reply", "reply_channel")
    list_filter = ("state", "reply", "reply_channel", "invited_by_channel")
    search_fields = ("entitlement__number",)
    list_select_related = ("entitlement",)
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
