"""A page whose form has errors says "Error: " once at the start of its title (GOV.UK's pattern).

base.html's title_prefix block adds it for the page's `form`; a template that adds it again for the same
form in its own title block says it twice ("Error: Error: ..."), as 33 templates did. A template may add
it for something else (a refusal with no form errors), or take over title_prefix and say it itself.
"""
from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
TITLE = re.compile(r"\{% block title %\}(.*?)\{% endblock", re.S)
SAYS_ERROR_FOR_THE_FORM = re.compile(r"\{% if (?:[^%]* or )?form(?:\.errors|\|has_errors)(?: or [^%]*)? %\}Error: ")


def test_no_template_says_error_twice_for_its_form():
    doubled = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        if "{% block title_prefix %}" in text:
            continue  # the template says it itself
        for title in TITLE.findall(text):
            if SAYS_ERROR_FOR_THE_FORM.search(title):
                doubled.append(str(path.relative_to(TEMPLATES)))
    assert doubled == []


def test_the_rule_finds_the_doubled_pattern():
    assert SAYS_ERROR_FOR_THE_FORM.search("{% if form.errors %}Error: {% endif %}Ask")
    assert SAYS_ERROR_FOR_THE_FORM.search("{% if form.errors or refusal %}Error: {% endif %}Ask")
    assert not SAYS_ERROR_FOR_THE_FORM.search("{% if refusal and not form.errors %}Error: {% endif %}Ask")


def test_a_page_with_form_errors_says_error_once(client, db):
    from tests import factories as f

    client.force_login(f.UserFactory(roles=["bi_analyst"]))
    page = client.post("/staff/insight/models/train/", {}).content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.startswith("Error: ") and title.count("Error:") == 1
