from django.urls import path

from . import team_views, views

urlpatterns = [
    path("", views.staff_home, name="staff_home"),
    # The administrator's team pages (USER_ADMIN).
    path("teams/", team_views.team_list, name="staff_teams"),
    path("teams/<slug:slug>/", team_views.team_detail, name="staff_team"),
    path("teams/<slug:slug>/members/<int:membership_id>/", team_views.member_change, name="staff_team_member"),
    path("teams/<slug:slug>/members/<int:membership_id>/remove/", team_views.member_remove,
         name="staff_team_member_remove"),
]
