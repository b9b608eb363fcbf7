import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from qms_portal.forms import DateField
from qms_portal.text import fold

from ..legal_selectors import document_by_number
from ..models import LegalDocument
from ..services.legal import CHANGES


def _field(name: str):
    return LegalDocument._meta.get_field(name)


class LegalDocumentForm(forms.Form):
    """Identity and dates of a document; the service checks uniqueness and the order of the dates."""

    number = forms.CharField(
        label=_field("number").verbose_name,
        max_length=_field("number").max_length,
        help_text=_("As printed on the document, e.g. 61/2018/NĐ-CP."),
    )
    title = forms.CharField(
        label=_field("title").verbose_name,
        max_length=_field("title").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    issuer = forms.CharField(
        label=_field("issuer").verbose_name,
        max_length=_field("issuer").max_length,
        required=False,
        help_text=_("e.g. Chính phủ, Thủ tướng Chính phủ, Bộ Tư pháp, UBND tỉnh."),
    )
    issued_on = DateField(label=_field("issued_on").verbose_name, required=False)
    effective_on = DateField(label=_field("effective_on").verbose_name, required=False)
    expires_on = DateField(
        label=_field("expires_on").verbose_name,
        required=False,
        help_text=_("Only when the document itself sets an end date."),
    )

    @classmethod
    def initial_for(cls, document: LegalDocument) -> dict:
        return {name: getattr(document, name) for name in cls.base_fields}


class LegalChangeForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Change"),
        choices=[(status.value, status.label) for status in CHANGES],
    )
    effective_on = DateField(label=_("Takes effect on"))
    replaced_by = forms.CharField(
        label=_("Replaced by"),
        max_length=_field("number").max_length,
        required=False,
        help_text=_("For a replacement: the number of the new document. Add it to the list first."),
    )

    def clean_replaced_by(self) -> LegalDocument | None:
        number = self.cleaned_data["replaced_by"].strip()
        if not number:
            return None
        document = document_by_number(number)
        if document is None:
            raise forms.ValidationError(
                _("No legal document numbered %(number)s is in the portal; add it first."),
                params={"number": number},
            )
        return document


class FlagNoChangeForm(forms.Form):
    note = forms.CharField(
        label=_("Why no change is needed"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LegalDocumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=LegalDocument.Status.choices, empty_label=_("All statuses")
    )
    issuer = django_filters.ChoiceFilter(label=_("Issuer"), choices=[], empty_label=_("All issuers"))
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("issued_on", "issued"),
            ("effective_on", "effective"),
            ("number", "number"),
            ("status_effective_on", "changed"),
        ),
        field_labels={
            "issued_on": _("Date issued"),
            "effective_on": _("Date in force"),
            "number": _("Number"),
            "status_effective_on": _("Date of the latest change"),
        },
        empty_label=None,
    )

    class Meta:
        model = LegalDocument
        fields = ["q", "status", "issuer"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        issuers = (
            LegalDocument.objects.exclude(issuer="")
            .order_by("issuer")
            .values_list("issuer", flat=True)
            .distinct()
        )
        self.filters["issuer"].extra["choices"] = [(issuer, issuer) for issuer in issuers]

    def filter_search(self, queryset, name, value):
        return queryset.filter(search_text__contains=fold(value))
