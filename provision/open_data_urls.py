"""The council's transparency publications, mounted at /open-data/ (public, no sign-in)."""
from django.urls import path

from . import views

app_name = "open_data"

urlpatterns = [
    path("", views.open_data, name="index"),
    path("spend-over-500.csv", views.spend_over_500_csv, name="spend_over_500"),
    path("procurement-card.csv", views.procurement_card_csv, name="procurement_card"),
    path("contracts.csv", views.contracts_csv, name="contracts"),
    path("tenders.csv", views.tenders_csv, name="tenders"),
    path("ocds/releases.json", views.ocds_releases, name="ocds"),
]
