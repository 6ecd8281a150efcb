"""The one GOV.UK date input (oxtom.core.forms.DateInputField): values, messages, boxes, error summary links."""
from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.template.loader import render_to_string
from django.utils import timezone

from oxtom.core.forms import DateInputField
from oxtom.core.templatetags.oxtom import error_anchor


class BirthForm(forms.Form):
    date_of_birth = DateInputField(label="Date of birth", when="past", earliest=dt.date(1900, 1, 1),
                                   required=True, required_message="Enter your date of birth", autocomplete="bday")


class ExpiryForm(forms.Form):
    expiry = DateInputField(label="Card expiry date", what="The expiry date", parts=("month", "year"), required=True,
                            when="today_or_future", two_digit_year=True)


def boxes(day="", month="", year="", name="date_of_birth"):
    return {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}


def test_three_boxes_make_a_date():
    form = BirthForm(boxes(" 7", "03 ", "1987"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["date_of_birth"] == dt.date(1987, 3, 7)


@pytest.mark.parametrize("data, message, highlighted", [
    (boxes(), "Enter your date of birth", {"day", "month", "year"}),
    (boxes("7", "", "1987"), "Date of birth must include a month", {"month"}),
    (boxes("", "", "1987"), "Date of birth must include a day and month", {"day", "month"}),
    (boxes("7", "3", ""), "Date of birth must include a year", {"year"}),
    (boxes("31", "2", "1987"), "Date of birth must be a real date", {"day", "month", "year"}),
    (boxes("1", "13", "1987"), "Date of birth must be a real date", {"month"}),
    (boxes("aa", "3", "1987"), "Date of birth must be a real date", {"day"}),
    (boxes("1", "3", "87"), "Date of birth must be a real date", {"year"}),
    (boxes("1", "3", "-1987"), "Date of birth must be a real date", {"year"}),
    (boxes("٣", "3", "1987"), "Date of birth must be a real date", {"day"}),  # Arabic-Indic digit: isdigit, not ASCII
    (boxes("1", "1", "99999999999999999999"), "Date of birth must be a real date", {"year"}),
    (boxes("<script>", "'; DROP TABLE x;--", "1987"), "Date of birth must be a real date", {"day", "month"}),
    (boxes("1", "1", "1899"), "Date of birth must be the same as or after 1 January 1900", {"day", "month", "year"}),
])
def test_bad_dates_get_the_design_systems_messages(data, message, highlighted):
    form = BirthForm(data)
    assert not form.is_valid()
    assert form.errors["date_of_birth"] == [message]
    assert set(form.fields["date_of_birth"].error_parts) == highlighted


def test_today_and_the_future_are_not_in_the_past():
    today = timezone.localdate()
    for when in (today, today + dt.timedelta(days=1), dt.date(9999, 12, 31)):
        form = BirthForm(boxes(when.day, when.month, when.year))
        assert form.errors["date_of_birth"] == ["Date of birth must be in the past"]


def test_oversized_boxes_are_refused_and_not_echoed_in_full():
    form = BirthForm(boxes("1" * 100_000, "3", "1987"))
    assert form.errors["date_of_birth"] == ["Date of birth must be a real date"]
    html = render_to_string("includes/date_input.html", {"field": form["date_of_birth"]})
    assert "1" * 21 not in html


def test_a_list_posted_for_a_box_is_read_as_its_last_value():
    from django.http import QueryDict

    data = QueryDict("date_of_birth_day=1&date_of_birth_day=2&date_of_birth_month=3&date_of_birth_year=1987")
    form = BirthForm(data)
    assert form.is_valid() and form.cleaned_data["date_of_birth"] == dt.date(1987, 3, 2)


def test_optional_and_blank_is_none():
    class Optional(forms.Form):
        when = DateInputField(label="When (optional)")

    form = Optional({"when_day": " ", "when_month": "", "when_year": ""})
    assert form.is_valid() and form.cleaned_data["when"] is None
    assert form.fields["when"].what == "When"


@pytest.mark.parametrize("initial", [dt.date(1990, 8, 17), "1990-08-17"])
def test_prefills_three_boxes_from_a_date_or_iso_string(initial):
    html = render_to_string("includes/date_input.html", {"field": BirthForm(initial={"date_of_birth": initial})["date_of_birth"]})
    assert 'name="date_of_birth_day"' in html and 'value="17"' in html
    assert 'name="date_of_birth_month"' in html and 'value="8"' in html
    assert 'name="date_of_birth_year"' in html and 'value="1990"' in html
    assert "1990-08-17" not in html and "[" not in html
    assert 'autocomplete="bday-day"' in html and 'autocomplete="bday-year"' in html


def test_an_error_keeps_what_was_typed_and_highlights_only_the_wrong_box():
    form = BirthForm(boxes("17", "", "1990"))
    form.is_valid()
    html = render_to_string("includes/date_input.html", {"field": form["date_of_birth"]})
    assert 'value="17"' in html and 'value="1990"' in html and "None" not in html
    assert html.count("govuk-input--error") == 1
    assert 'id="id_date_of_birth_month"' in html
    assert 'govuk-input--width-2 govuk-input--error" id="id_date_of_birth_month"' in html
    assert "govuk-form-group--error" in html and "Error:</span> Date of birth must include a month" in html


def test_the_error_summary_links_to_the_first_box_with_an_error():
    form = BirthForm(boxes("17", "", ""))
    form.is_valid()
    assert error_anchor(form["date_of_birth"]) == "id_date_of_birth_month"
    html = render_to_string("includes/error_summary.html", {"form": form})
    assert 'href="#id_date_of_birth_month"' in html and "Date of birth must include a month and year" in html
    form = BirthForm(boxes())
    form.is_valid()
    assert error_anchor(form["date_of_birth"]) == "id_date_of_birth_day"


def test_errors_added_by_a_service_highlight_every_box():
    form = BirthForm(boxes("1", "1", "1980"))
    assert form.is_valid()
    form.add_error("date_of_birth", "Date of birth does not match our records")
    assert error_anchor(form["date_of_birth"]) == "id_date_of_birth_day"
    html = render_to_string("includes/date_input.html", {"field": form["date_of_birth"]})
    assert html.count("govuk-input--error") == 3


def test_each_form_gets_its_own_error_parts():
    bad, good = BirthForm(boxes("1", "", "1980")), BirthForm(boxes("1", "1", "1980"))
    bad.is_valid(), good.is_valid()
    assert bad.fields["date_of_birth"].error_parts == ("month",) and good.fields["date_of_birth"].error_parts == ()


def test_field_html_draws_a_date_input_for_any_date_field():
    html = render_to_string("includes/field.html", {"field": BirthForm()["date_of_birth"]})
    assert html.count('class="govuk-input govuk-date-input__input') == 3 and "<fieldset" in html


def test_a_month_and_year_field_for_a_card_expiry():
    today = timezone.localdate()
    form = ExpiryForm({"expiry_month": str(today.month), "expiry_year": str(today.year)[2:]})
    assert form.is_valid() and form.cleaned_data["expiry"] == today.replace(day=1)
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    form = ExpiryForm({"expiry_month": str(last_month.month), "expiry_year": str(last_month.year)})
    assert form.errors["expiry"] == ["The expiry date must be this month or in the future"]
    form = ExpiryForm({"expiry_month": "", "expiry_year": ""})
    assert form.errors["expiry"] == ["Enter the expiry date"]
    html = render_to_string("includes/date_input.html", {"field": form["expiry"]})
    assert "Day" not in html and html.count("govuk-date-input__item") == 2
