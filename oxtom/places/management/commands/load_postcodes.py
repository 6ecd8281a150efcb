"""Load postcode centroids (unit, sector or district) from a CSV.

Shipped: data/places/oxfordshire-postcodes.csv (districts and some sectors,
approximate). Production loads the ONS Postcode Directory through the same
command, e.g. filtered to the county's rows:

    manage.py load_postcodes ONSPD_oxfordshire.csv --postcode-column pcds \\
        --latitude-column lat --longitude-column long --source "ONSPD 2025-08"
"""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from oxtom.places import services


class Command(BaseCommand):
    help = "Create or replace postcode centroids from CSV (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("csv", nargs="?", default=str(services.POSTCODES_CSV))
        parser.add_argument("--postcode-column", default="postcode")
        parser.add_argument("--latitude-column", default="latitude")
        parser.add_argument("--longitude-column", default="longitude")
        parser.add_argument("--weight-column", default="weight")
        parser.add_argument("--source", default="")

    def handle(self, *args, **opts):
        path = Path(opts["csv"])
        try:
            count = services.postcode_centroids_load(
                path=path, postcode_column=opts["postcode_column"], latitude_column=opts["latitude_column"],
                longitude_column=opts["longitude_column"], weight_column=opts["weight_column"],
                source=opts["source"] or path.name,
            )
        except services.PlacesDataError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{count} postcode centroids loaded from {path.name}")
