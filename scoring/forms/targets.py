from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Province
from qms_portal.forms import DateField

from ..models import Target
from ..services.targets import TargetData, target_problems


class TargetForm(forms.Form):
    province = forms.ModelChoiceField(label=_("Province"), queryset=Province.objects.none())
    measure = forms.ChoiceField(label=_("Measure"), choices=Target.Measure.choices)
    level = forms.ChoiceField(
        label=_("Agency level"),
        choices=[("", _("All levels")), *Agency.Level.choices],
        required=False,
        help_text=_("Count only the agencies of this level, e.g. commune People's Committees."),
    )
    value = forms.DecimalField(
        label=_("Target (%)"),
        max_digits=5,
        decimal_places=2,
        help_text=_("The share to reach, above 0 and at most 100."),
    )
    start_on = DateField(
        label=_("Counted from"), help_text=_("The progress is measured from this date (dd/mm/yyyy).")
    )
    deadline = DateField(label=_("Deadline"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, provinces=None, **kwargs):
        """`provinces`: those the user may set targets in; the field is left out when there is one."""
        super().__init__(*args, **kwargs)
        if provinces is None:
            del self.fields["province"]
        else:
            self.fields["province"].queryset = provinces

    def clean(self):
        cleaned = super().clean()
        problems = target_problems(
            value=cleaned.get("value"), start_on=cleaned.get("start_on"), deadline=cleaned.get("deadline")
        )
        for field, message in problems.items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned

    def data_object(self) -> TargetData:
        cleaned = self.cleaned_data
        return TargetData(
            measure=cleaned["measure"],
            level=cleaned["level"] or "",
            value=cleaned["value"],
            start_on=cleaned["start_on"],
            deadline=cleaned["deadline"],
            note=cleaned.get("note", ""),
        )
