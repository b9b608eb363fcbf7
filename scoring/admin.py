from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Assessment,
    AssessmentEvent,
    AssessmentLine,
    Band,
    Criterion,
    CriterionGroup,
    LineEvidence,
    Rubric,
    Target,
)

# The administrator's view of the data: the portal's pages enforce the workflow (a published rubric frozen,
# a finalized assessment locked); here an administrator can repair what those pages cannot.


class CriterionGroupInline(admin.TabularInline):
    model = CriterionGroup
    extra = 0
    fields = ["order", "code", "title"]
    show_change_link = True


class BandInline(admin.TabularInline):
    model = Band
    extra = 0
    fields = ["label", "lower_bound", "inclusive"]


@admin.register(Rubric)
class RubricAdmin(SimpleHistoryAdmin):
    list_display = ["name", "province", "year", "total", "status", "published_at", "results_published_at"]
    list_filter = ["status", "year", "province"]
    search_fields = ["name", "province__name", "province__code"]
    autocomplete_fields = ["province", "published_by", "results_published_by", "copied_from"]
    list_select_related = ["province"]
    readonly_fields = ["created_at"]
    inlines = [CriterionGroupInline, BandInline]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    fields = ["order", "code", "text", "max_points", "metric", "rule", "thresholds"]
    show_change_link = True


@admin.register(CriterionGroup)
class CriterionGroupAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "rubric", "order"]
    list_filter = ["rubric__year", "rubric__province"]
    search_fields = ["code", "title", "rubric__name"]
    autocomplete_fields = ["rubric"]
    list_select_related = ["rubric"]
    inlines = [CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "text", "rubric", "group", "max_points", "metric", "rule"]
    list_filter = ["metric", "rule", "rubric__year", "rubric__province"]
    search_fields = ["code", "text", "guidance", "rubric__name"]
    autocomplete_fields = ["rubric", "group"]
    list_select_related = ["rubric", "group"]


@admin.register(Band)
class BandAdmin(SimpleHistoryAdmin):
    list_display = ["label", "rubric", "lower_bound", "inclusive"]
    list_filter = ["rubric__year", "rubric__province"]
    search_fields = ["label", "rubric__name"]
    autocomplete_fields = ["rubric"]
    list_select_related = ["rubric"]


class AssessmentLineInline(admin.TabularInline):
    model = AssessmentLine
    extra = 0
    fields = ["criterion", "computed_value", "computed_points", "points", "override_reason", "comment"]
    readonly_fields = ["criterion", "computed_value", "computed_points"]
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        # One line per criterion is created with the assessment.
        return False


class AssessmentEventInline(admin.TabularInline):
    model = AssessmentEvent
    extra = 0
    fields = ["at", "kind", "by", "reason"]
    readonly_fields = ["at", "kind", "by", "reason"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["agency", "rubric", "kind", "status", "total", "submitted_at", "finalized_at"]
    list_filter = ["kind", "status", "rubric__year", "agency__province"]
    search_fields = ["agency__name", "agency__code", "rubric__name"]
    autocomplete_fields = ["rubric", "agency", "created_by", "submitted_by", "finalized_by"]
    list_select_related = ["agency", "rubric"]
    readonly_fields = ["created_at"]
    inlines = [AssessmentLineInline, AssessmentEventInline]


class LineEvidenceInline(admin.TabularInline):
    model = LineEvidence
    extra = 0
    fields = ["file", "description", "uploaded_by", "uploaded_at"]
    readonly_fields = ["uploaded_at"]
    autocomplete_fields = ["uploaded_by"]


@admin.register(AssessmentLine)
class AssessmentLineAdmin(SimpleHistoryAdmin):
    list_display = ["assessment", "criterion", "computed_points", "points", "updated_by", "updated_at"]
    list_filter = ["assessment__kind", "assessment__rubric__year"]
    search_fields = ["assessment__agency__name", "criterion__code", "comment", "override_reason"]
    autocomplete_fields = ["assessment", "criterion", "updated_by"]
    list_select_related = ["assessment__agency", "assessment__rubric", "criterion"]
    readonly_fields = ["updated_at"]
    inlines = [LineEvidenceInline]


@admin.register(LineEvidence)
class LineEvidenceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "line", "description", "uploaded_by", "uploaded_at"]
    search_fields = ["description", "file", "line__assessment__agency__name"]
    autocomplete_fields = ["line", "uploaded_by"]
    list_select_related = ["line__assessment__agency", "line__criterion", "uploaded_by"]
    readonly_fields = ["uploaded_at"]


@admin.register(AssessmentEvent)
class AssessmentEventAdmin(admin.ModelAdmin):
    list_display = ["assessment", "kind", "by", "at"]
    list_filter = ["kind"]
    search_fields = ["assessment__agency__name", "reason"]
    autocomplete_fields = ["assessment", "by"]
    list_select_related = ["assessment__agency", "assessment__rubric", "by"]
    readonly_fields = ["at"]


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["province", "measure", "level", "value", "start_on", "deadline", "created_by"]
    list_filter = ["measure", "level", "province"]
    search_fields = ["province__name", "province__code", "note"]
    autocomplete_fields = ["province", "created_by"]
    list_select_related = ["province", "created_by"]
    readonly_fields = ["created_at"]
