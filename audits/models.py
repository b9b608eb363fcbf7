from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from agencies.models import Agency, Province
from procedures.models import Process
from qms_portal.concurrency import Versioned
from qms_portal.text import FoldedSearch

User = settings.AUTH_USER_MODEL


class Clause(models.Model):
    """A clause of TCVN ISO 9001 (2015: 4.1 … 10.3; 2008 for older systems), loaded by a data migration."""

    class Standard(models.TextChoices):
        ISO_2015 = "2015", "TCVN ISO 9001:2015"
        ISO_2008 = "2008", "TCVN ISO 9001:2008"

    standard = models.CharField(_("standard"), max_length=4, choices=Standard.choices)
    number = models.CharField(_("clause"), max_length=10)
    title_vi = models.CharField(_("Vietnamese title"), max_length=300)
    title_en = models.CharField(_("English title"), max_length=300)
    sort_key = models.CharField(max_length=30, editable=False)

    class Meta:
        ordering = ["standard", "sort_key"]
        verbose_name = _("ISO 9001 clause")
        verbose_name_plural = _("ISO 9001 clauses")
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="clause_unique_per_standard")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs) -> None:
        self.sort_key = self.sort_key_of(self.number)
        super().save(*args, **kwargs)

    @staticmethod
    def sort_key_of(number: str) -> str:
        """ "10.2" after "9.3": compare the parts as numbers."""
        return ".".join(f"{int(part):03d}" for part in number.split("."))

    @property
    def title(self) -> str:
        return self.title_en if translation.get_language() == "en" else self.title_vi


