"""Parts (d) and (e) of bench/faults.py: double POSTs at every staff form, and the access matrix of every URL.

(d) Double POSTs. Every demo member of staff and councillor crawls their own area
    (/staff/, /members/: links followed breadth-first, a few pages per URL pattern)
    and every POST form into those areas is collected, one per URL pattern of its
    action (and whether it carries a submission key). Each is then filled as a
    person would and sent three times at once, identically (same session, same
    CSRF token, same submission key), from three threads. Answers are tried in
    turn until one passes the form's checks (attempts()): the generic ones (the
    values shown, the first real choice of each question, text by the field's
    name, real dates ahead of today, FIELD_ANSWERS for the formats the forms'
    own help texts give, ANSWERS by route), the VARIANT (past dates, short
    text), every box ticked, then each other choice of each question; a file
    input gets a small clean PDF, or a PNG where only images are taken. What
    the three did is read from the database: every row the web's requests
    inserted or changed after the first POST's moment (PostgreSQL's xmin), less
    sessions, the key's own record and audit events that only record that staff
    viewed personal data (NOT_WRITES: action "view", written by every showing of
    a page, by design). Rows written more than once with the same values (but
    for keys, unique values and times of writing) are duplicates. A form that
    wrote nothing under every answer tried is refused (with the form's own
    message), or, answered without an error, changes nothing (a search).

(e) Access matrix. Every URL pattern in the resolver (every app, the admin site
    included), with its parameters filled with another resident's identifiers
    (the demo resident's cases, applications, entitlements, bookings, chats,
    payments, reports: whatever a row linked to them holds in a field of the
    parameter's name), is requested as a person of every role that has no
    business with that resident (each role in a team and division of its own;
    roles whose job is the whole customer index, and administrators, are left
    out), and as nobody. A leak is any 2xx answer that shows the resident's
    name, email, phone or a private reference, or any 2xx inside /staff/ or
    /members/ for a role without that area. POSTs (CSRF token only) are sent to
    every pattern with parameters; the resident's rows must not change.
"""
from __future__ import annotations

import dataclasses
import hashlib
import html
import itertools
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from http.cookies import SimpleCookie

PAGES_PER_PATTERN = 2
MAX_PAGES_PER_USER = 40
EXCLUDED_TABLES = {"django_session"}  # written after the view's transaction (messages, the idle clock)
# The mechanism's own record: one per key by its unique index (three keys make three, which is no duplicate).
NOT_COUNTED = {"core.submittedform"}
# Rows that record a look, not the action: an audit event that staff viewed personal data (the form
# shown again with its errors, a page the view renders) is written by every request that shows it,
# by design. Left out of what a POST wrote by the event's action, not by dropping the audit table.
NOT_WRITES = {"core.auditevent": ("action", {"view"})}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(NoRedirect)


class Session:
    """A signed-in person over HTTP with explicit cookies (safe to share the headers across threads)."""

    def __init__(self, base: str, sessionid: str = ""):
        self.base = base
        self.cookies: dict[str, str] = {"sessionid": sessionid} if sessionid else {}

    def headers(self) -> dict[str, str]:
        out = {"Referer": self.base + "/"}
        if self.cookies:
            out["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return out

    def send(self, method: str, path: str, data: list[tuple[str, str]] | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, str, str]:
        hdrs = dict(headers or self.headers())
        body = None
        if method == "POST" and any(isinstance(v, Upload) for _, v in data or []):
            body, hdrs["Content-Type"] = multipart(data)
        elif method == "POST":
            body = urllib.parse.urlencode(data or []).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=hdrs)
        try:
            with _opener.open(req, timeout=60) as response:
                status, head, text = response.status, response.headers, response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            status, head, text = exc.code, exc.headers, exc.read().decode(errors="replace")
        except (urllib.error.URLError, OSError) as exc:
            return 0, "", str(exc)
        if headers is None:
            for raw in head.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(raw)
                for name, morsel in cookie.items():
                    if morsel.value:
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
        return status, head.get("Location", ""), text

    def csrf(self) -> str:
        if "csrftoken" not in self.cookies:
            self.send("GET", "/accounts/login/")
        return self.cookies.get("csrftoken", "")


@dataclasses.dataclass(frozen=True)
class Upload:
    """A file a form is sent with (multipart/form-data)."""
    filename: str
    content_type: str
    content: bytes


