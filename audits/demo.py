"""Demo data of the audits app, added by `manage.py seed_demo` to the demo province (Hưng Yên).

UBND xã Tiến Dũng (the demo users' commune) lives three years of its QMS through the services, so every
record's history shows who did what and when: an audit programme and an internal audit each year (checklist
by clause, findings, nonconformities followed through every status of the tracking, one of them found not
effective and sent back), the province's inspections of the last two years, a management review each year
with decisions tracked as actions, steering committee meetings and trainings. The other operating agencies
get last year's and this year's records written straight to the tables (no history), uneven on purpose so
that the provincial figures differ from agency to agency.

Idempotent like seed_demo: records are keyed on agency and year (programmes, reviews, plans, activities)
and every draw comes from a generator seeded with RANDOM_SEED, a topic and the agency's code, so a second
run adds nothing. Dates the story needs close to the day of seeding (an action overdue, one due this week,
an inspection finding due in a month) are counted from that day.
"""

import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Manager, Model
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from agencies.models import Agency, Province, QmsStatus, StatusChange
from procedures.models import Process, ProcessRevision
from qms_portal.text import fold

from .models import (
    Action,
    Activity,
    Audit,
    AuditProgramme,
    ChecklistLine,
    Clause,
    Finding,
    InspectionPlan,
    ManagementReview,
    Verification,
)
from .services import actions as action_services
from .services import activities as activity_services
from .services import audits as audit_services
from .services import inspections as inspection_services
from .services import reviews as review_services
from .services.activities import ActivityData
from .services.audits import AuditData, ChecklistLineData, FindingData
from .services.inspections import PlanEntry, add_months
from .services.reviews import ReviewData

RANDOM_SEED = 2016
# The demo users of agencies.management.commands.seed_demo and the commune they work in.
HOME_CODE = "XTIENDUNG"
SECRETARY, LEADER, STAFF, REVIEWER = "thuky", "lanhdao", "canbo", "bcd"
# The story's current year is the year of 90 days ago: early in January its audit, inspection and review
# still lie behind the day of seeding.
STORY_LAG = timedelta(days=90)
PLAN_SIZE = 12  # agencies per inspection plan, Tiến Dũng included
ON_SITE = 5  # of them inspected on site: more than the third the rules require
# The district-level units were abolished and the commune offices reorganised on 1 July 2025.
REORGANISED_ON = date(2025, 7, 1)

Result = ChecklistLine.Result
Grade = Finding.Grade
Status = Action.Status
Kind = Audit.Kind
ANALYSE, PLAN, IMPLEMENT, VERIFY, CLOSE = (
    action_services.ANALYSE,
    action_services.PLAN,
    action_services.IMPLEMENT,
    action_services.VERIFY,
    action_services.CLOSE,
)
APPLYING = {QmsStatus.APPLIED, QmsStatus.DECLARED, QmsStatus.REDECLARED}
# Design and development (2015) and its 2008 counterpart: excluded from the scope of administrative bodies.
NOT_APPLICABLE = {Clause.Standard.ISO_2015: "8.3", Clause.Standard.ISO_2008: "7.3"}

# What an auditor writes against each subclause of TCVN ISO 9001:2015 when it conforms.
CLAUSE_EVIDENCE = {
    "4.1": "Đã xác định các vấn đề bên ngoài và nội bộ; cập nhật sau khi sắp xếp tổ chức bộ máy.",
    "4.2": "Đã xác định các bên quan tâm (người dân, tổ chức, UBND tỉnh, các sở, ngành) và yêu cầu của họ.",
    "4.3": "Phạm vi áp dụng được công bố, nêu rõ các TTHC; điều khoản 8.3 không áp dụng.",
    "4.4": "Các quá trình và mối tương tác được xác định; quy trình được ban hành đầy đủ theo danh mục.",
    "5.1": "Người đứng đầu chủ trì họp Ban chỉ đạo ISO, phê duyệt quy trình và phân công trách nhiệm.",
    "5.2": "Chính sách chất lượng được ban hành, niêm yết tại bộ phận một cửa và trên trang thông tin.",
    "5.3": "Có quyết định thành lập Ban chỉ đạo ISO, phân công Thư ký ISO và trách nhiệm của từng bộ phận.",
    "6.1": "Có bảng nhận diện rủi ro, cơ hội và biện pháp kiểm soát cho các quá trình giải quyết TTHC.",
    "6.2": "Mục tiêu chất lượng năm được ban hành, có kế hoạch thực hiện và chỉ số đo lường.",
    "6.3": "Các thay đổi về tổ chức, văn bản pháp luật được hoạch định và cập nhật vào quy trình.",
    "7.1": "Bố trí đủ công chức và trang thiết bị tại bộ phận một cửa; có kinh phí duy trì HTQLCL.",
    "7.2": "Hồ sơ đào tạo, bồi dưỡng công chức được lưu; có chứng nhận chuyên gia đánh giá nội bộ.",
    "7.3": "Phỏng vấn 04 công chức: nắm được chính sách, mục tiêu chất lượng và quy trình liên quan.",
    "7.4": "Thông tin nội bộ và với người dân qua niêm yết, trang thông tin điện tử, loa truyền thanh.",
    "7.5": "Danh mục tài liệu nội bộ, tài liệu bên ngoài được cập nhật; tài liệu được kiểm soát.",
    "8.1": "Các quy trình giải quyết TTHC được hoạch định với thời gian, trách nhiệm và biểu mẫu cụ thể.",
    "8.2": "Thông tin về TTHC được công khai đầy đủ; phản ánh, kiến nghị được tiếp nhận và trả lời.",
    "8.4": "Dịch vụ bưu chính công ích tiếp nhận, trả kết quả được kiểm soát theo hợp đồng.",
    "8.5": "Kiểm tra ngẫu nhiên hồ sơ trên Hệ thống thông tin giải quyết TTHC: thực hiện đúng quy trình.",
    "8.6": "Kết quả giải quyết TTHC được kiểm tra, ký duyệt trước khi trả cho người dân.",
    "8.7": "Kết quả có sai sót được thu hồi, điều chỉnh và ghi nhận như sự không phù hợp.",
    "9.1": "Có báo cáo tỷ lệ hồ sơ giải quyết đúng hạn hằng tháng và kết quả khảo sát sự hài lòng.",
    "9.2": "Chương trình, kế hoạch đánh giá nội bộ được phê duyệt; hồ sơ đánh giá năm trước đầy đủ.",
    "9.3": "Họp xem xét của lãnh đạo được tổ chức trong năm; có biên bản và thông báo kết luận.",
    "10.1": "Các cơ hội cải tiến được xác định và theo dõi thực hiện.",
    "10.2": "Sự không phù hợp được ghi nhận, phân tích nguyên nhân và theo dõi hành động khắc phục.",
    "10.3": "Kết quả phân tích, đánh giá và xem xét của lãnh đạo được dùng để cải tiến hệ thống.",
}
CONFORMS = "Phù hợp."

# What the provincial inspectors write when a point of their checklist is met, by clause or, for the legal
# duties without one, by a word of the point.
INSPECTION_EVIDENCE = {
    "4.3": "Phạm vi áp dụng bao gồm toàn bộ TTHC thuộc thẩm quyền theo danh mục được công bố.",
    "7.3": "Quyết định ban hành HTQLCL được gửi đến các bộ phận; công chức được phổ biến, hướng dẫn.",
    "4.4": "Hệ thống tài liệu đáp ứng các yêu cầu của TCVN ISO 9001:2015.",
    "5.2": "Chính sách chất lượng được niêm yết tại bộ phận một cửa.",
    "6.2": "Mục tiêu chất lượng năm được ban hành, có báo cáo kết quả thực hiện.",
    "7.5": "Tài liệu được ban hành, kiểm soát theo quy trình; danh mục tài liệu được cập nhật.",
    "8.5": "Kiểm tra ngẫu nhiên hồ sơ TTHC: thực hiện đúng quy trình, lưu đầy đủ.",
    "9.3": "Có biên bản họp xem xét của lãnh đạo trong năm.",
    "9.2": "Có báo cáo đánh giá nội bộ trong năm.",
    "10.2": "Sự không phù hợp được khắc phục, có đánh giá hiệu lực.",
    "8.2": "Phản ánh, kiến nghị được tiếp nhận, xử lý và trả lời đúng hạn.",
    "10.3": "Hệ thống được duy trì, cập nhật sau sắp xếp tổ chức bộ máy.",
    "5.1": "Người đứng đầu đã ký xác nhận hiệu lực của HTQLCL.",
    "6.3": "Quy trình được cập nhật khi văn bản quy phạm pháp luật thay đổi.",
}
INSPECTION_EVIDENCE_BY_WORD = {
    "tu van": "Cơ quan tự xây dựng HTQLCL, không thuê tổ chức tư vấn.",
    "cong bo lai": "Đã công bố lại khi điều chỉnh phạm vi áp dụng.",
    "cong bo phu hop": "Đã công bố HTQLCL phù hợp, thông báo Sở KH&CN, niêm yết tại trụ sở.",
}


# ---------------------------------------------------------------------------------------------------------
# Helpers


def _rng(topic: str, key: str) -> random.Random:
    """A generator per topic and agency: the same draws whatever else exists or runs first."""
    return random.Random(f"{RANDOM_SEED}:{topic}:{key}")  # noqa: S311 - reproducible demo data


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment of the story: that time of day, or now when the day is today and the hour still ahead."""
    return min(
        datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone()), timezone.now()
    )


def _some_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max((end - start).days, 0)))


@contextmanager
def _acting_as(user) -> Iterator[None]:
    """Attribute history rows written without an explicit user to `user`, as the history middleware
    does for a request."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", None)
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if previous is None:
            del context.request
        else:
            context.request = previous


HISTORIED: tuple[type[Model], ...] = (
    AuditProgramme,
    InspectionPlan,
    Audit,
    ChecklistLine,
    Finding,
    ManagementReview,
    Action,
    Activity,
)
# The columns the services fill with "now".
STAMPED: dict[type[Model], tuple[str, ...]] = {
    InspectionPlan: ("created_at",),
    Audit: ("created_at", "reported_at", "closed_at"),
    Finding: ("raised_at",),
    ManagementReview: ("finalized_at",),
    Action: ("created_at", "implemented_at", "verified_at", "closed_at"),
}


@cache
def _histories() -> dict[type[Model], Manager]:
    """The historical models' own managers: `Model.history` builds a new manager class on every access."""
    return {model: model.history.model._default_manager for model in HISTORIED}


@contextmanager
def _on(user, moment: datetime) -> Iterator[None]:
    """Run service calls as `user` at `moment` of the story: the history rows they write, and every column
    they stamp with the time of seeding, move back to that moment."""
    histories = _histories()
    started = timezone.now()
    # A moment later today than now would be caught again by the next block's "stamped since" filters.
    moment = min(moment, started)
    marks = dict(zip(histories, _last_history_ids(), strict=True))
    with _acting_as(user):
        yield
    for model, rows in histories.items():
        written = rows.filter(history_id__gt=marks[model])
        if not written.update(history_date=moment):
            continue
        for name in STAMPED.get(model, ()):
            if written.filter(**{f"{name}__gte": started}).update(**{name: moment}):
                model.objects.filter(**{f"{name}__gte": started}).update(**{name: moment})
    Verification.objects.filter(verified_at__gte=started).update(verified_at=moment)


def _last_history_ids() -> list[int]:
    """The last history row of every historical table, in one statement."""
    tables = [connection.ops.quote_name(rows.model._meta.db_table) for rows in _histories().values()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(f"(SELECT MAX(history_id) FROM {table})" for table in tables)  # noqa: S608
        )
        return [last or 0 for last in cursor.fetchone()]


def _folded(rows: list[Model]) -> list[Model]:
    """bulk_create skips save(): fill the folded search column the models keep for lists."""
    for row in rows:
        if hasattr(row, "folded_search"):
            row.search_text = row.folded_search()
    return rows


def _backdate(rows: list[Model], stamps: dict[int, dict[str, datetime]], fields: list[str]) -> None:
    """bulk_create stamps auto_now_add columns with the time of seeding: put the story's dates back."""
    for row in rows:
        for name, value in stamps[id(row)].items():
            setattr(row, name, value)
    if rows:
        type(rows[0]).objects.bulk_update(rows, fields, batch_size=500)


def _current_status(agencies: list[Agency]) -> dict[int, tuple[str, str]]:
    """Per agency: its latest QMS status and the ISO version its system follows."""
    found: dict[int, tuple[str, str]] = {}
    rows = StatusChange.objects.filter(agency__in=agencies).order_by("agency_id", "changed_on", "pk")
    for agency_id, status, version in rows.values_list("agency_id", "status", "iso_version"):
        found[agency_id] = (status, version or found.get(agency_id, ("", ""))[1])
    return found


