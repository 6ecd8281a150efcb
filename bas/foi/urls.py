from django.urls import path

from . import views

app_name = "foi"
urlpatterns = [
    path("", views.index, name="index"),
    path("request/", views.make_request, name="request"),
    path("request/done/", views.done, name="done"),
    path("my-requests/", views.mine, name="mine"),
    path("my-requests/<str:reference>/review/", views.ask_review, name="review"),
    path("log/<str:reference>/", views.entry, name="entry"),
]