class AuditProgramme(models.Model):
    """The internal audit programme of an agency for a year."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="audit_programmes")
    year = models.PositiveSmallIntegerField(_("year"))
    objectives = models.TextField(_("objectives and criteria"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["agency", "-year"]
        verbose_name = _("audit programme")
        verbose_name_plural = _("audit programmes")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="auditprogramme_unique_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("audits:programme_detail", args=[self.pk])


class InspectionPlan(models.Model):
    """The province's annual inspection plan (Mẫu 19 KHKT): which agencies, on documents or on site."""

    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="inspection_plans")
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=300)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["province", "-year"]
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        constraints = [
            models.UniqueConstraint(fields=["province", "year"], name="inspectionplan_unique_per_year")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("audits:plan_detail", args=[self.pk])


class Audit(FoldedSearch, models.Model):
    """An internal audit, a provincial inspection (kiểm tra) or an external certification audit."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("Internal audit")
        INSPECTION = "inspection", _("Provincial inspection")
        EXTERNAL = "external", _("External certification audit")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        REPORTED = "reported", _("Reported")
        CLOSED = "closed", _("Closed")

    class Method(models.TextChoices):
        DOCUMENTS = "documents", _("On documents")
        ON_SITE = "on_site", _("On site")

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="audits", verbose_name=_("agency")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INTERNAL)
    programme = models.ForeignKey(
        AuditProgramme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audits",
        verbose_name=_("audit programme"),
    )
    plan = models.ForeignKey(
        InspectionPlan,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("inspection plan"),
    )
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, blank=True)
    title = models.CharField(_("title"), max_length=300)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    scope_processes = models.ManyToManyField(
        Process, blank=True, related_name="audits", verbose_name=_("processes audited")
    )
    scope_units = models.TextField(_("units audited"), blank=True)
    lead_auditor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead auditor"),
    )
    auditors = models.ManyToManyField(User, blank=True, related_name="+", verbose_name=_("auditors"))
    team_note = models.CharField(_("other team members"), max_length=500, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=50, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    conclusion = models.TextField(_("conclusion"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    search_text = models.CharField(max_length=400, editable=False, default="")

    history = HistoricalRecords(m2m_fields=[scope_processes])
    SEARCH_FIELDS = ("title",)

    class Meta:
        ordering = ["-planned_start", "pk"]
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")), name="audit_planned_ordered"
            ),
            models.CheckConstraint(
                condition=Q(actual_end__isnull=True)
                | Q(actual_start__isnull=False, actual_end__gte=models.F("actual_start")),
                name="audit_actual_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(kind="inspection") | Q(plan__isnull=False) & ~Q(method=""),
                name="audit_inspection_in_a_plan",
            ),
            models.UniqueConstraint(
                fields=["plan", "agency"],
                condition=Q(plan__isnull=False),
                name="audit_one_inspection_per_plan",
            ),
        ]
        indexes = [models.Index(fields=["agency", "kind", "planned_start"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("audits:audit_detail", args=[self.pk])


class ChecklistLine(models.Model):
    class Result(models.TextChoices):
        NOT_CHECKED = "not_checked", _("Not checked yet")
        CONFORMING = "conforming", _("Conforming")
        NONCONFORMING = "nonconforming", _("Nonconforming")
        OBSERVATION = "observation", _("Observation")

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="checklist")
    order = models.PositiveSmallIntegerField(_("order"))
    clause = models.ForeignKey(
        Clause, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("clause")
    )
    requirement = models.TextField(_("what is checked"))
    result = models.CharField(_("result"), max_length=20, choices=Result.choices, default=Result.NOT_CHECKED)
    evidence = models.TextField(_("evidence"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["audit", "order"]
        verbose_name = _("checklist line")
        verbose_name_plural = _("checklist lines")
        constraints = [models.UniqueConstraint(fields=["audit", "order"], name="checklistline_order_unique")]

    def __str__(self) -> str:
        return self.requirement[:80]


class Finding(models.Model):
    class Grade(models.TextChoices):
        MAJOR = "major", _("Major nonconformity")
        MINOR = "minor", _("Minor nonconformity")
        OBSERVATION = "observation", _("Observation")
        IMPROVEMENT = "improvement", _("Opportunity for improvement")

    NONCONFORMITIES = (Grade.MAJOR, Grade.MINOR)

    audit = models.ForeignKey(
        Audit, on_delete=models.CASCADE, related_name="findings", verbose_name=_("audit")
    )
    clause = models.ForeignKey(
        Clause, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("clause")
    )
    grade = models.CharField(_("grade"), max_length=20, choices=Grade.choices)
    description = models.TextField(_("description"))
    evidence = models.TextField(_("evidence"), blank=True)
    process = models.ForeignKey(
        Process,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("process concerned"),
    )
    raised_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["audit", "pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.get_grade_display()}: {self.description[:60]}"

    @property
    def is_nonconformity(self) -> bool:
        return self.grade in self.NONCONFORMITIES


class ManagementReview(FoldedSearch, models.Model):
    """Management review (xem xét của lãnh đạo), ISO 9001:2015 9.3: inputs 9.3.2, outputs 9.3.3."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FINALIZED = "finalized", _("Finalized")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="management_reviews")
    held_on = models.DateField(_("date"))
    chair = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("chair")
    )
    participants = models.TextField(_("participants"), blank=True)
    # 9.3.2 inputs
    previous_actions = models.TextField(_("status of actions from previous reviews"), blank=True)
    context_changes = models.TextField(_("changes in external and internal issues"), blank=True)
    performance = models.TextField(
        _("performance and effectiveness: satisfaction, objectives, processes, nonconformities, audits"),
        blank=True,
    )
    resources = models.TextField(_("adequacy of resources"), blank=True)
    risks_opportunities = models.TextField(
        _("effectiveness of actions on risks and opportunities"), blank=True
    )
    improvement_opportunities = models.TextField(_("opportunities for improvement"), blank=True)
    # 9.3.3 outputs
    output_improvements = models.TextField(_("decisions on opportunities for improvement"), blank=True)
    output_changes = models.TextField(_("need for changes to the QMS"), blank=True)
    output_resources = models.TextField(_("resource needs"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    finalized_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    finalized_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    search_text = models.CharField(max_length=2000, editable=False, default="")

    history = HistoricalRecords()
    SEARCH_FIELDS = ("participants",)

    class Meta:
        ordering = ["agency", "-held_on"]
        verbose_name = _("management review")
        verbose_name_plural = _("management reviews")

    def __str__(self) -> str:
        return f"{self.agency} {self.held_on:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("audits:review_detail", args=[self.pk])


class Action(Versioned, FoldedSearch, models.Model):
    """One tracking mechanism for nonconformities with their corrective action, and for management review
    decisions: open → cause analysed → action planned → implemented → verified effective → closed."""

    class Source(models.TextChoices):
        NONCONFORMITY = "nonconformity", _("Nonconformity")
        REVIEW_DECISION = "review_decision", _("Management review decision")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CAUSE_ANALYSED = "cause_analysed", _("Cause analysed")
        ACTION_PLANNED = "action_planned", _("Action planned")
        IMPLEMENTED = "implemented", _("Implemented")
        VERIFIED = "verified", _("Verified effective")
        CLOSED = "closed", pgettext_lazy("action status", "Closed")

    NOT_IMPLEMENTED = (Status.OPEN, Status.CAUSE_ANALYSED, Status.ACTION_PLANNED)

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="actions", verbose_name=_("agency")
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    finding = models.OneToOneField(
        Finding,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="action",
        verbose_name=_("finding"),
    )
    review = models.ForeignKey(
        ManagementReview,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("management review"),
    )
    title = models.CharField(_("title"), max_length=300)
    correction = models.TextField(_("correction"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    action_plan = models.TextField(_("corrective action"), blank=True)
    owner = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_actions",
        verbose_name=_("owner"),
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    implemented_at = models.DateTimeField(_("implemented at"), null=True, blank=True)
    implementation_note = models.TextField(_("what was done"), blank=True)
    effectiveness_note = models.TextField(_("effectiveness evaluation"), blank=True)
    verified_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    search_text = models.CharField(max_length=400, editable=False, default="")

    history = HistoricalRecords()
    SEARCH_FIELDS = ("title",)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(source="nonconformity", finding__isnull=False, review__isnull=True)
                | Q(source="review_decision", finding__isnull=True, review__isnull=False),
                name="action_source_matches_origin",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "status", "due_date"]),
            models.Index(fields=["owner", "status"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("audits:action_detail", args=[self.pk])

    def is_overdue(self, on) -> bool:
        """Past due and not implemented."""
        return self.status in self.NOT_IMPLEMENTED and self.due_date < on


class Verification(models.Model):
    """Each effectiveness check of an action, kept even when it sends the action back."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="verifications")
    effective = models.BooleanField(_("effective"))
    note = models.TextField(_("reason"))
    verified_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    verified_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["action", "verified_at"]
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")

    def __str__(self) -> str:
        return f"{self.action} — {self.verified_at:%d/%m/%Y}"


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    return f"evidence/{instance.action.agency_id}/{instance.action_id}/{filename}"


class Evidence(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=300)
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["action", "uploaded_at"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]


class Reminder(models.Model):
    """A reminder sent about an action on a day: at most one per action per day."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="reminders")
    sent_on = models.DateField()
    overdue = models.BooleanField()

    class Meta:
        ordering = ["-sent_on"]
        constraints = [models.UniqueConstraint(fields=["action", "sent_on"], name="reminder_once_per_day")]

    def __str__(self) -> str:
        return f"{self.action} {self.sent_on:%d/%m/%Y}"


def activity_upload_to(instance: "Activity", filename: str) -> str:
    return f"activities/{instance.agency_id}/{filename}"


class Activity(FoldedSearch, models.Model):
    """Steering committee meetings and training sessions: both are evidence the system lives."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("Steering committee meeting")
        TRAINING = "training", _("Training session")

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="qms_activities")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=300)
    participants = models.TextField(_("participants"), blank=True)
    participant_count = models.PositiveIntegerField(_("number of participants"), null=True, blank=True)
    file = models.FileField(
        _("minutes or attendance"), upload_to=activity_upload_to, blank=True, max_length=300
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    search_text = models.CharField(max_length=2000, editable=False, default="")

    history = HistoricalRecords()
    SEARCH_FIELDS = ("topic", "participants")

    class Meta:
        ordering = ["agency", "-held_on"]
        verbose_name = _("meeting or training")
        verbose_name_plural = _("meetings and trainings")
        indexes = [models.Index(fields=["agency", "kind", "held_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on:%d/%m/%Y}: {self.topic}"
