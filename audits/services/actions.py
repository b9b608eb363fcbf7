"""One tracking for nonconformities and management review decisions:
open → cause analysed → action planned → implemented → verified effective → closed."""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.access import Action as Can
from agencies.access import can
from agencies.models import AGENCY_ROLES, Agency, Membership
from qms_portal.concurrency import check_version
from qms_portal.uploads import validate_document

from ..models import Action, Audit, Evidence, Finding, ManagementReview, Reminder, Verification
from ..selectors import action_can_update

logger = logging.getLogger(__name__)
Status = Action.Status
Source = Action.Source

ANALYSE, PLAN, IMPLEMENT, VERIFY, CLOSE = "analyse", "plan", "implement", "verify", "close"
STEPS = (ANALYSE, PLAN, IMPLEMENT, VERIFY, CLOSE)
# Owners are reminded from this many days before the due date, and every day once it has passed.
REMINDER_DAYS = 7

ROOT_CAUSE_REQUIRED = gettext_lazy("State the root cause of the nonconformity.")
ACTION_PLAN_REQUIRED = gettext_lazy("Describe the action that will be taken.")
IMPLEMENTATION_REQUIRED = gettext_lazy("Say what was done.")
VERIFICATION_NOTE_REQUIRED = gettext_lazy("Give the reason for this evaluation.")
EFFECTIVENESS_REQUIRED = gettext_lazy("Evaluate the effectiveness before closing.")
DUE_DATE_REASON_REQUIRED = gettext_lazy("Say why the due date changes.")
# simple_history keeps a change reason of at most this many characters.
_REASON_LENGTH = 100


def action_next_step(action: Action) -> str | None:
    """The step that moves the action on from its current status; None once closed."""
    if action.status == Status.OPEN:
        return PLAN if action.source == Source.REVIEW_DECISION else ANALYSE
    return {
        Status.CAUSE_ANALYSED: PLAN,
        Status.ACTION_PLANNED: IMPLEMENT,
        Status.IMPLEMENTED: VERIFY,
        Status.VERIFIED: CLOSE,
    }.get(action.status)


def action_is_from_inspection(action: Action) -> bool:
    return action.finding_id is not None and action.finding.audit.kind == Audit.Kind.INSPECTION


def action_may_verify(user, action: Action) -> bool:
    """Verification and closing are independent of the owner: the agency's editors, and for
    findings of a provincial inspection the province's reviewers too."""
    if action.owner_id is not None and action.owner_id == user.pk:
        return False
    if can(user, Can.EDIT, action.agency):
        return True
    return action_is_from_inspection(action) and can(user, Can.OVERSEE, action.agency)


def action_may_assign(user, action: Action) -> bool:
    """Only the agency's editors choose who owns an action."""
    return can(user, Can.EDIT, action.agency)


def action_step_allowed(user, action: Action, step: str) -> bool:
    """Whether the user's role lets them perform `step` on this action, whatever its status."""
    if step in (VERIFY, CLOSE):
        return action_may_verify(user, action)
    return step in STEPS and action_can_update(user, action)


def action_step_check(*, action: Action, step: str) -> None:
    """Raise ValidationError (code "status") unless `step` is the one the action's status calls for."""
    expected = action_next_step(action)
    if step == expected:
        return
    if action.status == Status.CLOSED:
        message = _("This action is closed.")
    elif step == ANALYSE and action.source == Source.REVIEW_DECISION:
        message = _("A management review decision needs no cause analysis: plan the action.")
    elif step == PLAN and action.status == Status.OPEN:
        message = _("Analyse the root cause before planning the action.")
    elif step == IMPLEMENT and action.status in (Status.OPEN, Status.CAUSE_ANALYSED):
        message = _("Plan the action before implementing it.")
    elif step == VERIFY:
        message = _("Only an implemented action can be verified.")
    elif step == CLOSE:
        message = _("Only an action verified effective can be closed.")
    else:
        message = _("This step is already done; the action is now “%(status)s”.") % {
            "status": action.get_status_display()
        }
    raise ValidationError(message, code="status")


def _check_owner(owner, agency: Agency) -> None:
    if owner is None:
        return
    is_member = Membership.objects.filter(user=owner, agency=agency, role__in=AGENCY_ROLES).exists()
    if not is_member:
        raise ValidationError({"owner": _("The owner must be a member of %(agency)s.") % {"agency": agency}})