def multipart(data: list[tuple[str, object]]) -> tuple[bytes, str]:
    boundary = "----oxtomfaults" + hashlib.sha256(repr(data).encode()).hexdigest()[:24]
    out = bytearray()
    for name, value in data:
        out += f"--{boundary}\r\n".encode()
        if isinstance(value, Upload):
            out += (f'Content-Disposition: form-data; name="{name}"; filename="{value.filename}"\r\n'
                    f"Content-Type: {value.content_type}\r\n\r\n").encode() + value.content + b"\r\n"
        else:
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def _pdf() -> bytes:
    """A one-page PDF with a line of text and nothing active (no JavaScript, no actions)."""
    content = b"BT /F1 12 Tf 72 720 Td (Bench double post check) Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def upload_for(field: dict) -> Upload:
    """A small clean file of a kind the input accepts: an image where it takes images only, else a PDF."""
    accept = field.get("accept", "").lower()
    if accept and "pdf" not in accept and ("image" in accept or "png" in accept or "jpg" in accept):
        return Upload("bench.png", "image/png", _png())
    return Upload("bench.pdf", "application/pdf", _pdf())


def session_for(user) -> str:
    """A session cookie for `user`, made as Django's test client does (no password or TOTP round trip)."""
    from django.test import Client

    from oxtom.accounts.middleware import MFA_OK_KEY

    client = Client()
    client.force_login(user)
    session = client.session
    session[MFA_OK_KEY] = True
    session.save()
    return client.cookies["sessionid"].value


