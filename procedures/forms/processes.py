from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from qms_portal.concurrency import VersionedFormMixin
from qms_portal.forms import DateField
from qms_portal.uploads import validate_document

from ..models import (
    AdministrativeProcedure,
    LegalDocument,
    Process,
    ProcessForm,
    ProcessRevision,
    ProcessStep,
    RecordKept,
    SystemTopic,
)


class ProcessCreateForm(forms.ModelForm):
    class Meta:
        model = Process
        fields = ["agency", "code", "title", "kind", "system_topic", "procedure"]
        help_texts = {
            "code": _("Unique within the agency, e.g. QT-07."),
            "system_topic": _(
                "Only for a mandatory QMS procedure: which of the five system processes it is "
                "(an agency has one process per topic)."
            ),
        }

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["agency"].required = True
        if len(agencies) == 1:
            self.fields["agency"].initial = agencies[0]
        self.fields["procedure"].queryset = AdministrativeProcedure.objects.filter(
            handlers__agency__in=agencies
        ).distinct()
        self.fields["procedure"].help_text = _(
            "Only procedures the agency has declared it handles are listed."
        )

    def clean_system_topic(self) -> str:
        topic = self.cleaned_data.get("system_topic", "")
        if not topic:
            return topic
        if self.cleaned_data.get("kind") != Process.Kind.MANDATORY:
            raise forms.ValidationError(
                _(
                    "Only a mandatory QMS procedure is one of the system processes: leave this empty "
                    "or choose the kind “%(kind)s”."
                )
                % {"kind": Process.Kind.MANDATORY.label}
            )
        agency = self.cleaned_data.get("agency")
        if agency is None:
            return topic
        taken = Process.objects.filter(agency=agency, system_topic=topic).exclude(pk=self.instance.pk).first()
        if taken:
            raise forms.ValidationError(
                _("%(agency)s already has a process for “%(topic)s”: %(process)s.")
                % {"agency": agency, "topic": SystemTopic(topic).label, "process": taken}
            )
        return topic


class RevisionForm(VersionedFormMixin, forms.ModelForm):
    references = forms.ModelMultipleChoiceField(
        label=_("References (legal documents)"),
        queryset=LegalDocument.objects.order_by("number"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = ProcessRevision
        fields = ["purpose", "scope", "terms", "change_summary", "references"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ["purpose", "scope", "terms", "change_summary"]
        }


class StepForm(forms.ModelForm):
    time_days = forms.DecimalField(
        label=_("Time (working days)"),
        min_value=Decimal("0"),
        max_digits=5,
        decimal_places=2,
        initial=Decimal("0.5"),
        widget=forms.NumberInput(attrs={"step": "0.25", "min": "0"}),
    )

    class Meta:
        model = ProcessStep
        fields = ["action", "responsible", "time_days", "time_counted", "output"]
        widgets = {"action": forms.Textarea(attrs={"rows": 2})}

    def clean_time_days(self):
        value = self.cleaned_data["time_days"]
        if (value * 4) % 1:
            raise forms.ValidationError(_("Times are counted in quarter days (0.25, 0.5, 0.75 …)."))
        return value


class FormForm(forms.ModelForm):
    class Meta:
        model = ProcessForm
        fields = ["code", "title", "file"]
        widgets = {"file": forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx"})}

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if uploaded and hasattr(uploaded, "content_type"):
            validate_document(uploaded)
        return uploaded


class RecordForm(forms.ModelForm):
    class Meta:
        model = RecordKept
        fields = ["name", "location", "retention"]


def _formset(form, model):
    return forms.inlineformset_factory(
        ProcessRevision, model, form=form, extra=0, can_delete=True, can_order=True
    )


StepFormSet = _formset(StepForm, ProcessStep)
FormFormSet = _formset(FormForm, ProcessForm)
RecordFormSet = _formset(RecordForm, RecordKept)


class ApproveForm(forms.Form):
    effective_date = DateField(label=_("Effective date"))


class ReturnForm(forms.Form):
    note = forms.CharField(label=_("What needs to change"), widget=forms.Textarea(attrs={"rows": 3}))
