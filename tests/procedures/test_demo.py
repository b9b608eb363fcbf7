"""`manage.py seed_demo` with the procedures seeder: a demo province to explore, safe to run twice."""

import io
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import Agency, QmsStatus
from procedures.demo import AMENDED_DAYS_AGO, OFTEN_LATE
from procedures.models import (
    AdministrativeProcedure,
    AgencyProcedure,
    DossierStatistic,
    LegalDocument,
    Process,
    ProcessRevision,
    ProcessStep,
    QualityObjective,
    QualityPolicy,
    ReviewFlag,
)
from procedures.selectors import agency_summaries
from procedures.services.legal import add_months
from procedures.statistics import ontime_by_procedure, ontime_total

pytestmark = pytest.mark.django_db

User = get_user_model()
Status = ProcessRevision.Status


@pytest.fixture(scope="module")
def home(django_db_setup, django_db_blocker):
    """Seed once for the module (it takes seconds) inside a transaction rolled back at the end; every test
    runs in a savepoint of it. Returns UBND xã Tiến Dũng, the demo users' commune."""
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield Agency.objects.get(code="XTIENDUNG")
        transaction.set_rollback(True)


def last_twelve_months() -> list[date]:
    first = timezone.localdate().replace(day=1)
    return [add_months(first, -offset) for offset in range(12, 0, -1)]


def procedures_counts() -> dict[str, int]:
    """Rows of every table of the procedures app, history tables included."""
    return {
        model._meta.label: model.objects.count() for model in apps.get_app_config("procedures").get_models()
    }


def test_home_commune_runs_twelve_of_its_sixteen_procedures_through_processes_in_force(home):
    summary = agency_summaries(Agency.objects.filter(pk=home.pk))[home.pk]

    assert (summary.handled, summary.in_force) == (16, 12)
    assert 0.5 < summary.coverage < 1


def test_home_commune_has_the_five_mandatory_qms_procedures_in_force(home):
    mandatory = Process.objects.filter(
        agency=home, kind=Process.Kind.MANDATORY, revisions__status=Status.IN_FORCE
    ).values_list("code", "title")

    assert set(mandatory) == {
        ("QT-KSTT", "Quy trình kiểm soát thông tin dạng văn bản"),
        ("QT-KSHS", "Quy trình kiểm soát hồ sơ"),
        ("QT-DGNB", "Quy trình đánh giá nội bộ"),
        ("QT-KPH", "Quy trình kiểm soát sự không phù hợp và hành động khắc phục"),
        ("QT-XXLD", "Quy trình xem xét của lãnh đạo"),
    }


def test_a_revised_process_shows_the_secretary_writing_and_the_leader_approving_each_revision(home):
    process = Process.objects.get(agency=home, code="QT-01")
    first, second = process.revisions.order_by("number")
    history = ProcessRevision.history.filter(id=second.pk).values_list("status", "history_user__username")

    assert (first.status, first.effective_date) == (Status.SUPERSEDED, date(2018, 3, 12))
    assert (second.status, second.effective_date) == (Status.IN_FORCE, date(2025, 8, 18))
    assert [
        (r.created_by.username, r.submitted_by.username, r.approved_by.username) for r in (first, second)
    ] == [
        ("thuky", "thuky", "lanhdao"),
        ("thuky", "thuky", "lanhdao"),
    ]
    assert set(history) == {
        (Status.DRAFT, "thuky"),
        (Status.IN_REVIEW, "thuky"),
        (Status.APPROVED, "lanhdao"),
        (Status.IN_FORCE, "lanhdao"),
    }
    assert first.superseded_at == second.in_force_at
    assert second.submitted_at < second.approved_at < second.in_force_at


def test_home_commune_has_one_draft_in_progress_and_one_revision_awaiting_the_leader(home):
    open_revisions = ProcessRevision.objects.filter(
        process__agency=home, status__in=[Status.DRAFT, Status.IN_REVIEW, Status.APPROVED]
    ).values_list("process__code", "number", "status")

    assert set(open_revisions) == {("QT-11", 1, Status.DRAFT), ("QT-12", 2, Status.IN_REVIEW)}


