"""Logging in and out, changing the password, and the home page each role lands on."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, DeclarationFactory

pytestmark = pytest.mark.django_db


def test_login_with_the_right_password_lands_on_home(client, secretary):
    response = client.post(reverse("login"), {"username": "thuky", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_login_with_a_wrong_password_is_refused_with_a_message(client, secretary):
    response = client.post(reverse("login"), {"username": "thuky", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(client_as, secretary):
    client = client_as(secretary)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_password_change(client_as, secretary):
    client = client_as(secretary)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Hưng-Yên-2026!", "new_password2": "Hưng-Yên-2026!"},
    )
    assert response.status_code == 302
    secretary.refresh_from_db()
    assert secretary.check_password("Hưng-Yên-2026!")


def test_home_shows_own_agency_and_its_current_status(client_as, secretary, agency, other_agency):
    DeclarationFactory(agency=agency, changed_on="2023-04-05")
    html = client_as(secretary).get(reverse("home")).content.decode()
    assert "UBND xã Tiến Dũng" in html
    assert "status-declared" in html
    assert "05/04/2023" in html
    assert "UBND xã Long Hưng" not in html


def test_home_of_a_reviewer_counts_the_province_by_status(
    client_as, reviewer, agency, other_agency, foreign_agency
):
    DeclarationFactory(agency=agency)
    response = client_as(reviewer).get(reverse("home"))
    (summary,) = response.context["province_summaries"]
    counts = {status: count for status, count in summary["by_status"]}
    assert summary["total"] == 2
    assert counts["declared"] == 1 and counts["not_started"] == 1


def test_navigation_offers_the_import_only_to_reviewers(client_as, secretary, reviewer):
    import_url = reverse("agencies:import")
    assert import_url not in client_as(secretary).get(reverse("home")).content.decode()
    assert import_url in client_as(reviewer).get(reverse("home")).content.decode()
