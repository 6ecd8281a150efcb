"""Open311 GeoReport v2, mounted at /open311/v2/ by oxtom/urls.py. Every resource in .json and .xml."""
from django.urls import re_path

from .views import open311

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)"

urlpatterns = [
    re_path(rf"^discovery{FMT}$", open311.discovery, name="discovery"),
    re_path(rf"^services{FMT}$", open311.service_list, name="services"),
    re_path(rf"^services/(?P<code>[A-Za-z0-9_-]{{1,40}}){FMT}$", open311.service_definition, name="service"),
    re_path(rf"^requests{FMT}$", open311.service_requests, name="requests"),
    re_path(rf"^requests/(?P<reference>[A-Za-z0-9-]{{1,20}}){FMT}$", open311.service_request, name="request"),
    re_path(rf"^servicerequestupdates{FMT}$", open311.request_updates, name="updates"),
    # Anything else under /open311/v2/ answers with the spec's error list, not an HTML page.
    re_path(r"^.*?(?:\.(?P<fmt>json|xml))?$", open311.not_found),
]
