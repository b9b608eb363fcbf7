"""`manage.py seed_demo` with the audits seeder: three years of Tiến Dũng's QMS told through the services, the
province's inspections, and uneven records for every other agency — safe to run twice."""

import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import Agency
from audits.demo import STORY_LAG
from audits.models import (
    Action,
    Activity,
    Audit,
    AuditProgramme,
    ChecklistLine,
    Finding,
    InspectionPlan,
    ManagementReview,
    Verification,
)
from audits.services.actions import overdue_q
from audits.services.inspections import add_months

pytestmark = pytest.mark.django_db

User = get_user_model()
Status = Action.Status


@pytest.fixture(scope="module")
def home(django_db_setup, django_db_blocker):
    """Seed once for the module (it takes seconds) inside a transaction rolled back at the end; every test
    runs in a savepoint of it. Returns UBND xã Tiến Dũng, the demo users' commune."""
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        yield Agency.objects.get(code="XTIENDUNG")
        transaction.set_rollback(True)


def story_year() -> int:
    return (timezone.localdate() - STORY_LAG).year


def user(username: str):
    return User.objects.get(username=username)


def audits_counts() -> dict[str, int]:
    """Rows of every table of the audits app, history tables included."""
    return {model._meta.label: model.objects.count() for model in apps.get_app_config("audits").get_models()}


def test_home_commune_has_an_internal_audit_in_each_of_the_last_three_years_led_by_the_secretary(home):
    year = story_year()
    audits = Audit.objects.filter(agency=home, kind=Audit.Kind.INTERNAL).order_by("planned_start")

    assert [(a.programme.year, a.status, a.lead_auditor.username) for a in audits] == [
        (year - 2, Audit.Status.CLOSED, "thuky"),
        (year - 1, Audit.Status.CLOSED, "thuky"),
        (year, Audit.Status.REPORTED, "thuky"),
    ]
    assert [a.planned_start.year for a in audits] == [year - 2, year - 1, year]
    assert all(a.actual_end < a.reported_at.date() <= timezone.localdate() for a in audits)
    assert all(a.scope_processes.exists() for a in audits)
    assert all(process.agency_id == home.pk for a in audits for process in a.scope_processes.all())


def test_each_home_audit_checks_every_clause_but_design_and_development(home):
    lines = ChecklistLine.objects.filter(audit__agency=home, audit__kind=Audit.Kind.INTERNAL)
    per_audit = lines.values("audit_id").annotate(total=Count("pk")).values_list("total", flat=True)

    assert list(per_audit) == [27, 27, 27]
    assert not lines.filter(clause__number="8.3").exists()
    assert not lines.filter(result=ChecklistLine.Result.NOT_CHECKED).exists()
    assert lines.filter(result=ChecklistLine.Result.NONCONFORMING).count() == 2 + 3 + 5


def test_home_audits_raise_minor_nonconformities_observations_and_opportunities(home):
    grades = Finding.objects.filter(audit__agency=home, audit__kind=Audit.Kind.INTERNAL).values_list(
        "audit__planned_start__year", "grade"
    )
    year = story_year()

    assert sorted(grades) == sorted(
        [(year - 2, "minor")] * 2
        + [(year - 2, "observation"), (year - 2, "improvement")]
        + [(year - 1, "minor")] * 3
        + [(year - 1, "observation"), (year - 1, "improvement")]
        + [(year, "minor")] * 5
        + [(year, "observation"), (year, "improvement")]
    )


def test_home_nonconformities_stand_at_every_status_of_the_tracking(home):
    statuses = Action.objects.filter(agency=home, source=Action.Source.NONCONFORMITY).values_list(
        "status", flat=True
    )

    assert set(statuses) == set(Status.values)


def test_home_actions_belong_to_the_secretary_or_the_staff_member(home):
    owners = Action.objects.filter(agency=home, source=Action.Source.NONCONFORMITY).values_list(
        "owner__username", flat=True
    )

    assert set(owners) == {"thuky", "canbo"}


def test_one_action_found_not_effective_went_back_to_be_planned_again(home):
    action = Action.objects.get(agency=home, verifications__effective=False)
    history = list(
        action.history.order_by("history_date", "history_id").values_list("status", "history_user__username")
    )

    assert action.status == Status.ACTION_PLANNED
    assert action.implemented_at is None
    assert action.verifications.get().verified_by.username == "thuky"
    assert history[-2:] == [(Status.IMPLEMENTED, "canbo"), (Status.ACTION_PLANNED, "thuky")]
    assert action.due_date > timezone.localdate()


