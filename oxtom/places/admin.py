"""Read-only admin for places: boundaries and postcodes change only through the loaders (all or nothing)."""
from __future__ import annotations

from django.contrib import admin

from .models import BoundarySet, Division, Locality, PostcodeCentroid, Street


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Locality)
class LocalityAdmin(ReadOnlyAdmin):
    list_display = ("name", "ons_code")


@admin.register(BoundarySet)
class BoundarySetAdmin(ReadOnlyAdmin):
    list_display = ("name", "slug", "in_force_from", "in_force_to", "is_current", "geometry_is_demo")


@admin.register(Division)
class DivisionAdmin(ReadOnlyAdmin):
    list_display = ("name", "ons_code", "locality", "boundary_set")
    list_filter = ("boundary_set", "locality")
    search_fields = ("name", "ons_code")
    exclude = ("geometry",)


@admin.register(PostcodeCentroid)
class PostcodeCentroidAdmin(ReadOnlyAdmin):
    list_display = ("postcode", "kind", "latitude", "longitude", "post_town", "source")
    list_filter = ("kind",)
    search_fields = ("postcode",)


@admin.register(Street)
class StreetAdmin(ReadOnlyAdmin):
    list_display = ("name", "town", "district", "latitude", "longitude", "source")
    list_filter = ("district",)
    search_fields = ("search_key", "town")
