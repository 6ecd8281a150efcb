"""Choosing the problem's point on the offline map (no tile server), without JavaScript.

The map is an <input type="image"> in a GET form: a click sends its pixel, which the
server turns back into a point (oxtom.places.maps). Far out, a click zooms in on
where it landed; close in (PLACE_ZOOM), it places the point, which the resident
then confirms with "Use this point" (a POST to the location step, as the tiled map's
script does). Buttons pan and zoom for keyboard users, and "use the centre of the
map" places the point without a pointer; the postcode and street search on the
location step remain for anyone who cannot use a map at all.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from oxtom.places import maps
from oxtom.places.selectors import division_for_point, nearest_street
from oxtom.places.views import point_from_query, view_from_query

from ..forms import LocationForm

# Close enough (about 3 m a pixel) that a click is a point, not a place to zoom into.
PLACE_ZOOM = 15
ZOOM_STEP = 3
MOVES = {"north": (0, -1), "south": (0, 1), "west": (-1, 0), "east": (1, 0)}


def _click(query) -> tuple[int, int] | None:
    """The clicked pixel of the image button named "at", or None (no click, or a keyboard press at 0, 0)."""
    try:
        x, y = int(query.get("at.x", "")), int(query.get("at.y", ""))
    except (TypeError, ValueError):
        return None
    if (x, y) == (0, 0) or not (0 <= x <= maps.WIDTH and 0 <= y <= maps.TALL_HEIGHT):
        return None
    return x, y


def next_view(query, start: maps.MapView) -> tuple[maps.MapView, tuple[float, float] | None]:
    """(the view to show, the chosen point or None) after a click or a button on the map form."""
    view = view_from_query(query, default=start) or start
    point = point_from_query(query)
    click = _click(query)
    move = query.get("move", "")
    if click is not None:
        clicked = view.unproject(*click)
        if view.zoom < PLACE_ZOOM:
            return maps.MapView(*clicked, min(PLACE_ZOOM, view.zoom + ZOOM_STEP), view.width, view.height), None
        return view, clicked
    if move in MOVES:
        dx, dy = MOVES[move]
        return view.moved(dx=dx * view.width / 2, dy=dy * view.height / 2), point
    if move == "in":
        return view.moved(zoom=view.zoom + 1), point
    if move == "out":
        return view.moved(zoom=view.zoom - 1), point
    if move == "centre":
        if view.zoom < PLACE_ZOOM:
            return view.moved(zoom=PLACE_ZOOM), None
        return view, (round(view.latitude, 6), round(view.longitude, 6))
    return view, point


def map_form_context(view: maps.MapView, point: tuple[float, float] | None) -> dict:
    """What a template needs to draw the clickable map for this view and point."""
    query = {"lat": f"{view.latitude:.6f}", "lon": f"{view.longitude:.6f}", "z": view.zoom, "h": view.height}
    if point:
        query.update(plat=f"{point[0]:.6f}", plon=f"{point[1]:.6f}")
    return {"view": view, "point": point, "map_query": query,
            "map_src": reverse("places:map_image") + "?" + urlencode(query),
            "can_place": view.zoom >= PLACE_ZOOM}


def county_map_context() -> dict | None:
    """The whole county as a clickable map, for the location step (None before boundaries are loaded)."""
    start = maps.county_view(height=maps.TALL_HEIGHT)
    return None if start is None else map_form_context(start, None)


@require_GET
def report_map(request: HttpRequest) -> HttpResponse:
    from .journey import _guard

    d, report_type, bounce = _guard(request, "portal:report_location")
    if bounce:
        return bounce
    start = maps.county_view(height=maps.TALL_HEIGHT)
    if start is None:  # no boundaries loaded: nothing to draw, the postcode still works
        return render(request, "portal/report_map.html", {"report_type": report_type, "no_map": True})
    view, point = next_view(request.GET, start)
    division = division_for_point(*point) if point else None
    street = nearest_street(*point) if point else None
    form = LocationForm(initial={"lat": point[0], "lon": point[1], "source": "map", "where": d.get("where", "")}) \
        if point and division else None
    return render(request, "portal/report_map.html", {
        "report_type": report_type, "division": division, "street": street, "form": form,
        "moves": [("north", "Move north"), ("west", "Move west"), ("east", "Move east"), ("south", "Move south")],
        **map_form_context(view, point),
    })
