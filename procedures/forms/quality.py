from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import QualityObjective
from ..services.quality import objective_problems


def _max_length(name: str) -> int:
    return QualityObjective._meta.get_field(name).max_length


class PolicyForm(forms.Form):
    text = forms.CharField(
        label=_("Quality policy"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "The commitment of the agency's leadership, as it will be published to staff and citizens."
        ),
    )


MET_CHOICES = [
    ("", _("Not yet evaluated")),
    ("yes", _("Met")),
    ("no", _("Not met")),
]


class ObjectiveForm(forms.Form):
    year = forms.IntegerField(label=_("Year"))
    objective = forms.CharField(
        label=_("Objective"), max_length=_max_length("objective"), widget=forms.Textarea(attrs={"rows": 2})
    )
    indicator = forms.CharField(
        label=_("Indicator"),
        max_length=_max_length("indicator"),
        help_text=_("How the result is measured, e.g. share of dossiers resolved on time."),
    )
    target = forms.CharField(label=_("Target"), max_length=_max_length("target"), help_text=_("e.g. ≥ 98%"))
    achieved = forms.CharField(
        label=_("Achieved value"),
        max_length=_max_length("achieved"),
        required=False,
        help_text=_("Fill in at the end of the year, when the result is known."),
    )
    met = forms.TypedChoiceField(
        label=_("Result"),
        choices=MET_CHOICES,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    def clean(self):
        cleaned = super().clean()
        problems = objective_problems(
            year=cleaned.get("year"), achieved=cleaned.get("achieved") or "", met=cleaned.get("met")
        )
        for field, message in problems.items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned

    @staticmethod
    def initial_from(objective: QualityObjective) -> dict:
        met = {True: "yes", False: "no"}.get(objective.met, "")
        fields = ("year", "objective", "indicator", "target", "achieved")
        return {**{name: getattr(objective, name) for name in fields}, "met": met}
