"""Writes for the business admin manager's set-up: whole menus (add, rename, order their items, retire,
bring back) and the directorates with the BAS team that serves each. Keyword-only, atomic, audited, `by=`.

Menu items themselves are edited by bas.services.menu_item_save. A request is routed when it is made
(bas.services.request_submit asks `directorate_for` then), so changing a directorate's team changes where
*new* requests go; open ones stay in the queue they are in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from oxtom.accounts.models import Team
from oxtom.cases.models import Status
from oxtom.core.audit import audit_record

from .models import BasRequest, Directorate, Menu, MenuItem
from .services import _require_manager

MAX_NAME = 120
MAX_MENU_DESCRIPTION = 300
# Markup, brackets, backslashes and control characters: never part of a menu's or a directorate's name.
_HOSTILE_NAME = re.compile(r"[<>{}\[\]\\\x00-\x1f\x7f]")
# In a description: markup and control characters other than line breaks and tabs.
_HOSTILE_TEXT = re.compile(r"[<>\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
STALE = ("Someone changed this while you were looking at it. Nothing has been saved: check the latest "
         "and try again.")


def _name(value: str | None, *, what: str) -> str:
    """A name on one line, spaces collapsed: required, at most MAX_NAME characters, no markup."""
    raw = value or ""
    if _HOSTILE_NAME.search(raw):
        raise ValidationError({"name": f"The {what}'s name can only use letters, numbers, spaces and "
                                       "punctuation such as - ' , . & ( ) :"})
    text = " ".join(raw.split())
    if not text:
        raise ValidationError({"name": f"Enter the {what}'s name"})
    if len(text) > MAX_NAME:
        raise ValidationError({"name": f"Must be {MAX_NAME} characters or fewer"})
    if not any(ch.isalnum() for ch in text):
        raise ValidationError({"name": "Enter a name with letters or numbers"})
    return text


def _description(value: str | None) -> str:
    text = (value or "").strip()
    if _HOSTILE_TEXT.search(text):
        raise ValidationError({"description": "The description cannot contain < or > or control characters"})
    if len(text) > MAX_MENU_DESCRIPTION:
        raise ValidationError({"description": f"Must be {MAX_MENU_DESCRIPTION} characters or fewer"})
    return text


def _free_slug(model: type, name: str, *, limit: int = 50) -> str:
    base = slugify(name)[:limit].strip("-")
    if not base:
        raise ValidationError({"name": "Enter a name with letters or numbers"})
    taken = set(model.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _stale(current: Any, expected_version: int | None) -> None:
    if expected_version is not None and current.version != expected_version:
        raise ValidationError(STALE, code="stale")


def open_requests_on_menu(menu: Menu) -> int:
    """Requests against the menu's items not yet handed over (they carry on if the menu is retired)."""
    return (BasRequest.objects.filter(item__menu=menu, delivered_at__isnull=True)
            .exclude(case__status=Status.CLOSED).count())


def open_requests_from(directorate: Directorate) -> int:
    """Requests from the directorate's colleagues not yet handed over (they stay with the team they went to)."""
    return (BasRequest.objects.filter(directorate=directorate, delivered_at__isnull=True)
            .exclude(case__status=Status.CLOSED).count())


# --- whole menus --------------------------------------------------------------------------------------------

