"""Forms of the rubric editor; the services check the rubric as a whole, these check what was typed."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qms_portal.forms import DateField

from .. import default_rubric, rules
from ..models import Band, Criterion, CriterionGroup, Metric, Rubric, Rule
from ..services.rubrics import FIRST_YEAR, LAST_YEAR, check_criterion, rubric_name_problem


def _year_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Year"),
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
        widget=forms.NumberInput(attrs={"min": FIRST_YEAR, "max": LAST_YEAR}),
    )


class ProvinceChoiceField(forms.ModelChoiceField):
    """The province of a new rubric: a choice, or (hidden) the only one the reviewer oversees."""

    def setup(self, provinces) -> None:
        self.queryset = provinces
        self.only = provinces[0] if len(provinces) == 1 else None
        if self.only is not None:
            self.initial, self.required, self.widget = self.only, False, forms.HiddenInput()

    def clean(self, value):
        return super().clean(value) or self.only


def _province_field(form: forms.Form, provinces) -> None:
    form.fields["province"].setup(provinces)


class RubricForm(forms.ModelForm):
    """The rubric's own fields; on creation also where it starts from."""

    year = _year_field()
    self_assessment_deadline = DateField(
        label=_("Self-assessment deadline"),
        required=False,
        help_text=_("Agencies submit their self-assessment by this date."),
    )

    class Meta:
        model = Rubric
        fields = ["name", "year", "total", "self_assessment_deadline"]

    def clean(self):
        cleaned = super().clean()
        province = cleaned.get("province")
        problem = rubric_name_problem(
            province_id=province.pk if province else self.instance.province_id,
            year=cleaned.get("year"),
            name=cleaned.get("name", ""),
            exclude_pk=self.instance.pk,
        )
        if problem:
            # Said here, the model's generic "already exists" message is not added on top.
            self.add_error("name", problem)
        return cleaned


class RubricCreateForm(RubricForm):
    province = ProvinceChoiceField(label=_("Province"), queryset=None)
    start_from_default = forms.BooleanField(
        label=_("Start from the default rubric"),
        required=False,
        initial=True,
        help_text=_("Its groups, criteria and bands, which you can then change; untick to start empty."),
    )

    class Meta(RubricForm.Meta):
        fields = ["province", "name", "year", "total", "self_assessment_deadline"]

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        _province_field(self, provinces)
        self.fields["name"].initial = default_rubric.NAME
        self.fields["year"].initial = timezone.localdate().year


class GroupForm(forms.ModelForm):
    class Meta:
        model = CriterionGroup
        fields = ["code", "title", "order"]
        labels = {"order": _("Position")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["order"].required = False
            self.fields["order"].help_text = _("Empty: after the last group.")


class CriterionForm(forms.ModelForm):
    """A criterion; its thresholds are typed as “0.80 → 2; 0.90 → 4”."""

    thresholds_text = forms.CharField(
        label=_("Thresholds"),
        required=False,
        help_text=_("For the thresholds rule: value → points, separated by “;”, e.g. “0.80 → 2; 0.90 → 4”."),
    )

    class Meta:
        model = Criterion
        fields = ["group", "code", "text", "guidance", "max_points", "metric", "rule", "order"]
        labels = {"order": _("Position in the group")}
        help_texts = {
            "max_points": _("In steps of 0.25."),
            "metric": _("Leave empty for a criterion the assessor scores with evidence."),
        }
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3}),
            "guidance": forms.Textarea(attrs={"rows": 3}),
            "max_points": forms.NumberInput(attrs={"step": "0.25", "min": "0.25"}),
        }

    def __init__(self, *args, rubric: Rubric, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = rubric.groups.all()
        self.fields["group"].empty_label = None
        self.fields["metric"].choices = [("", _("— none: scored by the assessor —"))] + Metric.choices
        self.fields["rule"].choices = [("", "—")] + Rule.choices
        if self.instance.pk:
            self.fields["thresholds_text"].initial = rules.format_thresholds(self.instance.thresholds)
        else:
            self.fields["order"].required = False
            self.fields["order"].help_text = _("Empty: after the group's last criterion.")

    def clean_thresholds_text(self) -> list[list[str]]:
        try:
            return rules.parse_thresholds(self.cleaned_data["thresholds_text"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        cleaned = super().clean()
        problems = check_criterion(
            code=cleaned.get("code", ""),
            text=cleaned.get("text", ""),
            max_points=cleaned.get("max_points"),
            metric=cleaned.get("metric", ""),
            rule=cleaned.get("rule", ""),
            thresholds=cleaned.get("thresholds_text", []),
        )
        for name, messages in problems.items():
            name = "thresholds_text" if name == "thresholds" else name
            # A field already in error says what is wrong with it; its errors also keep the model's
            # metric-needs-a-rule constraint from adding a generic message.
            if name in self.fields and name not in self.errors:
                self.add_error(name, messages)
        return cleaned


class BandForm(forms.ModelForm):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput())

    class Meta:
        model = Band
        fields = ["label", "lower_bound", "inclusive"]
        widgets = {"lower_bound": forms.NumberInput(attrs={"step": "0.01", "min": "0"})}

    def has_changed(self) -> bool:
        # An added row left blank is no band, whatever its "inclusive" box says.
        if self.initial.get("id"):
            return super().has_changed()
        return any(name in self.changed_data for name in ("label", "lower_bound"))


BandFormSet = forms.formset_factory(BandForm, extra=1, can_delete=True)


def band_formset(rubric: Rubric, data=None) -> forms.BaseFormSet:
    initial = [
        {"id": band.pk, "label": band.label, "lower_bound": band.lower_bound, "inclusive": band.inclusive}
        for band in rubric.bands.all()
    ]
    return BandFormSet(data, initial=initial, prefix="bands")


class RubricImportForm(forms.Form):
    """A rubric spreadsheet (as exported) and the new draft's own fields."""

    file = forms.FileField(
        label=_("Spreadsheet (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )
    province = ProvinceChoiceField(label=_("Province"), queryset=None)
    year = _year_field()
    name = forms.CharField(label=_("Name"), max_length=Rubric._meta.get_field("name").max_length)
    total = forms.DecimalField(
        label=_("Total points"), initial=Decimal(100), min_value=Decimal(1), max_digits=6, decimal_places=2
    )

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        _province_field(self, provinces)
        self.fields["year"].initial = timezone.localdate().year

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an .xlsx spreadsheet."))
        return uploaded
