"""The business admin manager's set-up services (bas/configuration.py): whole menus (add, rename, order, retire,
bring back) and directorates with their BAS team, including bad, hostile, oversized, duplicate and stale input,
who may do it, the audit trail, and that a changed team routes new requests only."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from bas import configuration as conf
from bas import selectors, services
from bas.models import Directorate, Menu, MenuItem
from oxtom.core.models import AuditEvent

from .conftest import make_item, pdf_upload

pytestmark = pytest.mark.django_db


def _ask(item, by):
    return services.request_submit(item=item, details="Please help", by=by, files=[pdf_upload()],
                                   needed_by=timezone.localdate() + dt.timedelta(days=10))


def _message(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


@pytest.fixture
def generic(directorates):
    return Menu.objects.get_or_create(slug="generic", defaults={"name": "Business admin services",
                                                                "is_generic": True, "position": 1})[0]


@pytest.fixture
def env_menu(directorates, john):
    return conf.menu_create(name="Environment services", description="For highways", by=john,
                            directorate=directorates["environment"])


# --- menus -----------------------------------------------------------------------------------------------

def test_manager_adds_a_menu_for_a_directorate_audited(directorates, generic, john):
    menu = conf.menu_create(name="  Property   services ", description="Leases and estates", by=john,
                            directorate=directorates["default"])
    assert (menu.name, menu.slug, menu.directorate, menu.is_generic) == (
        "Property services", "property-services", directorates["default"], False)
    assert menu.position > generic.position
    event = AuditEvent.objects.get(target_type="bas.menu", target_id=str(menu.pk))
    assert event.action == "create" and event.actor == john and event.detail["directorate"] == "customers-resources"


@pytest.mark.parametrize("name, message", [
    ("", "Enter the menu's name"),
    ("   ", "Enter the menu's name"),
    ("x" * 121, "120 characters or fewer"),
    ("<script>alert(1)</script>", "can only use letters"),
    ("Menu {{ 7*7 }}", "can only use letters"),
    ("Tab\tmenu", "can only use letters"),
    ("- - -", "letters or numbers"),
])
def test_bad_and_hostile_menu_names_are_refused_at_the_field(directorates, john, name, message):
    menus = Menu.objects.count()
    with pytest.raises(ValidationError) as exc:
        conf.menu_create(name=name, description="", directorate=directorates["default"], by=john)
    assert "name" in exc.value.message_dict and message in _message(exc)
    assert Menu.objects.count() == menus


def test_description_oversized_or_with_markup_and_missing_directorate_are_refused(directorates, john):
    for description, message in (("d" * 301, "300 characters or fewer"), ("<img src=x onerror=alert(1)>", "< or >")):
        with pytest.raises(ValidationError) as exc:
            conf.menu_create(name="Menu", description=description, directorate=directorates["default"], by=john)
        assert message in exc.value.message_dict["description"][0]
    with pytest.raises(ValidationError) as exc:
        conf.menu_create(name="Menu", description="", directorate=None, by=john)
    assert "directorate" in exc.value.message_dict
    assert not Menu.objects.filter(name="Menu").exists()


def test_duplicate_menu_names_are_refused_whatever_their_case(env_menu, directorates, john):
    with pytest.raises(ValidationError) as exc:
        conf.menu_create(name="ENVIRONMENT SERVICES", description="", directorate=directorates["default"], by=john)
    assert "already a menu called" in exc.value.message_dict["name"][0]
    other = conf.menu_create(name="Other services", description="", directorate=directorates["default"], by=john)
    with pytest.raises(ValidationError):
        conf.menu_update(menu=other, name="environment Services", description="", expected_version=other.version,
                         directorate=directorates["default"], by=john)
    assert Menu.objects.filter(name__iexact="environment services").count() == 1


def test_a_menu_whose_name_slugs_like_another_gets_its_own_slug(env_menu, directorates, john):
    twin = conf.menu_create(name="Environment: services", description="", directorate=directorates["default"], by=john)
    assert twin.slug == "environment-services-2"


def test_only_a_manager_edits_menus(directorates, env_menu, mike, sue):
    for who in (mike, sue, None):
        with pytest.raises(PermissionDenied):
            conf.menu_create(name="Mine", description="", directorate=directorates["default"], by=who)
        with pytest.raises(PermissionDenied):
            conf.menu_retire(menu=env_menu, expected_version=env_menu.version, by=who)
        with pytest.raises(PermissionDenied):
            conf.directorate_save(directorate=None, name="Mine", bas_team=directorates["default"].bas_team, by=who)


def test_rename_is_audited_stale_and_unchanged_edits_refused(env_menu, directorates, john):
    renamed = conf.menu_update(menu=env_menu, name="Highways services", description="For highways",
                               directorate=directorates["environment"], expected_version=1, by=john)
    assert (renamed.name, renamed.slug, renamed.version) == ("Highways services", "environment-services", 2)
    event = AuditEvent.objects.filter(target_type="bas.menu", action="update").get()
    assert event.detail["changed"]["name"] == {"from": "Environment services", "to": "Highways services"}
    with pytest.raises(ValidationError) as exc:
        conf.menu_update(menu=env_menu, name="Roads", description="", directorate=directorates["environment"],
                         expected_version=1, by=john)
    assert exc.value.code == "stale"
    with pytest.raises(ValidationError) as exc:
        conf.menu_update(menu=env_menu, name="Highways services", description="For highways",
                         directorate=directorates["environment"], expected_version=2, by=john)
    assert "Nothing has changed" in _message(exc)
    assert Menu.objects.get(pk=env_menu.pk).name == "Highways services"


def test_the_generic_menu_keeps_no_directorate_and_cannot_be_retired(generic, directorates, john):
    changed = conf.menu_update(menu=generic, name="Everyday services", description="", expected_version=generic.version,
                               directorate=directorates["environment"], by=john)
    assert changed.directorate is None
    with pytest.raises(ValidationError) as exc:
        conf.menu_retire(menu=generic, expected_version=changed.version, by=john)
    assert "generic menu cannot be retired" in _message(exc)
    assert Menu.objects.get(pk=generic.pk).retired_at is None


def test_items_move_up_and_down_and_are_numbered_again(env_menu, bas_team, john):
    a, b, c = (make_item(code, code.title(), menu=env_menu, default_team=bas_team) for code in ("aa", "bb", "cc"))
    MenuItem.objects.filter(pk__in=[a.pk, b.pk, c.pk]).update(position=10)  # ties, as items moved between menus leave
    menu = conf.menu_item_move(menu=env_menu, item_id=c.pk, direction="up", expected_version=1, by=john)
    assert [i.code for i in selectors.menu_items(menu)] == ["aa", "cc", "bb"]
    assert list(MenuItem.objects.filter(menu=env_menu).order_by("position").values_list("position", flat=True)) == [1, 2, 3]
    menu = conf.menu_item_move(menu=menu, item_id=a.pk, direction="down", expected_version=2, by=john)
    assert [i.code for i in selectors.menu_items(menu)] == ["cc", "aa", "bb"]
    assert [i.code for m in selectors.menus() if m.pk == env_menu.pk for i in m.items.all()] == ["cc", "aa", "bb"]
    for item_id, direction, version, message in ((c.pk, "up", 3, "already first"), (b.pk, "down", 3, "already last"),
                                                 (b.pk, "sideways", 3, "up or down"), (999999, "up", 3, "not on this menu"),
                                                 (a.pk, "up", 1, "Someone changed")):
        with pytest.raises(ValidationError) as exc:
            conf.menu_item_move(menu=menu, item_id=item_id, direction=direction, expected_version=version, by=john)
        assert message in _message(exc)
    assert AuditEvent.objects.filter(target_type="bas.menu", action="update").count() == 2


def test_retiring_a_menu_hides_it_keeps_its_requests_and_says_how_many_are_open(env_menu, bas_team, sue, john):
    item = make_item("notices", "Notices", menu=env_menu, default_team=bas_team)
    open_one, done_one = _ask(item, sue), _ask(item, sue)
    from bas.models import BasRequest
    from oxtom.cases.models import Status

    BasRequest.objects.filter(pk=done_one.pk).update(delivered_at=timezone.now())
    done_one.case.__class__.objects.filter(pk=done_one.case_id).update(status=Status.CLOSED)
    retired = conf.menu_retire(menu=env_menu, expected_version=env_menu.version, by=john)
    assert retired.open_requests == 1 and retired.menu.retired_by == john
    assert AuditEvent.objects.get(target_type="bas.menu", action="update").detail["open_requests"] == 1
    assert env_menu.pk not in [m.pk for m in selectors.menus()]
    assert env_menu.pk in [m.pk for m in selectors.menus_for_manager()]
    with pytest.raises(Http404):
        selectors.get_item("notices")
    with pytest.raises(ValidationError) as exc:
        _ask(item, sue)
    assert "not taking requests" in _message(exc)
    # The open request still shows to the requester and its team, and can be finished.
    assert selectors.get_request_for_user(sue, open_one.case.reference).item == item
    assert open_one.case.reference in [r.case.reference for r in selectors.my_requests(sue)]
    with pytest.raises(ValidationError) as exc:
        conf.menu_retire(menu=env_menu, expected_version=retired.menu.version, by=john)
    assert "already been retired" in _message(exc)
    back = conf.menu_restore(menu=env_menu, expected_version=retired.menu.version, by=john)
    assert back.retired_at is None and env_menu.pk in [m.pk for m in selectors.menus()]
    assert selectors.get_item("notices") == item


def test_item_form_offers_menus_in_service_and_the_items_own(env_menu, generic, bas_team, john):
    from bas.forms import MenuItemForm

    item = make_item("notices", "Notices", menu=env_menu, default_team=bas_team)
    conf.menu_retire(menu=env_menu, expected_version=1, by=john)
    assert env_menu not in MenuItemForm(teams=[]).fields["menu"].queryset
    assert env_menu in MenuItemForm(teams=[], current_menu=item.menu_id).fields["menu"].queryset


# --- directorates -------------------------------------------------------------------------------------------

def test_manager_adds_a_directorate_served_by_a_bas_team(directorates, env_bas_team, john):
    saved = conf.directorate_save(directorate=None, name="Public Health", bas_team=env_bas_team, by=john)
    assert saved.created and saved.directorate.slug == "public-health" and saved.directorate.bas_team == env_bas_team
    assert AuditEvent.objects.get(target_type="bas.directorate", action="create").detail["bas_team"] == "bas-environment"


def test_directorate_without_team_or_with_a_team_outside_bas_or_duplicate_is_refused(directorates, other_team, john):
    count = Directorate.objects.count()
    cases = [
        (dict(name="Public Health", bas_team=None), "bas_team", "Choose the business admin team"),
        (dict(name="Public Health", bas_team=other_team), "bas_team", "from the list"),  # Parking: not a BAS team
        (dict(name="environment AND place", bas_team=directorates["default"].bas_team), "name", "already a directorate"),
        (dict(name="<b>Health</b>", bas_team=directorates["default"].bas_team), "name", "can only use letters"),
        (dict(name="H" * 121, bas_team=directorates["default"].bas_team), "name", "120 characters"),
        (dict(name="", bas_team=directorates["default"].bas_team), "name", "Enter the directorate's name"),
    ]
    for kwargs, field, message in cases:
        with pytest.raises(ValidationError) as exc:
            conf.directorate_save(directorate=None, by=john, **kwargs)
        assert message in exc.value.message_dict[field][0], kwargs
    assert Directorate.objects.count() == count


def test_changing_the_team_routes_new_requests_and_leaves_open_ones(directorates, presentations, bas_team,
                                                                    env_bas_team, sue, john):
    default = directorates["default"]
    before = _ask(presentations, sue)
    assert before.case.team == bas_team
    saved = conf.directorate_save(directorate=default, name=default.name, bas_team=env_bas_team,
                                  expected_version=default.version, by=john)
    assert saved.team_changed and saved.open_left == 1 and saved.directorate.version == 2
    event = AuditEvent.objects.get(target_type="bas.directorate", action="update")
    assert event.detail["changed"] == {"bas_team": {"from": "business-admin-support", "to": "bas-environment"}}
    before.case.refresh_from_db()
    assert before.case.team == bas_team  # the open request stays where it went
    assert _ask(presentations, sue).case.team == env_bas_team  # a new one goes to the new team
    with pytest.raises(ValidationError) as exc:
        conf.directorate_save(directorate=default, name="Resources", bas_team=bas_team, expected_version=1, by=john)
    assert exc.value.code == "stale"
    with pytest.raises(ValidationError) as exc:
        conf.directorate_save(directorate=default, name=default.name, bas_team=env_bas_team, expected_version=2,
                              by=john)
    assert "Nothing has changed" in _message(exc)


def test_renaming_a_directorate_to_its_own_name_in_another_case_is_allowed(directorates, john):
    env = directorates["environment"]
    saved = conf.directorate_save(directorate=env, name="ENVIRONMENT and Place", bas_team=env.bas_team,
                                  expected_version=env.version, by=john)
    assert saved.directorate.name == "ENVIRONMENT and Place" and not saved.team_changed


def test_a_team_moved_away_from_keeps_its_queue_while_it_holds_open_requests(directorates, presentations,
                                                                            env_bas_team, sue, john, client):
    """A team that served only a directorate (not named by any menu item) keeps its queue page, and stays a team
    a directorate can be given, for as long as the open requests that stayed with it are open."""
    from tests import factories as f

    default = directorates["default"]
    public_health = f.TeamFactory(slug="bas-public-health", name="Business Admin Support: Public Health")
    f.TeamMembershipFactory(team=public_health, user=john, team_role="team_leader", is_leader=True)
    Directorate.objects.filter(pk=default.pk).update(bas_team=public_health)
    default.refresh_from_db()
    open_request = _ask(presentations, sue)
    assert open_request.case.team == public_health
    conf.directorate_save(directorate=default, name=default.name, bas_team=env_bas_team,
                          expected_version=default.version, by=john)

    assert public_health in selectors.bas_teams_for(john)
    assert public_health in conf.bas_team_choices()
    client.force_login(john)
    page = client.get(f"/staff/bas/queue/{public_health.slug}/")
    assert page.status_code == 200 and open_request.case.reference in page.content.decode()

    open_request.case.status = "closed"
    open_request.case.save(update_fields=["status"])
    assert public_health not in selectors.bas_teams_for(john)
    assert client.get(f"/staff/bas/queue/{public_health.slug}/").status_code == 404