def _save(action: Action, acting_user, reason: str = "") -> None:
    action._history_user = acting_user
    if reason:
        action._change_reason = Truncator(reason).chars(_REASON_LENGTH)
    action.full_clean()
    action.save()


def nonconformity_raise(*, finding: Finding, due_date: date, owner=None, acting_user) -> Action:
    """Track a major or minor nonconformity found in an audit as an action of the audited agency."""
    if finding.grade not in Finding.NONCONFORMITIES:
        raise ValidationError(_("Only a major or minor nonconformity is tracked as a corrective action."))
    agency = finding.audit.agency
    with transaction.atomic():
        if Action.objects.filter(finding=finding).exists():
            raise ValidationError(_("This nonconformity is already tracked."))
        _check_owner(owner, agency)
        action = Action(
            agency=agency,
            source=Source.NONCONFORMITY,
            finding=finding,
            title=Truncator(" ".join(finding.description.split())).chars(300),
            owner=owner,
            due_date=due_date,
        )
        _save(action, acting_user)
    return action


def review_decision_add(
    *, review: ManagementReview, title: str, owner, due_date: date, acting_user
) -> Action:
    """A decision of a management review, tracked like a corrective action (without cause analysis)."""
    with transaction.atomic():
        _check_owner(owner, review.agency)
        action = Action(
            agency=review.agency,
            source=Source.REVIEW_DECISION,
            review=review,
            title=title.strip(),
            owner=owner,
            due_date=due_date,
        )
        _save(action, acting_user)
    return action


def _locked(action: Action, step: str, version: int | None) -> Action:
    # Lock the action row only: PostgreSQL refuses FOR UPDATE on the nullable side of a join.
    locked = (
        Action.objects.select_for_update(of=("self",))
        .select_related("agency", "finding__audit", "review", "owner")
        .get(pk=action.pk)
    )
    # A form loaded before someone else's save is a conflict first: show both versions.
    check_version(locked, version)
    action_step_check(action=locked, step=step)
    return locked


def action_analyse(
    *, action: Action, root_cause: str, correction: str = "", acting_user, version: int | None = None
) -> Action:
    """Record the correction made at once and the root cause of a nonconformity."""
    if not root_cause.strip():
        raise ValidationError({"root_cause": ROOT_CAUSE_REQUIRED})
    with transaction.atomic():
        action = _locked(action, ANALYSE, version)
        action.root_cause, action.correction = root_cause.strip(), correction.strip()
        action.status = Status.CAUSE_ANALYSED
        _save(action, acting_user)
    return action


def action_plan(
    *,
    action: Action,
    action_plan: str,
    due_date: date | None = None,
    due_date_reason: str = "",
    owner=None,
    acting_user,
    version: int | None = None,
) -> Action:
    """Plan the action; a new due date needs a reason (kept in the history), a new owner an editor."""
    if not action_plan.strip():
        raise ValidationError({"action_plan": ACTION_PLAN_REQUIRED})
    with transaction.atomic():
        action = _locked(action, PLAN, version)
        if action.source == Source.NONCONFORMITY and not action.root_cause.strip():
            raise ValidationError(_("Analyse the root cause before planning the action."), code="status")
        reason = ""
        if due_date is not None and due_date != action.due_date:
            if not due_date_reason.strip():
                raise ValidationError({"due_date_reason": DUE_DATE_REASON_REQUIRED})
            if due_date < timezone.localdate():
                raise ValidationError({"due_date": _("The new due date cannot be in the past.")})
            reason = _("Due date %(old)s → %(new)s: %(reason)s") % {
                "old": action.due_date.strftime("%d/%m/%Y"),
                "new": due_date.strftime("%d/%m/%Y"),
                "reason": due_date_reason.strip(),
            }
            action.due_date = due_date
        if owner is not None and owner.pk != action.owner_id:
            if not action_may_assign(acting_user, action):
                raise ValidationError({"owner": _("Only the ISO secretary or the leader assigns the owner.")})
            _check_owner(owner, action.agency)
            action.owner = owner
        action.action_plan = action_plan.strip()
        action.status = Status.ACTION_PLANNED
        _save(action, acting_user, reason)
    return action


def action_implement(
    *, action: Action, implementation_note: str, acting_user, version: int | None = None
) -> Action:
    """Report the planned action as carried out."""
    if not implementation_note.strip():
        raise ValidationError({"implementation_note": IMPLEMENTATION_REQUIRED})
    with transaction.atomic():
        action = _locked(action, IMPLEMENT, version)
        action.implementation_note = implementation_note.strip()
        action.implemented_at = timezone.now()
        action.status = Status.IMPLEMENTED
        _save(action, acting_user)
    return action


