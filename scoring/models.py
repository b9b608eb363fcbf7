"""Rubrics, assessments against them, and provincial targets (DESIGN §2 scoring)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agencies.models import Agency, Province
from qms_portal.concurrency import Versioned

User = settings.AUTH_USER_MODEL
POINTS = {"max_digits": 6, "decimal_places": 2}


class Metric(models.TextChoices):
    """Values the portal computes for (agency, year); see scoring.metrics."""

    COVERAGE = "coverage", _("Procedures covered by a process in force")
    OBJECTIVES_DEFINED = "objectives_defined", _("Quality policy approved and objectives set for the year")
    SYSTEM_PROCESSES = "system_processes_in_force", _("System processes in force (of the five)")
    LEGAL_UPDATES = "legal_updates_on_time", _("Processes reviewed on time after a legal change")
    STEERING_MEETINGS = "steering_meetings", _("Steering committee meetings held")
    TRAININGS = "trainings", _("Training sessions held")
    ONTIME_RATE = "ontime_rate", _("One-stop dossiers resolved on time")
    OBJECTIVES_MET = "objectives_met", _("Quality objectives met")
    INTERNAL_AUDIT = "internal_audit_held", _("Internal audit held")
    NC_CLOSED_ON_TIME = "nc_closed_on_time", _("Nonconformities closed by their due date")
    INSPECTION_FOLLOWUP = "inspection_followup_on_time", _("Inspection findings acted on within two months")
    MANAGEMENT_REVIEW = "management_review_held", _("Management review held")
    REVIEW_ACTIONS = "review_actions_done", _("Management review decisions carried out on time")
    DECLARATION = "declaration_current", _("Conformity declared with TCVN ISO 9001:2015")
    REDECLARED = "redeclared_after_scope_change", _("Re-declared after every change of scope")
    SELF_ASSESSMENT = "self_assessment_on_time", _("Self-assessment submitted by the deadline")


class Rule(models.TextChoices):
    PROPORTIONAL = "proportional", _("Proportional (maximum × share)")
    YES_NO = "yes_no", _("Yes / no (maximum when met)")
    THRESHOLDS = "thresholds", _("Thresholds (points of the highest threshold reached)")


class Rubric(models.Model):
    """A province's scoring rubric for a year. Published rubrics are frozen; next year's starts as a copy."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, related_name="rubrics", verbose_name=_("province")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=300)
    total = models.DecimalField(
        _("total points"), default=Decimal(100), validators=[MinValueValidator(Decimal(1))], **POINTS
    )
    self_assessment_deadline = models.DateField(_("self-assessment deadline"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    results_published_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    results_published_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    copied_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("copy of"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["province", "-year", "name"]
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        constraints = [
            models.UniqueConstraint(fields=["province", "year", "name"], name="rubric_unique_name_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    def get_absolute_url(self) -> str:
        return reverse("scoring:rubric_detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def results_published(self) -> bool:
        return self.results_published_at is not None


class CriterionGroup(models.Model):
    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="groups")
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=500)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["rubric", "order", "code"]
        verbose_name = _("criterion group")
        verbose_name_plural = _("criterion groups")
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="group_code_unique_per_rubric")
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"


class Criterion(models.Model):
    """A scored criterion; with a metric, its points come from the data through its rule."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    group = models.ForeignKey(
        CriterionGroup, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("group")
    )
    code = models.CharField(_("code"), max_length=20)
    text = models.TextField(_("criterion"))
    guidance = models.TextField(_("guidance"), blank=True)
    max_points = models.DecimalField(
        _("maximum points"), validators=[MinValueValidator(Decimal("0.25"))], **POINTS
    )
    metric = models.CharField(_("metric"), max_length=40, choices=Metric.choices, blank=True)
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices, blank=True)
    # For the thresholds rule: [[value, points], ...], ascending; the highest reached counts.
    thresholds = models.JSONField(_("thresholds"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["rubric", "group__order", "order", "code"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="criterion_code_unique_per_rubric"),
            models.CheckConstraint(
                condition=Q(metric="", rule="") | (~Q(metric="") & ~Q(rule="")),
                name="criterion_metric_has_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"

    @property
    def is_computed(self) -> bool:
        return bool(self.metric)


class Band(models.Model):
    """A score band; a band runs from its lower bound (inclusive or not) up to the next band's."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="bands")
    label = models.CharField(_("label"), max_length=100)
    lower_bound = models.DecimalField(_("lower bound"), **POINTS)
    inclusive = models.BooleanField(_("lower bound inclusive"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["rubric", "-lower_bound", "inclusive"]
        verbose_name = _("band")
        verbose_name_plural = _("bands")

    def __str__(self) -> str:
        return f"{self.label} ({'≥' if self.inclusive else '>'} {self.lower_bound})"


class Assessment(models.Model):
    """An agency scored against a rubric: by itself (self) or by the province (official)."""

    class Kind(models.TextChoices):
        SELF = "self", _("Self-assessment")
        OFFICIAL = "official", _("Official assessment")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        FINALIZED = "finalized", _("Finalized")

    rubric = models.ForeignKey(
        Rubric, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("rubric")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("agency")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    total = models.DecimalField(_("total"), default=Decimal(0), **POINTS)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    finalized_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    finalized_at = models.DateTimeField(_("finalized at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["rubric", "agency__name", "kind"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["rubric", "agency", "kind"], name="one_assessment_per_kind"),
        ]
        indexes = [models.Index(fields=["rubric", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.agency} — {self.get_kind_display()} — {self.rubric}"

    def get_absolute_url(self) -> str:
        return reverse("scoring:assessment_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.FINALIZED

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT


class AssessmentLine(Versioned, models.Model):
    """The points of one criterion; a computed criterion keeps its value, and an override its reason."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="lines")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="lines")
    computed_value = models.DecimalField(
        _("computed value"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    computed_points = models.DecimalField(_("computed points"), null=True, blank=True, **POINTS)
    explanation = models.TextField(_("how it was computed"), blank=True)
    points = models.DecimalField(
        _("points"), null=True, blank=True, validators=[MinValueValidator(0)], **POINTS
    )
    override_reason = models.TextField(_("reason for overriding the computed points"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "criterion__group__order", "criterion__order", "criterion__code"]
        verbose_name = _("assessment line")
        verbose_name_plural = _("assessment lines")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="one_line_per_criterion"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} — {self.criterion.code}"

    @property
    def is_overridden(self) -> bool:
        return (
            self.computed_points is not None
            and self.points is not None
            and self.points != self.computed_points
        )


def line_evidence_upload_to(instance: "LineEvidence", filename: str) -> str:
    line = instance.line
    return f"assessments/{line.assessment.agency_id}/{line.assessment_id}/{filename}"


class LineEvidence(models.Model):
    line = models.ForeignKey(AssessmentLine, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to=line_evidence_upload_to, max_length=300)
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["line", "uploaded_at"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]


class AssessmentEvent(models.Model):
    """The workflow's trail: who submitted, finalized, reopened (with the reason) or imported, and when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        IMPORTED = "imported", _("Scores imported")
        SUBMITTED = "submitted", _("Submitted")
        FINALIZED = "finalized", _("Finalized")
        REOPENED = "reopened", _("Reopened")
        RECOMPUTED = "recomputed", _("Computed values refreshed")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    reason = models.TextField(_("reason"), blank=True)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessment", "at", "pk"]
        verbose_name = _("assessment event")
        verbose_name_plural = _("assessment events")

    def __str__(self) -> str:
        return f"{self.assessment} — {self.get_kind_display()}"


class Target(models.Model):
    """A provincial target, e.g. "every commune People's Committee declared by 31/12/2027"."""

    class Measure(models.TextChoices):
        DECLARED = "declared", _("Share of agencies that have declared conformity")
        DECLARED_2015 = "declared_2015", _("Share of agencies declared with TCVN ISO 9001:2015")
        APPLIED = "applied", _("Share of agencies applying the QMS (applied or declared)")
        FULL_COVERAGE = "full_coverage", _("Share of agencies with every procedure covered by a process")
        INTERNAL_AUDIT = "internal_audit", _("Share of agencies that held an internal audit this year")
        MANAGEMENT_REVIEW = (
            "management_review",
            _("Share of agencies that held a management review this year"),
        )

    province = models.ForeignKey(
        Province, on_delete=models.CASCADE, related_name="targets", verbose_name=_("province")
    )
    measure = models.CharField(_("measure"), max_length=30, choices=Measure.choices)
    level = models.CharField(_("agency level"), max_length=20, choices=Agency.Level.choices, blank=True)
    value = models.DecimalField(
        _("target (%)"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    start_on = models.DateField(_("counted from"))
    deadline = models.DateField(_("deadline"))
    # The measure when the target was set, so the pace since then can be projected to the deadline.
    baseline = models.DecimalField(
        _("value when set (%)"), max_digits=5, decimal_places=2, default=Decimal(0)
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["province", "deadline", "measure"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.CheckConstraint(condition=Q(value__lte=100), name="target_at_most_100_percent"),
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("start_on")), name="target_deadline_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} — {self.value}% — {self.deadline:%d/%m/%Y}"


def report_upload_to(instance: "Report", filename: str) -> str:
    return f"reports/{instance.requested_at:%Y/%m}/{filename}"


class Report(models.Model):
    """A PDF produced by Celery (DESIGN §5): queued → running → done | failed, then listed and downloaded."""

    class Kind(models.TextChoices):
        AGENCY_COMPLIANCE = "agency_compliance", _("Agency compliance report")
        PROVINCE_SUMMARY = "province_summary", _("Provincial summary")
        INSPECTION_MINUTES = "inspection_minutes", _("Inspection minutes")
        DECLARATION = "declaration", _("Declaration of conformity")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # Scope: an agency's reports name the agency; provincial ones the province; inspection minutes the audit.
    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("agency"),
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("province"),
    )
    audit = models.ForeignKey(
        "audits.Audit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("inspection"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), null=True, blank=True)  # None: the whole year
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(_("file"), upload_to=report_upload_to, blank=True, max_length=300)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    scheduled = models.BooleanField(_("produced on schedule"), default=False)
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4),
                name="report_quarter_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(agency__isnull=False) | Q(province__isnull=False), name="report_has_a_scope"
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "-requested_at"]),
            models.Index(fields=["province", "-requested_at"]),
            models.Index(fields=["status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.scope_name} — {self.period_label}"

    def get_absolute_url(self) -> str:
        return reverse("scoring:report_detail", args=[self.pk])

    @property
    def scope_name(self) -> str:
        return str(self.agency or self.province or "")

    @property
    def period_label(self) -> str:
        return f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
