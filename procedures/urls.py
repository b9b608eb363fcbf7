from django.urls import path

from .views import catalogue, frameworks, imports, legal, pdf, processes, quality, statistics

app_name = "procedures"

urlpatterns = [
    # National catalogue of administrative procedures, and which ones each agency handles.
    path("catalogue/", catalogue.procedure_list, name="procedure_list"),
    path("catalogue/export.xlsx", catalogue.procedure_export, name="procedure_export"),
    path("catalogue/<int:pk>/", catalogue.procedure_detail, name="procedure_detail"),
    path("catalogue/import/", imports.procedure_import, name="procedure_import"),
    path(
        "catalogue/import/template.xlsx", imports.procedure_import_template, name="procedure_import_template"
    ),
    path("agency/<int:agency_pk>/handled/", catalogue.agency_procedures, name="agency_procedures"),
    path("handled/import/", imports.agency_procedure_import, name="agency_procedure_import"),
    path(
        "handled/import/template.xlsx",
        imports.agency_procedure_import_template,
        name="agency_procedure_import_template",
    ),
    # Legal documents and the review flags their changes raise.
    path("legal/", legal.legal_list, name="legal_list"),
    path("legal/new/", legal.legal_create, name="legal_create"),
    path("legal/<int:pk>/", legal.legal_detail, name="legal_detail"),
    path("legal/<int:pk>/edit/", legal.legal_update, name="legal_update"),
    path("legal/<int:pk>/change/", legal.legal_change, name="legal_change"),
    path("flags/<int:pk>/no-change/", legal.flag_no_change, name="flag_no_change"),
    # ISO processes and their revisions.
    path("processes/", processes.process_list, name="process_list"),
    path("processes/new/", processes.process_create, name="process_create"),
    path("processes/<int:pk>/", processes.process_detail, name="process_detail"),
    path("processes/<int:pk>/new-revision/", processes.revision_new, name="revision_new"),
    path("revisions/<int:pk>/", processes.revision_detail, name="revision_detail"),
    path("revisions/<int:pk>/edit/", processes.revision_edit, name="revision_edit"),
    path("revisions/<int:pk>/submit/", processes.revision_submit, name="revision_submit"),
    path("revisions/<int:pk>/approve/", processes.revision_approve, name="revision_approve"),
    path("revisions/<int:pk>/return/", processes.revision_return, name="revision_return"),
    path("revisions/<int:pk>/compare/", processes.revision_compare, name="revision_compare"),
    path("revisions/<int:pk>/pdf/", pdf.revision_pdf, name="revision_pdf"),
    path("forms/<int:pk>/download/", processes.form_download, name="form_download"),
    # Framework models: template processes published by the province.
    path("frameworks/", frameworks.framework_list, name="framework_list"),
    path("frameworks/new/", frameworks.framework_create, name="framework_create"),
    path("frameworks/<int:pk>/", frameworks.framework_detail, name="framework_detail"),
    path("frameworks/<int:pk>/publish/", frameworks.framework_publish, name="framework_publish"),
    path("frameworks/<int:pk>/templates/new/", frameworks.template_create, name="template_create"),
    path("templates/<int:pk>/adopt/", frameworks.template_adopt, name="template_adopt"),
    # Quality policy and objectives.
    path("agency/<int:agency_pk>/quality/", quality.quality_overview, name="quality"),
    path("agency/<int:agency_pk>/quality/<int:year>/policy/", quality.policy_edit, name="policy_edit"),
    path("policies/<int:pk>/approve/", quality.policy_approve, name="policy_approve"),
    path(
        "agency/<int:agency_pk>/quality/<int:year>/objectives/new/",
        quality.objective_create,
        name="objective_create",
    ),
    path("objectives/<int:pk>/edit/", quality.objective_update, name="objective_update"),
    # One-stop dossier statistics.
    path("statistics/", statistics.statistics_overview, name="statistics"),
    path("statistics/import/", imports.dossier_import, name="dossier_import"),
    path("statistics/import/template.xlsx", imports.dossier_import_template, name="dossier_import_template"),
]
