"""The account home and the staff and members home pages. Thin: they read and render."""
from __future__ import annotations

from allauth.account.views import LoginView as AllauthLoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from oxtom.customers.models import Customer
from oxtom.places.models import Division

from .decorators import member_area_required, signed_in_required, staff_area_required
from .permissions import Permission
from .staff_home import sections_for

DETAILS_PATH = "/account/details/"


def _route_exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


@signed_in_required
def account_home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's reference and the contact details we hold: only what exists."""
    customer = (
        Customer.objects.filter(user=request.user, merged_into__isnull=True).select_related("division").first()
    )
    return render(
        request,
        "account/home.html",
        {
            "customer": customer,
            "details_url": DETAILS_PATH if customer is not None and _route_exists(DETAILS_PATH) else None,
        },
    )


@staff_area_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """Their work first (sections capabilities register: casework's cases and case finder),
    then what this member of staff can do and their teams."""
    memberships = list(request.user.team_memberships.select_related("team").order_by("team__name"))
    return render(
        request,
        "staff/home.html",
        {"memberships": memberships, "roles": request.user.role_objects,
         "can_open_queues": request.user.has_permission(Permission.CASE_VIEW_TEAM),
         "sections": sections_for(request)},
    )


@member_area_required
def member_home(request: HttpRequest) -> HttpResponse:
    """A councillor's home: the division they represent."""
    division = (
        Division.objects.select_related("locality", "boundary_set").filter(pk=request.user.member_division_id).first()
        if request.user.member_division_id
        else None
    )
    return render(request, "members/home.html", {"division": division})


class LoginView(AllauthLoginView):
    """allauth's sign-in page, answering 429 with Retry-After while failed sign-ins are slowed (throttle.py)."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        wait = getattr(self.request, "sign_in_wait_seconds", 0)
        if wait:
            response.status_code = 429
            response["Retry-After"] = str(wait)
        return response


login = LoginView.as_view()
