"""One submission key for every state-changing form: a replayed POST is answered, not acted on.

How it works, for any form (staff case actions, customer changes, resident replies):

1. The template puts `{% submission_key %}` (oxtom template tags) inside the
   `<form>`, next to `{% csrf_token %}`: a hidden random key, new for each
   page shown (a form shown again with errors keeps the key it was sent with).
2. `SubmissionOnceMiddleware` sees a POST carrying the key, records it in
   `SubmittedForm` inside the same transaction as the view's own writes, and
   lets the view run. If the view redirects (the PRG success path) the record
   stays, with where it redirected; if it shows the form again (errors) the
   record is dropped, so the corrected form can be sent.
3. The same key again (double click, a browser resend, a second tab, or a
   twin arriving at the same moment: the unique index makes the twin wait for
   the first and then fail) is not passed to the view: it gets "That has
   already been done" and a redirect to where the first one went.

Forms without the key behave as before; the journeys with their own drafts
(report, apply, sign-up) keep the draft's key, which the database settles too.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import Callable

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, UnreadablePostError
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from .models import SubmittedForm

FIELD = "submission_key"
KEEP_FOR = timedelta(days=3)
ALREADY_DONE = "That has already been done: it has not been done again"
_VALID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_key() -> str:
    return secrets.token_urlsafe(24)


def key_for_form(request: HttpRequest | None) -> str:
    """The key to put in a form: the one just sent (the form is shown again with errors), else a new one."""
    sent = request.POST.get(FIELD, "") if request is not None and request.method == "POST" else ""
    return sent if _VALID.match(sent) else new_key()


def _scoped(request: HttpRequest, key: str) -> str:
    user = getattr(request, "user", None)
    who = f"user:{user.pk}" if user is not None and user.is_authenticated else f"session:{request.session.session_key}"
    return hashlib.sha256(f"{who}:{key}".encode()).hexdigest()


def _replay(request: HttpRequest, redirect_to: str) -> HttpResponse:
    messages.info(request, ALREADY_DONE)
    safe = redirect_to and url_has_allowed_host_and_scheme(redirect_to, allowed_hosts={request.get_host()})
    return HttpResponseRedirect(redirect_to if safe else request.path)


def _posted_key(request: HttpRequest) -> str:
    """The key a form posted, or "".

    Only HTML form bodies sent to CSRF-protected views are read: CsrfViewMiddleware has
    parsed those already, so reading them here changes nothing. A csrf_exempt view (the
    Open311 API) parses its own body and answers its own errors (too big, too many fields).
    """
    if request.method != "POST" or request.content_type not in ("application/x-www-form-urlencoded",
                                                                "multipart/form-data"):
        return ""
    try:
        if getattr(resolve(request.path_info).func, "csrf_exempt", False):
            return ""
    except Resolver404:
        return ""
    try:
        return request.POST.get(FIELD, "")
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, UnreadablePostError):
        return ""


class SubmissionOnceMiddleware:
    """Acts on each submission key once (see the module docstring). Sits last, so it wraps only the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = _posted_key(request)
        if not _VALID.match(key):
            return self.get_response(request)
        scoped = _scoped(request, key)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = SubmittedForm.objects.create(key=scoped)
            except IntegrityError:
                first = SubmittedForm.objects.filter(key=scoped).values_list("redirect_to", flat=True).first()
                return _replay(request, first or "")
            response = self.get_response(request)
            if 300 <= response.status_code < 400 and response.has_header("Location"):
                SubmittedForm.objects.filter(pk=record.pk).update(redirect_to=response["Location"][:500])
            elif response.status_code >= 500:
                transaction.set_rollback(True)  # a crash half-way keeps nothing, the key included
            else:
                # Nothing was done (the form came back with errors, or was refused): the key may be sent again.
                SubmittedForm.objects.filter(pk=record.pk).delete()
        return response


def purge_old_submissions(*, now=None) -> int:
    """Forget keys older than KEEP_FOR (a replay after days is a new submission, or a stale page)."""
    deleted, _ = SubmittedForm.objects.filter(done_at__lt=(now or timezone.now()) - KEEP_FOR).delete()
    return deleted
