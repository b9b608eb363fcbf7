"""Management reviews through HTTP: drafted by the secretary, finalized by the leader, decisions tracked as
Actions of source review_decision."""

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audits.models import Action, ManagementReview
from tests.factories import AgencyFactory, ManagementReviewFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)
Status = ManagementReview.Status


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def draft(agency, leader):
    return ManagementReviewFactory(
        agency=agency,
        held_on=datetime.date(2026, 11, 10),
        chair=leader,
        participants="Lãnh đạo UBND xã, Thư ký ISO",
        performance="98% hồ sơ giải quyết đúng hạn",
        output_changes="Cập nhật quy trình QT-07",
    )


def review_data(chair, **overrides) -> dict:
    return {
        "held_on": "10/11/2026",
        "chair": chair.pk,
        "participants": "Lãnh đạo UBND xã, Thư ký ISO, công chức một cửa",
        "previous_actions": "Các quyết định năm 2025 đã hoàn thành",
        "context_changes": "Sáp nhập đơn vị hành chính cấp xã từ 01/7/2025",
        "performance": "98% hồ sơ giải quyết đúng hạn; 2 điểm không phù hợp nhẹ",
        "resources": "Thiếu 01 công chức một cửa",
        "risks_opportunities": "",
        "improvement_opportunities": "Số hóa hồ sơ lưu",
        "output_improvements": "Triển khai số hóa hồ sơ lưu",
        "output_changes": "Cập nhật quy trình QT-07",
        "output_resources": "Bổ sung 01 công chức",
        **overrides,
    }


def snapshot(review: ManagementReview) -> tuple:
    review.refresh_from_db()
    return (review.status, review.held_on, review.participants, review.performance, review.output_changes)


# --- create and edit ------------------------------------------------------------------------------


def test_secretary_records_a_review_as_a_draft(client_as, secretary, leader, agency):
    response = client_as(secretary).post(reverse("audits:review_create"), review_data(leader))
    review = ManagementReview.objects.get()
    assert response.status_code == 302
    assert response.url == review.get_absolute_url()
    assert (review.agency, review.chair, review.status, review.created_by) == (
        agency,
        leader,
        Status.DRAFT,
        secretary,
    )
    assert review.held_on == datetime.date(2026, 11, 10)
    assert review.context_changes == "Sáp nhập đơn vị hành chính cấp xã từ 01/7/2025"
    assert review.output_resources == "Bổ sung 01 công chức"


def test_the_form_groups_inputs_and_outputs_under_their_clauses(client_as, secretary, leader, agency):
    response = client_as(secretary).get(reverse("audits:review_create"))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].initial["chair"] == leader
    inputs, outputs = html.index('id="inputs"'), html.index('id="outputs"')
    assert "9.3.2" in html[inputs:outputs]
    assert "9.3.3" in html[outputs:]
    assert html.index('name="performance"') in range(inputs, outputs)
    assert html.index('name="output_changes"') > outputs


def test_a_planned_review_may_be_dated_ahead(client_as, secretary, leader):
    response = client_as(secretary).post(
        reverse("audits:review_create"), review_data(leader, held_on="20/12/2026")
    )
    assert response.status_code == 302
    assert ManagementReview.objects.get().held_on == datetime.date(2026, 12, 20)


def test_the_chair_must_be_a_member_of_the_agency(client_as, secretary, other_leader):
    response = client_as(secretary).post(reverse("audits:review_create"), review_data(other_leader))
    assert response.status_code == 400
    assert "chair" in response.context["form"].errors
    assert not ManagementReview.objects.exists()


def test_a_refused_form_keeps_what_was_typed(client_as, secretary, leader):
    response = client_as(secretary).post(
        reverse("audits:review_create"), review_data(leader, held_on="31/02/2026")
    )
    assert response.status_code == 400
    assert "held_on" in response.context["form"].errors
    assert "98% hồ sơ giải quyết đúng hạn; 2 điểm không phù hợp nhẹ" in response.content.decode()
    assert not ManagementReview.objects.exists()


def test_staff_cannot_record_a_review(client_as, staff_user, leader):
    client = client_as(staff_user)
    assert client.get(reverse("audits:review_create")).status_code == 403
    assert client.post(reverse("audits:review_create"), review_data(leader)).status_code == 403
    assert not ManagementReview.objects.exists()


