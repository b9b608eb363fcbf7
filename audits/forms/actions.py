"""One form per step of an action, and the evidence upload."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from agencies.models import AGENCY_ROLES
from qms_portal.concurrency import VersionedFormMixin
from qms_portal.forms import DateField
from qms_portal.uploads import validate_document

from ..models import Action, Evidence
from ..services import actions as service


def _text(label, required_message, *, rows: int = 4, required: bool = True, help_text: str = ""):
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required_message} if required_message else {},
        help_text=help_text,
    )


class StepForm(VersionedFormMixin, forms.Form):
    step = ""

    def __init__(self, *args, action: Action, user, **kwargs):
        self.action, self.user = action, user
        super().__init__(*args, version=action.version, **kwargs)


class AnalyseForm(StepForm):
    step = service.ANALYSE
    correction = _text(
        _("Correction"),
        None,
        rows=3,
        required=False,
        help_text=_("What was done at once to fix the nonconformity itself, if anything."),
    )
    root_cause = _text(_("Root cause"), service.ROOT_CAUSE_REQUIRED)


class PlanForm(StepForm):
    step = service.PLAN
    action_plan = _text(
        _("Action"),
        service.ACTION_PLAN_REQUIRED,
        help_text=_("What will be done so that it does not happen again, by whom."),
    )
    due_date = DateField(label=_("Due date"))
    due_date_reason = forms.CharField(
        label=_("Reason for a new due date"),
        # The history keeps "old date → new date: reason" in a change reason of at most 100 characters.
        max_length=60,
        required=False,
        help_text=_("Only when the due date changes."),
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=get_user_model().objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_date"].initial = self.action.due_date
        if not self.is_bound:
            self.initial.setdefault("action_plan", self.action.action_plan)
        if service.action_may_assign(self.user, self.action):
            self.fields["owner"].queryset = (
                get_user_model()
                .objects.filter(
                    memberships__agency_id=self.action.agency_id, memberships__role__in=AGENCY_ROLES
                )
                .distinct()
                .order_by("last_name", "first_name", "username")
            )
            self.fields["owner"].initial = self.action.owner_id
            self.fields["owner"].label_from_instance = _person
        else:
            del self.fields["owner"]


class ImplementForm(StepForm):
    step = service.IMPLEMENT
    implementation_note = _text(_("What was done"), service.IMPLEMENTATION_REQUIRED)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # After a verification found it not effective, start from what was reported last time.
        if not self.is_bound:
            self.initial.setdefault("implementation_note", self.action.implementation_note)


class VerifyForm(StepForm):
    step = service.VERIFY
    effective = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("yes", _("Effective")), ("no", _("Not effective: plan the action again"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the action was effective.")},
    )
    note = _text(_("Reason"), service.VERIFICATION_NOTE_REQUIRED, rows=3)


class CloseForm(StepForm):
    step = service.CLOSE
    effectiveness_note = _text(_("Effectiveness evaluation"), service.EFFECTIVENESS_REQUIRED)


def _person(user) -> str:
    # Namesakes are common: the user name tells two Nguyễn Thị Thu apart.
    name = user.get_full_name()
    return f"{name} ({user.username})" if name else user.username


STEP_FORMS: dict[str, type[StepForm]] = {
    form.step: form for form in (AnalyseForm, PlanForm, ImplementForm, VerifyForm, CloseForm)
}


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, Word (.docx) or Excel (.xlsx)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.xlsx"}),
    )
    description = forms.CharField(
        label=_("Description"), max_length=Evidence._meta.get_field("description").max_length, required=False
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        validate_document(uploaded)
        return uploaded