def test_every_procedure_process_in_force_counts_exactly_its_statutory_time_and_returns_the_result_uncounted(
    home,
):
    in_force = ProcessRevision.objects.filter(
        process__agency__province=home.province, status=Status.IN_FORCE, process__procedure__isnull=False
    )
    revisions = in_force.annotate(
        counted=Sum("steps__time_days", filter=Q(steps__time_counted=True)),
        uncounted=Count("steps", filter=Q(steps__time_counted=False)),
        steps_total=Count("steps"),
    )
    last_steps = (
        ProcessStep.objects.filter(revision__in=in_force).values("revision_id").annotate(last=Max("order"))
    )
    uncounted_steps = ProcessStep.objects.filter(revision__in=in_force, time_counted=False)

    assert revisions.count() > 1000
    assert not revisions.exclude(counted=F("process__procedure__statutory_days")).exists()
    assert not revisions.exclude(uncounted=1).exists()
    assert not revisions.exclude(steps_total__range=(3, 6)).exists()
    assert set(uncounted_steps.values_list("revision_id", "order")) == set(
        last_steps.values_list("revision_id", "last")
    )


def test_the_amended_civil_status_decree_leaves_home_processes_due_for_review_within_a_month(home):
    today = timezone.localdate()
    decree = LegalDocument.objects.get(number="123/2015/NĐ-CP")
    flags = ReviewFlag.objects.filter(process__agency=home, resolved_on__isnull=True)

    assert (decree.status, decree.status_effective_on) == (
        LegalDocument.Status.AMENDED,
        today - timedelta(days=AMENDED_DAYS_AGO),
    )
    assert set(flags.values_list("process__code", "legal_document__number", "due_on")) == {
        (code, "123/2015/NĐ-CP", add_months(decree.status_effective_on, 3))
        for code in ("QT-01", "QT-02", "QT-03", "QT-04", "QT-05", "QT-12")
    }
    assert today < add_months(decree.status_effective_on, 3) <= today + timedelta(days=45)


def test_the_one_stop_decrees_replaced_in_2025_leave_overdue_flags_at_agencies_that_never_revised(home):
    today = timezone.localdate()
    replaced = LegalDocument.objects.filter(number__in=["61/2018/NĐ-CP", "107/2021/NĐ-CP"])
    overdue = ReviewFlag.objects.filter(resolved_on__isnull=True, due_on__lt=today)

    assert set(replaced.values_list("status", "status_effective_on", "replaced_by__number")) == {
        (LegalDocument.Status.REPLACED, date(2025, 7, 1), "118/2025/NĐ-CP")
    }
    assert overdue.exists()
    assert set(overdue.values_list("legal_document__number", "due_on")) == {
        ("61/2018/NĐ-CP", date(2025, 10, 1)),
        ("107/2021/NĐ-CP", date(2025, 10, 1)),
    }
    assert not overdue.filter(process__agency=home).exists()


def test_decision_19_2014_is_replaced_by_101_2018_from_5_october_2018(home):
    decision = LegalDocument.objects.get(number="19/2014/QĐ-TTg")

    assert (decision.status, decision.status_effective_on, decision.replaced_by.number) == (
        LegalDocument.Status.REPLACED,
        date(2018, 10, 5),
        "101/2018/QĐ-TTg",
    )
    assert not decision.review_flags.exists()


def test_the_adopted_process_tells_the_secretary_its_template_has_a_newer_revision(home, client_as):
    process = Process.objects.get(agency=home, code="QT-13")
    template = process.adopted_from.process

    response = client_as(User.objects.get(username="thuky")).get(process.get_absolute_url())

    assert response.status_code == 200
    assert (template.framework.name, template.code, process.adopted_from.number) == (
        "Mô hình khung HTQLCL cấp xã",
        "MK-03",
        1,
    )
    assert template.framework.is_published
    assert response.context["newer_template"] == template.revisions.get(number=2, status=Status.IN_FORCE)
    assert process.revisions.get().status == Status.IN_FORCE


