from django.urls import path

from ledger import views

urlpatterns = [
    path("companies/<int:pk>/data-sheets/", views.sheet_list, name="data_sheets"),
    path("companies/<int:pk>/data-sheets/<int:year>/", views.sheet_detail, name="data_sheet"),
    path("companies/<int:pk>/data-sheets/<int:year>/export.xlsx", views.sheet_export, name="data_sheet_export"),
    path("companies/<int:pk>/data-sheets/<int:year>/import/", views.sheet_import, name="data_sheet_import"),
]
