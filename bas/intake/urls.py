from django.urls import path

from . import views

app_name = "bas_intake"
urlpatterns = [
    path("post/", views.post_list, name="post_list"),
    path("post/new/", views.post_new, name="post_new"),
    path("post/<str:reference>/", views.post_item, name="post_item"),
    path("post/<str:reference>/describe/", views.post_describe, name="post_describe"),
    path("post/<str:reference>/match-case/", views.post_match_case, name="post_match_case"),
    path("post/<str:reference>/find-customer/", views.post_find_customer, name="post_find_customer"),
    path("post/<str:reference>/match-customer/", views.post_match_customer, name="post_match_customer"),
    path("post/<str:reference>/unmatch/", views.post_unmatch, name="post_unmatch"),
    path("post/<str:reference>/route/", views.post_route, name="post_route"),
    path("post/<str:reference>/route-to-team/", views.post_route_to_team, name="post_route_to_team"),
    path("post/<str:reference>/scan/", views.post_file, name="post_file"),
    path("uploads/", views.uploads, name="uploads"),
    path("uploads/example/<str:code>.csv", views.dataset_sample, name="dataset_sample"),
    path("uploads/<str:reference>/", views.upload_detail, name="upload"),
    path("uploads/<str:reference>/problems.csv", views.upload_report_csv, name="upload_report_csv"),
    path("uploads/<str:reference>/rows.csv", views.upload_rows_csv, name="upload_rows_csv"),
]
