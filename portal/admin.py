"""Administrators edit report types, response templates and Open311 keys here.

Street reports themselves are read-only: every change goes through
portal/services.py (casework status, audit, notifications to followers).
"""
from __future__ import annotations

from django.contrib import admin, messages

from .models import Open311Key, ReportType, ResponseTemplate, StreetReport


class ResponseTemplateInline(admin.TabularInline):
    model = ResponseTemplate
    extra = 0
    fields = ["status", "title", "text", "is_active"]


@admin.register(ReportType)
class ReportTypeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "group", "photos_required", "nearby_radius_m", "is_public", "display_order"]
    list_select_related = ["service"]
    list_filter = ["group", "is_public"]
    search_fields = ["service__name", "service__code"]
    inlines = [ResponseTemplateInline]
    exclude = ["created_by", "modified_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.modified_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "report_type", "is_active"]
    list_filter = ["status", "is_active"]
    exclude = ["created_by", "modified_by"]


@admin.register(StreetReport)
class StreetReportAdmin(admin.ModelAdmin):
    list_display = ["case", "report_type", "public_status", "reported_at", "is_public"]
    list_filter = ["public_status", "report_type"]
    search_fields = ["case__reference"]
    list_select_related = ["case", "report_type__service"]
    raw_id_fields = ["case", "division"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    """A new key is shown once, in the confirmation message; only its hash is kept."""

    list_display = ["name", "prefix", "is_active", "created_at", "last_used_at", "revoked_at"]
    fields = ["name"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        from .open311_keys import open311_key_create

        row, key = open311_key_create(name=obj.name, by=request.user)
        obj.pk = row.pk
        messages.warning(request, f"The key for {obj.name} is {key} — copy it now: it will not be shown again.")

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        from .open311_keys import open311_key_revoke

        for key in queryset.filter(is_active=True):
            open311_key_revoke(name=key.name, by=request.user)
