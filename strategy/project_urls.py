"""The project office and the board. Mounted by oxtom/urls.py at "staff/projects/"."""
from django.urls import path, re_path

from .views import projects as v

app_name = "strategy_projects"

REF = r"(?P<reference>PRJ-\d{4,6})"

urlpatterns = [
    path("", v.register, name="register"),
    path("new/", v.propose, name="propose"),
    path("board/", v.board, name="board"),
    path("pool/", v.pool, name="pool"),
    re_path(rf"^{REF}/$", v.project_detail, name="project"),
    re_path(rf"^{REF}/decide/$", v.decide, name="decide"),
    re_path(rf"^{REF}/allocate/$", v.allocate, name="allocate"),
    re_path(rf"^{REF}/highlight/$", v.highlight, name="highlight"),
    re_path(rf"^{REF}/benefits/(?P<pk>\d{{1,9}})/actual/$", v.benefit_actual, name="benefit_actual"),
]
