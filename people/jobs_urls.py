from django.urls import path

from . import jobs_views as views

app_name = "jobs"
urlpatterns = [
    path("", views.vacancy_list, name="list"),
    path("interview/<str:token>/", views.interview, name="interview"),
    path("offer/<str:token>/", views.offer, name="offer"),
    path("pool/leave/<str:token>/", views.pool_withdraw, name="pool_withdraw"),
    path("<str:reference>/", views.vacancy_detail, name="vacancy"),
    path("<str:reference>/apply/", views.apply_start, name="apply_start"),
    path("<str:reference>/apply/check/", views.apply_check, name="apply_check"),
    path("<str:reference>/apply/done/", views.apply_done, name="apply_done"),
    path("<str:reference>/apply/<slug:step>/", views.apply_step, name="apply"),
]
