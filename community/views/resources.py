"""Book it: a service's officers and rooms, their working weeks and absences, kept by the team's leader (or the
administrator who configures services) outside the Django admin. Another team's service is 404."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from oxtom.accounts.decorators import staff_area_required
from oxtom.core.audit import audit_record_many
from oxtom.core.forms import errors_onto_form, posted

from ..forms import AbsenceForm, ResourceAddForm, ResourceHoursForm, ResourceRenameForm, errors_where_form_is_silent
from ..models import AppointmentResource, ResourceAbsence
from ..selectors import (appointment_service_managed_by, appointment_services_managed_by,
                         can_manage_appointment_resources, resource_of_service)
from ..services.resource_setup import (absence_add, absence_check, absence_remove, resource_add, resource_hours_set,
                                       resource_rename, resource_set_active, team_members_to_add)
from ..resource_rules import PAST_DAYS
from ..services.resources import absence_bookings


def _coming_absences():
    return Prefetch("absences", queryset=ResourceAbsence.objects.filter(ends_at__gt=timezone.now()),
                    to_attr="coming_absences")


@require_GET
@staff_area_required
def services(request: HttpRequest) -> HttpResponse:
    """The appointment services whose officers and rooms this person keeps."""
    if not can_manage_appointment_resources(request.user):
        raise Http404
    rows = list(appointment_services_managed_by(request.user).select_related("team").annotate(
        n_resources=Count("resources", filter=Q(resources__is_active=True))).order_by("name", "id"))
    return render(request, "community/resources/services.html", {"services": rows})


@require_GET
@staff_area_required
def resources(request: HttpRequest, service: int) -> HttpResponse:
    service = appointment_service_managed_by(request.user, service)
    rows = list(AppointmentResource.objects.filter(service=service).select_related("user")
                .prefetch_related("hours", _coming_absences()).order_by("-is_active", "name", "id"))
    return render(request, "community/resources/resources.html", {"service": service, "resources": rows})


@require_http_methods(["GET", "POST"])
@staff_area_required
def resource_new(request: HttpRequest, service: int) -> HttpResponse:
    service = appointment_service_managed_by(request.user, service)
    members = team_members_to_add(service)
    form = ResourceAddForm(posted(request), members=members)
    if request.method == "POST":
        form.is_valid()
        try:
            resource = resource_add(service=service, kind=request.POST.get("kind", "")[:20], by=request.user,
                                    name=request.POST.get("name", ""), user_id=request.POST.get("user", "")[:20])
        except ValidationError as exc:
            errors_where_form_is_silent(form, exc)
            if not form.errors:
                errors_onto_form(form, exc, first_only=True)
        else:
            messages.success(request, f"{resource.name} is added. Set their working week so times are offered.")
            return redirect("community_staff:resource_hours", service=service.pk, pk=resource.pk)
    return render(request, "community/resources/resource_new.html", {"service": service, "form": form,
                                                                     "members": members})


@require_http_methods(["GET", "POST"])
@staff_area_required
def resource_detail(request: HttpRequest, service: int, pk: int) -> HttpResponse:
    """One officer or room: rename, retire or bring back, its week and its coming absences."""
    service = appointment_service_managed_by(request.user, service)
    resource = resource_of_service(service, pk)
    form = ResourceRenameForm(posted(request) if request.POST.get("action") == "rename" else None,
                              initial={"name": resource.name})
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("retire", "bring-back"):
            resource_set_active(resource=resource, active=action == "bring-back", by=request.user)
            messages.success(request, f"{resource.name} is " + (
                "taking bookings again." if resource.is_active
                else "retired: no new bookings. Any booked appointments are listed on the day page to move."))
            return redirect("community_staff:resource", service=service.pk, pk=resource.pk)
        if action == "rename":
            try:
                resource_rename(resource=resource, name=request.POST.get("name", ""), by=request.user)
            except ValidationError as exc:
                errors_onto_form(form, exc, first_only=True)
            else:
                messages.success(request, f"The name is now {resource.name}.")
                return redirect("community_staff:resource", service=service.pk, pk=resource.pk)
        else:
            raise Http404
    hours = list(resource.hours.all())
    absences = list(resource.absences.filter(ends_at__gt=timezone.now() - dt.timedelta(days=PAST_DAYS))
                    .order_by("starts_at", "id")[:100])
    return render(request, "community/resources/resource.html", {
        "service": service, "resource": resource, "form": form, "hours": hours, "absences": absences,
        "past_days": PAST_DAYS})


@require_http_methods(["GET", "POST"])
@staff_area_required
def resource_hours(request: HttpRequest, service: int, pk: int) -> HttpResponse:
    service = appointment_service_managed_by(request.user, service)
    resource = resource_of_service(service, pk)
    initial = {}
    counts: dict[int, int] = {}
    for h in resource.hours.all():
        n = counts.get(h.weekday, 0)
        counts[h.weekday] = n + 1
        if n < 2:
            initial[f"d{h.weekday}s{n}_start"], initial[f"d{h.weekday}s{n}_end"] = (f"{h.starts_at:%H:%M}",
                                                                                     f"{h.ends_at:%H:%M}")
    form = ResourceHoursForm(posted(request), initial=initial)
    if request.method == "POST":
        form.is_valid()
        try:
            resource_hours_set(resource=resource, spans=form.spans(), by=request.user)
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error(f"{key}_start" if f"{key}_start" in form.fields else None, errors[0])
        else:
            messages.success(request, f"{resource.name}'s working week is saved.")
            return redirect("community_staff:resource", service=service.pk, pk=resource.pk)
    return render(request, "community/resources/hours.html", {"service": service, "resource": resource,
                                                              "form": form})


def _audit_listed(request, appointments, what: str) -> None:
    customers = {a.customer_id for a in appointments}
    if customers:
        audit_record_many([{"action": "view", "target_type": "customers.customer", "target_id": c, "summary": what}
                           for c in customers], by=request.user)


@require_http_methods(["GET", "POST"])
@staff_area_required
def absence_new(request: HttpRequest, service: int, pk: int) -> HttpResponse:
    """Add an absence. When it falls over booked appointments, the page first says how many (nothing is saved),
    and saving it anyway leads to the list of them to move."""
    service = appointment_service_managed_by(request.user, service)
    resource = resource_of_service(service, pk)
    form = AbsenceForm(posted(request))
    clashes = to_move = affected = None
    if request.method == "POST":
        form.is_valid()
        starts_at, ends_at = form.span()
        part = form.cleaned_data.get("length") == "part"
        fields = {"ends_on": "to_time" if part and not form.cleaned_data.get("ends_on") else "ends_on",
                  "starts_on": "starts_on", "reason": "reason"}
        try:
            checked = absence_check(resource=resource, starts_at=starts_at, ends_at=ends_at,
                                    reason=request.POST.get("reason", "")[:20])
        except ValidationError as exc:
            if not form.errors:  # the form's own errors already say what is missing or unreadable
                errors_where_form_is_silent(form, exc, fields=fields)
        else:
            to_move, affected = absence_bookings(checked)
            clashes = to_move + affected
            confirmed = request.POST.get("confirm", "") == str(len(clashes))
            if not clashes or confirmed:
                try:
                    absence = absence_add(resource=resource, starts_at=starts_at, ends_at=ends_at,
                                          reason=checked.reason, by=request.user)
                except ValidationError as exc:
                    errors_onto_form(form, exc, fields=fields, first_only=True)
                else:
                    messages.success(request, f"The absence is saved. {len(to_move) or 'No'} booked "
                                              f"appointment{'' if len(to_move) == 1 else 's'} to move"
                                              + (f", {len(affected)} already past in it." if affected else "."))
                    return redirect("community_staff:absence", service=service.pk, pk=resource.pk,
                                    absence=absence.pk)
            _audit_listed(request, clashes, f"Counted in a new absence of {resource.name}")
    return render(request, "community/resources/absence_new.html", {
        "service": service, "resource": resource, "form": form, "clashes": clashes,
        "to_move": to_move if clashes else [], "affected": affected if clashes else [], "past_days": PAST_DAYS})


@require_http_methods(["GET", "POST"])
@staff_area_required
def absence_detail(request: HttpRequest, service: int, pk: int, absence: int) -> HttpResponse:
    """An absence and the booked appointments inside it, each with its Move link; or remove it."""
    service = appointment_service_managed_by(request.user, service)
    resource = resource_of_service(service, pk)
    found = ResourceAbsence.objects.filter(pk=absence, resource=resource).first()
    if found is None:
        raise Http404
    if request.method == "POST":
        if request.POST.get("action") != "remove":
            raise Http404
        absence_remove(absence=found, by=request.user)
        messages.success(request, "The absence is removed: its times can be booked again.")
        return redirect("community_staff:resource", service=service.pk, pk=resource.pk)
    to_move, affected = absence_bookings(found)
    _audit_listed(request, to_move + affected, f"Listed in an absence of {resource.name}")
    return render(request, "community/resources/absence.html", {
        "service": service, "resource": resource, "absence": found, "clashes": to_move, "affected": affected})
