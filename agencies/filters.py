import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Agency, Province, QmsStatus


class AgencyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    province = django_filters.ModelChoiceFilter(label=_("Province"), queryset=Province.objects.none())
    level = django_filters.ChoiceFilter(
        label=_("Level"), choices=Agency.Level.choices, empty_label=_("All levels")
    )
    status = django_filters.ChoiceFilter(
        label=_("QMS status"),
        choices=QmsStatus.choices,
        method="filter_status",
        empty_label=_("All statuses"),
    )
    active = django_filters.BooleanFilter(
        label=_("In operation only"), method="filter_active", widget=forms.CheckboxInput
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(("code", "code"), ("name", "name"), ("level", "level"), ("current_since", "status_date")),
        field_labels={
            "code": _("Code"),
            "name": _("Name"),
            "level": _("Level"),
            "current_since": _("Date of current status"),
        },
        empty_label=None,
    )

    class Meta:
        model = Agency
        fields = ["q", "province", "level", "status", "active"]

    def __init__(self, *args, provinces=None, **kwargs):
        super().__init__(*args, **kwargs)
        if provinces is not None and len(provinces) > 1:
            self.filters["province"].queryset = provinces
        else:
            del self.filters["province"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_status(self, queryset, name, value):
        if value == QmsStatus.NOT_STARTED:
            # An agency with no record yet has not started either.
            return queryset.filter(current_status__isnull=True) | queryset.filter(current_status=value)
        return queryset.filter(current_status=value)

    def filter_active(self, queryset, name, value):
        return queryset.operating() if value else queryset
