from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from qms_portal.forms import DateField
from qms_portal.uploads import validate_document

from ..models import Activity
from ..services.activities import activity_problems


class ActivityForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    held_on = DateField(label=_("Date"))
    topic = forms.CharField(label=_("Topic"), max_length=Activity._meta.get_field("topic").max_length)
    participants = forms.CharField(
        label=_("Participants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who attended: names, positions or units."),
    )
    participant_count = forms.IntegerField(label=_("Number of participants"), required=False, min_value=1)
    file = forms.FileField(
        label=_("Minutes or attendance sheet"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,.docx,.xlsx"}),
        help_text=_("PDF, Word (.docx) or Excel (.xlsx)."),
    )
    remove_file = forms.BooleanField(label=_("Remove the current file"), required=False)

    def __init__(self, *args, agencies=None, agency: Agency | None = None, has_file: bool = False, **kwargs):
        """Either one `agency` (edit, or create from an agency's page) or the `agencies` to choose from."""
        super().__init__(*args, **kwargs)
        if agency is not None:
            del self.fields["agency"]
        else:
            self.fields["agency"].queryset = agencies
        if has_file:
            self.fields["file"].help_text = _("Choose a file only to replace the current one.")
        else:
            del self.fields["remove_file"]

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if uploaded:
            validate_document(uploaded)
        return uploaded

    def clean(self):
        cleaned = super().clean()
        problems = activity_problems(
            held_on=cleaned.get("held_on"), participant_count=cleaned.get("participant_count")
        )
        for field, message in problems.items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned
