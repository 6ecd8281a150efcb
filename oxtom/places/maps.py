"""An offline map drawn from our own data: division boundaries, town and street names, markers.

Used when no tile server is configured (settings.MAP_TILE_URL empty, the embedded
default), so residents, officers and the public still see where things are. The map
is a server-rendered SVG: it works without JavaScript, needs nothing from another
origin (CSP img-src 'self' holds), and uses presentation attributes only (no inline
style, which CSP forbids), so the same markup works inline and as an image.

Projection is spherical Web Mercator at whole zoom levels (as Leaflet and every tile
server use), so a zoom here means the same scale as on a tiled map. Boundaries are
projected to "world pixels" at a zoom, which do not depend on where the map is
centred: the path data is cached per process by (boundary set, geometry version,
zoom, division), and a map is then one translate() of cached paths. A map costs at
most four small queries (the current set, the divisions in view, their geometry if
not cached, the names in view) whatever the size of the county.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from .models import BoundarySet, Division, Street

TILE_SIZE = 256
MIN_ZOOM, MAX_ZOOM = 8, 17
# Maps are drawn at their natural size and never scaled, so labels stay readable and a
# click on the location step lands where it looks: 340 px fits a 375 px phone's column.
WIDTH, HEIGHT = 340, 300
# The map a resident clicks on is taller, so the whole county fits at zoom 9.
TALL_HEIGHT = 440
HEIGHTS = (HEIGHT, TALL_HEIGHT)
# Names are drawn only when the map is close enough for them to fit.
DIVISION_LABEL_ZOOM = 12
STREET_LABEL_ZOOM = 15
TOWN_LABEL_MAX_ZOOM = 13
MAX_STREET_LABELS = 40
MAX_LATITUDE = 85.0511


def _clamp_zoom(zoom: int) -> int:
    return max(MIN_ZOOM, min(MAX_ZOOM, int(zoom)))


def world_pixel(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """(x, y) of a WGS84 point in Web Mercator pixels at `zoom` (0, 0 is 180°W, 85.05°N)."""
    scale = TILE_SIZE * 2 ** zoom
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    sin = math.sin(math.radians(lat))
    x = (lon + 180.0) / 360.0 * scale
    y = (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * scale
    return x, y


def world_point(x: float, y: float, zoom: int) -> tuple[float, float]:
    """The inverse of world_pixel: (lat, lon) of a pixel at `zoom`."""
    scale = TILE_SIZE * 2 ** zoom
    lon = x / scale * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / scale))))
    return lat, lon


@dataclass(frozen=True)
class MapView:
    """What a map shows: a centre, a zoom and a size in CSS pixels."""

    latitude: float
    longitude: float
    zoom: int
    width: int = WIDTH
    height: int = HEIGHT

    def __post_init__(self):
        object.__setattr__(self, "zoom", _clamp_zoom(self.zoom))

    @property
    def origin(self) -> tuple[float, float]:
        """World pixel of the map's top-left corner."""
        cx, cy = world_pixel(self.latitude, self.longitude, self.zoom)
        return cx - self.width / 2, cy - self.height / 2

    def project(self, lat: float, lon: float) -> tuple[float, float]:
        """Map pixel (x, y) of a point; may be outside 0..width / 0..height."""
        x, y = world_pixel(lat, lon, self.zoom)
        ox, oy = self.origin
        return x - ox, y - oy

    def unproject(self, x: float, y: float) -> tuple[float, float]:
        """(lat, lon) under map pixel (x, y): where a click on the map lands."""
        ox, oy = self.origin
        lat, lon = world_point(ox + x, oy + y, self.zoom)
        return round(lat, 6), round(lon, 6)

    def bounds(self) -> tuple[float, float, float, float]:
        """(min_lat, max_lat, min_lon, max_lon) of the area shown."""
        north, west = self.unproject(0, 0)
        south, east = self.unproject(self.width, self.height)
        return south, north, west, east

    def contains(self, lat: float, lon: float, margin: float = 0) -> bool:
        x, y = self.project(lat, lon)
        return -margin <= x <= self.width + margin and -margin <= y <= self.height + margin

    def moved(self, *, dx: float = 0, dy: float = 0, zoom: int | None = None) -> "MapView":
        """The view panned by (dx, dy) map pixels and/or at another zoom, about its centre."""
        lat, lon = self.unproject(self.width / 2 + dx, self.height / 2 + dy)
        return MapView(lat, lon, self.zoom if zoom is None else zoom, self.width, self.height)

    @classmethod
    def fit(cls, min_lat: float, max_lat: float, min_lon: float, max_lon: float, *, max_zoom: int = MAX_ZOOM,
            width: int = WIDTH, height: int = HEIGHT, padding: int = 16) -> "MapView":
        """The closest view (whole zoom levels) that shows the whole box."""
        lat, lon = (min_lat + max_lat) / 2, (min_lon + max_lon) / 2
        for zoom in range(_clamp_zoom(max_zoom), MIN_ZOOM - 1, -1):
            x0, y0 = world_pixel(max_lat, min_lon, zoom)
            x1, y1 = world_pixel(min_lat, max_lon, zoom)
            if x1 - x0 <= width - 2 * padding and y1 - y0 <= height - 2 * padding:
                return cls(lat, lon, zoom, width, height)
        return cls(lat, lon, MIN_ZOOM, width, height)