class PageParser(HTMLParser):
    """The links and POST forms of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._form["fields"].append({"tag": "input", "type": a.get("type", "text").lower(), "name": a.get("name", ""),
                                         "value": a.get("value", ""), "checked": "checked" in a,
                                         "accept": a.get("accept", "")})
        elif tag == "button" and a.get("name"):
            self._form["fields"].append({"tag": "button", "type": a.get("type", "submit"), "name": a["name"],
                                         "value": a.get("value", ""), "checked": False})
        elif tag == "select":
            self._select = {"tag": "select", "name": a.get("name", ""), "options": [], "selected": None}
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
            if "selected" in a:
                self._select["selected"] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = {"tag": "textarea", "name": a.get("name", ""), "value": ""}
            self._form["fields"].append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    return parser


# A second try for a form that refused the first answers: past dates, months as 2026-04, short text.
VARIANT = {"year": "2025", "month": "2026-04", "date": "15/06/2025", "text": "Bench", "amount": "85"}


# Answers by field name that no part of a name can suggest (the formats the forms' own help texts give).
FIELD_ANSWERS = {
    "uprn": "100120991537", "members": "E10000013, Gloucestershire", "provision": "section 40(2)",
    "estimated_hours": "40", "website": "https://example.org/", "charity_number": "1123456",
    "companies_house_number": "01234567", "amber_tolerance": "5", "period": "2026-04", "month": "2026-04",
    "days": "4", "title": "Ms", "capacity": "900", "child_key": "CH-1001", "cpv_code": "90910000",
    "kpis": "Response within 2 days: 95%", "actions": "Improve the reporting: 2027-03-31",
    "questions": "text: What do you think of the plan?",
    "request_text": "Please send the number of potholes repaired in Oxford in 2025, by month.",
}
# Answers a form's own fields cannot suggest, by route (as _route gives it) and field name: lines the
# form reads as "a | b | c" (its help text's own example). The rest are derived: see attempts().
ANSWERS: dict[str, dict] = {"staff/projects/new/": {"risks": "Contractor late | Head of Highways"},
                "staff/projects/(?P<reference>PRJ-\\d{4,6})/highlight/$":
                    {"risks": "issue | Contractor late | Head of Highways", "month": "2026-04"}}
DATE_PARTS = ("day", "month", "year")


def _date_part(name: str, variant: dict | None) -> str | None:
    """A box of a GOV.UK date input (<name>_day, _month, _year): a real date 40 days ahead, or (VARIANT)
    20 days ago (a date received, a period reviewed); a date of birth in 1970."""
    import datetime as dt

    n = name.lower()
    part = next((p for p in DATE_PARTS if n.endswith("_" + p)), None)
    if part is None:
        return None
    if "birth" in n or "dob" in n:
        return {"day": "4", "month": "5", "year": "1970"}[part]
    when = dt.date.today() + dt.timedelta(days=-20 if variant else 40)
    return str(getattr(when, part))


def _text_for(name: str, variant: dict | None = None) -> str:
    n = name.lower()
    bare = n.rsplit("-", 1)[-1]  # a prefixed form's field (FOI's actions: "exemption-provision")
    if bare in FIELD_ANSWERS:
        return FIELD_ANSWERS[bare]
    date_part = _date_part(n, variant)
    if date_part is not None:
        return date_part
    if variant:
        for part, value in variant.items():
            if part in n:
                return value
    if "birth" in n:
        return {"day": "4", "month": "5", "year": "1970"}.get(next((p for p in ("day", "month", "year") if p in n), ""),
                                                             "04/05/1970")
    for part, value in (("day", "15"), ("month", "6"), ("year", "2027"), ("email", "bench.double@example.org"),
                        ("phone", "01865 792422"), ("postcode", "OX1 1DS"), ("amount", "10"), ("pence", "1000"),
                        ("pounds", "10"), ("cost", "10"), ("value", "10"), ("hours", "2"), ("minutes", "30"),
                        ("count", "3"), ("number", "3"), ("percent", "50"), ("rate", "1"), ("date", "15/06/2027"),
                        ("url", "https://example.org/"), ("time", "10:00")):
        if part in n:
            return value
    return (variant or {}).get("text", "Bench double post check")


def fill(form: dict, variant: dict | None = None, answers: dict | None = None, *,
         files: bool = True) -> list[tuple[str, object]]:
    """What a person would send: values shown, the first choice of each question, text in empty boxes.

    `answers` overrides by field name: a value (the choice to pick or the text to type), a list
    (several boxes ticked), or ALL_BOXES (every box of a checkbox question ticked).
    """
    answers = answers or {}
    data: list[tuple[str, str]] = []
    groups: dict[str, list[dict]] = {}
    button_done = False
    for field in form["fields"]:
        name = field["name"]
        if not name:
            continue
        if name in answers and field["tag"] != "button" and field.get("type") not in ("radio", "checkbox", "submit"):
            if name not in [k for k, _ in data]:
                value = answers[name]
                data.extend((name, v) for v in (value if isinstance(value, list) else [value]))
            continue
        if field["tag"] == "select":
            # The option shown chosen, unless that is the empty "Choose ..." one: then the first real choice.
            choice = field["selected"] or next((o for o in field["options"] if o), "")
            data.append((name, choice))
        elif field["tag"] == "textarea":
            data.append((name, field["value"].strip() or _text_for(name, variant)))
        elif field["tag"] == "button" or field["type"] == "submit":
            if not button_done:
                data.append((name, field["value"]))
                button_done = True
        elif field["type"] in ("radio", "checkbox"):
            groups.setdefault(name, []).append(field)
        elif field["type"] == "file":
            if files:
                data.append((name, upload_for(field)))
        elif field["type"] in ("password", "image", "reset"):
            continue
        elif field["type"] == "hidden":
            data.append((name, field["value"]))
        else:
            data.append((name, field["value"] or _text_for(name, variant)))
    for name, options in groups.items():
        wanted = answers.get(name)
        if wanted == ALL_BOXES:
            checked = options
        elif wanted is not None:
            values = wanted if isinstance(wanted, list) else [wanted]
            checked = [o for o in options if o["value"] in values]
        else:
            checked = [o for o in options if o["checked"]] or options[:1]
        data.extend((name, o["value"] or "on") for o in checked)
    return data


ALL_BOXES = "<every box>"
MAX_ATTEMPTS = 10



def attempts(route: str, form: dict) -> list[tuple[str, dict | None, dict]]:
    """The submissions to try, in turn, until one passes the form's checks: (label, variant, answers).

    First the route's own answers if it has any, then the generic ones and the VARIANT, then
    answers derived from the form itself: each other choice of each question (a radio group or
    a select, one question at a time, as the first choice is often "no" or the one that asks
    for more), and every box of each checkbox question ticked (declarations, "all that apply").
    """
    out: list[tuple[str, dict | None, dict]] = []
    own = ANSWERS.get(route, {})
    out += [("generic", None, own), ("variant", VARIANT, own)]
    choices: dict[str, list[str]] = {}
    boxes: list[str] = []
    for field in form["fields"]:
        if field["tag"] == "select":
            choices.setdefault(field["name"], []).extend(o for o in field["options"] if o)
        elif field.get("type") == "radio":
            choices.setdefault(field["name"], []).append(field["value"])
        elif field.get("type") == "checkbox" and field["name"] not in boxes:
            boxes.append(field["name"])
    if boxes:
        out.append(("every box ticked", None, {**own, **{name: ALL_BOXES for name in boxes}}))
    for name, values in choices.items():
        for value in list(dict.fromkeys(values))[1:]:
            out.append((f"{name}={value}", None, {**own, name: value, **{b: ALL_BOXES for b in boxes}}))
            out.append((f"{name}={value}, variant", VARIANT, {**own, name: value}))
    return out[:MAX_ATTEMPTS]


def _absolute_path(action: str, page_path: str) -> str:
    joined = urllib.parse.urljoin("http://x" + page_path, action or page_path)
    parts = urllib.parse.urlsplit(joined)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _route(path: str) -> str | None:
    """The URL pattern `path` resolves to; for a pattern taking an `action`, the action too (each is a form)."""
    from django.urls import Resolver404, resolve

    try:
        match = resolve(urllib.parse.urlsplit(path).path)
    except Resolver404:
        return None
    return match.route + (f" action={match.kwargs['action']}" if "action" in match.kwargs else "")


# --- (d) double POSTs -------------------------------------------------------------------------------

def crawl_staff_forms(base: str, people: list[tuple[object, list[str]]]) -> tuple[dict, dict]:
    """{route: (user, page path, form)} for every staff POST form (`form["keyed"]`: it carries a submission key);
    and pages seen per route."""
    found: dict[str, tuple[object, str, dict]] = {}
    pages_per_route: dict[str, int] = {}
    for user, starts in people:
        who = Session(base, session_for(user))
        queue, seen, fetched = list(starts), set(starts), 0
        while queue and fetched < MAX_PAGES_PER_USER:
            path = queue.pop(0)
            route = _route(path)
            if route is None or pages_per_route.get((user.pk, route), 0) >= PAGES_PER_PATTERN:
                continue
            pages_per_route[(user.pk, route)] = pages_per_route.get((user.pk, route), 0) + 1
            status, _, page = who.send("GET", path)
            fetched += 1
            if status != 200 or "<html" not in page[:500].lower():
                continue
            parsed = parse(page)
            for form in parsed.forms:
                names = {f["name"] for f in form["fields"]}
                if form["method"] != "post":
                    continue
                action = _absolute_path(html.unescape(form["action"]), path)
                if not action.startswith(("/staff/", "/members/")):
                    continue
                action_route = _route(action)
                keyed = "submission_key" in names
                # One form per route; one with the key rather than one without (the same action shown twice).
                if action_route and (action_route not in found or (keyed and not found[action_route][2]["keyed"])):
                    found[action_route] = (user, path, form | {"action_path": action, "keyed": keyed})
            for href in parsed.links:
                target = _absolute_path(html.unescape(href), path)
                if href.startswith(("http://", "https://", "mailto:", "tel:", "#")) or target in seen:
                    continue
                if target.startswith(("/staff/", "/members/")) and not target.endswith((".pdf", ".csv", ".ics")):
                    seen.add(target)
                    queue.append(target)
    return found, pages_per_route


def _xid_now() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current() % 4294967296")
        return int(cursor.fetchone()[0])


def _identity_columns(model) -> list[str]:
    """The columns that say what a row is, not which one: no keys, unique values, stamps or ids made per row.

    Times the row is stamped with as it is written (auto_now, auto_now_add) are left out; other
    times stay, as duplicates_in reads them (a time set to "now" by the request, like a note's
    `created_at`, says nothing; the start of each event of a series says which one it is).
    """
    from django.db import models

    out = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.unique or isinstance(field, models.UUIDField):
            continue
        if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
            continue
        if any(part in field.name for part in ("reference", "token", "key", "version")):
            continue
        out.append(field.attname)
    return out


def written_since(xid: int) -> dict[str, list[dict]]:
    """{model label: rows} for every row inserted or changed by a transaction after `xid` (xmin, subtransactions too)."""
    from django.apps import apps

    out = {}
    for model in apps.get_models():
        if model._meta.db_table in EXCLUDED_TABLES or not model._meta.managed:
            continue
        table = model._meta.db_table
        rows = list(model._base_manager.order_by().extra(where=[f'"{table}".xmin::text::bigint > %s'],
                                                          params=[xid]).values())
        column, looks = NOT_WRITES.get(model._meta.label_lower, (None, ()))
        if column:
            rows = [row for row in rows if row[column] not in looks]
        if rows:
            out[model._meta.label_lower] = rows
    return out


NOW_WITHIN = 120  # seconds: a time this close to the POSTs is "when it was written", not data


def _identity_value(value, now):
    import datetime as dt

    if isinstance(value, dt.datetime) and now is not None and abs((value - now).total_seconds()) < NOW_WITHIN:
        return "now"
    return value


def duplicates_in(written: dict[str, list[dict]], *, now=None) -> tuple[int, list[str]]:
    """Rows written twice: the same model, the same values but for keys, unique values and times of writing."""
    from django.apps import apps
    from django.utils import timezone

    now = now or timezone.now()
    count, where = 0, []
    for label, rows in written.items():
        if label in NOT_COUNTED:
            continue
        columns = _identity_columns(apps.get_model(label))
        groups: dict[str, int] = {}
        for row in rows:
            key = repr([_identity_value(row.get(c), now) for c in columns])
            groups[key] = groups.get(key, 0) + 1
        extra = sum(n - 1 for n in groups.values() if n > 1)
        if extra:
            count += extra
            where.append(f"{label} x{max(groups.values())}")
    return count, where


def _fire(who: Session, action: str, bodies: list[list[tuple[str, str]]], headers: dict) -> list[int]:
    statuses = [0] * len(bodies)
    pages = [""] * len(bodies)
    barrier = threading.Barrier(len(bodies))

    def fire(i: int) -> None:
        barrier.wait()
        statuses[i], _, pages[i] = who.send("POST", action, bodies[i], headers=headers)

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(0.2)
    return statuses, pages


def triple_post(base: str, user, page_path: str, route: str, *, fresh_keys: bool = False,
                variant: dict | None = None, answers: dict | None = None):
    """Fresh page, the form filled, three identical POSTs at once: (rows written, duplicates, where, statuses).

    With `fresh_keys` each of the three carries a new submission key (as three separate
    forms would): the detector's control, which must see the duplicates a form without
    the shared mechanism makes.
    """
    from oxtom.core.submissions import new_key

    who = Session(base, session_for(user))
    status, _, page = who.send("GET", page_path)
    form = next((f for f in parse(page).forms if f["method"] == "post"
                 and _route(_absolute_path(html.unescape(f["action"]), page_path)) == route), None)
    if status != 200 or form is None:
        return -1, 0, [], [status]
    action = _absolute_path(html.unescape(form["action"]), page_path)
    data = fill(form, variant, answers)
    if variant and "email" in str([f["name"] for f in form["fields"]]):
        data = [(k, user.email if "email" in k and v == "bench.double@example.org" else v) for k, v in data]
    bodies = [data] * 3
    if fresh_keys:
        bodies = [[(k, new_key() if k == "submission_key" else v) for k, v in data] for _ in range(3)]
    start = _xid_now()
    statuses, pages = _fire(who, action, bodies, who.headers())
    written = written_since(start)
    dups, where = duplicates_in(written)
    if not written:  # refused: say what the form said
        where = form_errors(pages[0]) or [f"status {statuses[0]}"]
    return sum(len(r) for r in written.values()), dups, where, statuses


def form_errors(page: str) -> list[str]:
    """The messages a form shown again with errors gives (its error summary, else its fields' messages)."""
    summary = re.search(r'class="govuk-error-summary__list"[^>]*>(.*?)</ul>', page, re.S)
    found = re.findall(r"<a[^>]*>\s*([^<]+?)\s*</a>", summary.group(1)) if summary else []
    if not found:
        found = re.findall(r'class="govuk-error-message"[^>]*>(?:\s*<span[^>]*>[^<]*</span>)?\s*([^<]+)', page)
    return [html.unescape(e.strip()) for e in found if e.strip()][:3]


def double_posts(base: str, report) -> None:
    from django.contrib.auth import get_user_model

    from oxtom.accounts.roles import ROLES_BY_CODE
    from oxtom.core.management.commands.seed_demo import ALL_DEMO_SIGN_INS

    User = get_user_model()
    people = []
    for sign_in in ALL_DEMO_SIGN_INS:
        role = ROLES_BY_CODE.get(sign_in.role)
        if role is None or not (role.staff_area or role.member_area):
            continue
        user = User.objects.filter(email=sign_in.email).first()
        if user is not None:
            people.append((user, list(dict.fromkeys([sign_in.area, "/staff/" if role.staff_area else "/members/"]))))
    found, _ = crawl_staff_forms(base, people)
    exercised = duplicates = 0
    refused, unreachable, no_change, control = [], [], [], None
    keyless = sorted(route for route, (_u, _p, form) in found.items() if not form["keyed"])
    for route, (user, page_path, form) in sorted(found.items()):
        tried, written, why = 0, 0, []
        for label, variant, answers in attempts(route, form):
            written, dups, where, statuses = triple_post(base, user, page_path, route, variant=variant,
                                                         answers=answers)
            tried += 1
            if written != 0:
                break
            why = where
        if written < 0:
            unreachable.append(route)
            continue
        if written == 0:
            if any(s in (200, 302) for s in statuses) and why and why[0].startswith("status "):
                no_change.append(f"{route} ({why[0]}; {tried} tries)")
            else:
                refused.append(f"{route} ({'; '.join(why)}; {tried} tries)")
            continue
        exercised += 1
        duplicates += dups
        print(f"  {'DUPLICATE' if dups else 'once'}: {route} as {user.email} with {label} answers "
              f"({statuses}){': ' + ', '.join(where) if dups else ''}", flush=True)
        if control is None and route.endswith("action=note") and route.startswith("staff/cases/"):
            # The detector's control: the same form sent three times with three keys must show duplicates.
            _, control, where, _ = triple_post(base, user, page_path, route, fresh_keys=True)
            print(f"  control (three keys) on {route}: {control} duplicates ({', '.join(where)})", flush=True)
    report("double_post.staff_forms_found", len(found), "forms")
    report("double_post.forms_without_submission_key", len(keyless), "forms")
    report("double_post.forms_exercised", exercised, "forms")
    report("double_post.forms_refused", len(refused), "forms")
    report("double_post.forms_changing_nothing", len(no_change), "forms")
    report("double_post.forms_unreachable", len(unreachable), "forms")
    report("double_post.duplicates", duplicates, "duplicates")
    if control is not None:
        report("double_post.control_three_keys_duplicates", control, "duplicates")
    if keyless:
        print("  without a submission key:\n    " + "\n    ".join(keyless), flush=True)
    if refused:
        print("  refused every answer tried (not exercised):\n    " + "\n    ".join(refused), flush=True)
    if no_change:
        print("  answered without an error but wrote nothing (a search, or nothing left to do):\n    " + "\n    ".join(no_change), flush=True)
    if unreachable:
        print("  form gone when sent: " + ", ".join(unreachable), flush=True)
    return duplicates, control


# --- (e) the access matrix ------------------------------------------------------------------------------

def all_patterns() -> list[tuple[str, str, str]]:
    """(route with converters, view name, module of the view) for every URL pattern in the resolver."""
    from django.urls import URLPattern, URLResolver, get_resolver

    out = []

    def walk(patterns, prefix, namespaces):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), namespaces + ([p.namespace] if p.namespace else []))
            elif isinstance(p, URLPattern):
                name = ":".join(namespaces + [p.name]) if p.name else ""
                func = getattr(p.callback, "view_class", p.callback)
                out.append(("/" + prefix + str(p.pattern), name, getattr(func, "__module__", "")))

    walk(get_resolver().url_patterns, "", [])
    return out


