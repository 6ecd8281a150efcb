"""The business admin manager's set-up pages through the test client: who may open them, 404s for what does
not exist, errors at the field on the first submit, hostile, oversized, duplicate and double-submitted input,
stale edits, the staff navigation, and constant query counts on the list pages."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bas import configuration as conf
from bas import services
from bas.models import Directorate, Menu, MenuItem
from oxtom.core.models import AuditEvent

from tests import factories as f

from .conftest import make_item, pdf_upload

pytestmark = pytest.mark.django_db

KEY = "k" * 24


@pytest.fixture
def env_menu(directorates, john):
    return conf.menu_create(name="Environment services", description="For highways", by=john,
                            directorate=directorates["environment"])


def _urls(menu: Menu, directorate: Directorate) -> list[str]:
    return ["/staff/bas/menus/", "/staff/bas/menus/new/", f"/staff/bas/menus/{menu.slug}/",
            f"/staff/bas/menus/{menu.slug}/change/", f"/staff/bas/menus/{menu.slug}/retire/",
            "/staff/bas/directorates/", "/staff/bas/directorates/new/",
            f"/staff/bas/directorates/{directorate.slug}/"]


@pytest.mark.parametrize("role, expected", [("anon", "login"), ("resident", 403), ("sue", 403), ("mike", 403),
                                            ("outsider", 403), ("john", 200)])
def test_only_the_bas_manager_opens_the_set_up_pages(client_for, env_menu, directorates, role, expected, resident_a,
                                                     officer_outside_team, request):
    users = {"anon": None, "resident": resident_a, "outsider": officer_outside_team}
    user = users[role] if role in users else request.getfixturevalue(role)
    client = client_for(user)
    for url in _urls(env_menu, directorates["environment"]):
        response = client.get(url)
        got = "login" if response.status_code == 302 and "/accounts/login/" in response["Location"] else \
            response.status_code
        assert got == expected, url
    # Posts by anyone else change nothing.
    if role != "john":
        client.post(f"/staff/bas/menus/{env_menu.slug}/retire/", {"version": env_menu.version})
        client.post("/staff/bas/directorates/new/", {"name": "Sneaky", "bas_team": directorates["default"].bas_team_id})
        assert Menu.objects.get(pk=env_menu.pk).retired_at is None
        assert not Directorate.objects.filter(name="Sneaky").exists()


def test_what_does_not_exist_is_a_404(client_for, john, env_menu, directorates):
    client = client_for(john)
    for url in ("/staff/bas/menus/no-such-menu/", "/staff/bas/menus/no-such-menu/change/",
                "/staff/bas/menus/no-such-menu/retire/", f"/staff/bas/menus/{'m' * 61}/",
                "/staff/bas/directorates/no-such-directorate/", f"/staff/bas/directorates/{'d' * 61}/",
                "/staff/bas/manage/new/?menu=no-such-menu"):
        assert client.get(url).status_code == 404, url
    other = Menu.objects.create(name="Someone else's", slug="someone-else", position=9)
    item = make_item("elsewhere", "Elsewhere", menu=other, default_team=directorates["default"].bas_team)
    # An item from another menu, or no item at all, moved on this menu's page: not found.
    assert client.post(f"/staff/bas/menus/{env_menu.slug}/move/", {"item": "x", "direction": "up",
                                                                    "version": 1}).status_code == 404
    response = client.post(f"/staff/bas/menus/{env_menu.slug}/move/", {"item": item.pk, "direction": "up",
                                                                        "version": 1}, follow=True)
    assert "That service is not on this menu" in response.content.decode()


def test_new_menu_errors_show_at_the_field_on_the_first_submit(client_for, john, directorates):
    client = client_for(john)
    empty = client.post("/staff/bas/menus/new/", {})
    page = empty.content.decode()
    assert empty.status_code == 400 and "<title>Error: " in page
    assert 'id="id_name-error"' in page and "Enter the menu&#x27;s name" in page
    assert 'id="id_directorate-error"' in page and "Choose the directorate this menu is for" in page
    for name, message in (("<script>alert(1)</script>", "can only use letters"),
                          ("n" * 121, "120 characters or fewer"),
                          ("Environment and Place SERVICES", "already a menu called")):
        response = client.post("/staff/bas/menus/new/", {"name": name, "directorate": directorates["default"].pk})
        assert response.status_code == 400 and message in response.content.decode(), name
        assert 'id="id_name-error"' in response.content.decode()
    bad_choice = client.post("/staff/bas/menus/new/", {"name": "Fine", "directorate": "99999"})
    assert bad_choice.status_code == 400 and "Choose a directorate from the list" in bad_choice.content.decode()
    assert "&lt;script&gt;" in client.post("/staff/bas/menus/new/", {"name": "<script>x</script>"}).content.decode()


def test_a_double_submitted_menu_is_made_once(client_for, john, directorates):
    client = client_for(john)
    form = {"name": "Property services", "description": "", "directorate": directorates["default"].pk,
            "submission_key": KEY}
    first = client.post("/staff/bas/menus/new/", form)
    assert first.status_code == 302 and first["Location"] == "/staff/bas/menus/property-services/"
    again = client.post("/staff/bas/menus/new/", form, follow=True)
    assert "That has already been done" in again.content.decode()
    assert Menu.objects.filter(name="Property services").count() == 1
    assert AuditEvent.objects.filter(target_type="bas.menu", action="create").count() == 1


def test_rename_move_retire_and_restore_through_the_pages(client_for, john, sue, env_menu, directorates, bas_team):
    client = client_for(john)
    a = make_item("aa", "First service", menu=env_menu, default_team=bas_team)
    b = make_item("bb", "Second service", menu=env_menu, default_team=bas_team)
    page = f"/staff/bas/menus/{env_menu.slug}/"
    renamed = client.post(f"{page}change/", {"name": "Highways services", "description": "Roads",
                                             "directorate": directorates["environment"].pk, "version": 1})
    assert renamed.status_code == 302
    stale = client.post(f"{page}change/", {"name": "Roads", "description": "", "version": 1,
                                           "directorate": directorates["environment"].pk})
    assert stale.status_code == 400 and "Someone changed this" in stale.content.decode()
    assert client.post(f"{page}move/", {"item": b.pk, "direction": "up", "version": 2}).status_code == 302
    body = client.get(page).content.decode()
    assert body.index("Second service") < body.index("First service")
    stale_move = client.post(f"{page}move/", {"item": a.pk, "direction": "up", "version": 2}, follow=True)
    assert "Someone changed this" in stale_move.content.decode()
    # Retiring says how many requests are open, before and after.
    services.request_submit(item=a, details="Notice please", by=sue, files=[pdf_upload()],
                            needed_by=timezone.localdate() + dt.timedelta(days=5))
    confirm = client.get(f"{page}retire/").content.decode()
    assert "1 request on this menu is still open" in confirm
    done = client.post(f"{page}retire/", {"version": 3}, follow=True).content.decode()
    assert "Menu retired: Highways services" in done and "1 open request on its services carry on" in done
    assert "Highways services" not in client_for(sue).get("/staff/bas/").content.decode()
    assert client_for(sue).get("/staff/bas/request/aa/").status_code == 404
    assert client_for(sue).get("/staff/bas/requests/").content.decode().count("First service") == 1
    twice = client_for(john).post(f"{page}retire/", {"version": 4})
    assert twice.status_code == 400 and "already been retired" in twice.content.decode()
    assert "Bring the menu back into service" in client.get(page).content.decode()
    assert client.post(f"{page}restore/", {"version": 4}).status_code == 302
    assert "Highways services" in client_for(sue).get("/staff/bas/").content.decode()


def test_the_generic_menu_has_no_retire_button_and_refuses_a_retire_post(client_for, john, presentations):
    client = client_for(john)
    generic = presentations.menu
    page = client.get(f"/staff/bas/menus/{generic.slug}/").content.decode()
    assert "cannot be retired" in page and "Retire this menu" not in page
    response = client.post(f"/staff/bas/menus/{generic.slug}/retire/", {"version": generic.version})
    assert response.status_code == 400 and "<title>Error: " in response.content.decode()
    assert Menu.objects.get(pk=generic.pk).retired_at is None


def test_an_item_added_from_a_menus_page_goes_on_that_menu(client_for, john, env_menu):
    client = client_for(john)
    url = f"/staff/bas/manage/new/?menu={env_menu.slug}"
    page = client.get(url).content.decode()
    assert f'<option value="{env_menu.pk}" selected>' in page
    response = client.post(url, {"name": "Road notices", "menu": env_menu.pk, "description": "Notices drafted",
                                 "what_to_provide": "", "target_working_days": "4", "team": "", "is_active": "on"})
    assert response.status_code == 302 and response["Location"] == f"/staff/bas/menus/{env_menu.slug}/"
    assert MenuItem.objects.get(code="road-notices").menu == env_menu


def test_directorate_pages_refuse_bad_input_at_the_field_and_say_how_routing_changes(
        client_for, john, sue, directorates, presentations, bas_team, env_bas_team, other_team):
    client = client_for(john)
    empty = client.post("/staff/bas/directorates/new/", {})
    body = empty.content.decode()
    assert empty.status_code == 400 and 'id="id_name-error"' in body and 'id="id_bas_team-error"' in body
    for form, message in (({"name": "Public Health", "bas_team": other_team.pk}, "Choose a business admin team from"),
                          ({"name": "environment and place", "bas_team": bas_team.pk}, "already a directorate"),
                          ({"name": "{{ evil }}", "bas_team": bas_team.pk}, "can only use letters"),
                          ({"name": "P" * 500, "bas_team": bas_team.pk}, "120 characters or fewer")):
        response = client.post("/staff/bas/directorates/new/", form)
        assert response.status_code == 400 and message in response.content.decode(), form
    made = client.post("/staff/bas/directorates/new/", {"name": "Public Health", "bas_team": env_bas_team.pk,
                                                        "submission_key": KEY})
    assert made.status_code == 302
    client.post("/staff/bas/directorates/new/", {"name": "Public Health", "bas_team": env_bas_team.pk,
                                                 "submission_key": KEY})
    assert Directorate.objects.filter(name="Public Health").count() == 1
    # Re-aligning the default directorate: the page says new requests move and open ones stay.
    services.request_submit(item=presentations, details="Slides", by=sue, files=[],
                            needed_by=timezone.localdate() + dt.timedelta(days=5))
    default = directorates["default"]
    url = f"/staff/bas/directorates/{default.slug}/"
    page = client.get(url).content.decode()
    assert "open requests stay with the team they were sent to" in page and "1 request from" in page
    done = client.post(url, {"name": default.name, "bas_team": env_bas_team.pk, "version": default.version},
                       follow=True).content.decode()
    assert f"New requests from {default.name} now go to {env_bas_team.name}" in done.replace("&#x27;", "'")
    assert "1 open request stay with the team they were sent to" in done
    stale = client.post(url, {"name": "Resources", "bas_team": bas_team.pk, "version": default.version})
    assert stale.status_code == 400 and "Someone changed this" in stale.content.decode()


def test_navigation_shows_the_set_up_pages_to_the_manager_only(client_for, john, mike, sue, directorates):
    assert 'href="/staff/bas/menus/"' in client_for(john).get("/staff/").content.decode()
    assert 'href="/staff/bas/directorates/"' in client_for(john).get("/staff/").content.decode()
    for user in (mike, sue):
        page = client_for(user).get("/staff/").content.decode()
        assert 'href="/staff/bas/menus/"' not in page and 'href="/staff/bas/directorates/"' not in page


def _queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def test_list_pages_cost_the_same_for_more_menus_items_directorates_and_requests(client_for, john, sue, env_menu,
                                                                                 directorates, bas_team, env_bas_team):
    client = client_for(john)
    first = make_item("one", "One", menu=env_menu, default_team=bas_team)
    urls = ("/staff/bas/menus/", f"/staff/bas/menus/{env_menu.slug}/", "/staff/bas/directorates/",
            f"/staff/bas/directorates/{directorates['default'].slug}/")
    before = {url: _queries(client, url) for url in urls}
    for n in range(5):
        menu = conf.menu_create(name=f"Menu {n}", description="", directorate=directorates["default"], by=john)
        make_item(f"more-{n}", f"More {n}", menu=menu, default_team=bas_team)
        make_item(f"env-{n}", f"Env {n}", menu=env_menu, default_team=bas_team)
        conf.directorate_save(directorate=None, name=f"Directorate {n}", bas_team=env_bas_team, by=john,
                              teams=[f.TeamFactory(slug=f"extra-{n}", name=f"Extra team {n}")])
        services.request_submit(item=first, details="More work", by=sue, files=[],
                                needed_by=timezone.localdate() + dt.timedelta(days=5))
    after = {url: _queries(client, url) for url in urls}
    assert after == before, (before, after)
    print("set-up page queries:", after)


def test_the_directorate_page_moves_teams_into_a_new_directorate_and_their_requests_follow(
        client_for, john, directorates, presentations, env_bas_team, property_team, sue):
    """A new directorate is given its teams on its own page: a team ticked there leaves the directorate it was
    in (the box said where it is now), and its colleagues' next requests go to the new directorate's team."""
    client = client_for(john)
    page = client.get("/staff/bas/directorates/new/").content.decode()
    assert "Teams in this directorate" in page
    assert f"{property_team.name} (now in {directorates['default'].name})" in page
    made = client.post("/staff/bas/directorates/new/", {
        "name": "Property and Assets", "bas_team": env_bas_team.pk, "member_teams": [property_team.pk],
        "submission_key": KEY})
    assert made.status_code == 302
    new = Directorate.objects.get(name="Property and Assets")
    assert list(new.teams.all()) == [property_team]
    assert property_team not in directorates["default"].teams.all()
    asked = services.request_submit(item=presentations, details="Slides", by=sue, files=[],
                                    needed_by=timezone.localdate() + dt.timedelta(days=5))
    assert asked.directorate == new and asked.case.team == env_bas_team
    # Its page shows the team ticked; a forged team id is refused at the field and changes nothing.
    url = f"/staff/bas/directorates/{new.slug}/"
    assert f'value="{property_team.pk}" checked' in client.get(url).content.decode()
    forged = client.post(url, {"name": new.name, "bas_team": env_bas_team.pk, "member_teams": ["999999"],
                               "version": new.version})
    assert forged.status_code == 400 and "Choose teams from the list" in forged.content.decode()
    assert list(new.teams.all()) == [property_team]
    # Unticking it leaves the team in no directorate, so the default one serves it again; audited.
    client.post(url, {"name": new.name, "bas_team": env_bas_team.pk, "version": new.version})
    assert not new.teams.exists() and services.directorate_for(sue) == directorates["default"]
    event = AuditEvent.objects.filter(target_type="bas.directorate", target_id=str(new.pk), action="update").get()
    assert event.detail["changed"]["teams"] == {"from": [property_team.slug], "to": []}
