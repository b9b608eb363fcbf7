"""The ISO 9001 clauses loaded by the data migration, and the admin of the audits and procedures apps."""

import importlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from audits.models import Action, Audit, Clause, Finding
from procedures.models import ProcessRevision
from tests.factories import (
    ActionFactory,
    AuditFactory,
    ClauseFactory,
    FindingFactory,
    ProcessRevisionFactory,
    ProcessStepFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

clause_migration = importlib.import_module("audits.migrations.0002_iso_clauses")

ISO_2015_NUMBERS = [
    "4", "4.1", "4.2", "4.3", "4.4",
    "5", "5.1", "5.2", "5.3",
    "6", "6.1", "6.2", "6.3",
    "7", "7.1", "7.2", "7.3", "7.4", "7.5",
    "8", "8.1", "8.2", "8.3", "8.4", "8.5", "8.6", "8.7",
    "9", "9.1", "9.2", "9.3",
    "10", "10.1", "10.2", "10.3",
]  # fmt: skip
ISO_2008_NUMBERS = [
    "4", "4.1", "4.2",
    "5", "5.1", "5.2", "5.3", "5.4", "5.5", "5.6",
    "6", "6.1", "6.2", "6.3", "6.4",
    "7", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6",
    "8", "8.1", "8.2", "8.3", "8.4", "8.5",
]  # fmt: skip


def clause(standard: str, number: str) -> Clause:
    return Clause.objects.get(standard=standard, number=number)


def numbers(standard: str) -> list[str]:
    return list(Clause.objects.filter(standard=standard).values_list("number", flat=True))


# --- the reference data ---------------------------------------------------------------------------


def test_every_iso_9001_2015_clause_from_4_to_10_is_loaded_in_the_standards_order():
    assert numbers(Clause.Standard.ISO_2015) == ISO_2015_NUMBERS


def test_every_iso_9001_2008_clause_from_4_to_8_is_loaded_in_the_standards_order():
    assert numbers(Clause.Standard.ISO_2008) == ISO_2008_NUMBERS


def test_each_standard_has_its_own_count_of_clauses():
    assert Clause.objects.filter(standard=Clause.Standard.ISO_2015).count() == 35
    assert Clause.objects.filter(standard=Clause.Standard.ISO_2008).count() == 28


def test_internal_audit_has_its_official_vietnamese_and_english_titles():
    internal_audit = clause("2015", "9.2")

    assert internal_audit.title_vi == "Đánh giá nội bộ"
    assert internal_audit.title_en == "Internal audit"


def test_nonconformity_and_corrective_action_has_its_official_vietnamese_and_english_titles():
    corrective = clause("2015", "10.2")

    assert corrective.title_vi == "Sự không phù hợp và hành động khắc phục"
    assert corrective.title_en == "Nonconformity and corrective action"


def test_other_titles_read_as_in_tcvn_iso_9001_2015():
    assert clause("2015", "4.1").title_vi == "Hiểu tổ chức và bối cảnh của tổ chức"
    assert clause("2015", "8.5").title_vi == "Sản xuất và cung cấp dịch vụ"
    assert clause("2015", "9.3").title_vi == "Xem xét của lãnh đạo"
    assert clause("2015", "9").title_vi == "Đánh giá kết quả thực hiện"
    assert clause("2015", "8.4").title_en == "Control of externally provided processes, products and services"


def test_2008_clauses_keep_their_own_titles_where_the_numbers_meet_2015_ones():
    assert clause("2008", "5.6").title_vi == "Xem xét của lãnh đạo"
    assert clause("2008", "8.5").title_vi == "Cải tiến"
    assert clause("2008", "8.5").title_en == "Improvement"
    assert clause("2015", "8.5").title_en == "Production and service provision"


def test_every_clause_has_both_titles():
    assert not Clause.objects.filter(title_vi="").exists()
    assert not Clause.objects.filter(title_en="").exists()


def test_the_migration_computes_the_same_sort_key_as_the_model():
    for number, sort_key in Clause.objects.values_list("number", "sort_key"):
        assert sort_key == Clause.sort_key_of(number)
    assert clause("2015", "10.1").sort_key == "010.001"


def test_clause_10_1_comes_right_after_9_3_not_after_1():
    ordered = numbers(Clause.Standard.ISO_2015)
    after_9_3 = ordered.index("9.3") + 1

    assert ordered[after_9_3 : after_9_3 + 2] == ["10", "10.1"]
    assert ordered.index("10.1") > ordered.index("9.3")


def test_running_the_migration_again_changes_nothing_and_keeps_the_rows():
    before = list(Clause.objects.values_list("pk", "standard", "number", "title_vi", "title_en", "sort_key"))

    clause_migration.forward(apps, None)

    after = list(Clause.objects.values_list("pk", "standard", "number", "title_vi", "title_en", "sort_key"))
    assert after == before


def test_running_the_migration_again_restores_a_title_edited_by_mistake_without_a_new_row():
    internal_audit = clause("2015", "9.2")
    Clause.objects.filter(pk=internal_audit.pk).update(title_vi="Danh gia noi bo")
    count = Clause.objects.count()

    clause_migration.forward(apps, None)

    assert Clause.objects.count() == count
    assert Clause.objects.get(pk=internal_audit.pk).title_vi == "Đánh giá nội bộ"


def test_the_clause_factory_returns_the_loaded_clause():
    assert ClauseFactory(number="9.2") == clause("2015", "9.2")
    assert ClauseFactory().title_vi == "Sản xuất và cung cấp dịch vụ"


# --- the title follows the language ---------------------------------------------------------------


def test_the_title_is_english_when_the_language_is_english():
    internal_audit = clause("2015", "9.2")

    with translation.override("en"):
        assert internal_audit.title == "Internal audit"
        assert str(internal_audit) == "9.2 Internal audit"


def test_the_title_is_vietnamese_when_the_language_is_vietnamese():
    internal_audit = clause("2015", "9.2")

    with translation.override("vi"):
        assert internal_audit.title == "Đánh giá nội bộ"
        assert str(internal_audit) == "9.2 Đánh giá nội bộ"


# --- admin ----------------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return UserFactory(username="quantri", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client_as, superuser):
    return client_as(superuser)


def registered(app_label: str) -> set[str]:
    return {model.__name__ for model in admin.site._registry if model._meta.app_label == app_label}


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_audits_model_has_an_admin():
    models = {
        model.__name__
        for model in apps.get_app_config("audits").get_models()
        if not model.__name__.startswith("Historical")
    }

    assert registered("audits") == models


def test_every_procedures_model_has_an_admin_steps_forms_and_records_inside_their_revision():
    assert registered("procedures") == {
        "LegalDocument",
        "AdministrativeProcedure",
        "AgencyProcedure",
        "FrameworkModel",
        "Process",
        "ProcessRevision",
        "ReviewFlag",
        "QualityPolicy",
        "QualityObjective",
        "DossierStatistic",
    }
    revision_inlines = {inline.model.__name__ for inline in admin.site._registry[ProcessRevision].inlines}
    assert revision_inlines == {"ProcessStep", "ProcessForm", "RecordKept"}


def test_every_admin_list_and_add_page_opens(admin_client, agency):
    ActionFactory(finding=FindingFactory(audit=AuditFactory(agency=agency), clause=clause("2015", "8.5")))
    ProcessStepFactory(revision=ProcessRevisionFactory(process__agency=agency))

    for model in admin.site._registry:
        if model._meta.app_label not in {"audits", "procedures"}:
            continue
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200, model.__name__
        expected = 403 if model is Clause else 200
        assert admin_client.get(admin_url(model, "add")).status_code == expected, model.__name__


def test_an_audit_opens_in_the_admin_with_its_checklist_and_findings(admin_client, agency):
    finding = FindingFactory(audit=AuditFactory(agency=agency), clause=clause("2015", "9.2"))

    response = admin_client.get(admin_url(Finding, "change", finding.pk))
    assert response.status_code == 200
    response = admin_client.get(admin_url(Audit, "change", finding.audit.pk))
    assert response.status_code == 200
    assert finding.description in response.content.decode()


def test_an_action_and_a_revision_open_in_the_admin(admin_client, agency):
    action = ActionFactory(finding=FindingFactory(audit=AuditFactory(agency=agency)))
    step = ProcessStepFactory(revision=ProcessRevisionFactory(process__agency=agency))

    assert admin_client.get(admin_url(Action, "change", action.pk)).status_code == 200
    response = admin_client.get(admin_url(ProcessRevision, "change", step.revision.pk))
    assert response.status_code == 200
    assert step.action in response.content.decode()


def test_clauses_cannot_be_added_or_deleted_in_the_admin_only_their_titles_corrected(admin_client):
    internal_audit = clause("2015", "9.2")
    count = Clause.objects.count()

    assert admin_client.get(admin_url(Clause, "add")).status_code == 403
    deleting = admin_client.post(admin_url(Clause, "delete", internal_audit.pk), {"post": "yes"})
    assert deleting.status_code == 403
    response = admin_client.post(
        admin_url(Clause, "change", internal_audit.pk),
        {
            "standard": "2008",
            "number": "1.1",
            "title_vi": "Đánh giá nội bộ (sửa)",
            "title_en": "Internal audit",
        },
    )

    assert response.status_code == 302
    internal_audit.refresh_from_db()
    assert (internal_audit.standard, internal_audit.number) == ("2015", "9.2")
    assert internal_audit.title_vi == "Đánh giá nội bộ (sửa)"
    assert Clause.objects.count() == count


def test_the_clause_search_finds_a_clause_by_its_vietnamese_title(admin_client):
    response = admin_client.get(admin_url(Clause, "changelist"), {"q": "nội bộ"})

    assert list(response.context["cl"].result_list) == [clause("2015", "9.2")]


def test_picking_a_clause_for_a_finding_lists_it_in_the_users_language(admin_client, settings):
    params = {"app_label": "audits", "model_name": "finding", "field_name": "clause", "term": "nội bộ"}
    internal_audit = clause("2015", "9.2")

    response = admin_client.get(reverse("admin:autocomplete"), params)
    assert response.json()["results"] == [{"id": str(internal_audit.pk), "text": "9.2 Đánh giá nội bộ"}]

    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = admin_client.get(reverse("admin:autocomplete"), params)
    assert response.json()["results"] == [{"id": str(internal_audit.pk), "text": "9.2 Internal audit"}]


@pytest.mark.parametrize("model_name", ["finding", "action", "processrevision"])
def test_admin_lists_make_as_many_queries_for_many_rows_as_for_one(admin_client, agency, model_name):
    def add_rows():
        owner = UserFactory()
        finding = FindingFactory(audit=AuditFactory(agency=agency), clause=clause("2015", "8.7"))
        ActionFactory(finding=finding, owner=owner)
        ProcessRevisionFactory(process__agency=agency, approved_by=owner)

    def queries_on_the_list() -> list[str]:
        app_label = "procedures" if model_name == "processrevision" else "audits"
        with CaptureQueriesContext(connection) as context:
            assert admin_client.get(reverse(f"admin:{app_label}_{model_name}_changelist")).status_code == 200
        return [query["sql"] for query in context.captured_queries]

    add_rows()
    one_row = queries_on_the_list()
    for _ in range(4):
        add_rows()
    five_rows = queries_on_the_list()

    assert len(five_rows) == len(one_row), "\n".join(five_rows)
