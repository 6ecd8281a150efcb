"""Django admin for Book it's configuration: appointment services, their officers and rooms, hours and absences.

Appointments themselves change only through community.services.appointments (audit, timeline, messages).
"""
from django.contrib import admin, messages

from .models import AppointmentResource, AppointmentService, ResourceAbsence, ResourceHours
from .services.appointments import when_words
from .services.resources import absence_clashes


class ResourceInline(admin.TabularInline):
    model = AppointmentResource
    extra = 0
    fields = ("name", "kind", "user", "is_active")
    raw_id_fields = ("user",)
    show_change_link = True


@admin.register(AppointmentService)
class AppointmentServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "slot_minutes", "opens_at", "closes_at", "desks", "days_ahead", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")
    inlines = [ResourceInline]

    def get_readonly_fields(self, request, obj=None):
        # Offers and links name the code: fixed once created.
        return ("code",) if obj is not None else ()


class HoursInline(admin.TabularInline):
    model = ResourceHours
    extra = 0


class AbsenceInline(admin.TabularInline):
    model = ResourceAbsence
    extra = 0


@admin.register(AppointmentResource)
class AppointmentResourceAdmin(admin.ModelAdmin):
    """An officer's or room's working week and absences. An absence over booked appointments is saved and the
    appointments are listed here and on the staff day page, to be moved: none is cancelled silently."""

    list_display = ("name", "service", "kind", "user", "is_active")
    list_filter = ("service", "kind", "is_active")
    search_fields = ("name",)
    list_select_related = ("service", "user")
    raw_id_fields = ("user",)
    inlines = [HoursInline, AbsenceInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is not ResourceAbsence:
            return
        clashes = {a.pk: a for absence in formset.new_objects + [o for o, _ in formset.changed_objects]
                   for a in absence_clashes(absence)}
        if clashes:
            listed = "; ".join(f"{a.reference} on {when_words(a.starts_at)}" for a in clashes.values())
            self.message_user(request, f"{len(clashes)} booked appointment{'s' if len(clashes) != 1 else ''} "
                                       f"fall in the absence and need moving (the staff day page lists them): "
                                       f"{listed}.", messages.WARNING)
