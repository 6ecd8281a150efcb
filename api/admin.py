from django.contrib import admin

from .models import ApiCall, ApiClient, ApiKey


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Scopes, team and rate limit are edited here; keys are issued and revoked with `manage.py api_client`
    (a key exists in clear only once, at issue)."""

    list_display = ("name", "team", "rate_per_minute", "is_active")
    fields = ("name", "description", "scopes", "team", "rate_per_minute", "is_active")
    readonly_fields = ("name",)
    inlines = [ApiKeyInline]

    def has_add_permission(self, request):
        return False


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "client", "key_prefix", "scope", "method", "path", "status")
    list_filter = ("status", "scope")
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
