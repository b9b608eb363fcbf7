from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qms_portal.forms import DateField

from ..models import Audit, AuditProgramme, ChecklistLine, Clause, Finding
from ..services.audits import agency_members, audit_standard, default_due_date, team_candidates

Kind = Audit.Kind


class PersonChoiceMixin:
    def label_from_instance(self, obj) -> str:
        name = f"{obj.last_name} {obj.first_name}".strip()
        return f"{name} ({obj.username})" if name else obj.username


class PersonChoiceField(PersonChoiceMixin, forms.ModelChoiceField):
    pass


class PeopleChoiceField(PersonChoiceMixin, forms.ModelMultipleChoiceField):
    pass


class ProcessChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} — {obj.title}"


class ProgrammeForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=None)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    objectives = forms.CharField(
        label=_("Objectives and criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the year's audits aim at, the criteria audited against, how often each area."),
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        if len(agencies) == 1:
            self.fields["agency"].initial = agencies[0]
        self.fields["year"].initial = timezone.localdate().year


class ObjectivesForm(forms.Form):
    objectives = forms.CharField(
        label=_("Objectives and criteria"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )


class AuditForm(forms.ModelForm):
    """The plan of an audit; scope and team choices come from the audited agency only."""

    planned_start = DateField(label=_("Planned start"))
    planned_end = DateField(label=_("Planned end"))
    scope_processes = ProcessChoiceField(
        label=_("Processes audited"),
        queryset=None,
        required=False,
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    lead_auditor = PersonChoiceField(label=_("Lead auditor"), queryset=None, required=False)
    auditors = PeopleChoiceField(
        label=_("Auditors"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Audit
        fields = [
            "agency",
            "title",
            "kind",
            "programme",
            "planned_start",
            "planned_end",
            "scope_processes",
            "scope_units",
            "lead_auditor",
            "auditors",
            "team_note",
        ]
        widgets = {"scope_units": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "scope_units": _("Departments or desks visited, one per line."),
            "team_note": _("Auditors from outside the agency, observers."),
        }

    def __init__(self, *args, agency, agencies=None, **kwargs):
        """`agency` is the audited agency (its processes and people are offered); `agencies` is given on
        creation: the agencies the user may plan audits for."""
        super().__init__(*args, **kwargs)
        kind = self.instance.kind if self.instance.pk else Kind.INTERNAL
        if agencies is None:
            # The audited agency and the kind of audit are fixed once the audit exists.
            del self.fields["agency"], self.fields["kind"]
        else:
            self.fields["agency"].queryset = agencies
            self.fields["agency"].initial = agency
            # Chosen above the form: its scope and team choices depend on it.
            self.fields["agency"].widget = forms.HiddenInput()
            self.fields["kind"].choices = [(k.value, k.label) for k in (Kind.INTERNAL, Kind.EXTERNAL)]
        if kind == Kind.INSPECTION:
            del self.fields["programme"]
        else:
            self.fields["programme"].queryset = AuditProgramme.objects.filter(agency=agency).order_by("-year")
            self.fields["programme"].help_text = _("The agency's programme for the year the audit starts.")
        self.fields["scope_processes"].queryset = agency.processes.order_by("code")
        people = team_candidates(agency, kind)
        self.fields["lead_auditor"].queryset = people
        self.fields["auditors"].queryset = people


class StartForm(forms.Form):
    actual_start = DateField(label=_("Actual start"))


class ReportForm(forms.Form):
    actual_end = DateField(label=_("Actual end"))
    conclusion = forms.CharField(
        label=_("Conclusion"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Whether the system conforms and is effectively applied, strengths, what must improve."),
    )


class ChecklistLineForm(forms.ModelForm):
    class Meta:
        model = ChecklistLine
        fields = ["clause", "requirement", "result", "evidence"]
        widgets = {
            "requirement": forms.Textarea(attrs={"rows": 2}),
            "evidence": forms.Textarea(attrs={"rows": 2}),
        }


class BaseChecklistFormSet(forms.BaseInlineFormSet):
    def __init__(self, *args, clauses, **kwargs):
        # The clause choices are read once for every row, not once per row.
        self.clause_queryset = clauses
        self.clause_choices = [("", "---------"), *((c.pk, str(c)) for c in clauses)]
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        form.fields["clause"].queryset = self.clause_queryset
        form.fields["clause"].choices = self.clause_choices


ChecklistFormSet = forms.inlineformset_factory(
    Audit,
    ChecklistLine,
    form=ChecklistLineForm,
    formset=BaseChecklistFormSet,
    extra=0,
    can_delete=True,
    can_order=True,
)


def clauses_for(audit: Audit):
    return Clause.objects.filter(standard=audit_standard(audit.agency))


class FindingForm(forms.ModelForm):
    due_date = DateField(
        label=_("Corrective action due"),
        required=False,
        help_text=_("For a nonconformity: when its corrective action must be done."),
    )
    owner = PersonChoiceField(
        label=_("Action owner"),
        queryset=None,
        required=False,
        help_text=_("For a nonconformity: who carries out the corrective action."),
    )

    class Meta:
        model = Finding
        fields = ["grade", "clause", "process", "description", "evidence"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, audit: Audit, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("due_date", default_due_date(audit))
        super().__init__(*args, **kwargs)
        self.fields["clause"].queryset = clauses_for(audit)
        self.fields["process"].queryset = audit.agency.processes.order_by("code")
        self.fields["process"].label_from_instance = lambda process: f"{process.code} — {process.title}"
        self.fields["owner"].queryset = agency_members(audit.agency)

    def clean(self):
        data = super().clean()
        if data.get("grade") in Finding.NONCONFORMITIES and not data.get("due_date"):
            self.add_error("due_date", _("A nonconformity needs the due date of its corrective action."))
        return data
