"""The daily reminders: one email a day to the owner of each action due within a week or overdue."""

import datetime
import smtplib

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone, translation

from audits import tasks
from audits.models import Action, Reminder
from audits.services import actions as service
from tests.factories import ActionFactory, AuditFactory, FindingFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 7, 20)
Status = Action.Status


@pytest.fixture(autouse=True)
def english(settings):
    """Emails go out in the portal's language; English here so assertions can quote them."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def owner(staff_user):
    staff_user.email = "canbo@tiendung.hungyen.gov.vn"
    staff_user.save()
    return staff_user


def action(agency, title, due_date, *, owner=None, status=Status.OPEN):
    finding = FindingFactory(audit=AuditFactory(agency=agency), description=title)
    return ActionFactory(finding=finding, owner=owner, status=status, due_date=due_date)


@pytest.fixture
def actions(agency, owner):
    """One action per case, named after whether it is reminded on TODAY."""
    no_email = UserFactory(username="khongthu", email="")
    no_email.memberships.create(agency=agency, role="staff")
    day = datetime.timedelta(days=1)
    return {
        "due in 7 days": action(agency, "due in 7 days", TODAY + 7 * day, owner=owner),
        "due today": action(agency, "due today", TODAY, owner=owner),
        "overdue": action(agency, "overdue", TODAY - 3 * day, owner=owner, status=Status.ACTION_PLANNED),
        "not: due in 8 days": action(agency, "not: due in 8 days", TODAY + 8 * day, owner=owner),
        "not: implemented": action(
            agency, "not: implemented", TODAY - day, owner=owner, status=Status.IMPLEMENTED
        ),
        "not: closed": action(agency, "not: closed", TODAY - day, owner=owner, status=Status.CLOSED),
        "not: no owner": action(agency, "not: no owner", TODAY - day),
        "not: no email": action(agency, "not: no email", TODAY - day, owner=no_email),
    }


def reminded_titles() -> list[str]:
    return sorted(message.subject.split(": ", 1)[1] for message in mail.outbox)


def test_exactly_the_actions_due_within_a_week_or_overdue_are_reminded(actions, owner):
    assert service.action_reminders_send(today=TODAY) == 3
    assert reminded_titles() == ["due in 7 days", "due today", "overdue"]
    assert {tuple(message.to) for message in mail.outbox} == {(owner.email,)}
    assert sorted(Reminder.objects.values_list("action__title", "sent_on", "overdue")) == [
        ("due in 7 days", TODAY, False),
        ("due today", TODAY, False),
        ("overdue", TODAY, True),
    ]


def test_a_second_run_the_same_day_sends_nothing(actions):
    service.action_reminders_send(today=TODAY)
    mail.outbox.clear()
    assert service.action_reminders_send(today=TODAY) == 0
    assert mail.outbox == []
    assert Reminder.objects.count() == 3


def test_the_next_day_the_reminders_go_out_again(actions):
    service.action_reminders_send(today=TODAY)
    mail.outbox.clear()
    tomorrow = TODAY + datetime.timedelta(days=1)
    assert service.action_reminders_send(today=tomorrow) == 4
    # The action due in 8 days is now due in 7; the one due today has become overdue.
    assert reminded_titles() == ["due in 7 days", "due today", "not: due in 8 days", "overdue"]
    assert Reminder.objects.filter(sent_on=tomorrow, overdue=True).count() == 2


def test_the_email_names_the_action_the_agency_the_due_date_and_the_link(agency, owner):
    overdue = action(agency, "Hồ sơ lưu chưa đủ phiếu", datetime.date(2026, 7, 17), owner=owner)
    soon = action(agency, "Chưa niêm yết TTHC & lệ phí", datetime.date(2026, 7, 25), owner=owner)
    service.action_reminders_send(today=TODAY)
    by_subject = {message.subject: message for message in mail.outbox}
    late = by_subject["Overdue action: Hồ sơ lưu chưa đủ phiếu"]
    assert late.from_email == django_settings.DEFAULT_FROM_EMAIL
    assert "Dear Thu Nguyễn Thị," in late.body
    assert (
        "The action “Hồ sơ lưu chưa đủ phiếu” of UBND xã Tiến Dũng was due on 17/07/2026, 3 days ago, "
        "and is not implemented yet."
    ) in late.body
    assert f"/audits/actions/{overdue.pk}/" in late.body
    upcoming = by_subject["Action due on 25/07/2026: Chưa niêm yết TTHC & lệ phí"]
    assert (
        "“Chưa niêm yết TTHC & lệ phí” of UBND xã Tiến Dũng is due on 25/07/2026, in 5 days." in upcoming.body
    )
    assert soon.get_absolute_url() in upcoming.body


def test_the_email_is_written_in_the_portals_language_whatever_is_active(
    agency, owner, settings, monkeypatch
):
    settings.LANGUAGE_CODE = "vi"
    action(agency, "Hồ sơ lưu chưa đủ phiếu", TODAY, owner=owner)
    languages = []
    monkeypatch.setattr(
        service, "send_mail", lambda *args, **kwargs: languages.append(translation.get_language())
    )
    with translation.override("en"):
        service.action_reminders_send(today=TODAY)
    assert languages == ["vi"]


def test_a_failed_send_is_retried_on_the_next_run(agency, owner, monkeypatch):
    action(agency, "Hồ sơ lưu chưa đủ phiếu", TODAY, owner=owner)

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server away")

    monkeypatch.setattr(service, "send_mail", refuse)
    assert service.action_reminders_send(today=TODAY) == 0
    assert not Reminder.objects.exists()
    monkeypatch.undo()
    assert service.action_reminders_send(today=TODAY) == 1
    assert len(mail.outbox) == 1


def test_the_task_reminds_as_of_the_local_date(actions, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    assert tasks.send_action_reminders.apply().get() == 3
    assert tasks.send_action_reminders.name == "audits.send_action_reminders"
    assert tasks.send_action_reminders.acks_late is True
    assert tasks.send_action_reminders() == 0


def test_beat_runs_the_reminders_every_morning_at_seven():
    entry = django_settings.CELERY_BEAT_SCHEDULE["send-action-reminders"]
    assert entry == {"task": "audits.send_action_reminders", "schedule": crontab(hour=7, minute=0)}
