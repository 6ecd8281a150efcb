"""Django admin for Book it's configuration: appointment services, their officers and rooms, hours and absences.

Appointments themselves change only through community.services.appointments (audit, timeline, messages).
"""
from django import forms
from django.contrib import admin, messages

from .models import AppointmentResource, AppointmentService, ResourceAbsence, ResourceHours
from .services.appointments import when_words
from .resource_rules import week_errors
from .services.resources import absence_bookings


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


class WeekFormSet(forms.BaseInlineFormSet):
    """The working week as a whole, by the rules the resource pages use (community/resource_rules.py): each row
    checks its own span in ResourceHours.clean(); here each day has at most two, not overlapping."""

    def clean(self):
        super().clean()
        rows, shown = [], set()
        for n, form in enumerate(self.forms):
            if form.instance.pk:
                shown.add(form.instance.pk)
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or form.errors:
                continue
            if data.get("weekday") is not None and data.get("starts_at") and data.get("ends_at"):
                rows.append((data["weekday"], data["starts_at"], data["ends_at"], str(n)))
        if self.instance.pk:  # rows already saved that this form does not show still make the week
            rows += [(h.weekday, h.starts_at, h.ends_at, "saved") for h in
                     ResourceHours.objects.filter(resource=self.instance).exclude(pk__in=shown)]
        problems = week_errors(rows)
        for key, messages in problems.items():
            for message in messages:
                if key == "saved":
                    raise forms.ValidationError(message)
                self.forms[int(key)].add_error("ends_at", message)
        if problems:
            raise forms.ValidationError("Correct the working week below")


class HoursInline(admin.TabularInline):
    model = ResourceHours
    formset = WeekFormSet
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
        clashes, affected = {}, {}
        for absence in formset.new_objects + [o for o, _ in formset.changed_objects]:
            to_move, past = absence_bookings(absence)
            clashes.update((a.pk, a) for a in to_move)
            affected.update((a.pk, a) for a in past)
        if clashes:
            listed = "; ".join(f"{a.reference} on {when_words(a.starts_at)}" for a in clashes.values())
            self.message_user(request, f"{len(clashes)} booked appointment{'s' if len(clashes) != 1 else ''} "
                                       f"fall in the absence and need moving (the staff day page lists them): "
                                       f"{listed}.", messages.WARNING)
        if affected:
            listed = "; ".join(f"{a.reference} on {when_words(a.starts_at)}" for a in affected.values())
            self.message_user(request, f"{len(affected)} appointment{'s' if len(affected) != 1 else ''} already "
                                       f"past fell in the absence (listed on its page as affected): {listed}.",
                              messages.WARNING)
