"""Residents' webchat, mounted at /chat/. The chat is found through the browser session, never the URL."""
from django.urls import path

from . import webchat_views as views

app_name = "webchat"

urlpatterns = [
    path("", views.chat_home, name="home"),
    path("send/", views.chat_send, name="send"),
    path("messages.json", views.chat_poll, name="poll"),
    path("allow/", views.chat_allow, name="allow"),
    path("end/", views.chat_close, name="close"),
]
