"""What recruitment tells other apps: an offer accepted, an appointment confirmed.

Onboarding (people.onboarding, app label "onboarding") registers itself in its AppConfig.ready(),
so recruitment never imports it:

    from people.registry import on_offer_accepted, on_appointment_confirmed

    on_offer_accepted(open_onboarding_case)          # the candidate accepted the provisional offer online
    on_appointment_confirmed(set_start_date)          # the manager confirmed it after the checks, start date agreed

Each callback takes one `Starter` (below) and runs inside the recruitment service's transaction:
its writes commit or roll back with the acceptance, and an exception it raises refuses the
acceptance (so an onboarding case can never be missing for an accepted offer). A callback must be
idempotent on `offer_id` (a retried request may call it again) and quick; slow work goes to the outbox
or a task.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable

Callback = Callable[["Starter"], None]


@dataclass(frozen=True)
class Starter:
    """The new starter, as recruitment knows them when an offer is accepted or an appointment confirmed."""

    offer_id: int
    vacancy_id: int
    vacancy_reference: str
    role_profile_id: int  # people.RoleProfile: staff_roles, teams, dbs_level for day-one access
    name: str
    email: str
    phone: str
    manager_id: int  # accounts.User: the hiring manager
    coordinator_id: int | None  # accounts.User: the recruitment co-ordinator working the vacancy
    start_date: datetime.date | None  # agreed at confirmation; None when only accepted
    confirmed: bool  # True once the manager confirmed the appointment (every required check has an outcome)


_accepted: list[Callback] = []
_confirmed: list[Callback] = []


def on_offer_accepted(callback: Callback) -> Callback:
    """Call `callback(starter)` when a candidate accepts a provisional offer. Usable as a decorator."""
    if callback not in _accepted:
        _accepted.append(callback)
    return callback


def on_appointment_confirmed(callback: Callback) -> Callback:
    """Call `callback(starter)` when the manager confirms an appointment with its start date."""
    if callback not in _confirmed:
        _confirmed.append(callback)
    return callback


def fire_offer_accepted(starter: Starter) -> None:
    for callback in list(_accepted):
        callback(starter)


def fire_appointment_confirmed(starter: Starter) -> None:
    for callback in list(_confirmed):
        callback(starter)
