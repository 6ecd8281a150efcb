"""Writes to places: districts, divisions, boundary sets and postcode centroids.

Everything here is loaded from data files (never hard-coded) and each load
is all-or-nothing: the whole file is checked first and written in one
transaction, so a bad file leaves the database exactly as it was.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from oxtom.core.audit import audit_record

from .models import BoundarySet, Division, Locality, PostcodeCentroid
from .postcodes import normalise_postcode_key, postcode_kind

DATA_DIR = Path(settings.BASE_DIR) / "data" / "places"
DISTRICTS_CSV = DATA_DIR / "oxfordshire-districts.csv"
DIVISIONS_CSV = DATA_DIR / "oxfordshire-2025-divisions.csv"
DEMO_BOUNDARIES = DATA_DIR / "demo-divisions-2025.geojson"
POSTCODES_CSV = DATA_DIR / "oxfordshire-postcodes.csv"

COUNTY_SET_SLUG = "oxfordshire-2025"
COUNTY_SET_NAME = "Oxfordshire County Council electoral divisions (2025)"
COUNTY_SET_LEGISLATION = "The Oxfordshire (Electoral Changes) Order 2025 (SI 2025/33)"
COUNTY_SET_IN_FORCE_FROM = dt.date(2025, 5, 1)  # the ordinary day of election in 2025

ONS_DIVISION_CODE = re.compile(r"^E58\d{6}$")
ONS_DISTRICT_CODE = re.compile(r"^E0[6-9]\d{6}$")
MAX_REPORTED_PROBLEMS = 20


class PlacesDataError(ValueError):
    """A data file that cannot be loaded. The message lists what is wrong, row by row."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_REPORTED_PROBLEMS]
        more = len(problems) - len(shown)
        text = "\n".join(f"- {p}" for p in shown)
        if more:
            text += f"\n- ...and {more} more"
        super().__init__(f"Nothing was loaded. Fix these problems and try again:\n{text}")


def _read_csv(path: Path, required: Iterable[str]) -> list[dict[str, str]]:
    try:
        with Path(path).open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise PlacesDataError([f"{Path(path).name}: missing column(s) {', '.join(missing)}"])
            return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    except FileNotFoundError:
        raise PlacesDataError([f"{path}: file not found"]) from None
    except UnicodeDecodeError:
        raise PlacesDataError([f"{Path(path).name}: not UTF-8 text"]) from None


def match_key(name: str) -> str:
    """Loose key so 'Banbury Grimsbury & Castle' matches 'Banbury Grimsbury and Castle ED'."""
    text = name.lower().replace("&", " and ")
    text = re.sub(r"\b(ed|division|electoral division)$", "", text.strip())
    return re.sub(r"[^a-z0-9]+", "", text)


# --- Districts and divisions -------------------------------------------------


@transaction.atomic
def localities_load(*, path: Path = DISTRICTS_CSV, by: Any = None) -> int:
    """Create or update the county's districts from a CSV (name, slug, ons_code). Returns rows written."""
    rows = _read_csv(path, ["name", "slug", "ons_code"])
    problems = []
    for i, row in enumerate(rows, start=2):
        if not row["name"] or slugify(row["name"]) != row["slug"]:
            problems.append(f"line {i}: slug {row['slug']!r} should be {slugify(row['name'])!r}")
        if not ONS_DISTRICT_CODE.match(row["ons_code"]):
            problems.append(f"line {i}: {row['ons_code']!r} is not an ONS district code (E07…)")
    if problems:
        raise PlacesDataError(problems)
    for row in rows:
        Locality.objects.update_or_create(slug=row["slug"], defaults={"name": row["name"], "ons_code": row["ons_code"]})
    return len(rows)


@dataclass
class LoadResult:
    boundary_set: BoundarySet
    created: int = 0
    updated: int = 0
    notes: list[str] = field(default_factory=list)


def _get_or_create_set(
    *, slug: str, name: str | None, in_force_from: dt.date | None, legislation: str = ""
) -> tuple[BoundarySet, bool]:
    existing = BoundarySet.objects.select_for_update().filter(slug=slug).first()
    if existing is not None:
        return existing, False
    if not name or not in_force_from:
        raise PlacesDataError([f"there is no boundary set {slug!r} yet: give --name and --in-force-from to create it"])
    return BoundarySet.objects.create(slug=slug, name=name, in_force_from=in_force_from, legislation=legislation), True


