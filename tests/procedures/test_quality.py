"""Quality policy and quality objectives of an agency, year by year: writing, approving, scoring figures."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from procedures.models import QualityObjective, QualityPolicy
from procedures.quality_selectors import objectives_summary, policy_approved
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 21)
NOW = datetime.datetime(2026, 11, 21, 2, 30, tzinfo=datetime.UTC)  # 09:30 in Hà Nội


@pytest.fixture(autouse=True)
def frozen_time(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def login(client_as):
    """A logged-in client reading the portal in English, so assertions can quote the page."""

    def as_user(user):
        client = client_as(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_user


def make_policy(
    agency, year=2026, text="Phục vụ nhân dân tận tình, đúng hẹn.", approved_by=None, approved=False
):
    return QualityPolicy.objects.create(
        agency=agency,
        year=year,
        text=text,
        approved_by=approved_by,
        approved_at=NOW if approved or approved_by else None,
    )


def make_objective(agency, year=2026, met=None, achieved="", objective="Giải quyết hồ sơ đúng hạn"):
    return QualityObjective.objects.create(
        agency=agency,
        year=year,
        objective=objective,
        indicator="Tỷ lệ hồ sơ đúng hạn",
        target="≥ 98%",
        achieved=achieved,
        met=met,
    )


def overview(client, agency, **params):
    return client.get(reverse("procedures:quality", args=[agency.pk]), params)


def post_policy(client, agency, text, year=2026):
    return client.post(reverse("procedures:policy_edit", args=[agency.pk, year]), {"text": text})


def approve(client, policy):
    return client.post(reverse("procedures:policy_approve", args=[policy.pk]))


def objective_data(**overrides):
    return {
        "year": "2026",
        "objective": "Giải quyết hồ sơ đúng và trước hạn",
        "indicator": "Tỷ lệ hồ sơ giải quyết đúng hạn",
        "target": "≥ 98%",
        "achieved": "",
        "met": "",
        **overrides,
    }


def post_objective(client, agency, url_year=2026, **overrides):
    url = reverse("procedures:objective_create", args=[agency.pk, url_year])
    return client.post(url, objective_data(**overrides))


# Writing and approving the policy


def test_secretary_writes_the_policy_and_it_awaits_approval(login, secretary, agency):
    client = login(secretary)
    response = post_policy(client, agency, "  Phục vụ nhân dân\r\ntận tình, đúng hẹn.  ")
    assert response.status_code == 302
    assert response["Location"] == reverse("procedures:quality", args=[agency.pk]) + "?year=2026"
    policy = QualityPolicy.objects.get()
    assert (policy.agency, policy.year, policy.text) == (
        agency,
        2026,
        "Phục vụ nhân dân\ntận tình, đúng hẹn.",
    )
    assert (policy.approved_by, policy.approved_at) == (None, None)
    html = overview(client, agency).content.decode()
    assert "Awaiting the agency leader's approval." in html
    assert policy.history.get().history_user == secretary


def test_the_policy_edit_form_shows_the_current_text(login, secretary, agency):
    make_policy(agency, text="Chính sách hiện hành")
    response = login(secretary).get(reverse("procedures:policy_edit", args=[agency.pk, 2026]))
    assert response.status_code == 200
    assert response.context["form"].initial == {"text": "Chính sách hiện hành"}


def test_an_empty_policy_text_is_refused(login, secretary, agency):
    response = post_policy(login(secretary), agency, "   ")
    assert response.status_code == 400
    assert response.context["form"].errors == {"text": ["This field is required."]}
    assert not QualityPolicy.objects.exists()


def test_leader_approves_the_policy(login, leader, agency):
    leader.first_name, leader.last_name = "An", "Nguyễn Văn"
    leader.save()
    policy = make_policy(agency)
    client = login(leader)
    response = approve(client, policy)
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.approved_by, policy.approved_at) == (leader, NOW)
    page = overview(client, agency)
    assert "Approved by An Nguyễn Văn on 21/11/2026." in page.content.decode()
    assert b"Approve the policy" not in page.content


def test_secretary_cannot_approve_the_policy(login, secretary, agency):
    policy = make_policy(agency)
    response = approve(login(secretary), policy)
    assert response.status_code == 403
    policy.refresh_from_db()
    assert (policy.approved_by, policy.approved_at) == (None, None)
    assert policy.history.count() == 1


def test_the_approve_button_is_shown_to_the_leader_only(login, secretary, leader, agency):
    make_policy(agency)
    assert b"Approve the policy" in overview(login(leader), agency).content
    assert b"Approve the policy" not in overview(login(secretary), agency).content


def test_approving_needs_a_post(login, leader, agency):
    policy = make_policy(agency)
    assert login(leader).get(reverse("procedures:policy_approve", args=[policy.pk])).status_code == 405
    policy.refresh_from_db()
    assert policy.approved_at is None


def test_an_empty_policy_cannot_be_approved(login, leader, agency):
    policy = make_policy(agency, text="")
    client = login(leader)
    response = approve(client, policy)
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.approved_at is None
    assert "An empty quality policy cannot be approved." in client.get(response["Location"]).content.decode()


def test_an_approved_policy_cannot_be_approved_again(login, leader, agency):
    policy = make_policy(agency, approved_by=leader)
    response = approve(login(leader), policy)
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.approved_by == leader
    assert policy.history.count() == 1


def test_editing_an_approved_policy_withdraws_the_approval(login, secretary, leader, agency):
    leader.first_name, leader.last_name = "Bình", "Trần Văn"
    leader.save()
    policy = make_policy(agency, text="Bản đã phê duyệt")
    approve(login(leader), policy)
    client = login(secretary)
    form_page = client.get(reverse("procedures:policy_edit", args=[agency.pk, 2026])).content.decode()
    assert 'id="approved-warning"' in form_page
    response = post_policy(client, agency, "Bản sửa đổi")
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.text, policy.approved_by, policy.approved_at) == ("Bản sửa đổi", None, None)
    latest, approved, written = policy.history.order_by("-history_id")
    assert (latest.text, latest.approved_at, latest.history_change_reason) == (
        "Bản sửa đổi",
        None,
        "Approval withdrawn: the text changed",
    )
    assert (approved.text, approved.approved_by_id, approved.approved_at) == (
        "Bản đã phê duyệt",
        leader.pk,
        NOW,
    )
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "the agency leader must approve the new text." in html
    assert 'id="approval-withdrawn"' in html
    assert "by Thu Nguyễn Thị after Bình Trần Văn had approved it on 21/11/2026" in html
    assert page.context["history"].withdrawn.by == secretary


def test_approving_again_clears_the_withdrawal_notice(login, secretary, leader, agency):
    policy = make_policy(agency, text="Bản đầu", approved_by=leader)
    post_policy(login(secretary), agency, "Bản hai")
    approve(login(leader), policy)
    page = overview(login(secretary), agency)
    assert page.context["history"].withdrawn is None
    assert [version.event for version in page.context["history"].versions] == [
        "approved",
        "approval_withdrawn",
        "approved",
    ]


def test_saving_the_same_text_keeps_the_approval(login, secretary, leader, agency):
    policy = make_policy(agency, text="Dòng một\nDòng hai", approved_by=leader)
    response = post_policy(login(secretary), agency, "Dòng một\r\nDòng hai\r\n")
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.approved_by == leader
    assert policy.history.count() == 1


def test_policy_of_a_year_out_of_range_is_not_found(login, secretary, agency):
    client = login(secretary)
    assert client.get(reverse("procedures:policy_edit", args=[agency.pk, 1999])).status_code == 404
    assert post_policy(client, agency, "Văn bản", year=2028).status_code == 404
    assert not QualityPolicy.objects.exists()


# Objectives


def test_secretary_adds_an_objective(login, secretary, agency):
    response = post_objective(login(secretary), agency)
    assert response.status_code == 302
    assert response["Location"] == reverse("procedures:quality", args=[agency.pk]) + "?year=2026"
    objective = QualityObjective.objects.get()
    assert (objective.agency, objective.year, objective.objective, objective.target, objective.met) == (
        agency,
        2026,
        "Giải quyết hồ sơ đúng và trước hạn",
        "≥ 98%",
        None,
    )


def test_the_new_objective_form_proposes_the_year_of_the_page(login, secretary, agency):
    response = login(secretary).get(reverse("procedures:objective_create", args=[agency.pk, 2027]))
    assert response.status_code == 200
    assert response.context["form"]["year"].value() == 2027


def test_objective_errors_are_shown_by_field_and_keep_what_was_typed(login, secretary, agency):
    response = post_objective(
        login(secretary), agency, objective="Mục tiêu đã gõ", indicator="", target="", met="yes"
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "indicator": ["This field is required."],
        "target": ["This field is required."],
        "met": ["Enter the achieved value before saying whether the objective was met."],
    }
    assert "Mục tiêu đã gõ" in response.content.decode()
    assert not QualityObjective.objects.exists()


def test_an_objective_needs_its_text(login, secretary, agency):
    response = post_objective(login(secretary), agency, objective="")
    assert response.status_code == 400
    assert response.context["form"].errors == {"objective": ["This field is required."]}


def test_met_can_only_be_set_with_an_achieved_value(login, secretary, agency):
    client = login(secretary)
    refused = post_objective(client, agency, met="no")
    assert refused.status_code == 400
    assert list(refused.context["form"].errors) == ["met"]
    assert not QualityObjective.objects.exists()
    accepted = post_objective(client, agency, achieved="96,5%", met="no")
    assert accepted.status_code == 302
    assert QualityObjective.objects.values_list("achieved", "met").get() == ("96,5%", False)


@pytest.mark.parametrize(
    ("year", "accepted"), [("1999", False), ("2000", True), ("2027", True), ("2028", False)]
)
def test_objective_year_runs_from_2000_to_next_year(login, secretary, agency, year, accepted):
    response = post_objective(login(secretary), agency, year=year)
    if accepted:
        assert response.status_code == 302
        assert QualityObjective.objects.get().year == int(year)
    else:
        assert response.status_code == 400
        assert response.context["form"].errors == {"year": ["Enter a year between 2000 and 2027."]}
        assert not QualityObjective.objects.exists()


def test_secretary_records_the_result_of_an_objective(login, secretary, agency):
    objective = make_objective(agency)
    client = login(secretary)
    url = reverse("procedures:objective_update", args=[objective.pk])
    assert client.get(url).context["form"].initial["met"] == ""
    response = client.post(url, objective_data(achieved="99%", met="yes"))
    assert response.status_code == 302
    objective.refresh_from_db()
    assert (objective.achieved, objective.met) == ("99%", True)
    assert client.get(url).context["form"].initial["met"] == "yes"
    assert objective.history.latest().history_user == secretary


def test_the_page_counts_the_objectives_met(login, staff_user, agency):
    make_objective(agency, achieved="99%", met=True)
    make_objective(agency, achieved="90%", met=False)
    make_objective(agency)
    make_objective(agency, year=2025, achieved="99%", met=True)
    page = overview(login(staff_user), agency)
    assert page.context["summary"] == (3, 1)
    html = page.content.decode()
    assert "1 of 3 objectives met" in html
    assert html.count("Not yet evaluated") == 1


def test_an_empty_year_says_so(login, secretary, agency):
    html = overview(login(secretary), agency).content.decode()
    assert "No quality policy has been written for 2026." in html
    assert "No quality objectives have been set for 2026." in html


# Who may do what


def test_staff_reads_the_page_without_edit_links(login, staff_user, agency):
    make_policy(agency)
    objective = make_objective(agency)
    response = overview(login(staff_user), agency)
    assert response.status_code == 200
    assert (response.context["can_edit"], response.context["can_approve"]) == (False, False)
    html = response.content.decode()
    assert reverse("procedures:policy_edit", args=[agency.pk, 2026]) not in html
    assert reverse("procedures:objective_update", args=[objective.pk]) not in html


def test_staff_cannot_edit_the_policy(login, staff_user, agency):
    policy = make_policy(agency, text="Bản gốc")
    client = login(staff_user)
    assert client.get(reverse("procedures:policy_edit", args=[agency.pk, 2026])).status_code == 403
    assert post_policy(client, agency, "Sửa trái phép").status_code == 403
    policy.refresh_from_db()
    assert policy.text == "Bản gốc"


def test_staff_cannot_add_or_change_objectives(login, staff_user, agency):
    objective = make_objective(agency)
    client = login(staff_user)
    assert post_objective(client, agency).status_code == 403
    url = reverse("procedures:objective_update", args=[objective.pk])
    assert client.post(url, objective_data(achieved="99%", met="yes")).status_code == 403
    objective.refresh_from_db()
    assert (QualityObjective.objects.count(), objective.met) == (1, None)


def test_provincial_reviewer_reads_but_does_not_edit(login, reviewer, agency):
    policy = make_policy(agency)
    client = login(reviewer)
    assert overview(client, agency).status_code == 200
    assert post_policy(client, agency, "Sửa").status_code == 403
    assert approve(client, policy).status_code == 403
    policy.refresh_from_db()
    assert (policy.text, policy.approved_at) == ("Phục vụ nhân dân tận tình, đúng hẹn.", None)


@pytest.mark.parametrize("outsider", ["other_leader", "foreign_reviewer"])
def test_outsiders_get_not_found(login, request, agency, outsider):
    policy = make_policy(agency)
    objective = make_objective(agency)
    client = login(request.getfixturevalue(outsider))
    assert overview(client, agency).status_code == 404
    assert client.get(reverse("procedures:policy_edit", args=[agency.pk, 2026])).status_code == 404
    assert approve(client, policy).status_code == 404
    assert post_objective(client, agency).status_code == 404
    url = reverse("procedures:objective_update", args=[objective.pk])
    assert client.post(url, objective_data(achieved="1%", met="no")).status_code == 404
    policy.refresh_from_db()
    objective.refresh_from_db()
    assert (policy.approved_at, objective.met, QualityObjective.objects.count()) == (None, None, 1)


def test_anonymous_visitors_are_sent_to_login(client, agency):
    response = client.get(reverse("procedures:quality", args=[agency.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Year switcher


def test_year_switcher_lists_years_with_data_and_the_current_year(login, secretary, agency, other_agency):
    make_policy(agency, year=2024)
    make_objective(agency, year=2022)
    make_objective(agency, year=2024)
    make_objective(other_agency, year=2019)
    response = overview(login(secretary), agency)
    assert response.context["years"] == [2026, 2024, 2022]
    assert response.context["year"] == 2026
    assert response.context["next_year"] == 2027


def test_year_switcher_opens_the_chosen_year(login, staff_user, agency):
    make_policy(agency, year=2024, text="Chính sách 2024")
    make_policy(agency, year=2026, text="Chính sách 2026")
    response = overview(login(staff_user), agency, year="2024")
    assert (response.context["year"], response.context["policy"].text) == (2024, "Chính sách 2024")
    assert response.context["next_year"] is None
    assert 'href="?year=2024" aria-current="page"' in response.content.decode()


@pytest.mark.parametrize("year", ["abc", "1990", "2031"])
def test_an_unusable_year_falls_back_to_the_current_year(login, staff_user, agency, year):
    assert overview(login(staff_user), agency, year=year).context["year"] == 2026


@pytest.mark.parametrize("size", [2, 20])
def test_the_page_query_count_does_not_grow_with_objectives(
    login, leader, agency, django_assert_num_queries, size
):
    policy = make_policy(agency)
    for number in range(size):
        make_objective(agency, met=bool(number % 2), achieved="50%")
    post_policy(login(leader), agency, "Bản sửa")  # a second history version
    client = login(leader)
    # Expect 10 queries: session, user, memberships (grants), merged predecessors, the agency,
    # the policy, years (one union), policy history, objectives, objectives summary.
    with django_assert_num_queries(10):
        response = overview(client, agency)
    assert response.status_code == 200
    assert response.context["policy"] == policy


# Selectors used by scoring


@pytest.fixture
def hand_built(province, agency, other_agency):
    """2026: agency has 3 objectives (2 met) and an approved policy; other_agency 1 objective, not met,
    and a policy awaiting approval. 2025 the other way round. A third agency has nothing."""
    make_objective(agency, achieved="99%", met=True)
    make_objective(agency, achieved="98%", met=True)
    make_objective(agency, achieved="50%", met=False)
    make_objective(agency, year=2025, achieved="99%", met=True)
    make_objective(other_agency, achieved="10%", met=False)
    make_policy(agency, approved=True)
    make_policy(agency, year=2025)
    make_policy(other_agency)
    make_policy(other_agency, year=2025, approved=True)
    empty = AgencyFactory(province=province)
    return agency, other_agency, empty


def test_objectives_summary_counts_defined_and_met_per_agency(hand_built, django_assert_num_queries):
    agency, other_agency, empty = hand_built
    with django_assert_num_queries(1):
        summary = objectives_summary([agency, other_agency, empty], 2026)
    assert summary == {agency.pk: (3, 2), other_agency.pk: (1, 0), empty.pk: (0, 0)}
    assert objectives_summary([agency.pk], 2025) == {agency.pk: (1, 1)}


def test_policy_approved_lists_agencies_with_an_approved_policy_for_the_year(hand_built):
    agency, other_agency, empty = hand_built
    assert policy_approved([agency, other_agency, empty], 2026) == {agency.pk}
    assert policy_approved([agency, other_agency, empty], 2025) == {other_agency.pk}


@pytest.mark.parametrize("size", [3, 30])
def test_selectors_take_one_query_each_whatever_the_number_of_agencies(
    province, django_assert_num_queries, size
):
    agencies = AgencyFactory.create_batch(size, province=province)
    for agency in agencies:
        make_objective(agency, achieved="99%", met=True)
        make_objective(agency)
        make_policy(agency)
    queryset = province.agencies.all()
    # Expect 1 query: agencies left-joined to their objectives of the year, grouped by agency.
    with django_assert_num_queries(1):
        summary = objectives_summary(queryset, 2026)
    # Expect 1 query: the approved policies of the year among those agencies.
    with django_assert_num_queries(1):
        approved = policy_approved(queryset, 2026)
    assert summary == {agency.pk: (2, 1) for agency in agencies}
    assert approved == set()
