from django.urls import path

from . import views

app_name = "foi_staff"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("log-received/", views.log_received, name="log"),
    path("trends/", views.trends, name="trends"),
    path("review/<str:reference>/", views.review, name="review"),
    # The holding services' side: before <reference>/, which would otherwise take "allocations".
    path("allocations/", views.holder_allocations, name="holder_allocations"),
    path("allocations/<int:pk>/", views.holder_allocation, name="holder_allocation"),
    path("<str:reference>/", views.case, name="case"),
    path("<str:reference>/allocation/<int:pk>/", views.allocation_received, name="allocation"),
    path("<str:reference>/allocation/<int:pk>/file/", views.allocation_file, name="allocation_file"),
    path("<str:reference>/finding/<int:pk>/", views.hit_decide, name="hit"),
    path("<str:reference>/attachment/<int:pk>/", views.attachment, name="attachment"),
    path("<str:reference>/<slug:action>/", views.case_action, name="action"),
]
