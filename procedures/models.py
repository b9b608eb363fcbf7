from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agencies.models import Agency, Province
from qms_portal.concurrency import Versioned
from qms_portal.text import FoldedSearch

User = settings.AUTH_USER_MODEL


class LegalDocument(FoldedSearch, models.Model):
    """A legal text (văn bản quy phạm pháp luật) that procedures and processes cite."""

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("In force")
        AMENDED = "amended", _("Amended")
        REPLACED = "replaced", _("Replaced")
        EXPIRED = "expired", _("Expired")

    number = models.CharField(_("number and symbol"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    effective_on = models.DateField(_("effective from"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IN_FORCE)
    # When the current status took effect: the review deadline of citing processes counts from it.
    status_effective_on = models.DateField(_("change takes effect on"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("replaced by"),
    )
    search_text = models.CharField(max_length=600, editable=False, default="")

    history = HistoricalRecords()
    SEARCH_FIELDS = ("number", "title", "issuer")

    class Meta:
        ordering = ["-issued_on", "number"]
        verbose_name = _("legal document")
        verbose_name_plural = _("legal documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="in_force") | Q(status_effective_on__isnull=False),
                name="legaldocument_change_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(replaced_by=models.F("pk")), name="legaldocument_not_replacing_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("procedures:legal_detail", args=[self.pk])


class AdministrativeProcedure(FoldedSearch, models.Model):
    """An administrative procedure (thủ tục hành chính, TTHC) of the national catalogue."""

    class Level(models.TextChoices):
        CENTRAL = "central", _("Central")
        PROVINCIAL = "provincial", _("Provincial")
        DISTRICT = "district", _("District")
        COMMUNE = "commune", _("Commune")

    class Mechanism(models.TextChoices):
        ONE_STOP = "mot_cua", _("One-stop")
        INTERCONNECTED = "lien_thong", _("Interconnected one-stop")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=1000)
    field = models.CharField(_("field"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    statutory_days = models.DecimalField(
        _("statutory time (working days)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    fee = models.CharField(_("fee"), max_length=300, blank=True)
    mechanism = models.CharField(
        _("mechanism"), max_length=20, choices=Mechanism.choices, default=Mechanism.ONE_STOP
    )
    legal_basis = models.ManyToManyField(
        LegalDocument, blank=True, related_name="procedures", verbose_name=_("legal basis")
    )
    search_text = models.CharField(max_length=1200, editable=False, default="")

    SEARCH_FIELDS = ("code", "name", "field")

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative procedure")
        verbose_name_plural = _("administrative procedures")
        indexes = [models.Index(fields=["level", "field"])]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("procedures:procedure_detail", args=[self.pk])


class AgencyProcedure(models.Model):
    """An agency declares that it handles an administrative procedure."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="handled_procedures")
    procedure = models.ForeignKey(AdministrativeProcedure, on_delete=models.CASCADE, related_name="handlers")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("procedure handled")
        verbose_name_plural = _("procedures handled")
        constraints = [
            models.UniqueConstraint(fields=["agency", "procedure"], name="agencyprocedure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} — {self.procedure.code}"


class FrameworkModel(models.Model):
    """A set of template processes published by the province (mô hình khung) for agencies to adopt."""

    province = models.ForeignKey(Province, on_delete=models.CASCADE, related_name="framework_models")
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["name"]
        verbose_name = _("framework model")
        verbose_name_plural = _("framework models")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("procedures:framework_detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class SystemTopic(models.TextChoices):
    """The five system processes a QMS under TCVN ISO 9001:2015 keeps in force (rubric criterion A3)."""

    DOCUMENTED_INFORMATION = "documented_information", _("Documented information")
    INTERNAL_AUDIT = "internal_audit", _("Internal audit")
    NONCONFORMITY = "nonconformity", _("Nonconformity and corrective action")
    MANAGEMENT_REVIEW = "management_review", _("Management review")
    RISKS_OPPORTUNITIES = "risks_opportunities", _("Risks and opportunities")


class Process(FoldedSearch, models.Model):
    """An ISO process (quy trình): a controlled document of an agency, or a template of a framework model."""

    class Kind(models.TextChoices):
        PROCEDURE = "procedure", _("Administrative procedure process")
        MANDATORY = "mandatory", _("Mandatory QMS procedure")
        INTERNAL = "internal", _("Internal management process")

    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="processes",
        verbose_name=_("agency"),
    )
    framework = models.ForeignKey(
        FrameworkModel,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="templates",
        verbose_name=_("framework model"),
    )
    code = models.CharField(_("code"), max_length=30)
    title = models.CharField(_("title"), max_length=500)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PROCEDURE)
    procedure = models.ForeignKey(
        AdministrativeProcedure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="processes",
        verbose_name=_("administrative procedure"),
    )
    system_topic = models.CharField(
        _("system process"),
        max_length=30,
        choices=SystemTopic.choices,
        blank=True,
        help_text=_("For a mandatory QMS procedure: which of the five system processes it is."),
    )
    # The template revision this process was adopted from; a newer template revision means "update available".
    adopted_from = models.ForeignKey(
        "ProcessRevision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="adoptions",
        verbose_name=_("adopted from"),
    )
    search_text = models.CharField(max_length=600, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["search_text"])
    SEARCH_FIELDS = ("code", "title")

    class Meta:
        ordering = ["code"]
        verbose_name = _("process")
        verbose_name_plural = _("processes")
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=False, framework__isnull=True)
                | Q(agency__isnull=True, framework__isnull=False),
                name="process_owned_by_agency_or_framework",
            ),
            models.UniqueConstraint(
                fields=["agency", "code"],
                condition=Q(agency__isnull=False),
                name="process_code_unique_per_agency",
            ),
            models.UniqueConstraint(
                fields=["framework", "code"],
                condition=Q(framework__isnull=False),
                name="process_code_unique_per_framework",
            ),
            models.UniqueConstraint(
                fields=["agency", "system_topic"],
                condition=Q(agency__isnull=False) & ~Q(system_topic=""),
                name="process_system_topic_unique_per_agency",
                violation_error_message=_("The agency already has a process for this system topic."),
            ),
            models.CheckConstraint(
                condition=Q(system_topic="") | Q(kind="mandatory"),
                name="process_system_topic_only_mandatory",
                violation_error_message=_("Only a mandatory QMS procedure is one of the system processes."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("procedures:process_detail", args=[self.pk])


class ProcessRevision(Versioned, models.Model):
    """One issue (lần ban hành) of a process; its content is frozen once it is in force."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        IN_FORCE = "in_force", _("In force")
        SUPERSEDED = "superseded", _("Superseded")

    EDITABLE = (Status.DRAFT,)
    PUBLISHED = (Status.IN_FORCE, Status.SUPERSEDED)

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    scope = models.TextField(_("scope"), blank=True)
    terms = models.TextField(_("terms and abbreviations"), blank=True)
    change_summary = models.TextField(_("what changed"), blank=True)
    review_note = models.TextField(_("reviewer's note"), blank=True)
    references = models.ManyToManyField(
        LegalDocument, blank=True, related_name="citing_revisions", verbose_name=_("references")
    )
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    in_force_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["process", "-number"]
        verbose_name = _("process revision")
        verbose_name_plural = _("process revisions")
        constraints = [
            models.UniqueConstraint(fields=["process", "number"], name="revision_number_unique"),
            models.UniqueConstraint(
                fields=["process"], condition=Q(status="in_force"), name="revision_one_in_force_per_process"
            ),
            models.UniqueConstraint(
                fields=["process"],
                condition=Q(status__in=["draft", "in_review", "approved"]),
                name="revision_one_open_per_process",
            ),
        ]
        indexes = [models.Index(fields=["status", "effective_date"])]

    def __str__(self) -> str:
        return f"{self.process.code} — {_('revision')} {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("procedures:revision_detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_published(self) -> bool:
        return self.status in self.PUBLISHED


class ProcessStep(models.Model):
    revision = models.ForeignKey(ProcessRevision, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    action = models.TextField(_("action"))
    responsible = models.CharField(_("responsible"), max_length=300)
    time_days = models.DecimalField(
        _("time allowed (working days)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    time_counted = models.BooleanField(
        _("time counted"),
        default=True,
        help_text=_("Untick for steps outside the time limit, e.g. returning the result."),
    )
    output = models.CharField(_("output"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["revision", "order"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        constraints = [models.UniqueConstraint(fields=["revision", "order"], name="step_order_unique")]

    def __str__(self) -> str:
        return f"{self.order}. {self.action[:60]}"

    def clean(self) -> None:
        if self.time_days is not None and (self.time_days * 4) % 1:
            raise ValidationError({"time_days": _("Times are counted in quarter days (0.25, 0.5, 0.75 …).")})


def form_upload_to(instance: "ProcessForm", filename: str) -> str:
    return f"process-forms/{instance.revision.process_id}/{instance.revision.number}/{filename}"


class ProcessForm(models.Model):
    """A form (biểu mẫu) attached to a revision."""

    revision = models.ForeignKey(ProcessRevision, on_delete=models.CASCADE, related_name="forms")
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), upload_to=form_upload_to, blank=True, max_length=300)

    history = HistoricalRecords()

    class Meta:
        ordering = ["revision", "code"]
        verbose_name = _("form")
        verbose_name_plural = _("forms")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class RecordKept(models.Model):
    """A record (hồ sơ lưu) the process produces, where it is kept and for how long."""

    revision = models.ForeignKey(ProcessRevision, on_delete=models.CASCADE, related_name="records")
    name = models.CharField(_("record"), max_length=300)
    location = models.CharField(_("kept at"), max_length=300)
    retention = models.CharField(_("retention"), max_length=100)

    history = HistoricalRecords()

    class Meta:
        ordering = ["revision", "pk"]
        verbose_name = _("record kept")
        verbose_name_plural = _("records kept")

    def __str__(self) -> str:
        return self.name


class ReviewFlag(models.Model):
    """A process in force cites a legal document that changed: it must be reviewed by `due_on`."""

    class Resolution(models.TextChoices):
        NEW_REVISION = "new_revision", _("New revision in force")
        NO_CHANGE = "no_change", _("No change needed")

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="review_flags")
    legal_document = models.ForeignKey(LegalDocument, on_delete=models.CASCADE, related_name="review_flags")
    document_status = models.CharField(_("change"), max_length=20, choices=LegalDocument.Status.choices)
    raised_on = models.DateField(_("raised on"))
    due_on = models.DateField(_("due on"))
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True)
    resolved_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    resolving_revision = models.ForeignKey(
        ProcessRevision, on_delete=models.SET_NULL, null=True, blank=True, related_name="resolved_flags"
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("review flag")
        verbose_name_plural = _("review flags")
        constraints = [
            models.UniqueConstraint(
                fields=["process", "legal_document"],
                condition=Q(resolved_on__isnull=True),
                name="reviewflag_one_open_per_document",
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True, resolution="")
                | Q(resolved_on__isnull=False) & ~Q(resolution=""),
                name="reviewflag_resolution_complete",
            ),
        ]
        indexes = [models.Index(fields=["process", "resolved_on"])]

    def __str__(self) -> str:
        return f"{self.process.code} ← {self.legal_document.number}"

    def is_overdue(self, on: date) -> bool:
        return self.resolved_on is None and self.due_on < on


class QualityPolicy(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="quality_policies")
    year = models.PositiveSmallIntegerField(_("year"))
    text = models.TextField(_("quality policy"))
    approved_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["agency", "-year"]
        verbose_name = _("quality policy")
        verbose_name_plural = _("quality policies")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="qualitypolicy_unique_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.year}"


class QualityObjective(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="quality_objectives")
    year = models.PositiveSmallIntegerField(_("year"))
    objective = models.CharField(_("objective"), max_length=500)
    indicator = models.CharField(_("indicator"), max_length=300)
    target = models.CharField(_("target"), max_length=100)
    achieved = models.CharField(_("achieved"), max_length=100, blank=True)
    met = models.BooleanField(_("met"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["agency", "-year", "pk"]
        verbose_name = _("quality objective")
        verbose_name_plural = _("quality objectives")
        indexes = [models.Index(fields=["agency", "year"])]

    def __str__(self) -> str:
        return self.objective


class DossierStatistic(models.Model):
    """Dossiers of one procedure at one agency in one month, from the one-stop system's export."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="dossier_statistics")
    procedure = models.ForeignKey(
        AdministrativeProcedure, on_delete=models.CASCADE, related_name="dossier_statistics"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    received = models.PositiveIntegerField(_("received"))
    early = models.PositiveIntegerField(_("resolved early"))
    on_time = models.PositiveIntegerField(_("resolved on time"))
    late = models.PositiveIntegerField(_("resolved late"))
    pending = models.PositiveIntegerField(_("pending"))

    class Meta:
        ordering = ["agency", "-month", "procedure"]
        verbose_name = _("dossier statistic")
        verbose_name_plural = _("dossier statistics")
        constraints = [
            models.UniqueConstraint(fields=["agency", "procedure", "month"], name="dossierstatistic_unique"),
            models.CheckConstraint(
                condition=Q(
                    received=models.F("early") + models.F("on_time") + models.F("late") + models.F("pending")
                ),
                name="dossierstatistic_counts_add_up",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="dossierstatistic_first_of_month"),
        ]
        indexes = [models.Index(fields=["agency", "month"])]

    def __str__(self) -> str:
        return f"{self.agency} {self.procedure.code} {self.month:%m/%Y}"
