import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from agencies.models import Agency, Membership, Province, QmsStatus, StatusChange
from audits.models import (
    Action,
    Activity,
    Audit,
    AuditProgramme,
    Clause,
    Finding,
    InspectionPlan,
    ManagementReview,
)
from procedures.models import (
    AdministrativeProcedure,
    AgencyProcedure,
    FrameworkModel,
    LegalDocument,
    Process,
    ProcessRevision,
    ProcessStep,
)

PASSWORD = "s3cret-Passw0rd"


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"P{n:02d}")
    name = factory.Sequence(lambda n: f"Tỉnh Thử Nghiệm {n}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    province = factory.SubFactory(ProvinceFactory)
    code = factory.Sequence(lambda n: f"CQ{n:04d}")
    name = factory.Sequence(lambda n: f"UBND xã Số {n}")
    level = Agency.Level.COMMUNE


class StatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusChange

    agency = factory.SubFactory(AgencyFactory)
    status = QmsStatus.BUILDING
    changed_on = datetime.date(2020, 3, 1)


class DeclarationFactory(StatusChangeFactory):
    status = QmsStatus.DECLARED
    iso_version = StatusChange.IsoVersion.ISO_2015
    decision_number = factory.Sequence(lambda n: f"{n + 1}/QĐ-UBND")
    decision_date = factory.SelfAttribute("changed_on")
    scope = "Toàn bộ thủ tục hành chính thuộc thẩm quyền giải quyết"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Thu"
    last_name = "Nguyễn Thị"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def persist_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = "iso_secretary"
    agency = factory.SubFactory(AgencyFactory)
    province = None


# --- procedures ---------------------------------------------------------------------------------


class LegalDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalDocument
        django_get_or_create = ["number"]

    number = factory.Sequence(lambda n: f"{n + 10}/2023/NĐ-CP")
    title = factory.Sequence(lambda n: f"Nghị định quy định chi tiết số {n}")
    issuer = "Chính phủ"
    issued_on = datetime.date(2023, 1, 10)
    effective_on = datetime.date(2023, 3, 1)


class AdministrativeProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeProcedure
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"1.{n + 1000:06d}")
    name = factory.Sequence(lambda n: f"Thủ tục đăng ký khai sinh số {n}")
    field = "Hộ tịch"
    level = AdministrativeProcedure.Level.COMMUNE
    statutory_days = Decimal("3")
    fee = "Miễn phí"


class AgencyProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyProcedure

    agency = factory.SubFactory(AgencyFactory)
    procedure = factory.SubFactory(AdministrativeProcedureFactory)


class ProcessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Process

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"QT-{n + 1:02d}")
    title = factory.Sequence(lambda n: f"Quy trình giải quyết thủ tục số {n}")
    kind = Process.Kind.PROCEDURE
    procedure = factory.SubFactory(AdministrativeProcedureFactory)


class FrameworkModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FrameworkModel

    province = factory.SubFactory(ProvinceFactory)
    name = "Mô hình khung HTQLCL cấp xã"


class ProcessRevisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessRevision

    process = factory.SubFactory(ProcessFactory)
    number = 1
    status = ProcessRevision.Status.DRAFT
    purpose = "Quy định trình tự giải quyết thủ tục hành chính."
    scope = "Áp dụng tại bộ phận một cửa."


class InForceRevisionFactory(ProcessRevisionFactory):
    status = ProcessRevision.Status.IN_FORCE
    effective_date = datetime.date(2024, 1, 15)


class ProcessStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessStep

    revision = factory.SubFactory(ProcessRevisionFactory)
    order = factory.Sequence(lambda n: n + 1)
    action = "Tiếp nhận và kiểm tra hồ sơ"
    responsible = "Công chức bộ phận một cửa"
    time_days = Decimal("0.5")
    output = "Phiếu tiếp nhận"


# --- audits ---------------------------------------------------------------------------------------


class ClauseFactory(factory.django.DjangoModelFactory):
    """Clauses are loaded by a migration; get the real one when the number exists."""

    class Meta:
        model = Clause
        django_get_or_create = ["standard", "number"]

    standard = Clause.Standard.ISO_2015
    number = "8.5"
    title_vi = "Sản xuất và cung cấp dịch vụ"
    title_en = "Production and service provision"


class AuditProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditProgramme

    agency = factory.SubFactory(AgencyFactory)
    year = 2026


class AuditFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Audit

    agency = factory.SubFactory(AgencyFactory)
    kind = Audit.Kind.INTERNAL
    title = "Đánh giá nội bộ năm 2026"
    planned_start = datetime.date(2026, 6, 1)
    planned_end = datetime.date(2026, 6, 3)


class InspectionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InspectionPlan

    province = factory.SubFactory(ProvinceFactory)
    year = 2026
    title = "Kế hoạch kiểm tra việc áp dụng HTQLCL năm 2026"


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    audit = factory.SubFactory(AuditFactory)
    grade = Finding.Grade.MINOR
    description = "Hồ sơ lưu chưa đủ Phiếu kiểm soát quá trình"


class ActionFactory(factory.django.DjangoModelFactory):
    """A nonconformity with its corrective action, owned by nobody until given an owner."""

    class Meta:
        model = Action

    finding = factory.SubFactory(FindingFactory)
    agency = factory.SelfAttribute("finding.audit.agency")
    source = Action.Source.NONCONFORMITY
    title = factory.SelfAttribute("finding.description")
    due_date = datetime.date(2026, 8, 1)


class ManagementReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ManagementReview

    agency = factory.SubFactory(AgencyFactory)
    held_on = datetime.date(2026, 12, 10)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    agency = factory.SubFactory(AgencyFactory)
    kind = Activity.Kind.MEETING
    held_on = datetime.date(2026, 3, 15)
    topic = "Họp Ban chỉ đạo ISO quý I"