def _main_clauses() -> dict[str, list[Clause]]:
    """The subclauses an audit checks, by standard, without the one administrative bodies exclude."""
    by_standard: dict[str, list[Clause]] = defaultdict(list)
    for clause in Clause.objects.all():
        if clause.number.count(".") == 1 and clause.number != NOT_APPLICABLE.get(clause.standard):
            by_standard[clause.standard].append(clause)
    return by_standard


# ---------------------------------------------------------------------------------------------------------
# The story of UBND xã Tiến Dũng


@dataclass(frozen=True)
class Step:
    """One move of an action along the tracking, by a user on a day."""

    step: str
    by: str
    on: date
    text: str
    correction: str = ""
    effective: bool = True


@dataclass(frozen=True)
class HomeFinding:
    grade: str
    clause: str
    description: str
    evidence: str
    process: str | None = None
    owner: str | None = None
    due: date | None = None
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True)
class HomeAudit:
    year: int
    objectives: str
    programme_on: date
    planned_on: date
    start: date
    end: date
    scope: tuple[str, ...]
    units: str
    team_note: str
    findings: tuple[HomeFinding, ...]
    conclusion: str
    reported_on: date
    closed_on: date | None = None


UNITS_BEFORE = (
    "Bộ phận Tiếp nhận và Trả kết quả; công chức Tư pháp - Hộ tịch; Văn hóa - Xã hội; Văn phòng - Thống kê"
)
UNITS_AFTER = (
    "Trung tâm Phục vụ hành chính công xã; Phòng Kinh tế; Phòng Văn hóa - Xã hội; Văn phòng HĐND và UBND xã"
)
TEAM_NOTE = "Bà Trần Thị Hoa — công chức Văn phòng; Ông Vũ Văn Long — công chức Văn hóa - Xã hội"
PROGRAMME_COMMON = (
    "Mục đích: xác định HTQLCL của UBND xã Tiến Dũng phù hợp với TCVN ISO 9001:2015, được áp dụng và duy "
    "trì có hiệu lực. Tần suất: 01 lần/năm, bao trùm tất cả các điều khoản của tiêu chuẩn và các bộ phận "
    "trong phạm vi áp dụng. Chuẩn mực: TCVN ISO 9001:2015, chính sách, mục tiêu chất lượng, các quy trình đã "
    "ban hành và quy định pháp luật hiện hành."
)
PROGRAMME_FOCUS = {
    -2: "Trọng tâm năm {year}: kiểm soát tài liệu, hồ sơ và các quy trình hộ tịch, chứng thực.",
    -1: (
        "Trọng tâm năm {year}: các quy trình sửa đổi theo Nghị định số 118/2025/NĐ-CP và các TTHC tiếp nhận "
        "từ cấp huyện sau khi sắp xếp tổ chức bộ máy."
    ),
    0: (
        "Trọng tâm năm {year}: các quy trình mới ban hành, việc khắc phục các điểm không phù hợp của kỳ "
        "đánh giá trước và việc theo dõi mục tiêu chất lượng."
    ),
}


def _conclusion(findings: tuple[HomeFinding, ...]) -> str:
    count = {grade: sum(item.grade == grade for item in findings) for grade in Grade.values}
    return (
        "HTQLCL của UBND xã Tiến Dũng được duy trì, áp dụng phù hợp với TCVN ISO 9001:2015 và các quy định "
        f"của UBND xã. Đoàn đánh giá ghi nhận {count[Grade.MINOR]:02d} điểm không phù hợp nhẹ, "
        f"{count[Grade.OBSERVATION]:02d} điểm cần lưu ý và {count[Grade.IMPROVEMENT]:02d} cơ hội cải tiến. "
        "Các bộ phận liên quan xác định nguyên nhân, đề xuất hành động khắc phục trong vòng 30 ngày và gửi "
        "Thư ký ISO theo dõi."
    )


