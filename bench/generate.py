"""National-scale data for the benchmarks, written with PostgreSQL COPY into a freshly migrated database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qms_bench_1 .venv/bin/python bench/generate.py --scale 1

Scale 1.0 is the nation: 34 provinces, 5,000 agencies, 600,000 process revisions with 3 million steps,
50,000 audits, 200,000 findings and about 210,000 actions, 15,000 assessments with their criterion lines
(last year's self and official ones, this year's official ones), and a year of one-stop statistics
(1.2 million monthly rows). Scale 0.03 is about one province (150 agencies). Rows respect the models'
constraints and status semantics (one revision in force per process, dossier counts that add up, actions
with the timestamps of their stage); the history tables are left empty. Rubrics are made and published
through the app's own services, so their criteria are the default rubric's.

Every table is written in id order with explicit ids; the identity sequences are moved past them at the end.
"""

import argparse
import os
import random
import sys
import time as clock
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms_portal.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from agencies.models import Agency, Membership, Province, Role  # noqa: E402
from qms_portal import freshness  # noqa: E402
from qms_portal.text import fold  # noqa: E402
from scoring.default_rubric import create_default_rubric  # noqa: E402
from scoring.models import Criterion, Rubric  # noqa: E402
from scoring.services import rubrics as rubric_service  # noqa: E402

PASSWORD = "bench1234"  # noqa: S105 - the benchmark users of a throw-away database
USERS = {  # username: role; the agency roles belong to the first commune of the first province
    "bench_reviewer": Role.PROVINCIAL_REVIEWER,
    "bench_national": Role.NATIONAL_VIEWER,
    "bench_secretary": Role.ISO_SECRETARY,
    "bench_leader": Role.AGENCY_LEADER,
    "bench_staff": Role.STAFF,
}
TODAY = timezone.localdate()
Y = TODAY.year
TZ = timezone.get_current_timezone()
PROCEDURES = 1000
PROCESSES = 40  # per agency: 35 of procedures, 5 mandatory system processes
REVISIONS = 3
STEPS = 5
STAT_PROCEDURES = 20  # one-stop statistics for the first 20 procedures an agency handles
TOPICS = [
    "documented_information",
    "internal_audit",
    "nonconformity",
    "management_review",
    "risks_opportunities",
]
QUARTER = Decimal("0.25")


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TZ)


class Writer:
    """COPY rows into a table; NOT NULL columns the generator does not know (added by a later migration)
    get a neutral value so the generator keeps working as the models grow."""

    def __init__(self, cursor):
        self.cursor = cursor
        self.next_ids: dict[str, int] = {}

    def _extras(self, table: str, columns: list[str]) -> tuple[list[str], tuple]:
        self.cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
            "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'",
            [table],
        )
        neutral = {"integer": 1, "bigint": 1, "smallint": 1, "boolean": False, "numeric": 0}
        extras = [
            (name, neutral.get(kind, "")) for name, kind in self.cursor.fetchall() if name not in columns
        ]
        extras = [(name, value) for name, value in extras if name != "id"]
        return [name for name, _ in extras], tuple(value for _, value in extras)

    def copy(self, table: str, columns: list[str], rows) -> int:
        extra_names, extra_values = self._extras(table, columns)
        self.ids(table, 0)  # the rows' generator may ask for ids: no other query can run during the COPY
        names = ", ".join(f'"{name}"' for name in columns + extra_names)
        count = 0
        with self.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row + extra_values)
                count += 1
        return count

    def ids(self, table: str, count: int) -> range:
        """`count` fresh ids of `table`, above those already there."""
        if table not in self.next_ids:
            self.cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 - our table names
            self.next_ids[table] = self.cursor.fetchone()[0]
        start = self.next_ids[table]
        self.next_ids[table] = start + count
        return range(start, start + count)


def log(message: str, started: float) -> None:
    print(f"  {clock.monotonic() - started:7.1f}s  {message}", flush=True)


