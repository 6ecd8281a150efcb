"""Read-only admin: payments change only through services (refunds included), never by hand."""
from django.contrib import admin

from .models import Payment, Refund


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    fields = ("amount_pence", "status", "reason", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("reference", "amount_pence", "status", "provider", "moto", "created_at")
    list_filter = ("status", "provider", "moto")
    search_fields = ("reference", "provider_payment_id")
    raw_id_fields = ("customer",)
    inlines = [RefundInline]
