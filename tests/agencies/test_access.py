"""The access rules of DESIGN §3 as users meet them through URLs."""

import pytest
from django.urls import reverse

from agencies.access import Action, agencies_for, can
from agencies.models import StatusChange
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

DECLARATION = {
    "status": "declared",
    "changed_on": "2024-05-10",
    "iso_version": "2015",
    "decision_number": "88/QĐ-UBND",
    "decision_date": "2024-05-08",
    "scope": "Toàn bộ thủ tục hành chính",
    "note": "",
}


def detail(agency):
    return reverse("agencies:detail", args=[agency.pk])


def status_new(agency):
    return reverse("agencies:status_create", args=[agency.pk])


def test_anonymous_is_sent_to_login(client, agency):
    response = client.get(detail(agency))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_secretary_gets_404_on_another_agencys_detail_and_edit_pages(client_as, secretary, other_agency):
    client = client_as(secretary)
    assert client.get(detail(other_agency)).status_code == 404
    assert client.get(status_new(other_agency)).status_code == 404
    assert client.post(status_new(other_agency), DECLARATION).status_code == 404
    assert not StatusChange.objects.exists()


def test_secretary_sees_own_agency_but_not_others_in_the_list(client_as, secretary, agency, other_agency):
    response = client_as(secretary).get(reverse("agencies:list"))
    assert list(response.context["page_obj"]) == [agency]


def test_reviewer_sees_every_agency_of_the_province_and_nothing_of_another(
    client_as, reviewer, agency, other_agency, foreign_agency
):
    client = client_as(reviewer)
    listed = set(client.get(reverse("agencies:list")).context["page_obj"])
    assert listed == {agency, other_agency}
    assert client.get(detail(other_agency)).status_code == 200
    assert client.get(detail(foreign_agency)).status_code == 404
    assert client.get(status_new(foreign_agency)).status_code == 404


def test_staff_cannot_record_a_declaration(client_as, staff_user, agency):
    client = client_as(staff_user)
    assert client.get(detail(agency)).status_code == 200
    assert client.get(status_new(agency)).status_code == 403
    assert client.post(status_new(agency), DECLARATION).status_code == 403
    assert not StatusChange.objects.exists()


def test_secretary_cannot_record_a_declaration(client_as, secretary, agency):
    assert client_as(secretary).post(status_new(agency), DECLARATION).status_code == 403
    assert not StatusChange.objects.exists()


def test_leader_records_a_declaration_of_own_agency(client_as, leader, agency):
    response = client_as(leader).post(status_new(agency), DECLARATION)
    assert response.status_code == 302
    change = StatusChange.objects.get()
    assert (change.agency, change.status, change.decision_number, change.recorded_by) == (
        agency,
        "declared",
        "88/QĐ-UBND",
        leader,
    )


def test_leader_of_another_agency_gets_404(client_as, other_leader, agency):
    assert client_as(other_leader).post(status_new(agency), DECLARATION).status_code == 404
    assert not StatusChange.objects.exists()


def test_reviewer_records_a_status_change_in_the_province(client_as, reviewer, other_agency):
    response = client_as(reviewer).post(status_new(other_agency), DECLARATION)
    assert response.status_code == 302
    assert StatusChange.objects.get().agency == other_agency


def test_national_viewer_reads_every_province_but_records_nothing(
    client_as, national_viewer, agency, foreign_agency
):
    client = client_as(national_viewer)
    assert client.get(detail(foreign_agency)).status_code == 200
    assert client.post(status_new(agency), DECLARATION).status_code == 403
    assert not StatusChange.objects.exists()


def test_successor_members_read_a_merged_agency_but_cannot_change_it(client_as, secretary, leader, agency):
    merged = AgencyFactory(province=agency.province, name="UBND xã Cũ", merged_into=agency)
    assert client_as(secretary).get(detail(merged)).status_code == 200
    assert client_as(leader).post(status_new(merged), DECLARATION).status_code == 403
    assert not StatusChange.objects.exists()


def test_user_without_membership_sees_no_agency(client_as, agency):
    from tests.factories import UserFactory

    client = client_as(UserFactory(username="nobody"))
    assert client.get(detail(agency)).status_code == 404
    response = client.get(reverse("home"))
    assert not response.context["memberships"]
    assert not response.context["province_summaries"]
    assert 'class="alert alert-info"' in response.content.decode()


def test_only_reviewers_open_the_import(client_as, secretary, leader, reviewer):
    assert client_as(secretary).get(reverse("agencies:import")).status_code == 403
    assert client_as(leader).get(reverse("agencies:import")).status_code == 403
    assert client_as(reviewer).get(reverse("agencies:import")).status_code == 200


def test_export_holds_only_agencies_in_scope(client_as, secretary, agency, other_agency):
    from io import BytesIO

    from openpyxl import load_workbook

    response = client_as(secretary).get(reverse("agencies:export"))
    sheet = load_workbook(BytesIO(response.content)).active
    codes = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == [agency.code]


def test_rules_agree_between_queryset_and_single_check(
    secretary, reviewer, agency, other_agency, foreign_agency
):
    """`agencies_for` and `can` are two views of one rule; they must never disagree."""
    for user in (secretary, reviewer):
        for action in Action:
            allowed = set(agencies_for(user, action))
            for candidate in (agency, other_agency, foreign_agency):
                assert can(user, action, candidate) == (candidate in allowed), (user, action, candidate)
