"""Writes to places: districts, divisions, boundary sets, postcode centroids and streets.

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

from .models import BoundarySet, Division, Locality, PostcodeCentroid, Street
from .postcodes import normalise_postcode_key, postcode_kind
from .streets import is_hostile, street_key

DATA_DIR = Path(settings.BASE_DIR) / "data" / "places"
DISTRICTS_CSV = DATA_DIR / "oxfordshire-districts.csv"
DIVISIONS_CSV = DATA_DIR / "oxfordshire-2025-divisions.csv"
DEMO_BOUNDARIES = DATA_DIR / "demo-divisions-2025.geojson"
POSTCODES_CSV = DATA_DIR / "oxfordshire-postcodes.csv"
DEMO_STREETS_CSV = DATA_DIR / "demo-streets.csv"

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


# --- Streets ------------------------------------------------------------------

OPEN_NAMES_COLUMNS = ("ID", "NAME1", "LOCAL_TYPE", "GEOMETRY_X", "GEOMETRY_Y", "POPULATED_PLACE", "DISTRICT_BOROUGH")
SIMPLE_STREET_COLUMNS = ("name", "town", "latitude", "longitude")
OPEN_NAMES_ROAD = "Named Road"


@dataclass
class StreetLoadResult:
    read: int = 0  # street rows in the file(s)
    created: int = 0
    updated: int = 0
    outside: int = 0  # skipped: the point is not in the county
    not_roads: int = 0  # skipped: OS Open Names entries that are not named roads (places, postcodes...)


@dataclass
class _StreetRow:
    ref: str
    name: str
    town: str
    district: str
    lat: float = 0.0
    lon: float = 0.0


def _open_rows(path: Path, header: list[str] | None) -> tuple[list[str], Iterable[list[str]], Any]:
    try:
        fh = Path(path).open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise PlacesDataError([f"{path}: file not found"]) from None
    except (IsADirectoryError, PermissionError) as exc:
        raise PlacesDataError([f"{path}: cannot be read ({exc.strerror})"]) from None
    reader = csv.reader(fh)
    if header is not None:
        return header, reader, fh
    try:
        first = next(reader, [])
    except (UnicodeDecodeError, csv.Error):
        fh.close()
        raise PlacesDataError([f"{Path(path).name}: not a UTF-8 CSV file"]) from None
    return [c.strip() for c in first], reader, fh


def _check_street_name(i: int, name: str, problems: list[str]) -> bool:
    if not name:
        problems.append(f"line {i}: the street has no name")
    elif len(name) > 120:
        problems.append(f"line {i}: the street name is longer than 120 characters")
    elif is_hostile(name):
        problems.append(f"line {i}: a street name cannot contain markup, brackets or control characters")
    else:
        return True
    return False


def _read_street_file(path: Path, header: list[str] | None, result: StreetLoadResult,
                      problems: list[str]) -> list[_StreetRow]:
    """Street rows of one file, in either shape; BNG points are converted to WGS84 here."""
    columns, reader, fh = _open_rows(path, header)
    label = Path(path).name
    rows: list[_StreetRow] = []
    eastings: list[float] = []
    northings: list[float] = []
    with fh:
        if set(OPEN_NAMES_COLUMNS) <= set(columns):
            shape = "open-names"
        elif set(SIMPLE_STREET_COLUMNS) <= set(columns):
            shape = "simple"
        else:
            raise PlacesDataError([
                f"{label}: the first line is not a header with OS Open Names columns ({', '.join(OPEN_NAMES_COLUMNS)}) "
                f"or {', '.join(SIMPLE_STREET_COLUMNS)}. OS Open Names CSV files have no header line: "
                "give the header file from the download's DOC folder with --header."
            ])
        index = {c: n for n, c in enumerate(columns)}
        try:
            for i, values in enumerate(reader, start=1 if header is not None else 2):
                if not values:
                    continue
                if len(values) < len(columns):
                    problems.append(f"{label} line {i}: {len(values)} values where the header has {len(columns)}")
                    continue
                get = lambda c: values[index[c]].strip()  # noqa: E731
                if shape == "open-names":
                    if get("LOCAL_TYPE") != OPEN_NAMES_ROAD:
                        result.not_roads += 1
                        continue
                    result.read += 1
                    name, ref = get("NAME1"), get("ID")
                    if not _check_street_name(i, name, problems):
                        continue
                    if not ref or len(ref) > 200 or is_hostile(ref):
                        problems.append(f"{label} line {i}: the ID is missing or not an OS Open Names id")
                        continue
                    try:
                        x, y = float(get("GEOMETRY_X")), float(get("GEOMETRY_Y"))
                    except ValueError:
                        problems.append(f"{label} line {i}: GEOMETRY_X/GEOMETRY_Y are not numbers")
                        continue
                    if not (math.isfinite(x) and math.isfinite(y) and 0 <= x <= 700_000 and 0 <= y <= 1_300_000):
                        problems.append(f"{label} line {i}: {x}, {y} is not a British National Grid point")
                        continue
                    rows.append(_StreetRow(ref=f"osopennames:{ref}", name=name, town=get("POPULATED_PLACE")[:80],
                                           district=get("DISTRICT_BOROUGH")[:80]))
                    eastings.append(x)
                    northings.append(y)
                else:
                    result.read += 1
                    name, town = get("name"), get("town")[:80]
                    if not _check_street_name(i, name, problems):
                        continue
                    if is_hostile(town):
                        problems.append(f"{label} line {i}: a town cannot contain markup, brackets or control characters")
                        continue
                    try:
                        lat, lon = float(get("latitude")), float(get("longitude"))
                    except ValueError:
                        problems.append(f"{label} line {i}: latitude/longitude are not numbers")
                        continue
                    if not (math.isfinite(lat) and math.isfinite(lon) and 49 <= lat <= 61 and -9 <= lon <= 2):
                        problems.append(f"{label} line {i}: {lat}, {lon} is not in Great Britain")
                        continue
                    ref = f"{street_key(name)}|{street_key(town)}|{lat:.4f},{lon:.4f}"[:200]
                    district = values[index["district"]].strip()[:80] if "district" in index else ""
                    rows.append(_StreetRow(ref=ref, name=name, town=town, district=district, lat=lat, lon=lon))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise PlacesDataError([f"{label}: not a readable UTF-8 CSV file ({str(exc)[:80]})"]) from None
    if eastings:
        from pyproj import Transformer

        # OS Open Names gives British National Grid (EPSG:27700); the app stores WGS84 like every other point.
        to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
        lons, lats = to_wgs84.transform(eastings, northings)
        for row, lat, lon in zip(rows, lats, lons):
            row.lat, row.lon = round(float(lat), 6), round(float(lon), 6)
    return rows


@transaction.atomic
def streets_load(
    *, paths: Iterable[Path], header_path: Path | None = None, source: str = "", batch_size: int = 2000, by: Any = None,
) -> StreetLoadResult:
    """Create or update gazetteer streets from OS Open Names CSV files or a simple name/town/lat/lon CSV.

    Only OS Open Names "Named Road" entries are kept, their grid points
    converted to WGS84; streets whose point is outside the current boundary
    set are skipped and counted. Every row is checked before anything is
    written: one bad row stops the load with nothing changed. Loading the
    same file again updates the same rows (matched by the source's id, or
    by name, town and point for a file without ids).
    """
    from .selectors import current_boundary_set, division_ids_for_points

    boundary_set = current_boundary_set()
    if boundary_set is None:
        raise PlacesDataError(["there are no current boundaries to tell which streets are in the county: "
                               "run load_boundaries (or seed_demo) first"])
    header = None
    if header_path is not None:
        columns, _, fh = _open_rows(header_path, None)
        fh.close()
        header = columns
    result = StreetLoadResult()
    problems: list[str] = []
    rows: dict[str, _StreetRow] = {}
    for path in paths:
        for row in _read_street_file(Path(path), header, result, problems):
            rows[row.ref] = row  # the same id twice (overlapping tiles): the last one wins
    if problems:
        raise PlacesDataError(problems)
    candidates = list(rows.values())
    divisions = division_ids_for_points([(r.lat, r.lon) for r in candidates], boundary_set=boundary_set)
    inside = [r for r, division in zip(candidates, divisions) if division is not None]
    result.outside = len(candidates) - len(inside)
    refs = [r.ref for r in inside]
    existing: set[str] = set()
    for start in range(0, len(refs), 900):  # stay under SQLite's bound-parameter limit
        existing.update(Street.objects.filter(ref__in=refs[start:start + 900]).values_list("ref", flat=True))
    Street.objects.bulk_create(
        [Street(ref=r.ref, name=r.name, search_key=street_key(r.name)[:160], town=r.town,
                town_key=street_key(r.town)[:80], district=r.district, latitude=r.lat, longitude=r.lon,
                source=source[:60]) for r in inside],
        batch_size=batch_size, update_conflicts=True, unique_fields=["ref"],
        update_fields=["name", "search_key", "town", "town_key", "district", "latitude", "longitude", "source"],
    )
    result.updated = len(existing)
    result.created = len(inside) - result.updated
    return result
