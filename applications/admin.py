from django.contrib import admin

from .models import Application, ApplicationEvidence, ApplicationService, Entitlement


@admin.register(ApplicationService)
class ApplicationServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "fee_pence", "validity_months", "auto_renew", "is_active")
    list_filter = ("is_active", "auto_renew")
    search_fields = ("name", "code")
    # The code is what rules and addresses are keyed on: fixed once created.
    readonly_fields = ("created_at", "modified_at")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "code") if obj is not None else self.readonly_fields


class EvidenceInline(admin.TabularInline):
    model = ApplicationEvidence
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "token", "file", "content_type", "size", "uploaded_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    """Read-only: applications change only through applications.services (audit and timeline)."""

    list_display = ("reference", "service", "kind", "status", "decided_automatically", "submitted_at")
    list_filter = ("service", "status", "kind", "decided_automatically")
    search_fields = ("reference",)
    inlines = [EvidenceInline]
    list_select_related = ("service",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Entitlement)
class EntitlementAdmin(admin.ModelAdmin):
    list_display = ("number", "service", "status", "starts_on", "expires_on")
    list_filter = ("service", "status")
    search_fields = ("number",)
    list_select_related = ("service",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
