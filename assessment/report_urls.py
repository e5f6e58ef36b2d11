from django.urls import path

from assessment.views import reports as views

urlpatterns = [
    path("assessments/<int:pk>/report/", views.report_request, name="report_request"),
    path("reports/<int:pk>/status/", views.report_status, name="report_status"),
    path("reports/<int:pk>/download/", views.report_download, name="report_download"),
]
