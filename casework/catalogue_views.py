"""The administrator's service catalogue pages (/staff/catalogue/): routing team, SLA, QA rate, taking cases.

Thin: CATALOGUE_EDIT is checked by the decorator and again by
catalogue.service_settings_update, which validates, writes and audits.
Application services (permits, badges, passes) link on to their own fees page.
"""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from oxtom.accounts.decorators import permission_required
from oxtom.accounts.models import Team
from oxtom.accounts.permissions import Permission

from oxtom.cases.catalogue import WAIT_CHOICES, service_settings_update
from oxtom.cases.models import MAX_SLA_WORKING_DAYS, CalendarChoice, Priority, Service
from oxtom.core.forms import errors_onto_form

catalogue_required = permission_required(Permission.CATALOGUE_EDIT)


def _days_field(label: str) -> forms.IntegerField:
    words = label.lower()
    return forms.IntegerField(
        label=f"{label} priority", min_value=1, max_value=MAX_SLA_WORKING_DAYS,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3",
                                      "spellcheck": "false"}),
        error_messages={"required": f"Enter the working days for {words} priority cases",
                        "invalid": f"Enter the working days for {words} priority cases as a whole number, like 5",
                        "min_value": f"The working days for {words} priority cases must be 1 or more",
                        "max_value": f"The working days for {words} priority cases must be "
                                     f"{MAX_SLA_WORKING_DAYS} or fewer"},
    )


class ServiceSettingsForm(forms.Form):
    team = forms.ModelChoiceField(label="Team that works its cases", queryset=Team.objects.order_by("name"),
                                  empty_label=None,
                                  error_messages={"required": "Choose the team that works this service's cases",
                                                  "invalid_choice": "Choose a team from the list"})
    sla_1 = _days_field("Urgent")
    sla_2 = _days_field("High")
    sla_3 = _days_field("Normal")
    sla_4 = _days_field("Low")
    qa_percent = forms.DecimalField(
        label="Closed cases checked for quality (%)", min_value=Decimal("0"), max_value=Decimal("100"),
        decimal_places=1, max_digits=4,
        help_text="The share of closed cases a team leader is asked to check, from 0 to 100",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-4",
                                      "spellcheck": "false"}),
        error_messages={"required": "Enter the share of closed cases to check, from 0 to 100",
                        "invalid": "Enter the share of closed cases to check as a number, like 5",
                        "min_value": "The share of closed cases to check must be 0 or more",
                        "max_value": "The share of closed cases to check must be 100 or less",
                        "max_decimal_places": "Enter the share of closed cases to check to one decimal place",
                        "max_digits": "The share of closed cases to check must be 100 or less"},
    )
    is_active = forms.BooleanField(label="Taking new cases", required=False,
                                   help_text="Untick to stop new cases of this service (open ones carry on)")
    # The clock policy (oxtom/cases/clock.py).
    calendar = forms.ChoiceField(label="Bank holidays left out of working days", choices=CalendarChoice.choices,
                                 widget=forms.RadioSelect,
                                 help_text="Freedom of information counts a bank holiday in any UK nation",
                                 error_messages={"required": "Choose which bank holidays to leave out",
                                                 "invalid_choice": "Choose which bank holidays to leave out"})
    customer_wait = forms.ChoiceField(label="While we wait for the customer", choices=list(WAIT_CHOICES.items()),
                                      widget=forms.RadioSelect,
                                      help_text="FOI clarification restarts the clock from the day they answer",
                                      error_messages={"required": "Choose what waiting for the customer does",
                                                      "invalid_choice": "Choose what waiting for the customer does"})
    max_extensions = forms.IntegerField(
        label="Extensions an officer may give a case", min_value=0, max_value=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-2", "spellcheck": "false"}),
        error_messages={"required": "Enter how many extensions are allowed, from 0 to 5",
                        "invalid": "Enter how many extensions are allowed as a whole number",
                        "min_value": "Extensions allowed must be 0 or more",
                        "max_value": "Extensions allowed must be 5 or fewer"})
    max_extension_working_days = _days_field("Most working days one extension may add")
    different_decider = forms.BooleanField(
        label="A follow-on case is decided by someone else", required=False,
        help_text="An officer who decided or worked the case it follows may not decide it (reviews, stage 2)")

    CLOCK_FIELDS = ("calendar", "customer_wait", "max_extensions", "max_extension_working_days", "different_decider")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A submission without the clock fields (an older page) leaves the clock policy as it is.
        for name in self.CLOCK_FIELDS:
            self.fields[name].required = False

    def clock_policy(self) -> dict | None:
        values = {k: self.cleaned_data.get(k) for k in self.CLOCK_FIELDS}
        if not self.data.get("calendar") and not self.data.get("customer_wait"):
            return None
        return values

    @classmethod
    def initial_for(cls, service: Service) -> dict:
        wait = ("restart" if service.clock_restarts_for_customer else
                "pause" if service.clock_pauses_for_customer else "run")
        return {"team": service.team_id, "qa_percent": service.qa_percent,
                "is_active": service.is_active, "calendar": service.calendar, "customer_wait": wait,
                "max_extensions": service.max_extensions,
                "max_extension_working_days": service.max_extension_working_days,
                "different_decider": service.different_decider,
                **{f"sla_{p}": service.sla_days(p) for p in Priority.values}}

    def sla(self) -> dict[str, int]:
        return {str(p): self.cleaned_data[f"sla_{p}"] for p in Priority.values}


# The service's error keys -> the field on the page that shows them.
_ERROR_FIELDS = {"team": "team", "qa_sample_rate": "qa_percent", "sla_working_days": "sla_1",
                 "calendar": "calendar", "customer_wait": "customer_wait", "max_extensions": "max_extensions",
                 "max_extension_working_days": "max_extension_working_days"}


@catalogue_required
@require_http_methods(["GET"])
def catalogue_list(request: HttpRequest) -> HttpResponse:
    services = list(Service.objects.select_related("team", "application_service").order_by("kind", "name"))
    return render(request, "casework/catalogue/list.html", {"services": services})


@catalogue_required
@require_http_methods(["GET", "POST"])
def catalogue_service(request: HttpRequest, code: str) -> HttpResponse:
    service = Service.objects.select_related("team").filter(code=code).first() if len(code) <= 40 else None
    if service is None:
        raise Http404("No such service")
    if request.method == "GET":
        form = ServiceSettingsForm(initial=ServiceSettingsForm.initial_for(service))
    else:
        form = ServiceSettingsForm(request.POST)
        if form.is_valid():
            try:
                service_settings_update(service=service, team=form.cleaned_data["team"], sla_working_days=form.sla(),
                                        qa_sample_rate=form.cleaned_data["qa_percent"] / 100,
                                        is_active=form.cleaned_data["is_active"], by=request.user,
                                        clock_policy=form.clock_policy())
            except ValidationError as exc:
                errors_onto_form(form, exc, fields=_ERROR_FIELDS)
            else:
                messages.success(request, f"Settings for {service.name} saved")
                return redirect("casework:catalogue")
    return render(request, "casework/catalogue/service.html", {
        "service": service, "form": form,
        "sla_fields": [form[f"sla_{p}"] for p in Priority.values],
    }, status=400 if form.is_bound and form.errors else 200)