def test_home_commune_has_an_approved_policy_and_objectives_for_this_year_and_last(home):
    year = timezone.localdate().year
    policies = QualityPolicy.objects.filter(agency=home).values_list("year", "approved_by__username")
    this_year = QualityObjective.objects.filter(agency=home, year=year)
    last_year = QualityObjective.objects.filter(agency=home, year=year - 1)

    assert set(policies) == {(year, "lanhdao"), (year - 1, "lanhdao")}
    assert (this_year.count(), this_year.filter(met__isnull=True, achieved="").count()) == (6, 6)
    assert (last_year.count(), last_year.filter(met__isnull=False).exclude(achieved="").count()) == (5, 5)
    assert this_year.filter(objective="100% hồ sơ TTHC được giải quyết đúng hạn", target="100%").exists()


def test_every_declared_agency_has_a_policy_and_three_objectives_for_this_year(home):
    year = timezone.localdate().year
    declared = Agency.objects.filter(province=home.province).operating().with_current_status()
    declared = declared.filter(current_status__in=QmsStatus.declarations())
    objectives = dict(
        QualityObjective.objects.filter(agency__in=declared, year=year)
        .values("agency_id")
        .annotate(total=Count("pk"))
        .values_list("agency_id", "total")
    )

    assert declared.count() > 90
    assert QualityPolicy.objects.filter(agency__in=declared, year=year).count() == declared.count()
    assert {objectives.get(agency.pk) for agency in declared.exclude(pk=home.pk)} == {3}


def test_operating_agencies_handle_procedures_of_their_level_and_abolished_districts_none(home):
    province = home.province
    handled = (
        Agency.objects.filter(province=province)
        .operating()
        .annotate(
            total=Count("handled_procedures"),
            commune=Count("handled_procedures", filter=Q(handled_procedures__procedure__level="commune")),
        )
    )
    departments = handled.filter(level=Agency.Level.DEPARTMENT)

    assert {(a.total == a.commune, 10 <= a.total <= 25) for a in handled.filter(level="commune")} == {
        (True, True)
    }
    assert {(a.commune, 5 <= a.total <= 15) for a in departments} == {(0, True)}
    assert not AgencyProcedure.objects.filter(agency__level=Agency.Level.DISTRICT).exists()
    assert AdministrativeProcedure.objects.filter(code__regex=r"^[12]\.00\d{4}$").count() == 74


def test_dossier_statistics_cover_the_last_twelve_full_months_of_every_procedure_handled(home):
    months = last_twelve_months()
    rows = DossierStatistic.objects.filter(agency=home)
    per_procedure = rows.values("procedure_id").annotate(total=Count("pk")).values_list("total", flat=True)
    in_province = DossierStatistic.objects.filter(agency__province=home.province)

    assert sorted(set(rows.values_list("month", flat=True))) == months
    assert list(per_procedure) == [12] * 16
    assert set(in_province.values_list("month", flat=True)) == set(months)
    assert not in_province.exclude(received=F("early") + F("on_time") + F("late") + F("pending")).exists()
    assert in_province.filter(received__gt=40).count() == 0


def test_dossiers_are_mostly_on_time_with_a_few_procedures_late_more_often(home):
    agencies = Agency.objects.filter(province=home.province)
    today = timezone.localdate()
    total = ontime_total(agencies, start=last_twelve_months()[0], end=today)
    by_procedure = ontime_by_procedure(agencies, start=last_twelve_months()[0], end=today)
    often_late = AdministrativeProcedure.objects.filter(code__in=OFTEN_LATE).values_list("pk", flat=True)

    assert 0.9 < total.of_processed < 0.99
    assert all(by_procedure[pk].of_processed < total.of_processed - 0.05 for pk in often_late)


def test_seeding_again_adds_nothing(home, settings):
    settings.DEBUG = True
    before = procedures_counts()

    output = io.StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=output)

    assert procedures_counts() == before
    assert "(0 rows added by this run)" in output.getvalue()


def test_the_secretary_finds_the_home_processes_on_the_process_list(home, client_as):
    response = client_as(User.objects.get(username="thuky")).get(reverse("procedures:process_list"))

    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 18
    assert {process.agency_id for process in response.context["page_obj"]} == {home.pk}
    assert "QT-01" in response.content.decode()
