from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from qms_portal.text import FoldedSearch, fold


class Province(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class QmsStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    BUILDING = "building", _("Building")
    APPLIED = "applied", _("Applied")
    DECLARED = "declared", _("Declared")
    REDECLARED = "redeclared", _("Re-declared")

    @classmethod
    def declarations(cls) -> list[str]:
        return [cls.DECLARED, cls.REDECLARED]


class AgencyQuerySet(models.QuerySet):
    def with_current_status(self) -> "AgencyQuerySet":
        """Annotate `current_status` from the latest dated status record (one subquery, no N+1)."""
        latest = StatusChange.objects.filter(agency=OuterRef("pk")).order_by("-changed_on", "-pk")
        return self.annotate(
            current_status=Subquery(latest.values("status")[:1]),
            current_iso_version=Subquery(latest.values("iso_version")[:1]),
            current_since=Subquery(latest.values("changed_on")[:1]),
        )

    def operating(self, on: date | None = None) -> "AgencyQuerySet":
        """Agencies in operation on a date (today by default): not merged away, not yet closed."""
        on = on or timezone.localdate()
        return self.filter(
            Q(active_from__isnull=True) | Q(active_from__lte=on),
            Q(active_until__isnull=True) | Q(active_until__gte=on),
            merged_into__isnull=True,
        )

    def search(self, query: str) -> "AgencyQuerySet":
        folded = fold(query)
        return self.filter(search_text__contains=folded) if folded else self


class Agency(FoldedSearch, models.Model):
    class Level(models.TextChoices):
        DEPARTMENT = "department", _("Provincial department")
        BRANCH = "branch", _("Branch")
        DISTRICT = "district", _("District People's Committee")
        COMMUNE = "commune", _("Commune People's Committee")
        OTHER = "other", _("Other")

    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("province")
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=255)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent agency"),
    )
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_until = models.DateField(_("active until"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("merged into"),
    )
    # Folded code and name: lets search ignore diacritics identically on PostgreSQL and SQLite.
    search_text = models.CharField(max_length=400, editable=False, default="")

    objects = AgencyQuerySet.as_manager()
    SEARCH_FIELDS = ("code", "name")

    class Meta:
        ordering = ["province", "name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.UniqueConstraint(fields=["province", "code"], name="agency_code_unique_per_province"),
            models.CheckConstraint(
                condition=Q(active_until__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_until__gte=models.F("active_from")),
                name="agency_active_period_ordered",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="agency_not_own_parent"),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="agency_not_merged_into_itself"
            ),
        ]
        indexes = [models.Index(fields=["province", "level"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("agencies:detail", args=[self.pk])

    def is_operating(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        started = self.active_from is None or self.active_from <= on
        return (
            self.merged_into_id is None and started and (self.active_until is None or self.active_until >= on)
        )


class StatusChange(models.Model):
    """A dated change of an agency's QMS status; the current status is the latest one."""

    class IsoVersion(models.TextChoices):
        ISO_2008 = "2008", "TCVN ISO 9001:2008"
        ISO_2015 = "2015", "TCVN ISO 9001:2015"

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("agency")
    )
    status = models.CharField(_("status"), max_length=20, choices=QmsStatus.choices)
    changed_on = models.DateField(_("date of change"))
    iso_version = models.CharField(_("ISO version"), max_length=4, choices=IsoVersion.choices, blank=True)
    decision_number = models.CharField(_("declaration decision number"), max_length=50, blank=True)
    decision_date = models.DateField(_("declaration decision date"), null=True, blank=True)
    scope = models.TextField(_("scope"), blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-changed_on", "-pk"]
        get_latest_by = ["changed_on", "pk"]
        verbose_name = _("QMS status change")
        verbose_name_plural = _("QMS status changes")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=QmsStatus.declarations())
                | (~Q(decision_number="") & Q(decision_date__isnull=False) & ~Q(iso_version="")),
                name="statuschange_declaration_has_decision",
            ),
        ]
        indexes = [models.Index(fields=["agency", "-changed_on", "-id"], name="statuschange_latest")]

    def __str__(self) -> str:
        return f"{self.agency} — {self.get_status_display()} ({self.changed_on:%d/%m/%Y})"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        today = timezone.localdate()
        for name in ("changed_on", "decision_date"):
            if getattr(self, name) and getattr(self, name) > today:
                errors.setdefault(name, []).append(_("The date cannot be in the future."))
        agency = self.agency if self.agency_id else None
        if agency and agency.active_until and self.changed_on and self.changed_on > agency.active_until:
            errors.setdefault("changed_on", []).append(
                _("The agency ceased operating on %(date)s.")
                % {"date": agency.active_until.strftime("%d/%m/%Y")}
            )
        if self.is_declaration:
            if not self.decision_number.strip():
                errors.setdefault("decision_number", []).append(_("A declaration needs its decision number."))
            if not self.decision_date:
                errors.setdefault("decision_date", []).append(_("A declaration needs its decision date."))
            if not self.iso_version:
                errors.setdefault("iso_version", []).append(
                    _("A declaration names the ISO version it conforms to.")
                )
            if self.decision_date and self.changed_on and self.decision_date > self.changed_on:
                errors.setdefault("decision_date", []).append(
                    _("The decision cannot be dated after the declaration it records.")
                )
        if errors:
            raise ValidationError(errors)

    @property
    def is_declaration(self) -> bool:
        return self.status in QmsStatus.declarations()


class Role(models.TextChoices):
    STAFF = "staff", _("Staff")
    ISO_SECRETARY = "iso_secretary", _("ISO secretary")
    AGENCY_LEADER = "agency_leader", _("Agency leader")
    PROVINCIAL_REVIEWER = "provincial_reviewer", _("Provincial reviewer")
    NATIONAL_VIEWER = "national_viewer", _("National viewer")


AGENCY_ROLES = [Role.STAFF, Role.ISO_SECRETARY, Role.AGENCY_LEADER]


class Membership(models.Model):
    """A user's role in an agency, in a province (reviewers) or nationwide (national viewers)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("agency"),
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("province"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=AGENCY_ROLES, agency__isnull=False, province__isnull=True)
                    | Q(role=Role.PROVINCIAL_REVIEWER, agency__isnull=True, province__isnull=False)
                    | Q(role=Role.NATIONAL_VIEWER, agency__isnull=True, province__isnull=True)
                ),
                name="membership_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "agency"],
                condition=Q(agency__isnull=False),
                name="membership_unique_agency_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "province"],
                condition=Q(province__isnull=False),
                name="membership_unique_province_role",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role="national_viewer"),
                name="membership_unique_national_viewer",
            ),
        ]

    def __str__(self) -> str:
        where = self.agency or self.province or _("nationwide")
        return f"{self.user} — {self.get_role_display()} — {where}"

    def clean(self) -> None:
        if self.role in AGENCY_ROLES and (self.agency_id is None or self.province_id is not None):
            raise ValidationError(
                _("Staff, ISO secretaries and leaders belong to an agency, not a province.")
            )
        if self.role == Role.PROVINCIAL_REVIEWER and (self.province_id is None or self.agency_id is not None):
            raise ValidationError(_("A provincial reviewer belongs to a province, not an agency."))
        if self.role == Role.NATIONAL_VIEWER and (self.province_id is not None or self.agency_id is not None):
            raise ValidationError(
                _("A national viewer sees every province: leave agency and province empty.")
            )
