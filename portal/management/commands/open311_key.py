"""manage.py open311_key create NAME | revoke NAME — API keys for Open311 client systems."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.open311_keys import open311_key_create, open311_key_revoke


class Command(BaseCommand):
    help = "Create (prints the new key once) or revoke an Open311 API key for a client system"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "revoke"])
        parser.add_argument("name")

    def handle(self, *args, action, name, **options):
        try:
            if action == "create":
                row, key = open311_key_create(name=name, by=None)
                self.stdout.write(key)
                self.stderr.write(f"Key created for {row.name}. It is not stored: copy it now.")
            else:
                open311_key_revoke(name=name, by=None)
                self.stderr.write(f"Key for {name} revoked.")
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
