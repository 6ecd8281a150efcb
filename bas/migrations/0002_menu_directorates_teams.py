"""The BAS teams per directorate, the generic service menu and two service-specific menus (data a BAS
manager then edits at /staff/bas/manage/), each item with its casework service carrying its target."""
from django.db import migrations

from oxtom.accounts.seeding import teams_ensure
from bas.seed import DEFAULT_TEAM, DIRECTORATES, ITEMS, MENUS, TEAMS


def seed(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    Service = apps.get_model("casework", "Service")
    Directorate = apps.get_model("bas", "Directorate")
    Menu = apps.get_model("bas", "Menu")
    MenuItem = apps.get_model("bas", "MenuItem")
    teams = teams_ensure(Team, TEAMS)
    for slug, name, bas_team, members, default in DIRECTORATES:
        directorate, _ = Directorate.objects.get_or_create(slug=slug, defaults={
            "name": name, "bas_team": teams[bas_team], "is_default": default})
        directorate.teams.add(*Team.objects.filter(slug__in=members))
    menus = {}
    for slug, name, description, generic, position in MENUS:
        menus[slug], _ = Menu.objects.get_or_create(slug=slug, defaults={
            "name": name, "description": description, "is_generic": generic, "position": position})
    for position, (menu, code, name, days, team, description, provide) in enumerate(ITEMS, start=1):
        if MenuItem.objects.filter(code=code).exists():
            continue
        service, _ = Service.objects.get_or_create(code=f"bas-{code}", defaults=dict(
            name=name, kind="request", reference_prefix="BA", description=description,
            team=teams[team or DEFAULT_TEAM[0]], sla_working_days={str(p): days for p in (1, 2, 3, 4)},
            qa_sample_rate=0, notify_customer_on_change=False))
        MenuItem.objects.create(menu=menus[menu], code=code, name=name, description=description,
                                what_to_provide=provide, target_working_days=days,
                                team=teams[team] if team else None, service=service, position=position)


class Migration(migrations.Migration):
    dependencies = [
        ("bas", "0001_initial"),
        ("casework", "0014_paused_count_indexes"),
        ("accounts", "0003_team_membership_role"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
