"""Staff casework. Mounted under /staff/ by oxtom/urls.py: path("staff/", include("casework.urls"))."""
from django.urls import path

from . import catalogue_views, task_views, views

app_name = "casework"

urlpatterns = [
    path("queues/", views.queue_list, name="queues"),
    path("queues/<slug:team_slug>/", views.queue, name="queue"),
    path("queues/<slug:team_slug>/next/", views.claim_next, name="claim_next"),
    path("queues/<slug:team_slug>/workload/", views.workload, name="workload"),
    path("queues/<slug:team_slug>/reassign/", views.bulk_reassign, name="bulk_reassign"),
    path("queues/<slug:team_slug>/qa/", views.qa_list, name="qa"),
    path("queues/<slug:team_slug>/qa/<int:check_id>/", views.qa_review, name="qa_review"),
    path("find-case/", views.find_case, name="find_case"),  # the staff home's "go to case" box
    path("cases/<str:reference>/", views.case_detail, name="case"),
    path("cases/<str:reference>/tasks/add/", task_views.task_add, name="task_add"),
    path("cases/<str:reference>/tasks/<int:task_id>/done/", task_views.task_complete, name="task_done"),
    path("cases/<str:reference>/tasks/<int:task_id>/reopen/", task_views.task_reopen, name="task_reopen"),
    # A member of staff's own requests to other teams (Case.requested_by).
    path("requests/", task_views.my_requests, name="my_requests"),
    path("requests/<str:reference>/", task_views.my_request, name="my_request"),
    # The administrator's service catalogue (CATALOGUE_EDIT).
    path("catalogue/", catalogue_views.catalogue_list, name="catalogue"),
    path("catalogue/<slug:code>/", catalogue_views.catalogue_service, name="catalogue_service"),
    path("catalogue/<slug:code>/stages/", catalogue_views.catalogue_stages, name="catalogue_stages"),
    path("catalogue/<slug:code>/stages/add/", catalogue_views.catalogue_stage_add, name="catalogue_stage_add"),
    path("catalogue/<slug:code>/stages/<str:stage_id>/", catalogue_views.catalogue_stage_change,
         name="catalogue_stage_change"),
    path("catalogue/<slug:code>/stages/<str:stage_id>/remove/", catalogue_views.catalogue_stage_remove,
         name="catalogue_stage_remove"),
    path("cases/<str:reference>/<slug:action>/", views.case_action, name="case_action"),
]
