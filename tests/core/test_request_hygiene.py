"""The request edge (oxtom/core/hygiene.py, oxtom/core/clientip.py): NUL bytes refused with a 400,
bidi and zero-width controls stripped from every parameter, the client address believed only
as far as TRUSTED_PROXY_COUNT. Through the real middleware stack and views."""
from __future__ import annotations

import json

import pytest
from django.http import QueryDict
from django.test import Client, RequestFactory

from oxtom.core.clientip import client_ip
from oxtom.core.hygiene import _cleaned, clean_free_text
from tests.factories import TEST_PASSWORD

RLO, PDF, LRI, PDI, ZWSP, ZWJ, ZWNJ, BOM, WJ = "\u202e", "\u202c", "\u2066", "\u2069", "\u200b", "\u200d", "\u200c", "\ufeff", "\u2060"


@pytest.mark.parametrize("raw, clean", [
    (f"Pothole outside {RLO}txt.exe{PDF}", "Pothole outside txt.exe"),
    (f"pay{ZWSP}ment{WJ} due{BOM}", "payment due"),
    (f"{LRI}hidden{PDI} words", "hidden words"),
    (f"Ba{ZWJ}nk{ZWNJ}", "Bank"),  # joiners inside ASCII words only hide things
    ("\U0001F468\u200d\U0001F469\u200d\U0001F467", "\U0001F468\u200d\U0001F469\u200d\U0001F467"),  # emoji sequence kept
    ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),  # Persian ZWNJ kept
    ("Plain text, café, naïve", "Plain text, café, naïve"),
])
def test_free_text_loses_bidi_controls_and_hiding_zero_width_characters(raw, clean):
    assert clean_free_text(raw) == clean


def test_password_fields_are_left_as_typed():
    data = QueryDict(mutable=True)
    data.setlist("password1", [f"secret{ZWSP}"])
    data.setlist("note", [f"a{ZWSP}b"])
    out = _cleaned(data)
    assert out["password1"] == f"secret{ZWSP}" and out["note"] == "ab"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/?q=%00", "/report/?x=a%00b", "/accounts/login/?next=/%00", "/?%00=1"])
def test_a_nul_byte_in_any_get_parameter_is_a_400(client, url):
    response = client.get(url)
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_nul_byte_in_the_path_is_a_400_not_a_database_error(client, resident_a):
    client.force_login(resident_a)
    assert client.get("/account/entitlements/AB%0012/").status_code == 400


@pytest.mark.django_db
def test_a_nul_byte_in_a_posted_field_is_a_400_and_signs_nobody_in(client, resident_a):
    response = client.post("/accounts/login/", {"login": resident_a.email + "\x00", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/login/", {"login": resident_a.email, "password": TEST_PASSWORD, "x\x00": "1"})
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_answers_a_nul_byte_in_its_own_error_format(client, fmt):
    response = client.get(f"/open311/v2/requests.{fmt}?start_date=2026-11-01%00")
    assert response.status_code == 400
    if fmt == "json":
        assert json.loads(response.content) == [{"code": 400, "description":
                                                 "A search or link parameter contains a character that cannot be used"}]
    else:
        assert b"<errors><error><code>400</code>" in response.content


@pytest.mark.django_db
def test_a_bidi_override_posted_in_a_form_never_reaches_the_view(client, resident_a, monkeypatch):
    """Any form: the sign-in form echoes the email typed; the echo has no override in it."""
    response = client.post("/accounts/login/", {"login": f"someone{RLO}@example.org", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200 and RLO not in html and "someone@example.org" in html


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/open311/v2/requests.json", "/open311/v2/services.json",
                                  "/open311/v2/requests/HW-1.json", "/open311/v2/nothing/here.json"])
def test_open311_unsafe_methods_are_405_in_the_spec_format(method, path):
    client = Client(enforce_csrf_checks=True)  # as a real client: no CSRF 403 in HTML first
    response = getattr(client, method)(path)
    assert response.status_code == 405, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    [error] = json.loads(response.content)
    assert error["code"] == 405 and "GET" in response["Allow"]


@pytest.mark.django_db
def test_open311_unsafe_method_in_xml_and_post_to_an_unknown_path():
    client = Client(enforce_csrf_checks=True)
    response = client.delete("/open311/v2/requests/HW-1.xml")
    assert response.status_code == 405 and b"<code>405</code>" in response.content
    response = client.post("/open311/v2/nothing.json")
    assert response.status_code == 404 and json.loads(response.content)[0]["code"] == 404


# --- the client's address ------------------------------------------------------------------

def _request(remote="203.0.113.9", xff=None):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize("count, remote, xff, expected", [
    (0, "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # no proxy configured: the header is ignored
    (1, "10.0.0.2", "198.51.100.1", "198.51.100.1"),  # one proxy: it appended the client
    (1, "10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client's own entry (left) is ignored
    (2, "10.0.0.3", "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
    (2, "10.0.0.3", "198.51.100.1", "10.0.0.3"),  # fewer hops than proxies: not the client's choice
    (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
    (1, "10.0.0.2", "[2001:db8::1]:443", "2001:db8::1"),
    (0, "", None, "unknown"),
])
def test_client_ip_believes_x_forwarded_for_only_as_far_as_the_trusted_proxies(settings, count, remote, xff,
                                                                              expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(remote, xff)) == expected


@pytest.mark.django_db
def test_a_spoofed_x_forwarded_for_does_not_escape_the_sign_in_throttle(settings, resident_a):
    """Each try claims another address; with no proxy configured they all count as one."""
    from django.core.cache import cache

    cache.clear()
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(5):
        client.post("/accounts/login/", {"login": resident_a.email, "password": "wrong"},
                    HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = client.post("/accounts/login/", {"login": resident_a.email, "password": TEST_PASSWORD},
                           HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429


@pytest.mark.django_db
def test_behind_a_configured_proxy_each_real_client_is_throttled_on_its_own(settings, resident_a):
    from django.core.cache import cache

    cache.clear()
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(5):
        proxy.post("/accounts/login/", {"login": resident_a.email, "password": "wrong"},
                   HTTP_X_FORWARDED_FOR="198.51.100.66")
    at_home = Client(REMOTE_ADDR="10.0.0.2")
    response = at_home.post("/accounts/login/", {"login": resident_a.email, "password": TEST_PASSWORD},
                            HTTP_X_FORWARDED_FOR="192.0.2.44")
    assert response.status_code == 302 and response["Location"] == "/account/"
