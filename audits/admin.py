from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Action,
    Activity,
    Audit,
    AuditProgramme,
    ChecklistLine,
    Clause,
    Evidence,
    Finding,
    InspectionPlan,
    ManagementReview,
    Reminder,
    Verification,
)


@admin.register(Clause)
class ClauseAdmin(admin.ModelAdmin):
    """Reference data loaded by a migration: only the titles may be corrected, and no clause removed, since
    findings and checklist lines cite them."""

    list_display = ["number", "standard", "title_vi", "title_en"]
    list_filter = ["standard"]
    search_fields = ["number", "title_vi", "title_en"]
    readonly_fields = ["standard", "number"]
    fields = ["standard", "number", "title_vi", "title_en"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditProgramme)
class AuditProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["agency", "year", "created_by"]
    list_filter = ["year", "agency__province"]
    search_fields = ["agency__name", "agency__code", "objectives"]
    autocomplete_fields = ["agency", "created_by"]
    list_select_related = ["agency", "created_by"]


@admin.register(InspectionPlan)
class InspectionPlanAdmin(SimpleHistoryAdmin):
    list_display = ["title", "province", "year", "created_by", "created_at"]
    list_filter = ["year", "province"]
    search_fields = ["title", "province__name", "province__code"]
    autocomplete_fields = ["province", "created_by"]
    list_select_related = ["province", "created_by"]


class ChecklistLineInline(admin.TabularInline):
    model = ChecklistLine
    extra = 0
    fields = ["order", "clause", "requirement", "result", "evidence"]
    autocomplete_fields = ["clause"]


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    fields = ["clause", "grade", "description", "process"]
    autocomplete_fields = ["clause", "process"]
    show_change_link = True


@admin.register(Audit)
class AuditAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "agency",
        "kind",
        "method",
        "status",
        "planned_start",
        "planned_end",
        "lead_auditor",
    ]
    list_filter = ["kind", "status", "method", "agency__province", "plan"]
    search_fields = ["title", "agency__name", "agency__code", "decision_number"]
    autocomplete_fields = ["agency", "programme", "plan", "scope_processes", "lead_auditor", "auditors"]
    readonly_fields = ["reported_at", "closed_at", "created_by", "created_at"]
    list_select_related = ["agency", "lead_auditor"]
    date_hierarchy = "planned_start"
    inlines = [ChecklistLineInline, FindingInline]


@admin.register(ChecklistLine)
class ChecklistLineAdmin(SimpleHistoryAdmin):
    list_display = ["audit", "order", "clause", "result"]
    list_filter = ["result", "clause__standard", "audit__kind"]
    search_fields = ["requirement", "evidence", "audit__title", "clause__number"]
    autocomplete_fields = ["audit", "clause"]
    list_select_related = ["audit", "clause"]


@admin.register(Finding)
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ["description", "grade", "clause", "audit", "process", "raised_at"]
    list_filter = ["grade", "audit__kind", "audit__agency__province"]
    search_fields = ["description", "evidence", "audit__title", "audit__agency__name", "clause__number"]
    autocomplete_fields = ["audit", "clause", "process", "raised_by"]
    readonly_fields = ["raised_at"]
    list_select_related = ["audit", "clause", "process"]


class DecisionInline(admin.TabularInline):
    """Listed only: a decision is an action that needs its agency and source, set on the action's own page."""

    model = Action
    fk_name = "review"
    extra = 0
    fields = ["title", "owner", "due_date", "status"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ManagementReview)
class ManagementReviewAdmin(SimpleHistoryAdmin):
    list_display = ["agency", "held_on", "chair", "status", "finalized_at"]
    list_filter = ["status", "agency__province"]
    search_fields = ["agency__name", "agency__code", "participants"]
    autocomplete_fields = ["agency", "chair", "finalized_by", "created_by"]
    readonly_fields = ["finalized_at"]
    list_select_related = ["agency", "chair"]
    date_hierarchy = "held_on"
    inlines = [DecisionInline]


class VerificationInline(admin.TabularInline):
    model = Verification
    extra = 0
    fields = ["effective", "note", "verified_by", "verified_at"]
    readonly_fields = ["verified_at"]
    autocomplete_fields = ["verified_by"]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["file", "description", "uploaded_by", "uploaded_at"]
    readonly_fields = ["uploaded_at"]
    autocomplete_fields = ["uploaded_by"]


class ReminderInline(admin.TabularInline):
    model = Reminder
    extra = 0
    fields = ["sent_on", "overdue"]
    readonly_fields = ["sent_on", "overdue"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ["title", "agency", "source", "status", "owner", "due_date", "closed_at"]
    list_filter = ["source", "status", "agency__province"]
    search_fields = ["title", "agency__name", "agency__code", "root_cause", "action_plan"]
    autocomplete_fields = ["agency", "finding", "review", "owner", "verified_by"]
    readonly_fields = ["implemented_at", "verified_at", "closed_at", "created_at"]
    list_select_related = ["agency", "owner"]
    date_hierarchy = "due_date"
    inlines = [VerificationInline, EvidenceInline, ReminderInline]


@admin.register(Verification)
class VerificationAdmin(admin.ModelAdmin):
    list_display = ["action", "effective", "verified_by", "verified_at"]
    list_filter = ["effective", "action__agency__province"]
    search_fields = ["action__title", "note"]
    autocomplete_fields = ["action", "verified_by"]
    readonly_fields = ["verified_at"]
    list_select_related = ["action", "verified_by"]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "action", "description", "uploaded_by", "uploaded_at"]
    list_filter = ["action__agency__province"]
    search_fields = ["description", "file", "action__title"]
    autocomplete_fields = ["action", "uploaded_by"]
    readonly_fields = ["uploaded_at"]
    list_select_related = ["action", "uploaded_by"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["action", "sent_on", "overdue"]
    list_filter = ["overdue", "action__agency__province"]
    search_fields = ["action__title"]
    autocomplete_fields = ["action"]
    list_select_related = ["action"]
    date_hierarchy = "sent_on"


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = ["topic", "kind", "agency", "held_on", "participant_count"]
    list_filter = ["kind", "agency__province"]
    search_fields = ["topic", "participants", "agency__name", "agency__code"]
    autocomplete_fields = ["agency", "created_by"]
    list_select_related = ["agency"]
    date_hierarchy = "held_on"
