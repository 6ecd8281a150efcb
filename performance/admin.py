"""Django admin for reference data only: figures, targets and commentary are written through services."""
from django.contrib import admin

from .models import (
    DEFINITION_FIELDS, Comparator, ComparatorGroup, CorporatePriority, Measure, MeasureVersion, Period,
)


@admin.register(CorporatePriority)
class CorporatePriorityAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


class ComparatorInline(admin.TabularInline):
    model = Comparator
    extra = 0


@admin.register(ComparatorGroup)
class ComparatorGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "as_of")
    inlines = [ComparatorInline]


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "unit", "polarity", "source", "tom_layer", "version", "is_public", "is_active")
    list_filter = ("source", "tom_layer", "is_public", "is_active")
    search_fields = ("code", "name")
    # Definitions change through the analysts' page (services.measure_update) so the version history is
    # kept: here they are read-only once a measure exists.
    readonly_fields = ("version",)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return self.readonly_fields + tuple(name.removesuffix("_id") for name in DEFINITION_FIELDS)


@admin.register(MeasureVersion)
class MeasureVersionAdmin(admin.ModelAdmin):
    list_display = ("measure", "version", "changed_at", "changed_by")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ("start", "status", "closed_at")
    readonly_fields = ("status", "closed_at", "closed_by")
