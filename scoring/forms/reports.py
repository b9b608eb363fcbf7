from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.access import Action, agencies_for, provinces_for
from agencies.models import Agency
from audits.models import Audit

from ..models import Report

NEEDS = {
    Report.Kind.AGENCY_COMPLIANCE: ("agency", "year"),
    Report.Kind.PROVINCE_SUMMARY: ("province", "year"),
    Report.Kind.INSPECTION_MINUTES: ("audit",),
    Report.Kind.DECLARATION: ("agency",),
}


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return f"{obj.name} ({obj.code})"


class ReportRequestForm(forms.Form):
    """Ask for a report; the agencies and provinces offered are those the user may report on."""

    kind = forms.ChoiceField(label=_("Kind of report"))
    agency = AgencyChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.none(),
        required=False,
        help_text=_("For an agency's compliance report or declaration."),
    )
    province = forms.ModelChoiceField(
        label=_("Province"),
        queryset=None,
        required=False,
        help_text=_("For a provincial summary."),
    )
    audit = forms.IntegerField(
        label=_("Inspection number"),
        required=False,
        min_value=1,
        help_text=_("For inspection minutes: the number shown on the inspection's page."),
    )
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        help_text=_(
            "Not asked for a declaration or inspection minutes: they take the year of the declaration or of "
            "the inspection."
        ),
    )
    quarter = forms.TypedChoiceField(
        label=_("Period"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[
            ("", _("The whole year")),
            (1, _("Quarter 1")),
            (2, _("Quarter 2")),
            (3, _("Quarter 3")),
            (4, _("Quarter 4")),
        ],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.audit_object: Audit | None = None
        provinces = provinces_for(user, Action.REPORTS).order_by("name")
        agencies = agencies_for(user, Action.REPORTS).order_by("name", "pk")
        kinds = [
            (value, label)
            for value, label in Report.Kind.choices
            if value != Report.Kind.PROVINCE_SUMMARY or provinces.exists()
        ]
        self.fields["kind"].choices = kinds
        self.fields["agency"].queryset = agencies
        self.fields["province"].queryset = provinces
        if not provinces.exists():
            del self.fields["province"]
        elif len(provinces[:2]) == 1:
            self.fields["province"].initial = provinces[0].pk
        if len(agencies[:2]) == 1:
            self.fields["agency"].initial = agencies[0].pk
        self.fields["year"].initial = timezone.localdate().year

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        for field in NEEDS.get(kind, ()):
            if field in self.fields and cleaned.get(field) in (None, "") and field not in self.errors:
                self.add_error(field, _("This kind of report needs this field."))
        if kind == Report.Kind.INSPECTION_MINUTES and cleaned.get("audit"):
            self.audit_object = (
                Audit.objects.filter(pk=cleaned["audit"], agency__in=agencies_for(self.user, Action.REPORTS))
                .select_related("agency__province")
                .first()
            )
            if self.audit_object is None:
                self.add_error("audit", _("There is no inspection with this number that you may report on."))
        return cleaned

    def request_arguments(self) -> dict:
        """Keyword arguments of services.reports.request_report (user excepted)."""
        cleaned = self.cleaned_data
        kind = cleaned["kind"]
        periodic = kind in (Report.Kind.AGENCY_COMPLIANCE, Report.Kind.PROVINCE_SUMMARY)
        return {
            "kind": kind,
            "agency": cleaned.get("agency")
            if kind in (Report.Kind.AGENCY_COMPLIANCE, Report.Kind.DECLARATION)
            else None,
            "province": cleaned.get("province") if kind == Report.Kind.PROVINCE_SUMMARY else None,
            "audit": self.audit_object if kind == Report.Kind.INSPECTION_MINUTES else None,
            # A declaration is of the year it was made, inspection minutes of the year of the inspection.
            "year": cleaned.get("year") if periodic else None,
            "quarter": cleaned.get("quarter") if periodic else None,
        }
