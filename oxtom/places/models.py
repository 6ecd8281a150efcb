"""Electoral divisions as versioned boundary sets, and the county's districts.

Boundaries change (the county's changed in May 2025), so every division
belongs to a BoundarySet, and figures computed per division record which
set they used.
"""
from __future__ import annotations

from django.db import models


class Locality(models.Model):
    """A district council area within the county (e.g. Cherwell)."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    ons_code = models.CharField(max_length=9, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "localities"

    def __str__(self) -> str:
        return self.name


class BoundarySet(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    legislation = models.CharField(max_length=200, blank=True)
    in_force_from = models.DateField()
    in_force_to = models.DateField(null=True, blank=True)
    is_current = models.BooleanField(default=False)
    # Where the geometry came from (file name, ONS release...). Demo geometry is
    # flagged so pages and exports can say it is not a legal boundary.
    geometry_source = models.CharField(max_length=200, blank=True)
    geometry_is_demo = models.BooleanField(default=False)
    # Bumped by every boundary load; keys the per-process cache of prepared
    # polygons (selectors.py), so a reload is picked up without a restart.
    geometry_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-in_force_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="one_current_boundary_set"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Division(models.Model):
    boundary_set = models.ForeignKey(BoundarySet, on_delete=models.PROTECT, related_name="divisions")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120)
    ons_code = models.CharField(max_length=9, blank=True)
    locality = models.ForeignKey(Locality, null=True, blank=True, on_delete=models.PROTECT, related_name="divisions")
    # GeoJSON geometry (Polygon/MultiPolygon, WGS84) and its bounding box; the
    # box is indexed so a point lookup scans only a handful of candidates.
    geometry = models.JSONField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    electorate = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["boundary_set", "slug"], name="unique_division_slug_per_set"),
        ]
        indexes = [models.Index(fields=["boundary_set", "min_lat", "max_lat", "min_lon", "max_lon"])]

    def __str__(self) -> str:
        return self.name


class PostcodeCentroid(models.Model):
    """An approximate centre point for a postcode unit, sector or district.

    Lets an address's division be derived without a network service: a full
    postcode is looked up first, then its sector ("OX1 1"), then its district
    ("OX1"). The shipped table holds Oxfordshire's districts and some sectors
    with approximate centroids; production loads the ONS Postcode Directory
    (ONSPD) units through the same `load_postcodes` command.
    """

    class Kind(models.TextChoices):
        UNIT = "unit", "Full postcode"
        SECTOR = "sector", "Postcode sector"
        DISTRICT = "district", "Postcode district"

    postcode = models.CharField(max_length=8, unique=True, help_text="Normalised: 'OX1 1ND', 'OX1 1' or 'OX1'")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    latitude = models.FloatField()
    longitude = models.FloatField()
    # Royal Mail post town, where the source gives one (the shipped table does; ONSPD does not).
    post_town = models.CharField(max_length=40, blank=True)
    # Rough share of the county's households, used only to spread demo data.
    weight = models.PositiveIntegerField(default=1)
    source = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["postcode"]

    def __str__(self) -> str:
        return self.postcode


class Street(models.Model):
    """A named street with one point on it: the gazetteer behind "search for a street".

    Loaded from OS Open Names ("Named Road" entries; one per stretch of road
    within a settlement) or the shipped demo list, by `load_streets`. The
    point is where the source places the name, not the whole line, which is
    close enough to find nearby reports and to route a report to its team.
    """

    # The source's own id (OS Open Names "ID"), or for a file without ids a key made of the
    # name, town and point; unique, so loading the same file again updates instead of duplicating.
    ref = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=120)
    # streets.street_key(name): lower case, punctuation gone, "Rd"/"St"/"Ave" spelled out.
    search_key = models.CharField(max_length=160)
    town = models.CharField(max_length=80, blank=True)
    town_key = models.CharField(max_length=80, blank=True)
    district = models.CharField(max_length=80, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    source = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["search_key", "town_key"]
        # Pattern ops let PostgreSQL use the index for the prefix match (LIKE 'abc%') whatever the
        # database's collation; other databases ignore opclasses and get a plain index.
        indexes = [models.Index(fields=["search_key", "town_key"], name="street_search_town",
                                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.name}, {self.town}" if self.town else self.name
