"""`manage.py seed_demo [--if-empty]`: a realistic demo province (Hưng Yên), for development only.

Idempotent: agencies, users and status changes are keyed on their natural keys, and the histories come
from a fixed random seed, so a second run finds everything in place and adds nothing.
"""

import random
import zlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, Membership, Province, QmsStatus, Role, StatusChange
from qms_portal.demo import run_seeders
from qms_portal.text import fold

PROVINCE_CODE = "HY"
PROVINCE_NAME = "Tỉnh Hưng Yên"
DEMO_PASSWORD = "demo1234"  # noqa: S105 - published on purpose; the command refuses to run without DEBUG
RANDOM_SEED = 2014
# Two-tier local government from 1 July 2025: districts end, merged communes end, successors begin.
LAST_DAY_OF_DISTRICTS = date(2025, 6, 30)
FIRST_DAY_OF_NEW_COMMUNES = date(2025, 7, 1)
# TCVN ISO 9001:2015 was issued on 31/12/2015, and the 2008 systems had to move before 30/06/2021.
ISO_2015_FROM = date(2016, 1, 1)
ISO_2008_DEADLINE = date(2021, 6, 30)

Level = Agency.Level
IsoVersion = StatusChange.IsoVersion

# (code, name) of the provincial departments, after the March 2025 restructuring of departments.
DEPARTMENTS: list[tuple[str, str]] = [
    ("VPUBND", "Văn phòng UBND tỉnh"),
    ("SNV", "Sở Nội vụ"),
    ("STP", "Sở Tư pháp"),
    ("STC", "Sở Tài chính"),
    ("SCT", "Sở Công Thương"),
    ("SNNMT", "Sở Nông nghiệp và Môi trường"),
    ("SXD", "Sở Xây dựng"),
    ("SGDDT", "Sở Giáo dục và Đào tạo"),
    ("SYT", "Sở Y tế"),
    ("SKHCN", "Sở Khoa học và Công nghệ"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
    ("TTT", "Thanh tra tỉnh"),
    ("SDTTG", "Sở Dân tộc và Tôn giáo"),
    ("BQLKCN", "Ban Quản lý các khu công nghiệp"),
]
# Departments formed by merging others in 2025: their QMS scope widened, so they re-declared.
REORGANISED_2025 = {"SNV", "STC", "SNNMT", "SXD", "SKHCN"}
# Provincial reports still listed some agencies on ISO 9001:2008 after the 2021 deadline.
STILL_ON_2008 = {"CCKL"}

# (code, name, parent department code).
BRANCHES: list[tuple[str, str, str]] = [
    ("CCTDC", "Chi cục Tiêu chuẩn Đo lường Chất lượng", "SKHCN"),
    ("CCTL", "Chi cục Thủy lợi", "SNNMT"),
    ("CCKL", "Chi cục Kiểm lâm", "SNNMT"),
    ("CCCNTY", "Chi cục Chăn nuôi và Thú y", "SNNMT"),
    ("CCTTBVTV", "Chi cục Trồng trọt và Bảo vệ thực vật", "SNNMT"),
    ("CCQLDD", "Chi cục Quản lý đất đai", "SNNMT"),
    ("CCBVMT", "Chi cục Bảo vệ môi trường", "SNNMT"),
    ("CCDS", "Chi cục Dân số", "SYT"),
    ("CCATVSTP", "Chi cục An toàn vệ sinh thực phẩm", "SYT"),
    ("CCGDXD", "Chi cục Giám định xây dựng", "SXD"),
    ("CCVTLT", "Chi cục Văn thư - Lưu trữ", "SNV"),
]

# (code, name) of the former district-level People's Committees, abolished on 1 July 2025.
DISTRICTS: list[tuple[str, str]] = [
    ("TPHY", "UBND thành phố Hưng Yên"),
    ("TXMH", "UBND thị xã Mỹ Hào"),
    ("HVL", "UBND huyện Văn Lâm"),
    ("HVG", "UBND huyện Văn Giang"),
    ("HYM", "UBND huyện Yên Mỹ"),
    ("HKC", "UBND huyện Khoái Châu"),
    ("HAT", "UBND huyện Ân Thi"),
    ("HKD", "UBND huyện Kim Động"),
    ("HTL", "UBND huyện Tiên Lữ"),
    ("HPC", "UBND huyện Phù Cừ"),
]

# Commune-level units by former district; the code is derived from the name ("xã Tiến Dũng" → XTIENDUNG).
COMMUNES: dict[str, list[str]] = {
    "TPHY": [
        "phường Lê Lợi",
        "phường Minh Khai",
        "phường Quang Trung",
        "phường Hồng Châu",
        "phường Hiến Nam",
        "phường An Tảo",
        "xã Bảo Khê",
        "xã Trung Nghĩa",
    ],
    "TXMH": [
        "phường Bần Yên Nhân",
        "phường Nhân Hòa",
        "phường Phan Đình Phùng",
        "phường Dị Sử",
        "phường Bạch Sam",
        "xã Hòa Phong",
        "xã Cẩm Xá",
        "xã Xuân Dục",
    ],
    "HVL": [
        "xã Lạc Đạo",
        "xã Chỉ Đạo",
        "xã Đại Đồng",
        "xã Việt Hưng",
        "xã Tân Quang",
        "xã Đình Dù",
        "xã Minh Hải",
        "xã Trưng Trắc",
    ],
    "HVG": [
        "xã Xuân Quan",
        "xã Cửu Cao",
        "xã Phụng Công",
        "xã Long Hưng",
        "xã Nghĩa Trụ",
        "xã Vĩnh Khúc",
        "xã Liên Nghĩa",
        "xã Mễ Sở",
    ],
    "HYM": [
        "xã Trung Hưng",
        "xã Lý Thường Kiệt",
        "xã Tân Lập",
        "xã Giai Phạm",
        "xã Nghĩa Hiệp",
        "xã Liêu Xá",
        "xã Ngọc Long",
        "xã Tiến Dũng",
    ],
    "HKC": [
        "xã Đông Tảo",
        "xã Bình Minh",
        "xã Dạ Trạch",
        "xã Hàm Tử",
        "xã Tứ Dân",
        "xã An Vĩ",
        "xã Phùng Hưng",
        "xã Việt Hòa",
    ],
    "HAT": [
        "xã Phù Ủng",
        "xã Bãi Sậy",
        "xã Đào Dương",
        "xã Quang Vinh",
        "xã Xuân Trúc",
        "xã Hoàng Hoa Thám",
        "xã Quảng Lãng",
        "xã Đặng Lễ",
    ],
    "HKD": [
        "xã Nghĩa Dân",
        "xã Toàn Thắng",
        "xã Vĩnh Xá",
        "xã Phạm Ngũ Lão",
        "xã Song Mai",
        "xã Chính Nghĩa",
        "xã Mai Động",
        "xã Hiệp Cường",
    ],
    "HTL": [
        "xã Hưng Đạo",
        "xã Ngô Quyền",
        "xã Nhật Tân",
        "xã Dị Chế",
        "xã Lệ Xá",
        "xã Thủ Sỹ",
        "xã Thiện Phiến",
        "xã Thụy Lôi",
    ],
    "HPC": [
        "xã Quang Hưng",
        "xã Minh Hoàng",
        "xã Đoàn Đào",
        "xã Tống Phan",
        "xã Đình Cao",
        "xã Tam Đa",
        "xã Nguyên Hòa",
        "xã Tống Trân",
    ],
}
# The demo users' commune: its history must end declared.
HOME_COMMUNE_CODE = "XTIENDUNG"
# The one 2025 merger: both communes end on 30/06/2025; the new commune keeps the larger one's name,
# as most 2025 mergers did, so it gets a code of its own.
MERGED_COMMUNE_CODES = ("XNGHIATRU", "XLONGHUNG")
SUCCESSOR = ("XNGHIATRU2025", "UBND xã Nghĩa Trụ", "HVG")

# (username, first name, last name, role): no role is the administrator; reviewers get the province, the
# others the home commune.
DEMO_USERS: list[tuple[str, str, str, str | None]] = [
    ("admin", "Hùng", "Trần Quốc", None),
    ("bcd", "Minh", "Phạm Đức", Role.PROVINCIAL_REVIEWER),
    ("lanhdao", "Thành", "Đỗ Văn", Role.AGENCY_LEADER),
    ("thuky", "Thu", "Nguyễn Thị", Role.ISO_SECRETARY),
    ("canbo", "Nam", "Lê Văn", Role.STAFF),
]

# Symbol of the issuer in a decision number ("125/QĐ-UBND"); departments use their own code.
DECISION_SYMBOLS = {"VPUBND": "VP", "TTT": "TTr", Level.DISTRICT: "UBND", Level.COMMUNE: "UBND"}

NOTE_BUILDING = "Ban hành kế hoạch xây dựng hệ thống quản lý chất lượng theo TCVN ISO 9001."
NOTE_APPLIED = "Người đứng đầu phê duyệt, ban hành các quy trình và xác nhận hiệu lực của hệ thống."
NOTE_MERGER = "Thành lập trên cơ sở sáp nhập UBND xã Nghĩa Trụ và UBND xã Long Hưng; xây dựng lại hệ thống."
SCOPE_FIRST = "Tiếp nhận, giải quyết và trả kết quả {n} thủ tục hành chính thuộc thẩm quyền của {name}."
SCOPE_UPGRADE = (
    "Chuyển đổi hệ thống quản lý chất lượng sang TCVN ISO 9001:2015 cho {n} thủ tục hành chính "
    "thuộc thẩm quyền của {name}."
)
SCOPE_ADJUSTED = (
    "Điều chỉnh phạm vi theo danh mục thủ tục hành chính mới được công bố: {n} thủ tục hành chính "
    "thuộc thẩm quyền của {name}."
)
SCOPE_REORGANISED = (
    "Mở rộng phạm vi sau khi sắp xếp, tổ chức lại bộ máy năm 2025: {n} thủ tục hành chính "
    "thuộc thẩm quyền của {name}."
)


@dataclass(frozen=True)
class Event:
    """One dated QMS status change, with its declaration details when it is one."""

    on: date
    status: str
    iso_version: str = ""
    decision_number: str = ""
    decision_date: date | None = None
    scope: str = ""
    note: str = ""


@dataclass(frozen=True)
class Seeded:
    agency: Agency
    events: list[Event]


def commune_code(name: str) -> str:
    """`xã Tiến Dũng` → `XTIENDUNG`, `phường Lê Lợi` → `PLELOI`."""
    kind, _space, place = name.partition(" ")
    return ("P" if kind == "phường" else "X") + fold(place).replace(" ", "").upper()


def _some_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _iso_version(on: date) -> str:
    return IsoVersion.ISO_2015 if on >= ISO_2015_FROM else IsoVersion.ISO_2008


def _declaration(rng: random.Random, agency: Agency, on: date, status: str, scope: str, iso: str) -> Event:
    symbol = DECISION_SYMBOLS.get(agency.code) or DECISION_SYMBOLS.get(agency.level) or agency.code
    # Each new list of procedures adds a few; a 2025 merger of departments adds whole fields.
    procedures = _procedure_count(agency) + rng.randint(0, 8) + (45 if scope == SCOPE_REORGANISED else 0)
    return Event(
        on=on,
        status=status,
        iso_version=iso,
        decision_number=f"{rng.randint(12, 480)}/QĐ-{symbol}",
        decision_date=on - timedelta(days=rng.randint(0, 6)),
        scope=scope.format(n=procedures, name=agency.name),
    )


def _procedure_count(agency: Agency) -> int:
    """A stable size per agency (from its code, not the random stream): communes handle about a hundred
    procedures, provincial bodies anything from a few dozen up."""
    low, high = (80, 130) if agency.level == Level.COMMUNE else (25, 180)
    return low + zlib.crc32(agency.code.encode()) % (high - low + 1)


def _first_system(rng: random.Random, agency: Agency, start: date, end: date) -> list[Event]:
    """Build, apply, declare: steps 1–3 of Decision 19/2014 the first time round."""
    built = _some_day(rng, start, end)
    applied = built + timedelta(days=rng.randint(120, 270))
    declared = applied + timedelta(days=rng.randint(45, 150))
    return [
        Event(built, QmsStatus.BUILDING, note=NOTE_BUILDING),
        Event(applied, QmsStatus.APPLIED, note=NOTE_APPLIED),
        _declaration(rng, agency, declared, QmsStatus.DECLARED, SCOPE_FIRST, _iso_version(declared)),
    ]


def _upgrade(rng: random.Random, agency: Agency, events: list[Event]) -> list[Event]:
    """Re-declaration on ISO 9001:2015 of a system declared on 2008, before the mid-2021 deadline."""
    if events[-1].iso_version != IsoVersion.ISO_2008 or agency.code in STILL_ON_2008:
        return []
    on = _some_day(rng, max(events[-1].on + timedelta(days=365), date(2018, 6, 1)), ISO_2008_DEADLINE)
    return [_declaration(rng, agency, on, QmsStatus.REDECLARED, SCOPE_UPGRADE, IsoVersion.ISO_2015)]


def _adjusted(rng: random.Random, agency: Agency, events: list[Event], chance: float) -> list[Event]:
    """Re-declaration after the list of procedures changed (the scope rule of Decision 19/2014, step 4)."""
    adjusted = rng.random() < chance
    start = max(events[-1].on + timedelta(days=365), date(2021, 7, 1))
    if not adjusted or start > date(2024, 12, 31):
        return []
    on = _some_day(rng, start, date(2024, 12, 31))
    return [_declaration(rng, agency, on, QmsStatus.REDECLARED, SCOPE_ADJUSTED, IsoVersion.ISO_2015)]


def _provincial_history(rng: random.Random, agency: Agency) -> list[Event]:
    """Departments and branches: Decision 19/2014 put them first, on 2008; they moved to 2015 by mid-2021."""
    events = _first_system(rng, agency, date(2014, 4, 1), date(2014, 12, 31))
    events += _upgrade(rng, agency, events)
    events += _adjusted(rng, agency, events, chance=0.3)
    if agency.code in REORGANISED_2025:
        on = _some_day(rng, max(events[-1].on, date(2025, 4, 1)) + timedelta(days=30), date(2025, 10, 31))
        events.append(
            _declaration(rng, agency, on, QmsStatus.REDECLARED, SCOPE_REORGANISED, IsoVersion.ISO_2015)
        )
    return events


def _district_history(rng: random.Random, agency: Agency) -> list[Event]:
    events = _first_system(rng, agency, date(2014, 10, 1), date(2015, 10, 31))
    events += _upgrade(rng, agency, events)
    return events + _adjusted(rng, agency, events, chance=0.4)


def _commune_history(rng: random.Random, agency: Agency, must_declare: bool) -> list[Event]:
    """Communes came later and unevenly: a few pioneers, most in 2017–2020, some still on the way."""
    draw = rng.random()
    if must_declare:
        draw = min(draw, 0.5)
    if draw < 0.12:
        events = _first_system(rng, agency, date(2015, 3, 1), date(2016, 6, 30))
        events += _upgrade(rng, agency, events)
    elif draw < 0.8:
        events = _first_system(rng, agency, date(2017, 1, 1), date(2019, 12, 31))
    elif draw < 0.9:
        events = _first_system(rng, agency, date(2020, 1, 1), date(2023, 6, 30))
    elif draw < 0.96:
        # Still building (or applying, not yet declared).
        built = _some_day(rng, date(2023, 1, 1), date(2025, 3, 31))
        events = [Event(built, QmsStatus.BUILDING, note=NOTE_BUILDING)]
        if rng.random() < 0.5:
            events.append(
                Event(built + timedelta(days=rng.randint(90, 240)), QmsStatus.APPLIED, note=NOTE_APPLIED)
            )
        return events
    else:
        # Not started: no status record at all, which the portal shows as "Not started".
        return []
    return events + _adjusted(rng, agency, events, chance=0.35)


def _successor_history(rng: random.Random, agency: Agency) -> list[Event]:
    """The merged commune rebuilt its system for the combined procedures and declared it anew."""
    declared = date(2025, 11, 20)
    return [
        Event(FIRST_DAY_OF_NEW_COMMUNES, QmsStatus.BUILDING, note=NOTE_MERGER),
        Event(date(2025, 9, 15), QmsStatus.APPLIED, note=NOTE_APPLIED),
        _declaration(rng, agency, declared, QmsStatus.DECLARED, SCOPE_FIRST, IsoVersion.ISO_2015),
    ]


def _upsert_agency(province: Province, code: str, name: str, level: str, **fields: object) -> Agency:
    # update_or_create goes through Agency.save(), which fills search_text.
    defaults = {"parent": None, "active_from": None, "active_until": None, "merged_into": None, **fields}
    agency, _created = Agency.objects.update_or_create(
        province=province, code=code, defaults={"name": name, "level": level, **defaults}
    )
    return agency


def _seed_provincial(province: Province, rng: random.Random) -> list[Seeded]:
    seeded, departments = [], {}
    for code, name in DEPARTMENTS:
        departments[code] = _upsert_agency(province, code, name, Level.DEPARTMENT)
        seeded.append(Seeded(departments[code], _provincial_history(rng, departments[code])))
    for code, name, parent_code in BRANCHES:
        branch = _upsert_agency(province, code, name, Level.BRANCH, parent=departments[parent_code])
        seeded.append(Seeded(branch, _provincial_history(rng, branch)))
    return seeded


def _seed_local(province: Province, rng: random.Random) -> list[Seeded]:
    seeded, districts = [], {}
    for code, name in DISTRICTS:
        district = _upsert_agency(province, code, name, Level.DISTRICT, active_until=LAST_DAY_OF_DISTRICTS)
        districts[code] = district
        seeded.append(Seeded(district, _district_history(rng, district)))
    successor_code, successor_name, successor_district = SUCCESSOR
    successor = _upsert_agency(
        province,
        successor_code,
        successor_name,
        Level.COMMUNE,
        parent=districts[successor_district],
        active_from=FIRST_DAY_OF_NEW_COMMUNES,
    )
    for district_code, names in COMMUNES.items():
        for name in names:
            code = commune_code(name)
            merged = code in MERGED_COMMUNE_CODES
            commune = _upsert_agency(
                province,
                code,
                f"UBND {name}",
                Level.COMMUNE,
                parent=districts[district_code],
                active_until=LAST_DAY_OF_DISTRICTS if merged else None,
                merged_into=successor if merged else None,
            )
            # The merged communes keep a declared history of their own, visible from the successor.
            must_declare = merged or code == HOME_COMMUNE_CODE
            seeded.append(Seeded(commune, _commune_history(rng, commune, must_declare)))
    seeded.append(Seeded(successor, _successor_history(rng, successor)))
    return seeded


def _in_effect(seeded: Seeded, today: date) -> list[Event]:
    """Drop what lies in the future or after the agency ceased to exist (districts, merged communes)."""
    last_day = min(today, seeded.agency.active_until or today)
    return [event for event in seeded.events if event.on <= last_day]


def _store_histories(province: Province, seeded: list[Seeded]) -> int:
    """Insert the status changes not yet stored, keyed on (agency, changed_on, status)."""
    today = timezone.localdate()
    existing = set(
        StatusChange.objects.filter(agency__province=province).values_list(
            "agency_id", "changed_on", "status"
        )
    )
    new = []
    for item in seeded:
        for event in _in_effect(item, today):
            if (item.agency.pk, event.on, event.status) in existing:
                continue
            change = StatusChange(
                agency=item.agency,
                status=event.status,
                changed_on=event.on,
                iso_version=event.iso_version,
                decision_number=event.decision_number,
                decision_date=event.decision_date,
                scope=event.scope,
                note=event.note,
            )
            change.clean()  # the model's own rules: no future dates, declarations complete
            new.append(change)
    StatusChange.objects.bulk_create(new)
    return len(new)


def _seed_users(province: Province) -> list[tuple[str, str]]:
    """Create or refresh the demo logins; returns (username, role shown in the summary)."""
    home = Agency.objects.get(province=province, code=HOME_COMMUNE_CODE)
    logins = []
    for username, first_name, last_name, role in DEMO_USERS:
        is_admin = role is None
        user, _created = get_user_model().objects.update_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "is_active": True,
                "is_staff": is_admin,
                "is_superuser": is_admin,
            },
        )
        # Set on every run so that the documented password always works.
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        if is_admin:
            logins.append((username, _("administrator")))
            continue
        scope = {"province": province} if role == Role.PROVINCIAL_REVIEWER else {"agency": home}
        Membership.objects.get_or_create(user=user, role=role, **scope)
        logins.append((username, f"{Role(role).label} — {scope.get('province') or scope.get('agency')}"))
    return logins