def _home_audits(today: date, year: int) -> list[HomeAudit]:
    """The three internal audits: two closed, this year's reported with its actions still under way."""
    audits = []
    # Two years ago: both nonconformities closed (one late), an observation and an opportunity.
    first = year - 2
    end = date(first, 10, 17)
    findings = (
        HomeFinding(
            Grade.MINOR,
            "7.5",
            "Bộ phận Tiếp nhận và Trả kết quả còn sử dụng mẫu tờ khai cấp bản sao trích lục hộ tịch đã hết "
            "hiệu lực, chưa cập nhật theo Thông tư số 04/2020/TT-BTP.",
            "03/12 hồ sơ cấp bản sao trích lục hộ tịch tháng 9 được kiểm tra dùng mẫu tờ khai cũ (Sổ theo "
            "dõi hồ sơ, số thứ tự 215, 231, 240).",
            process="QT-05",
            owner=STAFF,
            due=end + timedelta(days=30),
            steps=(
                Step(
                    ANALYSE,
                    STAFF,
                    end + timedelta(days=4),
                    "Khi văn bản pháp luật thay đổi, biểu mẫu kèm theo quy trình không được rà soát; danh "
                    "mục tài liệu bên ngoài không ghi ngày hiệu lực nên tài liệu lỗi thời không được phát "
                    "hiện.",
                    correction="Thu hồi toàn bộ mẫu tờ khai cũ tại quầy, thay bằng mẫu đúng quy định.",
                ),
                Step(
                    PLAN,
                    STAFF,
                    end + timedelta(days=6),
                    "Bổ sung cột ngày hiệu lực và văn bản thay thế vào danh mục tài liệu bên ngoài; rà soát "
                    "biểu mẫu tại bộ phận một cửa hằng quý; phổ biến lại quy trình QT-KSTT cho công chức.",
                ),
                Step(
                    IMPLEMENT,
                    STAFF,
                    end + timedelta(days=24),
                    "Đã cập nhật danh mục tài liệu bên ngoài (45 văn bản), thay thế 07 biểu mẫu lỗi thời và "
                    "phổ biến quy trình QT-KSTT cho 06 công chức.",
                ),
                Step(
                    VERIFY,
                    SECRETARY,
                    end + timedelta(days=47),
                    "Kiểm tra ngẫu nhiên 20 hồ sơ tháng 11: 100% sử dụng biểu mẫu đúng quy định.",
                ),
                Step(
                    CLOSE,
                    SECRETARY,
                    end + timedelta(days=49),
                    "Hành động khắc phục có hiệu lực; sự không phù hợp không lặp lại. Đóng phiếu.",
                ),
            ),
        ),
        HomeFinding(
            Grade.MINOR,
            "9.1",
            "Chưa tổng hợp, phân tích kết quả khảo sát sự hài lòng của người dân 6 tháng đầu năm để đánh giá "
            "kết quả thực hiện của hệ thống theo kế hoạch.",
            "312 phiếu khảo sát 6 tháng đầu năm đã thu nhưng chưa có báo cáo tổng hợp.",
            owner=SECRETARY,
            due=end + timedelta(days=30),
            steps=(
                Step(
                    ANALYSE,
                    SECRETARY,
                    end + timedelta(days=3),
                    "Kế hoạch duy trì HTQLCL không phân công người chịu trách nhiệm và thời hạn tổng hợp kết "
                    "quả khảo sát.",
                    correction="Tổng hợp ngay 312 phiếu khảo sát, báo cáo Chủ tịch UBND xã.",
                ),
                Step(
                    PLAN,
                    SECRETARY,
                    end + timedelta(days=5),
                    "Sửa đổi kế hoạch duy trì HTQLCL: Thư ký ISO tổng hợp kết quả khảo sát trước ngày 15 của "
                    "tháng đầu quý sau; đưa kết quả vào báo cáo đầu vào xem xét của lãnh đạo.",
                ),
                Step(
                    IMPLEMENT,
                    SECRETARY,
                    end + timedelta(days=20),
                    "Đã ban hành kế hoạch sửa đổi; báo cáo khảo sát 6 tháng và 9 tháng đã trình Chủ tịch "
                    "UBND xã.",
                ),
                Step(
                    VERIFY,
                    LEADER,
                    end + timedelta(days=27),
                    "Báo cáo khảo sát 9 tháng được lập đúng thời hạn mới, số liệu đầy đủ.",
                ),
                Step(CLOSE, LEADER, end + timedelta(days=28), "Có hiệu lực. Đóng phiếu."),
            ),
        ),
        HomeFinding(
            Grade.OBSERVATION,
            "7.2",
            "02 công chức mới nhận nhiệm vụ chưa được đào tạo nhận thức về TCVN ISO 9001:2015 và các quy "
            "trình liên quan đến nhiệm vụ.",
            "Hồ sơ đào tạo năm nay; phỏng vấn công chức Văn hóa - Xã hội.",
        ),
        HomeFinding(
            Grade.IMPROVEMENT,
            "8.5",
            "Có thể dùng sổ chứng thực điện tử và tra cứu bản chính trên máy để rút ngắn thời gian chứng "
            "thực.",
            "Thời gian tra cứu sổ chứng thực giấy trung bình 10 phút/hồ sơ.",
            process="QT-06",
        ),
    )
    audits.append(
        HomeAudit(
            year=first,
            objectives=f"{PROGRAMME_COMMON}\n{PROGRAMME_FOCUS[-2].format(year=first)}",
            programme_on=date(first, 1, 10),
            planned_on=date(first, 9, 23),
            start=date(first, 10, 15),
            end=end,
            scope=("QT-01", "QT-02", "QT-05", "QT-06", "QT-KSTT", "QT-KSHS"),
            units=UNITS_BEFORE if end < REORGANISED_ON else UNITS_AFTER,
            team_note=TEAM_NOTE,
            findings=findings,
            conclusion=_conclusion(findings),
            reported_on=end + timedelta(days=3),
            closed_on=end + timedelta(days=55),
        )
    )

    # Last year: three nonconformities, closed on time, late, and after a long wait for the evidence.
    last = year - 1
    end = date(last, 9, 18)
    due = end + timedelta(days=30)
    findings = (
        HomeFinding(
            Grade.MINOR,
            "8.5",
            "02/25 hồ sơ đăng ký khai sinh được kiểm tra trả kết quả quá hạn nhưng không có Phiếu xin lỗi và "
            "hẹn lại ngày trả kết quả theo quy định.",
            "Hồ sơ tiếp nhận ngày 12/8 và 03/9 trên Hệ thống thông tin giải quyết TTHC của tỉnh; Sổ theo dõi "
            "hồ sơ.",
            process="QT-01",
            owner=STAFF,
            due=due,
            steps=(
                Step(
                    ANALYSE,
                    STAFF,
                    end + timedelta(days=3),
                    "Công chức mới nhận nhiệm vụ sau sắp xếp chưa nắm quy định về Phiếu xin lỗi và hẹn lại "
                    "ngày trả kết quả; hệ thống không cảnh báo hồ sơ sắp đến hạn.",
                    correction="Liên hệ xin lỗi 02 công dân và trả kết quả ngay trong ngày.",
                ),
                Step(
                    PLAN,
                    STAFF,
                    end + timedelta(days=5),
                    "Hướng dẫn lại quy trình QT-01 và mẫu Phiếu xin lỗi cho công chức một cửa; đề nghị cấu "
                    "hình cảnh báo hồ sơ sắp đến hạn trên hệ thống một cửa điện tử.",
                ),
                Step(
                    IMPLEMENT,
                    STAFF,
                    end + timedelta(days=15),
                    "Đã hướng dẫn 05 công chức (có biên bản); hệ thống đã cảnh báo trước 01 ngày làm việc.",
                ),
                Step(
                    VERIFY,
                    SECRETARY,
                    end + timedelta(days=28),
                    "Kiểm tra hồ sơ khai sinh tháng 10: 01 hồ sơ trễ hạn có Phiếu xin lỗi đúng mẫu.",
                ),
                Step(CLOSE, SECRETARY, end + timedelta(days=29), "Hành động khắc phục có hiệu lực."),
            ),
        ),
        HomeFinding(
            Grade.MINOR,
            "6.2",
            "Mục tiêu chất lượng năm không được theo dõi, đánh giá kết quả thực hiện theo quý như kế hoạch "
            "thực hiện mục tiêu đã ban hành.",
            "Kế hoạch thực hiện mục tiêu chất lượng năm; không có báo cáo đánh giá quý I, II.",
            owner=SECRETARY,
            due=due,
            steps=(
                Step(
                    ANALYSE,
                    SECRETARY,
                    end + timedelta(days=4),
                    "Sau khi sắp xếp tổ chức bộ máy, việc theo dõi mục tiêu chưa được phân công lại.",
                    correction="Lập báo cáo đánh giá mục tiêu chất lượng 9 tháng.",
                ),
                Step(
                    PLAN,
                    SECRETARY,
                    end + timedelta(days=6),
                    "Phân công lại việc theo dõi mục tiêu chất lượng; cập nhật kết quả từng mục tiêu hằng "
                    "quý trên Cổng ISO điện tử.",
                ),
                Step(
                    IMPLEMENT,
                    SECRETARY,
                    end + timedelta(days=40),
                    "Đã có quyết định phân công; kết quả mục tiêu được cập nhật đến hết tháng 10.",
                ),
                Step(
                    VERIFY,
                    LEADER,
                    end + timedelta(days=95),
                    "Báo cáo mục tiêu chất lượng quý IV lập đúng hạn, số liệu khớp với hệ thống một cửa.",
                ),
                Step(CLOSE, LEADER, end + timedelta(days=96), "Có hiệu lực. Đóng phiếu."),
            ),
        ),
        HomeFinding(
            Grade.MINOR,
            "7.5",
            "Hồ sơ giải quyết trợ cấp xã hội hằng tháng lưu chưa đủ thành phần theo quy trình QT-07: 03/10 "
            "hồ sơ thiếu biên bản họp Hội đồng xét duyệt.",
            "10 hồ sơ trợ cấp xã hội quý III.",
            process="QT-07",
            owner=STAFF,
            due=due,
            steps=(
                Step(
                    ANALYSE,
                    STAFF,
                    end + timedelta(days=2),
                    "Biên bản họp Hội đồng xét duyệt được lưu tập trung tại Văn phòng, không sao lưu vào "
                    "từng hồ sơ; danh mục hồ sơ của QT-07 không nêu thành phần này.",
                    correction="Bổ sung bản sao biên bản họp Hội đồng xét duyệt vào 03 hồ sơ.",
                ),
                Step(
                    PLAN,
                    STAFF,
                    end + timedelta(days=4),
                    "Cập nhật danh mục hồ sơ lưu của QT-07; sao lưu biên bản vào từng hồ sơ; kiểm tra chéo "
                    "hồ sơ trước khi lưu.",
                ),
                Step(
                    IMPLEMENT,
                    STAFF,
                    end + timedelta(days=20),
                    "Đã cập nhật danh mục hồ sơ lưu, kiểm tra và bổ sung toàn bộ hồ sơ trong năm.",
                ),
                Step(
                    VERIFY,
                    SECRETARY,
                    end + timedelta(days=60),
                    "Kiểm tra 12 hồ sơ tháng 10 và 11: đầy đủ thành phần.",
                ),
                Step(CLOSE, SECRETARY, end + timedelta(days=70), "Có hiệu lực. Đóng phiếu."),
            ),
        ),
        HomeFinding(
            Grade.OBSERVATION,
            "7.1",
            "Máy tính tại quầy hộ tịch thường xuyên bị treo khi ký số, có nguy cơ làm chậm việc trả kết quả.",
            "Phỏng vấn công chức một cửa; nhật ký hỗ trợ kỹ thuật tháng 8.",
        ),
        HomeFinding(
            Grade.IMPROVEMENT,
            "7.4",
            "Có thể nhắn tin thông báo kết quả qua Zalo của UBND xã để người dân không phải đến hỏi.",
            "Trung bình 15 lượt/ngày đến hỏi kết quả tại quầy.",
        ),
    )
    audits.append(
        HomeAudit(
            year=last,
            objectives=f"{PROGRAMME_COMMON}\n{PROGRAMME_FOCUS[-1].format(year=last)}",
            programme_on=date(last, 1, 9),
            planned_on=date(last, 8, 25),
            start=date(last, 9, 16),
            end=end,
            scope=("QT-01", "QT-03", "QT-04", "QT-07", "QT-08", "QT-DGNB", "QT-KPH"),
            units=UNITS_BEFORE if end < REORGANISED_ON else UNITS_AFTER,
            team_note=TEAM_NOTE,
            findings=findings,
            conclusion=_conclusion(findings),
            reported_on=end + timedelta(days=4),
            closed_on=end + timedelta(days=43),
        )
    )

    # This year (six weeks ago): reported, its five nonconformities at every stage of the tracking.
    start = min(today - timedelta(days=45), date(year, 12, 10))
    end = start + timedelta(days=2)
    findings = (
        HomeFinding(
            Grade.MINOR,
            "8.5",
            "01/6 hồ sơ cấp giấy phép xây dựng nhà ở riêng lẻ được kiểm tra giải quyết quá thời hạn 15 ngày "
            "theo quy trình QT-08 mà không có văn bản gia hạn.",
            "Hồ sơ tiếp nhận ngày 04/8 trên Hệ thống thông tin giải quyết TTHC; Sổ theo dõi hồ sơ.",
            process="QT-08",
            owner=STAFF,
            due=today - timedelta(days=6),
            steps=(
                Step(
                    ANALYSE,
                    STAFF,
                    end + timedelta(days=4),
                    "Bước thẩm định hiện trạng phụ thuộc lịch của công chức địa chính - xây dựng, chưa có "
                    "người thay thế khi vắng.",
                    correction="Báo cáo lãnh đạo; gửi văn bản xin lỗi người nộp hồ sơ.",
                ),
                Step(
                    PLAN,
                    STAFF,
                    end + timedelta(days=8),
                    "Phân công công chức dự phòng cho bước thẩm định hiện trạng; sửa đổi QT-08 ghi rõ người "
                    "thay thế và thời hạn từng bước.",
                ),
            ),
        ),
        HomeFinding(
            Grade.MINOR,
            "7.5",
            "Danh mục hồ sơ lưu của quy trình QT-09 (đăng ký hộ kinh doanh) chưa quy định thời hạn lưu trữ.",
            "Quy trình QT-09 lần ban hành 1, mục Hồ sơ lưu.",
            process="QT-09",
            owner=STAFF,
            due=today + timedelta(days=4),
            steps=(
                Step(
                    ANALYSE,
                    STAFF,
                    max(end + timedelta(days=1), today - timedelta(days=5)),
                    "Quy trình tiếp nhận từ cấp huyện được ban hành gấp sau sắp xếp, chưa rà soát theo "
                    "danh mục hồ sơ của UBND xã.",
                ),
            ),
        ),
        HomeFinding(
            Grade.MINOR,
            "9.1",
            "Chưa phân tích nguyên nhân các hồ sơ trễ hạn của quý III để đề xuất biện pháp cải tiến.",
            "Báo cáo tình hình giải quyết TTHC quý III chỉ có số liệu, không có phân tích.",
            owner=SECRETARY,
            due=today - timedelta(days=3),
            steps=(
                Step(
                    ANALYSE,
                    SECRETARY,
                    end + timedelta(days=3),
                    "Mẫu báo cáo quý chưa có mục phân tích nguyên nhân hồ sơ trễ hạn.",
                ),
                Step(
                    PLAN,
                    SECRETARY,
                    end + timedelta(days=6),
                    "Bổ sung mục phân tích nguyên nhân, biện pháp vào mẫu báo cáo quý; lập lại báo cáo quý "
                    "III.",
                ),
                Step(
                    IMPLEMENT,
                    SECRETARY,
                    today - timedelta(days=9),
                    "Đã sửa mẫu báo cáo và lập lại báo cáo quý III có phân tích 07 hồ sơ trễ hạn.",
                ),
            ),
        ),
        HomeFinding(
            Grade.MINOR,
            "8.2",
            "Phản ánh của công dân qua đường dây nóng tháng 8 chưa được ghi vào sổ theo dõi và chưa trả lời "
            "bằng văn bản.",
            "Sổ theo dõi phản ánh, kiến nghị; nhật ký đường dây nóng.",
            owner=STAFF,
            due=today + timedelta(days=12),
            steps=(
                Step(
                    ANALYSE,
                    STAFF,
                    end + timedelta(days=2),
                    "Phản ánh qua điện thoại được xử lý ngay nên công chức không ghi sổ; chưa có quy định "
                    "ghi nhận phản ánh qua đường dây nóng.",
                    correction="Ghi bổ sung phản ánh vào sổ, gửi văn bản trả lời công dân.",
                ),
                Step(
                    PLAN,
                    STAFF,
                    end + timedelta(days=5),
                    "Ghi mọi phản ánh qua đường dây nóng vào sổ trong ngày; Thư ký ISO kiểm tra sổ hằng "
                    "tuần.",
                ),
                Step(
                    IMPLEMENT,
                    STAFF,
                    today - timedelta(days=25),
                    "Đã ghi sổ đầy đủ từ tháng 9; đã trả lời công dân bằng văn bản.",
                ),
                Step(
                    VERIFY,
                    SECRETARY,
                    today - timedelta(days=12),
                    "Chưa hiệu quả: 02 phản ánh tuần trước vẫn chưa được ghi sổ. Cần giao một đầu mối duy "
                    "nhất nhận đường dây nóng và kiểm tra sổ cuối mỗi ngày.",
                    effective=False,
                ),
            ),
        ),
        HomeFinding(
            Grade.MINOR,
            "10.2",
            "Điểm không phù hợp của đợt kiểm tra năm trước được đóng khi chưa có bằng chứng đánh giá hiệu "
            "lực.",
            "Phiếu theo dõi hành động khắc phục năm trước.",
            owner=SECRETARY,
            due=end + timedelta(days=30),
            steps=(
                Step(
                    ANALYSE,
                    SECRETARY,
                    end + timedelta(days=2),
                    "Chưa quy định bằng chứng cần có khi đánh giá hiệu lực hành động khắc phục.",
                ),
                Step(
                    PLAN,
                    SECRETARY,
                    end + timedelta(days=4),
                    "Sửa đổi QT-KPH: nêu rõ bằng chứng và thời điểm đánh giá hiệu lực.",
                ),
                Step(
                    IMPLEMENT,
                    SECRETARY,
                    end + timedelta(days=15),
                    "Đã trình sửa đổi QT-KPH; các phiếu đang mở được bổ sung kế hoạch đánh giá hiệu lực.",
                ),
                Step(
                    VERIFY,
                    LEADER,
                    today - timedelta(days=5),
                    "Các phiếu đóng trong tháng đều có bằng chứng đánh giá hiệu lực.",
                ),
            ),
        ),
        HomeFinding(
            Grade.OBSERVATION,
            "6.3",
            "Nghị định sửa đổi Nghị định số 123/2015/NĐ-CP mới có hiệu lực: cần theo dõi việc sửa đổi QT-12 "
            "trong thời hạn 3 tháng.",
            "Danh mục tài liệu bên ngoài.",
            process="QT-12",
        ),
        HomeFinding(
            Grade.IMPROVEMENT,
            "10.3",
            "Có thể dùng cảnh báo của Cổng ISO điện tử để nhắc hạn hành động khắc phục thay cho sổ theo dõi.",
            "Sổ theo dõi hành động khắc phục.",
        ),
    )
    audits.append(
        HomeAudit(
            year=year,
            objectives=f"{PROGRAMME_COMMON}\n{PROGRAMME_FOCUS[0].format(year=year)}",
            programme_on=min(date(year, 1, 8), start - timedelta(days=30)),
            planned_on=start - timedelta(days=21),
            start=start,
            end=end,
            scope=("QT-01", "QT-06", "QT-08", "QT-09", "QT-12", "QT-13", "QT-KSHS", "QT-KPH", "QT-XXLD"),
            units=UNITS_BEFORE if end < REORGANISED_ON else UNITS_AFTER,
            team_note=TEAM_NOTE,
            findings=findings,
            conclusion=_conclusion(findings),
            reported_on=end + timedelta(days=2),
        )
    )
    return audits


@dataclass
class Home:
    agency: Agency
    users: dict[str, object]
    clauses: dict[str, Clause]
    today: date
    year: int

    def user(self, username: str | None):
        return self.users[username] if username else None

    def processes_on(self, day: date) -> dict[str, Process]:
        """The home processes with a revision in force on `day`."""
        published = ProcessRevision.objects.filter(
            status__in=ProcessRevision.PUBLISHED, effective_date__lte=day
        ).values("process_id")
        return {
            process.code: process
            for process in Process.objects.filter(agency=self.agency, pk__in=published).order_by("code")
        }


