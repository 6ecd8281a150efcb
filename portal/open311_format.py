"""Open311 responses as JSON (bare arrays, as the spec says) or XML with the spec's element names.

XML is built with ElementTree, which escapes text; characters XML 1.0
cannot carry at all (most control characters) are dropped first, so a
stray one in a description cannot make the whole document unreadable.
JSON escapes <, > and & too, so a browser or a careless client that treats
the body as HTML never meets markup from a resident.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# Element name for each item of a list, by the list's own element name.
LIST_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(element, key, item)
    elif isinstance(value, list):
        child = LIST_ITEMS.get(name, "item")
        for item in value:
            _fill(element, child, item)
    else:
        element.text = _text(value)


def to_xml(data: Any, root: str, item: str | None) -> bytes:
    """A list becomes <root><item>…</item>…</root>; a dict becomes <root>…</root>."""
    top = ET.Element(root)
    if isinstance(data, list):
        for entry in data:
            _fill(top, item or "item", entry)
    else:
        for key, value in data.items():
            _fill(top, key, value)
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)


def to_json(data: Any) -> bytes:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode("utf-8")


def respond(data: Any, fmt: str, *, root: str, item: str | None = None, status: int = 200) -> HttpResponse:
    body = to_xml(data, root, item) if fmt == "xml" else to_json(data)
    return HttpResponse(body, status=status, content_type=FORMATS.get(fmt, FORMATS["json"]))


def errors(errors: list[dict], fmt: str, status: int) -> HttpResponse:
    """The spec's error list: [{code, description}] or <errors><error><code/><description/></error></errors>."""
    return respond(errors, fmt, root="errors", item="error", status=status)
