"""Register partner systems and manage their keys: the key is printed once, here, and never again.

    manage.py api_client create highways-contractor --scope cases:read --scope cases:update --team highways-north
    manage.py api_client rotate highways-contractor      # a second key; the first works until revoked
    manage.py api_client revoke highways-contractor --prefix AbCd1234
    manage.py api_client off highways-contractor         # every key stops at once
    manage.py api_client list
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from oxtom.accounts.models import Team

from ...models import ApiClient, Scope
from ...services import api_client_create, api_client_deactivate, api_key_revoke, api_key_rotate


class Command(BaseCommand):
    help = "Register API clients (partner systems), rotate and revoke their keys."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "rotate", "revoke", "off", "list"])
        parser.add_argument("name", nargs="?", default="")
        parser.add_argument("--scope", action="append", default=[], choices=Scope.values)
        parser.add_argument("--team", default="", help="slug of the team whose cases the client reads/updates")
        parser.add_argument("--rate", type=int, default=120, help="calls a minute")
        parser.add_argument("--prefix", default="", help="the key to revoke (its first 8 characters)")

    def handle(self, *args, **o):
        try:
            if o["action"] == "list":
                for c in ApiClient.objects.select_related("team").prefetch_related("keys"):
                    live = [k.prefix for k in c.keys.all() if k.revoked_at is None]
                    self.stdout.write(f"{c.name}  scopes={','.join(c.scopes)}  team={c.team.slug if c.team else '-'}"
                                      f"  rate={c.rate_per_minute}/min  active={c.is_active}  keys={','.join(live)}")
                return
            if not o["name"]:
                raise CommandError("Name the client")
            if o["action"] == "create":
                team = None
                if o["team"]:
                    team = Team.objects.filter(slug=o["team"]).first()
                    if team is None:
                        raise CommandError(f"There is no team {o['team']}")
                client, key = api_client_create(name=o["name"], scopes=o["scope"], team=team,
                                                rate_per_minute=o["rate"], by=None)
                self.stdout.write(f"Created {client.name}. Its key (shown once): {key}")
                return
            client = ApiClient.objects.filter(name=o["name"]).first()
            if client is None:
                raise CommandError(f"There is no client {o['name']}")
            if o["action"] == "rotate":
                self.stdout.write(f"New key for {client.name} (shown once): {api_key_rotate(client=client, by=None)}")
            elif o["action"] == "revoke":
                api_key_revoke(client=client, prefix=o["prefix"], by=None)
                self.stdout.write(f"Revoked {o['prefix']} for {client.name}")
            else:
                api_client_deactivate(client=client, by=None)
                self.stdout.write(f"Turned off {client.name}")
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
