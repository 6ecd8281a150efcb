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
    path("transcript.txt", views.chat_transcript, name="transcript"),
    # A signed-in resident's own chats and their transcripts.
    path("your-chats/", views.your_chats, name="your_chats"),
    path("your-chats/<int:chat_id>/", views.your_chat, name="your_chat"),
    path("your-chats/<int:chat_id>/transcript.txt", views.your_chat_download, name="your_chat_download"),
]
