"""Mounted at /staff/people/ beside people/urls.py (which owns the rest of it): starters/, leavers/, access/."""
from django.urls import path

from . import views

app_name = "onboarding"
urlpatterns = [
    path("starters/", views.starters, name="starters"),
    path("starters/<int:pk>/", views.starter, name="starter"),
    path("starters/<int:pk>/items/<int:item_pk>/done/", views.item_done, name="item_done"),
    path("starters/<int:pk>/buddy/assign/", views.assign_buddy, name="assign_buddy"),
    path("starters/<int:pk>/start-date/", views.set_start_date, name="set_start_date"),
    path("starters/<int:pk>/buddy/", views.buddy, name="buddy"),
    path("starters/welcome/<str:token>/", views.portal, name="portal"),
    path("starters/welcome/<str:token>/e-learning/<slug:code>/", views.portal_elearning, name="portal_elearning"),
    path("leavers/", views.leavers, name="leavers"),
    path("leavers/<int:pk>/", views.leaver, name="leaver"),
    path("leavers/<int:pk>/items/<int:item_pk>/done/", views.leaver_item_done, name="leaver_item_done"),
    path("leavers/<int:pk>/cancel/", views.leaver_cancel, name="leaver_cancel"),
    path("leavers/role-change/", views.role_change, name="role_change"),
    path("access/", views.access, name="access"),
    path("access/new/", views.access_new, name="access_new"),
    path("access/<int:pk>/check/", views.access_check, name="access_check"),
]
