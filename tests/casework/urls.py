"""Test URLconf: the project's URLs plus casework's, until oxtom/urls.py mounts casework itself."""
from django.urls import include, path

from oxtom.urls import urlpatterns as project_urlpatterns

_namespaces = {getattr(p, "namespace", None) for p in project_urlpatterns}
urlpatterns = list(project_urlpatterns)
if "casework" not in _namespaces:
    urlpatterns.append(path("staff/", include("casework.urls")))
if "casework_members" not in _namespaces:
    urlpatterns.append(path("members/", include("casework.member_urls")))
