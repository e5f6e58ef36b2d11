from django.urls import path

from assessment.views import questionnaire as views

urlpatterns = [
    path("companies/<int:company_pk>/assessments/new/", views.assessment_start, name="assessment_start"),
    path("assessments/<int:pk>/", views.assessment_overview, name="assessment_overview"),
    path("assessments/<int:pk>/gates/", views.assessment_gates, name="assessment_gates"),
    path("assessments/<int:pk>/c/<str:category_code>/", views.assessment_category, name="assessment_category"),
    path("assessments/<int:pk>/answer/<str:code>/", views.assessment_answer, name="assessment_answer"),
    path("assessments/<int:pk>/evidence/<str:code>/", views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
]
