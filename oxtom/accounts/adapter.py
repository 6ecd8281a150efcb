from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Sends each role to its own area after sign-in."""

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if getattr(user, "can_enter_staff_area", False):
            return "/staff/"
        if getattr(user, "can_enter_member_area", False):
            return "/members/"
        return super().get_login_redirect_url(request)
