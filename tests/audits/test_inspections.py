"""Provincial inspections: the reviewer's annual plan, the decisions, and what the agencies see."""

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from agencies.models import Agency
from audits.checklists import INSPECTION_CHECKLIST
from audits.models import Action, Audit, ChecklistLine, Clause, InspectionPlan
from audits.services.inspections import PlanEntry, add_months, inspection_plan_create
from tests.factories import (
    ActionFactory,
    AgencyFactory,
    AuditFactory,
    ClauseFactory,
    FindingFactory,
    InspectionPlanFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 2)
ON_SITE, DOCUMENTS = Audit.Method.ON_SITE, Audit.Method.DOCUMENTS


@pytest.fixture(autouse=True)
def english(client, settings):
    """Messages are asserted word for word, in the source language the user can also choose."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    return TODAY


@pytest.fixture
def communes(province, agency, other_agency):
    return [agency, other_agency, AgencyFactory(province=province, code="XANHOA", name="UBND xã An Hòa")]


def plan_body(methods: dict, year="2026", title="", start="01/06/2026", end="05/06/2026", **rows) -> dict:
    """The plan form's POST body: `methods` maps each agency to tick to its method."""
    body = {"start": start, "end": end}
    if year is not None:
        body |= {"year": year, "title": title}
    for agency, method in methods.items():
        body |= {f"agency-{agency.pk}-selected": "on", f"agency-{agency.pk}-method": method}
    return body | rows


def create_plan(client, methods: dict, **fields):
    return client.post(reverse("audits:plan_create"), plan_body(methods, **fields))


def plan_of(province, entries, year=2026, user=None) -> InspectionPlan:
    start, end = datetime.date(year, 6, 1), datetime.date(year, 6, 5)
    return inspection_plan_create(
        province=province,
        year=year,
        title="",
        entries=[PlanEntry(agency, method, start, end) for agency, method in entries],
        acting_user=user,
    )


# --- planning --------------------------------------------------------------------------------------


def test_reviewer_plans_three_agencies_in_one_step(client_as, reviewer, province, communes):
    a, b, c = communes
    response = create_plan(client_as(reviewer), {a: ON_SITE, b: DOCUMENTS, c: DOCUMENTS})
    plan = InspectionPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("audits:plan_detail", args=[plan.pk])
    assert (plan.province, plan.year, plan.title, plan.created_by) == (
        province,
        2026,
        "Kế hoạch kiểm tra việc áp dụng HTQLCL năm 2026",
        reviewer,
    )
    inspections = Audit.objects.order_by("agency__name")
    assert [(i.agency.name, i.kind, i.method, i.status, i.plan_id) for i in inspections] == [
        ("UBND xã An Hòa", "inspection", DOCUMENTS, "planned", plan.pk),
        ("UBND xã Long Hưng", "inspection", DOCUMENTS, "planned", plan.pk),
        ("UBND xã Tiến Dũng", "inspection", ON_SITE, "planned", plan.pk),
    ]
    assert inspections[2].title == "Kiểm tra việc áp dụng HTQLCL năm 2026 — UBND xã Tiến Dũng"
    assert {(i.planned_start, i.planned_end) for i in inspections} == {
        (datetime.date(2026, 6, 1), datetime.date(2026, 6, 5))
    }