def test_a_user_of_several_agencies_chooses_the_agency(client_as, secretary, leader, agency, province):
    second = AgencyFactory(province=province, code="XHUNGDAO", name="UBND xã Hưng Đạo")
    MembershipFactory(user=secretary, agency=second, role="iso_secretary")
    client = client_as(secretary)
    assert set(client.get(reverse("audits:review_create")).context["form"].fields["agency"].queryset) == {
        agency,
        second,
    }
    response = client.post(reverse("audits:review_create"), review_data(leader, agency=second.pk))
    assert response.status_code == 400  # the leader is not a member of the second agency
    assert "chair" in response.context["form"].errors
    response = client.post(reverse("audits:review_create"), review_data(leader, agency=agency.pk))
    assert response.status_code == 302
    assert ManagementReview.objects.get().agency == agency


def test_creating_from_an_agency_outside_the_users_scope_is_404(client_as, secretary, leader, foreign_agency):
    url = f"{reverse('audits:review_create')}?agency={foreign_agency.pk}"
    assert client_as(secretary).post(url, review_data(leader)).status_code == 404
    assert not ManagementReview.objects.exists()


def test_secretary_edits_a_draft(client_as, secretary, leader, draft):
    response = client_as(secretary).post(
        reverse("audits:review_edit", args=[draft.pk]), review_data(leader, performance="99% đúng hạn")
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.performance == "99% đúng hạn"
    assert draft.history.first().history_user == secretary


def test_the_edit_form_shows_the_recorded_values(client_as, secretary, draft):
    response = client_as(secretary).get(reverse("audits:review_edit", args=[draft.pk]))
    assert response.status_code == 200
    assert 'value="10/11/2026"' in response.content.decode()
    assert "98% hồ sơ giải quyết đúng hạn" in response.content.decode()


def test_a_reviewer_reads_but_cannot_edit(client_as, reviewer, leader, draft):
    client = client_as(reviewer)
    before = snapshot(draft)
    assert client.get(draft.get_absolute_url()).status_code == 200
    assert client.post(reverse("audits:review_edit", args=[draft.pk]), review_data(leader)).status_code == 403
    assert snapshot(draft) == before


# --- finalize -------------------------------------------------------------------------------------


def test_leader_finalizes_a_held_review(client_as, leader, draft):
    response = client_as(leader).post(reverse("audits:review_finalize", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.finalized_by) == (Status.FINALIZED, leader)
    assert draft.finalized_at is not None


def test_secretary_cannot_finalize(client_as, secretary, draft):
    before = snapshot(draft)
    assert client_as(secretary).post(reverse("audits:review_finalize", args=[draft.pk])).status_code == 403
    assert snapshot(draft) == before
    assert draft.finalized_by is None


def test_finalize_is_post_only(client_as, leader, draft):
    assert client_as(leader).get(reverse("audits:review_finalize", args=[draft.pk])).status_code == 405
    assert snapshot(draft)[0] == Status.DRAFT


def test_a_review_planned_ahead_cannot_be_finalized_yet(client_as, leader, draft, settings):
    ManagementReview.objects.filter(pk=draft.pk).update(held_on=datetime.date(2026, 11, 22))
    client = client_as(leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("audits:review_finalize", args=[draft.pk]), follow=True)
    assert "The review is planned for 22/11/2026" in response.content.decode()
    assert snapshot(draft)[0] == Status.DRAFT


def test_a_review_held_today_can_be_finalized(client_as, leader, draft):
    ManagementReview.objects.filter(pk=draft.pk).update(held_on=TODAY)
    client_as(leader).post(reverse("audits:review_finalize", args=[draft.pk]))
    assert snapshot(draft)[0] == Status.FINALIZED


def test_finalizing_needs_an_input_and_an_output(client_as, leader, draft):
    ManagementReview.objects.filter(pk=draft.pk).update(performance="", output_changes="")
    client = client_as(leader)
    page = client.get(draft.get_absolute_url())
    assert len(page.context["finalize_problems"]) == 2
    client.post(reverse("audits:review_finalize", args=[draft.pk]))
    assert snapshot(draft)[0] == Status.DRAFT


def test_a_finalized_review_cannot_be_edited(client_as, leader, draft):
    ManagementReview.objects.filter(pk=draft.pk).update(status=Status.FINALIZED)
    before = snapshot(draft)
    client = client_as(leader)
    url = reverse("audits:review_edit", args=[draft.pk])
    assert client.get(url).url == draft.get_absolute_url()
    response = client.post(url, review_data(leader, performance="Sửa sau khi đã kết thúc"))
    assert (response.status_code, response.url) == (302, draft.get_absolute_url())
    assert snapshot(draft) == before
    page = client.get(draft.get_absolute_url())
    assert (page.context["can_edit"], page.context["can_finalize"], page.context["decision_form"]) == (
        False,
        False,
        None,
    )


def test_a_finalized_review_is_not_finalized_twice(client_as, leader, draft):
    client = client_as(leader)
    client.post(reverse("audits:review_finalize", args=[draft.pk]))
    first = ManagementReview.objects.get().finalized_at
    client.post(reverse("audits:review_finalize", args=[draft.pk]))
    assert ManagementReview.objects.get().finalized_at == first


# --- decisions ------------------------------------------------------------------------------------


def decision(client, review, **overrides):
    data = {"decision-title": "Bổ sung 01 công chức một cửa", "decision-due_date": "31/12/2026", **overrides}
    return client.post(reverse("audits:decision_create", args=[review.pk]), data)


def test_a_decision_becomes_an_action_of_the_review(client_as, secretary, staff_user, draft, agency):
    client = client_as(secretary)
    response = decision(client, draft, **{"decision-owner": staff_user.pk})
    assert (response.status_code, response.url) == (302, draft.get_absolute_url())
    action = Action.objects.get()
    assert (action.source, action.review, action.agency, action.finding) == (
        Action.Source.REVIEW_DECISION,
        draft,
        agency,
        None,
    )
    assert (action.title, action.owner, action.due_date, action.status) == (
        "Bổ sung 01 công chức một cửa",
        staff_user,
        datetime.date(2026, 12, 31),
        Action.Status.OPEN,
    )
    page = client.get(draft.get_absolute_url()).content.decode()
    assert f'href="{action.get_absolute_url()}"' in page
    assert f">{action.get_status_display()}<" in page


def test_an_overdue_decision_is_marked(client_as, secretary, staff_user, draft):
    Action.objects.create(
        agency=draft.agency,
        source=Action.Source.REVIEW_DECISION,
        review=draft,
        title="Đào tạo lại ISO",
        owner=staff_user,
        due_date=datetime.date(2026, 11, 20),
    )
    decisions = client_as(secretary).get(draft.get_absolute_url()).context["decisions"]
    assert [d.overdue for d in decisions] == [True]


def test_a_decision_owner_must_be_a_member_of_the_agency(client_as, secretary, other_leader, draft):
    response = decision(client_as(secretary), draft, **{"decision-owner": other_leader.pk})
    assert response.status_code == 400
    assert "owner" in response.context["decision_form"].errors
    assert not Action.objects.exists()


def test_a_decision_is_not_due_before_the_review(client_as, secretary, staff_user, draft):
    response = decision(
        client_as(secretary), draft, **{"decision-owner": staff_user.pk, "decision-due_date": "01/11/2026"}
    )
    assert response.status_code == 400
    assert "due_date" in response.context["decision_form"].errors
    assert 'value="Bổ sung 01 công chức một cửa"' in response.content.decode()
    assert not Action.objects.exists()


def test_staff_cannot_add_a_decision(client_as, staff_user, draft):
    assert decision(client_as(staff_user), draft, **{"decision-owner": staff_user.pk}).status_code == 403
    assert not Action.objects.exists()


def test_a_finalized_review_takes_no_more_decisions(client_as, secretary, staff_user, draft):
    ManagementReview.objects.filter(pk=draft.pk).update(status=Status.FINALIZED)
    response = decision(client_as(secretary), draft, **{"decision-owner": staff_user.pk})
    assert response.status_code == 302
    assert not Action.objects.exists()


# --- scope ----------------------------------------------------------------------------------------


def test_another_agencys_review_is_404(client_as, other_leader, leader, staff_user, draft):
    client = client_as(other_leader)
    before = snapshot(draft)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("audits:review_edit", args=[draft.pk])).status_code == 404
    assert client.post(reverse("audits:review_edit", args=[draft.pk]), review_data(leader)).status_code == 404
    assert client.post(reverse("audits:review_finalize", args=[draft.pk])).status_code == 404
    assert decision(client, draft, **{"decision-owner": staff_user.pk}).status_code == 404
    assert snapshot(draft) == before
    assert not Action.objects.exists()


def test_a_reviewer_of_another_province_gets_404(client_as, foreign_reviewer, draft):
    assert client_as(foreign_reviewer).get(draft.get_absolute_url()).status_code == 404


def test_anonymous_is_sent_to_login(client, draft):
    for url in (reverse("audits:review_list"), reverse("audits:review_create"), draft.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


# --- list -----------------------------------------------------------------------------------------


@pytest.fixture
def reviews(agency, other_agency, foreign_agency):
    return {
        "a2026": ManagementReviewFactory(
            agency=agency, held_on=datetime.date(2026, 3, 1), status="finalized"
        ),
        "a2025": ManagementReviewFactory(
            agency=agency, held_on=datetime.date(2025, 3, 1), status="finalized"
        ),
        "b2026": ManagementReviewFactory(agency=other_agency, held_on=datetime.date(2026, 12, 20)),
        "foreign": ManagementReviewFactory(agency=foreign_agency, held_on=datetime.date(2026, 4, 1)),
    }


def listed(client, **params) -> list:
    return list(client.get(reverse("audits:review_list"), params).context["page_obj"])


def test_the_list_holds_the_reviews_the_user_may_see(client_as, secretary, reviewer, reviews):
    assert listed(client_as(secretary)) == [reviews["a2026"], reviews["a2025"]]
    assert listed(client_as(reviewer)) == [reviews["b2026"], reviews["a2026"], reviews["a2025"]]


def test_the_list_filters_by_agency_year_and_status(client_as, reviewer, agency, reviews):
    client = client_as(reviewer)
    assert listed(client, agency=agency.pk) == [reviews["a2026"], reviews["a2025"]]
    assert listed(client, year=2026) == [reviews["b2026"], reviews["a2026"]]
    assert listed(client, status="draft") == [reviews["b2026"]]
    assert listed(client, year=2026, status="finalized") == [reviews["a2026"]]
    assert listed(client, q="long hung") == [reviews["b2026"]]
    assert listed(client, q="thu ky iso") == []
    reviews["a2025"].participants = "Thư ký ISO"
    reviews["a2025"].save()
    assert listed(client, q="thu ky iso") == [reviews["a2025"]]
    assert listed(client, sort="date") == [reviews["a2025"], reviews["a2026"], reviews["b2026"]]


def test_an_empty_list_says_so(client_as, reviewer, reviews):
    response = client_as(reviewer).get(reverse("audits:review_list"), {"year": 2020})
    assert response.context["page_obj"].paginator.count == 0
    assert 'class="alert alert-light border"' in response.content.decode()


def test_the_export_follows_the_filters(client_as, reviewer, agency, leader, reviews):
    ManagementReview.objects.filter(pk=reviews["a2026"].pk).update(chair=leader)
    Action.objects.create(
        agency=agency,
        source=Action.Source.REVIEW_DECISION,
        review=reviews["a2026"],
        title="Số hóa hồ sơ",
        due_date=datetime.date(2026, 6, 1),
    )
    response = client_as(reviewer).get(reverse("audits:review_list"), {"agency": agency.pk, "export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3
    assert rows[1][0] == "UBND xã Tiến Dũng"
    assert rows[1][1].date() == datetime.date(2026, 3, 1)
    assert rows[1][2] == (leader.get_full_name() or leader.username)
    assert rows[1][6:] == (1, 1)
    assert rows[2][1].date() == datetime.date(2025, 3, 1)


@pytest.mark.parametrize("size", [3, 30])
def test_list_query_count_does_not_grow_with_reviews(
    client_as, reviewer, province, django_assert_num_queries, size
):
    for _ in range(size):
        chair = UserFactory()
        review = ManagementReviewFactory(agency=AgencyFactory(province=province), chair=chair)
        Action.objects.create(
            agency=review.agency,
            source=Action.Source.REVIEW_DECISION,
            review=review,
            title="Quyết định",
            due_date=datetime.date(2026, 12, 31),
        )
    client = client_as(reviewer)
    # Expect 6 queries: session, user, memberships (grants), agencies for the filter, count, and the
    # page of reviews with agency, chair and decision counts.
    with django_assert_num_queries(6):
        response = client.get(reverse("audits:review_list"))
    assert len(response.context["page_obj"]) == min(size, 25)
