"""The "Apply for it" journeys and a resident's permits, badges and passes (mounted at "" by oxtom/urls.py)."""
from django.urls import path

from . import entitlement_views as entitlements
from . import resident_views as apply

app_name = "apply"

urlpatterns = [
    path("apply/", apply.apply_index, name="index"),
    path("apply/applications/<str:reference>/", apply.application_detail, name="application"),
    path("apply/applications/<str:reference>/evidence/<str:token>/", apply.application_evidence, name="evidence_file"),
    path("apply/applications/<str:reference>/pay/", apply.application_pay, name="pay"),
    path("apply/applications/<str:reference>/text-me/", apply.application_text_me, name="text_me"),
    path("apply/applications/<str:reference>/reconsider/", apply.application_reconsider, name="reconsider"),
    path("apply/<slug:code>/", apply.apply_start, name="start"),
    path("apply/<slug:code>/new/", apply.apply_begin, name="begin"),
    path("apply/<slug:code>/questions/<int:page>/", apply.apply_questions, name="questions"),
    path("apply/<slug:code>/not-eligible/", apply.apply_not_eligible, name="not_eligible"),
    path("apply/<slug:code>/evidence/", apply.apply_evidence, name="evidence"),
    path("apply/<slug:code>/check/", apply.apply_check, name="check"),
    path("apply/<slug:code>/confirmation/", apply.apply_confirmation, name="confirmation"),
    path("account/entitlements/", entitlements.entitlements_list, name="entitlements"),
    path("account/entitlements/<str:number>/", entitlements.entitlement_detail, name="entitlement"),
    path("account/entitlements/<str:number>/change/", entitlements.entitlement_change, name="change"),
    path("account/entitlements/<str:number>/cancel/", entitlements.entitlement_cancel, name="cancel"),
    # Ends in .pdf: browsers, crawlers and the walkthrough know it is a file, not a page.
    path("account/entitlements/<str:number>/print.pdf", entitlements.entitlement_print, name="print"),
]
