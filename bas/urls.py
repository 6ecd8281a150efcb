"""/staff/bas/: the business admin service menu and colleagues' requests."""
from django.urls import path

from . import configuration_views as setup
from . import views

app_name = "bas"
urlpatterns = [
    path("", views.menu, name="menu"),
    path("request/<slug:code>/", views.request_new, name="request_new"),
    path("requests/", views.my_requests, name="my_requests"),
    path("requests/<str:reference>/", views.request_detail, name="request"),
    path("requests/<str:reference>/date/", views.request_date, name="date"),
    path("requests/<str:reference>/date/accept/", views.request_accept_date, name="accept_date"),
    path("requests/<str:reference>/messages/", views.request_message, name="message"),
    path("requests/<str:reference>/deliver/", views.request_deliver, name="deliver"),
    path("requests/<str:reference>/rate/", views.request_rate, name="rate"),
    path("requests/<str:reference>/allocate/", views.request_allocate, name="allocate"),
    path("requests/<str:reference>/files/<int:file_id>/", views.request_file, name="file"),
    path("queue/", views.queues, name="queues"),
    path("queue/<slug:slug>/", views.queue, name="queue"),
    path("skills/", views.skills, name="skills"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.manage_item, name="manage_new"),
    path("manage/<slug:code>/", views.manage_item, name="manage_item"),
    path("performance/", views.performance, name="performance"),
    # The manager's set-up: whole menus, and the directorates with the BAS team serving each.
    path("menus/", setup.menus, name="setup_menus"),
    path("menus/new/", setup.menu_new, name="setup_menu_new"),
    path("menus/<slug:slug>/", setup.menu_detail, name="setup_menu"),
    path("menus/<slug:slug>/change/", setup.menu_change, name="setup_menu_change"),
    path("menus/<slug:slug>/move/", setup.menu_move, name="setup_menu_move"),
    path("menus/<slug:slug>/retire/", setup.menu_retire, name="setup_menu_retire"),
    path("menus/<slug:slug>/restore/", setup.menu_restore, name="setup_menu_restore"),
    path("directorates/", setup.directorates, name="setup_directorates"),
    path("directorates/new/", setup.directorate_edit, name="setup_directorate_new"),
    path("directorates/<slug:slug>/", setup.directorate_edit, name="setup_directorate"),
]