@dataclass(frozen=True)
class Marker:
    """A point to show: `label` is drawn on it (a number matching a list beside the map, or "")."""

    latitude: float
    longitude: float
    label: str = ""
    title: str = ""
    kind: str = "report"  # "report" (numbered circle) or "point" (the point being chosen)


# (boundary set pk, geometry_version, zoom) -> {division pk: (box, path data, label point)}
_paths: dict[tuple[int, int, int], dict[int, tuple[tuple, str, tuple[float, float]]]] = {}
# boundary set -> (when, towns): streets load without bumping the geometry version, so town
# labels are kept for a few minutes only.
_towns: dict[tuple[int, int], tuple[float, list[tuple[str, float, float]]]] = {}
TOWN_CACHE_SECONDS = 300
_lock = threading.Lock()


def clear_map_cache() -> None:
    """Forget cached boundary paths and town labels (tests; selectors.clear_geometry_cache calls this)."""
    with _lock:
        _paths.clear()
        _towns.clear()


def county_view(*, width: int = WIDTH, height: int = HEIGHT) -> MapView | None:
    """The view that shows every division of the current set (None before boundaries are loaded).

    Two small queries: the current set and the extent of its divisions' boxes (indexed columns).
    """
    from django.db.models import Max, Min

    from .selectors import current_boundary_set

    boundary_set = current_boundary_set()
    if boundary_set is None:
        return None
    found = boundary_set.divisions.aggregate(a=Min("min_lat"), b=Max("max_lat"), c=Min("min_lon"), d=Max("max_lon"))
    if found["a"] is None:
        return None
    box = (found["a"], found["b"], found["c"], found["d"])
    return MapView.fit(*box, width=width, height=height, padding=4)


def _ring_path(ring, zoom: int) -> str:
    points = []
    last = None
    for lon, lat in ring:
        x, y = world_pixel(lat, lon, zoom)
        here = (round(x), round(y))
        if here != last:  # points closer than a pixel add nothing
            points.append(here)
            last = here
    if len(points) < 3:
        return ""
    return "M" + "L".join(f"{x} {y}" for x, y in points) + "Z"


def division_path(geometry: dict, zoom: int) -> tuple[str, tuple[float, float]]:
    """SVG path data (world pixels at `zoom`) of a GeoJSON Polygon/MultiPolygon, and a label point inside it.

    Simplified to about a pixel first, so a detailed boundary costs no more than it shows.
    """
    from shapely.geometry import shape

    geom = shape(geometry)
    label = geom.representative_point()
    tolerance = 360.0 / (TILE_SIZE * 2 ** zoom)  # about one pixel, in degrees of longitude
    simple = geom.simplify(tolerance, preserve_topology=True)
    polygons = list(getattr(simple, "geoms", [simple]))
    parts = []
    for polygon in polygons:
        for ring in [polygon.exterior, *polygon.interiors]:
            parts.append(_ring_path(ring.coords, zoom))
    return "".join(parts), world_pixel(label.y, label.x, zoom)


def _division_paths(boundary_set: BoundarySet, divisions: list[Division], zoom: int) -> dict[int, tuple]:
    key = (boundary_set.pk, boundary_set.geometry_version, zoom)
    box = {d.pk: (d.min_lat, d.max_lat, d.min_lon, d.max_lon) for d in divisions}
    with _lock:
        cache = _paths.setdefault(key, {})
        missing = [pk for pk in box if pk not in cache or cache[pk][0] != box[pk]]
    if missing:
        loaded = {}
        for pk, geometry in Division.objects.filter(pk__in=missing).values_list("pk", "geometry"):
            if geometry:
                path, label = division_path(geometry, zoom)
                loaded[pk] = (box[pk], path, label)
        with _lock:
            cache.update(loaded)
    return {pk: cache[pk] for pk in box if pk in cache}


