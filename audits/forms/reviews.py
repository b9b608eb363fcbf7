from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Role
from qms_portal.forms import DateField

from ..models import Action, ManagementReview
from ..services.reviews import INPUT_FIELDS, OUTPUT_FIELDS, agency_members


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


def _text_field(name: str, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=capfirst(ManagementReview._meta.get_field(name).verbose_name),
        required=False,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ReviewForm(forms.Form):
    """The record of a management review; the template groups the fields under clauses 9.3.2 and 9.3.3."""

    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    held_on = DateField(
        label=_("Date"),
        help_text=_("A review may be planned ahead; it is finalized once it has been held."),
    )
    chair = MemberChoiceField(
        label=_("Chair"), queryset=agency_members([]), help_text=_("Usually the head of the agency.")
    )
    participants = _text_field("participants", rows=2)
    previous_actions = _text_field("previous_actions")
    context_changes = _text_field("context_changes")
    performance = _text_field("performance", rows=4)
    resources = _text_field("resources")
    risks_opportunities = _text_field("risks_opportunities")
    improvement_opportunities = _text_field("improvement_opportunities")
    output_improvements = _text_field("output_improvements")
    output_changes = _text_field("output_changes")
    output_resources = _text_field("output_resources")

    def __init__(self, *args, agencies=None, agency: Agency | None = None, **kwargs):
        """Either one `agency` (edit, or create from an agency's page) or the `agencies` to choose from."""
        super().__init__(*args, **kwargs)
        if agency is not None:
            del self.fields["agency"]
            self.fields["chair"].queryset = agency_members(agency)
            if not self.is_bound and "chair" not in self.initial:
                leader = agency_members(agency).filter(
                    memberships__agency=agency, memberships__role=Role.AGENCY_LEADER
                )
                self.initial["chair"] = leader.first()
        else:
            self.fields["agency"].queryset = agencies
            self.fields["chair"].queryset = agency_members(agencies)

    def _bound(self, names) -> list:
        return [self[name] for name in names if name in self.fields]

    @property
    def general_fields(self) -> list:
        return self._bound(("agency", "held_on", "chair", "participants"))

    @property
    def input_fields(self) -> list:
        return self._bound(INPUT_FIELDS)

    @property
    def output_fields(self) -> list:
        return self._bound(OUTPUT_FIELDS)


class DecisionForm(forms.Form):
    title = forms.CharField(
        label=_("Decision"), max_length=Action._meta.get_field("title").max_length, strip=True
    )
    owner = MemberChoiceField(label=_("Owner"), queryset=agency_members([]))
    due_date = DateField(label=_("Due date"))

    def __init__(self, *args, review: ManagementReview, **kwargs):
        kwargs.setdefault("prefix", "decision")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = agency_members(review.agency)
