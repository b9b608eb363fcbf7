from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import FrameworkModel, Process


class FrameworkForm(forms.ModelForm):
    class Meta:
        model = FrameworkModel
        fields = ["province", "name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, provinces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces
        if len(provinces) == 1:
            self.fields["province"].initial = provinces[0]


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Process
        fields = ["code", "title", "kind", "procedure"]


class AdoptForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Into agency"), queryset=None)
    code = forms.CharField(label=_("Process code in the agency"), max_length=30)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        if len(agencies) == 1:
            self.fields["agency"].initial = agencies[0]
