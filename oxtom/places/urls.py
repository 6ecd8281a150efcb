"""The offline map image. Mounted by oxtom/urls.py at /maps/."""
from django.urls import path

from . import views

app_name = "places"

urlpatterns = [
    path("map.svg", views.map_image, name="map_image"),
]
