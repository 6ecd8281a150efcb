from django.urls import path  # noqa: F401

app_name = "bas_intake"
urlpatterns: list = []