def _town_labels(boundary_set: BoundarySet) -> list[tuple[str, float, float]]:
    """Each town in the gazetteer at the middle of its streets (one query, then cached per set)."""
    from django.db.models import Avg, Count

    key = (boundary_set.pk, boundary_set.geometry_version)
    now = time.monotonic()
    with _lock:
        cached = _towns.get(key)
    if cached is not None and now - cached[0] < TOWN_CACHE_SECONDS:
        return cached[1]
    rows = [(town, lat, lon) for town, lat, lon, _ in Street.objects.exclude(town="").values("town")
            .annotate(lat=Avg("latitude"), lon=Avg("longitude"), n=Count("id")).order_by("-n", "town")
            .values_list("town", "lat", "lon", "n")[:60]]
    with _lock:
        _towns[key] = (now, rows)
    return rows


@dataclass
class DrawnMap:
    """What the template draws, all in map pixels."""

    view: MapView
    title: str
    description: str
    translate: tuple[float, float]
    areas: list[tuple[str, str, float, float, bool]] = field(default_factory=list)  # path, name, label x, y, show
    places: list[tuple[str, float, float]] = field(default_factory=list)  # towns or streets
    street_dots: list[tuple[float, float]] = field(default_factory=list)
    markers: list[tuple[Marker, float, float]] = field(default_factory=list)
    note: str = ""
    crosshair: bool = False


def draw_map(view: MapView, *, title: str, description: str = "", markers: list[Marker] | tuple = (),
             crosshair: bool = False, dom_id: str = "map", standalone: bool = False) -> SafeString:
    """The map as an inline <svg> (role="img", named by `title` and `description`), or as an
    SVG document (`standalone`) for an <input type="image"> on the location step.

    The SVG is decoration for sighted users: every page that shows one gives the same
    facts as text beside it (the street and division, a list of reports).
    """
    from .selectors import current_boundary_set

    boundary_set = current_boundary_set()
    ox, oy = view.origin
    drawn = DrawnMap(view=view, title=title, description=description, translate=(-ox, -oy), crosshair=crosshair)
    if boundary_set is not None:
        min_lat, max_lat, min_lon, max_lon = view.bounds()
        divisions = list(
            boundary_set.divisions.filter(min_lat__lte=max_lat, max_lat__gte=min_lat, min_lon__lte=max_lon,
                                          max_lon__gte=min_lon).defer("geometry").order_by("slug")
        )
        paths = _division_paths(boundary_set, divisions, view.zoom)
        for division in divisions:
            if division.pk in paths:
                _, path, (lx, ly) = paths[division.pk]
                show = view.zoom >= DIVISION_LABEL_ZOOM and 20 <= lx - ox <= view.width - 20 \
                    and 12 <= ly - oy <= view.height - 12
                drawn.areas.append((path, division.name, lx - ox, ly - oy, show))
        if boundary_set.geometry_is_demo:
            drawn.note = "Demonstration boundaries, not legal ones"
        if view.zoom >= STREET_LABEL_ZOOM:
            for name, lat, lon in (Street.objects.filter(latitude__gte=min_lat, latitude__lte=max_lat,
                                                         longitude__gte=min_lon, longitude__lte=max_lon)
                                   .order_by("name", "pk").values_list("name", "latitude", "longitude")
                                   [:MAX_STREET_LABELS]):
                x, y = view.project(lat, lon)
                drawn.street_dots.append((x, y))
                if 18 <= y <= view.height - 16:  # a name cut by the top or bottom edge reads as another
                    drawn.places.append((name, x, y))
        elif view.zoom <= TOWN_LABEL_MAX_ZOOM:
            for name, lat, lon in _town_labels(boundary_set):
                if view.contains(lat, lon, margin=-10):
                    x, y = view.project(lat, lon)
                    drawn.places.append((name, x, y))
    for marker in markers:
        x, y = view.project(marker.latitude, marker.longitude)
        if -12 <= x <= view.width + 12 and -12 <= y <= view.height + 12:
            drawn.markers.append((marker, x, y))
    return render_to_string("places/map.svg", {
        "map": drawn, "dom_id": dom_id, "standalone": standalone,
        "centre": (view.width / 2, view.height / 2),
        "areas": [(path, name, _n(x), _n(y)) for path, name, x, y, show in drawn.areas if show],
        "paths": [path for path, *_ in drawn.areas],
        "dots": [(_n(x), _n(y)) for x, y in drawn.street_dots],
        "places": [(name, _n(x), _n(y - 5)) for name, x, y in drawn.places],
        "pins": [(m, _n(x), _n(y)) for m, x, y in drawn.markers],
        "translate": (_n(-ox), _n(-oy)),
    })


def _n(number: float) -> str:
    """A coordinate for SVG: one decimal, never localised."""
    return f"{number:.1f}"

