from django.urls import path

from standing import views

urlpatterns = [
    path("assessments/<int:pk>/standing/", views.standing, name="standing"),
    path("assessments/<int:pk>/years/", views.years, name="standing_years"),
    path("assessments/<int:pk>/criteria-impact/", views.criteria_impact, name="standing_impact"),
    path("companies/<int:pk>/peer-statistics/", views.opt_in, name="standing_opt_in"),
]
urlpatterns += [
    path("companies/<int:pk>/dynamic-form/<int:year>/", views.dynamic_form, name="dynamic_form"),
    path("companies/<int:pk>/dynamic-form/<int:year>/xlsx/", views.dynamic_form_xlsx, name="dynamic_form_xlsx"),
    path("companies/<int:pk>/dynamic-form/<int:year>/pdf/", views.dynamic_form_pdf, name="dynamic_form_pdf"),
]