def test_home_has_an_overdue_action_and_one_due_within_a_week(home):
    today = timezone.localdate()
    not_implemented = Action.objects.filter(agency=home, status__in=Action.NOT_IMPLEMENTED)

    assert not_implemented.filter(overdue_q(today)).values_list("owner__username", flat=True).get() == "canbo"
    assert not_implemented.filter(due_date__gte=today, due_date__lte=today + timedelta(days=7)).exists()


def test_each_step_of_an_action_is_attributed_to_who_took_it_on_the_day_of_the_story(home):
    action = Action.objects.get(agency=home, title__startswith="Bộ phận Tiếp nhận và Trả kết quả còn sử dụng")
    history = list(action.history.order_by("history_date", "history_id"))
    moments = [entry.history_date for entry in history]

    assert [(entry.status, entry.history_user.username) for entry in history] == [
        (Status.OPEN, "thuky"),
        (Status.CAUSE_ANALYSED, "canbo"),
        (Status.ACTION_PLANNED, "canbo"),
        (Status.IMPLEMENTED, "canbo"),
        (Status.VERIFIED, "thuky"),
        (Status.CLOSED, "thuky"),
    ]
    assert moments == sorted(moments) and len(set(moments)) == 6
    assert action.created_at == moments[0] == action.finding.raised_at
    assert (action.implemented_at, action.verified_at, action.closed_at) == tuple(moments[3:])
    assert action.verifications.get().verified_at == moments[4]
    assert moments[0].year == story_year() - 2


def test_no_record_is_dated_after_the_day_of_seeding(home):
    now = timezone.now()
    histories = [
        model.history.filter(history_date__gt=now).count()
        for model in (Audit, ChecklistLine, Finding, Action, ManagementReview, Activity, InspectionPlan)
    ]

    assert histories == [0] * 7
    assert not Action.objects.filter(
        Q(created_at__gt=now) | Q(implemented_at__gt=now) | Q(verified_at__gt=now) | Q(closed_at__gt=now)
    ).exists()
    assert not Verification.objects.filter(verified_at__gt=now).exists()


def test_tien_dung_was_inspected_on_site_this_year_with_two_nonconformities_due_two_months_later(home):
    inspection = Audit.objects.get(agency=home, kind=Audit.Kind.INSPECTION, plan__year=story_year())
    actions = Action.objects.filter(finding__audit=inspection).order_by("pk")

    assert (inspection.method, inspection.status) == (Audit.Method.ON_SITE, Audit.Status.REPORTED)
    assert inspection.decision_number.endswith("/QĐ-SKHCN")
    assert inspection.decision_date < inspection.actual_start
    assert inspection.lead_auditor.username == "bcd"
    assert not inspection.checklist.filter(result=ChecklistLine.Result.NOT_CHECKED).exists()
    assert [(a.finding.grade, a.finding.raised_by.username, a.status) for a in actions] == [
        (Finding.Grade.MINOR, "bcd", Status.OPEN),
        (Finding.Grade.MINOR, "bcd", Status.CAUSE_ANALYSED),
    ]
    assert {a.due_date for a in actions} == {add_months(inspection.actual_end, 2)}


def test_the_provincial_plans_cover_twelve_agencies_at_least_a_third_on_site(home):
    plans = (
        InspectionPlan.objects.filter(province=home.province)
        .annotate(
            total=Count("inspections"),
            on_site=Count("inspections", filter=Q(inspections__method=Audit.Method.ON_SITE)),
            still_open=Count("inspections", filter=~Q(inspections__status=Audit.Status.CLOSED)),
        )
        .order_by("-year")
    )

    assert [(p.year, p.total, p.created_by.username) for p in plans] == [
        (story_year(), 12, "bcd"),
        (story_year() - 1, 12, "bcd"),
    ]
    assert all(3 * p.on_site >= p.total for p in plans)
    assert plans.get(year=story_year() - 1).still_open == 0
    assert Audit.objects.filter(plan__in=plans, agency=home).count() == 2
    assert all("Kế hoạch số" in p.title for p in plans)


