from django.urls import path  # noqa: F401

app_name = "complaints_staff"
urlpatterns: list = []
