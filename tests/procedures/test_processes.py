"""ISO processes and their revisions, driven the way secretaries and leaders use them."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from procedures.models import Process, ProcessRevision
from procedures.services.revisions import revisions_activate_due
from tests.factories import (
    AdministrativeProcedureFactory,
    AgencyProcedureFactory,
    InForceRevisionFactory,
    ProcessFactory,
    ProcessRevisionFactory,
    ProcessStepFactory,
)

pytestmark = pytest.mark.django_db
Status = ProcessRevision.Status


@pytest.fixture
def procedure(agency):
    procedure = AdministrativeProcedureFactory(
        code="1.001806", name="Đăng ký khai sinh", statutory_days=Decimal("3")
    )
    AgencyProcedureFactory(agency=agency, procedure=procedure)
    return procedure


@pytest.fixture
def draft(agency, procedure):
    process = ProcessFactory(
        agency=agency, code="QT-07", title="Quy trình đăng ký khai sinh", procedure=procedure
    )
    return ProcessRevisionFactory(process=process)


def revision_post(steps=(), forms=(), records=(), **fields) -> dict:
    """The POST body of the revision form: main fields plus the three formsets."""
    data = {
        "purpose": "Quy định trình tự đăng ký khai sinh.",
        "scope": "Bộ phận một cửa UBND xã.",
        "terms": "",
        "change_summary": "",
        **fields,
    }
    for prefix, rows in (("steps", steps), ("forms", forms), ("records", records)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = str(sum(1 for row in rows if row.get("id")))
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for index, row in enumerate(rows):
            for key, value in row.items():
                if value is True:
                    value = "on"
                if value is not False:
                    data[f"{prefix}-{index}-{key}"] = value
    return data


def step(action, days, order, counted=True, **extra):
    return {
        "action": action,
        "responsible": "Công chức tư pháp - hộ tịch",
        "time_days": days,
        "time_counted": counted,
        "output": "",
        "ORDER": str(order),
        **extra,
    }


THREE_STEPS = [
    step("Tiếp nhận hồ sơ", "0.5", 1),
    step("Thẩm định, trình ký", "2", 2),
    step("Trả kết quả", "0.5", 3, counted=False),
]


def edit(client, revision, body, **extra):
    """Post the edit form as loaded now: with the draft's current version."""
    body = {"version": ProcessRevision.objects.get(pk=revision.pk).version, **body}
    return client.post(reverse("procedures:revision_edit", args=[revision.pk]), body, **extra)


def test_secretary_creates_a_process_with_a_first_draft(client_as, secretary, agency, procedure):
    response = client_as(secretary).post(
        reverse("procedures:process_create"),
        {
            "agency": agency.pk,
            "code": "QT-07",
            "title": "Quy trình đăng ký khai sinh",
            "kind": "procedure",
            "procedure": procedure.pk,
        },
    )
    process = Process.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("procedures:revision_edit", args=[process.revisions.get().pk])
    assert process.revisions.get().status == Status.DRAFT


def test_a_procedure_process_needs_a_procedure_the_agency_handles(client_as, secretary, agency):
    stranger = AdministrativeProcedureFactory(code="2.000001")
    response = client_as(secretary).post(
        reverse("procedures:process_create"),
        {
            "agency": agency.pk,
            "code": "QT-01",
            "title": "Quy trình",
            "kind": "procedure",
            "procedure": stranger.pk,
        },
    )
    assert response.status_code == 400
    assert not Process.objects.exists()


def test_staff_cannot_create_a_process(client_as, staff_user, agency, procedure):
    assert client_as(staff_user).get(reverse("procedures:process_create")).status_code == 403


def test_secretary_writes_three_steps_in_the_order_given(client_as, secretary, draft):
    shuffled = [THREE_STEPS[1] | {"ORDER": "2"}, THREE_STEPS[0] | {"ORDER": "1"}, THREE_STEPS[2]]
    response = edit(client_as(secretary), draft, revision_post(steps=shuffled))
    assert response.status_code == 302
    assert list(draft.steps.values_list("order", "action", "time_counted")) == [
        (1, "Tiếp nhận hồ sơ", True),
        (2, "Thẩm định, trình ký", True),
        (3, "Trả kết quả", False),
    ]


