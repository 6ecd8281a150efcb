from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .decorators import member_area_required, signed_in_required, staff_area_required


@signed_in_required
def account_home(request: HttpRequest) -> HttpResponse:
    customer = getattr(request.user, "customer", None)
    return render(request, "account/home.html", {"customer": customer})


@staff_area_required
def staff_home(request: HttpRequest) -> HttpResponse:
    teams = [m.team for m in request.user.team_memberships.select_related("team")]
    return render(request, "staff/home.html", {"teams": teams})


@member_area_required
def member_home(request: HttpRequest) -> HttpResponse:
    return render(request, "members/home.html", {"division": request.user.member_division})