def action_verify(
    *, action: Action, effective: bool, note: str, acting_user, version: int | None = None
) -> Action:
    """Check the effect of what was done; not effective sends the action back to be planned again."""
    if not note.strip():
        raise ValidationError({"note": VERIFICATION_NOTE_REQUIRED})
    with transaction.atomic():
        action = _locked(action, VERIFY, version)
        if action.owner_id is not None and action.owner_id == acting_user.pk:
            raise ValidationError(_("The owner of an action cannot verify it."), code="independence")
        Verification.objects.create(
            action=action, effective=effective, note=note.strip(), verified_by=acting_user
        )
        if effective:
            action.status = Status.VERIFIED
            action.verified_by, action.verified_at = acting_user, timezone.now()
            _save(action, acting_user)
        else:
            # Back to the plan: the action is no longer implemented (and may become overdue again).
            action.status = Status.ACTION_PLANNED
            action.implemented_at = None
            _save(action, acting_user, _("Not effective: %(reason)s") % {"reason": note.strip()})
    return action


def action_close(
    *, action: Action, effectiveness_note: str, acting_user, version: int | None = None
) -> Action:
    """Close an action verified effective, with the evaluation of its effectiveness."""
    if not effectiveness_note.strip():
        raise ValidationError({"effectiveness_note": EFFECTIVENESS_REQUIRED})
    with transaction.atomic():
        action = _locked(action, CLOSE, version)
        if action.owner_id is not None and action.owner_id == acting_user.pk:
            raise ValidationError(_("The owner of an action cannot close it."), code="independence")
        action.effectiveness_note = effectiveness_note.strip()
        action.closed_at = timezone.now()
        action.status = Status.CLOSED
        _save(action, acting_user)
    return action


def evidence_add(*, action: Action, file, description: str = "", acting_user) -> Evidence:
    """Attach a PDF, Word or Excel file that shows what was done."""
    if action.status == Status.CLOSED:
        raise ValidationError(_("This action is closed."), code="status")
    validate_document(file)
    with transaction.atomic():
        evidence = Evidence(action=action, description=description.strip(), uploaded_by=acting_user)
        evidence.file.save(file.name, file, save=False)
        evidence.full_clean()
        evidence.save()
    return evidence


def overdue_q(today: date) -> Q:
    """The query form of Action.is_overdue: past due and not implemented."""
    return Q(status__in=Action.NOT_IMPLEMENTED, due_date__lt=today)


def reminder_due_q(today: date) -> Q:
    """Actions not implemented yet that are overdue or due within REMINDER_DAYS days."""
    return Q(status__in=Action.NOT_IMPLEMENTED, due_date__lte=today + timedelta(days=REMINDER_DAYS))


def action_reminders_send(*, today: date) -> int:
    """Email each owner once a day about their actions due within a week or overdue; returns the count."""
    actions = (
        Action.objects.filter(reminder_due_q(today), owner__isnull=False, owner__is_active=True)
        .exclude(owner__email="")
        .exclude(reminders__sent_on=today)
        .select_related("agency", "owner")
        .order_by("due_date", "pk")
    )
    sent = 0
    for action in actions:
        overdue = action.due_date < today
        try:
            # The reminder row and the email stand or fall together: a failed send is retried next run,
            # and the unique (action, day) row stops a second worker from sending the same reminder.
            with transaction.atomic():
                Reminder.objects.create(action=action, sent_on=today, overdue=overdue)
                _send_reminder(action, today=today, overdue=overdue)
        except IntegrityError:
            continue
        except OSError:
            # One unreachable mailbox must not hold back the others' reminders (SMTPException is an OSError).
            logger.exception("Reminder for action %s could not be sent", action.pk)
            continue
        sent += 1
    return sent


def _send_reminder(action: Action, *, today: date, overdue: bool) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "action": action,
            "owner_name": action.owner.get_full_name() or action.owner.get_username(),
            "due_date": action.due_date.strftime("%d/%m/%Y"),
            "days_late": (today - action.due_date).days,
            "days_left": (action.due_date - today).days,
            "overdue": overdue,
            "path": action.get_absolute_url(),
        }
        subject = " ".join(render_to_string("audits/email_action_reminder_subject.txt", context).split())
        body = render_to_string("audits/email_action_reminder.txt", context)
        send_mail(subject, body, None, [action.owner.email])
