"""The staff area's navigation: the kernel's own items and the ones capabilities register.

The kernel imports no capability, so each capability adds its area to the
staff navigation from its AppConfig.ready(), as it adds its staff-home section.
An item shows when the user holds any one of its permissions (none: everyone in
the staff area), passes its `visible` rule if it has one, and its page exists.
`visible` is the area's own access rule (the one its views enforce, e.g. "holds
the FOI permission and works the FOI team's queue"), so a link is never shown to
someone its page would refuse. Items are ordered by `order`; one href
shows once however many permissions lead to it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from oxtom.accounts.permissions import Permission


@dataclass(frozen=True)
class StaffNavEntry:
    text: str
    href: str
    permissions: tuple[str, ...]
    order: int
    # The permission may come from a role held in one team only (TeamMembership.team_role),
    # as a business-admin officer holds the right to work that team's queue and no other.
    team_scoped: bool = False
    # The area's own rule, checked after the permissions (which cost no query): the same
    # function its views call, so the link and the page always agree.
    visible: Callable[[Any], bool] | None = None


_ENTRIES: dict[str, StaffNavEntry] = {}


def register_staff_nav_item(
    text: str, href: str, *, permissions: tuple[str, ...] = (), order: int, team_scoped: bool = False,
    visible: Callable[[Any], bool] | None = None,
) -> None:
    """Add (or replace: ready() may run more than once in tests) the item for `href`."""
    _ENTRIES[href] = StaffNavEntry(text, href, tuple(permissions), order, team_scoped, visible)


def staff_nav_entries() -> list[StaffNavEntry]:
    return sorted(_ENTRIES.values(), key=lambda entry: (entry.order, entry.href))


def entry_allowed(entry: StaffNavEntry, user) -> bool:
    if entry.permissions:
        check = user.has_team_permission if entry.team_scoped else user.has_permission
        if not any(check(permission) for permission in entry.permissions):
            return False
    return entry.visible is None or bool(entry.visible(user))


# The kernel's own areas. Capabilities use orders between 10 and 100.
register_staff_nav_item("Home", "/staff/", order=0)
register_staff_nav_item("Customers", "/staff/customers/", permissions=(Permission.CUSTOMER_VIEW,), order=10)
# Assisted digital lives in the kernel's customers app.
register_staff_nav_item("Assist", "/staff/assist/", permissions=(Permission.ASSIST_ACT_FOR,), order=40)
register_staff_nav_item("Failed messages", "/notify/failed/", permissions=(Permission.CUSTOMER_VIEW,), order=100)
register_staff_nav_item("Services", "/staff/catalogue/", permissions=(Permission.CATALOGUE_EDIT,), order=110)
register_staff_nav_item("Teams", "/staff/teams/", permissions=(Permission.USER_ADMIN,), order=120)
