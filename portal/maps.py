"""Street reports on the offline map (oxtom.places.maps): one report, or the reports around a place.

Each returns the SVG and the words that go beside it, so the page says in text
everything the map shows (the nearest street, the division, a numbered list).
"""
from __future__ import annotations

from django.utils.safestring import SafeString

from oxtom.places import maps
from oxtom.places.models import Street
from oxtom.places.selectors import nearest_street

from .models import StreetReport
from .selectors import bounding_box

REPORT_ZOOM = 15


def report_map(report: StreetReport, *, dom_id: str = "report-map") -> tuple[SafeString, Street | None]:
    """(the map around one report, the gazetteer street nearest it or None)."""
    street = nearest_street(report.latitude, report.longitude)
    near = f" near {street}" if street else ""
    division = f", in the {report.division.name} division" if report.division_id else ""
    svg = maps.draw_map(
        maps.MapView(report.latitude, report.longitude, REPORT_ZOOM),
        title=f"Map of where the problem was reported{near}",
        description=f"The marker shows the point given for the report{near}{division}.",
        markers=[maps.Marker(report.latitude, report.longitude, "", "Where the problem was reported")],
        dom_id=dom_id,
    )
    return svg, street


def reports_around_map(place: tuple[float, float], reports: list, *, radius_m: float) -> SafeString:
    """The searched place and each listed report, numbered as in the list beside the map."""
    view = maps.MapView.fit(*bounding_box(place[0], place[1], radius_m), max_zoom=REPORT_ZOOM)
    markers = [maps.Marker(place[0], place[1], kind="point", title="The place you searched for")]
    markers += [maps.Marker(r.latitude, r.longitude, str(n), f"{n}: {r.case.reference}")
                for n, r in enumerate(reports, start=1)]
    return maps.draw_map(view, title="Map of the reports listed below",
                         description="Numbered markers match the numbers in the list of reports; the red pin is "
                                     "the place you searched for.",
                         markers=markers, dom_id="around-offline-map")
