"""Councillors' division pages. Mounted by oxtom/urls.py at "members/"."""
from django.urls import path

from . import member_views

app_name = "performance_members"

urlpatterns = [
    path("division/", member_views.my_division, name="division"),
    path("division/briefing/", member_views.briefing, name="briefing"),
]
