"""Template helpers shared by every app's templates: service navigation and GOV.UK form markup.

Load with ``{% load oxtom %}``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms, template
from django.urls import Resolver404, resolve

from oxtom.core.forms import DateInputField, date_boxes, first_error_box

register = template.Library()

AREAS = {"public", "staff", "members"}


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    current: bool = False  # this very page: aria-current="page"
    active: bool = False  # a page inside this section: aria-current="true"


def _route_exists(path: str) -> bool:
    """Link only to pages that exist: other apps add their routes as they are built."""
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _item(request, text: str, href: str, *, section: bool = True) -> NavItem:
    path = getattr(request, "path", "")
    current = path == href
    active = not current and section and href != "/" and path.startswith(href)
    return NavItem(text=text, href=href, current=current, active=active)


def _public_items(request, user) -> list[NavItem]:
    candidates = [("Report a problem", "/report/"), ("Apply", "/apply/"), ("Find support", "/community/")]
    items = [_item(request, text, href) for text, href in candidates if _route_exists(href)]
    if user is not None and user.is_authenticated:
        items.append(_item(request, "Your account", "/account/"))
        if user.can_enter_staff_area:
            items.append(_item(request, "Staff area", "/staff/"))
        if user.can_enter_member_area:
            items.append(_item(request, "Members area", "/members/"))
    return items


def _staff_items(request, user) -> list[NavItem]:
    # The kernel's items and the capabilities' (oxtom/accounts/staff_nav.py), each shown
    # only when its page exists and the user's roles grant one of its permissions.
    from oxtom.accounts.staff_nav import entry_allowed, staff_nav_entries

    entries = [entry for entry in staff_nav_entries() if entry_allowed(entry, user) and _route_exists(entry.href)]
    path = getattr(request, "path", "")
    # A page inside two areas (the post room under business admin) marks only the closer one.
    inside = [entry.href for entry in entries if entry.href != "/staff/" and path.startswith(entry.href)]
    closest = max(inside, key=len, default=None)
    return [_item(request, entry.text, entry.href, section=entry.href == closest) for entry in entries]


def _member_items(request, user) -> list[NavItem]:
    candidates = [("Home", "/members/"), ("Enquiries", "/members/enquiries/")]
    items = [_item(request, text, href, section=href != "/members/") for text, href in candidates if _route_exists(href)]
    # Probe for the public division pages before loading the division, so
    # the navigation costs no query until those pages exist.
    if getattr(user, "member_division_id", None) and _route_exists("/divisions/probe/"):
        href = f"/divisions/{user.member_division.slug}/"
        if _route_exists(href):
            items.append(_item(request, "Your division", href))
    return items


@register.inclusion_tag("includes/service_navigation.html", takes_context=True)
def service_navigation(context: template.Context, area: str = "public") -> dict[str, Any]:
    """The service navigation for one area of the site, showing only what the user may use.

    Usage: ``{% service_navigation "staff" %}``. Works without a request (the
    500 page is rendered without one) by showing the public items only.
    """
    if area not in AREAS:
        raise template.TemplateSyntaxError(f"service_navigation: unknown area {area!r}")
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    if area == "staff" and signed_in and user.can_enter_staff_area:
        name, home, items = "Staff services", "/staff/", _staff_items(request, user)
    elif area == "members" and signed_in and user.can_enter_member_area:
        name, home, items = "Councillors' services", "/members/", _member_items(request, user)
    else:
        name, home, items = "Council services", "/", _public_items(request, user)
    return {
        "service_name": name,
        "service_url": home,
        "items": items,
        "signed_in": signed_in,
        "show_sign_in": request is not None and not signed_in,
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


# --- Forms -------------------------------------------------------------------

_CHOICE_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


@register.filter
def error_anchor(field: forms.BoundField) -> str:
    """The id of the input an error summary link should move focus to."""
    if isinstance(field.field, DateInputField):
        return first_error_box(field)
    widget = field.field.widget
    if isinstance(widget, _CHOICE_WIDGETS) or isinstance(widget, forms.MultiWidget):
        return f"{field.auto_id}_0"
    return field.id_for_label or field.auto_id


@register.filter
def first_error_anchor(form: forms.BaseForm) -> str:
    """Where a non-field error links to: the first field with an error, else the first visible field."""
    for field in form.visible_fields():
        if field.errors:
            return error_anchor(field)
    visible = form.visible_fields()
    return error_anchor(visible[0]) if visible else "main-content"


@register.filter
def govuk_widget(field: forms.BoundField) -> str:
    """Render a field's widget with GOV.UK classes and aria-describedby for its hint and error."""
    widget = field.field.widget
    classes: list[str] = []
    if isinstance(widget, forms.CheckboxInput):
        classes.append("govuk-checkboxes__input")
    elif isinstance(widget, forms.Textarea):
        classes.append("govuk-textarea")
        if field.errors:
            classes.append("govuk-textarea--error")
        if character_limit(field):
            classes.append("govuk-js-character-count")
    elif isinstance(widget, forms.Select):
        classes.append("govuk-select")
        if field.errors:
            classes.append("govuk-select--error")
    elif isinstance(widget, forms.FileInput):
        classes.append("govuk-file-upload")
        if field.errors:
            classes.append("govuk-file-upload--error")
    else:
        classes.append("govuk-input")
        if field.errors:
            classes.append("govuk-input--error")
    existing = widget.attrs.get("class", "")
    attrs: dict[str, Any] = {"class": " ".join([existing, *classes]).strip()}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-hint")
    if field.errors:
        described.append(f"{field.auto_id}-error")
    if isinstance(widget, forms.Textarea) and character_limit(field):
        described.insert(0, f"{field.auto_id}-info")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    # Placeholders are not labels (GOV.UK guidance); allauth adds them. Each
    # form instance has its own deep-copied widgets, so this touches no other form.
    widget.attrs.pop("placeholder", None)
    return field.as_widget(attrs=attrs)


@register.filter
def character_limit(field: Any) -> int | None:
    """The most characters a long text box takes, for the GOV.UK character count (includes/field.html).

    The field's own ``character_limit`` when its form sets one (a limit the
    service enforces), else its ``max_length``. The limit is stated under the
    box, so it is there without JavaScript; the form refuses longer text with
    its own message.
    """
    inner = getattr(field, "field", None)
    if inner is None or not isinstance(inner.widget, forms.Textarea):
        return None
    limit = getattr(inner, "character_limit", None) or getattr(inner, "max_length", None)
    return int(limit) if limit else None


@register.filter
def is_date_input(field: Any) -> bool:
    """True for a DateInputField, which includes/field.html draws with includes/date_input.html."""
    return isinstance(getattr(field, "field", None), DateInputField)


@register.filter
def date_input_boxes(field: forms.BoundField) -> list[dict[str, Any]]:
    """The day, month and year boxes of a DateInputField, pre-filled and marked for errors."""
    return date_boxes(field)


@register.filter
def has_errors(form: Any) -> bool:
    """True for a bound form with errors; False for anything else (so templates can pass any context)."""
    return bool(getattr(form, "errors", None))


@register.simple_tag
def feedback_url() -> str:
    """The phase banner's feedback link: the feedback page once it exists, else how to contact us."""
    if _route_exists("/feedback/"):
        return "/feedback/"
    return "/accessibility/#reporting-problems"


@register.simple_tag(takes_context=True)
def submission_key(context: template.Context) -> str:
    """The hidden one-off key that makes a state-changing form act once (oxtom/core/submissions.py)."""
    from django.utils.html import format_html

    from oxtom.core.submissions import FIELD, key_for_form

    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, key_for_form(context.get("request")))
