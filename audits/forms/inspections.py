from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from qms_portal.forms import DateField

from ..models import Audit, InspectionPlan
from ..services.inspections import FIRST_YEAR, PlanEntry


class PlanForm(forms.Form):
    """The plan's year and title, and the dates every chosen agency gets unless its row says otherwise."""

    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=2100)
    title = forms.CharField(
        label=_("Title"),
        max_length=300,
        required=False,
        help_text=_("Left empty: “Kế hoạch kiểm tra việc áp dụng HTQLCL năm …” with the year."),
    )
    start = DateField(
        label=_("Planned start"), help_text=_("For every agency chosen, unless its row differs.")
    )
    end = DateField(label=_("Planned end"))

    def __init__(self, *args, plan: InspectionPlan | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            del self.fields["year"]
            del self.fields["title"]
        else:
            self.fields["year"].initial = timezone.localdate().year

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The inspection cannot end before it starts."))
        return data


class PlanEntryForm(forms.Form):
    """One agency's row: chosen or not, on documents or on site, and its own dates if they differ."""

    selected = forms.BooleanField(label=_("Inspect"), required=False)
    method = forms.ChoiceField(
        label=_("Method"), choices=Audit.Method.choices, initial=Audit.Method.DOCUMENTS
    )
    start = DateField(label=_("Start"), required=False)
    end = DateField(label=_("End"), required=False)

    def __init__(self, *args, agency: Agency, **kwargs):
        super().__init__(*args, prefix=f"agency-{agency.pk}", **kwargs)
        self.agency = agency
        self.fields["selected"].widget.attrs.update({"aria-label": agency.name, "class": "form-check-input"})
        self.fields["method"].widget.attrs.update({"class": "form-select form-select-sm"})
        for name in ("start", "end"):
            self.fields[name].widget.attrs.update({"class": "form-control form-control-sm", "size": 10})

    @property
    def is_chosen(self) -> bool:
        return self.is_bound and bool(self["selected"].data)

    @property
    def method_chosen(self) -> str:
        return str(self["method"].data or "")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The inspection cannot end before it starts."))
        return data


def plan_entries(plan_form: PlanForm, rows: list[PlanEntryForm]) -> list[PlanEntry]:
    """The chosen rows as plan entries, with the plan's dates where a row gives none."""
    entries = []
    for row in rows:
        if row.is_chosen:
            start = row.cleaned_data["start"] or plan_form.cleaned_data["start"]
            # A row that only moves the start keeps the plan's end, or ends the day it starts.
            end = row.cleaned_data["end"] or max(plan_form.cleaned_data["end"], start)
            entries.append(
                PlanEntry(agency=row.agency, method=row.cleaned_data["method"], start=start, end=end)
            )
    return entries


class DecisionForm(forms.Form):
    """The inspection decision (Mẫu 20 QĐKT)."""

    decision_number = forms.CharField(
        label=_("Decision number"),
        max_length=50,
        help_text=_("As on the signed decision, e.g. 125/QĐ-SKHCN."),
    )
    decision_date = DateField(label=_("Decision date"))

    def clean_decision_date(self):
        value = self.cleaned_data["decision_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value
