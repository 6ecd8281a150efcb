"""Build demo-divisions-2025.geojson: DEMO geometry, not legal boundaries.

Real division boundaries (ONS / Ordnance Survey Boundary-Line) cannot be
downloaded on the development machines, yet the demo needs every point in
the county to fall in exactly one division. So this script draws one
Voronoi cell around an approximate point in each division's main
settlement (demo-division-seeds.csv) and clips the cells to a rough,
hand-drawn outline of the county (demo-county-outline.geojson).

The result is deterministic: run it again and the file is byte-identical.
Production loads the real boundaries with `manage.py load_boundaries`.

    .venv/bin/python data/places/make_demo_divisions.py
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import shapely
from shapely.geometry import MultiPoint, Point, mapping, shape
from shapely.geometry.polygon import orient

HERE = Path(__file__).resolve().parent
DIVISIONS = HERE / "oxfordshire-2025-divisions.csv"
SEEDS = HERE / "demo-division-seeds.csv"
OUTLINE = HERE / "demo-county-outline.geojson"
OUTPUT = HERE / "demo-divisions-2025.geojson"
PRECISION = 5  # decimal places: about a metre, plenty for a demo


def _rounded(geom):
    """Round to PRECISION places and wind rings as RFC 7946 asks (exterior anticlockwise)."""
    geom = shapely.set_precision(geom, 10**-PRECISION)
    if geom.geom_type == "Polygon":
        return orient(geom, sign=1.0)
    return shapely.MultiPolygon([orient(p, sign=1.0) for p in geom.geoms])


def build() -> dict:
    with DIVISIONS.open(newline="", encoding="utf-8") as fh:
        divisions = {row["slug"]: row for row in csv.DictReader(fh)}
    with SEEDS.open(newline="", encoding="utf-8") as fh:
        seeds = {row["slug"]: (float(row["lon"]), float(row["lat"])) for row in csv.DictReader(fh)}
    if set(seeds) != set(divisions):
        raise SystemExit(f"seed/division mismatch: {sorted(set(seeds) ^ set(divisions))}")
    outline = shape(json.loads(OUTLINE.read_text())["features"][0]["geometry"])
    for slug, (lon, lat) in seeds.items():
        if not outline.contains(Point(lon, lat)):
            raise SystemExit(f"seed for {slug} lies outside the county outline")

    cells = shapely.voronoi_polygons(MultiPoint(list(seeds.values())), extend_to=outline.buffer(0.5))
    features = []
    for slug, (lon, lat) in sorted(seeds.items()):
        seed = Point(lon, lat)
        cell = next(c for c in cells.geoms if c.contains(seed))
        clipped = _rounded(cell.intersection(outline))
        if clipped.geom_type == "GeometryCollection":
            clipped = shapely.union_all([g for g in clipped.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
        if not clipped.is_valid or clipped.is_empty:
            raise SystemExit(f"cell for {slug} is not a valid polygon")
        row = divisions[slug]
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": row["name"],
                    "slug": slug,
                    "code": row["ons_code"],
                    "district": row["district"],
                    "demo": True,
                },
                "geometry": mapping(clipped),
            }
        )
    return {
        "type": "FeatureCollection",
        "name": "oxfordshire-2025-demo",
        "description": (
            "DEMO GEOMETRY, NOT LEGAL BOUNDARIES. One Voronoi cell per Oxfordshire County Council "
            "electoral division (2025), drawn around an approximate point in its main settlement and "
            "clipped to a rough outline of the county. For development and demonstration only."
        ),
        "features": features,
    }


def main() -> None:
    collection = build()
    OUTPUT.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {len(collection['features'])} demo divisions to {OUTPUT.name}")


if __name__ == "__main__":
    main()
