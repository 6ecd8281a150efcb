"""The adviser console under /staff/assist/: find, see, act for, log, coach, chat.

Thin views: forms collect, services write, selectors read. Every page that
shows a customer's details writes an audit "view" event. While an adviser is
acting for someone (oxtom.customers.assist), pages about anyone else are
refused: the search and chat list say to end the session first, and the
middleware refuses any other customer's reference.
"""
from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from oxtom.accounts.decorators import permission_required
from oxtom.accounts.permissions import Permission
from oxtom.core.audit import audit_record

from . import assist, selectors, services, timeline
from .forms import ChatMessageForm, CoachingForm, ContactLogForm, SearchForm, StartSessionForm
from .models import ChatMessage, Customer, WebChat
from .views import _attach_errors, create_customer_page

act_for_required = permission_required(Permission.ASSIST_ACT_FOR)
CASES_SHOWN = 50
contact_log_required = permission_required(Permission.CONTACT_LOG)

def _journeys() -> list[tuple[str, str]]:
    """The registered acting-for journeys whose pages exist in this deployment."""
    found = []
    for label, path in assist.journeys():
        try:
            resolve(path)
        except Resolver404:
            continue
        found.append((label, path))
    return found


def _customer_for(request: HttpRequest, reference: str) -> Customer:
    customer = selectors.get_customer_for_user(request.user, reference)
    assist.check_customer(request, customer)
    return customer


def _live_customer_or_404(request: HttpRequest, reference: str) -> Customer:
    customer = _customer_for(request, reference)
    if customer.is_tombstone:
        raise Http404("This record was merged into another")
    return customer


# --- console -------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@act_for_required
def console(request: HttpRequest) -> HttpResponse:
    session = assist.active_session(request)
    form = SearchForm(request.POST or None)
    result = None
    if session is None and request.method == "POST" and form.is_valid():
        result = selectors.customer_search(user=request.user, query=form.cleaned_data["q"])
        if result.message:
            form.add_error("q", result.message)
            result = None
        elif result.customers:
            audit_record(
                by=request.user, action="view", target=request.user, summary="Searched customer records (assist)",
                search_kind=result.kind, references=[c.reference for c in result.customers],
            )
    waiting = 0 if session is not None else WebChat.objects.filter(status=WebChat.Status.WAITING).count()
    return render(request, "assist/console.html", {
        "form": form, "result": result, "session": session, "waiting_chats": waiting,
    })


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(Permission.CUSTOMER_CREATE)
def create(request: HttpRequest) -> HttpResponse:
    return create_customer_page(
        request, record_url="assist:record",
        form_action=reverse("assist:create"), back_url=reverse("assist:console"), link_to_assist=True,
    )


@never_cache
@require_http_methods(["GET"])
@act_for_required
def record(request: HttpRequest, reference: str) -> HttpResponse:
    """The whole record on one screen. Constant queries whatever the record's size."""
    customer = _customer_for(request, reference)
    audit_record(by=request.user, action="view", target=customer, summary="Viewed customer record (assist)")
    interactions, next_cursor = selectors.interactions_page(customer, user=request.user, cursor=request.GET.get("after", ""))
    # Under each case's newest entry, its answers and evidence as the owner renders them (constant queries).
    timeline.attach_details(interactions, user=request.user)
    session = assist.active_session(request)
    cases = selectors.customer_cases(request.user, customer, limit=CASES_SHOWN + 1)
    return render(request, "assist/record.html", {
        "customer": customer,
        "consents": selectors.consents_in_force(customer),
        "cases": cases[:CASES_SHOWN],
        "more_cases": len(cases) > CASES_SHOWN,
        "contacts": selectors.contact_logs_for(customer),
        "interactions": interactions,
        "next_cursor": next_cursor,
        "is_first_page": not request.GET.get("after"),
        "session": session,
        "acting_here": session is not None and session.customer_id == customer.pk,
        "journeys": _journeys(),
        "can_edit": request.user.has_permission(Permission.CUSTOMER_EDIT) and not customer.is_tombstone,
        "can_log": request.user.has_permission(Permission.CONTACT_LOG),
    })