def test_each_inspection_gets_the_inspection_checklist_linked_to_clauses(client_as, reviewer, communes):
    ClauseFactory(number="4.3", title_vi="Xác định phạm vi của hệ thống quản lý chất lượng")
    ClauseFactory(number="9.2", title_vi="Đánh giá nội bộ")
    Clause.objects.filter(standard="2015", number="8.2").delete()  # a clause not loaded stays empty
    create_plan(client_as(reviewer), {communes[0]: ON_SITE, communes[1]: DOCUMENTS})
    for inspection in Audit.objects.all():
        lines = list(inspection.checklist.select_related("clause"))
        assert [line.requirement for line in lines] == [point.requirement for point in INSPECTION_CHECKLIST]
        assert [line.order for line in lines] == list(range(1, len(INSPECTION_CHECKLIST) + 1))
        assert {line.result for line in lines} == {ChecklistLine.Result.NOT_CHECKED}
        loaded = set(Clause.objects.filter(standard="2015").values_list("number", flat=True))
        assert [line.clause and line.clause.number for line in lines] == [
            point.clause if point.clause in loaded else None for point in INSPECTION_CHECKLIST
        ]
        assert lines[0].clause.number == "4.3"
        assert lines[8].requirement.startswith("Đánh giá nội bộ")
        assert lines[8].clause.number == "9.2"
        assert lines[10].requirement.startswith("Phản ánh, kiến nghị, khiếu nại")
        assert lines[10].clause is None
        assert lines[13].requirement.startswith("HTQLCL được công bố phù hợp")
        assert lines[13].clause is None
    assert len(INSPECTION_CHECKLIST) == 17


def test_a_row_may_carry_its_own_dates(client_as, reviewer, communes):
    a, b, _ = communes
    body = plan_body({a: ON_SITE, b: DOCUMENTS}, **{f"agency-{a.pk}-start": "10/09/2026"})
    client_as(reviewer).post(reverse("audits:plan_create"), body)
    assert Audit.objects.get(agency=a).planned_start == datetime.date(2026, 9, 10)
    # A row that only moves the start ends the day it starts when that is after the plan's end.
    assert Audit.objects.get(agency=a).planned_end == datetime.date(2026, 9, 10)
    assert Audit.objects.get(agency=b).planned_start == datetime.date(2026, 6, 1)


def test_exactly_one_third_on_site_is_enough(client_as, reviewer, communes):
    a, b, c = communes
    client = client_as(reviewer)
    response = create_plan(client, {a: ON_SITE, b: DOCUMENTS, c: DOCUMENTS})
    page = client.get(response["Location"]).content.decode()
    assert 'id="on-site-warning"' not in page
    assert "1 on site (at least 1 required)" in page


def test_fewer_than_one_third_on_site_warns_but_plans(client_as, reviewer, province, communes):
    fourth = AgencyFactory(province=province, name="UBND phường Hiến Nam")
    a, b, c = communes
    client = client_as(reviewer)
    response = create_plan(client, {a: ON_SITE, b: DOCUMENTS, c: DOCUMENTS, fourth: DOCUMENTS})
    assert response.status_code == 302
    assert Audit.objects.count() == 4
    page = client.get(response["Location"]).content.decode()
    assert 'id="on-site-warning"' in page
    assert "1 of 4 on site: at least 2 are required." in page


def test_none_on_site_warns_with_one_required(client_as, reviewer, communes):
    client = client_as(reviewer)
    response = create_plan(client, {communes[0]: DOCUMENTS, communes[1]: DOCUMENTS})
    assert "0 of 2 on site: at least 1 is required." in client.get(response["Location"]).content.decode()


def test_the_form_shows_the_warning_when_it_comes_back_after_submit(client_as, reviewer, communes):
    response = create_plan(client_as(reviewer), {communes[0]: DOCUMENTS, communes[1]: DOCUMENTS}, end="")
    page = response.content.decode()
    assert response.status_code == 400
    assert "0 of 2 on site: at least 1 is required." in page
    assert "This field is required." in page
    ticked = [row for row in response.context["rows"] if row.is_chosen]
    assert {row.agency for row in ticked} == set(communes[:2])
    assert all(" checked" in str(row["selected"]) for row in ticked)
    assert not InspectionPlan.objects.exists()


def test_one_plan_per_province_per_year(client_as, reviewer, province, communes):
    existing = InspectionPlanFactory(province=province, year=2026)
    response = create_plan(client_as(reviewer), {communes[0]: ON_SITE})
    assert response.status_code == 400
    assert "Tỉnh Hưng Yên already has an inspection plan for 2026" in response.content.decode()
    assert list(InspectionPlan.objects.all()) == [existing]
    assert not Audit.objects.exists()


