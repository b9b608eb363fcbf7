from django import forms
from django.utils.translation import gettext_lazy as _


class ImportForm(forms.Form):
    """One spreadsheet to import; the file's content is checked when it is read."""

    file = forms.FileField(
        label=_("Spreadsheet (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )

    def __init__(self, *args, csv_allowed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.extensions = (".xlsx", ".csv") if csv_allowed else (".xlsx",)
        if csv_allowed:
            self.fields["file"].label = _("Spreadsheet (.xlsx) or CSV file (UTF-8)")
            self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith(self.extensions):
            if len(self.extensions) > 1:
                raise forms.ValidationError(_("Upload an .xlsx spreadsheet or a .csv file."))
            raise forms.ValidationError(_("Upload an .xlsx spreadsheet."))
        return uploaded
