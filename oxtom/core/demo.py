"""The demo seeding registry: each app adds the demo data it owns, in its AppConfig.ready().

`manage.py seed_demo` makes the kernel's part (places, teams, the demo sign-ins,
councillors, residents) and then runs every registered step in `order`, so the
kernel never imports a capability to seed it:

    from oxtom.core.demo import register_demo_step

    register_demo_step("applications and entitlements", order=20, run=seed_demo_applications)

A step takes a DemoContext and returns how many things it made (0 when its data is
already there: seeding runs on every `make run`, so each step must be idempotent and quick).
A step whose data the nightly measures count says so with `activity=True`; a later step
(the first figures) reads `context.new_activity` to know whether there is anything new to count.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable

DEMO_DOMAIN = "demo.oxtom.example"
DEMO_RESIDENT_DOMAIN = "example.net"  # marks the generated demo residents (seed_demo's _seed_residents)


@dataclass
class DemoContext:
    """What a step may use: the command's options and the demo people the kernel made."""

    options: dict[str, Any]
    # The division ids a tester opens first (the demo councillor's and resident's), asked only when used.
    showcase: Callable[[], list[int]] = list
    new_activity: bool = False

    @cached_property
    def showcase_divisions(self) -> list[int]:
        return self.showcase()

    def user(self, local_part: str):
        """The demo sign-in `local_part@demo.oxtom.example`, or None if it does not exist."""
        return self.users(local_part).get(local_part)

    def users(self, *local_parts: str) -> dict:
        """Demo sign-ins by local part, in one query (those that do not exist are left out)."""
        from oxtom.accounts.models import User

        wanted = {f"{part}@{DEMO_DOMAIN}": part for part in local_parts}
        return {wanted[user.email]: user for user in User.objects.filter(email__in=wanted)}


@dataclass(frozen=True)
class DemoStep:
    label: str  # what it made, as seed_demo prints it: "3 councillors' enquiries"
    order: int
    run: Callable[[DemoContext], int]
    activity: bool = False


_STEPS: dict[str, DemoStep] = {}


def register_demo_step(label: str, *, order: int, run: Callable[[DemoContext], int], activity: bool = False) -> None:
    """Add (or replace, by label) one step of demo seeding."""
    _STEPS[label] = DemoStep(label=label, order=order, run=run, activity=activity)


def demo_steps() -> list[DemoStep]:
    return sorted(_STEPS.values(), key=lambda step: (step.order, step.label))


def run_demo_steps(context: DemoContext) -> dict[str, int]:
    """Run every registered step in order; returns what each made."""
    made: dict[str, int] = {}
    for step in demo_steps():
        made[step.label] = step.run(context)
        if step.activity and made[step.label]:
            context.new_activity = True
    return made


# What `manage.py demo_signins` prints after the sign-ins and teams: each app's own demo
# credentials (the API's partner keys), as lines of text given the site's base URL.
_LISTINGS: dict[str, Callable[[str], list[str]]] = {}


def register_demo_listing(name: str, lines: Callable[[str], list[str]]) -> None:
    _LISTINGS[name] = lines


def demo_listings(base: str) -> list[str]:
    return [line for name in sorted(_LISTINGS) for line in _LISTINGS[name](base)]
