"""Legal documents, and the review flags their changes raise on the processes in force that cite them."""

import calendar
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from agencies.access import Action

from ..legal_selectors import document_by_number
from ..models import LegalDocument, Process, ProcessRevision, ReviewFlag
from ..selectors import process_can

DocumentStatus = LegalDocument.Status
# The changes a reviewer records; "in force" is where every document starts.
CHANGES = (DocumentStatus.AMENDED, DocumentStatus.REPLACED, DocumentStatus.EXPIRED)


def add_months(day: date, months: int) -> date:
    """`day` plus whole calendar months, clamped to the month's end: 31/01 + 1 month = 28/02 (29/02)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _check_document(document: LegalDocument) -> None:
    errors: dict[str, list[str]] = {}
    duplicate = document_by_number(document.number)
    if duplicate is not None and duplicate.pk != document.pk:
        errors["number"] = [
            _("Legal document %(number)s is already in the portal.") % {"number": duplicate.number}
        ]
    if document.issued_on and document.effective_on and document.effective_on < document.issued_on:
        errors["effective_on"] = [_("A document cannot take effect before it is issued.")]
    start = document.effective_on or document.issued_on
    if start and document.expires_on and document.expires_on <= start:
        errors["expires_on"] = [_("The expiry date must be after the date the document takes effect.")]
    if errors:
        raise ValidationError(errors)


def legal_document_create(
    *,
    number: str,
    title: str = "",
    issuer: str = "",
    issued_on: date | None = None,
    effective_on: date | None = None,
    expires_on: date | None = None,
    acting_user,
) -> LegalDocument:
    """Add a legal document to the national reference list."""
    document = LegalDocument(
        number=number.strip(),
        title=title.strip(),
        issuer=issuer.strip(),
        issued_on=issued_on,
        effective_on=effective_on,
        expires_on=expires_on,
    )
    document._history_user = acting_user
    with transaction.atomic():
        _check_document(document)
        document.full_clean()
        document.save()
    return document


def legal_document_update(
    *,
    document: LegalDocument,
    number: str,
    title: str = "",
    issuer: str = "",
    issued_on: date | None = None,
    effective_on: date | None = None,
    expires_on: date | None = None,
    acting_user,
) -> LegalDocument:
    """Correct a document's identity and dates; changes of status go through `legal_document_change`."""
    with transaction.atomic():
        document = LegalDocument.objects.select_for_update().get(pk=document.pk)
        document.number, document.title, document.issuer = number.strip(), title.strip(), issuer.strip()
        document.issued_on, document.effective_on, document.expires_on = issued_on, effective_on, expires_on
        document._history_user = acting_user
        _check_document(document)
        document.full_clean()
        document.save()
    return document


def legal_document_change(
    *,
    document: LegalDocument,
    status: str,
    effective_on: date | None,
    replaced_by: LegalDocument | None = None,
    acting_user,
) -> int:
    """Record that `document` was amended, replaced or expired, and flag for review every process whose
    revision in force cites it. Returns how many processes were newly flagged."""
    with transaction.atomic():
        # The lock serialises two changes of one document, so neither raises a duplicate open flag.
        document = LegalDocument.objects.select_for_update().get(pk=document.pk)
        errors: dict[str, list[str]] = {}
        # Without a known effective date, the document cannot have changed before it was issued.
        start = document.effective_on or document.issued_on
        if status not in CHANGES:
            errors["status"] = [_("Choose amended, replaced or expired.")]
        if effective_on is None:
            errors["effective_on"] = [_("Enter the date the change takes effect.")]
        elif start and effective_on < start:
            errors["effective_on"] = [
                _("The change cannot take effect before the document itself (%(date)s).")
                % {"date": formats.date_format(start, "d/m/Y")}
            ]
        elif status == DocumentStatus.EXPIRED and start and effective_on == start:
            errors["effective_on"] = [_("The expiry date must be after the date the document takes effect.")]
        if status == DocumentStatus.REPLACED:
            if replaced_by is None:
                errors["replaced_by"] = [_("Name the document that replaces this one.")]
            elif replaced_by.pk == document.pk:
                errors["replaced_by"] = [_("A document cannot replace itself.")]
        elif replaced_by is not None:
            errors["replaced_by"] = [_("Only a replacement names a replacing document.")]
        if errors:
            raise ValidationError(errors)

        document.status, document.status_effective_on = status, effective_on
        document.replaced_by = replaced_by
        if status == DocumentStatus.EXPIRED:
            document.expires_on = effective_on
        document._history_user = acting_user
        document.full_clean()
        document.save()

        already_flagged = ReviewFlag.objects.filter(legal_document=document, resolved_on__isnull=True).values(
            "process_id"
        )
        citing = (
            Process.objects.filter(
                revisions__status=ProcessRevision.Status.IN_FORCE, revisions__references=document
            )
            .exclude(pk__in=already_flagged)
            .values_list("pk", flat=True)
            .distinct()
        )
        today = timezone.localdate()
        due_on = add_months(effective_on, settings.QMS_LEGAL_REVIEW_MONTHS)
        flags = [
            ReviewFlag(
                process_id=process_id,
                legal_document=document,
                document_status=status,
                raised_on=today,
                due_on=due_on,
            )
            for process_id in citing
        ]
        # Rows built here from checked values: no full_clean(), which would cost a query per flag.
        bulk_create_with_history(flags, ReviewFlag, default_user=acting_user)
    return len(flags)


def flag_resolve_no_change(*, flag: ReviewFlag, note: str, acting_user) -> ReviewFlag:
    """The agency leader (a provincial reviewer for a framework template) closes a flag: no change needed."""
    if not process_can(acting_user, Action.APPROVE, flag.process):
        raise PermissionDenied
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say why the process needs no change.")]})
    with transaction.atomic():
        flag = ReviewFlag.objects.select_for_update().get(pk=flag.pk)
        if flag.resolved_on is not None:
            raise ValidationError(
                _("This flag was already resolved on %(date)s.")
                % {"date": formats.date_format(flag.resolved_on, "d/m/Y")}
            )
        flag.resolved_on = timezone.localdate()
        flag.resolution = ReviewFlag.Resolution.NO_CHANGE
        flag.resolved_by = acting_user
        flag.note = note
        flag._history_user = acting_user
        flag.full_clean()
        flag.save()
    return flag


def flags_resolve_for_revision(*, revision: ProcessRevision, acting_user) -> int:
    """A new revision of the process came into force: its open flags are resolved by it. Returns how many."""
    if revision.status != ProcessRevision.Status.IN_FORCE:
        raise ValidationError(_("Only a revision in force resolves review flags."))
    with transaction.atomic():
        flags = list(
            ReviewFlag.objects.select_for_update().filter(
                process_id=revision.process_id, resolved_on__isnull=True
            )
        )
        today = timezone.localdate()
        for flag in flags:
            flag.resolved_on = today
            flag.resolution = ReviewFlag.Resolution.NEW_REVISION
            flag.resolving_revision = revision
            flag.resolved_by = acting_user
        bulk_update_with_history(
            flags,
            ReviewFlag,
            ["resolved_on", "resolution", "resolving_revision", "resolved_by"],
            default_user=acting_user,
        )
    return len(flags)
