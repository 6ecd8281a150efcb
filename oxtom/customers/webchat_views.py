"""Residents' side of webchat, under /chat/: works with plain forms and reloads; webchat.js only polls.

The resident's browser session holds the chat's random token, so no
sign-in is needed and a reload finds the same chat. Messages are stored
before they are shown, so nothing is lost if either side reloads.
"""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from oxtom.accounts.decorators import signed_in_required
from oxtom.core.opening_hours import webchat_hours, when
from oxtom.core.ratelimit import take

from . import selectors, services
from .forms import ChatMessageForm
from .models import ChatMessage, WebChat
from .views import _attach_errors

TOKEN_KEY = "oxtom_webchat_token"
# A message the resident sent after the chat had ended: kept here (not lost) and offered
# back to them in the box that starts a new chat.
UNSENT_KEY = "oxtom_webchat_unsent"
# A person asks for help a few times an hour at most; more is a script.
STARTS_PER_HOUR = 10


OFFER_PENDING_KEY = "chat_offer_pending"


def _remember_offer(request: HttpRequest) -> None:
    """?offer= from the inline offer: kept only if this browser was made that offer."""
    raw = request.GET.get("offer", "")
    if raw.isdigit() and int(raw) in (request.session.get("chat_offer_ids") or {}).values():
        request.session[OFFER_PENDING_KEY] = int(raw)


def _current_chat(request: HttpRequest) -> WebChat | None:
    token = request.session.get(TOKEN_KEY)
    if not token:
        return None
    return WebChat.objects.filter(token=token).first()


def _client_ip(request: HttpRequest) -> str:
    from oxtom.core.clientip import client_ip

    return client_ip(request)


def _referring_path(request: HttpRequest) -> str:
    """The page on this site the resident came from (path only), when there was no ?from=."""
    referer = request.META.get("HTTP_REFERER", "")
    parsed = urlsplit(referer)
    if not referer or parsed.netloc != request.get_host() or parsed.path.startswith("/chat/"):
        return ""
    return parsed.path


def _new_form() -> ChatMessageForm:
    return ChatMessageForm(initial={"client_key": secrets.token_urlsafe(24)})


def _hours_context() -> dict:
    hours = webchat_hours()
    opens = hours.next_opening()
    return {"hours": hours.describe(), "is_open": opens is None, "opens_at": when(opens) if opens else ""}


def _wants_json(request: HttpRequest) -> bool:
    """The inline chat panel (static/js/chat_panel.js) posts the same forms and asks for JSON back, so the
    page it opened on stays where it is; without JavaScript the same views answer with pages and redirects."""
    return request.method == "POST" and request.headers.get("Accept", "").split(",")[0].strip() == "application/json"


def _json_error(form: ChatMessageForm, status: int) -> JsonResponse:
    words = [str(e) for errors in form.errors.values() for e in errors] or ["Your message could not be sent"]
    return JsonResponse({"ok": False, "error": words[0]}, status=status)


def _json_sent(chat: WebChat) -> JsonResponse:
    return JsonResponse({"ok": True, "status": chat.status, "poll": reverse("webchat:poll"),
                         "send": reverse("webchat:send"), "chat": reverse("webchat:home")})


@never_cache
@require_http_methods(["GET", "POST"])
def chat_home(request: HttpRequest) -> HttpResponse:
    """Start a chat, or carry on the one this browser already has.

    Out of hours no chat can be started (nobody would answer): the page says when
    webchat opens again and how else to reach us. A message sent after the chat
    ended comes back here, in the box, to start a new chat with.
    """
    chat = _current_chat(request)
    if chat is not None and chat.status != WebChat.Status.CLOSED and _wants_json(request):
        return chat_send(request)  # the panel on another page: this browser's chat carries on
    if chat is not None and chat.status != WebChat.Status.CLOSED:
        services.webchat_page_seen(chat=chat, page=request.GET.get("from", "") or _referring_path(request))
        return render(request, "webchat/chat.html", {
            "chat": chat, "chat_messages": selectors.chat_messages(chat), "form": _new_form(),
        })
    _remember_offer(request)
    hours = _hours_context()
    unsent = request.session.get(UNSENT_KEY, "")
    page = request.GET.get("from", "") or request.POST.get("page", "") or _referring_path(request)
    initial = {"client_key": secrets.token_urlsafe(24), "message": unsent}
    form = ChatMessageForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and not hours["is_open"]:
        # Nobody is there to answer; keep what they wrote on the page, and say when we open.
        form.is_valid()
        form.add_error("message", f"Webchat is closed. It opens again at {hours['opens_at']}. "
                                  f"You can call us on {settings.COUNCIL_PHONE}")
        status = 409
    elif request.method == "POST" and form.is_valid():
        slot = take(f"webchat-start:{_client_ip(request)}", limit=STARTS_PER_HOUR, window_seconds=3600)
        if slot is None:
            form.add_error("message", f"You have started a lot of chats. Wait an hour, or call us on {settings.COUNCIL_PHONE}")
            status = 429
        else:
            token = secrets.token_urlsafe(32)
            try:
                services.webchat_start(token=token, message=form.cleaned_data["message"], page=page,
                                       by=request.user, client_key=form.cleaned_data["client_key"])
            except ValidationError as exc:
                slot.give_back()
                _attach_errors(form, exc)
            else:
                request.session[TOKEN_KEY] = token
                request.session.pop(UNSENT_KEY, None)
                offer_id = request.session.pop(OFFER_PENDING_KEY, None)
                if offer_id:
                    services.chat_offer_taken(offer_id=offer_id, token=token)
                if _wants_json(request):
                    return _json_sent(_current_chat(request))
                return redirect(f"{reverse('webchat:home')}#latest")
    if _wants_json(request):
        return _json_error(form, 400 if status == 200 else status)
    return render(request, "webchat/start.html", {
        "form": form, "page": services._safe_page(page), "ended": chat is not None, "unsent": unsent,
        "can_download": chat is not None and chat.status == WebChat.Status.CLOSED, **hours,
    }, status=status)


