"""Form pieces shared by every app."""

from django import forms
from django.utils.translation import gettext_lazy as _

# dd/mm/yyyy whatever the browser's locale: a native date input shows mm/dd/yyyy on the English
# systems many offices run, which invites swapped days and months.
DATE_FORMAT = "%d/%m/%Y"
DATE_INPUT_FORMATS = [DATE_FORMAT, "%Y-%m-%d"]


class DateInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__(
            attrs={
                "placeholder": "dd/mm/yyyy",
                "inputmode": "numeric",
                "autocomplete": "off",
                **(attrs or {}),
            }
        )
        self.format = DATE_FORMAT

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return value.strftime(DATE_FORMAT)
        return super().format_value(value)


class DateField(forms.DateField):
    widget = DateInput
    default_error_messages = {"invalid": _("Enter a date as dd/mm/yyyy.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATE_INPUT_FORMATS)
        super().__init__(**kwargs)