def generate(scale: float, seed: int = 7) -> None:
    started = clock.monotonic()
    rng = random.Random(seed)
    if Agency.objects.exists():
        raise SystemExit("The database already holds agencies: generate into a freshly migrated database.")
    n_provinces = max(1, round(34 * scale))
    n_agencies = max(n_provinces * 20, round(5000 * scale))
    raw = connection.cursor().cursor  # psycopg 3 cursor, for COPY
    w = Writer(raw)

    # --- provinces and agencies -------------------------------------------------------------------------
    province_ids = list(w.ids("agencies_province", n_provinces))
    w.copy(
        "agencies_province",
        ["id", "code", "name"],
        ((pk, f"P{i + 1:02d}", f"Tỉnh Thử nghiệm {i + 1:02d}") for i, pk in enumerate(province_ids)),
    )
    per_province = [
        n_agencies // n_provinces + (1 if i < n_agencies % n_provinces else 0) for i in range(n_provinces)
    ]
    agency_ids = list(w.ids("agencies_agency", n_agencies))
    agencies = []  # (id, province_id, level, code, operating)
    cursor = 0
    for province_index, count in enumerate(per_province):
        for j in range(count):
            if j < 20:
                level, code, name = "department", f"S{j:03d}", f"Sở Thử nghiệm {j + 1}"
            elif j < 28:
                level, code, name = "branch", f"C{j:03d}", f"Chi cục Thử nghiệm {j + 1}"
            elif j < 37:
                level, code, name = "district", f"H{j:03d}", f"UBND huyện Thử nghiệm {j + 1}"
            else:
                level, code, name = "commune", f"X{j:03d}", f"UBND xã Thử nghiệm {j + 1}"
            agencies.append((agency_ids[cursor], province_ids[province_index], level, code, name))
            cursor += 1
    # The former districts were abolished on 1 July 2025, as in the demo province.
    abolished = date(2025, 6, 30)

    def agency_rows():
        for pk, province_id, level, code, name in agencies:
            until = abolished if level == "district" else None
            yield (pk, province_id, code, name, level, date(2010, 1, 1), until, fold(f"{code} {name}"))

    w.copy(
        "agencies_agency",
        ["id", "province_id", "code", "name", "level", "active_from", "active_until", "search_text"],
        agency_rows(),
    )
    log(f"{n_provinces} provinces, {n_agencies} agencies", started)

    # QMS status: building → applied → declared (2008) → re-declared (2015) for most.
    def status_rows():
        ids = iter(w.ids("agencies_statuschange", n_agencies * 4))
        for index, (pk, *_rest) in enumerate(agencies):
            stage = index % 10  # 0: building only, 1-2: applied, 3-5: declared 2008, 6-9: re-declared 2015
            history = [("building", date(2014, 3, 1), "", "", None)]
            if stage >= 1:
                history.append(("applied", date(2015, 6, 1), "", "", None))
            if stage >= 3:
                history.append(("declared", date(2016, 9, 1), "2008", f"{index}/QĐ-2016", date(2016, 8, 25)))
            if stage >= 6:
                history.append(
                    ("redeclared", date(2020, 9, 1), "2015", f"{index}/QĐ-2020", date(2020, 8, 25))
                )
            for status, changed, version, number, decided in history:
                yield (next(ids), pk, status, changed, version, number, decided, "", "", at(changed))

    w.copy(
        "agencies_statuschange",
        [
            "id",
            "agency_id",
            "status",
            "changed_on",
            "iso_version",
            "decision_number",
            "decision_date",
            "scope",
            "note",
            "recorded_at",
        ],
        status_rows(),
    )

    # --- users, one per role ----------------------------------------------------------------------------
    User = get_user_model()
    home = agencies[37] if len(agencies) > 37 else agencies[0]  # the first commune of the first province
    users = {}
    for username, role in USERS.items():
        user = User.objects.create_user(username, password=PASSWORD, first_name=username)
        users[username] = user
        if role == Role.PROVINCIAL_REVIEWER:
            Membership.objects.create(user=user, role=role, province_id=province_ids[0])
        elif role == Role.NATIONAL_VIEWER:
            Membership.objects.create(user=user, role=role)
        else:
            Membership.objects.create(user=user, role=role, agency_id=home[0])
    staff_id = users["bench_staff"].pk

    # --- catalogue, legal documents, procedures handled ---------------------------------------------------
    procedure_ids = list(w.ids("procedures_administrativeprocedure", PROCEDURES))
    levels = ["provincial", "district", "commune", "central"]
    w.copy(
        "procedures_administrativeprocedure",
        ["id", "code", "name", "field", "level", "statutory_days", "fee", "mechanism", "search_text"],
        (
            (
                pk,
                f"TTHC{i:05d}",
                f"Thủ tục thử nghiệm {i}",
                f"Lĩnh vực {i % 30}",
                levels[i % 4],
                Decimal(10),
                "",
                "mot_cua",
                fold(f"TTHC{i:05d} Thủ tục thử nghiệm {i} Lĩnh vực {i % 30}"),
            )
            for i, pk in enumerate(procedure_ids)
        ),
    )
    legal_ids = list(w.ids("procedures_legaldocument", 100))
    w.copy(
        "procedures_legaldocument",
        [
            "id",
            "number",
            "title",
            "issuer",
            "issued_on",
            "effective_on",
            "status",
            "status_effective_on",
            "search_text",
        ],
        (
            (
                pk,
                f"{i + 1}/2024/NĐ-CP",
                f"Nghị định {i + 1}",
                "Chính phủ",
                date(2024, 1, 1),
                date(2024, 2, 1),
                "amended" if i < 10 else "in_force",
                date(2026, 3, 1) if i < 10 else None,
                fold(f"{i + 1}/2024/NĐ-CP Nghị định {i + 1} Chính phủ"),
            )
            for i, pk in enumerate(legal_ids)
        ),
    )
    handled: dict[int, list[int]] = {}  # agency id -> procedure ids handled, those with processes first
    for index, (pk, *_rest) in enumerate(agencies):
        offset = rng.randrange(PROCEDURES)
        # 35 procedures run through a process; a sixth of the agencies handle exactly those (full coverage).
        count = 35 + index % 6
        handled[pk] = [procedure_ids[(offset + k) % PROCEDURES] for k in range(count)]

    def handled_rows():
        ids = iter(w.ids("procedures_agencyprocedure", sum(len(v) for v in handled.values())))
        added = at(date(2020, 1, 2))
        for pk, procs in handled.items():
            for procedure_id in procs:
                yield (next(ids), pk, procedure_id, added)

    w.copy("procedures_agencyprocedure", ["id", "agency_id", "procedure_id", "added_at"], handled_rows())
    log("users, catalogue, procedures handled", started)

    # --- processes, revisions, steps --------------------------------------------------------------------
    process_ids = iter(w.ids("procedures_process", n_agencies * PROCESSES))
    revision_ids = iter(w.ids("procedures_processrevision", n_agencies * PROCESSES * REVISIONS))
    processes: dict[int, list[int]] = {}
    process_rows, revision_rows = [], []
    created = at(date(2020, 1, 10))
    for pk, *_rest in agencies:
        mine = processes[pk] = []
        for p in range(PROCESSES):
            process_id = next(process_ids)
            mine.append(process_id)
            if p < 35:
                code, title, kind, topic, procedure_id = (
                    f"QT-{p + 1:02d}",
                    f"Quy trình {p + 1}",
                    "procedure",
                    "",
                    handled[pk][p],
                )
            else:
                code, title, kind = f"QT-HT-{p - 34:02d}", f"Quy trình hệ thống {p - 34}", "mandatory"
                topic, procedure_id = TOPICS[p - 35], None
            process_rows.append(
                (process_id, pk, code, title, kind, procedure_id, topic, fold(f"{code} {title}"), created)
            )
            # Mostly superseded, in force, a draft of the next; every third: superseded twice, then in force.
            statuses = (
                ("superseded", "superseded", "in_force")
                if p % 3 == 0
                else ("superseded", "in_force", "draft")
            )
            for number, status in enumerate(statuses, start=1):
                effective = date(Y - 4 + number, 3, 1) if status != "draft" else None
                published = status in ("superseded", "in_force")
                revision_rows.append(
                    (
                        next(revision_ids),
                        process_id,
                        number,
                        status,
                        effective,
                        "Mục đích",
                        "Phạm vi",
                        "",
                        "",
                        "",
                        at(date(Y - 4 + number, 1, 5)),
                        at(date(Y - 4 + number, 2, 1)) if published else None,
                        at(date(Y - 4 + number, 2, 10)) if published else None,
                        at(effective) if published else None,
                        at(date(Y - 3 + number, 3, 1)) if status == "superseded" else None,
                    )
                )
    w.copy(
        "procedures_process",
        [
            "id",
            "agency_id",
            "code",
            "title",
            "kind",
            "procedure_id",
            "system_topic",
            "search_text",
            "created_at",
        ],
        iter(process_rows),
    )
    w.copy(
        "procedures_processrevision",
        [
            "id",
            "process_id",
            "number",
            "status",
            "effective_date",
            "purpose",
            "scope",
            "terms",
            "change_summary",
            "review_note",
            "created_at",
            "submitted_at",
            "approved_at",
            "in_force_at",
            "superseded_at",
        ],
        iter(revision_rows),
    )
    del process_rows, revision_rows
    log(f"{n_agencies * PROCESSES} processes, {n_agencies * PROCESSES * REVISIONS} revisions", started)
    first_step = w.ids("procedures_processstep", n_agencies * PROCESSES * REVISIONS * STEPS).start
    # Steps multiply the revisions: one INSERT … SELECT on the server is faster than shipping the rows.
    raw.execute(
        """
        INSERT INTO procedures_processstep (id, revision_id, "order", action, responsible, time_days,
                                            time_counted, output)
        SELECT %s + (r.id - min_id) * %s + s - 1, r.id, s, 'Bước ' || s, 'Bộ phận một cửa', 0.5, s < %s, ''
        FROM procedures_processrevision r, generate_series(1, %s) s,
             (SELECT MIN(id) AS min_id FROM procedures_processrevision) m
        """,
        [first_step, STEPS, STEPS, STEPS],
    )
    log(f"{n_agencies * PROCESSES * REVISIONS * STEPS} steps", started)

    # Review flags after the amended decrees: one overdue, one due later, one resolved per agency.
    def flag_rows():
        ids = iter(w.ids("procedures_reviewflag", n_agencies * 3))
        for index, (pk, *_rest) in enumerate(agencies):
            procs = processes[pk]
            doc = legal_ids[index % 10]
            yield (next(ids), procs[1], doc, "amended", date(Y, 3, 1), date(Y, 6, 1), None, "", "")
            yield (next(ids), procs[2], doc, "amended", date(Y, 11, 1), date(Y + 1, 2, 1), None, "", "")
            yield (
                next(ids),
                procs[4],
                doc,
                "amended",
                date(Y, 3, 1),
                date(Y, 6, 1),
                date(Y, 5, 1),
                "no_change",
                "",
            )

    w.copy(
        "procedures_reviewflag",
        [
            "id",
            "process_id",
            "legal_document_id",
            "document_status",
            "raised_on",
            "due_on",
            "resolved_on",
            "resolution",
            "note",
        ],
        flag_rows(),
    )

    # Quality policy and three objectives a year.
    years = range(Y - 4, Y + 1)
    w.copy(
        "procedures_qualitypolicy",
        ["id", "agency_id", "year", "text", "approved_at"],
        (
            (pk_id, pk, year, "Chính sách chất lượng", at(date(year, 1, 20)))
            for pk_id, (pk, year) in zip(
                w.ids("procedures_qualitypolicy", n_agencies * len(years)),
                ((a[0], year) for a in agencies for year in years),
                strict=True,
            )
        ),
    )
    w.copy(
        "procedures_qualityobjective",
        ["id", "agency_id", "year", "objective", "indicator", "target", "achieved", "met"],
        (
            (
                pk_id,
                pk,
                year,
                f"Mục tiêu {k + 1}",
                "Tỷ lệ hồ sơ đúng hạn",
                "95%",
                "" if year == Y else "96%",
                None if year == Y else (k != 2),
            )
            for pk_id, (pk, year, k) in zip(
                w.ids("procedures_qualityobjective", n_agencies * len(years) * 3),
                ((a[0], year, k) for a in agencies for year in years for k in range(3)),
                strict=True,
            )
        ),
    )

    # A year of one-stop statistics: the twelve months before this one, 20 procedures per agency.
    indexes = [divmod(Y * 12 + TODAY.month - 1 - k, 12) for k in range(1, 13)]
    months = [date(year, month + 1, 1) for year, month in indexes]
    raw.execute(
        """
        INSERT INTO procedures_dossierstatistic (id, agency_id, procedure_id, month, received, early, on_time,
                                                 late, pending)
        SELECT %s + row_number() OVER (ORDER BY ap.id, m) - 1, ap.agency_id, ap.procedure_id, m,
               (ap.id * 7 + e) %% 5 + (ap.id * 3 + e) %% 20 + 5 + (ap.id + e) %% 3 + (ap.id + e * 5) %% 2,
               (ap.id * 7 + e) %% 5, (ap.id * 3 + e) %% 20 + 5, (ap.id + e) %% 3, (ap.id + e * 5) %% 2
        FROM (SELECT id, agency_id, procedure_id,
                     row_number() OVER (PARTITION BY agency_id ORDER BY id) AS k
              FROM procedures_agencyprocedure) ap,
             unnest(%s::date[]) WITH ORDINALITY AS months(m, e)
        WHERE ap.k <= %s
        """,
        [
            w.ids("procedures_dossierstatistic", n_agencies * STAT_PROCEDURES * 12).start,
            months,
            STAT_PROCEDURES,
        ],
    )
    log("review flags, quality objectives, one-stop statistics", started)

    # --- audits, findings, actions ----------------------------------------------------------------------
    raw.execute("SELECT id FROM audits_clause WHERE standard = '2015' ORDER BY sort_key")
    clause_ids = [row[0] for row in raw.fetchall()]
    audit_years = range(Y - 3, Y + 1)
    plan_ids = {}
    plan_rows = []
    for pk_id, (province_id, year) in zip(
        w.ids("audits_inspectionplan", n_provinces * len(audit_years)),
        ((p, year) for p in province_ids for year in audit_years),
        strict=True,
    ):
        plan_ids[(province_id, year)] = pk_id
        plan_rows.append((pk_id, province_id, year, f"Kế hoạch kiểm tra năm {year}", at(date(year, 1, 10))))
    w.copy("audits_inspectionplan", ["id", "province_id", "year", "title", "created_at"], iter(plan_rows))
    programme_ids = {}
    programme_rows = []
    for pk_id, (pk, year) in zip(
        w.ids("audits_auditprogramme", n_agencies * len(audit_years)),
        ((a[0], year) for a in agencies for year in audit_years),
        strict=True,
    ):
        programme_ids[(pk, year)] = pk_id
        programme_rows.append((pk_id, pk, year, "Đánh giá toàn bộ HTQLCL"))
    w.copy("audits_auditprogramme", ["id", "agency_id", "year", "objectives"], iter(programme_rows))

    audit_ids = iter(w.ids("audits_audit", n_agencies * 10))
    audit_rows = []
    done_audits: dict[int, list[tuple[int, date, str]]] = {}  # agency -> (audit id, ended, kind)
    for index, (pk, province_id, *_rest) in enumerate(agencies):
        done = done_audits[pk] = []
        for year in audit_years:
            for half, month in ((0, 5), (1, 11)):
                start = date(year, month, 10)
                end = start + timedelta(days=2)
                finished = end < TODAY
                status = ("closed" if year < Y else "reported") if finished else "planned"
                audit_id = next(audit_ids)
                title = f"Đánh giá nội bộ lần {half + 1} năm {year}"
                audit_rows.append(
                    (
                        audit_id,
                        pk,
                        "internal",
                        "",
                        programme_ids[(pk, year)],
                        None,
                        title,
                        start,
                        end,
                        start if finished else None,
                        end if finished else None,
                        status,
                        at(end, 16) if finished else None,
                        at(end + timedelta(20)) if status == "closed" else None,
                        at(start - timedelta(30)),
                        fold(title),
                    )
                )
                if finished:
                    done.append((audit_id, end, "internal"))
            if (index + year) % 2 == 0:
                start = date(year, 9, 15)
                end = start + timedelta(days=1)
                finished = end < TODAY
                audit_id = next(audit_ids)
                title = f"Kiểm tra việc áp dụng HTQLCL năm {year}"
                audit_rows.append(
                    (
                        audit_id,
                        pk,
                        "inspection",
                        "on_site" if index % 3 == 0 else "documents",
                        None,
                        plan_ids[(province_id, year)],
                        title,
                        start,
                        end,
                        start if finished else None,
                        end if finished else None,
                        "reported" if finished else "planned",
                        at(end, 16) if finished else None,
                        None,
                        at(date(year, 1, 10)),
                        fold(title),
                    )
                )
                if finished:
                    done.append((audit_id, end, "inspection"))
    w.copy(
        "audits_audit",
        [
            "id",
            "agency_id",
            "kind",
            "method",
            "programme_id",
            "plan_id",
            "title",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "status",
            "reported_at",
            "closed_at",
            "created_at",
            "search_text",
        ],
        iter(audit_rows),
    )
    n_audits = len(audit_rows)
    del audit_rows
    log(f"{n_audits} audits", started)

    finding_ids = iter(w.ids("audits_finding", n_agencies * 40))
    action_ids = iter(w.ids("audits_action", n_agencies * 45))
    finding_rows, action_rows = [], []
    grades = [
        "major",
        "minor",
        "minor",
        "minor",
        "minor",
        "minor",
        "minor",
        "minor",
        "observation",
        "improvement",
    ]
    home_id = home[0]

    def action_state(
        created: date, due: date, k: int
    ) -> tuple[str, datetime | None, datetime | None, datetime | None]:
        """(status, implemented_at, verified_at, closed_at) of an action created and due on those dates."""
        if due < TODAY - timedelta(days=30) and k % 20 != 0:
            # Done: four in five by the due date, the others a fortnight late.
            done = due - timedelta(days=10) if k % 5 else due + timedelta(days=14)
            return "closed", at(done - timedelta(5)), at(done, 10), at(done, 15)
        states = ["open", "cause_analysed", "action_planned", "implemented", "verified"]
        status = states[k % 5]
        implemented = (
            at(min(created + timedelta(20), TODAY)) if status in ("implemented", "verified") else None
        )
        verified = at(min(created + timedelta(25), TODAY), 10) if status == "verified" else None
        return status, implemented, verified, None

    for pk, *_rest in agencies:
        done = done_audits[pk]
        procs = processes[pk]
        for k in range(40):
            audit_id, ended, kind = done[k % len(done)]
            grade = grades[k % 10]
            finding_id = next(finding_ids)
            raised = at(ended, 15)
            finding_rows.append(
                (
                    finding_id,
                    audit_id,
                    clause_ids[k % len(clause_ids)],
                    grade,
                    f"Phát hiện {k + 1}",
                    "",
                    procs[k % PROCESSES],
                    raised,
                )
            )
            if grade in ("major", "minor"):
                due = ended + timedelta(days=60 if kind == "inspection" else 45)
                status, implemented, verified, closed = action_state(ended, due, k)
                title = f"Khắc phục phát hiện {k + 1}"
                action_rows.append(
                    (
                        next(action_ids),
                        pk,
                        "nonconformity",
                        finding_id,
                        None,
                        title,
                        due,
                        status,
                        implemented,
                        verified,
                        closed,
                        raised,
                        staff_id if pk == home_id else None,
                        fold(title),
                    )
                )
    w.copy(
        "audits_finding",
        ["id", "audit_id", "clause_id", "grade", "description", "evidence", "process_id", "raised_at"],
        iter(finding_rows),
    )
    log(f"{len(finding_rows)} findings", started)

    # Management reviews, one a year (this year's a draft at a fifth of the agencies), two decisions each.
    review_rows = []
    review_ids = iter(w.ids("audits_managementreview", n_agencies * 5))
    for index, (pk, *_rest) in enumerate(agencies):
        for year in range(Y - 4, Y + 1):
            held = date(year, 6, 20)
            finalized = not (year == Y and index % 5 == 0)
            review_id = next(review_ids)
            review_rows.append(
                (
                    review_id,
                    pk,
                    held,
                    "Lãnh đạo và các phòng",
                    "finalized" if finalized else "draft",
                    at(held, 17) if finalized else None,
                    fold("Lãnh đạo và các phòng"),
                )
            )
            for d in range(2):
                due = held + timedelta(days=90)
                status, implemented, verified, closed = action_state(held, due, index + d + year)
                title = f"Quyết định {d + 1} của xem xét lãnh đạo {year}"
                action_rows.append(
                    (
                        next(action_ids),
                        pk,
                        "review_decision",
                        None,
                        review_id,
                        title,
                        due,
                        status,
                        implemented,
                        verified,
                        closed,
                        at(held, 17),
                        None,
                        fold(title),
                    )
                )
    w.copy(
        "audits_managementreview",
        ["id", "agency_id", "held_on", "participants", "status", "finalized_at", "search_text"],
        iter(review_rows),
    )
    w.copy(
        "audits_action",
        [
            "id",
            "agency_id",
            "source",
            "finding_id",
            "review_id",
            "title",
            "due_date",
            "status",
            "implemented_at",
            "verified_at",
            "closed_at",
            "created_at",
            "owner_id",
            "search_text",
        ],
        iter(sorted(action_rows)),
    )
    log(f"{len(review_rows)} management reviews, {len(action_rows)} actions", started)
    del finding_rows, action_rows, review_rows

    def activity_rows():
        ids = iter(w.ids("audits_activity", n_agencies * 5 * 3))
        for pk, *_rest in agencies:
            for year in range(Y - 4, Y + 1):
                for kind, month in (("meeting", 2), ("meeting", 8), ("training", 4)):
                    topic = "Họp Ban chỉ đạo ISO" if kind == "meeting" else "Tập huấn TCVN ISO 9001:2015"
                    yield (next(ids), pk, kind, date(year, month, 12), topic, "", 20, "", fold(topic))

    w.copy(
        "audits_activity",
        [
            "id",
            "agency_id",
            "kind",
            "held_on",
            "topic",
            "participants",
            "participant_count",
            "file",
            "search_text",
        ],
        activity_rows(),
    )
    log("activities", started)

    # --- rubrics and assessments ------------------------------------------------------------------------
    reviewer = users["bench_reviewer"]
    rubrics = {}
    for province_id in province_ids:
        province = Province(pk=province_id)
        for year in (Y - 1, Y):
            rubric = create_default_rubric(province, year, self_assessment_deadline=date(year, 11, 30))
            rubric_service.publish(rubric, reviewer)
            rubrics[(province_id, year)] = rubric.pk
    Rubric.objects.filter(year=Y - 1).update(
        results_published_at=at(date(Y, 1, 20)), results_published_by=reviewer
    )
    criteria: dict[int, list[tuple[int, Decimal]]] = {}
    for criterion in Criterion.objects.filter(rubric_id__in=rubrics.values()).order_by("rubric_id", "pk"):
        criteria.setdefault(criterion.rubric_id, []).append((criterion.pk, criterion.max_points))
    assessment_rows, line_rows = [], []
    assessment_ids = iter(w.ids("scoring_assessment", n_agencies * 3))
    line_ids = iter(w.ids("scoring_assessmentline", n_agencies * 3 * 30))
    for pk, province_id, level, *_rest in agencies:
        quality = Decimal("0.55") + Decimal(rng.randrange(46)) / 100
        plan = [
            (Y - 1, "self", Decimal("0.05")),
            (Y - 1, "official", Decimal(0)),
            (Y, "official", Decimal(0)),
        ]
        for year, kind, bonus in plan:
            if level == "district" and year == Y:
                continue  # abolished in 2025: not scored this year
            rubric_id = rubrics[(province_id, year)]
            assessment_id = next(assessment_ids)
            total = Decimal(0)
            for criterion_id, maximum in criteria[rubric_id]:
                points = min(
                    maximum, ((maximum * (quality + bonus)) / QUARTER).to_integral_value(ROUND_DOWN) * QUARTER
                )
                total += points
                line_rows.append(
                    (next(line_ids), assessment_id, criterion_id, points, "", "", "", at(date(year, 12, 1)))
                )
            submitted = at(date(year, 11, 20 if quality > Decimal("0.6") else 30))
            assessment_rows.append(
                (
                    assessment_id,
                    rubric_id,
                    pk,
                    kind,
                    "finalized",
                    total,
                    at(date(year, 11, 1)),
                    submitted,
                    at(date(year, 12, 10)),
                )
            )
    w.copy(
        "scoring_assessment",
        [
            "id",
            "rubric_id",
            "agency_id",
            "kind",
            "status",
            "total",
            "created_at",
            "submitted_at",
            "finalized_at",
        ],
        iter(assessment_rows),
    )
    w.copy(
        "scoring_assessmentline",
        [
            "id",
            "assessment_id",
            "criterion_id",
            "points",
            "explanation",
            "override_reason",
            "comment",
            "updated_at",
        ],
        iter(line_rows),
    )
    log(f"{len(assessment_rows)} assessments, {len(line_rows)} criterion lines", started)

    # Targets: two per province.
    w.copy(
        "scoring_target",
        [
            "id",
            "province_id",
            "measure",
            "level",
            "value",
            "start_on",
            "deadline",
            "baseline",
            "note",
            "created_at",
        ],
        (
            (
                pk_id,
                province_id,
                measure,
                level,
                Decimal(100),
                date(Y - 1, 1, 1),
                date(Y + 1, 12, 31),
                Decimal(40),
                "",
                at(date(Y - 1, 1, 1)),
            )
            for pk_id, (province_id, measure, level) in zip(
                w.ids("scoring_target", n_provinces * 2),
                (
                    (p, m, lv)
                    for p in province_ids
                    for m, lv in (("declared_2015", "commune"), ("internal_audit", ""))
                ),
                strict=True,
            )
        ),
    )

    # Move every identity sequence past the ids written, then refresh the planner's statistics.
    for table in sorted(w.next_ids):
        raw.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608
    log("rubrics, targets, sequences", started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = national, 0.03 ≈ one province")
    args = parser.parse_args()
    print(f"Generating scale {args.scale} into {connection.settings_dict['NAME']}", flush=True)
    with transaction.atomic():
        generate(args.scale)
    started = clock.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    log("ANALYZE", started)
    # COPY bypasses the watch on writes: pages cached from an earlier data set must not be served.
    freshness.renew()


if __name__ == "__main__":
    main()