@never_cache
@require_http_methods(["POST"])
def chat_send(request: HttpRequest) -> HttpResponse:
    chat = _current_chat(request)
    if chat is None:
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": "Your chat could not be found. Start a new chat"}, status=404)
        messages.warning(request, "Your chat could not be found. Start a new chat")
        return redirect("webchat:home")
    form = ChatMessageForm(request.POST)
    if form.is_valid():
        try:
            services.chat_message_add(chat=chat, sender=ChatMessage.Sender.RESIDENT, message=form.cleaned_data["message"],
                                      by=request.user, client_key=form.cleaned_data["client_key"])
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            if _wants_json(request):
                return _json_sent(chat)
            return redirect(f"{reverse('webchat:home')}#latest")
    chat.refresh_from_db()
    if _wants_json(request):
        if chat.status == WebChat.Status.CLOSED:
            return JsonResponse({"ok": False, "status": chat.status,
                                 "error": "The adviser has ended the chat, so your message was not sent"}, status=409)
        return _json_error(form, 400)
    if chat.status == WebChat.Status.CLOSED:
        # The adviser ended the chat while this was being written: keep it for a new chat.
        text = (form.data.get("message") or "").replace("\r\n", "\n").strip()[:services.MAX_CHAT_MESSAGE]
        if text:
            request.session[UNSENT_KEY] = text
            messages.warning(request, "The adviser had ended the chat, so your message was not sent. "
                                      "It is below: start a new chat to send it")
        return redirect("webchat:home")
    return render(request, "webchat/chat.html", {
        "chat": chat, "chat_messages": selectors.chat_messages(chat), "form": form,
    })


@never_cache
@require_http_methods(["GET"])
def chat_transcript(request: HttpRequest) -> HttpResponse:
    """This browser's chat (open or ended) as a text file the resident can keep."""
    chat = _current_chat(request)
    if chat is None:
        raise Http404("No chat found")
    return _transcript_response(chat)


def _transcript_response(chat: WebChat) -> HttpResponse:
    response = HttpResponse(selectors.chat_transcript_text(chat), content_type="text/plain; charset=utf-8")
    day = timezone.localtime(chat.created_at).date()
    response["Content-Disposition"] = f'attachment; filename="webchat-{day:%Y-%m-%d}-{chat.pk}.txt"'
    return response


@never_cache
@signed_in_required
def your_chats(request: HttpRequest) -> HttpResponse:
    """The signed-in resident's webchats, each with its transcript."""
    return render(request, "webchat/your_chats.html", {"chats": selectors.chats_for_resident(request.user)})


@never_cache
@signed_in_required
def your_chat(request: HttpRequest, chat_id: int) -> HttpResponse:
    chat = selectors.get_chat_for_resident(request.user, chat_id)
    return render(request, "webchat/your_chat.html", {
        "chat": chat, "chat_messages": selectors.chat_messages(chat, limit=2000),
    })


@never_cache
@signed_in_required
def your_chat_download(request: HttpRequest, chat_id: int) -> HttpResponse:
    return _transcript_response(selectors.get_chat_for_resident(request.user, chat_id))


@never_cache
@require_http_methods(["GET"])
def chat_poll(request: HttpRequest) -> JsonResponse:
    """New messages after ?after=<id> for webchat.js. Only this browser's chat."""
    chat = _current_chat(request)
    if chat is None:
        return JsonResponse({"status": "none", "messages": []}, status=404)
    from .assist_views import _poll_payload

    return JsonResponse(_poll_payload(chat, request.GET.get("after", "0")))


@never_cache
@require_http_methods(["POST"])
def chat_allow(request: HttpRequest) -> HttpResponse:
    chat = _current_chat(request)
    if chat is None:
        return redirect("webchat:home")
    try:
        services.chat_consent_to_assist(chat=chat, by=request.user)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    return redirect(f"{reverse('webchat:home')}#latest")


@never_cache
@require_http_methods(["POST"])
def chat_close(request: HttpRequest) -> HttpResponse:
    chat = _current_chat(request)
    if chat is not None:
        services.chat_close(chat=chat, by=request.user)
    # The token stays, so the ended chat's transcript can still be downloaded from this browser;
    # starting a new chat replaces it.
    messages.success(request, "Chat ended. Thank you for getting in touch")
    return redirect("webchat:home")