def test_another_year_gets_its_own_plan(client_as, reviewer, province, communes):
    InspectionPlanFactory(province=province, year=2025)
    response = create_plan(
        client_as(reviewer), {communes[0]: ON_SITE}, year="2027", start="01/03/2027", end="02/03/2027"
    )
    assert response.status_code == 302
    assert sorted(InspectionPlan.objects.values_list("year", flat=True)) == [2025, 2027]


def test_planned_dates_fall_in_the_plan_year(client_as, reviewer, communes):
    response = create_plan(client_as(reviewer), {communes[0]: ON_SITE}, start="01/12/2025", end="02/12/2025")
    assert response.status_code == 400
    assert "UBND xã Tiến Dũng: the planned dates must fall in 2026." in response.content.decode()
    assert not InspectionPlan.objects.exists()


def test_nothing_ticked_is_refused(client_as, reviewer, communes):
    response = create_plan(client_as(reviewer), {})
    assert response.status_code == 400
    assert "Choose at least one agency to inspect." in response.content.decode()
    assert not InspectionPlan.objects.exists()


def test_agencies_of_another_province_or_closed_cannot_be_planned(
    client_as, reviewer, province, foreign_agency
):
    closed = AgencyFactory(province=province, active_until=datetime.date(2025, 6, 30))
    client = client_as(reviewer)
    form = client.get(reverse("audits:plan_create"))
    assert [row.agency for row in form.context["rows"]] == []
    response = create_plan(client, {foreign_agency: ON_SITE, closed: ON_SITE})
    assert response.status_code == 400
    assert not Audit.objects.exists()


def test_the_form_lists_the_agencies_by_level_and_search(client_as, reviewer, province, agency):
    AgencyFactory(province=province, name="Sở Tư pháp", level=Agency.Level.DEPARTMENT)
    AgencyFactory(province=province, name="Sở Y tế", level=Agency.Level.DEPARTMENT)
    client = client_as(reviewer)

    def names(**filters) -> list[str]:
        return [row.agency.name for row in client.get(reverse("audits:plan_create"), filters).context["rows"]]

    assert names(level="department") == ["Sở Tư pháp", "Sở Y tế"]
    assert names(q="tien dung") == ["UBND xã Tiến Dũng"]


def test_a_ticked_agency_is_planned_even_when_the_filter_hides_it(client_as, reviewer, province, agency):
    department = AgencyFactory(province=province, name="Sở Tư pháp", level=Agency.Level.DEPARTMENT)
    url = reverse("audits:plan_create") + "?level=department"
    client_as(reviewer).post(url, plan_body({agency: ON_SITE, department: DOCUMENTS}))
    assert set(Audit.objects.values_list("agency__name", flat=True)) == {"UBND xã Tiến Dũng", "Sở Tư pháp"}


def test_reviewer_adds_agencies_to_the_plan_later(client_as, reviewer, province, communes):
    a, b, c = communes
    plan = plan_of(province, [(a, ON_SITE)])
    client = client_as(reviewer)
    url = reverse("audits:plan_create") + f"?plan={plan.pk}"
    offered = client.get(url).context["rows"]
    assert [row.agency for row in offered] == [c, b]
    response = client.post(url, plan_body({b: DOCUMENTS, c: DOCUMENTS}, year=None))
    assert response.status_code == 302
    assert response["Location"] == plan.get_absolute_url()
    assert plan.inspections.count() == 3
    assert c.audits.get().checklist.count() == len(INSPECTION_CHECKLIST)


