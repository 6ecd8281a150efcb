"""Reads for places: the current boundary set, point -> division, postcode -> point, street name -> streets.

Point lookup uses the indexed bounding box columns to fetch the few
divisions whose box contains the point, then an exact point-in-polygon test
with shapely. Prepared polygons are cached per process, keyed by boundary
set and its geometry_version, so a reload is seen at once and a warm lookup
costs two small queries whatever the number of divisions.
"""
from __future__ import annotations

import math
import threading
from typing import Sequence

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from .models import BoundarySet, Division, PostcodeCentroid, Street
from .postcodes import lookup_keys, normalise_postcode
from .streets import MAX_SEARCH_LENGTH, is_hostile, split_search

_cache_lock = threading.Lock()
# (boundary_set_id, geometry_version) -> {division_id: (bounding box, prepared geometry)}. The box is
# checked on every use, so a row changed outside the loader (or a test database reusing ids) never
# gets a stale polygon.
_prepared: dict[tuple[int, int], dict[int, tuple[tuple, object]]] = {}


def clear_geometry_cache() -> None:
    """Forget every prepared polygon (tests, and after bulk geometry changes outside the loader)."""
    with _cache_lock:
        _prepared.clear()
    from .maps import clear_map_cache

    clear_map_cache()


def current_boundary_set() -> BoundarySet | None:
    """The boundary set used for lookups today (one query), or None before any is loaded."""
    return BoundarySet.objects.filter(is_current=True).first()


def divisions_for_public(*, boundary_set: BoundarySet | None = None) -> QuerySet[Division]:
    """Divisions of the current (or given) set for public pages: names and districts, no geometry."""
    if boundary_set is None:
        return Division.objects.filter(boundary_set__is_current=True).select_related("locality", "boundary_set") \
            .defer("geometry").order_by("name")
    return boundary_set.divisions.select_related("locality", "boundary_set").defer("geometry").order_by("name")


def _as_coordinate(value: object, limit: float) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(number) or abs(number) > limit:
        return None
    return number


def _box(division: Division) -> tuple:
    return (division.min_lat, division.max_lat, division.min_lon, division.max_lon)


def _prepared_for(boundary_set: BoundarySet, divisions: list[Division]) -> dict[int, object]:
    """Prepared polygons for these divisions, loading only those this process has not seen."""
    from shapely import prepare
    from shapely.geometry import shape

    key = (boundary_set.pk, boundary_set.geometry_version)
    with _cache_lock:
        cache = _prepared.get(key)
        if cache is None:
            # A newer version replaces older ones for the same set.
            for old in [k for k in _prepared if k[0] == boundary_set.pk]:
                del _prepared[old]
            cache = _prepared[key] = {}
        missing = [d.pk for d in divisions if d.pk not in cache or cache[d.pk][0] != _box(d)]
    if missing:
        loaded = {}
        for pk, geometry, *box in Division.objects.filter(pk__in=missing).values_list(
            "pk", "geometry", "min_lat", "max_lat", "min_lon", "max_lon"
        ):
            if not geometry:
                continue
            geom = shape(geometry)
            prepare(geom)
            loaded[pk] = (tuple(box), geom)
        with _cache_lock:
            cache.update(loaded)
    return {pk: entry[1] for pk, entry in cache.items()}


def division_for_point(lat: object, lon: object, *, boundary_set: BoundarySet | None = None) -> Division | None:
    """The division containing a WGS84 point, or None (outside the county, or unusable input).

    A point exactly on a shared edge belongs to both polygons; the division
    whose slug sorts first wins, so the answer is the same on every run.
    At most three queries: the current set (unless given), the bounding-box
    candidates, and geometry this process has not cached yet.
    """
    from shapely import Point

    lat_f, lon_f = _as_coordinate(lat, 90), _as_coordinate(lon, 180)
    if lat_f is None or lon_f is None:
        return None
    if boundary_set is None:
        boundary_set = current_boundary_set()
        if boundary_set is None:
            return None
    candidates = list(
        Division.objects.filter(
            boundary_set=boundary_set,
            min_lat__lte=lat_f, max_lat__gte=lat_f, min_lon__lte=lon_f, max_lon__gte=lon_f,
        ).select_related("locality").defer("geometry").order_by("slug", "pk")
    )
    if not candidates:
        return None
    prepared = _prepared_for(boundary_set, candidates)
    point = Point(lon_f, lat_f)
    for division in candidates:
        geom = prepared.get(division.pk)
        if geom is not None and geom.covers(point):
            division.boundary_set = boundary_set
            return division
    return None


def within_county(lat: object, lon: object) -> bool:
    """Whether a point lies inside the area covered by the current boundary set."""
    return division_for_point(lat, lon) is not None


def division_ids_for_points(
    points: Sequence[tuple[float, float]], *, boundary_set: BoundarySet
) -> list[int | None]:
    """Division id for each (lat, lon), for bulk work (imports, demo data): one query, vectorised.

    Same edge rule as division_for_point: the lowest slug wins.
    """
    import numpy as np
    import shapely
    from shapely.geometry import shape

    rows = list(boundary_set.divisions.filter(geometry__isnull=False).order_by("slug", "pk").values_list("pk", "geometry"))
    result: list[int | None] = [None] * len(points)
    if not rows or not len(points):
        return result
    ids = [pk for pk, _ in rows]
    tree = shapely.STRtree([shape(geometry) for _, geometry in rows])
    coords = np.asarray(points, dtype=float)
    geoms = shapely.points(coords[:, 1], coords[:, 0])
    point_idx, poly_idx = tree.query(geoms, predicate="covered_by")
    # Visit matches with the lowest (slug-ordered) polygon first; keep the first per point.
    order = np.lexsort((poly_idx, point_idx))
    for p, g in zip(point_idx[order], poly_idx[order]):
        if result[p] is None:
            result[p] = ids[g]
    return result


