"""Administrators edit the contact reasons advisers choose from. The record itself is edited through services only."""
from django.contrib import admin

from .models import ContactReason


@admin.register(ContactReason)
class ContactReasonAdmin(admin.ModelAdmin):
    list_display = ("label", "code", "active", "position")
    list_editable = ("active", "position")
    search_fields = ("label", "code")

    def get_readonly_fields(self, request, obj=None):
        # Measures group by code, so a code in use never changes; retire the reason instead.
        return ("code",) if obj is not None and obj.contacts.exists() else ()

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.contacts.exists()
