from django import forms
from django.utils.translation import gettext_lazy as _

from qms_portal.forms import DateField

from .models import Province, StatusChange


class StatusChangeForm(forms.ModelForm):
    class Meta:
        model = StatusChange
        fields = ["status", "changed_on", "iso_version", "decision_number", "decision_date", "scope", "note"]
        field_classes = {"changed_on": DateField, "decision_date": DateField}
        widgets = {
            "scope": forms.Textarea(attrs={"rows": 3}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "decision_number": _("Required for a declaration, e.g. 125/QĐ-UBND."),
            "scope": _("The activities and administrative procedures the QMS covers."),
        }


class AgencyImportForm(forms.Form):
    province = forms.ModelChoiceField(label=_("Province"), queryset=Province.objects.none())
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces
        if len(provinces) == 1:
            self.fields["province"].initial = provinces[0]

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an .xlsx spreadsheet."))
        return uploaded
