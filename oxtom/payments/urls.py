from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("agreements/", views.agreements, name="agreements"),
    path("agreements/<str:reference>/cancel/", views.agreement_cancel, name="agreement_cancel"),
    path("return/<str:token>/", views.payment_return, name="return"),
    path("webhooks/govuk-pay/", views.govuk_pay_webhook, name="webhook"),
    path("sandbox/<str:payment_id>/", views.sandbox_page, name="sandbox_page"),
    path("sandbox/<str:payment_id>/cancel/", views.sandbox_cancel, name="sandbox_cancel"),
]
