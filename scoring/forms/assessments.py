"""Forms of the assessment pages: one line's points, its evidence files, reopening, and the score import."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from qms_portal.concurrency import VersionedFormMixin
from qms_portal.uploads import validate_document

from ..models import Assessment, AssessmentLine, LineEvidence
from ..services.assessments import points_text


class PointsField(forms.CharField):
    """Points typed as 2.5 or 2,5 (Vietnamese keyboards); the range and the 0.25 steps are the service's."""

    default_error_messages = {"invalid": _("Enter a number of points, e.g. 2.5.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return points_text(value) if isinstance(value, Decimal) else value

    def to_python(self, value):
        text = super().to_python(value).replace(",", ".").replace(" ", "")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not number.is_finite() or abs(number) >= 10000:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class LineForm(VersionedFormMixin, forms.Form):
    points = PointsField(label=_("Points"), required=False)
    override_reason = forms.CharField(
        label=_("Reason for overriding the computed points"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the points differ from the computed points."),
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, line: AssessmentLine, **kwargs):
        self.line = line
        kwargs.setdefault(
            "initial",
            {"points": line.points, "comment": line.comment, "override_reason": line.override_reason},
        )
        super().__init__(*args, version=line.version, **kwargs)
        maximum = points_text(line.criterion.max_points)
        if line.computed_points is not None:
            self.fields["points"].help_text = _(
                "Computed: %(computed)s of %(max)s points. Leave empty to use the computed points."
            ) % {"computed": points_text(line.computed_points), "max": maximum}
        else:
            self.fields["points"].help_text = _("From 0 to %(max)s, in steps of 0.25.") % {"max": maximum}
            del self.fields["override_reason"]


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Evidence file"),
        help_text=_("PDF, Word (.docx) or Excel (.xlsx)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=LineEvidence._meta.get_field("description").max_length,
        required=False,
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        validate_document(uploaded)
        return uploaded


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the reason for reopening the assessment.")},
        help_text=_("Kept in the assessment's trail, with your name and the date."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for reopening the assessment."))
        return reason


class ScoresImportForm(forms.Form):
    """One spreadsheet of scores and the kind of assessment it fills."""

    file = forms.FileField(
        label=_("Spreadsheet (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )
    kind = forms.ChoiceField(
        label=_("Assessment"), choices=Assessment.Kind.choices, initial=Assessment.Kind.OFFICIAL
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an .xlsx spreadsheet."))
        return uploaded
