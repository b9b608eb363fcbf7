from django.urls import path

from .views import actions, activities, audits, inspections, reviews

app_name = "audits"

urlpatterns = [
    # Internal audit programmes and audits of an agency.
    path("", audits.audit_list, name="audit_list"),
    path("new/", audits.audit_create, name="audit_create"),
    path("programmes/", audits.programme_list, name="programme_list"),
    path("programmes/new/", audits.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", audits.programme_detail, name="programme_detail"),
    path("<int:pk>/", audits.audit_detail, name="audit_detail"),
    path("<int:pk>/edit/", audits.audit_edit, name="audit_edit"),
    path("<int:pk>/checklist/", audits.checklist_edit, name="checklist_edit"),
    path("<int:pk>/start/", audits.audit_start, name="audit_start"),
    path("<int:pk>/report/", audits.audit_report, name="audit_report"),
    path("<int:pk>/close/", audits.audit_close, name="audit_close"),
    path("<int:pk>/pdf/", audits.audit_pdf, name="audit_pdf"),
    path("<int:pk>/findings/new/", audits.finding_create, name="finding_create"),
    # Provincial inspections: the annual plan, then one inspection per agency.
    path("inspections/", inspections.plan_list, name="plan_list"),
    path("inspections/new/", inspections.plan_create, name="plan_create"),
    path("inspections/<int:pk>/", inspections.plan_detail, name="plan_detail"),
    path("inspections/<int:pk>/export.xlsx", inspections.plan_export, name="plan_export"),
    path("inspection/<int:pk>/decision/", inspections.inspection_decision, name="inspection_decision"),
    # Nonconformities and corrective actions, and management review decisions: one tracking.
    path("actions/", actions.action_list, name="action_list"),
    path("actions/<int:pk>/", actions.action_detail, name="action_detail"),
    path("actions/<int:pk>/step/", actions.action_step, name="action_step"),
    path("actions/<int:pk>/evidence/", actions.evidence_add, name="evidence_add"),
    path("evidence/<int:pk>/download/", actions.evidence_download, name="evidence_download"),
    # Management reviews.
    path("reviews/", reviews.review_list, name="review_list"),
    path("reviews/new/", reviews.review_create, name="review_create"),
    path("reviews/<int:pk>/", reviews.review_detail, name="review_detail"),
    path("reviews/<int:pk>/edit/", reviews.review_edit, name="review_edit"),
    path("reviews/<int:pk>/finalize/", reviews.review_finalize, name="review_finalize"),
    path("reviews/<int:pk>/decisions/new/", reviews.decision_create, name="decision_create"),
    # Steering committee meetings and training sessions.
    path("activities/", activities.activity_list, name="activity_list"),
    path("activities/new/", activities.activity_create, name="activity_create"),
    path("activities/<int:pk>/edit/", activities.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/file/", activities.activity_file, name="activity_file"),
]
