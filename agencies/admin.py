from django.contrib import admin

from .models import Agency, Membership, Province, StatusChange


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    fields = ["changed_on", "status", "iso_version", "decision_number", "decision_date", "recorded_by"]
    readonly_fields = ["recorded_by"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "level",
        "province",
        "parent",
        "active_from",
        "active_until",
        "merged_into",
    ]
    list_filter = ["province", "level", ("merged_into", admin.EmptyFieldListFilter)]
    search_fields = ["code", "name", "search_text"]
    autocomplete_fields = ["parent", "merged_into"]
    list_select_related = ["province", "parent", "merged_into"]
    inlines = [StatusChangeInline]


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    list_display = ["agency", "status", "changed_on", "iso_version", "decision_number", "decision_date"]
    list_filter = ["status", "iso_version", "agency__province", "agency__level"]
    search_fields = ["agency__name", "agency__code", "decision_number"]
    autocomplete_fields = ["agency"]
    date_hierarchy = "changed_on"
    list_select_related = ["agency"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "agency", "province", "created_at"]
    list_filter = ["role", "province", "agency__province"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    list_select_related = ["user", "agency", "province"]
