from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "oxtom.places"
    label = "places"
    verbose_name = "Places"
