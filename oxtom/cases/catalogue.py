"""The service catalogue as an administrator edits it from the staff pages (CATALOGUE_EDIT).

One write, `service_settings_update`: the team that works a service's cases,
its working-day SLA per priority, the share of closed cases sampled for a
quality check, and whether it takes new cases. Checked, validated by the
model's own rules (validate_sla, the QA rate's bounds) and audited with what
changed. Cases already open keep the due date they were given: a new SLA
applies to cases received from now on.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from oxtom.accounts.models import Team
from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record

from .models import Service, validate_sla


def can_edit_catalogue(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_permission(Permission.CATALOGUE_EDIT)


@transaction.atomic
def service_settings_update(*, service: Service, team: Team, sla_working_days: dict[str, int],
                            qa_sample_rate: Decimal, is_active: bool, by: Any,
                            clock_policy: dict[str, Any] | None = None) -> Service:
    """Change a service's routing team, SLA table, QA sample rate and whether it is taking cases.

    Submitting the same values again changes and records nothing.
    """
    if not can_edit_catalogue(by):
        raise PermissionDenied("Only an administrator can change the service catalogue")
    service = Service.objects.select_for_update().get(pk=service.pk)
    errors: dict[str, str] = {}
    try:
        validate_sla(sla_working_days)
    except ValidationError as exc:
        errors["sla_working_days"] = exc.messages[0]
    try:
        rate = Decimal(qa_sample_rate)
    except (InvalidOperation, TypeError, ValueError):
        rate = None
    if rate is None or not Decimal("0") <= rate <= Decimal("1"):
        errors["qa_sample_rate"] = "The share of cases checked must be from 0% to 100%"
    if team is None or not Team.objects.filter(pk=getattr(team, "pk", None)).exists():
        errors["team"] = "Choose the team that works this service's cases"
    policy = _clock_policy(clock_policy, errors) if clock_policy is not None else {}
    if errors:
        raise ValidationError(errors)
    new = {"team_id": team.pk, "sla_working_days": {str(k): int(v) for k, v in sla_working_days.items()},
           "qa_sample_rate": rate.quantize(Decimal("0.001")), "is_active": bool(is_active), **policy}
    before = {name: getattr(service, name) for name in new}
    changed = [name for name in new if before[name] != new[name]]
    if not changed:
        return service
    for name in changed:
        setattr(service, name, new[name])
    service.modified_by = by
    service.save(update_fields=[*("team" if n == "team_id" else n for n in changed), "modified_at", "modified_by"])
    audit_record(by=by, action="update", target=service, summary=f"Catalogue settings changed for {service.name}",
                 changed={name: {"from": _plain(before[name]), "to": _plain(new[name])} for name in changed})
    return service


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


WAIT_CHOICES = {"pause": "Pause the clock", "restart": "Restart the clock when they answer", "run": "Keep the clock running"}


def _clock_policy(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The clock policy's fields from the page's values (oxtom/cases/clock.py), or errors by field."""
    from .models import MAX_SLA_WORKING_DAYS, CalendarChoice

    calendar = values.get("calendar")
    if calendar not in CalendarChoice.values:
        errors["calendar"] = "Choose which bank holidays to leave out"
    wait = values.get("customer_wait")
    if wait not in WAIT_CHOICES:
        errors["customer_wait"] = "Choose what waiting for the customer does to the clock"
    extensions, days = values.get("max_extensions"), values.get("max_extension_working_days")
    if not isinstance(extensions, int) or isinstance(extensions, bool) or not 0 <= extensions <= 5:
        errors["max_extensions"] = "Extensions allowed must be a whole number from 0 to 5"
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_SLA_WORKING_DAYS:
        errors["max_extension_working_days"] = f"An extension must be from 1 to {MAX_SLA_WORKING_DAYS} working days"
    return {"calendar": calendar, "clock_pauses_for_customer": wait != "run",
            "clock_restarts_for_customer": wait == "restart", "max_extensions": extensions,
            "max_extension_working_days": days, "different_decider": bool(values.get("different_decider"))}


# --- stages with their own targets (the clock policy's ServiceStage rows) ------------------------------

MAX_STAGES = 10
MAX_STAGE_NAME = 80


def _stage_name(name: Any, errors: dict[str, str]) -> str:
    text = " ".join(str(name or "").split())  # one line: runs of spaces, tabs and line breaks become one space
    if not text:
        errors["name"] = "Enter the stage's name"
    elif len(text) > MAX_STAGE_NAME:
        errors["name"] = f"The stage's name must be {MAX_STAGE_NAME} characters or fewer"
    elif any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in text):
        errors["name"] = "The stage's name must not contain control characters"
    return text


def _stage_days(working_days: Any, errors: dict[str, str]) -> int:
    from .models import MAX_SLA_WORKING_DAYS

    if not isinstance(working_days, int) or isinstance(working_days, bool) or not 1 <= working_days <= MAX_SLA_WORKING_DAYS:
        errors["working_days"] = f"The stage's target must be a whole number of working days from 1 to {MAX_SLA_WORKING_DAYS}"
        return 0
    return working_days


