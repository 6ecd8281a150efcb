"""Long text boxes are GOV.UK character counts: the limit is in the page (no JavaScript needed) and enforced."""
from __future__ import annotations

from django import forms
from django.template.loader import render_to_string


class NoteForm(forms.Form):
    note = forms.CharField(label="Note", max_length=2000, widget=forms.Textarea,
                           error_messages={"max_length": "The note must be 2,000 characters or fewer"})
    name = forms.CharField(label="Name", max_length=50)
    free = forms.CharField(label="Free text", widget=forms.Textarea)


def test_a_textarea_with_a_limit_states_it_and_is_wired_for_the_live_count():
    html = render_to_string("includes/field.html", {"field": NoteForm()["note"]})
    assert 'data-module="govuk-character-count"' in html and 'data-maxlength="2000"' in html
    assert '<div id="id_note-info" class="govuk-hint govuk-character-count__message">You can enter up to 2,000 characters</div>' in html
    assert "govuk-js-character-count" in html and 'aria-describedby="id_note-info"' in html


def test_short_inputs_and_unlimited_textareas_are_not_counted():
    form = NoteForm()
    for name in ("name", "free"):
        html = render_to_string("includes/field.html", {"field": form[name]})
        assert "character-count" not in html


def test_too_long_is_refused_with_the_message_and_the_count_stays():
    form = NoteForm({"note": "x" * 2001, "name": "a"})
    assert form.errors["note"] == ["The note must be 2,000 characters or fewer"]
    html = render_to_string("includes/field.html", {"field": form["note"]})
    assert 'aria-describedby="id_note-info id_note-error"' in html and "govuk-textarea--error" in html


def test_a_limit_the_service_enforces_is_the_one_shown():
    from oxtom.customers.forms import ChatMessageForm
    from oxtom.customers.services import MAX_CHAT_MESSAGE

    html = render_to_string("includes/field.html", {"field": ChatMessageForm()["message"]})
    assert f'data-maxlength="{MAX_CHAT_MESSAGE}"' in html and "You can enter up to 1,000 characters" in html


def test_the_street_report_description_shows_its_limit(db):
    from portal.catalogue import MAX_TEXT
    from portal.forms import QuestionsForm

    form = QuestionsForm(questions=[{"code": "details", "datatype": "text", "description": "Describe the problem",
                                     "required": False}])
    html = render_to_string("includes/field.html", {"field": form["details"]})
    assert f'data-maxlength="{MAX_TEXT}"' in html and "You can enter up to 2,000 characters" in html


def test_reasonable_adjustments_show_the_records_limit_not_the_forms_backstop():
    from oxtom.customers.forms import CustomerForm
    from oxtom.customers.validation import REASONABLE_ADJUSTMENTS_MAX_LENGTH

    html = render_to_string("includes/field.html", {"field": CustomerForm()["reasonable_adjustments"]})
    assert f'data-maxlength="{REASONABLE_ADJUSTMENTS_MAX_LENGTH}"' in html and "up to 2,000 characters" in html
