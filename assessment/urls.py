from django.urls import path

from assessment.views import actionplan, libraries, questionnaire, reports, results

urlpatterns = [
    # The questionnaire: start, pages, autosave of one answer, evidence.
    path("companies/<int:company_pk>/assessments/new/", questionnaire.assessment_start, name="assessment_start"),
    path("assessments/<int:pk>/", questionnaire.assessment_overview, name="assessment_overview"),
    path("assessments/<int:pk>/gates/", questionnaire.assessment_gates, name="assessment_gates"),
    path("assessments/<int:pk>/c/<str:category_code>/", questionnaire.assessment_category, name="assessment_category"),
    path("assessments/<int:pk>/answer/<str:code>/", questionnaire.assessment_answer, name="assessment_answer"),
    path("assessments/<int:pk>/evidence/<str:code>/", questionnaire.evidence_upload, name="evidence_upload"),
    path("evidence/<int:pk>/", questionnaire.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", questionnaire.evidence_delete, name="evidence_delete"),
    # Results, submission, revisions, export and import.
    path("assessments/<int:pk>/results/", results.results, name="assessment_results"),
    path("assessments/<int:pk>/indicators/", results.indicators, name="assessment_indicators"),
    path("assessments/<int:pk>/submit/", results.submit, name="assessment_submit"),
    path("assessments/<int:pk>/reopen/", results.reopen, name="assessment_reopen"),
    path("assessments/<int:pk>/history/", results.history, name="assessment_history"),
    path("assessments/<int:pk>/reassess/", results.reassess, name="assessment_reassess"),
    path("assessments/<int:pk>/export.json", results.export_json, name="assessment_export_json"),
    path("assessments/<int:pk>/export.xlsx", results.export_xlsx, name="assessment_export_xlsx"),
    path("assessments/<int:pk>/import/", results.import_answers, name="assessment_import"),
    path("assessments/<int:pk>/plan/", actionplan.action_plan, name="action_plan"),
    # Reference-value libraries kept by a company or a consultancy.
    path("companies/<int:pk>/libraries/", libraries.company_libraries, name="company_libraries"),
    path("consultancies/<int:pk>/libraries/", libraries.consultancy_libraries, name="consultancy_libraries"),
    path("libraries/<int:pk>/", libraries.library_detail, name="library_detail"),
    path("libraries/<int:pk>/rows/<int:row_pk>/", libraries.library_row, name="library_row"),
    path("libraries/<int:pk>/rows/<int:row_pk>/retire/", libraries.library_row_retire, name="library_row_retire"),
    # PDF reports, made by the worker.
    path("assessments/<int:pk>/report/", reports.report_request, name="report_request"),
    path("reports/<int:pk>/status/", reports.report_status, name="report_status"),
    path("reports/<int:pk>/download/", reports.report_download, name="report_download"),
]
