from django.urls import path

from . import views

app_name = "foi_staff"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("log-received/", views.log_received, name="log"),
    path("trends/", views.trends, name="trends"),
    path("review/<str:reference>/", views.review, name="review"),
    path("<str:reference>/", views.case, name="case"),
    path("<str:reference>/allocation/<int:pk>/", views.allocation_received, name="allocation"),
    path("<str:reference>/finding/<int:pk>/", views.hit_decide, name="hit"),
    path("<str:reference>/attachment/<int:pk>/", views.attachment, name="attachment"),
    path("<str:reference>/<slug:action>/", views.case_action, name="action"),
]
