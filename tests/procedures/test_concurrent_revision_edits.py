"""No lost update on a process revision draft: two people open the same draft, the second save is refused."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from procedures.models import ProcessRevision, ProcessStep
from procedures.services import revisions as service
from qms_portal.concurrency import StaleEdit
from tests.factories import ProcessFactory, ProcessRevisionFactory, ProcessStepFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 7, 20, 2, 30, tzinfo=datetime.UTC)  # 09:30 in Hà Nội


@pytest.fixture(autouse=True)
def frozen_time(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def draft(agency):
    revision = ProcessRevisionFactory(process=ProcessFactory(agency=agency, kind="internal", procedure=None))
    ProcessStepFactory(revision=revision, order=1, action="Tiếp nhận hồ sơ")
    return revision


def browser(user) -> Client:
    """A second, independent browser session, reading the portal in English."""
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def loaded_version(response) -> str:
    """The version the edit form was loaded with (its hidden field)."""
    return re.search(r'name="version" value="(\d+)"', response.content.decode()).group(1)


def body(version: str, purpose: str, steps: list[tuple[int | None, str]]) -> dict:
    data = {
        "version": version,
        "purpose": purpose,
        "scope": "Bộ phận một cửa.",
        "terms": "",
        "change_summary": "",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": str(sum(1 for pk, _action in steps if pk)),
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for index, (pk, action) in enumerate(steps):
        data |= {
            f"steps-{index}-id": str(pk or ""),
            f"steps-{index}-action": action,
            f"steps-{index}-responsible": "Công chức một cửa",
            f"steps-{index}-time_days": "0.5",
            f"steps-{index}-time_counted": "on",
            f"steps-{index}-output": "",
            f"steps-{index}-ORDER": str(index + 1),
        }
    for prefix in ("forms", "records"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


def url(revision) -> str:
    return reverse("procedures:revision_edit", args=[revision.pk])


def test_the_second_of_two_saves_of_a_draft_is_refused_with_both_versions_shown(draft, secretary, leader):
    step = draft.steps.get()
    first, second = browser(secretary), browser(leader)
    first_version, second_version = (
        loaded_version(first.get(url(draft))),
        loaded_version(second.get(url(draft))),
    )

    saved = first.post(
        url(draft), body(first_version, "Mục đích do thư ký viết", [(step.pk, "Tiếp nhận, kiểm tra hồ sơ")])
    )
    assert saved.status_code == 302
    revision_rows, step_rows = ProcessRevision.history.count(), ProcessStep.history.count()

    refused = second.post(
        url(draft),
        body(second_version, "Mục đích do lãnh đạo viết", [(step.pk, "Nhận hồ sơ"), (None, "Trả kết quả")]),
    )

    assert refused.status_code == 409
    page = refused.content.decode()
    assert (
        f"Someone else saved this draft at 09:30 on 20/07/2026 ({secretary.get_full_name()}); "
        "your changes were not saved." in page
    )
    conflict = page[
        page.index('id="edit-conflict"') : page.index("</table>", page.index('id="edit-conflict"'))
    ]
    assert "Mục đích do thư ký viết" in conflict and "Mục đích do lãnh đạo viết" in conflict
    assert "1. Tiếp nhận, kiểm tra hồ sơ" in conflict and "2. Trả kết quả" in conflict
    # What the leader typed is still in the form, now carrying the version saved by the secretary.
    assert "Mục đích do lãnh đạo viết</textarea>" in page
    assert loaded_version(refused) == str(int(first_version) + 1)
    draft.refresh_from_db()
    assert (draft.purpose, draft.version) == ("Mục đích do thư ký viết", 2)
    assert list(draft.steps.values_list("action", flat=True)) == ["Tiếp nhận, kiểm tra hồ sơ"]
    assert (ProcessRevision.history.count(), ProcessStep.history.count()) == (revision_rows, step_rows)


def test_saving_again_after_the_conflict_keeps_the_second_persons_version(draft, secretary, leader):
    step = draft.steps.get()
    first, second = browser(secretary), browser(leader)
    version = loaded_version(first.get(url(draft)))
    first.post(url(draft), body(version, "Của thư ký", [(step.pk, "Tiếp nhận")]))
    refused = second.post(url(draft), body(version, "Của lãnh đạo", [(step.pk, "Nhận hồ sơ")]))

    again = second.post(url(draft), body(loaded_version(refused), "Của lãnh đạo", [(step.pk, "Nhận hồ sơ")]))

    assert again.status_code == 302
    draft.refresh_from_db()
    assert (draft.purpose, draft.version) == ("Của lãnh đạo", 3)
    assert list(draft.steps.values_list("action", flat=True)) == ["Nhận hồ sơ"]


def test_a_single_edit_saves_and_moves_the_version_on(draft, secretary):
    client = browser(secretary)
    version = loaded_version(client.get(url(draft)))

    response = client.post(url(draft), body(version, "Mục đích mới", [(draft.steps.get().pk, "Tiếp nhận")]))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.purpose, draft.version) == ("Mục đích mới", 2)


def test_a_form_without_its_version_is_refused_as_out_of_date(draft, secretary):
    data = body("", "Mục đích mới", [(draft.steps.get().pk, "Tiếp nhận")])
    del data["version"]

    response = browser(secretary).post(url(draft), data)

    assert response.status_code == 400
    assert (
        "This form is out of date: reload the page and enter your changes again." in response.content.decode()
    )
    draft.refresh_from_db()
    assert (draft.purpose, draft.version) == ("Quy định trình tự giải quyết thủ tục hành chính.", 1)


def test_the_service_refuses_a_stale_version_and_saves_nothing(draft, secretary):
    content = service.RevisionContent(
        purpose="Mới", scope="Phạm vi", steps=[service.StepData("Tiếp nhận", "Một cửa", Decimal("0.5"))]
    )
    service.revision_save(revision=draft, content=content, acting_user=secretary, version=1)

    with pytest.raises(StaleEdit):
        service.revision_save(
            revision=draft, content=service.RevisionContent(purpose="Cũ"), acting_user=secretary, version=1
        )

    draft.refresh_from_db()
    assert (draft.purpose, draft.version, draft.steps.count()) == ("Mới", 2, 1)
