from django.urls import path

from . import views

app_name = "complaints_staff"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("learning/", views.learning, name="learning"),
    path("<str:reference>/", views.detail, name="detail"),
    path("<str:reference>/stage/<int:number>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<str:reference>/stage/<int:number>/respond/", views.respond, name="respond"),
    path("<str:reference>/stage/<int:number>/extend/", views.extend, name="extend"),
    path("<str:reference>/convert/", views.convert, name="convert"),
    path("<str:reference>/learning/", views.learning_add, name="learning_add"),
    path("<str:reference>/learning/<int:pk>/done/", views.learning_done, name="learning_done"),
    path("<str:reference>/ombudsman/", views.ombudsman, name="ombudsman"),
]