_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>(?:[^()]|\([^()]*\))*\)")


def params_of(route: str) -> list[tuple[str, str]]:
    return [(m.group("name") or m.group("rname"), m.group("conv") or ("re" if m.group("rname") else "str"))
            for m in _PARAM.finditer(route)]


def build_path(route: str, values: dict[str, str]) -> str | None:
    """The route with its parameters filled; None if what is left is still a pattern."""
    def sub(m):
        return urllib.parse.quote(str(values[m.group("name") or m.group("rname")]), safe="-_.~:")

    path = _PARAM.sub(sub, route).replace("^", "").replace("$", "").replace("\\.", ".")
    path = re.sub(r"/+", "/", path)
    if re.search(r"[\\()\[\]*+?|{}]", path):
        return None
    return path


def victim_rows(customer, user, *, depth: int = 3, per_model: int = 60) -> dict[str, list[dict]]:
    """Rows linked to the resident (through foreign keys, up to `depth` hops), as dicts, by model label."""
    from django.apps import apps
    from django.db import models

    skip = {"core.auditevent", "customers.interaction", "sessions.session", "admin.logentry",
            "contenttypes.contenttype", "auth.permission"}
    found: dict[str, dict[object, dict]] = {customer._meta.label_lower: {customer.pk: _row(customer)},
                                            user._meta.label_lower: {user.pk: _row(user)}}
    frontier = {customer._meta.label_lower: {customer.pk}, user._meta.label_lower: {user.pk}}
    for _ in range(depth):
        nxt: dict[str, set] = {}
        for model in apps.get_models():
            label = model._meta.label_lower
            if label in skip:
                continue
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.ForeignKey):
                    continue
                target = field.related_model._meta.label_lower
                if target not in frontier or target in ("accounts.team", "places.division"):
                    continue
                for obj in model.objects.filter(**{f"{field.name}__in": frontier[target]})[:per_model]:
                    if obj.pk not in found.setdefault(label, {}):
                        found[label][obj.pk] = _row(obj)
                        nxt.setdefault(label, set()).add(obj.pk)
        frontier = nxt
    return {label: list(rows.values()) for label, rows in found.items()}


