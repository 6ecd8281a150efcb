"""Form fields shared by every app: the GOV.UK date input.

One field for every form that asks for a date, so the boxes, the pre-filling
and the error messages are the same everywhere (GOV.UK Design System, "Date
input" component and its error messages). Drawn by
``templates/includes/date_input.html``, which ``includes/field.html`` uses
for any ``DateInputField``.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django import forms
from django.utils import timezone

Part = Literal["day", "month", "year"]
When = Literal["any", "past", "today_or_past", "future", "today_or_future"]

_LABELS = {"day": "Day", "month": "Month", "year": "Year"}
_WIDTHS = {"day": 2, "month": 2, "year": 4}
# Longer than any real box value; anything longer is not a date (and is not echoed back in full).
_MAX_PART = {"day": 2, "month": 2, "year": 4}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class DateInputWidget(forms.MultiWidget):
    """Day, month and year boxes posted as ``<name>_day``, ``<name>_month``, ``<name>_year``.

    Pre-fills from a ``date`` or an ISO ``"YYYY-MM-DD"`` string (answers kept
    as JSON hold ISO strings). Markup comes from includes/date_input.html.
    """

    def __init__(self, parts: tuple[Part, ...] = ("day", "month", "year"), attrs: dict | None = None):
        self.parts = tuple(parts)
        super().__init__(widgets={p: forms.TextInput(attrs={"inputmode": "numeric"}) for p in self.parts}, attrs=attrs)

    def decompress(self, value: Any) -> list:
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value.strip()[:10])
            except ValueError:
                value = None
        if isinstance(value, dt.datetime):
            value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        if isinstance(value, dt.date):
            return [getattr(value, p) for p in self.parts]
        return [None] * len(self.parts)


class DateInputField(forms.MultiValueField):
    """A GOV.UK date input: a ``datetime.date`` (or None when optional and left blank).

    ``what`` names the date inside error messages ("Date of birth" gives
    "Date of birth must include a month"); it defaults to the label without
    "(optional)". ``when`` says which side of today it must fall.
    ``two_digit_year=True`` takes "30" as 2030 (as printed on a card).
    ``autocomplete="bday"`` marks the boxes for browsers' autofill.
    ``parts=("month", "year")`` asks for a month only (a card's expiry date);
    the value is then the first of that month and ``when`` compares months.

    After cleaning, ``error_parts`` names the boxes to highlight, so the
    error summary links to the first box with the error.
    """

    widget = DateInputWidget

    def __init__(self, *, label: str, what: str = "", required: bool = False, when: When = "any",
                 parts: tuple[Part, ...] = ("day", "month", "year"), earliest: dt.date | None = None,
                 latest: dt.date | None = None, required_message: str = "", help_text: str = "",
                 autocomplete: str = "", two_digit_year: bool = False, **kwargs: Any):
        self.parts = tuple(parts)
        self.what = what or label.replace("(optional)", "").strip().rstrip("?")
        self.when, self.earliest, self.latest = when, earliest, latest
        self.required_message = required_message or f"Enter {self.what[:1].lower() + self.what[1:]}"
        self.error_parts: tuple[str, ...] = ()
        # "bday" gives bday-day, bday-month, bday-year; "cc-exp" gives cc-exp-month, cc-exp-year.
        self.autocomplete = autocomplete
        self.two_digit_year = two_digit_year  # a card's "03 30": 30 means 2030
        if not help_text:
            help_text = "For example, 12 2030" if self.parts == ("month", "year") else (
                "For example, 27 3 1987" if when in ("past", "today_or_past") else "For example, 27 3 2030")
        fields = [forms.CharField(required=False) for _ in self.parts]
        super().__init__(fields=fields, label=label, required=required, require_all_fields=False,
                         help_text=help_text, widget=DateInputWidget(self.parts), **kwargs)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.error_parts = ()
        return result

    def _error(self, message: str, parts: tuple[str, ...] | None = None, code: str = "invalid") -> forms.ValidationError:
        self.error_parts = tuple(parts or self.parts)
        return forms.ValidationError(message, code=code)

    def clean(self, value: Any) -> dt.date | None:
        self.error_parts = ()
        if isinstance(value, dt.date):  # set in code, not typed
            return value
        raw = list(value) if isinstance(value, (list, tuple)) else []
        raw += [""] * (len(self.parts) - len(raw))
        values = dict(zip(self.parts, (str(v if v is not None else "").strip() for v in raw)))
        what = _sentence(self.what)
        if not any(values.values()):
            if self.required:
                raise self._error(self.required_message, code="required")
            return None
        missing = tuple(p for p in self.parts if not values[p])
        if missing:
            raise self._error(f"{what} must include a {' and '.join(missing)}", missing, code="incomplete")
        wrong = tuple(p for p in self.parts
                      if not (values[p].isascii() and values[p].isdigit()) or len(values[p]) > _MAX_PART[p])
        if wrong:
            raise self._error(f"{what} must be a real date", wrong)
        if self.two_digit_year and len(values["year"]) == 2:
            values["year"] = f"20{values['year']}"
        if len(values["year"]) != 4:
            raise self._error(f"{what} must be a real date", ("year",))
        day = int(values.get("day", 1))
        try:
            date = dt.date(int(values["year"]), int(values["month"]), day)
        except ValueError:
            month_ok = 1 <= int(values["month"]) <= 12
            raise self._error(f"{what} must be a real date", None if month_ok else ("month",)) from None
        self._check_range(date, what)
        return date

    def _check_range(self, date: dt.date, what: str) -> None:
        today = timezone.localdate()
        if self.parts == ("month", "year"):  # a month: compare months, not days
            today = today.replace(day=1)
        rules = {
            "past": (date < today, f"{what} must be in the past"),
            "today_or_past": (date <= today, f"{what} must be today or in the past"),
            "future": (date > today, f"{what} must be in the future"),
            "today_or_future": (date >= today, f"{what} must be today or in the future"),
        }
        if self.parts == ("month", "year"):
            rules["today_or_future"] = (date >= today, f"{what} must be this month or in the future")
            rules["future"] = (date > today, f"{what} must be in the future")
        ok, message = rules.get(self.when, (True, ""))
        if not ok:
            raise self._error(message)
        if self.earliest and date < self.earliest:
            raise self._error(f"{what} must be the same as or after {self.earliest.day} {self.earliest:%B %Y}")
        if self.latest and date > self.latest:
            raise self._error(f"{what} must be the same as or before {self.latest.day} {self.latest:%B %Y}")

    def compress(self, data_list):  # pragma: no cover - clean() does the work
        return data_list

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.clean(data) != (initial if isinstance(initial, dt.date) else None)
        except forms.ValidationError:
            return True


def date_boxes(bound: forms.BoundField) -> list[dict[str, Any]]:
    """The boxes of a bound DateInputField as the template draws them: id, name, label, value, width, error."""
    field: DateInputField = bound.field
    widget: DateInputWidget = field.widget
    value = bound.value()
    if not isinstance(value, (list, tuple)):
        value = widget.decompress(value)
    has_error = bool(bound.errors)
    highlight = set(field.error_parts or field.parts) if has_error else set()
    boxes = []
    for part, raw in zip(field.parts, list(value) + [None] * len(field.parts)):
        text = "" if raw is None else str(raw)
        boxes.append({
            "part": part, "id": f"{bound.auto_id}_{part}", "name": f"{bound.html_name}_{part}",
            "label": _LABELS[part], "width": _WIDTHS[part], "error": part in highlight,
            "autocomplete": f"{field.autocomplete}-{part}" if field.autocomplete else "",
            # A pasted essay is not shown back in a two-character box.
            "value": text[:20],
        })
    return boxes


def first_error_box(bound: forms.BoundField) -> str:
    """The id of the box an error summary link should move focus to."""
    field: DateInputField = bound.field
    parts = [p for p in field.parts if p in set(field.error_parts)] if bound.errors else []
    return f"{bound.auto_id}_{(parts or list(field.parts))[0]}"


def errors_onto_form(form: forms.BaseForm, error: Any, *, fields: dict[str, str] | None = None,
                     first_only: bool = False) -> None:
    """A service's ValidationError onto a form, so the page shows it where the person can fix it.

    Each message goes on the field the service names when the form has that field
    (`fields` maps a service's keys to the form's names where they differ), else on the
    whole form (the error summary). `first_only` keeps one message a field.
    """
    fields = fields or {}
    if hasattr(error, "error_dict"):
        for key, errors in error.message_dict.items():
            name = fields.get(key, key)
            for message in errors[:1] if first_only else errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages[:1] if first_only else error.messages:
            form.add_error(None, message)


def posted(request: Any):
    """The POST data to bind a form to, or None on a GET: an empty POST is a submission, not a first visit.

    `form = SomeForm(posted(request))` binds on a POST (so an empty one shows "enter ..." errors) and
    leaves the form unbound for the page's first showing."""
    return request.POST if request.method == "POST" else None
