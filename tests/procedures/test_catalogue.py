"""The national catalogue of administrative procedures and what each agency declares it handles."""

import pytest
from django.urls import reverse

from procedures.models import AgencyProcedure
from tests.factories import AdministrativeProcedureFactory, AgencyProcedureFactory

pytestmark = pytest.mark.django_db


def test_catalogue_search_ignores_diacritics(client_as, staff_user):
    AdministrativeProcedureFactory(code="1.001193", name="Đăng ký khai sinh")
    AdministrativeProcedureFactory(code="1.000894", name="Chứng thực chữ ký")
    response = client_as(staff_user).get(reverse("procedures:procedure_list"), {"q": "dang ky khai sinh"})
    assert [p.code for p in response.context["page_obj"]] == ["1.001193"]


def test_secretary_declares_the_procedures_the_agency_handles(client_as, secretary, agency):
    kept = AdministrativeProcedureFactory(code="1.000001")
    dropped = AdministrativeProcedureFactory(code="1.000002")
    added = AdministrativeProcedureFactory(code="1.000003")
    AgencyProcedureFactory(agency=agency, procedure=kept)
    AgencyProcedureFactory(agency=agency, procedure=dropped)
    url = reverse("procedures:agency_procedures", args=[agency.pk])
    response = client_as(secretary).post(
        url, {"shown": [kept.pk, dropped.pk, added.pk], "handled": [kept.pk, added.pk]}
    )
    assert response.status_code == 302
    assert set(AgencyProcedure.objects.filter(agency=agency).values_list("procedure__code", flat=True)) == {
        "1.000001",
        "1.000003",
    }


def test_staff_see_the_declaration_but_cannot_change_it(client_as, staff_user, agency):
    procedure = AdministrativeProcedureFactory()
    url = reverse("procedures:agency_procedures", args=[agency.pk])
    client = client_as(staff_user)
    assert client.get(url).status_code == 200
    assert client.post(url, {"shown": [procedure.pk], "handled": [procedure.pk]}).status_code == 403
    assert not AgencyProcedure.objects.exists()


def test_another_agencys_declaration_is_not_found(client_as, secretary, other_agency):
    assert (
        client_as(secretary).get(reverse("procedures:agency_procedures", args=[other_agency.pk])).status_code
        == 404
    )


def test_procedure_detail_lists_only_agencies_in_scope(client_as, secretary, agency, other_agency):
    procedure = AdministrativeProcedureFactory()
    AgencyProcedureFactory(agency=agency, procedure=procedure)
    AgencyProcedureFactory(agency=other_agency, procedure=procedure)
    response = client_as(secretary).get(procedure.get_absolute_url())
    assert [h.agency for h in response.context["handlers"]] == [agency]