def _menu_name_free(name: str, *, exclude: int | None = None) -> None:
    others = Menu.objects.filter(name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ValidationError({"name": f"There is already a menu called {name}: choose another name"})


@transaction.atomic
def menu_create(*, name: str, description: str, directorate: Directorate | None, by: Any) -> Menu:
    """A service-specific menu for one directorate, after the others (its items are added one by one)."""
    _require_manager(by)
    name = _name(name, what="menu")
    description = _description(description)
    if directorate is None:
        raise ValidationError({"directorate": "Choose the directorate this menu is for"})
    _menu_name_free(name)
    last = Menu.objects.order_by("-position").values_list("position", flat=True).first() or 0
    try:
        with transaction.atomic():
            menu = Menu.objects.create(name=name, slug=_free_slug(Menu, name), description=description,
                                       directorate=directorate, position=min(last + 1, 32000))
    except IntegrityError:  # a twin with the same name (any case) landed first
        raise ValidationError({"name": f"There is already a menu called {name}: choose another name"}) from None
    audit_record(by=by, action="create", target=menu, summary=f"Business admin menu added: {name}",
                 directorate=directorate.slug)
    return menu


def _lock_menu(menu: Menu, expected_version: int | None) -> Menu:
    current = Menu.objects.select_for_update(of=("self",)).select_related("directorate").get(pk=menu.pk)
    _stale(current, expected_version)
    return current


@transaction.atomic
def menu_update(*, menu: Menu, name: str, description: str, directorate: Directorate | None,
                expected_version: int | None, by: Any) -> Menu:
    """Rename a menu, or change its description or the directorate it is for. The generic menu is for every
    directorate, so it keeps none."""
    _require_manager(by)
    current = _lock_menu(menu, expected_version)
    name = _name(name, what="menu")
    description = _description(description)
    if current.is_generic:
        directorate = None
    elif directorate is None:
        raise ValidationError({"directorate": "Choose the directorate this menu is for"})
    before = {"name": current.name, "description": current.description, "directorate": current.directorate_id}
    after = {"name": name, "description": description, "directorate": getattr(directorate, "pk", None)}
    if before == after:
        raise ValidationError("Nothing has changed")
    _menu_name_free(name, exclude=current.pk)
    current.name, current.description, current.directorate = name, description, directorate
    current.version += 1
    try:
        with transaction.atomic():
            current.save(update_fields=["name", "description", "directorate", "version"])
    except IntegrityError:
        raise ValidationError({"name": f"There is already a menu called {name}: choose another name"}) from None
    audit_record(by=by, action="update", target=current, summary=f"Business admin menu changed: {name}",
                 changed={k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]})
    return current


@transaction.atomic
def menu_item_move(*, menu: Menu, item_id: int, direction: str, expected_version: int | None, by: Any) -> Menu:
    """Move one item up or down its menu; the menu's items are numbered 1, 2, 3... afterwards."""
    _require_manager(by)
    current = _lock_menu(menu, expected_version)
    if direction not in ("up", "down"):
        raise ValidationError("Choose to move the service up or down")
    items = list(MenuItem.objects.filter(menu=current).order_by("position", "name", "pk"))
    index = next((i for i, item in enumerate(items) if item.pk == item_id), None)
    if index is None:
        raise ValidationError("That service is not on this menu")
    to = index - 1 if direction == "up" else index + 1
    if not 0 <= to < len(items):
        raise ValidationError(f"{items[index].name} is already {'first' if direction == 'up' else 'last'}")
    items[index], items[to] = items[to], items[index]
    changed = []
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
            changed.append(item)
    MenuItem.objects.bulk_update(changed, ["position"])
    current.version += 1
    current.save(update_fields=["version"])
    moved = items[to]
    audit_record(by=by, action="update", target=current, summary=f"Moved {moved.name} {direction} on {current.name}",
                 item=moved.code, position=to + 1)
    return current


@dataclass(frozen=True)
class Retired:
    menu: Menu
    open_requests: int


@transaction.atomic
def menu_retire(*, menu: Menu, expected_version: int | None, by: Any) -> Retired:
    """Take a service-specific menu off the colleagues' menu: its items take no new requests. Requests already
    made against them keep their history and go on to completion; how many are open is returned (and audited)."""
    _require_manager(by)
    current = _lock_menu(menu, expected_version)
    if current.is_generic:
        raise ValidationError("The generic menu cannot be retired: it is every colleague's menu")
    if current.retired_at is not None:
        raise ValidationError("This menu has already been retired", code="invalid_transition")
    still_open = open_requests_on_menu(current)
    current.retired_at, current.retired_by = timezone.now(), by
    current.version += 1
    current.save(update_fields=["retired_at", "retired_by", "version"])
    audit_record(by=by, action="update", target=current, summary=f"Business admin menu retired: {current.name}",
                 open_requests=still_open)
    return Retired(menu=current, open_requests=still_open)


@transaction.atomic
def menu_restore(*, menu: Menu, expected_version: int | None, by: Any) -> Menu:
    """Put a retired menu back on the colleagues' menu (its items as they were)."""
    _require_manager(by)
    current = _lock_menu(menu, expected_version)
    if current.retired_at is None:
        raise ValidationError("This menu is not retired", code="invalid_transition")
    current.retired_at, current.retired_by = None, None
    current.version += 1
    current.save(update_fields=["retired_at", "retired_by", "version"])
    audit_record(by=by, action="update", target=current, summary=f"Business admin menu brought back: {current.name}")
    return current


