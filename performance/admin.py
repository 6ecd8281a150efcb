"""Django admin for reference data only: figures, targets and commentary are written through services."""
from django.contrib import admin

from .models import Comparator, ComparatorGroup, CorporatePriority, Measure, MeasureVersion, Period


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
    # Definitions change through services.measure_update so the version history is kept.
    readonly_fields = ("version",)


@admin.register(MeasureVersion)
class MeasureVersionAdmin(admin.ModelAdmin):
    list_display = ("measure", "version", "changed_at", "changed_by")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ("start", "status", "closed_at")
    readonly_fields = ("status", "closed_at", "closed_by")