# --- log a contact -----------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@contact_log_required
def contact_new(request: HttpRequest, reference: str | None = None) -> HttpResponse:
    customer = None
    if reference is not None:
        customer = _live_customer_or_404(request, reference)
    elif assist.is_assisted(request):
        customer = assist.acting_customer(request)
    initial = {"submission_key": secrets.token_urlsafe(24)}
    session = assist.active_session(request)
    if session is not None:
        initial["channel"] = session.channel
    form = ContactLogForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.contact_log(
                customer=customer, reason=data["reason"], outcome=data["outcome"], channel=data["channel"],
                first_contact_resolved=data["first_contact_resolved"] == "yes", by=request.user,
                signposted_to=data["signposted_to"], notes=data["notes"], submission_key=data["submission_key"],
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, "Contact logged")
            if customer is not None:
                return redirect("assist:record", reference=customer.reference)
            return redirect("assist:console")
    elif customer is not None and request.method == "GET":
        audit_record(by=request.user, action="view", target=customer, summary="Viewed customer record to log a contact")
    return render(request, "assist/contact.html", {"form": form, "customer": customer})


# --- acting for ------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@act_for_required
def session_start(request: HttpRequest, reference: str) -> HttpResponse:
    customer = _live_customer_or_404(request, reference)
    form = StartSessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.assisted_session_start(
                customer=customer, channel=form.cleaned_data["channel"],
                customer_present=form.cleaned_data["customer_present"] == "yes", by=request.user,
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            assist.activate(request, session)
            messages.success(request, f"You are now acting for {customer.display_name}")
            return redirect("assist:record", reference=customer.reference)
    elif request.method == "GET":
        audit_record(by=request.user, action="view", target=customer, summary="Viewed customer record to act for them")
    return render(request, "assist/session_start.html", {
        "form": form, "customer": customer, "minutes": services.assist_session_minutes(),
    })


@never_cache
@require_http_methods(["POST"])
@act_for_required
def session_end(request: HttpRequest) -> HttpResponse:
    session = assist.active_session(request)
    if session is not None:
        services.assisted_session_end(session=session, by=request.user)
        messages.success(request, f"Session for {session.customer.display_name} ended")
        reference = session.customer.reference
        assist.deactivate(request)
        return redirect(f"{reverse('assist:console')}?ended={reference}")
    assist.deactivate(request)
    return redirect("assist:console")


# --- coach to self-serve ------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@act_for_required
def coach(request: HttpRequest, reference: str) -> HttpResponse:
    customer = _live_customer_or_404(request, reference)
    session = assist.active_session(request)
    form = CoachingForm(request.POST or None, initial={"channel": session.channel if session else "phone"})
    if request.method == "POST" and form.is_valid():
        try:
            services.coaching_send(
                customer=customer, journey=form.cleaned_data["journey"], channel=form.cleaned_data["channel"],
                send_by=form.cleaned_data["send_by"] or None, by=request.user,
            )
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, "Link sent. We have recorded that you helped them go digital")
            return redirect("assist:record", reference=customer.reference)
    elif request.method == "GET":
        audit_record(by=request.user, action="view", target=customer, summary="Viewed customer record to send a link")
    return render(request, "assist/coach.html", {"form": form, "customer": customer})


# --- webchat (adviser side) ---------------------------------------------------------------------


def _chat_for(request: HttpRequest, chat_id: int) -> WebChat:
    chat = selectors.get_chat_for_adviser(request.user, chat_id)
    session = assist.active_session(request)
    if session is not None and chat.pk != session.chat_id:
        raise assist.ActingForMismatch(session)
    return chat


@never_cache
@require_http_methods(["GET"])
@act_for_required
def chats(request: HttpRequest) -> HttpResponse:
    session = assist.active_session(request)
    if session is not None and session.chat_id is None:
        raise assist.ActingForMismatch(session)
    rows = selectors.open_chats(request.user)
    if session is not None:
        rows = [c for c in rows if c.pk == session.chat_id]
    return render(request, "assist/chats.html", {"chats": rows})


