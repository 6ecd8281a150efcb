from django.urls import path

from . import views

app_name = "notify"

urlpatterns = [
    path("inbound-sms/", views.inbound_sms, name="inbound-sms"),
    path("delivery-status/", views.delivery_status, name="delivery-status"),
    path("dev/", views.dev_page, name="dev"),
    path("failed/", views.failed_messages, name="failed"),
    path("failed/<uuid:pk>/retry/", views.retry_message, name="retry"),
]