def test_home_has_three_finalized_reviews_chaired_by_the_leader_with_two_decisions_each(home):
    reviews = ManagementReview.objects.filter(agency=home).order_by("held_on")
    decisions = Action.objects.filter(review__in=reviews).values_list("status", flat=True)

    assert [r.held_on.year for r in reviews] == [story_year() - 2, story_year() - 1, story_year()]
    assert {(r.status, r.chair.username, r.finalized_by.username) for r in reviews} == {
        (ManagementReview.Status.FINALIZED, "lanhdao", "lanhdao")
    }
    assert all(r.performance and r.output_improvements and r.output_changes for r in reviews)
    assert [r.decisions.count() for r in reviews] == [2, 2, 2]
    assert sorted(decisions) == sorted([Status.CLOSED] * 5 + [Status.ACTION_PLANNED])


def test_home_holds_steering_meetings_and_trainings_every_year(home):
    year = story_year()
    held = Activity.objects.filter(agency=home).values_list("held_on__year", "kind")
    per_year = {
        (y, kind): sum(1 for row in held if row == (y, kind))
        for y in (year - 2, year - 1, year)
        for kind in Activity.Kind.values
    }

    assert all(2 <= per_year[(y, Activity.Kind.MEETING)] <= 4 for y in (year - 2, year - 1))
    assert all(1 <= per_year[(y, Activity.Kind.TRAINING)] <= 2 for y in (year - 2, year - 1))
    assert per_year[(year, Activity.Kind.MEETING)] >= 1
    assert not Activity.objects.filter(agency=home, held_on__gt=timezone.localdate()).exists()


def test_other_agencies_differ_some_without_audits_some_with_overdue_actions(home):
    year = story_year()
    others = Agency.objects.filter(province=home.province).operating().exclude(pk=home.pk)
    audited = set(
        Audit.objects.filter(
            agency__in=others, kind=Audit.Kind.INTERNAL, planned_start__year=year
        ).values_list("agency_id", flat=True)
    )
    reviewed = set(
        ManagementReview.objects.filter(
            agency__in=others, held_on__year=year - 1, status=ManagementReview.Status.FINALIZED
        ).values_list("agency_id", flat=True)
    )
    overdue = Action.objects.filter(overdue_q(timezone.localdate()), agency__in=others)

    assert 0.6 * others.count() < len(audited) < others.count()
    assert 0.6 * others.count() < len(reviewed) < others.count()
    assert overdue.values("agency_id").distinct().count() >= 2
    assert Activity.objects.filter(agency__in=others).values("agency_id").distinct().count() > len(audited)


def test_bulk_created_records_can_be_found_by_the_lists_folded_search(home):
    in_province = {"agency__province": home.province}

    assert not Audit.objects.filter(search_text="", **in_province).exists()
    assert not Action.objects.filter(search_text="", **in_province).exists()
    assert not Activity.objects.filter(search_text="", **in_province).exists()
    assert not ManagementReview.objects.filter(search_text="", **in_province).exists()


def test_seeding_again_adds_nothing(home, settings):
    settings.DEBUG = True
    before = audits_counts()

    output = io.StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=output)

    line = next(line for line in output.getvalue().splitlines() if line.startswith("Audits:"))
    assert audits_counts() == before
    assert line.endswith("(0 rows added by this run)")
    assert f"{AuditProgramme.objects.filter(agency__province=home.province).count()} audit programmes" in line


def test_the_secretary_finds_the_commune_actions_on_the_action_list(home, client_as):
    response = client_as(user("thuky")).get(reverse("audits:action_list"))

    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == Action.objects.filter(agency=home).count() == 19
    assert {action.agency_id for action in response.context["page_obj"]} == {home.pk}


def test_the_staff_member_finds_their_own_open_actions_on_the_home_page(home, client_as):
    open_actions = Action.objects.filter(agency=home).exclude(status=Status.CLOSED)
    mine = open_actions.filter(owner__username="canbo")

    response = client_as(user("canbo")).get(reverse("home"))

    content = response.content.decode()
    assert response.status_code == 200
    assert mine.count() == 4
    assert all(action.get_absolute_url() in content for action in mine)
    assert not any(
        action.get_absolute_url() in content for action in open_actions.exclude(owner__username="canbo")
    )
