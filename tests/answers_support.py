"""Checks that a page shows answers as people read them: no Python values, field keys or template codes."""
from __future__ import annotations

import html as html_lib
import re

# What a repr, a JSON dump or a field key looks like on a page.
INTERNAL = ["{", "}", "['", "']", "[{", "_mm", "': "]


def main_text(page: str) -> str:
    """The words inside <main> (tags dropped, entities decoded), where a person reads the answers."""
    match = re.search(r"<main\b.*?</main>", page, re.S)
    body = match.group(0) if match else page
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html_lib.unescape(body))


def assert_readable(page: str, *, shows: list[str] = (), never: list[str] = ()) -> str:
    """Every phrase in `shows` is on the page; nothing internal, and nothing in `never` (codes, keys), is."""
    text = main_text(page)
    for phrase in shows:
        assert phrase in text, f"{phrase!r} is not on the page:\n{text}"
    for bad in [*INTERNAL, *never]:
        assert bad not in text, f"{bad!r} is on the page:\n{text}"
    return text