@transaction.atomic
def divisions_load(
    *,
    path: Path = DIVISIONS_CSV,
    set_slug: str = COUNTY_SET_SLUG,
    set_name: str = COUNTY_SET_NAME,
    legislation: str = COUNTY_SET_LEGISLATION,
    in_force_from: dt.date = COUNTY_SET_IN_FORCE_FROM,
    by: Any = None,
) -> LoadResult:
    """Create or update a boundary set's divisions from a CSV (name, slug, ons_code, district).

    Idempotent: divisions are matched by slug within the set, so running it
    again changes nothing. Geometry is loaded separately (boundary_set_load).
    """
    rows = _read_csv(path, ["name", "slug", "ons_code", "district"])
    localities = {loc.name: loc for loc in Locality.objects.all()}
    problems: list[str] = []
    seen_slugs: set[str] = set()
    seen_names: set[str] = set()
    seen_codes: set[str] = set()
    for i, row in enumerate(rows, start=2):
        name, slug, code, district = row["name"], row["slug"], row["ons_code"], row["district"]
        if not name:
            problems.append(f"line {i}: the division has no name")
        if re.search(r"[<>\x00-\x1f]", name):
            problems.append(f"line {i}: a division name cannot contain <, > or control characters")
        if not slug or slugify(slug) != slug:
            problems.append(f"line {i}: {slug!r} is not a valid slug (lower case letters, digits and hyphens)")
        elif name and slug != slugify(name):
            problems.append(f"line {i}: slug {slug!r} should be {slugify(name)!r}, made from the name")
        if slug in seen_slugs:
            problems.append(f"line {i}: slug {slug!r} appears twice")
        if match_key(name) in seen_names:
            problems.append(f"line {i}: division {name!r} appears twice")
        if code and not ONS_DIVISION_CODE.match(code):
            problems.append(f"line {i}: {code!r} is not an ONS electoral division code (E58 and six digits)")
        if code and code in seen_codes:
            problems.append(f"line {i}: ONS code {code} appears twice")
        if district not in localities:
            problems.append(f"line {i}: unknown district {district!r} (load the districts first)")
        seen_slugs.add(slug)
        seen_names.add(match_key(name))
        if code:
            seen_codes.add(code)
    if not rows:
        problems.append(f"{Path(path).name}: no divisions in the file")
    if problems:
        raise PlacesDataError(problems)

    boundary_set, _ = _get_or_create_set(
        slug=set_slug, name=set_name, in_force_from=in_force_from, legislation=legislation
    )
    result = LoadResult(boundary_set=boundary_set)
    existing = {d.slug: d for d in boundary_set.divisions.all()}
    to_update = []
    for row in rows:
        locality = localities[row["district"]]
        division = existing.get(row["slug"])
        if division is None:
            Division.objects.create(
                boundary_set=boundary_set, name=row["name"], slug=row["slug"],
                ons_code=row["ons_code"], locality=locality,
            )
            result.created += 1
        elif (division.name, division.ons_code, division.locality_id) != (row["name"], row["ons_code"], locality.pk):
            division.name, division.ons_code, division.locality = row["name"], row["ons_code"], locality
            to_update.append(division)
    if to_update:
        Division.objects.bulk_update(to_update, ["name", "ons_code", "locality"])
    result.updated = len(to_update)
    if result.created or result.updated:
        audit_record(
            by=by, action="update", target=boundary_set,
            summary=f"Divisions loaded from {Path(path).name}", created=result.created, updated=result.updated,
        )
    return result


# --- Boundaries from GeoJSON -------------------------------------------------


@dataclass
class _Feature:
    index: int
    label: str
    name: str
    code: str
    slug: str
    district: str
    geometry: Any  # shapely geometry


def _looks_like_national_grid(geom) -> bool:
    minx, miny, maxx, maxy = geom.bounds
    return minx >= 0 and miny >= 0 and maxx > 1000 and maxy > 1000


