from django.urls import path

from assessment.views import results as views

urlpatterns = [
    path("assessments/<int:pk>/results/", views.results, name="assessment_results"),
    path("assessments/<int:pk>/submit/", views.submit, name="assessment_submit"),
    path("assessments/<int:pk>/reopen/", views.reopen, name="assessment_reopen"),
    path("assessments/<int:pk>/history/", views.history, name="assessment_history"),
    path("assessments/<int:pk>/reassess/", views.reassess, name="assessment_reassess"),
    path("assessments/<int:pk>/export.json", views.export_json, name="assessment_export_json"),
    path("assessments/<int:pk>/export.xlsx", views.export_xlsx, name="assessment_export_xlsx"),
    path("assessments/<int:pk>/import/", views.import_answers, name="assessment_import"),
]
