"""Performance analysts' pages. Mounted by oxtom/urls.py at "staff/performance/"."""
from django.urls import path, re_path

from . import staff_views as v

app_name = "performance_staff"

MONTH = r"(?P<month>\d{4}-\d{2})"

urlpatterns = [
    path("", v.measure_list, name="measures"),
    path("measures/<slug:code>/", v.measure_detail, name="measure"),
    path("measures/<slug:code>/definition/", v.definition_change, name="definition"),
    path("measures/<slug:code>/target/", v.target_set, name="target"),
    path("measures/<slug:code>/commentary/", v.commentary_add, name="commentary"),
    path("measures/<slug:code>/figures/new/", v.entry_new, name="entry"),
    path("approvals/", v.approvals, name="approvals"),
    path("approvals/<int:pk>/", v.approval_decide, name="approval"),
    path("import/", v.import_upload, name="import"),
    path("comparators/", v.comparator_groups, name="comparators"),
    path("comparators/new/", v.comparator_group_new, name="comparator_new"),
    path("periods/", v.period_list, name="periods"),
    re_path(rf"^periods/{MONTH}/close/$", v.period_close, name="period_close"),
    re_path(rf"^reports/{MONTH}/$", v.report_detail, name="report"),
    re_path(rf"^reports/{MONTH}/report\.pdf$", v.report_pdf, name="report_pdf"),
    re_path(rf"^reports/{MONTH}/approve/$", v.report_approve, name="report_approve"),
]
