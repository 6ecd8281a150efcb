"""Notification endpoints and pages: the inbound-SMS callback, the dev page, the dead-letter page."""
from __future__ import annotations

import hmac
import json
import logging
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from oxtom.accounts.decorators import permission_required
from oxtom.accounts.permissions import Permission

from . import selectors, services
from .forms import SimulateReplyForm
from .inbound import MAX_BODY_BYTES, InboundPayloadError, parse_inbound_payload

logger = logging.getLogger(__name__)


def _error(status: int, error: str, message: str, **headers: str) -> JsonResponse:
    """Errors in Notify's own shape, so whoever reads our logs sees a familiar format."""
    response = JsonResponse({"status_code": status, "errors": [{"error": error, "message": message}]}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def receive_raw(raw: bytes) -> tuple[dict, int]:
    """Parse and store one inbound callback body: shared by the endpoint and the dev page."""
    payload = parse_inbound_payload(raw)
    inbound, created = services.inbound_sms_receive(payload=payload)
    return {"id": inbound.provider_id, "status": "received" if created else "duplicate"}, 201 if created else 200


@csrf_exempt
@require_POST
def inbound_sms(request: HttpRequest) -> HttpResponse:
    """GOV.UK Notify's inbound text message callback.

    Notify sends `Authorization: Bearer <token>` with the token we gave it;
    anything else is refused before the body is read.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _error(401, "AuthError", "Send the callback token as 'Authorization: Bearer <token>'",
                      WWW_Authenticate='Bearer realm="notify-inbound"')
    expected = settings.NOTIFY_INBOUND_TOKEN
    if not expected or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return _error(403, "AuthError", "The callback token is not the one this service expects")

    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return _error(400, "ValidationError", "Content-Length must be a number")
    if declared > MAX_BODY_BYTES:
        return _error(413, "ValidationError", f"Request body must be {MAX_BODY_BYTES // 1024} KB or smaller")
    raw = request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        return _error(413, "ValidationError", f"Request body must be {MAX_BODY_BYTES // 1024} KB or smaller")
    try:
        body, status = receive_raw(raw)
    except InboundPayloadError as exc:
        return _error(400, "ValidationError", str(exc))
    return JsonResponse(body, status=status)


def _bearer_ok(request: HttpRequest, expected: str) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return (scheme.lower() == "bearer" and bool(token.strip()) and bool(expected)
            and hmac.compare_digest(token.strip().encode(), expected.encode()))


@csrf_exempt
@require_POST
def delivery_status(request: HttpRequest) -> HttpResponse:
    """GOV.UK Notify's delivery status callback: delivered, or a permanent/temporary/technical failure.

    Refused (401, nothing read or changed) without the bearer token we gave Notify. Known messages
    answer 200 whether or not the status changed anything (a retried callback is normal); an unknown
    reference answers 200 too, so Notify stops retrying something we will never find.
    """
    from .delivery import DeliveryCallbackError, delivery_status_record, parse_callback

    if not _bearer_ok(request, settings.NOTIFY_CALLBACK_TOKEN):
        return _error(401, "AuthError", "Send the callback token as 'Authorization: Bearer <token>'",
                      WWW_Authenticate='Bearer realm="notify-callbacks"')
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return _error(400, "ValidationError", "Content-Length must be a number")
    raw = request.read(MAX_BODY_BYTES + 1) if declared <= MAX_BODY_BYTES else b""
    if declared > MAX_BODY_BYTES or len(raw) > MAX_BODY_BYTES:
        return _error(413, "ValidationError", f"Request body must be {MAX_BODY_BYTES // 1024} KB or smaller")
    try:
        reference, notify_id, status = parse_callback(json.loads(raw or b"null"))
    except (ValueError, DeliveryCallbackError) as exc:
        message = str(exc) if isinstance(exc, DeliveryCallbackError) else "The body must be JSON"
        return _error(400, "ValidationError", message)
    result = delivery_status_record(reference=reference, notify_id=notify_id, status=status)
    if result.message is None:
        return JsonResponse({"status": "unknown"}, status=200)
    return JsonResponse({"status": "recorded" if result.changed else "unchanged",
                         "fallback": str(result.fallback.pk) if result.fallback else None})


def _dev_page_allowed(user) -> bool:
    """Staff only, even in the demo: the page shows every text, number and reply sent to anyone.

    With DEBUG on (the embedded default) any signed-in member of staff may use it;
    in production only administrators.
    """
    if not user.is_authenticated or not user.can_enter_staff_area:
        return False
    return settings.DEBUG or user.has_role("administrator")


@require_http_methods(["GET", "POST"])
def dev_page(request: HttpRequest) -> HttpResponse:
    """The embedded default's 'phone': what the SMS sink holds, the outbox, and a reply form.

    In the demo (DEBUG) a signed-out visitor is sent to sign in; anyone else who
    may not use it gets 404, so the page's existence is not revealed in production.
    """
    if settings.DEBUG and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not _dev_page_allowed(request.user):
        raise Http404
    form = SimulateReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        payload = {
            "id": f"dev-{uuid.uuid4()}",
            "source_number": form.cleaned_data["from_number"].lstrip("+"),
            "destination_number": "",
            "message": form.cleaned_data["message"],
            "date_received": timezone.now().isoformat(),
        }
        try:
            receive_raw(json.dumps(payload).encode())
        except InboundPayloadError as exc:  # the form already checked; kept for symmetry with the endpoint
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Reply received")
            return redirect("notify:dev")
    context = {
        "form": form,
        "sms": selectors.sms_sink(),
        "outbox": selectors.recent_outbox(),
        "inbound": selectors.recent_inbound(),
    }
    return render(request, "notify/dev.html", context, status=400 if form.errors else 200)


@permission_required(Permission.CUSTOMER_VIEW)
def failed_messages(request: HttpRequest) -> HttpResponse:
    """Dead-lettered messages, so staff can reach the customer another way or retry."""
    page = Paginator(selectors.dead_messages(request.user), 50).get_page(request.GET.get("page"))
    messages_on_page = list(page.object_list)
    names = selectors.template_names(messages_on_page)
    # What each message was about, as the customer's timeline says it: its subject, else its template's name.
    rows = [(m, selectors.mask_recipient(m.recipient), m.subject or names.get((m.template_code, m.channel), "A message"))
            for m in messages_on_page]
    return render(request, "notify/failed.html", {"page": page, "rows": rows,
                                                  "can_retry": request.user.has_permission(Permission.CUSTOMER_EDIT)})


@require_POST
@permission_required(Permission.CUSTOMER_EDIT)
def retry_message(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    message = get_object_or_404(selectors.dead_messages(request.user), pk=pk)
    try:
        services.message_retry(message=message, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Message queued to be sent again")
    return redirect("notify:failed")
