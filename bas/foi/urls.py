from django.urls import path

from . import views

app_name = "foi"
urlpatterns = [
    path("", views.index, name="index"),
    path("request/", views.make_request, name="request"),
    path("request/done/", views.done, name="done"),
    path("my-requests/", views.mine, name="mine"),
    path("my-requests/<str:reference>/review/", views.ask_review, name="review"),
    # The response message's link for a requester without an account (a signed token, no sign-in).
    path("review/<str:token>/", views.review_by_link, name="review_link"),
    path("review/<str:token>/asked/", views.review_by_link_done, name="review_link_done"),
    path("log/<str:reference>/", views.entry, name="entry"),
]
