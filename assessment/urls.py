from django.urls import include, path

# Each part of the assessment app keeps its own URL module.
urlpatterns = [
    path("", include("assessment.questionnaire_urls")),
    path("", include("assessment.results_urls")),
    path("", include("assessment.report_urls")),
]
