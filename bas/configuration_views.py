"""The business admin manager's set-up pages: whole menus (/staff/bas/menus/) and the directorates with the BAS
team serving each (/staff/bas/directorates/).

Thin views: forms check shape, bas/configuration.py decides. Only a BAS manager enters (403 otherwise, as
for the item editing pages); a menu or directorate that does not exist is a 404.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oxtom.accounts.decorators import permission_required
from oxtom.accounts.permissions import Permission
from oxtom.core.forms import errors_onto_form, posted

from . import configuration, selectors
from .forms import DirectorateForm, MenuForm
from .models import Directorate


def _version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


def _directorates() -> list[Directorate]:
    return list(Directorate.objects.order_by("name"))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --- whole menus --------------------------------------------------------------------------------------------

@permission_required(Permission.BAS_MANAGE)
@require_GET
def menus(request: HttpRequest) -> HttpResponse:
    return render(request, "bas/setup/menus.html", {"menus": selectors.menus_for_manager()})


@permission_required(Permission.BAS_MANAGE)
@require_http_methods(["GET", "POST"])
def menu_new(request: HttpRequest) -> HttpResponse:
    form = MenuForm(posted(request), directorates=_directorates())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = configuration.menu_create(name=data["name"], description=data["description"],
                                             directorate=data["directorate"], by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Menu added: {made.name}. Add its services below.")
            return redirect("bas:setup_menu", slug=made.slug)
    return render(request, "bas/setup/menu_form.html", {"form": form, "menu": None},
                  status=400 if request.method == "POST" else 200)


@permission_required(Permission.BAS_MANAGE)
@require_GET
def menu_detail(request: HttpRequest, slug: str) -> HttpResponse:
    menu = selectors.get_menu(slug)
    items = selectors.menu_items(menu)
    return render(request, "bas/setup/menu.html", {"menu": menu, "items": items,
                                                   "open_n": sum(i.open_n for i in items)})


@permission_required(Permission.BAS_MANAGE)
@require_http_methods(["GET", "POST"])
def menu_change(request: HttpRequest, slug: str) -> HttpResponse:
    menu = selectors.get_menu(slug)
    initial = {"name": menu.name, "description": menu.description, "directorate": str(menu.directorate_id or "")}
    form = MenuForm(posted(request), initial=initial, directorates=_directorates(), generic=menu.is_generic)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = configuration.menu_update(menu=menu, name=data["name"], description=data["description"],
                                              directorate=data.get("directorate"),
                                              expected_version=_version(request), by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, f"Menu saved: {saved.name}")
            return redirect("bas:setup_menu", slug=saved.slug)
    return render(request, "bas/setup/menu_form.html", {"form": form, "menu": menu},
                  status=400 if request.method == "POST" else 200)


@permission_required(Permission.BAS_MANAGE)
@require_POST
def menu_move(request: HttpRequest, slug: str) -> HttpResponse:
    menu = selectors.get_menu(slug)
    try:
        item_id = int(request.POST.get("item", ""))
    except ValueError:
        raise Http404("No such service") from None
    try:
        configuration.menu_item_move(menu=menu, item_id=item_id, direction=request.POST.get("direction", ""),
                                     expected_version=_version(request), by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Order saved")
    return redirect("bas:setup_menu", slug=menu.slug)


@permission_required(Permission.BAS_MANAGE)
@require_http_methods(["GET", "POST"])
def menu_retire(request: HttpRequest, slug: str) -> HttpResponse:
    menu = selectors.get_menu(slug)
    error = ""
    if request.method == "POST":
        try:
            done = configuration.menu_retire(menu=menu, expected_version=_version(request), by=request.user)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            carry_on = (f" {_plural(done.open_requests, 'open request')} on its services carry on and will be "
                        "completed as normal." if done.open_requests else "")
            messages.success(request, f"Menu retired: {menu.name}. Colleagues no longer see it.{carry_on}")
            return redirect("bas:setup_menus")
    return render(request, "bas/setup/menu_retire.html", {
        "menu": menu, "open_n": configuration.open_requests_on_menu(menu), "error": error,
    }, status=400 if error else 200)


@permission_required(Permission.BAS_MANAGE)
@require_POST
def menu_restore(request: HttpRequest, slug: str) -> HttpResponse:
    menu = selectors.get_menu(slug)
    try:
        configuration.menu_restore(menu=menu, expected_version=_version(request), by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"Menu back in service: {menu.name}")
    return redirect("bas:setup_menu", slug=menu.slug)


# --- directorates --------------------------------------------------------------------------------------------

@permission_required(Permission.BAS_MANAGE)
@require_GET
def directorates(request: HttpRequest) -> HttpResponse:
    return render(request, "bas/setup/directorates.html", {"directorates": selectors.directorates_for_manager()})


@permission_required(Permission.BAS_MANAGE)
@require_http_methods(["GET", "POST"])
def directorate_edit(request: HttpRequest, slug: str = "") -> HttpResponse:
    directorate = selectors.get_directorate(slug) if slug else None
    members = configuration.member_team_choices()
    initial = {"name": directorate.name, "bas_team": str(directorate.bas_team_id),
               "member_teams": [str(t.pk) for t, now in members if now == directorate.name]} if directorate else {}
    form = DirectorateForm(posted(request), initial=initial, teams=configuration.bas_team_choices(), members=members)
    if request.method == "POST" and form.is_valid():
        try:
            saved = configuration.directorate_save(
                directorate=directorate, name=form.cleaned_data["name"], bas_team=form.cleaned_data["bas_team"],
                teams=form.member_teams(), expected_version=_version(request) if directorate else None,
                by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            d = saved.directorate
            if saved.created:
                text = f"Directorate added: {d.name}, served by {d.bas_team.name}"
            elif saved.team_changed:
                text = f"New requests from {d.name} now go to {d.bas_team.name}."
                if saved.open_left:
                    text += (f" {_plural(saved.open_left, 'open request')} stay with the team they were "
                             "sent to.")
            else:
                text = f"Directorate saved: {d.name}"
            messages.success(request, text)
            return redirect("bas:setup_directorates")
    open_n = configuration.open_requests_from(directorate) if directorate is not None else 0
    return render(request, "bas/setup/directorate_form.html", {"form": form, "directorate": directorate,
                                                               "open_n": open_n},
                  status=400 if request.method == "POST" else 200)