def test_an_agency_already_in_the_plan_is_not_planned_twice(client_as, reviewer, province, communes):
    plan = plan_of(province, [(communes[0], ON_SITE)])
    url = reverse("audits:plan_create") + f"?plan={plan.pk}"
    response = client_as(reviewer).post(url, plan_body({communes[0]: DOCUMENTS}, year=None))
    assert response.status_code == 400
    assert plan.inspections.count() == 1


def test_secretary_cannot_plan(client_as, secretary, communes):
    client = client_as(secretary)
    assert client.get(reverse("audits:plan_create")).status_code == 403
    assert create_plan(client, {communes[0]: ON_SITE}).status_code == 403
    assert not InspectionPlan.objects.exists()


def test_national_viewer_reads_plans_but_cannot_plan(client_as, national_viewer, province, communes):
    plan = plan_of(province, [(communes[0], ON_SITE)])
    client = client_as(national_viewer)
    assert client.get(plan.get_absolute_url()).status_code == 200
    assert client.get(reverse("audits:plan_create")).status_code == 403
    add = client.post(reverse("audits:plan_create") + f"?plan={plan.pk}", plan_body({communes[1]: ON_SITE}))
    assert add.status_code == 403
    assert plan.inspections.count() == 1


def test_reviewer_of_another_province_cannot_see_the_plan(client_as, foreign_reviewer, province, communes):
    plan = plan_of(province, [(communes[0], ON_SITE)])
    inspection = plan.inspections.get()
    client = client_as(foreign_reviewer)
    assert client.get(plan.get_absolute_url()).status_code == 404
    assert client.get(reverse("audits:plan_export", args=[plan.pk])).status_code == 404
    assert client.get(reverse("audits:plan_create") + f"?plan={plan.pk}").status_code == 404
    assert client.get(reverse("audits:inspection_decision", args=[inspection.pk])).status_code == 404
    assert client.get(reverse("audits:plan_list")).context["page_obj"].paginator.count == 0