# --- directorates and their BAS team --------------------------------------------------------------------------

def bas_team_choices() -> list[Team]:
    """The teams a directorate may be served by: the business admin teams (those serving a directorate or
    doing a menu item's work)."""
    from .selectors import bas_team_ids

    return list(Team.objects.filter(pk__in=bas_team_ids()).order_by("name"))


@dataclass(frozen=True)
class DirectorateSaved:
    directorate: Directorate
    created: bool
    team_changed: bool
    # Requests from the directorate still open in the old team's queue: they stay there.
    open_left: int = 0


@transaction.atomic
def member_team_choices() -> list[tuple[Team, str]]:
    """Every team with the directorate it is in now ('' for none), for the directorate page's checkboxes."""
    links = dict(Directorate.teams.through.objects.values_list("team_id", "directorate__name"))
    return [(team, links.get(team.pk, "")) for team in Team.objects.order_by("name")]


def _set_member_teams(directorate: Directorate, teams: list[Team]) -> dict[str, list[str]]:
    """Make `teams` exactly the directorate's teams. A team belongs to one directorate (a colleague's requests
    can go to one BAS team only), so a team ticked here leaves the directorate it was in."""
    before = set(directorate.teams.values_list("slug", flat=True))
    Directorate.teams.through.objects.filter(team__in=teams).exclude(directorate=directorate).delete()
    directorate.teams.set(teams)
    after = {t.slug for t in teams}
    return {"added": sorted(after - before), "removed": sorted(before - after)}


def directorate_save(*, directorate: Directorate | None, name: str, bas_team: Team | None,
                     teams: list[Team] | None = None, expected_version: int | None = None,
                     by: Any) -> DirectorateSaved:
    """Add a directorate, or rename one, set the BAS team that serves it or the teams in it (None leaves them
    as they are). New requests from its colleagues go to that team from now on; open requests stay with the
    team they were sent to."""
    _require_manager(by)
    name = _name(name, what="directorate")
    if bas_team is None:
        raise ValidationError({"bas_team": "Choose the business admin team that serves this directorate: its "
                                           "colleagues' requests are sent there"})
    if bas_team.pk not in {t.pk for t in bas_team_choices()}:
        raise ValidationError({"bas_team": "Choose a business admin team from the list"})
    others = Directorate.objects.filter(name__iexact=name)
    if directorate is not None:
        others = others.exclude(pk=directorate.pk)
    if others.exists():
        raise ValidationError({"name": f"There is already a directorate called {name}: choose another name"})
    duplicate = ValidationError({"name": f"There is already a directorate called {name}: choose another name"})
    if directorate is None:
        try:
            with transaction.atomic():
                made = Directorate.objects.create(name=name, slug=_free_slug(Directorate, name), bas_team=bas_team)
        except IntegrityError:
            raise duplicate from None
        moved = _set_member_teams(made, teams or [])
        audit_record(by=by, action="create", target=made, summary=f"Directorate added: {name}", bas_team=bas_team.slug,
                     teams=moved["added"])
        return DirectorateSaved(directorate=made, created=True, team_changed=False)
    current = Directorate.objects.select_for_update(of=("self",)).select_related("bas_team").get(pk=directorate.pk)
    _stale(current, expected_version)
    before = {"name": current.name, "bas_team": current.bas_team.slug}
    after = {"name": name, "bas_team": bas_team.slug}
    if teams is not None:
        before["teams"] = sorted(current.teams.values_list("slug", flat=True))
        after["teams"] = sorted(t.slug for t in teams)
    if before == after:
        raise ValidationError("Nothing has changed")
    old_team = current.bas_team
    open_left = 0
    if old_team.pk != bas_team.pk:
        open_left = (BasRequest.objects.filter(directorate=current, case__team=old_team, delivered_at__isnull=True)
                     .exclude(case__status=Status.CLOSED).count())
    current.name, current.bas_team = name, bas_team
    current.version += 1
    try:
        with transaction.atomic():
            current.save(update_fields=["name", "bas_team", "version"])
    except IntegrityError:
        raise duplicate from None
    if teams is not None and before["teams"] != after["teams"]:
        _set_member_teams(current, teams)
    audit_record(by=by, action="update", target=current, summary=f"Directorate changed: {name}",
                 changed={k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]},
                 open_requests_left=open_left)
    return DirectorateSaved(directorate=current, created=False, team_changed=old_team.pk != bas_team.pk,
                            open_left=open_left)
