"""The offline map as an image: /maps/map.svg?lat=&lon=&z= (and &plat=&plon= for a chosen point).

Used by the report-location step, where the map is an <input type="image"> so a click
works without JavaScript. Public (it shows only public boundaries and street names),
cacheable, and from our own origin.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from . import maps
from .selectors import _as_coordinate


def view_from_query(query, *, default: maps.MapView | None) -> maps.MapView | None:
    """The MapView a query string asks for (lat, lon, z, and h: one of maps.HEIGHTS), or `default`
    when any part is missing or unusable."""
    lat, lon = _as_coordinate(query.get("lat"), 85), _as_coordinate(query.get("lon"), 180)
    try:
        zoom = int(query.get("z", ""))
    except (TypeError, ValueError):
        zoom = None
    if lat is None or lon is None or zoom is None:
        return default
    height = default.height if default is not None else maps.HEIGHT
    if str(query.get("h", "")) in {str(h) for h in maps.HEIGHTS}:
        height = int(query["h"])
    return maps.MapView(lat, lon, zoom, maps.WIDTH, height)


def point_from_query(query, lat_key: str = "plat", lon_key: str = "plon") -> tuple[float, float] | None:
    lat, lon = _as_coordinate(query.get(lat_key), 90), _as_coordinate(query.get(lon_key), 180)
    return None if lat is None or lon is None else (round(lat, 6), round(lon, 6))


@require_GET
def map_image(request: HttpRequest) -> HttpResponse:
    view = view_from_query(request.GET, default=maps.county_view(height=maps.TALL_HEIGHT))
    if view is None:
        view = maps.MapView(51.76, -1.26, 9)  # no boundaries loaded yet: an empty map, not an error
    point = point_from_query(request.GET)
    markers = [maps.Marker(*point, kind="point", title="The point you chose")] if point else []
    svg = maps.draw_map(view, title="Map", markers=markers, crosshair=point is None, standalone=True)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
