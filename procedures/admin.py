from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AdministrativeProcedure,
    AgencyProcedure,
    DossierStatistic,
    FrameworkModel,
    LegalDocument,
    Process,
    ProcessForm,
    ProcessRevision,
    ProcessStep,
    QualityObjective,
    QualityPolicy,
    RecordKept,
    ReviewFlag,
)


@admin.register(LegalDocument)
class LegalDocumentAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "issuer", "issued_on", "effective_on", "status", "status_effective_on"]
    list_filter = ["status", "issuer"]
    search_fields = ["number", "title", "issuer", "search_text"]
    autocomplete_fields = ["replaced_by"]
    list_select_related = ["replaced_by"]
    date_hierarchy = "issued_on"


@admin.register(AdministrativeProcedure)
class AdministrativeProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "field", "level", "statutory_days", "mechanism"]
    list_filter = ["level", "mechanism", "field"]
    search_fields = ["code", "name", "field", "search_text"]
    autocomplete_fields = ["legal_basis"]


@admin.register(AgencyProcedure)
class AgencyProcedureAdmin(admin.ModelAdmin):
    list_display = ["agency", "procedure", "added_at"]
    list_filter = ["agency__province", "procedure__level"]
    search_fields = ["agency__name", "agency__code", "procedure__code", "procedure__name"]
    autocomplete_fields = ["agency", "procedure"]
    list_select_related = ["agency", "procedure"]


@admin.register(FrameworkModel)
class FrameworkModelAdmin(admin.ModelAdmin):
    list_display = ["name", "province", "published_at", "created_by"]
    list_filter = ["province", ("published_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "description"]
    autocomplete_fields = ["province", "created_by"]
    list_select_related = ["province", "created_by"]


class ProcessRevisionInline(admin.TabularInline):
    model = ProcessRevision
    extra = 0
    fields = ["number", "status", "effective_date", "in_force_at", "superseded_at"]
    readonly_fields = ["in_force_at", "superseded_at"]
    show_change_link = True


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "kind", "agency", "framework", "procedure", "created_at"]
    list_filter = ["kind", "agency__province", "framework"]
    search_fields = ["code", "title", "search_text", "agency__name", "procedure__code"]
    autocomplete_fields = ["agency", "framework", "procedure", "adopted_from"]
    list_select_related = ["agency", "framework", "procedure"]
    inlines = [ProcessRevisionInline]


class ProcessStepInline(admin.TabularInline):
    model = ProcessStep
    extra = 0
    fields = ["order", "action", "responsible", "time_days", "time_counted", "output"]


class ProcessFormInline(admin.TabularInline):
    model = ProcessForm
    extra = 0
    fields = ["code", "title", "file"]


class RecordKeptInline(admin.TabularInline):
    model = RecordKept
    extra = 0
    fields = ["name", "location", "retention"]


@admin.register(ProcessRevision)
class ProcessRevisionAdmin(SimpleHistoryAdmin):
    list_display = ["process", "number", "status", "effective_date", "approved_by", "in_force_at"]
    list_filter = ["status", "process__kind", "process__agency__province"]
    search_fields = ["process__code", "process__title", "process__agency__name"]
    autocomplete_fields = ["process", "references", "created_by", "submitted_by", "approved_by"]
    readonly_fields = ["created_at", "submitted_at", "approved_at", "in_force_at", "superseded_at"]
    list_select_related = ["process", "approved_by"]
    date_hierarchy = "effective_date"
    inlines = [ProcessStepInline, ProcessFormInline, RecordKeptInline]


@admin.register(ReviewFlag)
class ReviewFlagAdmin(SimpleHistoryAdmin):
    list_display = [
        "process",
        "legal_document",
        "document_status",
        "raised_on",
        "due_on",
        "resolved_on",
        "resolution",
    ]
    list_filter = [
        "document_status",
        "resolution",
        ("resolved_on", admin.EmptyFieldListFilter),
        "process__agency__province",
    ]
    search_fields = ["process__code", "process__title", "legal_document__number", "note"]
    autocomplete_fields = ["process", "legal_document", "resolved_by", "resolving_revision"]
    list_select_related = ["process", "legal_document"]
    date_hierarchy = "due_on"


@admin.register(QualityPolicy)
class QualityPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["agency", "year", "approved_by", "approved_at"]
    list_filter = ["year", "agency__province"]
    search_fields = ["agency__name", "agency__code", "text"]
    autocomplete_fields = ["agency", "approved_by"]
    list_select_related = ["agency", "approved_by"]


@admin.register(QualityObjective)
class QualityObjectiveAdmin(SimpleHistoryAdmin):
    list_display = ["objective", "agency", "year", "indicator", "target", "achieved", "met"]
    list_filter = ["year", "met", "agency__province"]
    search_fields = ["objective", "indicator", "agency__name", "agency__code"]
    autocomplete_fields = ["agency"]
    list_select_related = ["agency"]


@admin.register(DossierStatistic)
class DossierStatisticAdmin(admin.ModelAdmin):
    list_display = ["agency", "procedure", "month", "received", "early", "on_time", "late", "pending"]
    list_filter = ["agency__province", "procedure__level"]
    search_fields = ["agency__name", "agency__code", "procedure__code", "procedure__name"]
    autocomplete_fields = ["agency", "procedure"]
    list_select_related = ["agency", "procedure"]
    date_hierarchy = "month"
