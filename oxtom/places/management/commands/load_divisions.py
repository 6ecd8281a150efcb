"""Load the county's districts and a boundary set's divisions from the shipped CSV files."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from oxtom.places import services


class Command(BaseCommand):
    help = "Create or update the districts and the divisions of a boundary set from CSV (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("csv", nargs="?", default=str(services.DIVISIONS_CSV),
                            help="divisions CSV: name, slug, ons_code, district")
        parser.add_argument("--districts", default=str(services.DISTRICTS_CSV), help="districts CSV")
        parser.add_argument("--set", dest="set_slug", default=services.COUNTY_SET_SLUG)
        parser.add_argument("--name", default=services.COUNTY_SET_NAME)
        parser.add_argument("--legislation", default=services.COUNTY_SET_LEGISLATION)
        parser.add_argument("--in-force-from", type=dt.date.fromisoformat, default=services.COUNTY_SET_IN_FORCE_FROM)

    def handle(self, *args, **opts):
        try:
            services.localities_load(path=Path(opts["districts"]))
            result = services.divisions_load(
                path=Path(opts["csv"]), set_slug=opts["set_slug"], set_name=opts["name"],
                legislation=opts["legislation"], in_force_from=opts["in_force_from"],
            )
        except services.PlacesDataError as exc:
            raise CommandError(str(exc)) from None
        total = result.boundary_set.divisions.count()
        self.stdout.write(
            f"{result.boundary_set.slug}: {total} divisions ({result.created} created, {result.updated} updated)"
        )
