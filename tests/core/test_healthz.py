from django.utils import timezone

from oxtom.core.models import Heartbeat


def test_healthz_degraded_without_worker_heartbeat(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["worker"] == "no heartbeat yet"


def test_healthz_ok_with_fresh_heartbeat(client, db):
    Heartbeat.objects.create(name="worker", seen_at=timezone.now())
    body = client.get("/healthz").json()
    assert body["checks"] == {"database": "ok", "broker": "ok", "worker": "ok"}
    assert body["status"] == "ok"


def test_healthz_reports_stale_heartbeat(client, db):
    Heartbeat.objects.create(name="worker", seen_at=timezone.now() - timezone.timedelta(minutes=10))
    body = client.get("/healthz").json()
    assert body["checks"]["worker"].startswith("stale")


def test_healthz_checks_the_broker_once_per_window(client, db, monkeypatch):
    """The broker is probed at most once per BROKER_CHECK_SECONDS per process, a failure included."""
    from oxtom.core import views

    calls = []

    def probe():
        calls.append(1)
        raise ConnectionError("broker down")

    monkeypatch.setattr(views, "_probe_broker", probe)
    monkeypatch.setitem(views._broker_result, "at", float("-inf"))
    Heartbeat.objects.create(name="worker", seen_at=timezone.now())
    for _ in range(3):
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["checks"]["broker"] == "error: ConnectionError"
    assert len(calls) == 1
    monkeypatch.setitem(views._broker_result, "at", float("-inf"))  # the window has passed
    monkeypatch.setattr(views, "_probe_broker", lambda: "ok")
    assert client.get("/healthz").json()["checks"]["broker"] == "ok"