def test_steps_are_reordered_and_removed(client_as, secretary, draft):
    first = ProcessStepFactory(revision=draft, order=1, action="A")
    second = ProcessStepFactory(revision=draft, order=2, action="B")
    third = ProcessStepFactory(revision=draft, order=3, action="C")
    body = revision_post(
        steps=[
            step("A", "0.5", 3, id=str(first.pk)),
            step("B", "0.5", 1, id=str(second.pk), DELETE=True),
            step("C", "0.5", 2, id=str(third.pk)),
        ]
    )
    assert edit(client_as(secretary), draft, body).status_code == 302
    assert list(draft.steps.values_list("action", flat=True)) == ["C", "A"]


def test_counted_time_above_the_statutory_time_is_refused_naming_both_figures(client_as, secretary, draft):
    steps = [
        step("Tiếp nhận", "1.5", 1),
        step("Giải quyết", "2", 2),
        step("Trả kết quả", "1", 3, counted=False),
    ]
    response = edit(client_as(secretary), draft, revision_post(steps=steps, purpose="Mục đích đã gõ"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "3,5" in html and "1.001806" in html and " 3 " in html
    assert "Mục đích đã gõ" in html
    assert not draft.steps.exists()


def test_time_is_counted_in_quarter_days(client_as, secretary, draft):
    response = edit(client_as(secretary), draft, revision_post(steps=[step("Tiếp nhận", "0.3", 1)]))
    assert response.status_code == 400
    assert not draft.steps.exists()


def test_submit_needs_steps(client_as, secretary, draft):
    client_as(secretary).post(reverse("procedures:revision_submit", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_secretary_submits_but_cannot_approve(client_as, secretary, draft):
    client = client_as(secretary)
    edit(client, draft, revision_post(steps=THREE_STEPS, submit="1"))
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW
    response = client.post(
        reverse("procedures:revision_approve", args=[draft.pk]), {"effective_date": "01/01/2026"}
    )
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW


def test_leader_approves_and_the_previous_revision_is_superseded(client_as, leader, agency, procedure):
    process = ProcessFactory(agency=agency, procedure=procedure)
    old = InForceRevisionFactory(process=process, number=1)
    new = ProcessRevisionFactory(process=process, number=2, status=Status.IN_REVIEW)
    ProcessStepFactory(revision=new)
    today = timezone.localdate().strftime("%d/%m/%Y")
    response = client_as(leader).post(
        reverse("procedures:revision_approve", args=[new.pk]), {"effective_date": today}
    )
    assert response.status_code == 302
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (Status.SUPERSEDED, Status.IN_FORCE)
    assert new.approved_by == leader


def test_a_future_effective_date_waits_for_that_day(client_as, leader, draft):
    ProcessStepFactory(revision=draft)
    draft.status = Status.IN_REVIEW
    draft.save()
    later = timezone.localdate() + datetime.timedelta(days=10)
    client_as(leader).post(
        reverse("procedures:revision_approve", args=[draft.pk]),
        {"effective_date": later.strftime("%d/%m/%Y")},
    )
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED
    assert revisions_activate_due(today=later - datetime.timedelta(days=1)) == 0
    assert revisions_activate_due(today=later) == 1
    draft.refresh_from_db()
    assert draft.status == Status.IN_FORCE


def test_leader_returns_a_revision_with_a_reason(client_as, leader, draft):
    draft.status = Status.IN_REVIEW
    draft.save()
    client = client_as(leader)
    client.post(reverse("procedures:revision_return", args=[draft.pk]), {"note": "Bổ sung biểu mẫu"})
    draft.refresh_from_db()
    assert (draft.status, draft.review_note) == (Status.DRAFT, "Bổ sung biểu mẫu")
    assert "Bổ sung biểu mẫu" in client.get(draft.get_absolute_url()).content.decode()


def test_a_revision_in_force_cannot_be_edited(client_as, secretary, agency, procedure):
    revision = InForceRevisionFactory(process=ProcessFactory(agency=agency, procedure=procedure))
    ProcessStepFactory(revision=revision, action="Giữ nguyên")
    response = edit(client_as(secretary), revision, revision_post(steps=[step("Sửa trộm", "1", 1)]))
    assert response.status_code == 302
    assert list(revision.steps.values_list("action", flat=True)) == ["Giữ nguyên"]


def test_new_revision_starts_a_draft_copy(client_as, secretary, agency, procedure):
    process = ProcessFactory(agency=agency, procedure=procedure)
    current = InForceRevisionFactory(process=process)
    ProcessStepFactory(revision=current, action="Tiếp nhận")
    client = client_as(secretary)
    client.post(reverse("procedures:revision_new", args=[process.pk]))
    draft = process.revisions.get(number=2)
    assert draft.status == Status.DRAFT
    assert list(draft.steps.values_list("action", flat=True)) == ["Tiếp nhận"]
    client.post(reverse("procedures:revision_new", args=[process.pk]))
    assert process.revisions.count() == 2


def test_staff_read_the_revision_in_force_but_not_drafts(client_as, staff_user, agency, procedure):
    process = ProcessFactory(agency=agency, procedure=procedure)
    in_force = InForceRevisionFactory(process=process, number=1)
    draft = ProcessRevisionFactory(process=process, number=2)
    client = client_as(staff_user)
    assert client.get(in_force.get_absolute_url()).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("procedures:revision_edit", args=[draft.pk])).status_code == 404
    assert [r.number for r in client.get(process.get_absolute_url()).context["revisions"]] == [1]


def test_another_agencys_process_is_not_found(client_as, secretary, other_agency):
    process = ProcessFactory(agency=other_agency)
    revision = InForceRevisionFactory(process=process)
    client = client_as(secretary)
    assert client.get(process.get_absolute_url()).status_code == 404
    assert client.get(revision.get_absolute_url()).status_code == 404
    assert client.post(reverse("procedures:revision_new", args=[process.pk])).status_code == 404


def test_history_shows_who_moved_the_revision(client_as, secretary, leader, draft):
    edit(client_as(secretary), draft, revision_post(steps=THREE_STEPS, submit="1"))
    today = timezone.localdate().strftime("%d/%m/%Y")
    client = client_as(leader)
    client.post(reverse("procedures:revision_approve", args=[draft.pk]), {"effective_date": today})
    history = client.get(draft.get_absolute_url()).context["history"]
    assert [(entry.status, entry.history_user) for entry in history] == [
        (Status.DRAFT, None),
        (Status.IN_REVIEW, secretary),
        (Status.APPROVED, leader),
        (Status.IN_FORCE, leader),
    ]


def test_compare_shows_added_removed_and_changed_steps(client_as, secretary, agency, procedure):
    process = ProcessFactory(agency=agency, procedure=procedure)
    old = InForceRevisionFactory(process=process, number=1)
    new = ProcessRevisionFactory(process=process, number=2)
    for order, action in enumerate(["Tiếp nhận", "Thẩm định", "Trả kết quả"], start=1):
        ProcessStepFactory(revision=old, order=order, action=action)
    for order, action in enumerate(
        ["Tiếp nhận", "Thẩm định và trình ký", "Số hóa hồ sơ", "Trả kết quả"], start=1
    ):
        ProcessStepFactory(revision=new, order=order, action=action)
    response = client_as(secretary).get(reverse("procedures:revision_compare", args=[new.pk]))
    kinds = [
        (row["kind"], row["old"] and row["old"].action, row["new"] and row["new"].action)
        for row in response.context["rows"]
    ]
    assert kinds == [
        ("same", "Tiếp nhận", "Tiếp nhận"),
        ("changed", "Thẩm định", "Thẩm định và trình ký"),
        ("added", None, "Số hóa hồ sơ"),
        ("same", "Trả kết quả", "Trả kết quả"),
    ]


@pytest.mark.parametrize("size", [3, 30])
def test_process_list_query_count_is_flat(
    client_as, secretary, agency, procedure, django_assert_num_queries, size
):
    for index in range(size):
        process = ProcessFactory(agency=agency, procedure=procedure, code=f"QT-{index:03d}")
        InForceRevisionFactory(process=process)
    client = client_as(secretary)
    # Expect 7 queries: session, user, memberships, agencies merged into the user's (grants), agencies
    # for the filter, count, and the page of processes (agency, procedure, revision in force, open flags).
    with django_assert_num_queries(7):
        response = client.get(reverse("procedures:process_list"))
    assert len(response.context["page_obj"]) == min(size, 25)


def test_process_list_exports_what_the_filters_show(client_as, secretary, agency, other_agency, procedure):
    from io import BytesIO

    from openpyxl import load_workbook

    shown = ProcessFactory(agency=agency, procedure=procedure, code="QT-07")
    InForceRevisionFactory(process=shown)
    ProcessFactory(agency=agency, code="QT-99", kind="internal", procedure=None)
    ProcessFactory(agency=other_agency, code="QT-01")
    response = client_as(secretary).get(
        reverse("procedures:process_list"), {"state": "in_force", "export": "xlsx"}
    )
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
    assert [(row[1], row[5]) for row in rows] == [("QT-07", 1)]