def _seed_home_audit(home: Home, spec: HomeAudit) -> None:
    secretary = home.users[SECRETARY]
    with _on(secretary, _at(spec.programme_on, 9)):
        programme = audit_services.programme_create(
            agency=home.agency, year=spec.year, objectives=spec.objectives, acting_user=secretary
        )
    processes = home.processes_on(spec.start)
    data = AuditData(
        title=f"Đánh giá nội bộ HTQLCL năm {spec.year}",
        planned_start=spec.start,
        planned_end=spec.end,
        scope_processes=[processes[code] for code in spec.scope if code in processes],
        scope_units=spec.units,
        lead_auditor=secretary,
        team_note=spec.team_note,
        programme=programme,
    )
    with _on(secretary, _at(spec.planned_on, 10)):
        audit = audit_services.audit_create(
            agency=home.agency, kind=Kind.INTERNAL, data=data, acting_user=secretary
        )
        lines = audit_services.checklist_start_from_clauses(audit=audit, acting_user=secretary)
        # Design and development does not apply to an administrative body: the line goes.
        audit_services.checklist_save(
            audit=audit,
            lines=[
                ChecklistLineData(requirement=line.requirement, clause=line.clause, id=line.pk)
                for line in lines
                if line.clause.number != NOT_APPLICABLE[line.clause.standard]
            ],
            acting_user=secretary,
        )
    with _on(secretary, _at(spec.start, 8)):
        audit = audit_services.audit_start(audit=audit, actual_start=spec.start, acting_user=secretary)
    found = {item.clause: item for item in spec.findings if item.grade != Grade.IMPROVEMENT}
    with _on(secretary, _at(spec.end, 16)):
        audit_services.checklist_save(
            audit=audit,
            lines=[
                _checked(line, found.get(line.clause.number))
                for line in audit.checklist.select_related("clause")
            ],
            acting_user=secretary,
        )
        raised = [
            audit_services.finding_raise(
                audit=audit,
                data=FindingData(
                    grade=item.grade,
                    description=item.description,
                    clause=home.clauses[item.clause],
                    evidence=item.evidence,
                    process=processes.get(item.process) if item.process else None,
                    due_date=item.due,
                    owner=home.user(item.owner),
                ),
                acting_user=secretary,
            )
            for item in spec.findings
        ]
    with _on(secretary, _at(spec.reported_on, 15)):
        audit = audit_services.audit_report(
            audit=audit, actual_end=spec.end, conclusion=spec.conclusion, acting_user=secretary
        )
    for item, finding in zip(spec.findings, raised, strict=True):
        if item.steps:
            _follow(home, Action.objects.get(finding=finding), item.steps)
    if spec.closed_on:
        with _on(secretary, _at(spec.closed_on, 10)):
            audit_services.audit_close(audit=audit, acting_user=secretary)


def _checked(line: ChecklistLine, finding: HomeFinding | None) -> ChecklistLineData:
    """The auditor's result for a line: nonconforming or an observation where a finding was raised."""
    result, evidence = Result.CONFORMING, CLAUSE_EVIDENCE.get(line.clause.number, CONFORMS)
    if finding is not None:
        result = Result.OBSERVATION if finding.grade == Grade.OBSERVATION else Result.NONCONFORMING
        evidence = finding.evidence
    return ChecklistLineData(
        requirement=line.requirement, clause=line.clause, result=result, evidence=evidence, id=line.pk
    )


def _follow(home: Home, action: Action, steps: tuple[Step, ...]) -> None:
    """Move an action along its steps, each by its user on its day."""
    for number, item in enumerate(steps):
        user = home.users[item.by]
        with _on(user, _at(item.on, 9 + number % 7, 15)):
            action = _perform(action, item, user)


def _perform(action: Action, item: Step, user) -> Action:
    if item.step == ANALYSE:
        return action_services.action_analyse(
            action=action, root_cause=item.text, correction=item.correction, acting_user=user
        )
    if item.step == PLAN:
        return action_services.action_plan(action=action, action_plan=item.text, acting_user=user)
    if item.step == IMPLEMENT:
        return action_services.action_implement(
            action=action, implementation_note=item.text, acting_user=user
        )
    if item.step == VERIFY:
        return action_services.action_verify(
            action=action, effective=item.effective, note=item.text, acting_user=user
        )
    return action_services.action_close(action=action, effectiveness_note=item.text, acting_user=user)


# --- the province's inspections ----------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionFinding:
    grade: str
    clause: str
    description: str
    root_cause: str = ""
    correction: str = ""
    action_plan: str = ""
    implementation: str = ""
    effectiveness: str = ""


INSPECTION_FINDINGS = [
    InspectionFinding(
        Grade.MINOR,
        "6.3",
        "Một số quy trình chưa được cập nhật trong vòng 3 tháng kể từ khi Nghị định số 118/2025/NĐ-CP có "
        "hiệu lực (căn cứ pháp lý còn dẫn Nghị định số 61/2018/NĐ-CP).",
        "Chưa phân công người theo dõi văn bản pháp luật mới liên quan đến các quy trình.",
        "Lập danh sách quy trình cần sửa đổi, trình lãnh đạo.",
        "Giao Thư ký ISO theo dõi văn bản pháp luật hằng tháng; sửa đổi các quy trình còn dẫn văn bản cũ.",
        "Đã ban hành lại các quy trình theo Nghị định số 118/2025/NĐ-CP.",
        "Kiểm tra danh mục quy trình: không còn quy trình dẫn văn bản hết hiệu lực.",
    ),
    InspectionFinding(
        Grade.MINOR,
        "4.3",
        "Phạm vi áp dụng HTQLCL chưa bao gồm toàn bộ TTHC thuộc thẩm quyền: một số TTHC mới được giao chưa "
        "có quy trình.",
        "Danh mục TTHC được giao thay đổi nhưng phạm vi HTQLCL chưa được rà soát.",
        "",
        "Xây dựng quy trình cho các TTHC còn thiếu; công bố lại HTQLCL.",
        "Đã ban hành quy trình cho các TTHC còn thiếu và công bố lại HTQLCL.",
        "Phạm vi công bố lại bao gồm toàn bộ TTHC thuộc thẩm quyền.",
    ),
    InspectionFinding(
        Grade.MINOR,
        "10.2",
        "Hành động khắc phục sau đánh giá nội bộ được đóng khi chưa đánh giá hiệu lực.",
        "Quy trình khắc phục không quy định bằng chứng đánh giá hiệu lực.",
        "",
        "Sửa đổi quy trình khắc phục; đánh giá lại hiệu lực các phiếu đã đóng.",
        "Đã sửa đổi quy trình và đánh giá lại 04 phiếu.",
        "Các phiếu đóng sau đó đều có bằng chứng đánh giá hiệu lực.",
    ),
    InspectionFinding(
        Grade.MINOR,
        "8.5",
        "Một số hồ sơ TTHC trễ hạn không có Phiếu xin lỗi và hẹn lại ngày trả kết quả.",
        "Công chức một cửa chưa được hướng dẫn mẫu phiếu mới.",
        "Gửi phiếu xin lỗi cho các trường hợp trễ hạn.",
        "Hướng dẫn công chức một cửa; bật cảnh báo hồ sơ sắp đến hạn trên hệ thống.",
        "Đã hướng dẫn và cấu hình cảnh báo trên hệ thống.",
        "Các hồ sơ trễ hạn sau đó đều có phiếu xin lỗi.",
    ),
    InspectionFinding(
        Grade.MINOR,
        "6.2",
        "Mục tiêu chất lượng không có kế hoạch thực hiện và không được đo lường trong năm.",
        "Mục tiêu được ban hành nhưng không giao người theo dõi.",
        "",
        "Lập kế hoạch thực hiện mục tiêu, giao người theo dõi và báo cáo hằng quý.",
        "Đã lập kế hoạch và báo cáo kết quả quý gần nhất.",
        "Báo cáo mục tiêu quý được lập đúng hạn.",
    ),
    InspectionFinding(
        Grade.OBSERVATION,
        "7.5",
        "Danh mục tài liệu bên ngoài chưa cập nhật đầy đủ văn bản pháp luật mới.",
    ),
    InspectionFinding(
        Grade.OBSERVATION,
        "8.5",
        "Một số hồ sơ lưu chưa được sắp xếp theo danh mục hồ sơ của quy trình.",
    ),
]
HOME_INSPECTION_FINDINGS = {
    -1: (
        InspectionFinding(
            Grade.MINOR,
            "9.3",
            "Báo cáo xem xét của lãnh đạo năm trước chưa đánh giá hiệu lực của các hành động giải quyết "
            "rủi ro và cơ hội (mục 9.3.2 e TCVN ISO 9001:2015).",
            "Mẫu báo cáo đầu vào xem xét của lãnh đạo trong QT-XXLD thiếu nội dung này.",
            "",
            "Bổ sung nội dung đánh giá hiệu lực của hành động giải quyết rủi ro, cơ hội vào mẫu báo cáo "
            "đầu vào của QT-XXLD; áp dụng từ kỳ xem xét năm nay.",
            "Đã sửa đổi mẫu báo cáo đầu vào và gửi báo cáo khắc phục về Sở Khoa học và Công nghệ.",
            "Báo cáo khắc phục của UBND xã đầy đủ, có bằng chứng; đồng ý đóng.",
        ),
    ),
    0: (
        InspectionFinding(
            Grade.MINOR,
            "4.3",
            "Phạm vi áp dụng HTQLCL chưa bao gồm toàn bộ TTHC thuộc thẩm quyền: 03 TTHC UBND xã đang giải "
            "quyết chưa được xây dựng quy trình.",
        ),
        InspectionFinding(
            Grade.MINOR,
            "8.5",
            "02/08 hồ sơ cấp giấy phép xây dựng nhà ở riêng lẻ không có phiếu kiểm soát quá trình giải quyết "
            "hồ sơ theo quy trình QT-08.",
            "Công chức địa chính - xây dựng nhận nhiệm vụ từ cấp huyện chưa được hướng dẫn quy trình QT-08.",
            "Lập bổ sung phiếu kiểm soát cho 02 hồ sơ.",
        ),
    ),
}
HOME_INSPECTION_OBSERVATION = (
    "6.3",
    "Nghị định sửa đổi Nghị định số 123/2015/NĐ-CP có hiệu lực chưa quá 3 tháng; đề nghị khẩn trương sửa đổi "
    "quy trình QT-12.",
)
INSPECTION_TEAM = "Bà Lê Thị Hằng — Chi cục Tiêu chuẩn Đo lường Chất lượng; Ông Ngô Quang Huy — Sở Nội vụ"


def _inspection_evidence(line: ChecklistLine) -> str:
    if line.clause_id:
        return INSPECTION_EVIDENCE.get(line.clause.number, CONFORMS)
    folded = fold(line.requirement)
    return next((text for word, text in INSPECTION_EVIDENCE_BY_WORD.items() if word in folded), CONFORMS)


def _plan_members(province: Province, home: Home, year: int, status: dict) -> list[Agency]:
    """Tiến Dũng and eleven other agencies applying a system, drawn afresh each year."""
    candidates = [
        agency
        for agency in Agency.objects.filter(province=province).operating(home.today).order_by("code")
        if agency.pk != home.agency.pk and status.get(agency.pk, ("", ""))[0] in APPLYING
    ]
    return _rng("plan", str(year)).sample(candidates, min(PLAN_SIZE - 1, len(candidates)))


def _seed_plan(province: Province, home: Home, offset: int, status: dict) -> None:
    """The province's plan of a year, created by the reviewer with an inspection decision for each agency
    once its date has come. Every inspection moves through the services (started, reported, closed, findings
    raised by the reviewer); only the other agencies' checklist results and their own work on their
    nonconformities are written straight to the tables (they have no demo users)."""
    year, today = home.year + offset, home.today
    if InspectionPlan.objects.filter(province=province, year=year).exists():
        return
    reviewer = home.users[REVIEWER]
    rng = _rng("plan", f"dates-{year}")
    others = _plan_members(province, home, year, status)
    if offset == 0:
        home_start = home_end = min(today - timedelta(days=30), date(year, 12, 3))
        planned_on = min(date(year, 3, 9), home_start - timedelta(days=20))
    else:
        home_start, home_end = date(year, 6, 10), date(year, 6, 12)
        planned_on = date(year, 3, 5)
    entries = [
        PlanEntry(
            home.agency, Audit.Method.ON_SITE if offset == 0 else Audit.Method.DOCUMENTS, home_start, home_end
        )
    ]
    on_site = ON_SITE - (1 if offset == 0 else 0)
    for index, agency in enumerate(others):
        start = _some_day(rng, date(year, 4, 1), date(year, 11, 28))
        method = Audit.Method.ON_SITE if index < on_site else Audit.Method.DOCUMENTS
        entries.append(PlanEntry(agency, method, start, start + timedelta(days=rng.randint(0, 2))))
    number = rng.randint(12, 40)
    title = (
        f"{inspection_services.plan_default_title(year)} (Kế hoạch số {number}/KH-SKHCN ngày "
        f"{planned_on:%d/%m/%Y})"
    )
    with _on(reviewer, _at(planned_on, 14)):
        plan = inspection_services.inspection_plan_create(
            province=province, year=year, title=title, entries=entries, acting_user=reviewer
        )
    inspections = {
        inspection.agency_id: inspection
        for inspection in plan.inspections.select_related("agency").order_by("planned_start", "pk")
    }
    decision = number + rng.randint(10, 30)
    for inspection in sorted(inspections.values(), key=lambda item: (item.planned_start, item.pk)):
        decided_on = inspection.planned_start - timedelta(days=rng.randint(7, 14))
        if decided_on > today:
            continue
        decision += rng.randint(1, 4)
        with _on(reviewer, _at(decided_on, 10)):
            inspection_services.inspection_decision_record(
                inspection=inspection,
                number=f"{decision}/QĐ-SKHCN",
                decided_on=decided_on,
                acting_user=reviewer,
            )
            audit_services.audit_update(
                audit=inspection,
                data=AuditData(
                    title=inspection.title,
                    planned_start=inspection.planned_start,
                    planned_end=inspection.planned_end,
                    scope_units="Toàn bộ phạm vi áp dụng HTQLCL",
                    lead_auditor=reviewer,
                    team_note=INSPECTION_TEAM,
                ),
                acting_user=reviewer,
            )
    for agency_id, inspection in inspections.items():
        if agency_id == home.agency.pk:
            _run_home_inspection(home, inspection, offset)
        else:
            _run_inspection(home, inspection, offset)


