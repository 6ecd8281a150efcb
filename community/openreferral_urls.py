"""Open Referral UK 3.0 at /openreferral/ (paths as the standard's openapi.json names them)."""
from django.urls import path

from .views import openreferral as v

app_name = "openreferral"
urlpatterns = [
    path("", v.root, name="root"),
    path("services", v.services, name="services"),
    path("services/<str:id>", v.service_detail, name="service"),
    path("taxonomies", v.taxonomies, name="taxonomies"),
    path("taxonomies/<str:id>", v.taxonomy_detail, name="taxonomy"),
    path("taxonomy_terms", v.taxonomy_terms, name="taxonomy_terms"),
    path("taxonomy_terms/<str:id>", v.taxonomy_term_detail, name="taxonomy_term"),
    path("service_at_locations", v.service_at_locations, name="service_at_locations"),
    path("service_at_locations/<str:id>", v.service_at_location_detail, name="service_at_location"),
]
