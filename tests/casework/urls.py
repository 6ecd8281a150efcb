"""Test URLconf: the project's URLs plus casework's, until oxtom/urls.py mounts casework itself."""
from django.urls import include, path

from oxtom.urls import urlpatterns as project_urlpatterns

_mounted = any(getattr(p, "namespace", None) == "casework" for p in project_urlpatterns)
urlpatterns = list(project_urlpatterns) + ([] if _mounted else [path("staff/", include("casework.urls"))])