def test_anonymous_is_sent_to_login(client, province, communes):
    plan = plan_of(province, [(communes[0], ON_SITE)])
    for url in (reverse("audits:plan_list"), plan.get_absolute_url(), reverse("audits:plan_create")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- the plan's pages ------------------------------------------------------------------------------


def test_plan_page_shows_each_agency_with_decision_status_findings_and_open_ncs(
    client_as, reviewer, province, communes
):
    a, b, _ = communes
    plan = plan_of(province, [(a, ON_SITE), (b, DOCUMENTS)])
    first = plan.inspections.get(agency=a)
    Audit.objects.filter(pk=first.pk).update(
        decision_number="12/QĐ-SKHCN", decision_date=datetime.date(2026, 2, 20), status="reported"
    )
    ActionFactory(finding=FindingFactory(audit=first))
    ActionFactory(finding=FindingFactory(audit=first), status=Action.Status.CLOSED)
    FindingFactory(audit=first, grade="observation")
    response = client_as(reviewer).get(plan.get_absolute_url())
    counts = {i.agency: (i.findings_count, i.open_nonconformities) for i in response.context["page_obj"]}
    assert counts == {a: (3, 1), b: (0, 0)}
    totals = response.context["totals"]
    assert (totals["total"], totals["on_site"], totals["decided"], totals["reported"], totals["planned"]) == (
        2,
        1,
        1,
        1,
        1,
    )
    assert (totals["findings"], totals["open_nonconformities"]) == (3, 1)
    page = response.content.decode()
    assert "12/QĐ-SKHCN" in page
    assert "20/02/2026" in page
    assert reverse("audits:audit_pdf", args=[first.pk]) in page
    assert reverse("audits:inspection_decision", args=[first.pk]) in page


def test_plan_page_filters_by_method_and_search(client_as, reviewer, province, communes):
    a, b, c = communes
    plan = plan_of(province, [(a, ON_SITE), (b, DOCUMENTS), (c, DOCUMENTS)])
    client = client_as(reviewer)
    on_site = client.get(plan.get_absolute_url(), {"method": "on_site"}).context["page_obj"]
    assert [i.agency for i in on_site] == [a]
    found = client.get(plan.get_absolute_url(), {"q": "long hung"}).context["page_obj"]
    assert [i.agency for i in found] == [b]


@pytest.mark.parametrize("size", [3, 30])
def test_plan_page_query_count_does_not_grow_with_agencies(
    client_as, reviewer, province, django_assert_num_queries, size
):
    agencies = AgencyFactory.create_batch(size, province=province)
    plan = plan_of(province, [(agency, ON_SITE) for agency in agencies])
    for inspection in plan.inspections.all()[:3]:
        ActionFactory(finding=FindingFactory(audit=inspection))
    client = client_as(reviewer)
    # Expect 8 queries: session, user, memberships (grants), the plan with province and author, the plan's
    # totals, the findings' totals, count, and the page of inspections with agency and finding/NC counts.
    with django_assert_num_queries(8):
        response = client.get(plan.get_absolute_url())
    assert len(response.context["page_obj"]) == min(size, 25)


def test_plan_export_lists_the_inspections_as_filtered(client_as, reviewer, province, communes):
    a, b, _ = communes
    plan = plan_of(province, [(a, ON_SITE), (b, DOCUMENTS)])
    Audit.objects.filter(agency=a).update(decision_number="12/QĐ", decision_date=datetime.date(2026, 2, 20))
    response = client_as(reviewer).get(reverse("audits:plan_export", args=[plan.pk]), {"method": "on_site"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == "UBND xã Tiến Dũng"
    assert (rows[1][5], rows[1][6].date()) == ("12/QĐ", datetime.date(2026, 2, 20))


def test_plan_list_shows_the_reviewer_province_plans(client_as, reviewer, province, other_province, communes):
    mine = plan_of(province, [(communes[0], DOCUMENTS), (communes[1], DOCUMENTS)])
    InspectionPlanFactory(province=other_province, year=2026)
    response = client_as(reviewer).get(reverse("audits:plan_list"))
    plans = list(response.context["page_obj"])
    assert plans == [mine]
    assert (plans[0].agency_count, plans[0].on_site_count) == (2, 0)
    assert "below one third" in response.content.decode()


@pytest.mark.parametrize("size", [2, 12])
def test_plan_list_query_count_does_not_grow_with_plans(
    client_as, reviewer, province, agency, django_assert_num_queries, size
):
    for year in range(2027 - size, 2027):
        plan_of(province, [(agency, ON_SITE)], year=year)
    client = client_as(reviewer)
    # Expect 6 queries: session, user, memberships (grants), the provinces for the filter, count, and the
    # page of plans with province and their agency, on-site, decision and closed counts.
    with django_assert_num_queries(6):
        response = client.get(reverse("audits:plan_list"))
    assert len(response.context["page_obj"]) == size


def test_plan_list_search_finds_a_plan_by_an_agency_inspected(client_as, reviewer, province, communes):
    plan = plan_of(province, [(communes[0], DOCUMENTS)])
    plan_of(province, [(communes[1], DOCUMENTS)], year=2025)
    response = client_as(reviewer).get(reverse("audits:plan_list"), {"q": "tien dung"})
    assert list(response.context["page_obj"]) == [plan]


def test_agency_users_are_pointed_to_their_audits(client_as, secretary, province, communes):
    plan_of(province, [(communes[0], DOCUMENTS)])
    response = client_as(secretary).get(reverse("audits:plan_list"))
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 0
    assert reverse("audits:audit_list") in response.content.decode()


# --- the inspection decision -----------------------------------------------------------------------


@pytest.fixture
def inspection(province, agency):
    return plan_of(province, [(agency, ON_SITE)]).inspections.get()


def test_reviewer_records_the_inspection_decision(client_as, reviewer, inspection):
    url = reverse("audits:inspection_decision", args=[inspection.pk])
    client = client_as(reviewer)
    assert client.get(url).status_code == 200
    response = client.post(url, {"decision_number": " 35/QĐ-SKHCN ", "decision_date": "02/03/2026"})
    assert response.status_code == 302
    assert response["Location"] == inspection.plan.get_absolute_url()
    inspection.refresh_from_db()
    assert (inspection.decision_number, inspection.decision_date) == ("35/QĐ-SKHCN", TODAY)
    assert inspection.history.latest().history_user == reviewer


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"decision_number": "35/QĐ", "decision_date": "03/03/2026"}, "The date cannot be in the future."),
        ({"decision_number": "", "decision_date": "02/03/2026"}, "This field is required."),
    ],
)
def test_decision_needs_a_number_and_a_date_not_in_the_future(client_as, reviewer, inspection, body, message):
    response = client_as(reviewer).post(reverse("audits:inspection_decision", args=[inspection.pk]), body)
    assert response.status_code == 400
    assert message in response.content.decode()
    inspection.refresh_from_db()
    assert (inspection.decision_number, inspection.decision_date) == ("", None)


