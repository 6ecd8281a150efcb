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


# --- stages with their own targets (oxtom/cases/clock.py) -----------------------------------------------

from oxtom.cases.catalogue import MAX_STAGE_NAME, MAX_STAGES  # noqa: E402
from oxtom.cases.catalogue import service_stage_add, service_stage_remove, service_stage_update  # noqa: E402
from oxtom.cases.models import ServiceStage  # noqa: E402


class StageForm(forms.Form):
    name = forms.CharField(
        label="Name of the stage", max_length=MAX_STAGE_NAME, strip=True,
        help_text="What officers and the customer see, like Acknowledge, Stage 1 or Internal review",
        widget=forms.TextInput(attrs={"spellcheck": "true", "autocomplete": "off"}),
        error_messages={"required": "Enter the stage's name",
                        "max_length": f"The stage's name must be {MAX_STAGE_NAME} characters or fewer"})
    working_days = forms.IntegerField(
        label="Target in working days", min_value=1, max_value=MAX_SLA_WORKING_DAYS,
        help_text="Counted from the day a case reaches the stage, leaving out weekends and the service's bank holidays",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3", "spellcheck": "false"}),
        error_messages={"required": "Enter the stage's target in working days",
                        "invalid": "Enter the stage's target as a whole number of working days, like 10",
                        "min_value": "The stage's target must be 1 working day or more",
                        "max_value": f"The stage's target must be {MAX_SLA_WORKING_DAYS} working days or fewer"})
    position = forms.IntegerField(
        label="Place in the order", required=False, min_value=1,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-2", "spellcheck": "false"}),
        error_messages={"invalid": "Enter the stage's place as a whole number, like 2",
                        "min_value": "The stage's place must be 1 or more"})

    def __init__(self, *args, places: int, adding: bool, **kwargs) -> None:
        """`places`: how many places there are (the stages, plus one when adding)."""
        from django.core.validators import MaxValueValidator

        super().__init__(*args, **kwargs)
        field = self.fields["position"]
        field.validators.append(MaxValueValidator(places))
        field.error_messages["max_value"] = f"The stage's place must be {places} or less"
        if adding:
            field.label = "Place in the order (optional)"
            field.help_text = f"1 puts it first; leave it empty to add it last (place {places})"
        else:
            field.required = True
            field.error_messages["required"] = "Enter the stage's place in the order"
            field.help_text = f"From 1 (first) to {places} (last)"


def _catalogue_service_or_404(code: str) -> Service:
    service = Service.objects.select_related("team").filter(code=code).first() if len(code) <= 40 else None
    if service is None:
        raise Http404("No such service")
    return service


def _stage_or_404(service: Service, stage_id: str) -> ServiceStage:
    stage = ServiceStage.objects.filter(service=service, pk=int(stage_id)).first() if stage_id.isdigit() and \
        len(stage_id) <= 12 else None
    if stage is None:
        raise Http404("No such stage")
    return stage


@catalogue_required
@require_http_methods(["GET"])
def catalogue_stages(request: HttpRequest, code: str) -> HttpResponse:
    """A service's clock policy at a glance and its stages, each with its own target."""
    service = _catalogue_service_or_404(code)
    from oxtom.cases.clock import policy_for

    policy = policy_for(service)
    stages = list(service.stages.order_by("position", "id"))
    return render(request, "casework/catalogue/stages.html", {
        "service": service, "stages": stages, "policy": policy, "wait_label": WAIT_CHOICES[policy.on_customer_wait],
        "can_add": len(stages) < MAX_STAGES, "max_stages": MAX_STAGES,
    })


def _stage_page(request: HttpRequest, service: Service, form: StageForm, stage: ServiceStage | None) -> HttpResponse:
    return render(request, "casework/catalogue/stage_form.html", {"service": service, "form": form, "stage": stage},
                  status=400 if form.is_bound and form.errors else 200)


@catalogue_required
@require_http_methods(["GET", "POST"])
def catalogue_stage_add(request: HttpRequest, code: str) -> HttpResponse:
    service = _catalogue_service_or_404(code)
    places = service.stages.count() + 1
    form = StageForm(request.POST if request.method == "POST" else None, places=places, adding=True)
    if request.method == "POST" and form.is_valid():
        try:
            stage = service_stage_add(service=service, name=form.cleaned_data["name"],
                                      working_days=form.cleaned_data["working_days"],
                                      position=form.cleaned_data["position"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Stage {stage.name} added")
            return redirect("casework:catalogue_stages", code=service.code)
    return _stage_page(request, service, form, None)


@catalogue_required
@require_http_methods(["GET", "POST"])
def catalogue_stage_change(request: HttpRequest, code: str, stage_id: str) -> HttpResponse:
    service = _catalogue_service_or_404(code)
    stage = _stage_or_404(service, stage_id)
    places = service.stages.count()
    if request.method == "POST":
        form = StageForm(request.POST, places=places, adding=False)
        if form.is_valid():
            try:
                stage = service_stage_update(stage=stage, name=form.cleaned_data["name"],
                                             working_days=form.cleaned_data["working_days"],
                                             position=form.cleaned_data["position"], by=request.user)
            except ValidationError as exc:
                errors_onto_form(form, exc)
            else:
                messages.success(request, f"Stage {stage.name} saved")
                return redirect("casework:catalogue_stages", code=service.code)
    else:
        form = StageForm(initial={"name": stage.name, "working_days": stage.working_days, "position": stage.position},
                         places=places, adding=False)
    return _stage_page(request, service, form, stage)


class _NoFields(forms.Form):
    """The remove page's form: nothing to fill in, but errors from the service show in the summary."""


@catalogue_required
@require_http_methods(["GET", "POST"])
def catalogue_stage_remove(request: HttpRequest, code: str, stage_id: str) -> HttpResponse:
    service = _catalogue_service_or_404(code)
    stage = _stage_or_404(service, stage_id)
    form = _NoFields(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            service_stage_remove(stage=stage, by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Stage {stage.name} removed")
            return redirect("casework:catalogue_stages", code=service.code)
    return render(request, "casework/catalogue/stage_remove.html", {"service": service, "stage": stage, "form": form},
                  status=400 if form.is_bound and form.errors else 200)