def _run_home_inspection(home: Home, inspection: Audit, offset: int) -> None:
    reviewer, day = home.users[REVIEWER], inspection.planned_start
    end = inspection.planned_end
    findings = HOME_INSPECTION_FINDINGS[offset]
    marked = {item.clause: Result.NONCONFORMING for item in findings}
    notes = {item.clause: item.description for item in findings}
    if offset == 0:
        clause, text = HOME_INSPECTION_OBSERVATION
        marked[clause], notes[clause] = Result.OBSERVATION, text
    with _on(reviewer, _at(day, 8, 30)):
        inspection = audit_services.audit_start(audit=inspection, actual_start=day, acting_user=reviewer)
    due = add_months(end, inspection_services.CORRECTIVE_ACTION_MONTHS)
    with _on(reviewer, _at(end, 16, 30)):
        _fill_inspection_checklist(inspection, marked, notes, reviewer)
        raised = [
            audit_services.finding_raise(
                audit=inspection,
                data=FindingData(
                    grade=item.grade,
                    description=item.description,
                    clause=home.clauses[item.clause],
                    evidence="Biên bản kiểm tra (Mẫu 21 BBKT).",
                    due_date=due,
                    owner=home.users[SECRETARY if index == 0 else STAFF],
                ),
                acting_user=reviewer,
            )
            for index, item in enumerate(findings)
        ]
    conclusion = (
        "UBND xã Tiến Dũng đã xây dựng, áp dụng, duy trì HTQLCL phù hợp TCVN ISO 9001:2015. "
        f"Đoàn kiểm tra phát hiện {len(findings):02d} điểm không phù hợp; đề nghị UBND xã khắc phục và báo "
        "cáo kết quả về Sở Khoa học và Công nghệ trong vòng 02 tháng."
    )
    with _on(reviewer, _at(end + timedelta(days=3), 15)):
        audit_services.audit_report(
            audit=inspection, actual_end=end, conclusion=conclusion, acting_user=reviewer
        )
    actions = [Action.objects.get(finding=finding) for finding in raised]
    if offset == 0:
        first_step = min(end + timedelta(days=9), home.today)
        item = findings[1]
        _follow(
            home, actions[1], (Step(ANALYSE, STAFF, first_step, item.root_cause, correction=item.correction),)
        )
        return
    item = findings[0]
    _follow(
        home,
        actions[0],
        (
            Step(ANALYSE, SECRETARY, end + timedelta(days=8), item.root_cause),
            Step(PLAN, SECRETARY, end + timedelta(days=12), item.action_plan),
            Step(IMPLEMENT, SECRETARY, end + timedelta(days=43), item.implementation),
            Step(
                VERIFY,
                REVIEWER,
                end + timedelta(days=54),
                "Đã xem xét báo cáo khắc phục và bằng chứng kèm theo.",
            ),
            Step(CLOSE, REVIEWER, end + timedelta(days=55), item.effectiveness),
        ),
    )
    with _on(reviewer, _at(date(inspection.planned_start.year, 12, 15), 10)):
        audit_services.audit_close(audit=inspection, acting_user=reviewer)


def _fill_inspection_checklist(
    inspection: Audit, marked: dict, notes: dict, reviewer, *, upto: int | None = None, direct: bool = False
) -> None:
    """Record the inspectors' results: nonconforming or an observation on the clauses in `marked`,
    conforming elsewhere, nothing past line `upto`. Through the service for Tiến Dũng; `direct` writes the
    other agencies' lines in one statement (saving line by line costs seconds over a whole plan)."""
    lines = list(inspection.checklist.select_related("clause").order_by("order"))
    for index, line in enumerate(lines):
        number = line.clause.number if line.clause_id else None
        line.result, line.evidence = Result.CONFORMING, _inspection_evidence(line)
        if number in marked:
            line.result, line.evidence = marked[number], notes[number]
        if upto is not None and index >= upto:
            line.result, line.evidence = Result.NOT_CHECKED, ""
    if direct:
        ChecklistLine.objects.bulk_update(lines, ["result", "evidence"])
        return
    data = [
        ChecklistLineData(
            requirement=line.requirement,
            clause=line.clause,
            result=line.result,
            evidence=line.evidence,
            id=line.pk,
        )
        for line in lines
    ]
    audit_services.checklist_save(audit=inspection, lines=data, acting_user=reviewer)


def _run_inspection(home: Home, inspection: Audit, offset: int) -> None:
    """Another agency's inspection, run by the reviewer as far as the day of seeding allows; the agency's
    own steps on the nonconformities are written directly (its people are not demo users)."""
    reviewer, today = home.users[REVIEWER], home.today
    start, end = inspection.planned_start, inspection.planned_end
    if start > today:
        return
    rng = _rng("inspection", f"{inspection.plan.year}-{inspection.agency.code}")
    with _on(reviewer, _at(start, 8, 30)):
        inspection = audit_services.audit_start(audit=inspection, actual_start=start, acting_user=reviewer)
    reported_on = end + timedelta(days=rng.randint(2, 6))
    if reported_on > today:
        _fill_inspection_checklist(inspection, {}, {}, reviewer, upto=rng.randint(4, 10), direct=True)
        return
    picked = rng.sample(INSPECTION_FINDINGS, rng.choice((0, 1, 1, 2, 2, 3)))
    marked = {
        item.clause: Result.OBSERVATION if item.grade == Grade.OBSERVATION else Result.NONCONFORMING
        for item in picked
    }
    notes = {item.clause: item.description for item in picked}
    due = add_months(end, inspection_services.CORRECTIVE_ACTION_MONTHS)
    with _on(reviewer, _at(end, 16, 30)):
        _fill_inspection_checklist(inspection, marked, notes, reviewer, direct=True)
        raised = [
            (
                item,
                audit_services.finding_raise(
                    audit=inspection,
                    data=FindingData(
                        grade=item.grade,
                        description=item.description,
                        clause=home.clauses[item.clause],
                        evidence="Biên bản kiểm tra (Mẫu 21 BBKT).",
                        due_date=due,
                    ),
                    acting_user=reviewer,
                ),
            )
            for item in picked
        ]
    nonconformities = sum(item.grade in Finding.NONCONFORMITIES for item in picked)
    conclusion = f"{inspection.agency.name} duy trì, áp dụng HTQLCL phù hợp TCVN ISO 9001:2015" + (
        f"; {nonconformities:02d} điểm không phù hợp cần khắc phục và báo cáo trong vòng 02 tháng."
        if nonconformities
        else "; không phát hiện điểm không phù hợp."
    )
    with _on(reviewer, _at(reported_on, 15)):
        audit_services.audit_report(
            audit=inspection, actual_end=end, conclusion=conclusion, acting_user=reviewer
        )
    weak = rng.random() < 0.2
    for item, finding in raised:
        if finding.is_nonconformity:
            _progress_directly(Action.objects.get(finding=finding), item, rng, end, due, today, weak=weak)
    closed_on = reported_on + timedelta(days=rng.randint(70, 110)) if offset == 0 else date(end.year, 12, 15)
    if closed_on <= today:
        with _on(reviewer, _at(closed_on, 10)):
            audit_services.audit_close(audit=inspection, acting_user=reviewer)


def _progress_directly(
    action: Action, item, rng, raised: date, due: date, today: date, *, weak: bool
) -> None:
    fields = _progress(rng, raised, due, today, texts=_texts(item), weak=weak, analysis=True)
    Action.objects.filter(pk=action.pk).update(**fields)


# --- management reviews ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    title: str
    owner: str
    due: date
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class HomeReview:
    held_on: date
    data: dict
    decisions: tuple[Decision, ...]


HOME_PARTICIPANTS = (
    "Ông Đỗ Văn Thành — Chủ tịch UBND xã, Trưởng Ban chỉ đạo ISO (chủ trì); các Phó Chủ tịch UBND xã; Bà "
    "Nguyễn Thị Thu — Thư ký ISO; Ông Lê Văn Nam — công chức Tư pháp - Hộ tịch; công chức các bộ phận trong "
    "phạm vi áp dụng HTQLCL."
)