def _place(stages: list, stage: Any, position: Any, errors: dict[str, str]) -> list:
    """`stages` (in order, without `stage`) with `stage` at `position` (1 = first; None = last)."""
    if position is None:
        position = len(stages) + 1
    if not isinstance(position, int) or isinstance(position, bool) or not 1 <= position <= len(stages) + 1:
        errors["position"] = f"The stage's place must be a whole number from 1 to {len(stages) + 1}"
        return stages + [stage]
    return stages[:position - 1] + [stage] + stages[position - 1:]


def _renumber(ordered: list) -> None:
    """Save each stage at its place 1, 2, 3…, in two steps so the (service, position) rule never clashes."""
    from .models import ServiceStage

    pks = [s.pk for s in ordered if s.pk is not None]
    if pks:
        from django.db.models import F

        ServiceStage.objects.filter(pk__in=pks).update(position=F("position") + 1000)
    for number, stage in enumerate(ordered, start=1):
        stage.position = number
        stage.save()


def _stages_locked(service: Service, by: Any) -> tuple[Service, list]:
    if not can_edit_catalogue(by):
        raise PermissionDenied("Only an administrator can change the service catalogue")
    # The service row is the lock: two administrators editing its stages at once take turns.
    service = Service.objects.select_for_update().get(pk=service.pk)
    return service, list(service.stages.order_by("position", "id"))


def _duplicate(stages: list, name: str, errors: dict[str, str], *, other_than: Any = None) -> None:
    if name and any(s.name.casefold() == name.casefold() for s in stages if s.pk != getattr(other_than, "pk", None)):
        errors["name"] = f"{name} is already a stage of this service: give each stage its own name"


@transaction.atomic
def service_stage_add(*, service: Service, name: str, working_days: int, position: int | None = None,
                      by: Any) -> Any:
    """Add a stage with its own target (`position` 1 puts it first; None, last). Cases already open stay
    at the stage they are at, with their due dates."""
    from .models import ServiceStage

    service, stages = _stages_locked(service, by)
    errors: dict[str, str] = {}
    if len(stages) >= MAX_STAGES:
        raise ValidationError(f"A service can have at most {MAX_STAGES} stages: remove one first")
    name, days = _stage_name(name, errors), _stage_days(working_days, errors)
    _duplicate(stages, name, errors)
    stage = ServiceStage(service=service, name=name, working_days=days)
    ordered = _place(stages, stage, position, errors)
    if errors:
        raise ValidationError(errors)
    _renumber(ordered)
    audit_record(by=by, action="update", target=service, summary=f"Stage {name} added to {service.name}",
                 stage={"name": name, "working_days": days, "position": stage.position})
    return stage


@transaction.atomic
def service_stage_update(*, stage: Any, name: str, working_days: int, position: int, by: Any) -> Any:
    """Rename a stage, change its target or its place. A new target applies from a case's next move to
    the stage (cases at it keep their due dates). The same values again change and record nothing."""
    service, stages = _stages_locked(stage.service, by)
    stage = next((s for s in stages if s.pk == stage.pk), None)
    if stage is None:
        raise ValidationError("That stage has been removed")
    errors: dict[str, str] = {}
    name, days = _stage_name(name, errors), _stage_days(working_days, errors)
    _duplicate(stages, name, errors, other_than=stage)
    others = [s for s in stages if s.pk != stage.pk]
    ordered = _place(others, stage, position, errors)
    if errors:
        raise ValidationError(errors)
    before = {"name": stage.name, "working_days": stage.working_days, "position": stage.position}
    after = {"name": name, "working_days": days, "position": ordered.index(stage) + 1}
    changed = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
    if not changed:
        return stage
    stage.name, stage.working_days = name, days
    _renumber(ordered)
    audit_record(by=by, action="update", target=service, summary=f"Stage {name} of {service.name} changed",
                 stage=stage.pk, changed=changed)
    return stage


@transaction.atomic
def service_stage_remove(*, stage: Any, by: Any) -> None:
    """Remove a stage no case has been at (a case keeps the stage it was at, so a used stage stays:
    rename it or change its target instead)."""
    from .models import Case

    service, stages = _stages_locked(stage.service, by)
    stage = next((s for s in stages if s.pk == stage.pk), None)
    if stage is None:
        return  # already gone: a second click changes nothing
    used = Case.objects.filter(stage=stage).count()
    if used:
        raise ValidationError(f"{used:,} case{'s have' if used != 1 else ' has'} been at {stage.name}, so it "
                              "cannot be removed: rename it or change its target instead")
    name, remaining = stage.name, [s for s in stages if s.pk != stage.pk]
    stage.delete()
    _renumber(remaining)
    audit_record(by=by, action="update", target=service, summary=f"Stage {name} removed from {service.name}",
                 stage={"name": name})
