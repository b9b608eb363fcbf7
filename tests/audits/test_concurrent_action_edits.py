"""No lost update on a corrective action: a step form loaded before someone else's save is refused."""

import datetime
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audits.models import Action
from tests.factories import ActionFactory, AuditFactory, FindingFactory

pytestmark = pytest.mark.django_db
Status = Action.Status
TODAY = datetime.date(2026, 7, 20)
NOW = datetime.datetime(2026, 7, 20, 2, 30, tzinfo=datetime.UTC)  # 09:30 in Hà Nội


@pytest.fixture(autouse=True)
def frozen_time(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def loaded_version(response) -> str:
    return re.search(r'name="version" value="(\d+)"', response.content.decode()).group(1)


def nonconformity(agency, owner, **fields) -> Action:
    finding = FindingFactory(audit=AuditFactory(agency=agency))
    return ActionFactory(finding=finding, owner=owner, due_date=datetime.date(2026, 8, 1), **fields)


def step_url(action) -> str:
    return reverse("audits:action_step", args=[action.pk])


def test_the_second_of_two_analyses_is_refused_with_both_root_causes_shown(agency, staff_user, secretary):
    action = nonconformity(agency, staff_user)
    owner, editor = browser(staff_user), browser(secretary)
    owner_version = loaded_version(owner.get(action.get_absolute_url()))
    editor_version = loaded_version(editor.get(action.get_absolute_url()))

    saved = owner.post(
        step_url(action), {"step": "analyse", "version": owner_version, "root_cause": "Chưa tập huấn"}
    )
    assert saved.status_code == 302
    rows = Action.history.filter(id=action.pk).count()

    refused = editor.post(
        step_url(action), {"step": "analyse", "version": editor_version, "root_cause": "Thiếu biểu mẫu"}
    )

    assert refused.status_code == 409
    page = refused.content.decode()
    assert (
        f"Someone else saved this action at 09:30 on 20/07/2026 ({staff_user.get_full_name()}); "
        "your changes were not saved." in page
    )
    conflict = page[page.index('id="edit-conflict"') :]
    conflict = conflict[: conflict.index("</table>")]
    assert "Root cause" in conflict and "Chưa tập huấn" in conflict and "Thiếu biểu mẫu" in conflict
    # The action now waits for its plan: that is the form offered, not the analysis again.
    assert 'name="step" value="plan"' in page
    action.refresh_from_db()
    assert (action.status, action.root_cause, action.version) == (Status.CAUSE_ANALYSED, "Chưa tập huấn", 2)
    assert Action.history.filter(id=action.pk).count() == rows


def test_a_stale_form_for_the_step_still_due_is_refused_and_keeps_what_was_typed(
    agency, staff_user, secretary, leader
):
    action = nonconformity(
        agency, staff_user, status=Status.ACTION_PLANNED, root_cause="Chưa tập huấn", action_plan="Tập huấn"
    )
    stale_version = loaded_version(browser(leader).get(action.get_absolute_url()))
    owner = browser(staff_user)
    owner.post(step_url(action), {"step": "implement", "version": "1", "implementation_note": "Đã tập huấn"})
    verifier = browser(secretary)
    verifier.post(
        step_url(action), {"step": "verify", "version": "2", "effective": "no", "note": "Vẫn sai sót"}
    )
    action.refresh_from_db()
    assert (action.status, action.version) == (Status.ACTION_PLANNED, 3)

    refused = browser(leader).post(
        step_url(action),
        {"step": "implement", "version": stale_version, "implementation_note": "Đã sửa biểu mẫu"},
    )

    assert refused.status_code == 409
    page = refused.content.decode()
    assert "Đã sửa biểu mẫu</textarea>" in page
    assert loaded_version(refused) == "3"
    action.refresh_from_db()
    assert (action.status, action.implementation_note, action.version) == (
        Status.ACTION_PLANNED,
        "Đã tập huấn",
        3,
    )


def test_a_step_form_without_its_version_is_refused_as_out_of_date(agency, staff_user):
    action = nonconformity(agency, staff_user)

    response = browser(staff_user).post(step_url(action), {"step": "analyse", "root_cause": "Chưa tập huấn"})

    assert response.status_code == 400
    assert "This form is out of date" in response.content.decode()
    action.refresh_from_db()
    assert (action.status, action.root_cause, action.version) == (Status.OPEN, "", 1)