def _home_reviews(today: date, year: int) -> list[HomeReview]:
    first, last = year - 2, year - 1
    held = min(today - timedelta(days=10), date(year, 12, 15))
    return [
        HomeReview(
            date(first, 12, 18),
            {
                "previous_actions": (
                    "02/02 quyết định của kỳ xem xét trước đã hoàn thành: bổ sung 01 máy tính cho bộ phận "
                    "một cửa; khảo sát sự hài lòng của người dân 6 tháng một lần."
                ),
                "context_changes": (
                    "Nhiều văn bản về hộ tịch, chứng thực, đất đai được sửa đổi, bổ sung; chủ trương sắp xếp "
                    "đơn vị hành chính và tổ chức chính quyền địa phương hai cấp; yêu cầu đẩy mạnh dịch vụ "
                    "công trực tuyến toàn trình."
                ),
                "performance": (
                    "Tiếp nhận 1.254 hồ sơ TTHC, giải quyết đúng và trước hạn 98,9%; mức độ hài lòng "
                    "96,4%; đạt 3/4 mục tiêu chất lượng (hồ sơ nộp trực tuyến 62%, chưa đạt mục tiêu 70%). "
                    "Đánh giá nội bộ tháng 10 phát hiện 02 điểm không phù hợp nhẹ, đã khắc phục và đóng cả "
                    "02. Không có phản ánh, kiến nghị về TTHC."
                ),
                "resources": (
                    "Bộ phận một cửa có 06 công chức, 04 máy tính, 01 máy quét; đường truyền chậm vào giờ "
                    "cao điểm; kinh phí duy trì HTQLCL 15 triệu đồng/năm."
                ),
                "improvement_opportunities": (
                    "Dùng sổ chứng thực điện tử; số hóa hồ sơ, kết quả giải quyết TTHC; hướng dẫn người "
                    "dân nộp hồ sơ trực tuyến ngay tại quầy."
                ),
                "output_improvements": (
                    "Số hóa hồ sơ, kết quả giải quyết TTHC lĩnh vực hộ tịch, chứng thực; bố trí công chức "
                    "hướng dẫn nộp hồ sơ trực tuyến tại bộ phận một cửa."
                ),
                "output_changes": (
                    "Sửa đổi QT-KSTT: rà soát biểu mẫu hằng quý. Chưa cần thay đổi phạm vi áp dụng HTQLCL."
                ),
                "output_resources": "Trang bị 01 máy quét tốc độ cao; nâng cấp đường truyền internet.",
            },
            (
                Decision(
                    "Trang bị 01 máy quét tài liệu tốc độ cao cho bộ phận một cửa để số hóa hồ sơ",
                    SECRETARY,
                    date(last, 3, 31),
                    (
                        Step(
                            PLAN,
                            SECRETARY,
                            date(first, 12, 22),
                            "Lập dự toán, trình mua sắm trong quý I theo kế hoạch tài chính.",
                        ),
                        Step(
                            IMPLEMENT,
                            SECRETARY,
                            date(last, 3, 12),
                            "Đã bàn giao máy quét, hướng dẫn công chức sử dụng.",
                        ),
                        Step(
                            VERIFY,
                            LEADER,
                            date(last, 3, 20),
                            "Máy quét hoạt động ổn định; hồ sơ được số hóa.",
                        ),
                        Step(CLOSE, LEADER, date(last, 3, 21), "Hoàn thành đúng hạn."),
                    ),
                ),
                Decision(
                    "Hướng dẫn người dân nộp hồ sơ trực tuyến, nâng tỷ lệ hồ sơ trực tuyến lên ít nhất 70%",
                    STAFF,
                    date(last, 6, 30),
                    (
                        Step(
                            PLAN,
                            STAFF,
                            date(first, 12, 26),
                            "Bố trí 01 công chức hướng dẫn tại quầy; thông báo trên loa truyền thanh hằng "
                            "tuần.",
                        ),
                        Step(
                            IMPLEMENT,
                            STAFF,
                            date(last, 6, 20),
                            "Tỷ lệ hồ sơ nộp trực tuyến 6 tháng đầu năm đạt 78%.",
                        ),
                        Step(VERIFY, SECRETARY, date(last, 7, 5), "Số liệu hệ thống một cửa xác nhận 78%."),
                        Step(CLOSE, SECRETARY, date(last, 7, 6), "Đạt mục tiêu."),
                    ),
                ),
            ),
        ),
        HomeReview(
            date(last, 12, 16),
            {
                "previous_actions": (
                    "02/02 quyết định của kỳ xem xét trước đã hoàn thành: máy quét tốc độ cao đưa vào sử "
                    "dụng từ tháng 3; tỷ lệ hồ sơ nộp trực tuyến đạt 78%."
                ),
                "context_changes": (
                    "Chính quyền địa phương hai cấp vận hành; UBND xã tiếp nhận các TTHC trước đây thuộc cấp "
                    "huyện (xây dựng, hộ kinh doanh, kinh doanh rượu); Nghị định số 118/2025/NĐ-CP thay thế "
                    "Nghị định số 61/2018/NĐ-CP về cơ chế một cửa, một cửa liên thông."
                ),
                "performance": (
                    "Tỷ lệ hồ sơ giải quyết đúng hạn 99,1%; mức độ hài lòng 97,2%; đạt 4/5 mục tiêu chất "
                    "lượng. Đánh giá nội bộ tháng 9 phát hiện 03 điểm không phù hợp nhẹ: 02 đã đóng, 01 đã "
                    "thực hiện và đang chờ đánh giá hiệu lực. Đoàn kiểm tra của tỉnh (tháng 6) phát hiện "
                    "01 điểm không phù hợp, đã khắc phục và được Sở Khoa học và Công nghệ chấp nhận."
                ),
                "resources": (
                    "Trung tâm Phục vụ hành chính công xã có 08 công chức; thiếu công chức địa chính - xây "
                    "dựng có kinh nghiệm; trang thiết bị đáp ứng yêu cầu."
                ),
                "risks_opportunities": (
                    "Rủi ro hồ sơ trễ hạn ở các TTHC mới tiếp nhận từ cấp huyện đã được nhận diện; biện pháp "
                    "kèm cặp công chức mới có hiệu quả: không có hồ sơ xây dựng trễ hạn trong quý IV."
                ),
                "improvement_opportunities": (
                    "Xây dựng quy trình cho các TTHC mới tiếp nhận; khai thác Cơ sở dữ liệu quốc gia về dân "
                    "cư; theo dõi hành động khắc phục trên Cổng ISO điện tử."
                ),
                "output_improvements": (
                    "Theo dõi toàn bộ hành động khắc phục và quyết định sau xem xét trên Cổng ISO điện tử."
                ),
                "output_changes": (
                    "Mở rộng phạm vi HTQLCL cho các TTHC tiếp nhận từ cấp huyện; công bố lại sau khi hoàn "
                    "thành."
                ),
                "output_resources": (
                    "Cử 02 công chức dự lớp đào tạo chuyên gia đánh giá nội bộ của Sở Khoa học và Công nghệ."
                ),
            },
            (
                Decision(
                    "Cử 02 công chức dự lớp đào tạo chuyên gia đánh giá nội bộ HTQLCL",
                    SECRETARY,
                    date(year, 3, 31),
                    (
                        Step(
                            PLAN,
                            SECRETARY,
                            date(last, 12, 19),
                            "Đăng ký với Sở Khoa học và Công nghệ lớp quý I.",
                        ),
                        Step(
                            IMPLEMENT, SECRETARY, date(year, 3, 14), "02 công chức đã hoàn thành lớp đào tạo."
                        ),
                        Step(VERIFY, LEADER, date(year, 3, 18), "Đã có giấy chứng nhận của 02 công chức."),
                        Step(CLOSE, LEADER, date(year, 3, 18), "Hoàn thành."),
                    ),
                ),
                Decision(
                    "Theo dõi toàn bộ hành động khắc phục và quyết định sau xem xét trên Cổng ISO điện tử",
                    SECRETARY,
                    date(year, 2, 28),
                    (
                        Step(
                            PLAN,
                            SECRETARY,
                            date(last, 12, 19),
                            "Nhập các phiếu đang mở vào Cổng ISO điện tử; giao từng người phụ trách.",
                        ),
                        Step(
                            IMPLEMENT,
                            SECRETARY,
                            date(year, 2, 10),
                            "Toàn bộ phiếu đã được theo dõi trên Cổng ISO điện tử.",
                        ),
                        Step(VERIFY, LEADER, date(year, 2, 20), "Kiểm tra trên Cổng: đầy đủ, đúng hạn."),
                        Step(CLOSE, LEADER, date(year, 2, 20), "Hoàn thành."),
                    ),
                ),
            ),
        ),
        HomeReview(
            held,
            {
                "previous_actions": "02/02 quyết định của kỳ xem xét trước đã hoàn thành đúng hạn.",
                "context_changes": (
                    "Nghị định sửa đổi, bổ sung Nghị định số 123/2015/NĐ-CP về hộ tịch có hiệu lực; yêu "
                    "cầu khai thác dữ liệu dân cư khi giải quyết TTHC; tỉnh triển khai Cổng ISO điện tử và "
                    "bộ tiêu chí chấm điểm mới."
                ),
                "performance": (
                    "Tỷ lệ hồ sơ giải quyết đúng hạn 99,4%; mức độ hài lòng 97,8%. Đánh giá nội bộ phát "
                    "hiện 05 điểm không phù hợp nhẹ, 01 điểm cần lưu ý và 01 cơ hội cải tiến; đoàn kiểm "
                    "tra của tỉnh phát hiện 02 điểm không phù hợp, đang khắc phục trong thời hạn 02 tháng."
                ),
                "resources": (
                    "Trung tâm Phục vụ hành chính công xã có 08 công chức; cần bổ sung 01 máy tính cho quầy "
                    "đất đai - xây dựng."
                ),
                "risks_opportunities": (
                    "Biện pháp kiểm soát rủi ro trễ hạn đối với TTHC xây dựng, đất đai có hiệu quả; văn bản "
                    "pháp luật thay đổi nhanh, cần rà soát hằng tháng."
                ),
                "improvement_opportunities": (
                    "Cảnh báo tự động hồ sơ sắp đến hạn; rà soát văn bản pháp luật hằng tháng; nhắc hạn hành "
                    "động khắc phục qua Cổng ISO điện tử."
                ),
                "output_improvements": (
                    "Hoàn thành khắc phục các điểm không phù hợp của đợt kiểm tra trong thời hạn 02 tháng."
                ),
                "output_changes": (
                    "Sửa đổi QT-12 theo Nghị định sửa đổi; xây dựng quy trình cho 03 TTHC chưa có quy "
                    "trình và công bố lại HTQLCL."
                ),
                "output_resources": "Bổ sung 01 máy tính cho quầy tiếp nhận hồ sơ đất đai - xây dựng.",
            },
            (
                Decision(
                    "Bổ sung 01 máy tính cho quầy tiếp nhận hồ sơ đất đai - xây dựng",
                    SECRETARY,
                    held + timedelta(days=30),
                    (
                        Step(
                            PLAN, SECRETARY, held + timedelta(days=1), "Điều chuyển 01 máy tính từ Văn phòng."
                        ),
                        Step(IMPLEMENT, SECRETARY, held + timedelta(days=3), "Đã lắp đặt và cài chữ ký số."),
                        Step(VERIFY, LEADER, held + timedelta(days=6), "Quầy hoạt động bình thường."),
                        Step(CLOSE, LEADER, held + timedelta(days=7), "Hoàn thành."),
                    ),
                ),
                Decision(
                    "Xây dựng quy trình cho 03 TTHC chưa có quy trình và công bố lại HTQLCL",
                    SECRETARY,
                    held + timedelta(days=100),
                    (
                        Step(
                            PLAN,
                            SECRETARY,
                            held + timedelta(days=2),
                            "Dự thảo 03 quy trình, lấy ý kiến các bộ phận, trình Chủ tịch UBND xã ban "
                            "hành; sau đó công bố lại HTQLCL.",
                        ),
                    ),
                ),
            ),
        ),
    ]


def _seed_home_review(home: Home, spec: HomeReview) -> None:
    secretary, leader = home.users[SECRETARY], home.users[LEADER]
    data = ReviewData(held_on=spec.held_on, chair=leader, participants=HOME_PARTICIPANTS, **spec.data)
    with _on(secretary, _at(spec.held_on - timedelta(days=7), 9)):
        review = review_services.review_create(agency=home.agency, data=data, acting_user=secretary)
    with _on(secretary, _at(spec.held_on, 11)):
        decisions = [
            review_services.review_decision_create(
                review=review,
                title=item.title,
                owner=home.users[item.owner],
                due_date=item.due,
                acting_user=secretary,
            )
            for item in spec.decisions
        ]
    with _on(leader, _at(spec.held_on, 16)):
        review_services.review_finalize(review=review, acting_user=leader)
    for item, action in zip(spec.decisions, decisions, strict=True):
        _follow(home, action, tuple(step for step in item.steps if step.on <= home.today))


# --- meetings and trainings --------------------------------------------------------------------------

MEETING, TRAINING = Activity.Kind.MEETING, Activity.Kind.TRAINING
HOME_ACTIVITIES = {
    -2: [
        (MEETING, 1, 16, "Triển khai kế hoạch duy trì, cải tiến HTQLCL năm {year}", 9),
        (TRAINING, 4, 18, "Tập huấn nhận thức về TCVN ISO 9001:2015 cho công chức mới", 14),
        (MEETING, 7, 11, "Sơ kết 6 tháng công tác duy trì HTQLCL", 9),
        (MEETING, 12, 11, "Tổng kết công tác ISO năm {year}, chuẩn bị họp xem xét của lãnh đạo", 10),
    ],
    -1: [
        (MEETING, 1, 14, "Triển khai kế hoạch duy trì, cải tiến HTQLCL năm {year}", 9),
        (TRAINING, 3, 13, "Đào tạo chuyên gia đánh giá nội bộ HTQLCL (Sở Khoa học và Công nghệ tổ chức)", 2),
        (MEETING, 7, 22, "Rà soát, sửa đổi các quy trình sau sắp xếp tổ chức bộ máy", 11),
        (TRAINING, 8, 14, "Hướng dẫn xây dựng quy trình cho các TTHC tiếp nhận từ cấp huyện", 11),
        (MEETING, 12, 9, "Tổng kết công tác ISO năm {year}, chuẩn bị họp xem xét của lãnh đạo", 12),
    ],
    0: [
        (MEETING, 1, 15, "Triển khai kế hoạch duy trì, cải tiến HTQLCL năm {year}", 12),
        (TRAINING, 5, 21, "Tập huấn sử dụng Cổng ISO điện tử", 9),
        (MEETING, 6, 24, "Sơ kết 6 tháng; chuẩn bị tiếp đoàn kiểm tra của tỉnh", 11),
        (MEETING, 12, 10, "Tổng kết công tác ISO năm {year}", 12),
    ],
}
HOME_MEETING_PARTICIPANTS = (
    "Ông Đỗ Văn Thành — Chủ tịch UBND xã (chủ trì); thành viên Ban chỉ đạo ISO; "
    "Bà Nguyễn Thị Thu — Thư ký ISO"
)
HOME_TRAINING_PARTICIPANTS = "Công chức trong phạm vi áp dụng HTQLCL; giảng viên Sở Khoa học và Công nghệ"


def _seed_home_activities(home: Home) -> None:
    secretary = home.users[SECRETARY]
    existing = set(Activity.objects.filter(agency=home.agency).values_list("kind", "held_on"))
    for offset, items in HOME_ACTIVITIES.items():
        year = home.year + offset
        for kind, month, day, topic, count in items:
            held_on = date(year, month, day)
            if held_on > home.today or (kind, held_on) in existing:
                continue
            data = ActivityData(
                kind=kind,
                held_on=held_on,
                topic=topic.format(year=year),
                participants=HOME_MEETING_PARTICIPANTS if kind == MEETING else HOME_TRAINING_PARTICIPANTS,
                participant_count=count,
            )
            with _on(secretary, _at(held_on + timedelta(days=1), 10)):
                activity_services.activity_create(agency=home.agency, data=data, acting_user=secretary)


