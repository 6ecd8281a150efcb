"""The BI team's and the MASH team's pages. Mounted by oxtom/urls.py at "staff/insight/"."""
from django.urls import path

from . import views

app_name = "insight"

urlpatterns = [
    path("", views.forecasts, name="forecasts"),
    path("forecasts/<slug:code>/", views.forecast, name="forecast"),
    path("capacity/", views.capacity, name="capacity"),
    path("mash/", views.mash_queue, name="mash"),
    path("mash/new/", views.mash_new, name="mash_new"),
    path("mash/<str:reference>/", views.referral, name="referral"),
    path("models/", views.models, name="models"),
    path("models/train/", views.model_train, name="model_train"),
    path("models/<int:number>/", views.model, name="model"),
    path("review/", views.review, name="review"),
    path("review/<int:pk>/", views.review_case, name="review_case"),
]
