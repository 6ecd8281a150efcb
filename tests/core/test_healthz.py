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
