"""Admin: templates are edited here; the outbox and inbound messages are read-only records."""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from . import services
from .models import InboundSms, MessageTemplate, OutboundMessage


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "channel", "name", "modified_at")
    list_filter = ("channel",)
    search_fields = ("code", "name")
    readonly_fields = ("placeholders", "modified_at")

    @admin.display(description="Placeholders used")
    def placeholders(self, obj: MessageTemplate) -> str:
        return ", ".join(obj.placeholders) or "none"


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "template_code", "channel", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "channel", "template_code")
    search_fields = ("=id", "=idempotency_key", "=provider_reference")
    list_select_related = ("customer",)
    date_hierarchy = "created_at"
    actions = ["retry_dead"]
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # messages are queued by services, never typed in

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Try selected dead-lettered messages again")
    def retry_dead(self, request, queryset) -> None:
        done = 0
        for message in queryset.filter(status=OutboundMessage.Status.DEAD):
            try:
                services.message_retry(message=message, by=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{message.pk}: {'; '.join(exc.messages)}", messages.WARNING)
        self.message_user(request, f"{done} message(s) queued again.")


@admin.register(InboundSms)
class InboundSmsAdmin(admin.ModelAdmin):
    list_display = ("provider_id", "received_at", "customer", "handled_by")
    search_fields = ("=provider_id",)
    list_select_related = ("customer",)
    readonly_fields = [f.name for f in InboundSms._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
