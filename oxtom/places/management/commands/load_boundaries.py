"""Load a boundary set's division polygons from a GeoJSON FeatureCollection.

Production: download the ONS "County Electoral Division" boundaries (or
OS Boundary-Line) as WGS84 GeoJSON and run, for example:

    manage.py load_boundaries ced_2025.geojson --set oxfordshire-2025 \\
        --name-property CED25NM --code-property CED25CD --current

The whole file is checked before anything is written; a bad file changes nothing.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from oxtom.places import services

MAX_FILE_BYTES = 200 * 1024 * 1024  # a full-resolution county set is a few MB; refuse anything absurd


class Command(BaseCommand):
    help = "Load division boundaries (GeoJSON, WGS84) into a boundary set, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("geojson", help="path to a GeoJSON FeatureCollection of Polygon/MultiPolygon features")
        parser.add_argument("--set", dest="set_slug", required=True, help="boundary set slug, e.g. oxfordshire-2025")
        parser.add_argument("--name", help="boundary set name (needed when the set is new)")
        parser.add_argument("--in-force-from", type=dt.date.fromisoformat, help="YYYY-MM-DD (needed when new)")
        parser.add_argument("--legislation", default="")
        parser.add_argument("--current", action="store_true", help="make this the set used for lookups")
        parser.add_argument("--demo", action="store_true", help="flag the geometry as demo, not legal boundaries")
        parser.add_argument("--name-property", default="name")
        parser.add_argument("--code-property", default="code")
        parser.add_argument("--slug-property", default="slug")
        parser.add_argument("--district-property", default="district")
        parser.add_argument("--create-missing", action="store_true",
                            help="create divisions for features that match none in the set")
        parser.add_argument("--allow-partial", action="store_true",
                            help="allow divisions of the set to be left without a boundary")

    def handle(self, *args, **opts):
        path = Path(opts["geojson"])
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(f"{path.name} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{path}: file not found") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{path.name} is not valid JSON ({exc}). Nothing was loaded.") from None
        try:
            result = services.boundary_set_load(
                data=data, set_slug=opts["set_slug"], set_name=opts["name"], in_force_from=opts["in_force_from"],
                legislation=opts["legislation"], make_current=opts["current"], source=path.name,
                demo=opts["demo"], name_property=opts["name_property"], code_property=opts["code_property"],
                slug_property=opts["slug_property"], district_property=opts["district_property"],
                create_missing=opts["create_missing"], allow_partial=opts["allow_partial"],
            )
        except services.PlacesDataError as exc:
            raise CommandError(str(exc)) from None
        bs = result.boundary_set
        self.stdout.write(
            f"{bs.slug}: boundaries for {result.created + result.updated} divisions "
            f"({result.created} created, {result.updated} updated)"
            f"{'; demo geometry' if bs.geometry_is_demo else ''}{'; current' if bs.is_current else ''}"
        )
