from django.urls import path

from policies import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("policy/", views.timeline, name="timeline"),
    path("policy/documents/", views.document_list, name="policy_documents"),
    path("policy/documents/<slug:code>/", views.document_detail, name="policy_document"),
    path("policy/areas/<slug:code>/", views.area_detail, name="policy_area"),
    path("policy/cases/<slug:slug>/", views.case_detail, name="policy_case"),
    path("policy/numbers/", views.list_numbers, name="policy_numbers"),
    path("policy/process/", views.process_rules, name="policy_process"),
]