def _chat_context(request: HttpRequest, chat: WebChat, form: ChatMessageForm | None = None) -> dict:
    return {
        "chat": chat,
        "chat_messages": selectors.chat_messages(chat),
        "form": form or ChatMessageForm(initial={"client_key": secrets.token_urlsafe(24)}),
        "mine": chat.adviser_id == request.user.pk,
        "session": assist.active_session(request),
    }


@never_cache
@require_http_methods(["GET", "POST"])
@act_for_required
def chat(request: HttpRequest, chat_id: int) -> HttpResponse:
    chat = _chat_for(request, chat_id)
    if chat.customer_id is not None and request.method == "GET":
        audit_record(by=request.user, action="view", target=chat.customer, summary="Viewed customer in a webchat",
                     chat_id=chat.pk)
    form = None
    if request.method == "POST":
        form = ChatMessageForm(request.POST)
        if form.is_valid():
            try:
                services.chat_message_add(chat=chat, sender=ChatMessage.Sender.ADVISER,
                                          message=form.cleaned_data["message"], by=request.user,
                                          client_key=form.cleaned_data["client_key"])
            except ValidationError as exc:
                _attach_errors(form, exc)
            else:
                return redirect(f"{reverse('assist:chat', args=[chat.pk])}#latest")
    return render(request, "assist/chat.html", _chat_context(request, chat, form))


@never_cache
@require_http_methods(["GET"])
@act_for_required
def chat_poll(request: HttpRequest, chat_id: int) -> JsonResponse:
    """New messages after ?after=<id>, for the optional JS client (same origin, no personal data in the URL)."""
    chat = _chat_for(request, chat_id)
    return JsonResponse(_poll_payload(chat, request.GET.get("after", "0")))


def _poll_payload(chat: WebChat, after: str) -> dict:
    try:
        after_id = max(0, int(after))
    except (TypeError, ValueError):
        after_id = 0
    rows = selectors.chat_messages(chat, after=after_id)
    return {
        "status": chat.status,
        "messages": [{"id": m.pk, "sender": m.sender, "body": m.body, "sent_at": m.sent_at.isoformat()} for m in rows],
    }


@never_cache
@require_http_methods(["POST"])
@act_for_required
def chat_take(request: HttpRequest, chat_id: int) -> HttpResponse:
    chat = _chat_for(request, chat_id)
    try:
        services.chat_take(chat=chat, by=request.user)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
        return redirect("assist:chats")
    return redirect("assist:chat", chat_id=chat.pk)


@never_cache
@require_http_methods(["POST"])
@act_for_required
def chat_close(request: HttpRequest, chat_id: int) -> HttpResponse:
    chat = _chat_for(request, chat_id)
    if chat.adviser_id not in (None, request.user.pk):
        messages.warning(request, "Another adviser is answering this chat")
        return redirect("assist:chats")
    services.chat_close(chat=chat, by=request.user)
    if assist.active_session(request) is not None and assist.active_session(request).chat_id == chat.pk:
        assist.deactivate(request)
    messages.success(request, "Chat closed" + (". The transcript is on the customer’s timeline" if chat.customer_id else ""))
    return redirect("assist:chats")


@never_cache
@require_http_methods(["POST"])
@act_for_required
def chat_assist(request: HttpRequest, chat_id: int) -> HttpResponse:
    """Start acting for the chat's resident, once they have agreed in the chat."""
    chat = _chat_for(request, chat_id)
    if chat.adviser_id != request.user.pk or chat.customer is None:
        messages.warning(request, "Take the chat, and ask a signed-in resident to agree, before acting for them")
        return redirect("assist:chat", chat_id=chat.pk)
    try:
        session = services.assisted_session_start(
            customer=chat.customer, channel="webchat", customer_present=True, by=request.user, chat=chat,
        )
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
        return redirect("assist:chat", chat_id=chat.pk)
    assist.activate(request, session)
    services.chat_message_add(chat=chat, sender=ChatMessage.Sender.ADVISER, by=request.user,
                              message="I am now helping you in your account. You will see what I do there.")
    messages.success(request, f"You are now acting for {chat.customer.display_name}")
    return redirect("assist:record", reference=chat.customer.reference)