def _check_features(data: Any, *, name_property: str, code_property: str, slug_property: str,
                    district_property: str) -> tuple[list[_Feature], list[str]]:
    """Parse and validate every feature; return them with a list of problems (empty when all is well)."""
    import shapely
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    problems: list[str] = []
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        return [], ["the file is not a GeoJSON FeatureCollection"]
    if not data["features"]:
        return [], ["the FeatureCollection has no features"]
    features: list[_Feature] = []
    for index, raw in enumerate(data["features"], start=1):
        if not isinstance(raw, dict) or raw.get("type") != "Feature":
            problems.append(f"feature {index}: not a GeoJSON Feature")
            continue
        props = raw.get("properties") or {}
        name = str(props.get(name_property) or "").strip()
        code = str(props.get(code_property) or "").strip()
        slug = str(props.get(slug_property) or "").strip() or slugify(name)
        district = str(props.get(district_property) or "").strip()
        label = f"feature {index} ({name[:60] or code or 'no name'})"
        if not name and not code:
            problems.append(f"{label}: has neither a {name_property!r} nor a {code_property!r} property")
            continue
        if re.search(r"[<>\x00-\x1f]", name):
            problems.append(f"{label}: a division name cannot contain <, > or control characters")
            continue
        if len(name) > 120 or len(slug) > 120:
            problems.append(f"{label}: the name is longer than 120 characters")
            continue
        if code and not ONS_DIVISION_CODE.match(code):
            problems.append(f"{label}: {code[:20]!r} is not an ONS electoral division code (E58 and six digits)")
            continue
        geometry = raw.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            problems.append(f"{label}: geometry must be a Polygon or MultiPolygon")
            continue
        try:
            geom = shape(geometry)
        except Exception as exc:  # shapely raises several types for malformed coordinates
            problems.append(f"{label}: geometry could not be read ({str(exc)[:100]})")
            continue
        if geom.is_empty:
            problems.append(f"{label}: geometry is empty")
            continue
        coords = shapely.get_coordinates(geom)
        if not all(math.isfinite(v) for v in coords.flat):
            problems.append(f"{label}: geometry has coordinates that are not numbers")
            continue
        minx, miny, maxx, maxy = geom.bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            hint = (" They look like British National Grid eastings/northings: convert to WGS84 (EPSG:4326) first."
                    if _looks_like_national_grid(geom) else "")
            problems.append(f"{label}: coordinates are outside the WGS84 range (longitude -180..180, latitude -90..90).{hint}")
            continue
        if not geom.is_valid:
            problems.append(f"{label}: geometry is not a valid polygon ({explain_validity(geom)})")
            continue
        features.append(_Feature(index, label, name, code, slug, district, geom))
    return features, problems


@transaction.atomic
def boundary_set_load(
    *,
    data: Any,
    set_slug: str,
    set_name: str | None = None,
    in_force_from: dt.date | None = None,
    legislation: str = "",
    make_current: bool = False,
    source: str = "",
    demo: bool = False,
    name_property: str = "name",
    code_property: str = "code",
    slug_property: str = "slug",
    district_property: str = "district",
    create_missing: bool = False,
    allow_partial: bool = False,
    by: Any = None,
) -> LoadResult:
    """Load a boundary set's geometry from a parsed GeoJSON FeatureCollection.

    Each feature is matched to a division of the set by ONS code, then slug,
    then a loose name match. Into an empty (or new) set every feature creates
    a division; into a set that has divisions, an unmatched feature is an
    error unless create_missing, and a division left without a boundary is an
    error unless allow_partial. Every feature is checked (valid polygon,
    WGS84 range) before anything is written; then all is written at once.
    """
    from shapely.geometry import mapping

    features, problems = _check_features(
        data, name_property=name_property, code_property=code_property,
        slug_property=slug_property, district_property=district_property,
    )
    if problems:
        raise PlacesDataError(problems)
    if not re.match(r"^[-a-z0-9]{1,60}$", set_slug or ""):
        raise PlacesDataError([f"{set_slug!r} is not a valid boundary set slug"])

    boundary_set, created_set = _get_or_create_set(
        slug=set_slug, name=set_name, in_force_from=in_force_from, legislation=legislation
    )
    divisions = list(boundary_set.divisions.all())
    by_code = {d.ons_code: d for d in divisions if d.ons_code}
    by_slug = {d.slug: d for d in divisions}
    by_name = {match_key(d.name): d for d in divisions}
    localities = {match_key(loc.name): loc for loc in Locality.objects.all()}
    strict = bool(divisions) and not create_missing

    matched: dict[int, tuple[Division | None, _Feature]] = {}
    new_slugs: set[str] = set()
    for feature in features:
        division = (by_code.get(feature.code) if feature.code else None) or by_slug.get(feature.slug) \
            or by_name.get(match_key(feature.name))
        if feature.district and match_key(feature.district) not in localities:
            problems.append(f"{feature.label}: unknown district {feature.district[:60]!r}")
        if division is None:
            if strict:
                problems.append(f"{feature.label}: does not match any division of {set_slug!r}")
                continue
            if not feature.name:
                problems.append(f"{feature.label}: a new division needs a {name_property!r}")
                continue
            if feature.slug in new_slugs or feature.slug in by_slug:
                problems.append(f"{feature.label}: another feature already uses the slug {feature.slug!r}")
                continue
            new_slugs.add(feature.slug)
            matched[-feature.index] = (None, feature)
            continue
        if division.pk in matched:
            problems.append(f"{feature.label}: {division.name!r} already has a boundary earlier in the file")
            continue
        matched[division.pk] = (division, feature)
    if not allow_partial:
        left = [d.name for d in divisions if d.pk not in matched]
        if left:
            problems.append(f"{len(left)} division(s) have no boundary in the file: {', '.join(sorted(left)[:10])}")
    if problems:
        raise PlacesDataError(problems)

    result = LoadResult(boundary_set=boundary_set)
    to_update = []
    for division, feature in matched.values():
        geom = feature.geometry
        minx, miny, maxx, maxy = geom.bounds
        locality = localities.get(match_key(feature.district)) if feature.district else None
        values = {
            "geometry": json.loads(json.dumps(mapping(geom))),
            "min_lat": miny, "max_lat": maxy, "min_lon": minx, "max_lon": maxx,
        }
        if division is None:
            Division.objects.create(
                boundary_set=boundary_set, name=feature.name, slug=feature.slug,
                ons_code=feature.code, locality=locality, **values,
            )
            result.created += 1
            continue
        for key, value in values.items():
            setattr(division, key, value)
        if feature.code and not division.ons_code:
            division.ons_code = feature.code
        if locality is not None:
            division.locality = locality
        to_update.append(division)
    Division.objects.bulk_update(
        to_update, ["geometry", "min_lat", "max_lat", "min_lon", "max_lon", "ons_code", "locality"], batch_size=500
    )
    result.updated = len(to_update)

    boundary_set.geometry_source = source[:200]
    boundary_set.geometry_is_demo = demo
    boundary_set.geometry_version += 1
    boundary_set.save(update_fields=["geometry_source", "geometry_is_demo", "geometry_version"])
    if make_current:
        boundary_set_make_current(boundary_set=boundary_set, by=by)
    audit_record(
        by=by, action="create" if created_set else "update", target=boundary_set,
        summary=f"Boundaries loaded{' (demo geometry)' if demo else ''} from {source[:80] or 'GeoJSON'}",
        created=result.created, updated=result.updated,
    )
    return result


