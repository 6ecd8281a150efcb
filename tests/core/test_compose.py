"""docker-compose.yml shows the production topology and matches the settings module."""
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_has_the_production_topology():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "oxtom", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "oxtom", "beat"]


def test_every_compose_variable_is_read_by_settings():
    settings_source = (ROOT / "oxtom" / "settings.py").read_text()
    app_env = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["x-app"]["environment"]
    unread = [name for name in app_env if f'"{name}"' not in settings_source]
    assert unread == [], f"docker-compose sets variables settings.py never reads: {unread}"
    assert app_env["DEBUG"] == "false"
