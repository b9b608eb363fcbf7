from django.urls import path

from . import views

app_name = "agencies"

urlpatterns = [
    path("", views.agency_list, name="list"),
    path("export.xlsx", views.agency_export, name="export"),
    path("import/", views.agency_import, name="import"),
    path("import/template.xlsx", views.agency_import_template, name="import_template"),
    path("<int:pk>/", views.agency_detail, name="detail"),
    path("<int:pk>/status/new/", views.status_change_create, name="status_create"),
]
