from django.contrib import admin
from django.urls import include, path

from oxtom.accounts import views as account_views
from oxtom.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accessibility/", core_views.accessibility_statement, name="accessibility"),
    path("cookies/", core_views.cookies, name="cookies"),
    # allauth's sign-in, answering 429 while failed sign-ins are slowed (oxtom/accounts/throttle.py).
    path("accounts/login/", account_views.login),
    path("accounts/", include("allauth.urls")),
    path("account/details/", include("oxtom.customers.resident_urls")),
    path("account/cases/", include("casework.account_urls")),  # residents' cases; reply to requests for information
    path("account/", include("oxtom.accounts.urls")),
    path("staff/", include("oxtom.accounts.staff_urls")),
    path("staff/", include("casework.urls")),  # /staff/queues/..., /staff/cases/...
    path("staff/customers/", include("oxtom.customers.urls")),
    path("staff/provision/", include("provision.urls")),  # suppliers, contracts, spend, renewals runway
    path("staff/reports/", include("portal.staff_urls")),  # street reports: status, repair date, duplicates
    path("staff/applications/", include("applications.urls")),  # assess referred applications
    path("members/", include("oxtom.accounts.member_urls")),
    path("members/", include("casework.member_urls")),  # /members/cases/..., /members/enquiries/...
    path("notify/", include("oxtom.notify.urls")),
    path("maps/", include("oxtom.places.urls")),  # the offline map image (no tile server needed)
    # Resident-facing journeys (report it, ...) and the public pages around them.
    path("", include("portal.urls")),
    path("", include("applications.resident_urls")),  # /apply/... and /account/entitlements/...
    path("open311/v2/", include("portal.open311_urls")),
    path("open-data/", include("provision.open_data_urls")),  # spend, contracts, tenders, OCDS (public)
    path("pay/", include("oxtom.payments.urls")),
    path("renew/", include("applications.renewals.urls")),  # one-click renewal links from emails
    path("chat/", include("oxtom.customers.webchat_urls")),
    path("staff/assist/", include("oxtom.customers.assist_urls")),
    # Performance: public division pages, members' view, analysts' tools.
    path("", include("performance.urls")),
    path("members/", include("performance.member_urls")),
    path("staff/performance/", include("performance.staff_urls")),
    # Before the front door: the community directory, events and bookings; its Open Referral UK feed.
    path("community/", include("community.urls")),
    path("account/community/", include("community.account_urls")),
    path("staff/community/", include("community.staff_urls")),
    path("openreferral/", include("community.openreferral_urls")),
    path("api/v1/", include("api.urls")),  # the REST API for partner systems (docs at /api/v1/docs/)
    # Strategy: the project office and board, consultations (public and officers').
    path("", include("strategy.urls")),
    path("staff/projects/", include("strategy.project_urls")),
    path("staff/consultations/", include("strategy.consultation_urls")),
    # Insight: forecasts, safeguarding referrals and the risk model.
    path("staff/insight/", include("insight.urls")),
    # Enabling and support: business admin, the post room and uploads, FOI and EIR, complaints.
    path("staff/bas/", include("bas.urls")),
    path("staff/bas/intake/", include("bas.intake.urls")),  # the post room and bulk data uploads
    path("foi/", include("bas.foi.urls")),  # the disclosure log and making a request (public)
    path("staff/foi/", include("bas.foi.staff_urls")),
    path("complaints/", include("bas.complaints.urls")),  # making and escalating a complaint (public)
    path("staff/complaints/", include("bas.complaints.staff_urls")),
    path("account/complaints/", include("bas.complaints.account_urls")),  # the complainant's own complaints
    path("members/complaints/", include("bas.complaints.member_urls")),  # the annual complaints report
    # People: recruitment and the pool of talent, jobs (public), onboarding, leavers and staff access.
    path("jobs/", include("people.jobs_urls")),
    path("staff/people/", include("people.urls")),
    path("staff/people/", include("people.onboarding.urls")),  # /staff/people/starters/, leavers/, access/
    path("django-admin/", admin.site.urls),
]
