"""Recording a QMS status change or declaration: validation, and what the agency page shows."""

import pytest
from django.urls import reverse

from agencies.models import StatusChange
from tests.factories import StatusChangeFactory

pytestmark = pytest.mark.django_db


def post(client, agency, **overrides):
    data = {
        "status": "declared",
        "changed_on": "2026-11-20",
        "iso_version": "2015",
        "decision_number": "125/QĐ-UBND",
        "decision_date": "2026-11-18",
        "scope": "Toàn bộ thủ tục hành chính thuộc thẩm quyền",
        "note": "",
        **overrides,
    }
    return client.post(reverse("agencies:status_create", args=[agency.pk]), data)


@pytest.fixture
def today(monkeypatch):
    import datetime

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: datetime.date(2026, 11, 21))


def test_declaration_without_decision_number_and_date_is_refused(client_as, leader, agency, today):
    response = post(client_as(leader), agency, decision_number="", decision_date="")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "decision_number" in errors and "decision_date" in errors
    assert not StatusChange.objects.exists()


def test_refused_form_keeps_what_was_typed(client_as, leader, agency, today):
    response = post(client_as(leader), agency, decision_number="", scope="Phạm vi đã gõ")
    assert response.status_code == 400
    assert "Phạm vi đã gõ" in response.content.decode()


def test_dates_in_the_future_are_refused(client_as, leader, agency, today):
    response = post(client_as(leader), agency, changed_on="2026-11-22", decision_date="2026-11-25")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "changed_on" in errors and "decision_date" in errors
    assert not StatusChange.objects.exists()


def test_decision_cannot_postdate_the_declaration(client_as, leader, agency, today):
    response = post(client_as(leader), agency, changed_on="2026-11-01", decision_date="2026-11-10")
    assert response.status_code == 400
    assert "decision_date" in response.context["form"].errors


def test_a_plain_status_change_needs_no_decision(client_as, leader, agency, today):
    response = post(
        client_as(leader), agency, status="building", decision_number="", decision_date="", iso_version=""
    )
    assert response.status_code == 302
    assert StatusChange.objects.get().status == "building"


def test_recorded_declaration_becomes_the_current_status_on_the_agency_page(client_as, leader, agency, today):
    StatusChangeFactory(agency=agency, status="applied", changed_on="2025-01-02")
    client = client_as(leader)
    response = post(client, agency)
    assert response.status_code == 302
    page = client.get(reverse("agencies:detail", args=[agency.pk]))
    assert page.context["history"][0].status == "declared"
    html = page.content.decode()
    assert "125/QĐ-UBND" in html
    assert "18/11/2026" in html


def test_dates_are_typed_and_shown_as_day_month_year(client_as, leader, agency, today):
    client = client_as(leader)
    form_html = client.get(reverse("agencies:status_create", args=[agency.pk])).content.decode()
    assert 'value="21/11/2026"' in form_html
    response = post(client, agency, changed_on="05/11/2026", decision_date="03/11/2026")
    assert response.status_code == 302
    change = StatusChange.objects.get()
    assert (change.changed_on.day, change.changed_on.month, change.decision_date.day) == (5, 11, 3)


def test_a_month_first_date_is_refused_not_misread(client_as, leader, agency, today):
    response = post(client_as(leader), agency, changed_on="11/25/2026")
    assert response.status_code == 400
    assert "changed_on" in response.context["form"].errors
