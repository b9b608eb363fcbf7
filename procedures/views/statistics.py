"""One-stop dossier statistics: on-time rates per agency and the procedures late most often."""

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django import forms
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from agencies.access import Action, agencies_for, grants_for, provinces_for
from agencies.models import Agency, Province
from qms_portal.spreadsheets import XLSX_CONTENT_TYPE, write_table

from ..models import AdministrativeProcedure, DossierStatistic
from ..statistics import Rate, ontime_by_procedure, ontime_rates

PAGE_SIZE = 25
TOP_LATE = 10


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str


@dataclass(frozen=True)
class Line:
    """One row of a table: an agency or a procedure with its figures."""

    subject: Agency | AdministrativeProcedure
    rate: Rate

    @property
    def of_received_percent(self) -> float | None:
        return None if self.rate.of_received is None else self.rate.of_received * 100

    @property
    def of_processed_percent(self) -> float | None:
        return None if self.rate.of_processed is None else self.rate.of_processed * 100


class MonthInput(forms.TextInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs={"placeholder": "yyyy-mm", "pattern": r"\d{4}-\d{2}", **(attrs or {})})


class MonthField(forms.CharField):
    """A month as YYYY-MM (what <input type=month> sends) or MM/YYYY; cleans to its first day."""

    widget = MonthInput
    default_error_messages = {"invalid": gettext_lazy("Enter a month as YYYY-MM.")}

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
            year, month = int(match[1]), int(match[2])
        elif match := re.fullmatch(r"(\d{1,2})/(\d{4})", text):
            year, month = int(match[2]), int(match[1])
        else:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return date(year, month, 1)


class StatisticsFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search agencies"), required=False)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Quarter"),
        choices=[("", gettext_lazy("Whole year")), *[(q, f"Q{q}") for q in range(1, 5)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    month_from = MonthField(label=gettext_lazy("Or from month"), required=False)
    month_to = MonthField(label=gettext_lazy("to month"), required=False)
    province = forms.ModelChoiceField(
        label=gettext_lazy("Province"),
        queryset=Province.objects.none(),
        required=False,
        empty_label=gettext_lazy("All provinces"),
    )
    level = forms.ChoiceField(label=gettext_lazy("Level"), required=False)
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Agency"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=gettext_lazy("All agencies"),
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        choices=[
            ("name", gettext_lazy("Agency name")),
            ("rate", gettext_lazy("Lowest on-time rate first")),
            ("late", gettext_lazy("Most late first")),
            ("received", gettext_lazy("Most received first")),
        ],
        required=False,
    )

    def __init__(self, *args, agencies, provinces: list[Province], single_agency: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies.order_by("name", "pk")
        self.fields["level"].choices = [("", _("All levels")), *Agency.Level.choices]
        if len(provinces) > 1:
            self.fields["province"].queryset = Province.objects.filter(pk__in=[p.pk for p in provinces])
        else:
            del self.fields["province"]
        # Levels compare agencies across a province: for reviewers and national viewers.
        if not provinces:
            del self.fields["level"]
        if single_agency:
            del self.fields["agency"]

    def clean(self):
        cleaned = super().clean()
        month_from, month_to = cleaned.get("month_from"), cleaned.get("month_to")
        if bool(month_from) != bool(month_to):
            self.add_error("month_to" if month_from else "month_from", _("Give both months of the range."))
        elif month_from and month_to and month_from > month_to:
            self.add_error("month_to", _("The range ends before it starts."))
        return cleaned

    def period(self, default_year: Callable[[], int]) -> Period:
        data = self.cleaned_data
        if data.get("month_from") and data.get("month_to"):
            start, last = data["month_from"], data["month_to"]
            end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
            return Period(start, end, f"{start:%m/%Y} – {last:%m/%Y}")
        year = data.get("year") or default_year()
        quarter = data.get("quarter")
        if quarter:
            start = date(year, 3 * quarter - 2, 1)
            last_month = 3 * quarter
            end = date(year, last_month, calendar.monthrange(year, last_month)[1])
            return Period(start, end, _("Quarter %(quarter)s/%(year)s") % {"quarter": quarter, "year": year})
        return Period(date(year, 1, 1), date(year, 12, 31), _("Year %(year)s") % {"year": year})


SORTS = {
    "name": lambda line: (line.subject.name.lower(), line.subject.pk),
    "rate": lambda line: (
        line.rate.of_received is None,
        line.rate.of_received or 0,
        line.subject.name.lower(),
    ),
    "late": lambda line: (-line.rate.late, line.subject.name.lower()),
    "received": lambda line: (-line.rate.received, line.subject.name.lower()),
}


@require_GET
def statistics_overview(request):
    user = request.user
    visible = agencies_for(user, Action.VIEW)
    provinces = list(provinces_for(user, Action.VIEW))
    grants = grants_for(user)
    own = grants.agency_ids.get(Action.VIEW, frozenset()) | grants.predecessor_ids
    # Every field is optional, so the form is always bound: an empty query string means the defaults.
    form = StatisticsFilterForm(
        request.GET, agencies=visible, provinces=provinces, single_agency=not provinces and len(own) <= 1
    )
    context = {"form": form, "can_import": _can_import(grants)}
    if not form.is_valid():
        return render(request, "procedures/statistics.html", context, status=400)
    data = form.cleaned_data
    selected = visible
    if data.get("q"):
        selected = selected.search(data["q"])
    if data.get("province"):
        selected = selected.filter(province=data["province"])
    if data.get("level"):
        selected = selected.filter(level=data["level"])
    if data.get("agency"):
        selected = selected.filter(pk=data["agency"].pk)
    period = form.period(default_year=lambda: _latest_year(visible))

    rates = ontime_rates(selected, start=period.start, end=period.end)
    agencies = Agency.objects.filter(pk__in=list(rates)).select_related("province") if rates else []
    lines = sorted(
        (Line(agency, rates[agency.pk]) for agency in agencies), key=SORTS[data.get("sort") or "name"]
    )
    total = sum((line.rate for line in lines), Rate())

    if request.GET.get("export") == "xlsx":
        return _export(lines, total, period)

    by_procedure = ontime_by_procedure(selected, start=period.start, end=period.end, limit=TOP_LATE)
    late_ids = [pk for pk, rate in by_procedure.items() if rate.late]
    procedures = AdministrativeProcedure.objects.in_bulk(late_ids) if late_ids else {}
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    context.update(
        {
            "period": period,
            "page_obj": Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page")),
            "total": Line(None, total),
            "late_most_often": [Line(procedures[pk], by_procedure[pk]) for pk in late_ids],
            "query": query.urlencode(),
        }
    )
    return render(request, "procedures/statistics.html", context)


def _latest_year(agencies) -> int:
    """The year of the latest figures the user may see, so that the page opens on data."""
    latest = DossierStatistic.objects.filter(agency__in=agencies).aggregate(latest=Max("month"))["latest"]
    return (latest or timezone.localdate()).year


def _can_import(grants) -> bool:
    return bool(
        grants.superuser or grants.province_ids.get(Action.OVERSEE) or grants.agency_ids.get(Action.EDIT)
    )


def _figures(line: Line) -> tuple:
    rate = line.rate
    return (
        rate.received,
        rate.early,
        rate.on_time,
        rate.late,
        rate.pending,
        *(
            "" if value is None else round(value, 1)
            for value in (line.of_received_percent, line.of_processed_percent)
        ),
    )


def _export(lines: list[Line], total: Rate, period: Period) -> HttpResponse:
    headers = [
        _("Province"),
        _("Agency code"),
        _("Agency"),
        _("Level"),
        _("Received"),
        _("Resolved early"),
        _("Resolved on time"),
        _("Resolved late"),
        _("Pending"),
        _("On time, % of received (Decree 61/2018)"),
        _("On time, % of processed (early + on time + late)"),
    ]
    rows = [
        (
            line.subject.province.name,
            line.subject.code,
            line.subject.name,
            line.subject.get_level_display(),
            *_figures(line),
        )
        for line in lines
    ]
    if lines:
        rows.append(("", "", _("Total"), "", *_figures(Line(None, total))))
    response = HttpResponse(
        write_table(_("One-stop statistics"), headers, rows), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = (
        f'attachment; filename="one-stop-statistics-{period.start:%Y%m}-{period.end:%Y%m}.xlsx"'
    )
    return response
