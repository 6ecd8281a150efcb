"""View guards for the staff and members areas."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .permissions import Permission

View = Callable[..., HttpResponse]


def _guard(allowed: Callable[[object], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_area_required = _guard(lambda u: u.can_enter_staff_area)
member_area_required = _guard(lambda u: u.can_enter_member_area)
signed_in_required = _guard(lambda u: True)


def permission_required(permission: Permission) -> Callable[[View], View]:
    return _guard(lambda u: u.has_permission(permission))
