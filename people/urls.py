from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.home, name="home"),
    path("profiles/", views.profiles, name="profiles"),
    path("profiles/new/", views.profile_edit, name="profile_new"),
    path("profiles/<int:pk>/", views.profile_edit, name="profile_edit"),
    path("profiles/<int:pk>/retire/", views.profile_retire, name="profile_retire"),
    path("vacancies/new/", views.vacancy_new, name="vacancy_new"),
    path("vacancies/<str:reference>/", views.vacancy, name="vacancy"),
    path("vacancies/<str:reference>/pick-up/", views.pick_up, name="pick_up"),
    path("vacancies/<str:reference>/advertise/", views.advertise, name="advertise"),
    path("vacancies/<str:reference>/pool/", views.pool, name="pool"),
    path("vacancies/<str:reference>/pool/shortlist/", views.pool_shortlist, name="pool_shortlist"),
    path("vacancies/<str:reference>/shortlist/send/", views.shortlist_send, name="shortlist_send"),
    path("vacancies/<str:reference>/panel/", views.panel_add, name="panel_add"),
    path("vacancies/<str:reference>/slots/", views.slot_add, name="slot_add"),
    path("vacancies/<str:reference>/slots/offer/", views.slots_offer, name="slots_offer"),
    path("vacancies/<str:reference>/confirm/", views.confirm, name="confirm"),
    path("vacancies/<str:reference>/applications/<int:pk>/", views.application, name="application"),
    path("vacancies/<str:reference>/applications/<int:pk>/cv/", views.application_cv, name="application_cv"),
    path("vacancies/<str:reference>/applications/<int:pk>/shortlist/", views.application_shortlist,
         name="application_shortlist"),
    path("vacancies/<str:reference>/applications/<int:pk>/choose/", views.application_choose, name="application_choose"),
    path("vacancies/<str:reference>/applications/<int:pk>/outcome/", views.application_outcome,
         name="application_outcome"),
    path("vacancies/<str:reference>/applications/<int:pk>/offer/", views.application_offer, name="application_offer"),
    path("vacancies/<str:reference>/applications/<int:pk>/score/", views.application_score, name="application_score"),
    path("vacancies/<str:reference>/checks/<int:pk>/", views.check, name="check"),
    path("vacancies/<str:reference>/checks/<int:pk>/evidence/", views.check_evidence, name="check_evidence"),
]
