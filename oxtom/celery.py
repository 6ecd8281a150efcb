"""The Celery app. Broker comes from settings (Redis in production, a
filesystem transport under var/ in the embedded default)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxtom.settings")

app = Celery("oxtom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
