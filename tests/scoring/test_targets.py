"""Provincial targets: each measure on hand-built data as of a date, progress, projection and status, and
the pages through HTTP (list, set, change, remove, form errors, who may do what)."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from agencies.models import Agency, QmsStatus, StatusChange
from audits.models import Audit, ManagementReview
from scoring import targets
from scoring.models import Target
from tests.factories import (
    AdministrativeProcedureFactory,
    AgencyFactory,
    AgencyProcedureFactory,
    AuditFactory,
    DeclarationFactory,
    InForceRevisionFactory,
    ManagementReviewFactory,
    ProcessFactory,
    StatusChangeFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)
Measure = Target.Measure
Level = Agency.Level


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def login(client_as):
    def as_user(user):
        client = client_as(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return as_user


@pytest.fixture
def communes(province, agency, other_agency, foreign_agency):
    """Four communes in operation: declared (2015) in March 2026; declared (2008) in 2019; applied in
    February 2026; building. Also a department declared (2015) in December 2025, a commune closed in 2025
    that had declared, and a declared commune of another province — neither counts."""
    third = AgencyFactory(province=province, name="UBND xã Ba")
    fourth = AgencyFactory(province=province, name="UBND xã Bốn")
    department = AgencyFactory(province=province, name="Sở Tư pháp", level=Level.DEPARTMENT)
    closed = AgencyFactory(province=province, name="UBND xã Cũ", active_until=datetime.date(2025, 6, 30))
    StatusChangeFactory(agency=agency, status=QmsStatus.BUILDING, changed_on=datetime.date(2025, 5, 1))
    DeclarationFactory(agency=agency, changed_on=datetime.date(2026, 3, 1))
    DeclarationFactory(
        agency=other_agency,
        changed_on=datetime.date(2019, 5, 1),
        iso_version=StatusChange.IsoVersion.ISO_2008,
    )
    StatusChangeFactory(agency=third, status=QmsStatus.BUILDING, changed_on=datetime.date(2025, 1, 10))
    StatusChangeFactory(agency=third, status=QmsStatus.APPLIED, changed_on=datetime.date(2026, 2, 1))
    StatusChangeFactory(agency=fourth, status=QmsStatus.BUILDING, changed_on=datetime.date(2025, 9, 1))
    DeclarationFactory(agency=department, changed_on=datetime.date(2025, 12, 1))
    DeclarationFactory(agency=closed, changed_on=datetime.date(2020, 1, 1))
    DeclarationFactory(agency=foreign_agency, changed_on=datetime.date(2020, 1, 1))
    return [agency, other_agency, third, fourth]


def share(province, measure, *, level="", on=TODAY) -> tuple[str, int, int]:
    found = targets.measure(province, measure, level=level, on=on)
    return str(found.value), found.numerator, found.denominator


# --- measures ----------------------------------------------------------------------------------------------


def test_declared_counts_the_latest_status_on_the_date(province, communes):
    assert share(province, Measure.DECLARED, level=Level.COMMUNE) == ("50.00", 2, 4)
    assert share(province, Measure.DECLARED, level=Level.COMMUNE, on=datetime.date(2026, 1, 1)) == (
        "25.00",
        1,
        4,
    )
    assert share(province, Measure.DECLARED) == ("60.00", 3, 5)


def test_declared_2015_needs_the_2015_version(province, communes):
    assert share(province, Measure.DECLARED_2015, level=Level.COMMUNE) == ("25.00", 1, 4)


def test_applied_includes_declared_agencies(province, communes):
    assert share(province, Measure.APPLIED, level=Level.COMMUNE) == ("75.00", 3, 4)
    assert share(province, Measure.APPLIED, level=Level.COMMUNE, on=datetime.date(2026, 1, 31)) == (
        "25.00",
        1,
        4,
    )


def test_agencies_not_operating_on_the_date_are_not_counted(province, communes):
    """The commune closed on 30/06/2025 counts on 01/01/2025, not after."""
    assert share(province, Measure.DECLARED, level=Level.COMMUNE, on=datetime.date(2025, 1, 1)) == (
        "40.00",
        2,
        5,
    )


def test_full_coverage_counts_agencies_with_every_procedure_in_a_process_in_force(
    province, agency, other_agency
):
    for covered, handled in ((agency, 2), (other_agency, 2)):
        for index in range(handled):
            procedure = AdministrativeProcedureFactory()
            AgencyProcedureFactory(agency=covered, procedure=procedure)
            if covered == agency or index == 0:
                InForceRevisionFactory(process=ProcessFactory(agency=covered, procedure=procedure))
    AgencyFactory(province=province, name="UBND xã Không Thủ Tục")  # handles nothing: not full coverage

    assert share(province, Measure.FULL_COVERAGE) == ("33.33", 1, 3)


def test_internal_audit_and_management_review_count_the_dates_year(province, agency, other_agency):
    AuditFactory(
        agency=agency,
        status=Audit.Status.REPORTED,
        actual_start=datetime.date(2026, 6, 1),
        actual_end=datetime.date(2026, 6, 3),
    )
    AuditFactory(
        agency=other_agency,
        status=Audit.Status.CLOSED,
        planned_start=datetime.date(2025, 11, 1),
        planned_end=datetime.date(2025, 11, 3),
        actual_start=datetime.date(2025, 11, 1),
        actual_end=datetime.date(2025, 11, 3),
    )
    ManagementReviewFactory(
        agency=other_agency, held_on=datetime.date(2026, 3, 10), status=ManagementReview.Status.FINALIZED
    )

    assert share(province, Measure.INTERNAL_AUDIT) == ("50.00", 1, 2)
    assert share(province, Measure.INTERNAL_AUDIT, on=datetime.date(2025, 12, 31)) == ("50.00", 1, 2)
    assert share(province, Measure.MANAGEMENT_REVIEW) == ("50.00", 1, 2)
    assert share(province, Measure.MANAGEMENT_REVIEW, on=datetime.date(2025, 12, 31)) == ("0.00", 0, 2)
    # On 1 January nothing of the new year has been held yet: a target set then starts from zero.
    assert share(province, Measure.INTERNAL_AUDIT, on=datetime.date(2026, 1, 1)) == ("0.00", 0, 2)
    assert share(province, Measure.MANAGEMENT_REVIEW, on=datetime.date(2026, 3, 9)) == ("0.00", 0, 2)


# --- progress, projection, status ---------------------------------------------------------------------------


def target(province, *, value="90", baseline="0", start_on=(2026, 1, 1), deadline=(2026, 12, 31), **fields):
    return Target.objects.create(
        province=province,
        measure=fields.pop("measure", Measure.DECLARED),
        level=fields.pop("level", Level.COMMUNE),
        value=Decimal(value),
        baseline=Decimal(baseline),
        start_on=datetime.date(*start_on),
        deadline=datetime.date(*deadline),
        **fields,
    )


def test_progress_projects_the_pace_since_the_start_to_the_deadline(province, communes):
    """50 % now (2 of 4), 25 % on 01/01/2026: 25 points in 324 days, 40 days left → 50 + 25 × 40 / 324."""
    progress = targets.progress(target(province, value="60", baseline="25"), TODAY)

    assert (progress.value, progress.current.numerator, progress.current.denominator) == (
        Decimal("50.00"),
        2,
        4,
    )
    assert progress.projection == Decimal("53.09")
    assert progress.status == targets.Status.AT_RISK


def test_a_target_is_on_track_when_the_projection_reaches_it(province, communes):
    progress = targets.progress(target(province, value="53", baseline="25"), TODAY)

    assert progress.status == targets.Status.ON_TRACK


def test_a_target_reached_is_achieved(province, communes):
    assert targets.progress(target(province, value="50"), TODAY).status == targets.Status.ACHIEVED


def test_a_target_not_reached_by_its_deadline_is_missed(province, communes):
    late = target(province, value="75", start_on=(2025, 1, 1), deadline=(2026, 6, 30))

    progress = targets.progress(late, TODAY)

    assert progress.status == targets.Status.MISSED
    assert progress.projection == Decimal("50.00")


def test_the_projection_is_capped_at_100(province, communes):
    fast = target(province, value="95", baseline="0", start_on=(2026, 10, 1), deadline=(2027, 12, 31))

    progress = targets.progress(fast, TODAY)

    assert progress.projection == Decimal("100.00")
    assert progress.status == targets.Status.ON_TRACK


def test_before_its_start_a_target_projects_its_current_value(province, communes):
    future = target(province, value="60", baseline="50", start_on=(2026, 12, 1), deadline=(2027, 12, 31))

    assert targets.progress(future, TODAY).projection == Decimal("50.00")


# --- pages -------------------------------------------------------------------------------------------------


def target_data(**overrides) -> dict:
    return {
        "measure": Measure.DECLARED,
        "level": Level.COMMUNE,
        "value": "90",
        "start_on": "01/01/2026",
        "deadline": "31/12/2027",
        "note": "Kế hoạch 15/KH-UBND",
        **overrides,
    }


def test_a_reviewer_sets_a_target_and_its_baseline_is_measured(login, reviewer, province, communes):
    response = login(reviewer).post(reverse("scoring:target_create"), target_data())

    assert response.status_code == 302
    created = Target.objects.get()
    assert (created.province, created.value, created.baseline) == (
        province,
        Decimal("90.00"),
        Decimal("25.00"),
    )
    assert created.created_by == reviewer
    assert created.history.first().history_user == reviewer


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"deadline": "01/01/2026"},
            "deadline",
            "The deadline must come after the date the target counts from.",
        ),
        (
            {"deadline": "31/12/2025"},
            "deadline",
            "The deadline must come after the date the target counts from.",
        ),
        ({"value": "0"}, "value", "A target is a percentage above 0 and at most 100."),
        ({"value": "100.5"}, "value", "A target is a percentage above 0 and at most 100."),
        ({"start_on": "2026-13-01"}, "start_on", "Enter a date as dd/mm/yyyy."),
        ({"measure": "nonsense"}, "measure", "Select a valid choice."),
    ],
)
def test_the_form_shows_clear_errors_and_saves_nothing(login, reviewer, province, changes, field, message):
    response = login(reviewer).post(reverse("scoring:target_create"), target_data(**changes))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert "Kế hoạch 15/KH-UBND" in response.content.decode()  # nothing typed is lost
    assert not Target.objects.exists()


def test_a_value_of_100_is_accepted(login, reviewer, province):
    assert login(reviewer).post(reverse("scoring:target_create"), target_data(value="100")).status_code == 302
    assert Target.objects.get().value == Decimal("100.00")


def test_only_reviewers_set_targets(login, secretary, leader, national_viewer):
    for user in (secretary, leader, national_viewer):
        client = login(user)
        assert client.get(reverse("scoring:target_create")).status_code == 403
        assert client.post(reverse("scoring:target_create"), target_data()).status_code == 403
    assert not Target.objects.exists()


def test_changing_the_measure_measures_the_baseline_again(login, reviewer, province, communes):
    existing = target(province, value="60", baseline="25")
    client = login(reviewer)

    client.post(
        reverse("scoring:target_edit", args=[existing.pk]), target_data(value="70", deadline="31/12/2026")
    )
    existing.refresh_from_db()
    assert (existing.value, existing.baseline) == (Decimal("70.00"), Decimal("25.00"))

    client.post(
        reverse("scoring:target_edit", args=[existing.pk]),
        target_data(measure=Measure.APPLIED, start_on="01/03/2026", deadline="31/12/2026"),
    )
    existing.refresh_from_db()
    assert (existing.measure, existing.baseline) == (Measure.APPLIED, Decimal("75.00"))


def test_editing_and_removing_are_for_the_provinces_reviewers(
    login, reviewer, secretary, foreign_reviewer, province
):
    existing = target(province)
    edit, delete = (reverse(f"scoring:target_{name}", args=[existing.pk]) for name in ("edit", "delete"))

    assert login(foreign_reviewer).get(edit).status_code == 404
    assert login(foreign_reviewer).post(delete).status_code == 404
    assert login(secretary).get(edit).status_code == 403
    assert login(secretary).post(delete).status_code == 403
    assert Target.objects.filter(pk=existing.pk).exists()

    client = login(reviewer)
    assert client.get(delete).status_code == 200
    assert client.post(delete).status_code == 302
    assert not Target.objects.exists()


def list_rows(response) -> list[dict[str, str]]:
    """Per row of the targets table: its id, status value and the text of its marked cells."""
    rows = []
    for pk, row in re.findall(r'<tr data-target="(\d+)">(.*?)</tr>', response.content.decode(), re.S):
        marked = re.findall(
            r"<(?:td|span)[^>]*data-(current|count|projection)[^>]*>(.*?)</(?:td|span)>", row, re.S
        )
        cells = {name: " ".join(re.sub(r"<[^>]+>", " ", text).split()) for name, text in marked}
        rows.append({"id": pk, "status": re.search(r'data-status="([a-z_]+)"', row).group(1), **cells})
    return rows


def test_every_user_of_the_province_sees_the_targets_with_their_progress(
    login, secretary, national_viewer, foreign_reviewer, province, communes
):
    target(province, value="60", baseline="25")

    for user in (secretary, national_viewer):
        rows = list_rows(login(user).get(reverse("scoring:target_list")))
        assert [(row["current"], row["count"], row["projection"], row["status"]) for row in rows] == [
            ("50.00 %", "2/4", "53.09 %", "at_risk")
        ]
    assert list_rows(login(foreign_reviewer).get(reverse("scoring:target_list"))) == []


def test_the_list_filters_by_status_measure_and_level(login, reviewer, province, communes):
    achieved = target(province, value="50")
    at_risk = target(province, value="60", baseline="25")
    applied = target(province, value="85", measure=Measure.APPLIED, level="")  # 80 % now, on track
    client = login(reviewer)

    def ids(**params) -> list[str]:
        return [row["id"] for row in list_rows(client.get(reverse("scoring:target_list"), params))]

    assert ids(status="achieved") == [str(achieved.pk)]
    assert ids(status="at_risk") == [str(at_risk.pk)]
    assert ids(status="on_track") == [str(applied.pk)]
    assert ids(measure=Measure.APPLIED) == [str(applied.pk)]
    assert ids(level="all") == [str(applied.pk)]
    assert sorted(ids(level=Level.COMMUNE)) == sorted([str(achieved.pk), str(at_risk.pk)])


def test_the_list_exports_its_figures(login, reviewer, province, communes):
    target(province, value="60", baseline="25")

    response = login(reviewer).get(reverse("scoring:target_list"), {"export": "xlsx"})

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][7:12] == (
        "Current value (%)",
        "Agencies meeting it",
        "Agencies counted",
        "Projection at the deadline (%)",
        "Status",
    )
    assert rows[1][7:12] == (50, 2, 4, 53.09, "At risk")


def test_the_target_list_query_count_does_not_grow_with_the_targets(
    login, reviewer, province, communes, django_assert_max_num_queries
):
    for measure in Measure.values:
        target(province, measure=measure)
    client = login(reviewer)
    with CaptureQueriesContext(connection) as measured:
        client.get(reverse("scoring:target_list"))
    for measure in Measure.values:
        for level in ("", Level.COMMUNE, Level.DEPARTMENT):
            target(province, measure=measure, level=level, value="40")
    with django_assert_max_num_queries(len(measured)):
        response = client.get(reverse("scoring:target_list"))
    assert response.context["page_obj"].paginator.count == 24