# ---------------------------------------------------------------------------------------------------------
# The other agencies, in bulk


@dataclass(frozen=True)
class Template:
    """A nonconformity or review decision with the texts of each step of its tracking."""

    clause: str
    grade: str
    description: str
    root_cause: str = ""
    correction: str = ""
    action_plan: str = ""
    implementation: str = ""
    effectiveness: str = ""


FINDINGS = [
    Template(
        "7.5",
        Grade.MINOR,
        "Một số biểu mẫu đang dùng tại bộ phận một cửa không đúng phiên bản ban hành kèm quy trình.",
        "Tài liệu lỗi thời không được thu hồi khi ban hành phiên bản mới.",
        "Thu hồi biểu mẫu cũ, thay bằng biểu mẫu hiện hành.",
        "Rà soát biểu mẫu hằng quý; cập nhật danh mục tài liệu có ngày hiệu lực.",
        "Đã rà soát, thay thế biểu mẫu và cập nhật danh mục tài liệu.",
        "Kiểm tra ngẫu nhiên hồ sơ quý sau: biểu mẫu đúng phiên bản.",
    ),
    Template(
        "8.5",
        Grade.MINOR,
        "Một số hồ sơ TTHC giải quyết quá hạn không có Phiếu xin lỗi và hẹn lại ngày trả kết quả.",
        "Công chức chưa nắm quy định; hệ thống không cảnh báo hồ sơ sắp đến hạn.",
        "Gửi phiếu xin lỗi cho người dân, tổ chức.",
        "Hướng dẫn lại quy trình; bật cảnh báo hồ sơ sắp đến hạn trên hệ thống một cửa điện tử.",
        "Đã hướng dẫn công chức và cấu hình cảnh báo.",
        "Hồ sơ trễ hạn sau đó đều có phiếu xin lỗi đúng mẫu.",
    ),
    Template(
        "9.1",
        Grade.MINOR,
        "Chưa tổng hợp, phân tích kết quả khảo sát sự hài lòng của người dân theo kế hoạch.",
        "Không phân công người chịu trách nhiệm tổng hợp.",
        "Tổng hợp kết quả khảo sát, báo cáo lãnh đạo.",
        "Phân công người tổng hợp, đưa vào báo cáo đầu vào xem xét của lãnh đạo.",
        "Đã có báo cáo tổng hợp khảo sát.",
        "Báo cáo khảo sát kỳ sau được lập đúng hạn.",
    ),
    Template(
        "6.2",
        Grade.MINOR,
        "Mục tiêu chất lượng không được theo dõi, đánh giá định kỳ theo kế hoạch.",
        "Không giao người theo dõi từng mục tiêu.",
        "Lập báo cáo đánh giá mục tiêu đến thời điểm đánh giá.",
        "Giao người theo dõi, báo cáo kết quả mục tiêu hằng quý.",
        "Đã báo cáo kết quả mục tiêu quý gần nhất.",
        "Báo cáo mục tiêu quý sau được lập đúng hạn.",
    ),
    Template(
        "6.3",
        Grade.MINOR,
        "Quy trình chưa được cập nhật khi văn bản quy phạm pháp luật liên quan thay đổi.",
        "Chưa có người theo dõi văn bản pháp luật mới.",
        "Lập danh sách quy trình cần sửa đổi.",
        "Giao Thư ký ISO rà soát văn bản pháp luật hằng tháng; sửa đổi các quy trình liên quan.",
        "Đã sửa đổi, ban hành lại các quy trình.",
        "Không còn quy trình dẫn văn bản hết hiệu lực.",
    ),
    Template(
        "7.2",
        Grade.MINOR,
        "Công chức mới chưa được đào tạo về HTQLCL và quy trình liên quan đến nhiệm vụ.",
        "Kế hoạch đào tạo năm không tính đến công chức mới được điều động.",
        "",
        "Tổ chức đào tạo nội bộ cho công chức mới; bổ sung vào kế hoạch đào tạo.",
        "Đã tổ chức đào tạo, lưu hồ sơ.",
        "Phỏng vấn công chức mới: nắm được quy trình.",
    ),
    Template(
        "10.2",
        Grade.MINOR,
        "Hành động khắc phục của kỳ đánh giá trước chưa được đánh giá hiệu lực.",
        "Không quy định thời điểm và bằng chứng đánh giá hiệu lực.",
        "",
        "Bổ sung quy định đánh giá hiệu lực vào quy trình khắc phục.",
        "Đã sửa đổi quy trình, đánh giá lại các phiếu.",
        "Các phiếu đóng sau đó có bằng chứng đánh giá hiệu lực.",
    ),
]
REMARKS = [
    Template("7.1", Grade.OBSERVATION, "Trang thiết bị tại bộ phận một cửa xuống cấp, dễ gây chậm trễ."),
    Template("8.2", Grade.OBSERVATION, "Sổ theo dõi phản ánh, kiến nghị ghi chưa đầy đủ thông tin xử lý."),
    Template("7.3", Grade.OBSERVATION, "Một số công chức chưa nắm rõ mục tiêu chất lượng của năm."),
    Template("10.3", Grade.IMPROVEMENT, "Có thể số hóa hồ sơ lưu để tra cứu nhanh hơn."),
    Template("7.4", Grade.IMPROVEMENT, "Có thể thông báo kết quả giải quyết TTHC qua tin nhắn."),
]
DECISIONS = [
    Template(
        "",
        "",
        "Rà soát, cập nhật các quy trình theo văn bản pháp luật mới",
        action_plan="Giao các bộ phận rà soát, Thư ký ISO tổng hợp, trình ban hành.",
        implementation="Đã ban hành lại các quy trình cần sửa đổi.",
        effectiveness="Danh mục quy trình không còn căn cứ hết hiệu lực.",
    ),
    Template(
        "",
        "",
        "Tổ chức khảo sát sự hài lòng của người dân, tổ chức 6 tháng một lần",
        action_plan="Lập phiếu khảo sát, phát tại bộ phận một cửa và trên cổng dịch vụ công.",
        implementation="Đã khảo sát và báo cáo kết quả.",
        effectiveness="Kết quả khảo sát được dùng trong kỳ xem xét sau.",
    ),
    Template(
        "",
        "",
        "Bổ sung trang thiết bị cho bộ phận một cửa",
        action_plan="Lập dự toán, trình mua sắm theo kế hoạch tài chính.",
        implementation="Đã bàn giao, đưa vào sử dụng.",
        effectiveness="Thiết bị hoạt động ổn định.",
    ),
    Template(
        "",
        "",
        "Cử công chức tham gia đào tạo chuyên gia đánh giá nội bộ",
        action_plan="Đăng ký lớp đào tạo của Sở Khoa học và Công nghệ.",
        implementation="Công chức đã hoàn thành khóa đào tạo.",
        effectiveness="Đã có chứng nhận; tham gia đoàn đánh giá nội bộ.",
    ),
    Template(
        "",
        "",
        "Nâng tỷ lệ hồ sơ nộp trực tuyến",
        action_plan="Bố trí công chức hướng dẫn người dân nộp hồ sơ trực tuyến tại quầy.",
        implementation="Đã bố trí, tỷ lệ hồ sơ trực tuyến tăng rõ rệt.",
        effectiveness="Đạt chỉ tiêu tỷ lệ hồ sơ trực tuyến.",
    ),
    Template(
        "",
        "",
        "Mở rộng phạm vi áp dụng HTQLCL cho các TTHC mới được giao",
        action_plan="Xây dựng quy trình cho các TTHC mới, công bố lại HTQLCL.",
        implementation="Đã ban hành quy trình và công bố lại.",
        effectiveness="Phạm vi công bố bao gồm toàn bộ TTHC.",
    ),
]
REVIEW_TEXTS = {
    "participants": "Thủ trưởng cơ quan (chủ trì); Ban chỉ đạo ISO; Thư ký ISO; đại diện các bộ phận.",
    "previous_actions": "Các quyết định của kỳ xem xét trước: {done}/{total} đã hoàn thành.",
    "context_changes": (
        "Văn bản pháp luật liên quan đến các TTHC thuộc thẩm quyền được sửa đổi, bổ sung; yêu cầu đẩy mạnh "
        "dịch vụ công trực tuyến."
    ),
    "performance": (
        "Tỷ lệ hồ sơ giải quyết đúng hạn {on_time}; mức độ hài lòng {satisfied}; đánh giá nội bộ phát hiện "
        "{ncs} điểm không phù hợp."
    ),
    "resources": "Nhân lực, trang thiết bị cơ bản đáp ứng yêu cầu; cần bổ sung máy quét, máy tính.",
    "risks_opportunities": "Các biện pháp kiểm soát rủi ro hồ sơ trễ hạn được thực hiện, có hiệu quả.",
    "improvement_opportunities": "Số hóa hồ sơ; tăng cường hướng dẫn nộp hồ sơ trực tuyến.",
    "output_improvements": "Tiếp tục số hóa hồ sơ và nâng tỷ lệ hồ sơ trực tuyến.",
    "output_changes": "Cập nhật quy trình theo văn bản pháp luật mới.",
    "output_resources": "Bổ sung trang thiết bị cho bộ phận một cửa.",
}
MEETING_TOPICS = [
    "Triển khai kế hoạch duy trì, cải tiến HTQLCL năm {year}",
    "Sơ kết 6 tháng công tác duy trì HTQLCL",
    "Rà soát, cập nhật quy trình theo văn bản pháp luật mới",
    "Tổng kết công tác ISO năm {year}",
]
TRAINING_TOPICS = [
    "Tập huấn nhận thức về TCVN ISO 9001:2015",
    "Đào tạo chuyên gia đánh giá nội bộ HTQLCL",
    "Tập huấn sử dụng Cổng ISO điện tử",
]


def _texts(item) -> dict[str, str]:
    return {
        name: getattr(item, name, "")
        for name in ("root_cause", "correction", "action_plan", "implementation", "effectiveness")
    }


def _progress(
    rng: random.Random, raised: date, due: date, today: date, *, texts: dict, weak: bool, analysis: bool
) -> dict:
    """Where an action stands on `today` when its agency works at its usual pace; a weak agency stalls
    after planning. Returns the columns to store."""
    span = max((due - raised).days, 10)
    analysed = raised + timedelta(days=rng.randint(2, 8))
    planned = analysed + timedelta(days=rng.randint(1, 6))
    late = rng.random() < (0.5 if weak else 0.15)
    share = rng.uniform(1.05, 1.6) if late else rng.uniform(0.3, 0.75)
    implemented = max(raised + timedelta(days=round(span * share)), planned + timedelta(days=1))
    verified = implemented + timedelta(days=rng.randint(2, 10))
    closed = verified + timedelta(days=rng.randint(0, 3))
    if weak and rng.random() < 0.5:
        implemented = verified = closed = date.max
    fields: dict = {"status": Status.OPEN}
    if analysis and analysed <= today:
        fields.update(
            status=Status.CAUSE_ANALYSED, root_cause=texts["root_cause"], correction=texts["correction"]
        )
    if planned <= today:
        fields.update(status=Status.ACTION_PLANNED, action_plan=texts["action_plan"])
    if implemented <= today:
        fields.update(
            status=Status.IMPLEMENTED,
            implementation_note=texts["implementation"],
            implemented_at=_at(implemented, 15),
        )
    if verified <= today:
        fields.update(status=Status.VERIFIED, verified_at=_at(verified, 10))
    if closed <= today:
        fields.update(
            status=Status.CLOSED, effectiveness_note=texts["effectiveness"], closed_at=_at(closed, 11)
        )
    return fields


@dataclass
class _Bulk:
    """Rows for the other agencies, created table by table."""

    programmes: list = field(default_factory=list)
    audits: list = field(default_factory=list)
    scopes: list = field(default_factory=list)  # (audit, [process ids])
    lines: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    activities: list = field(default_factory=list)
    stamps: dict = field(default_factory=dict)  # id(row) → the story's auto_now_add values


