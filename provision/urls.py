"""The provision hub's pages, mounted at /staff/provision/."""
from django.urls import path

from . import views

app_name = "provision"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("contracts/", views.contract_list, name="contracts"),
    path("contracts/new/", views.contract_new, name="contract_new"),
    path("reviews-due/", views.reviews_due, name="reviews_due"),
    path("contracts/<str:reference>/", views.contract_detail, name="contract"),
    path("contracts/<str:reference>/edit/", views.contract_edit, name="contract_edit"),
    path("contracts/<str:reference>/decision/", views.contract_decision, name="contract_decision"),
    path("contracts/<str:reference>/extend/", views.contract_extend, name="contract_extend"),
    path("contracts/<str:reference>/review/", views.contract_review, name="contract_review"),
    path("contracts/<str:reference>/review-case/", views.contract_review_case, name="contract_review_case"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:pk>/", views.approval, name="approval"),
    path("suppliers/", views.supplier_list, name="suppliers"),
    path("suppliers/new/", views.supplier_new, name="supplier_new"),
    path("suppliers/look-alike/", views.supplier_lookalikes, name="lookalikes"),
    path("suppliers/merge/<int:a>/<int:b>/", views.supplier_merge, name="supplier_merge"),
    path("suppliers/<int:pk>/merged/", views.supplier_merged, name="supplier_merged"),
    path("spend/import/", views.spend_import, name="import"),
    path("spend/off-contract/", views.off_contract, name="off_contract"),
    path("spend/payments/", views.payments, name="payments"),
]
