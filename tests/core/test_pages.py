"""The base pages for every role: navigation, GOV.UK patterns, security headers, static files."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path

import oxtom.urls
from oxtom.accounts.roles import ALL_ROLES
from oxtom.core.context_processors import COOKIE_MESSAGE_COOKIE

pytestmark = pytest.mark.django_db

ROLES = [None, "resident_a", "adviser", "officer_in_team", "team_leader", "councillor_of_division", "administrator"]
PUBLIC_PAGES = ["/", "/accessibility/", "/cookies/", "/accounts/login/", "/accounts/signup/"]


# A URLconf with the routes other apps will add, so navigation can be tested
# against them before they exist (pytest.mark.urls points here).
def _stub(request, **kwargs):
    return HttpResponse("stub")


def _boom(request):
    raise RuntimeError("deliberate failure for the 500 page test")


def _with_message(request):
    messages.success(request, "Your details have been saved")
    messages.info(request, "Something you should know")
    from django.shortcuts import render

    return render(request, "core/cookies.html")


urlpatterns = [
    path("report/", _stub),
    path("apply/", _stub),
    path("staff/queues/", _stub),
    path("staff/assist/", _stub),
    path("members/enquiries/", _stub),
    path("divisions/<slug:slug>/", _stub),
    path("boom/", _boom),
    path("with-message/", _with_message),
    path("", include(oxtom.urls)),
]
WITH_SERVICES = pytest.mark.urls("tests.core.test_pages")


class PageParser(HTMLParser):
    """Collects what the CSP and GOV.UK checks need from a page."""

    def __init__(self):
        super().__init__()
        self.inline_scripts = 0
        self.script_srcs: list[str] = []
        self.style_attributes = 0
        self.style_elements = 0
        self.event_handlers = 0
        self.nav_links: list[str] = []
        self._in_nav = False
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("src"):
                self.script_srcs.append(attrs["src"])
            elif attrs.get("type") != "application/json":
                self.inline_scripts += 1
        if tag == "style":
            self.style_elements += 1
        if "style" in attrs:
            self.style_attributes += 1
        self.event_handlers += sum(1 for name in attrs if name.startswith("on"))
        if tag == "ul" and "govuk-service-navigation__list" in (attrs.get("class") or ""):
            self._in_nav = True
        if self._in_nav and tag == "a":
            self.nav_links.append(attrs.get("href"))

    def handle_endtag(self, tag):
        if tag == "ul":
            self._in_nav = False


def parse(response) -> PageParser:
    parser = PageParser()
    parser.feed(response.content.decode())
    return parser


def as_role(client_for, request, role):
    return client_for(request.getfixturevalue(role) if role else None)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", PUBLIC_PAGES + ["/no-such-page/"])
def test_every_base_page_renders_for_every_role_with_the_gov_uk_frame(client_for, request, role, url):
    client = as_role(client_for, request, role)
    response = client.get(url)
    if role and url in ("/accounts/login/", "/accounts/signup/"):
        assert response.status_code == 302  # already signed in: allauth sends them on
        return
    assert response.status_code == (404 if url == "/no-such-page/" else 200)
    html = response.content.decode()
    for part in (
        'class="govuk-skip-link"', 'href="#main-content"', 'id="main-content"', "govuk-header",
        "govuk-service-navigation", "govuk-phase-banner", "Beta", "govuk-footer",
        'href="/accessibility/"', 'href="/cookies/"',
    ):
        assert part in html, part
    assert "GDS Transport" not in html  # not a GOV.UK domain: no GOV.UK font or crown
    page = parse(response)
    if role is None:
        assert "/accounts/login/" in page.nav_links
        assert 'action="/accounts/logout/"' not in html
    else:
        assert "/account/" in page.nav_links
        assert 'action="/accounts/logout/"' in html and ">Sign out</button>" in html


@pytest.mark.parametrize("role", ROLES)
def test_pages_carry_security_headers_and_no_inline_script_or_style(client_for, request, role):
    client = as_role(client_for, request, role)
    home = {"adviser": "/staff/", "officer_in_team": "/staff/", "team_leader": "/staff/", "administrator": "/staff/",
            "councillor_of_division": "/members/", "resident_a": "/account/"}.get(role, "/")
    for url in ("/", "/accessibility/", "/cookies/", "/no-such-page/", home):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "style-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        page = parse(response)
        assert page.inline_scripts == 0, url
        assert page.style_elements == 0 and page.style_attributes == 0, url
        assert page.event_handlers == 0, url
        assert page.script_srcs == ["/static/js/oxtom.js"], url


@WITH_SERVICES
@pytest.mark.parametrize(
    "role, expected",
    [
        (None, ["/report/", "/apply/", "/community/", "/accounts/login/"]),
        ("resident_a", ["/report/", "/apply/", "/community/", "/account/"]),
        ("officer_in_team", ["/report/", "/apply/", "/community/", "/account/", "/staff/"]),
        ("councillor_of_division", ["/report/", "/apply/", "/community/", "/account/", "/members/"]),
    ],
)
def test_public_navigation_lists_existing_services_and_the_users_areas(client_for, request, role, expected):
    page = parse(as_role(client_for, request, role).get("/cookies/"))
    assert page.nav_links == expected


@WITH_SERVICES
@pytest.mark.parametrize(
    "role, expected",
    [
        ("adviser", ["/staff/", "/staff/customers/", "/staff/assist/", "/notify/failed/"]),
        ("officer_in_team", ["/staff/", "/staff/customers/", "/staff/queues/", "/staff/applications/",
                             "/notify/failed/"]),
        ("team_leader", ["/staff/", "/staff/customers/", "/staff/queues/", "/staff/applications/", "/notify/failed/"]),
        ("administrator", ["/staff/", "/staff/customers/", "/staff/queues/", "/staff/applications/", "/staff/assist/",
                           "/staff/performance/", "/staff/community/", "/staff/community/appointment-services/",
                           "/staff/provision/", "/staff/bas/",
                           "/staff/bas/intake/post/", "/staff/foi/", "/staff/complaints/", "/staff/bas/directorates/",
                           "/staff/bas/menus/", "/staff/people/",
                           "/staff/people/access/", "/staff/projects/", "/staff/consultations/", "/staff/insight/",
                           "/staff/insight/mash/",
                           "/notify/failed/", "/staff/catalogue/", "/staff/teams/"]),
        ("performance_analyst", ["/staff/", "/staff/performance/"]),
    ],
)
def test_staff_navigation_shows_only_what_the_role_allows(client_for, request, role, expected):
    from django.urls import Resolver404, resolve

    try:
        resolve("/staff/customers/")
    except Resolver404:
        expected = [href for href in expected if href != "/staff/customers/"]
    page = parse(as_role(client_for, request, role).get("/staff/"))
    assert page.nav_links == expected


@WITH_SERVICES
def test_members_navigation_links_the_councillors_own_division(client_for, councillor_of_division, councillor_elsewhere):
    page = parse(client_for(councillor_of_division).get("/members/"))
    assert page.nav_links == ["/members/", "/members/enquiries/", f"/divisions/{councillor_of_division.member_division.slug}/"]
    assert f"/divisions/{councillor_elsewhere.member_division.slug}/" not in page.nav_links


QUEUES = {"/staff/bas/intake/post/", "/staff/foi/", "/staff/complaints/"}


# The FOI and complaints links follow those pages' own rule: the permission and membership of the FOI
# (information governance) or complaints team; a role holder outside the team is refused the page (403),
# so they get no link either.
TEAMS = {"foi_coordinator": "information-governance", "disclosure_officer": "information-governance",
         "complaints_officer": "corporate-complaints"}


@pytest.mark.parametrize("roles, in_team, shown", [
    (["bas_officer"], False, {"/staff/bas/intake/post/"}),
    (["foi_coordinator"], True, {"/staff/foi/"}),
    (["foi_coordinator"], False, set()),
    (["disclosure_officer"], True, {"/staff/foi/"}),
    (["complaints_officer"], True, {"/staff/complaints/"}),
    (["complaints_officer"], False, set()),
    (["officer"], False, set()),
    (["adviser"], False, set()),
    (["foi_coordinator", "complaints_officer"], True, {"/staff/foi/", "/staff/complaints/"}),
])
def test_issue_13_queues_are_in_the_staff_navigation_only_for_the_roles_that_work_them(
        client_for, roles, in_team, shown, django_assert_max_num_queries):
    from oxtom.accounts.models import Team
    from tests import factories as f

    user = f.UserFactory(email=f"{'-'.join(roles)}@example.org", roles=roles)
    for slug in {TEAMS[role] for role in roles if role in TEAMS and in_team}:
        team, _ = Team.objects.get_or_create(slug=slug, defaults={"name": slug.replace("-", " ").title()})
        f.TeamMembershipFactory(team=team, user=user, team_role="officer")
    client = client_for(user)
    client.get("/staff/")  # warm the session
    with django_assert_max_num_queries(40):
        page = parse(client.get("/staff/"))
    assert QUEUES & set(page.nav_links) == shown
    for href in QUEUES - {"/staff/bas/intake/post/"}:  # the link and the page agree
        assert (client.get(href).status_code == 200) == (href in shown), href


STAFF_ROLES = sorted(r.code for r in ALL_ROLES if r.staff_area)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_no_staff_link_leads_to_a_refusal_for_a_role_in_no_team(client_for, role):
    """The net under the navigation's `visible` rules: for every role, held outside any team, no registered
    staff link leads to a page that refuses them, whichever capability registered it. (The other way round is
    allowed: a page anyone on the staff may open, such as the business admin menu, needs no link of its own.)"""
    from django.urls import Resolver404, resolve

    from oxtom.accounts.staff_nav import staff_nav_entries
    from tests import factories as f

    client = client_for(f.UserFactory(email=f"{role}.no-team@example.org", roles=[role]))
    linked = set(parse(client.get("/staff/")).nav_links)
    refused = []
    for entry in staff_nav_entries():
        try:
            resolve(entry.href)
        except Resolver404:
            continue  # an area not installed here is never linked (test_navigation_hides_routes_that_do_not_exist)
        if entry.href in linked and (status := client.get(entry.href).status_code) != 200:
            refused.append(f"{entry.href}: linked but answers {status}")
    assert refused == []


def test_only_the_deepest_section_is_marked_in_the_navigation(client_for):
    from tests import factories as f

    html = client_for(f.UserFactory(email="post.room@example.org", roles=["bas_officer"])).get(
        "/staff/bas/intake/post/").content.decode()
    assert re.search(r'href="/staff/bas/intake/post/"\s+aria-current="page"', html)
    assert not re.search(r'href="/staff/bas/"\s+aria-current', html)


def test_current_page_is_marked_in_the_navigation(client_for, officer_in_team):
    html = client_for(officer_in_team).get("/staff/").content.decode()
    assert re.search(r'href="/staff/"\s+aria-current="page"', html)


def test_navigation_hides_routes_that_do_not_exist(client):
    # Without the stub URLconf, /report/ and /apply/ exist only once the portal adds them.
    from django.urls import Resolver404, resolve

    links = parse(client.get("/")).nav_links
    for href in ("/report/", "/apply/"):
        try:
            resolve(href)
        except Resolver404:
            assert href not in links


def test_form_errors_use_the_error_summary_pattern(client):
    response = client.post("/accounts/login/", {"login": "", "password": ""})
    html = response.content.decode()
    assert re.search(r"<title>Error: Sign in - ", html)
    summary = html.index("govuk-error-summary")
    assert summary < html.index("<h1")  # at the top of the main content
    assert 'data-module="govuk-error-summary"' in html
    first_link = re.search(r'govuk-error-summary__list">\s*<li><a href="#([^"]+)">', html).group(1)
    assert first_link == "id_login"
    assert 'id="id_login"' in html and "govuk-input--error" in html
    assert '<span class="govuk-visually-hidden">Error:</span> Enter your email address' in html
    assert 'aria-describedby="id_login-error"' in html


def test_pages_without_errors_have_no_error_prefix(client):
    html = client.get("/accounts/login/").content.decode()
    assert re.search(r"<title>Sign in - ", html)
    assert "govuk-error-summary" not in html


@WITH_SERVICES
def test_messages_are_gov_uk_notification_banners(client):
    html = client.get("/with-message/").content.decode()
    assert "govuk-notification-banner--success" in html and "Your details have been saved" in html
    assert 'role="alert"' in html
    assert "Something you should know" in html and 'role="region"' in html


def test_cookie_banner_says_essential_only_and_hides_without_javascript(client):
    html = client.get("/accessibility/").content.decode()
    assert "govuk-cookie-banner" in html
    assert "We use some essential cookies" in html
    response = client.post("/cookies/", {"action": "hide-banner", "next": "/accessibility/"})
    assert response.status_code == 302 and response["Location"] == "/accessibility/"
    cookie = response.cookies[COOKIE_MESSAGE_COOKIE]
    assert cookie.value == "hidden" and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "govuk-cookie-banner" not in client.get("/accessibility/").content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""])
def test_cookie_banner_form_never_redirects_off_site(client, target):
    response = client.post("/cookies/", {"action": "hide-banner", "next": target})
    assert response["Location"] == "/cookies/"


def test_cookie_form_needs_csrf_token():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/cookies/", {"action": "hide-banner", "next": "/"})
    assert response.status_code == 403


def test_cookies_page_lists_every_cookie_we_set(client, resident_a):
    client.force_login(resident_a)
    client.post("/cookies/", {"action": "hide-banner", "next": "/"})
    html = client.get("/cookies/").content.decode()
    for name in client.cookies.keys():
        assert name in html, name
    assert settings.SESSION_COOKIE_NAME in html and settings.CSRF_COOKIE_NAME in html


def test_accessibility_statement_is_honest_about_testing(client):
    html = client.get("/accessibility/").content.decode()
    assert "WCAG" in html and "2.2" in html and "AA" in html
    assert "partially compliant" in html
    assert 'id="reporting-problems"' in html
    assert "We have not yet tested these services with screen readers" in html


def test_home_page_points_to_the_services(client, resident_a):
    html = client.get("/").content.decode()
    assert 'href="/accounts/signup/"' in html and 'href="/accounts/login/"' in html
    assert 'href="/account/"' in html


@WITH_SERVICES
def test_home_page_lists_services_once_they_exist(client):
    html = client.get("/").content.decode()
    assert 'href="/report/"' in html and 'href="/apply/"' in html
    for public in ("/reports/", "/divisions/", "/chat/"):
        assert f'href="{public}"' in html


def test_account_home_links_to_what_the_resident_has_with_us(client_for, resident_a):
    html = client_for(resident_a).get("/account/").content.decode()
    for href in ("/account/cases/", "/report/your-reports/", "/account/details/done-for-you/",
                 "/account/details/choices/"):
        assert f'href="{href}"' in html


def test_403_page_is_gov_uk_styled(client_for, resident_a):
    response = client_for(resident_a).get("/staff/")
    assert response.status_code == 403
    assert b"You cannot use this page" in response.content and b"govuk-footer" in response.content


def test_404_page_is_gov_uk_styled(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content and b"govuk-footer" in response.content


@WITH_SERVICES
def test_500_page_is_gov_uk_styled_and_needs_no_request(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert "govuk-footer" in html and "deliberate failure" not in html


def test_gov_uk_frontend_is_served_from_our_own_static_files(client):
    for name in ("govuk/govuk-frontend.min.js", "vendor/oxtom.css", "js/oxtom.js", "images/favicon.svg"):
        assert finders.find(name), name
    js = client.get("/static/js/oxtom.js")
    assert js.status_code == 200
    body = b"".join(js.streaming_content) if js.streaming else js.content
    assert b'from "../govuk/govuk-frontend.min.js"' in body
    assert client.get("/static/govuk/govuk-frontend.min.js").status_code == 200


def test_compiled_css_uses_arial_and_its_images_resolve():
    css = Path(finders.find("vendor/oxtom.css")).read_text()
    assert "GDS Transport" not in css and "@font-face" not in css
    assert "arial" in css
    urls = set(re.findall(r"url\(\"?([^\")]+)\"?\)", css))
    assert urls, "expected the CSS to reference GOV.UK Frontend images"
    for url in urls:
        assert url.startswith("../govuk/assets/"), url
        assert finders.find(url.removeprefix("../")), url  # relative to static/vendor/


def test_collectstatic_with_manifest_storage_hashes_the_front_end(tmp_path, client):
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
        from django.templatetags.static import static

        css_url = static("vendor/oxtom.css")
        js_url = static("js/oxtom.js")
        assert re.fullmatch(r"/static/vendor/oxtom\.[0-9a-f]{12}\.css", css_url)
        assert re.fullmatch(r"/static/js/oxtom\.[0-9a-f]{12}\.js", js_url)
        hashed_css = (tmp_path / css_url.removeprefix("/static/")).read_text()
        for url in re.findall(r"url\(\"?([^\")]+)\"?\)", hashed_css):
            assert re.search(r"\.[0-9a-f]{12}\.", url), url  # image references were rewritten to hashed names
            assert (tmp_path / "vendor" / url).resolve().exists(), url
        # The module's relative import still finds GOV.UK Frontend under its plain name.
        assert (tmp_path / "govuk" / "govuk-frontend.min.js").exists()
        html = client.get("/").content.decode()
        assert css_url in html and js_url in html


@pytest.mark.parametrize("url", ["/", "/accessibility/", "/cookies/", "/accounts/login/"])
def test_public_pages_cost_no_queries_for_anonymous_visitors(client, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/", "/accessibility/", "/cookies/"])
def test_public_pages_cost_a_constant_few_queries_when_signed_in(client_for, resident_a, url, django_assert_max_num_queries):
    client = client_for(resident_a)
    # The session, the user, and the team roles a membership may carry (they can open the staff area).
    with django_assert_max_num_queries(3):
        assert client.get(url).status_code == 200


def test_staff_home_links_officers_to_their_team_queue(client_for, officer_in_team, team):
    html = client_for(officer_in_team).get("/staff/").content.decode()
    assert f'href="/staff/queues/{team.slug}/"' in html


def test_member_home_links_to_enquiries_cases_and_the_division_page(client_for, councillor_of_division):
    html = client_for(councillor_of_division).get("/members/").content.decode()
    for href in ("/members/enquiries/new/", "/members/enquiries/", "/members/cases/", "/members/division/"):
        assert f'href="{href}"' in html


def test_no_page_draws_the_forms_error_summary_twice():
    """base.html draws the error summary of the page's `form`; a page including it again showed two (seen on the
    supplier merge and the project office's pages). A page summarising another form overrides the block."""
    from pathlib import Path

    from django.conf import settings

    offenders = []
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    for root in roots:
        for path in root.rglob("*.html"):
            text = path.read_text()
            if ('include "includes/error_summary.html" with form=form %}' in text
                    and "{% block error_summary %}" not in text and path.name != "base.html"):
                offenders.append(str(path.relative_to(settings.BASE_DIR)))
    assert offenders == []