def _seed_others(province: Province, home: Home, status: dict) -> None:
    today, year = home.today, home.year
    agencies = [
        agency
        for agency in Agency.objects.filter(province=province).operating(today).order_by("code")
        if agency.pk != home.agency.pk
    ]
    programmes = set(AuditProgramme.objects.filter(agency__in=agencies).values_list("agency_id", "year"))
    reviews = {
        (agency_id, held_on.year)
        for agency_id, held_on in ManagementReview.objects.filter(agency__in=agencies).values_list(
            "agency_id", "held_on"
        )
    }
    activities = {
        (agency_id, held_on.year)
        for agency_id, held_on in Activity.objects.filter(agency__in=agencies).values_list(
            "agency_id", "held_on"
        )
    }
    processes: dict[int, list[int]] = defaultdict(list)
    for agency_id, pk in (
        Process.objects.filter(agency__in=agencies).order_by("code").values_list("agency_id", "pk")
    ):
        processes[agency_id].append(pk)
    clauses = _main_clauses()
    by_number = {clause.number: clause for clause in clauses[Clause.Standard.ISO_2015]}
    bulk = _Bulk()
    for agency in agencies:
        qms, version = status.get(agency.pk, ("", ""))
        weak = qms not in APPLYING or _rng("weak", agency.code).random() < 0.12
        standard = version or Clause.Standard.ISO_2015
        for offset in (-1, 0):
            in_year = year + offset
            # A generator per agency, topic and year: what exists already draws nothing and shifts nothing.
            key = f"{agency.code}-{in_year}"
            if (agency.pk, in_year) not in activities:
                _plan_activities(bulk, agency, _rng("activities", key), in_year, today, qms=qms, weak=weak)
            if qms not in APPLYING:
                continue
            rng = _rng("audit", key)
            # Weak agencies skip this year's audit and review, and last year's half the time.
            if (agency.pk, in_year) not in programmes and (not weak or (offset < 0 and rng.random() < 0.5)):
                _plan_audit(
                    bulk,
                    agency,
                    rng,
                    in_year,
                    today,
                    processes=processes[agency.pk],
                    clauses=clauses[standard],
                    # Findings cite TCVN ISO 9001:2015 clauses; a system still on 2008 gets them uncited.
                    by_number=by_number if standard == Clause.Standard.ISO_2015 else {},
                    weak=weak,
                )
            rng = _rng("review", key)
            if (agency.pk, in_year) not in reviews and (not weak or (offset < 0 and rng.random() < 0.5)):
                _plan_review(bulk, agency, rng, in_year, today, weak=weak)
    _store(bulk)


def _plan_audit(
    bulk: _Bulk,
    agency: Agency,
    rng: random.Random,
    year: int,
    today: date,
    *,
    processes: list[int],
    clauses: list[Clause],
    by_number: dict[str, Clause],
    weak: bool,
) -> None:
    """An internal audit of the year with its programme, checklist, findings and nonconformities, as far
    as it has gone by `today`: held ones reported or closed, this year's later ones still planned."""
    start = _some_day(rng, date(year, 5, 4), date(year, 11, 25))
    end = start + timedelta(days=rng.randint(1, 3))
    programme = AuditProgramme(
        agency=agency,
        year=year,
        objectives=(
            "Đánh giá nội bộ 01 lần trong năm đối với toàn bộ các quá trình trong phạm vi HTQLCL, theo "
            "TCVN ISO 9001:2015 và các quy trình đã ban hành."
        ),
    )
    bulk.programmes.append(programme)
    audit = Audit(
        agency=agency,
        kind=Kind.INTERNAL,
        programme=programme,
        title=f"Đánh giá nội bộ HTQLCL năm {year}",
        planned_start=start,
        planned_end=end,
        scope_units="Các bộ phận trong phạm vi áp dụng HTQLCL",
        team_note="Đoàn đánh giá nội bộ 03 thành viên theo quyết định của Thủ trưởng cơ quan",
    )
    created = _at(start - timedelta(days=rng.randint(14, 30)), 9)
    reported_on = end + timedelta(days=rng.randint(1, 5))
    closed_on = reported_on + timedelta(days=rng.randint(20, 50))
    checked = len(clauses)
    if start > today:
        audit.status, checked = Audit.Status.PLANNED, 0
    elif reported_on > today:
        audit.status, audit.actual_start = Audit.Status.IN_PROGRESS, start
        checked = rng.randint(5, len(clauses) - 1)
    else:
        audit.status, audit.actual_start, audit.actual_end = Audit.Status.REPORTED, start, end
        audit.reported_at = _at(reported_on, 15)
        if closed_on <= today:
            audit.status, audit.closed_at = Audit.Status.CLOSED, _at(closed_on, 10)
    bulk.audits.append(audit)
    bulk.stamps[id(audit)] = {"created_at": created}
    if processes:
        bulk.scopes.append((audit, rng.sample(processes, min(len(processes), rng.randint(3, 6)))))
    picked: list[Template] = []
    if audit.status != Audit.Status.PLANNED:
        picked = rng.sample(FINDINGS, rng.randint(1, 3) if weak else rng.choice((0, 1, 1, 2)))
        picked += rng.sample(REMARKS, rng.choice((0, 1, 1, 2)))
    marked = {item.clause: item for item in picked if item.grade != Grade.IMPROVEMENT}
    audit.conclusion = (
        f"HTQLCL được duy trì, áp dụng phù hợp; {sum(item.grade == Grade.MINOR for item in picked):02d} điểm "
        "không phù hợp nhẹ."
        if audit.status in (Audit.Status.REPORTED, Audit.Status.CLOSED)
        else ""
    )
    for order, clause in enumerate(clauses, start=1):
        line = ChecklistLine(audit=audit, order=order, clause=clause, requirement=clause.title_vi)
        bulk.lines.append(line)
        if order <= checked:
            item = marked.get(clause.number)
            line.result = Result.CONFORMING
            line.evidence = CLAUSE_EVIDENCE.get(clause.number, CONFORMS)
            if item is not None:
                line.result = Result.OBSERVATION if item.grade == Grade.OBSERVATION else Result.NONCONFORMING
                line.evidence = item.description
    raised = _at(end, 16)
    due = end + timedelta(days=rng.choice((30, 30, 45, 60)))
    for item in picked:
        finding = Finding(
            audit=audit, clause=by_number.get(item.clause), grade=item.grade, description=item.description
        )
        bulk.findings.append(finding)
        bulk.stamps[id(finding)] = {"raised_at": raised}
        if item.grade in Finding.NONCONFORMITIES:
            action = Action(
                agency=agency,
                source=Action.Source.NONCONFORMITY,
                finding=finding,
                title=item.description,
                due_date=due,
                **_progress(rng, end, due, today, texts=_texts(item), weak=weak, analysis=True),
            )
            bulk.actions.append(action)
            bulk.stamps[id(action)] = {"created_at": raised}


def _plan_review(
    bulk: _Bulk, agency: Agency, rng: random.Random, year: int, today: date, *, weak: bool
) -> None:
    """A management review late in the year: finalized once held, a draft while it lies ahead."""
    held_on = _some_day(rng, date(year, 10, 1), date(year, 12, 22))
    review = ManagementReview(agency=agency, held_on=held_on)
    for name, text in REVIEW_TEXTS.items():
        setattr(review, name, text)
    done = rng.randint(1, 2)
    review.previous_actions = REVIEW_TEXTS["previous_actions"].format(
        done=done - (1 if weak else 0), total=done
    )
    review.performance = REVIEW_TEXTS["performance"].format(
        on_time=f"{rng.uniform(93, 99.9):.1f}%".replace(".", ","),
        satisfied=f"{rng.uniform(90, 99):.1f}%".replace(".", ","),
        ncs=f"{rng.randint(0, 3):02d}",
    )
    if weak:
        review.risks_opportunities = ""
    if held_on <= today:
        review.status = ManagementReview.Status.FINALIZED
        review.finalized_at = _at(min(held_on + timedelta(days=rng.randint(1, 5)), today), 16)
    bulk.reviews.append(review)
    if review.status != ManagementReview.Status.FINALIZED:
        return
    for item in rng.sample(DECISIONS, rng.randint(1, 2)):
        due = held_on + timedelta(days=rng.randint(60, 150))
        action = Action(
            agency=agency,
            source=Action.Source.REVIEW_DECISION,
            review=review,
            title=item.description,
            due_date=due,
            **_progress(rng, held_on, due, today, texts=_texts(item), weak=weak, analysis=False),
        )
        bulk.actions.append(action)
        bulk.stamps[id(action)] = {"created_at": _at(held_on, 11)}


def _plan_activities(
    bulk: _Bulk, agency: Agency, rng: random.Random, year: int, today: date, *, qms: str, weak: bool
) -> None:
    """Meetings and trainings held in the year by an agency that has started its system."""
    if not qms:
        return
    meetings = rng.randint(0, 1) if weak else rng.randint(2, 4)
    trainings = rng.randint(0, 1) if weak else rng.randint(1, 2)
    for kind, count, topics in ((MEETING, meetings, MEETING_TOPICS), (TRAINING, trainings, TRAINING_TOPICS)):
        for topic in rng.sample(topics, min(count, len(topics))):
            held_on = _some_day(rng, date(year, 1, 5), date(year, 12, 20))
            if held_on > today:
                continue
            bulk.activities.append(
                Activity(
                    agency=agency,
                    kind=kind,
                    held_on=held_on,
                    topic=topic.format(year=year),
                    participants="Ban chỉ đạo ISO; công chức trong phạm vi áp dụng HTQLCL",
                    participant_count=rng.randint(6, 30),
                )
            )


def _store(bulk: _Bulk) -> None:
    # Rows point at their unsaved parents; bulk_create takes each parent's key once the parent is stored.
    AuditProgramme.objects.bulk_create(bulk.programmes, batch_size=500)
    Audit.objects.bulk_create(_folded(bulk.audits), batch_size=500)
    _backdate(bulk.audits, bulk.stamps, ["created_at"])
    Through = Audit.scope_processes.through
    Through.objects.bulk_create(
        [Through(audit_id=audit.pk, process_id=pk) for audit, pks in bulk.scopes for pk in pks],
        batch_size=1000,
    )
    ChecklistLine.objects.bulk_create(bulk.lines, batch_size=1000)
    Finding.objects.bulk_create(bulk.findings, batch_size=500)
    _backdate(bulk.findings, bulk.stamps, ["raised_at"])
    ManagementReview.objects.bulk_create(_folded(bulk.reviews), batch_size=500)
    Action.objects.bulk_create(_folded(bulk.actions), batch_size=500)
    _backdate(bulk.actions, bulk.stamps, ["created_at"])
    Activity.objects.bulk_create(_folded(bulk.activities), batch_size=500)


# ---------------------------------------------------------------------------------------------------------
# The seeder


def seed_audits(province: Province) -> str:
    """Seed the audits demo of `province`; returns a one-line summary."""
    today = timezone.localdate()
    year = (today - STORY_LAG).year
    users = {
        user.username: user
        for user in get_user_model().objects.filter(username__in=[SECRETARY, LEADER, STAFF, REVIEWER])
    }
    agency = Agency.objects.get(province=province, code=HOME_CODE)
    clauses = {clause.number: clause for clause in Clause.objects.filter(standard=Clause.Standard.ISO_2015)}
    home = Home(agency=agency, users=users, clauses=clauses, today=today, year=year)
    before = _counts(province)

    programmes = set(AuditProgramme.objects.filter(agency=agency).values_list("year", flat=True))
    # The checklist copies clause titles in the active language: the records are the commune's, in Vietnamese.
    with translation.override(settings.LANGUAGE_CODE):
        for spec in _home_audits(today, year):
            if spec.year not in programmes:
                _seed_home_audit(home, spec)
    status = _current_status(list(Agency.objects.filter(province=province)))
    for offset in (-1, 0):
        _seed_plan(province, home, offset, status)
    reviewed = {
        held_on.year
        for held_on in ManagementReview.objects.filter(agency=agency).values_list("held_on", flat=True)
    }
    for spec in _home_reviews(today, year):
        if spec.held_on.year not in reviewed:
            _seed_home_review(home, spec)
    _seed_home_activities(home)
    _seed_others(province, home, status)

    after = _counts(province)
    return _(
        "Audits: %(programmes)s audit programmes, %(audits)s internal audits, %(inspections)s inspections in "
        "%(plans)s plans, %(findings)s findings, %(actions)s tracked actions (%(overdue)s overdue), "
        "%(reviews)s management reviews, %(activities)s meetings and trainings (%(added)s rows added by "
        "this run)"
    ) % {**after, "added": sum(after.values()) - sum(before.values()) - after["overdue"] + before["overdue"]}


def _counts(province: Province) -> dict[str, int]:
    mine = {"agency__province": province}
    today = timezone.localdate()
    return {
        "programmes": AuditProgramme.objects.filter(**mine).count(),
        "audits": Audit.objects.filter(kind=Kind.INTERNAL, **mine).count(),
        "inspections": Audit.objects.filter(kind=Kind.INSPECTION, **mine).count(),
        "plans": InspectionPlan.objects.filter(province=province).count(),
        "findings": Finding.objects.filter(audit__agency__province=province).count(),
        "actions": Action.objects.filter(**mine).count(),
        "overdue": Action.objects.filter(action_services.overdue_q(today), **mine).count(),
        "reviews": ManagementReview.objects.filter(**mine).count(),
        "activities": Activity.objects.filter(**mine).count(),
    }