def test_secretary_cannot_record_the_decision(client_as, secretary, inspection):
    url = reverse("audits:inspection_decision", args=[inspection.pk])
    response = client_as(secretary).post(url, {"decision_number": "1/QĐ", "decision_date": "01/03/2026"})
    assert response.status_code == 403
    inspection.refresh_from_db()
    assert inspection.decision_number == ""


def test_an_internal_audit_has_no_inspection_decision(client_as, reviewer, agency):
    internal = AuditFactory(agency=agency)
    response = client_as(reviewer).get(reverse("audits:inspection_decision", args=[internal.pk]))
    assert response.status_code == 404


# --- findings and what the agency sees -------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "due"),
    [
        (datetime.date(2026, 6, 5), datetime.date(2026, 8, 5)),
        (datetime.date(2026, 12, 31), datetime.date(2027, 2, 28)),
        (datetime.date(2027, 12, 31), datetime.date(2028, 2, 29)),
    ],
)
def test_two_months_are_counted_in_calendar_months(end, due):
    assert add_months(end, 2) == due


def test_an_inspection_finding_becomes_an_action_due_two_months_after_the_inspection(
    client_as, reviewer, inspection, agency, today, monkeypatch
):
    from audits.services.audits import audit_start

    Audit.objects.filter(pk=inspection.pk).update(
        planned_start=datetime.date(2026, 2, 23), planned_end=datetime.date(2026, 2, 27)
    )
    inspection.refresh_from_db()
    audit_start(audit=inspection, actual_start=datetime.date(2026, 2, 24), acting_user=reviewer)
    client = client_as(reviewer)
    url = reverse("audits:finding_create", args=[inspection.pk])
    offered = client.get(url).context["form"]["due_date"].value()
    response = client.post(
        url,
        {
            "grade": "minor",
            "description": "Chưa niêm yết công bố HTQLCL tại trụ sở",
            "evidence": "Quan sát tại bộ phận một cửa",
            "due_date": offered.strftime("%d/%m/%Y") if offered else "",
        },
    )
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.agency, action.source, action.due_date) == (
        agency,
        Action.Source.NONCONFORMITY,
        datetime.date(2026, 4, 27),
    )
    assert action.finding.audit == inspection


def test_agency_secretary_reads_the_inspection_but_cannot_edit_it(client_as, secretary, inspection):
    client = client_as(secretary)
    assert client.get(inspection.get_absolute_url()).status_code == 200
    title = inspection.title
    response = client.post(reverse("audits:audit_edit", args=[inspection.pk]), {"title": "Sửa"})
    assert response.status_code == 403
    assert client.post(reverse("audits:checklist_edit", args=[inspection.pk]), {}).status_code == 403
    inspection.refresh_from_db()
    assert inspection.title == title
    assert inspection.checklist.count() == len(INSPECTION_CHECKLIST)
