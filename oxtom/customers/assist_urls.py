"""The adviser console, mounted at /staff/assist/. Customer references, never personal data, in URLs."""
from django.urls import path

from . import assist_views as views

app_name = "assist"

urlpatterns = [
    path("", views.console, name="console"),
    path("new/", views.create, name="create"),
    path("contact/", views.contact_new, name="contact"),
    path("session/end/", views.session_end, name="session_end"),
    path("chats/", views.chats, name="chats"),
    path("chats/<int:chat_id>/", views.chat, name="chat"),
    path("chats/<int:chat_id>/messages.json", views.chat_poll, name="chat_poll"),
    path("chats/<int:chat_id>/take/", views.chat_take, name="chat_take"),
    path("chats/<int:chat_id>/close/", views.chat_close, name="chat_close"),
    path("chats/<int:chat_id>/act-for/", views.chat_assist, name="chat_assist"),
    path("customers/<str:reference>/", views.record, name="record"),
    path("customers/<str:reference>/contact/", views.contact_new, name="customer_contact"),
    path("customers/<str:reference>/session/", views.session_start, name="session_start"),
    path("customers/<str:reference>/coach/", views.coach, name="coach"),
]
