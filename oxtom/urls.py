from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from oxtom.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accessibility/", core_views.accessibility_statement, name="accessibility"),
    path("cookies/", core_views.cookies, name="cookies"),
    path("accounts/", include("allauth.urls")),
    path("account/details/", include("oxtom.customers.resident_urls")),
    path("account/", include("oxtom.accounts.urls")),
    path("staff/", include("oxtom.accounts.staff_urls")),
    path("staff/", include("casework.urls")),  # /staff/queues/..., /staff/cases/...
    path("staff/customers/", include("oxtom.customers.urls")),
    path("members/", include("oxtom.accounts.member_urls")),
    path("members/", include("casework.member_urls")),  # /members/cases/..., /members/enquiries/...
    path("notify/", include("oxtom.notify.urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("django-admin/", admin.site.urls),
]
