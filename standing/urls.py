from django.urls import path

from standing import views

urlpatterns = [
    path("assessments/<int:pk>/standing/", views.standing, name="standing"),
    path("assessments/<int:pk>/years/", views.years, name="standing_years"),
    path("assessments/<int:pk>/criteria-impact/", views.criteria_impact, name="standing_impact"),
    path("companies/<int:pk>/peer-statistics/", views.opt_in, name="standing_opt_in"),
]
