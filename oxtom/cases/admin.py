"""Administrators edit the service catalogue here. Cases are read-only in admin:
every change to a case goes through oxtom/cases/services.py (audit, timeline, locking)."""
from __future__ import annotations

from django import forms
from django.contrib import admin

from .models import MAX_SLA_WORKING_DAYS, Case, CaseEvent, Priority, Service, ServiceStage


def _sla_field(priority: Priority) -> forms.IntegerField:
    return forms.IntegerField(
        label=f"Working days for {priority.label.lower()} priority",
        min_value=1, max_value=MAX_SLA_WORKING_DAYS,
        error_messages={
            "required": f"Enter working days for {priority.label.lower()} priority",
            "min_value": "Working days must be 1 or more",
            "max_value": f"Working days must be {MAX_SLA_WORKING_DAYS} or fewer",
            "invalid": "Enter a whole number of working days",
        },
    )


class ServiceAdminForm(forms.ModelForm):
    """One whole-number box per priority instead of raw JSON, so an SLA can't be mistyped."""

    sla_1 = _sla_field(Priority.URGENT)
    sla_2 = _sla_field(Priority.HIGH)
    sla_3 = _sla_field(Priority.NORMAL)
    sla_4 = _sla_field(Priority.LOW)

    class Meta:
        model = Service
        exclude = ["sla_working_days", "created_by", "modified_by"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for priority in Priority:
            self.fields[f"sla_{priority.value}"].initial = self.instance.sla_days(priority.value)

    def clean(self):
        cleaned = super().clean()
        self.instance.sla_working_days = {
            str(p.value): cleaned[f"sla_{p.value}"] for p in Priority if cleaned.get(f"sla_{p.value}") is not None
        }
        return cleaned


class ServiceStageInline(admin.TabularInline):
    """Stages with their own targets (complaints: acknowledge, stage 1): the clock policy's stages."""

    model = ServiceStage
    extra = 0
    fields = ["position", "name", "working_days"]
    ordering = ["position"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceAdminForm
    inlines = [ServiceStageInline]
    list_display = ["name", "code", "kind", "team", "triage_team", "calendar", "clock_pauses_for_customer", "notify_customer_on_change",
                    "is_active"]
    list_filter = ["kind", "is_active", "team"]
    search_fields = ["name", "code"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.modified_by = request.user
        super().save_model(request, obj, form, change)


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ["occurred_at", "kind", "actor", "visibility", "from_status", "to_status", "text"]
    readonly_fields = fields
    ordering = ["-occurred_at", "-id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["reference", "service", "team", "status", "priority", "due_at", "assignee"]
    list_filter = ["status", "priority", "team"]
    search_fields = ["reference"]
    list_select_related = ["service", "team", "assignee"]
    raw_id_fields = ["customer", "assignee", "division", "duplicate_of"]
    inlines = [CaseEventInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