def _row(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def _snapshot(rows: dict[str, list[dict]]) -> dict[str, str]:
    """A hash of each of the resident's rows as it is now in the database."""
    from django.apps import apps

    out = {}
    for label, items in rows.items():
        model = apps.get_model(label)
        for obj in model.objects.filter(pk__in=[r[model._meta.pk.attname] for r in items]):
            values = {k: v for k, v in _row(obj).items() if k not in ("last_login", "updated_at", "modified_at")}
            out[f"{label}:{obj.pk}"] = hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()
    return out


def candidates(rows: dict[str, list[dict]], name: str, conv: str, module: str) -> list[str]:
    """The resident's values for a URL parameter: fields of the same name first, then their rows' keys."""
    parts = module.split(".")
    app = (parts[1] if parts[0] == "oxtom" and len(parts) > 1 else parts[0]) if module else ""
    app = {"api": "casework"}.get(app, app)
    same_app = [(label, r) for label, items in rows.items() for r in items if label.split(".")[0] == app]
    everything = [(label, r) for label, items in rows.items() for r in items]
    field = {"survivor": "reference", "payment_id": "provider_id", "chat_id": "id", "task_id": "id",
             "booking_id": "id", "membership_id": "id", "check_id": "id", "object_id": "id", "pk": "id"}.get(name, name)
    model_hint = {"chat_id": "webchat", "task_id": "casetask", "booking_id": "booking", "membership_id": "teammembership",
                  "check_id": "qacheck", "payment_id": "payment"}.get(name, "")
    out: list[str] = []
    for pool in (same_app, everything):
        for label, row in pool:
            if model_hint and not label.endswith("." + model_hint):
                continue
            value = row.get(field)
            if value is None and field == "id":
                value = next((v for k, v in row.items() if k in ("id", "pk", "uuid")), None)
            if value in (None, ""):
                continue
            text = str(value)
            if conv == "int" and not text.isdigit():
                continue
            if conv == "uuid" and not re.fullmatch(r"[0-9a-f-]{36}", text):
                continue
            if text not in out:
                out.append(text)
        if out:
            break
    return out


FIXED = {"fmt": ["json"], "month": ["2026-11"], "uidb36": ["1"], "key": ["x"], "url": ["x"], "page": ["1"],
         "action": ["note", "status"], "app_label": ["customers"]}


def concrete_urls(rows, patterns, *, per_pattern: int, extra: dict[str, list[str]]) -> tuple[list[tuple], list[str]]:
    """[(route, path)] filled with the resident's values; and the routes that could not be filled."""
    from django.urls import Resolver404, resolve

    urls, unfilled = [], []
    for route, _name, module in patterns:
        params = params_of(route)
        choices = []
        for name, conv in params:
            values = candidates(rows, name, conv, module) if name not in FIXED else []
            if not values:
                values = extra.get(name) or FIXED.get(name) or (["1"] if conv in ("int", "path") else ["x"])
            choices.append(values[:per_pattern])
        made = 0
        for combo in itertools.product(*choices):
            path = build_path(route, {name: value for (name, _), value in zip(params, combo)})
            if path is None:
                continue
            try:
                resolve(path)
            except Resolver404:
                continue
            urls.append((route, path))
            made += 1
            if made >= per_pattern:
                break
        if not made:
            unfilled.append(route)
    return urls, unfilled


@dataclasses.dataclass
class Matrix:
    """Who asks (a person of each role with no business with the resident, and nobody), what they ask for
    (every URL pattern filled with the resident's identifiers) and what must not show (the markers)."""
    people: dict[str, object]
    roles: dict[str, object]
    patterns: list[tuple[str, str, str]]
    urls: list[tuple[str, str]]
    unfilled: list[str]
    markers: set[str]
    rows: dict[str, list[dict]]

    def snapshot(self) -> dict[str, str]:
        return _snapshot(self.rows)


def prepare_matrix(run: str, *, per_pattern: int) -> Matrix:
    """The demo resident renamed with markers, a person of every role elsewhere, every URL filled in."""
    from django.contrib.auth import get_user_model

    from oxtom.accounts.models import Team, TeamMembership
    from oxtom.accounts.permissions import Permission
    from oxtom.accounts.roles import ALL_ROLES
    from oxtom.core.management.commands.seed_demo import DEMO_SIGN_INS
    from oxtom.customers.models import Customer
    from oxtom.places.models import Division
    from tests import factories as f

    User = get_user_model()
    demo_resident = next(s.email for s in DEMO_SIGN_INS if s.role == "resident")
    # The demo resident; on a database a run already used (--reuse), the one it renamed.
    victim_user = (User.objects.filter(email=demo_resident).first()
                   or User.objects.filter(email__startswith="victim.", email__endswith="@example.org").latest("pk"))
    victim = Customer.objects.get(user=victim_user)
    # Markers no other page can show by chance: the resident's name, email and phone, renamed for the run.
    first, last = "Quenby", f"Faultmarker{run[-6:]}"
    email, phone = f"victim.{run}@example.org", f"+44770090{run[-4:]}"
    User.objects.filter(pk=victim_user.pk).update(full_name=f"{first} {last}", email=email)
    Customer.objects.filter(pk=victim.pk).update(first_name=first, last_name=last, email=email, phone=phone)
    victim.refresh_from_db()
    rows = victim_rows(victim, victim_user)
    street_case_ids = {r["case_id"] for r in rows.get("portal.streetreport", [])}
    markers = {last, email, phone[3:], "0" + phone[3:7] + " " + phone[7:]}
    for label, items in rows.items():
        for r in items:
            if label == "casework.case" and r.get("id") in street_case_ids:
                continue
            if label in ("portal.streetreport",):
                continue
            for key in ("reference", "number"):
                value = str(r.get(key) or "")
                if len(value) >= 6:
                    markers.add(value)
    markers.discard("")
    # A street report's reference is public by design (the map, Open311, the open API): not a marker.
    from portal.models import StreetReport

    markers -= set(StreetReport.objects.filter(case__reference__in=markers).values_list("case__reference", flat=True))
    team_ids = {r.get("team_id") for r in rows.get("casework.case", []) if r.get("team_id")}
    victim_teams = list(Team.objects.filter(pk__in=team_ids).values_list("slug", flat=True))
    extra = {"team_slug": victim_teams[:2] or list(Team.objects.values_list("slug", flat=True)[:2]),
             "slug": victim_teams[:1] + list(Team.objects.values_list("slug", flat=True)[:1])}
    # One person for every role with no business with this resident: a team and a division of their own.
    team = Team.objects.create(name=f"Faults elsewhere {run}", slug=f"faults-elsewhere-{run}")
    elsewhere = Division.objects.exclude(pk=victim.division_id).first() if victim.division_id else Division.objects.first()
    roles = [r for r in ALL_ROLES if Permission.CUSTOMER_VIEW_ALL not in r.permissions and r.code != "administrator"]
    people: dict[str, object] = {"anonymous": None}
    for role in roles:
        user = f.UserFactory(email=f"faults.{role.code}.{run}@example.org", full_name=f"Faults {role.code}",
                             roles=[role.code])
        if role.code == "councillor":
            User.objects.filter(pk=user.pk).update(member_division=elsewhere)
        if role.staff_area:
            TeamMembership.objects.create(team=team, user=user, is_leader=role.code == "team_leader")
        if role.code == "resident":
            f.CustomerFactory(user=user, first_name="Other", last_name="Resident", email=user.email,
                              reference=f"FO{run[-8:]}")
        people[role.code] = User.objects.get(pk=user.pk)
    patterns = all_patterns()
    urls, unfilled = concrete_urls(rows, patterns, per_pattern=per_pattern, extra=extra)
    return Matrix(people=people, roles={r.code: r for r in roles}, patterns=patterns, urls=urls, unfilled=unfilled,
                  markers=markers, rows=rows)


STAFF_PREFIX, MEMBER_PREFIX = "/staff/", "/members/"


def findings(matrix: Matrix, code: str, path: str, status: int, body: str) -> list[str]:
    """What one answer gives away: the resident's markers, or a staff or members' page to a role without it."""
    found: list[str] = []
    if not 200 <= status < 300:
        return found
    role = matrix.roles.get(code)
    shown = sorted(m for m in matrix.markers if m in body)
    if shown:
        found.append(f"{code} GET {path} {status}: shows {', '.join(shown[:3])}")
    if path.startswith(STAFF_PREFIX) and not (role and role.staff_area):
        found.append(f"{code} GET {path} {status}: inside /staff/ without the staff area")
    if path.startswith(MEMBER_PREFIX) and not (role and role.member_area):
        found.append(f"{code} GET {path} {status}: inside /members/ without the members' area")
    return found


def access_matrix(base: str, run: str, report, *, per_pattern: int) -> int:
    """Request every URL as every role over HTTP; count leaks and the resident's rows a refused POST changed."""
    matrix = prepare_matrix(run, per_pattern=per_pattern)
    people, urls, patterns, unfilled, markers, rows = (matrix.people, matrix.urls, matrix.patterns, matrix.unfilled,
                                                       matrix.markers, matrix.rows)
    before = matrix.snapshot()
    leaks, debug_only, requests, write_leaks = [], [], 0, 0
    from django.conf import settings

    # The demo's "phone" (every text sent), staff-wide only with DEBUG on; administrators only in production.
    debug_pages = ("/notify/dev/",) if settings.DEBUG else ()
    lock = threading.Lock()
    for code, user in people.items():
        who = Session(base, session_for(user) if user is not None else "")
        token = who.csrf()
        headers = who.headers()

        def probe(item, *, who=who, headers=headers, code=code, token=token):
            nonlocal requests
            route, path = item
            status, _, body = who.send("GET", path, headers=headers)
            found = findings(matrix, code, path, status, body)
            sent = 1
            if params_of(route):
                who.send("POST", path, [("csrfmiddlewaretoken", token)], headers=headers)
                sent += 1
            with lock:
                requests += sent
                (debug_only if path in debug_pages else leaks).extend(found)

        t0 = time.monotonic()
        _pool(probe, urls, threads=3)
        print(f"  {code}: {len(urls)} urls in {time.monotonic() - t0:.0f} s, leaks so far {len(leaks)}", flush=True)
    after = matrix.snapshot()
    changed = sorted(k for k in before if before[k] != after.get(k))
    write_leaks = len(changed)
    for key in changed[:20]:
        print(f"  CHANGED by a refused role's POST: {key}", flush=True)
    for line in leaks[:60]:
        print(f"  LEAK: {line}", flush=True)
    report("access_matrix.url_patterns", len(patterns), "patterns")
    report("access_matrix.patterns_not_fillable", len(unfilled), "patterns")
    report("access_matrix.urls", len(urls), "urls")
    report("access_matrix.roles", len(people), "roles")
    report("access_matrix.requests", requests, "requests")
    report("access_matrix.markers", len(markers), "markers")
    report("access_matrix.leaks", len(leaks), "leaks")
    report("access_matrix.victim_rows_changed", write_leaks, "rows")
    if debug_pages:
        report("access_matrix.debug_only_page_shows", len(debug_only), "roles")
        print(f"  (not counted: {', '.join(debug_pages)} shows every message to any member of staff with DEBUG on, "
              "as documented; administrators only in production)", flush=True)
    if unfilled:
        print("  not fillable: " + ", ".join(unfilled), flush=True)
    return len(leaks) + write_leaks


def _pool(fn, items, *, threads: int) -> None:
    items = list(items)
    index = [0]
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                if index[0] >= len(items):
                    return
                item = items[index[0]]
                index[0] += 1
            fn(item)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
