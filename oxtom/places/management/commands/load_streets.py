"""Load the street gazetteer behind "search for a street".

Production: OS Open Names (free, Open Government Licence) as CSV. Its files
have no header line; the header is a separate file in the download's DOC
folder. Oxfordshire lies in the SP and SU 100 km squares:

    manage.py load_streets --header DOC/OS_Open_Names_Header.csv DATA/SP*.csv DATA/SU*.csv \\
        --source "OS Open Names 2026-10"

Only "Named Road" entries inside the county are kept. `--demo` loads the
shipped data/places/demo-streets.csv (name, town, latitude, longitude).
"""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from oxtom.places import services


class Command(BaseCommand):
    help = "Create or update streets from OS Open Names CSV (or --demo), all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("csv", nargs="*", help="OS Open Names CSV file(s), or a name,town,latitude,longitude CSV")
        parser.add_argument("--demo", action="store_true", help=f"load {services.DEMO_STREETS_CSV.name}")
        parser.add_argument("--header", help="OS Open Names header file, for data files without a header line")
        parser.add_argument("--source", default="", help="recorded on each street, e.g. 'OS Open Names 2026-10'")

    def handle(self, *args, **opts):
        paths = [Path(p) for p in opts["csv"]]
        if opts["demo"]:
            paths.append(services.DEMO_STREETS_CSV)
        if not paths:
            raise CommandError("Give one or more CSV files, or --demo for the shipped demo streets.")
        source = opts["source"] or ("demo" if opts["demo"] and len(paths) == 1 else paths[0].name)
        try:
            result = services.streets_load(
                paths=paths, header_path=Path(opts["header"]) if opts["header"] else None, source=source,
            )
        except services.PlacesDataError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{result.created + result.updated} streets loaded ({result.created} new, {result.updated} updated) "
            f"from {result.read} street rows; {result.outside} outside the county skipped"
            + (f"; {result.not_roads} entries that are not named roads skipped" if result.not_roads else "")
        )
