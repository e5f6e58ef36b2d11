from django.urls import path

from ledger import views

urlpatterns = [
    path("companies/<int:pk>/data-sheets/", views.sheet_list, name="data_sheets"),
    path("companies/<int:pk>/data-sheets/<int:year>/", views.sheet_detail, name="data_sheet"),
]
