"""One absolute-URL source (oxtom/core/links.py): links in messages name the address the site is served on.

The failure this guards against: `make run PORT=8101` served on 8101 while every email
and text linked to port 8000, because only the web server knew the port.
"""
from __future__ import annotations

import email
import re
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from oxtom.core import links
from oxtom.notify.channels import DjangoEmailChannel
from oxtom.notify.models import OutboundMessage

ROOT = Path(__file__).resolve().parents[2]


def test_absolute_url_and_reverse_use_site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8170"
    assert links.absolute_url("/account/") == "http://127.0.0.1:8170/account/"
    assert links.absolute_reverse("portal:report_public", "RPT-ABC") == "http://127.0.0.1:8170/reports/RPT-ABC/"
    assert links.site_host() == "127.0.0.1"


@pytest.mark.parametrize("path", ["account/", "https://evil.example/", "//evil.example/x", ""])
def test_absolute_url_refuses_anything_but_a_path(settings, path):
    with pytest.raises(ValueError):
        links.absolute_url(path)


def test_nothing_else_reads_site_url_directly():
    """Every message link goes through oxtom/core/links.py, so changing how the address is
    found (or adding a per-request one) is one change, not nine."""
    offenders = []
    skip = {".venv", "node_modules", "tests", "var", "staticfiles", ".git"}
    files = [p for top in ROOT.iterdir() if top.is_dir() and top.name not in skip for p in top.glob("**/*.py")]
    assert len(files) > 100
    for py in files:
        rel = py.relative_to(ROOT).as_posix()
        # settings reads it, links.py is the one place that uses it, and the mixed-load bench sets it in the
        # environment of the gunicorn it starts (configuring a server, not building a link).
        if rel in {"oxtom/settings.py", "oxtom/core/links.py", "bench/mixed_load.py"}:
            continue
        if "SITE_URL" in py.read_text(encoding="utf-8", errors="replace"):
            offenders.append(rel)
    assert offenders == []


@pytest.mark.parametrize("host, expected", [("127.0.0.1", "http://127.0.0.1:8170"), ("0.0.0.0", "http://127.0.0.1:8170"),
                                            ("localhost", "http://localhost:8170")])
def test_make_run_gives_every_process_the_served_address(host, expected, monkeypatch):
    """`make run PORT=8170` exports SITE_URL to its recipes: the demo seeding, and through
    scripts/run-embedded.sh the web server, the worker and the scheduler."""
    monkeypatch.delenv("SITE_URL", raising=False)
    result = subprocess.run(
        ["make", "-s", "--no-print-directory", "--eval", '_site_url: ; @echo "$$SITE_URL"', "_site_url",
         "PORT=8170", f"HOST={host}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.stdout.strip() == expected, result.stderr


def test_run_script_sets_site_url_from_host_and_port_when_not_given():
    script = (ROOT / "scripts" / "run-embedded.sh").read_text()
    block = script[script.index("if [[ -z \"${SITE_URL:-}\" ]]"):script.index("export SITE_URL") + len("export SITE_URL")]
    for env, expected in [({"HOST": "127.0.0.1", "PORT": "8170"}, "http://127.0.0.1:8170"),
                          ({"HOST": "0.0.0.0", "PORT": "9000"}, "http://127.0.0.1:9000"),
                          ({"HOST": "127.0.0.1", "PORT": "8170", "SITE_URL": "https://demo.example"}, "https://demo.example")]:
        result = subprocess.run(["bash", "-c", f'set -u; {block}\necho "$SITE_URL"'], env={"PATH": "/usr/bin:/bin", **env},
                                capture_output=True, text=True, timeout=30)
        assert result.stdout.strip() == expected, result.stderr


def test_an_email_lands_in_the_mail_sink_from_the_council_with_links_to_the_served_port(settings, tmp_path):
    settings.SITE_URL = "http://127.0.0.1:8170"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    message = OutboundMessage(channel="email", recipient="rose@example.org", subject="Your report",
                              body=f"See it at {links.absolute_reverse('portal:report_public', 'RPT-1')}")
    DjangoEmailChannel().send(message)
    (written,) = list((tmp_path / "mail").iterdir())
    parsed = email.message_from_bytes(written.read_bytes())
    assert parsed["From"] == "Oxfordshire County Council <no-reply@oxfordshire.gov.uk>"
    assert parsed["Message-ID"] == f"<{message.id}@127.0.0.1>"
    assert "http://127.0.0.1:8170/reports/RPT-1/" in parsed.get_payload()
    assert not re.search(r":8000\b", written.read_text())


@pytest.mark.django_db
def test_demo_signins_prints_the_served_address_by_default(settings):
    settings.SITE_URL = "http://127.0.0.1:8170"
    out = StringIO()
    call_command("demo_signins", stdout=out)
    assert "http://127.0.0.1:8170/" in out.getvalue()
