"""The administrator's team pages (/staff/teams/): who is in each team and who leads it.

Thin: USER_ADMIN is checked by the decorator and again by the services, which
write and audit. Team membership is access (whose cases an officer works), so
every change is one POST, confirmed, and recorded.
"""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from oxtom.core.forms import errors_onto_form

from .decorators import permission_required
from .models import Team, TeamMembership
from .permissions import Permission
from .services import team_member_add, team_member_remove, team_member_set_role, team_member_set_team_role
from .team_forms import AddMemberForm, RoleForm

admin_required = permission_required(Permission.USER_ADMIN)


def _team(slug: str) -> Team:
    team = Team.objects.filter(slug=slug).first() if slug and len(slug) <= 60 else None
    if team is None:
        raise Http404("No team found")
    return team


def _membership(team: Team, membership_id: int) -> TeamMembership:
    membership = TeamMembership.objects.select_related("user", "team").filter(team=team, pk=membership_id).first()
    if membership is None:
        raise Http404("No such member")
    return membership


@admin_required
@require_http_methods(["GET"])
def team_list(request: HttpRequest) -> HttpResponse:
    teams = list(Team.objects.annotate(members=Count("memberships"),
                                       leaders=Count("memberships", filter=Q(memberships__is_leader=True)),
                                       services_count=Count("services", distinct=True))
                 .order_by("name"))
    return render(request, "staff/teams/list.html", {"teams": teams})


def _detail(request: HttpRequest, team: Team, form: AddMemberForm, status: int = 200) -> HttpResponse:
    memberships = list(team.memberships.select_related("user").order_by("-is_leader", "user__full_name", "user__email"))
    return render(request, "staff/teams/detail.html", {"team": team, "memberships": memberships, "form": form},
                  status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    team = _team(slug)
    if request.method == "GET":
        return _detail(request, team, AddMemberForm())
    form = AddMemberForm(request.POST)
    if form.is_valid():
        user = form.cleaned_data["email"]
        try:
            team_member_add(team=team, user=user, is_leader=form.cleaned_data["role"] == "leader", by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc, fields={"user": "email", "role": "role"})
        else:
            messages.success(request, f"{user} added to {team.name}")
            return redirect("staff_team", slug=team.slug)
    return _detail(request, team, form, status=400)


@admin_required
@require_http_methods(["GET", "POST"])
def member_change(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    team = _team(slug)
    membership = _membership(team, membership_id)
    form = RoleForm(request.POST or None, initial={"role": "leader" if membership.is_leader else "member",
                                                   "team_role": membership.team_role})
    if request.method == "POST" and form.is_valid():
        is_leader = form.cleaned_data["role"] == "leader"
        team_role = form.cleaned_data.get("team_role") or ""
        try:
            if is_leader == membership.is_leader and team_role == membership.team_role:
                raise ValidationError({"role": f"{membership.user} already has these roles in {team.name}"})
            with transaction.atomic():
                # A team-only team leader role comes before leading on it; taking it away after.
                if team_role != membership.team_role and team_role == "team_leader":
                    membership = team_member_set_team_role(membership=membership, team_role=team_role, by=request.user)
                if is_leader != membership.is_leader:
                    membership = team_member_set_role(membership=membership, is_leader=is_leader, by=request.user)
                if team_role != membership.team_role:
                    membership = team_member_set_team_role(membership=membership, team_role=team_role, by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc, fields={"role": "role", "team_role": "team_role"})
        else:
            messages.success(request, f"{membership.user}'s role in {team.name} changed")
            return redirect("staff_team", slug=team.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "staff/teams/member.html", {"team": team, "membership": membership, "form": form},
                  status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    team = _team(slug)
    membership = _membership(team, membership_id)
    if request.method == "POST":
        team_member_remove(membership=membership, by=request.user)
        messages.success(request, f"{membership.user} taken out of {team.name}")
        return redirect("staff_team", slug=team.slug)
    # Their open cases in this team stay theirs: say how many, so the administrator can ask the leader to move them.
    # (The reverse relation casework adds to users; none when casework is not installed.)
    assigned = getattr(membership.user, "assigned_cases", None)
    open_cases = assigned.filter(team=team).exclude(status="closed").count() if assigned is not None else 0
    return render(request, "staff/teams/remove.html", {"team": team, "membership": membership,
                                                      "open_cases": open_cases})