@transaction.atomic
def boundary_set_make_current(*, boundary_set: BoundarySet, by: Any = None) -> BoundarySet:
    """Make this the set used for lookups; the previous current set ends the day before this one starts."""
    previous = list(BoundarySet.objects.select_for_update().filter(is_current=True).exclude(pk=boundary_set.pk))
    for old in previous:
        old.is_current = False
        if old.in_force_to is None and old.in_force_from < boundary_set.in_force_from:
            old.in_force_to = boundary_set.in_force_from - dt.timedelta(days=1)
        old.save(update_fields=["is_current", "in_force_to"])
    if not boundary_set.is_current:
        boundary_set.is_current = True
        boundary_set.save(update_fields=["is_current"])
        audit_record(by=by, action="update", target=boundary_set, summary="Made the current boundary set")
    return boundary_set


# --- Postcode centroids -------------------------------------------------------


@transaction.atomic
def postcode_centroids_load(
    *,
    path: Path = POSTCODES_CSV,
    postcode_column: str = "postcode",
    latitude_column: str = "latitude",
    longitude_column: str = "longitude",
    weight_column: str = "weight",
    post_town_column: str = "post_town",
    source: str = "",
    batch_size: int = 5000,
    by: Any = None,
) -> int:
    """Create or replace postcode centroids from a CSV. Returns rows written.

    The same loader takes the ONS Postcode Directory (ONSPD) in production:
    `--postcode-column pcds --latitude-column lat --longitude-column long`.
    Rows are checked first; a bad row stops the load with nothing written.
    """
    rows = _read_csv(path, [postcode_column, latitude_column, longitude_column])
    problems: list[str] = []
    objects: dict[str, PostcodeCentroid] = {}
    for i, row in enumerate(rows, start=2):
        key = normalise_postcode_key(row[postcode_column])
        if key is None:
            problems.append(f"line {i}: {row[postcode_column][:20]!r} is not a postcode, sector or district")
            continue
        try:
            lat, lon = float(row[latitude_column]), float(row[longitude_column])
        except ValueError:
            problems.append(f"line {i}: latitude/longitude are not numbers")
            continue
        if not (math.isfinite(lat) and math.isfinite(lon) and 49 <= lat <= 61 and -9 <= lon <= 2):
            # ONSPD marks unlocated postcodes with 99.999999 / 0: skip those quietly.
            if lat > 90:
                continue
            problems.append(f"line {i}: {lat}, {lon} is not in Great Britain")
            continue
        weight_text = row.get(weight_column, "") or "1"
        weight = int(weight_text) if weight_text.isdigit() else 1
        objects[key] = PostcodeCentroid(
            postcode=key, kind=postcode_kind(key), latitude=lat, longitude=lon, weight=weight,
            post_town=(row.get(post_town_column) or "")[:40], source=source[:60],
        )
    if problems:
        raise PlacesDataError(problems)
    keys = list(objects)
    for start in range(0, len(keys), 900):  # stay under SQLite's bound-parameter limit
        PostcodeCentroid.objects.filter(postcode__in=keys[start:start + 900]).delete()
    PostcodeCentroid.objects.bulk_create(objects.values(), batch_size=batch_size)
    return len(objects)