def _summary(province: Province, logins: list[tuple[str, str]], added: int) -> str:
    counts = dict(
        Agency.objects.filter(province=province).values_list("level").annotate(total=Count("pk")).order_by()
    )
    table = [(_("username"), _("password"), _("role"))] + [
        (user, DEMO_PASSWORD, role) for user, role in logins
    ]
    widths = [max(len(str(row[column])) for row in table) for column in (0, 1)]
    lines = [
        _("Demo province %(name)s (%(code)s) is ready.") % {"name": province.name, "code": province.code},
        *(f"  {label}: {counts.get(level, 0)}" for level, label in Level.choices if counts.get(level)),
        _("  QMS status changes: %(total)s (%(added)s added by this run)")
        % {"total": StatusChange.objects.filter(agency__province=province).count(), "added": added},
        "",
        *(f"  {user:<{widths[0]}}  {password:<{widths[1]}}  {role}" for user, password, role in table),
    ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Create or refresh the demo province Hưng Yên with agencies, QMS histories and demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when the database already has agencies"
        )

    def handle(self, *args, if_empty: bool = False, **options):
        # The demo logins share a published password: never on a production server.
        if not settings.DEBUG:
            raise CommandError(
                _("seed_demo creates logins with a known password and runs only with DEBUG on.")
            )
        if if_empty and Agency.objects.exists():
            self.stdout.write(_("Agencies already exist: demo data not seeded."))
            return
        with transaction.atomic():
            province, _created = Province.objects.update_or_create(
                code=PROVINCE_CODE, defaults={"name": PROVINCE_NAME}
            )
            rng = random.Random(RANDOM_SEED)  # noqa: S311 - reproducible demo data, not secrets
            seeded = _seed_provincial(province, rng) + _seed_local(province, rng)
            added = _store_histories(province, seeded)
            logins = _seed_users(province)
            more = run_seeders(province)
        self.stdout.write(self.style.SUCCESS(_summary(province, logins, added)))
        for line in more:
            self.stdout.write(self.style.SUCCESS(line))