def locate_postcode(postcode: object) -> tuple[float, float] | None:
    """(lat, lon) for a UK postcode from the centroid table, or None.

    Falls back from the full postcode to its sector, then its district, in
    one query. Anything that is not a well-formed full postcode gives None.
    """
    normalised = normalise_postcode(postcode)
    if normalised is None:
        return None
    keys = lookup_keys(normalised)
    found = dict(
        (code, (lat, lon))
        for code, lat, lon in PostcodeCentroid.objects.filter(postcode__in=keys).values_list(
            "postcode", "latitude", "longitude"
        )
    )
    for key in keys:
        if key in found:
            return found[key]
    return None


def division_for_postcode(postcode: object, *, boundary_set: BoundarySet | None = None) -> Division | None:
    """The division an address with this postcode most probably lies in (by its centroid)."""
    point = locate_postcode(postcode)
    if point is None:
        return None
    return division_for_point(*point, boundary_set=boundary_set)


def division_for_address(*, postcode: object = "", latitude: object = None, longitude: object = None,
                         boundary_set: BoundarySet | None = None) -> Division | None:
    """THE division lookup for an address: the customer record and the public division finder both use it.

    The address's own point when it is known (a geocoded address), else its
    postcode's point (the full postcode's centroid, else its sector's, else
    its district's), in the current boundary set. A point outside every
    division falls back to the postcode, so a mistyped coordinate never
    leaves a county address without its division.
    """
    if latitude is not None and longitude is not None:
        found = division_for_point(latitude, longitude, boundary_set=boundary_set)
        if found is not None:
            return found
    if postcode:
        return division_for_postcode(postcode, boundary_set=boundary_set)
    return None


def points_within_county(points: Sequence[tuple[float, float]]) -> list[bool]:
    """For each (lat, lon), whether it lies inside the current boundary set.

    Two queries whatever the number of points (the set and its divisions'
    boxes, geometry deferred), plus one for polygons this process has not
    prepared yet; then an in-memory box test and exact point-in-polygon.
    """
    from shapely import Point

    if not points:
        return []
    boundary_set = current_boundary_set()
    if boundary_set is None:
        return [False] * len(points)
    divisions = list(boundary_set.divisions.filter(geometry__isnull=False).defer("geometry").order_by("slug", "pk"))
    prepared = _prepared_for(boundary_set, divisions)
    result = []
    for lat, lon in points:
        inside = False
        for d in divisions:
            if d.min_lat <= lat <= d.max_lat and d.min_lon <= lon <= d.max_lon:
                geom = prepared.get(d.pk)
                if geom is not None and geom.covers(Point(lon, lat)):
                    inside = True
                    break
        result.append(inside)
    return result


def streets_matching(text: object, limit: int = 10) -> list[Street]:
    """Streets in the county whose name matches what a resident typed, best first.

    Case, punctuation and the usual abbreviations (Rd, St, Ave...) are
    ignored; names starting with the text come before names containing it.
    A part after a comma narrows by town or district ("High St, Witney").
    The same street split into several stretches in one town is listed
    once. Anything unusable (empty, too long, markup) matches nothing. At
    most four queries, whatever the size of the gazetteer.
    """
    if not isinstance(text, str) or len(text) > MAX_SEARCH_LENGTH or is_hostile(text):
        return []
    key, town = split_search(text)
    if len(key.replace(" ", "")) < 2:
        return []
    limit = max(1, min(int(limit), 50))
    query = Street.objects.filter(search_key__contains=key)
    if town:
        query = query.filter(Q(town_key__startswith=town) | Q(district__istartswith=town))
    rows = list(
        query.annotate(rank=Case(When(search_key__startswith=key, then=Value(0)), default=Value(1),
                                 output_field=IntegerField()))
        # A few spare rows: stretches of one street collapse to one, and the county test may drop some.
        .order_by("rank", "search_key", "town_key", "pk")[: limit * 4]
    )
    seen: set[tuple[str, str]] = set()
    unique = []
    for street in rows:
        if (street.search_key, street.town_key) not in seen:
            seen.add((street.search_key, street.town_key))
            unique.append(street)
    inside = points_within_county([(s.latitude, s.longitude) for s in unique])
    return [s for s, ok in zip(unique, inside) if ok][:limit]


NEAREST_STREET_M = 400


def nearest_street(lat: object, lon: object, *, within_m: float = NEAREST_STREET_M) -> Street | None:
    """The gazetteer street whose point is nearest (lat, lon), within `within_m` metres, or None.

    One query over a small box; the gazetteer holds one point a street, so "near" is
    a description for people ("near Cornmarket Street"), not an address.
    """
    lat_f, lon_f = _as_coordinate(lat, 90), _as_coordinate(lon, 180)
    if lat_f is None or lon_f is None:
        return None
    dlat = within_m / 111_320
    dlon = within_m / (111_320 * max(0.01, math.cos(math.radians(lat_f))))
    candidates = list(Street.objects.filter(latitude__gte=lat_f - dlat, latitude__lte=lat_f + dlat,
                                            longitude__gte=lon_f - dlon, longitude__lte=lon_f + dlon)
                      .order_by("pk")[:500])
    best, best_m = None, within_m
    for street in candidates:
        dy = (street.latitude - lat_f) * 111_320
        dx = (street.longitude - lon_f) * 111_320 * math.cos(math.radians(lat_f))
        metres = math.hypot(dx, dy)
        if metres <= best_m:
            best, best_m = street, metres
    return best
