from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from . import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny]),
         name="schema"),
    path("docs/", views.docs, name="docs"),
    path("entitlements/check/", views.EntitlementCheckView.as_view(), name="entitlement-check"),
    path("cases/", views.CaseListView.as_view(), name="cases"),
    path("cases/<str:reference>/", views.CaseDetailView.as_view(), name="case"),
    path("cases/<str:reference>/updates/", views.CaseUpdateView.as_view(), name="case-update"),
    path("customers/lookup/", views.CustomerLookupView.as_view(), name="customer-lookup"),
    path("street-reports/", views.StreetReportListView.as_view(), name="street-reports"),
    path("divisions/<str:slug>/measures/", views.DivisionMeasuresView.as_view(), name="division-measures"),
]
