"""Templates: placeholders are filled, or the message is refused."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from oxtom.notify.defaults import DEFAULT_TEMPLATES, seed_templates
from oxtom.notify.models import MessageTemplate, validate_placeholders
from oxtom.notify.templating import TemplateContextError, render, render_text


def test_render_fills_every_placeholder():
    assert render_text("Dear ((name)), ref (( reference ))", {"name": "Rose", "reference": "PP-1"}) == "Dear Rose, ref PP-1"


def test_missing_placeholder_fails_loudly_naming_it():
    with pytest.raises(TemplateContextError) as err:
        render_text("Dear ((name)), ref ((reference))", {"name": "Rose"}, code="generic-update")
    assert err.value.missing == ["reference"]
    assert "generic-update" in str(err.value)


def test_none_counts_as_missing_not_as_the_word_none():
    with pytest.raises(TemplateContextError):
        render_text("Dear ((name))", {"name": None})


def test_values_are_not_expanded_again():
    """A resident typing ((name)) into a form must not pull other context into the message."""
    out = render_text("You said: ((said))", {"said": "((secret))", "secret": "do not show"})
    assert out == "You said: ((secret))"


def test_subject_is_folded_onto_one_line():
    template = MessageTemplate(code="x", channel="email", subject="Re: ((subject))", body="b")
    rendered = render(template, {"subject": "line one\r\nBcc: evil@example.org"})
    assert "\n" not in rendered.subject and "\r" not in rendered.subject
    assert rendered.subject == "Re: line one Bcc: evil@example.org"


def test_subject_override_is_rendered_and_checked():
    template = MessageTemplate(code="x", channel="email", subject="((subject))", body="Hi ((name))")
    assert render(template, {"name": "A"}, subject="About ((name))").subject == "About A"
    with pytest.raises(TemplateContextError):
        render(template, {"name": "A"}, subject="About ((ref))")


@pytest.mark.parametrize("text", ["Dear ((first name))", "Dear ((name)", "Dear (name))", "((1abc))"])
def test_malformed_placeholders_are_refused_when_editing(text):
    with pytest.raises(ValidationError):
        validate_placeholders(text)


def test_well_formed_placeholders_pass_validation():
    validate_placeholders("Dear ((first_name)), ((reference2))")


def test_seed_migration_created_the_foundation_templates(templates):
    codes = set(MessageTemplate.objects.values_list("code", "channel"))
    assert {("generic-update", "email"), ("generic-update", "sms"), ("generic-update", "letter"),
            ("account-created", "email"), ("account-created", "sms"), ("staff-alert", "email")} <= codes
    for template in MessageTemplate.objects.all():
        template.full_clean()  # every seeded template passes the admin's own validation


def test_seeding_again_keeps_an_administrators_edits(templates):
    MessageTemplate.objects.filter(code="generic-update", channel="sms").update(body="Edited ((message))")
    assert seed_templates(MessageTemplate) == 0
    assert MessageTemplate.objects.get(code="generic-update", channel="sms").body == "Edited ((message))"
    # Other apps seed their own templates; notify's defaults are each there once.
    notify_codes = {(t["code"], t["channel"]) for t in DEFAULT_TEMPLATES}
    seeded = [pair for pair in MessageTemplate.objects.values_list("code", "channel") if pair in notify_codes]
    assert len(seeded) == len(DEFAULT_TEMPLATES)
