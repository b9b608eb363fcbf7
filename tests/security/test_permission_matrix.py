"""Every URL × every role × GET and POST, against the access table of DESIGN §3.

The URL names come from the resolver, so a URL added without an entry in MATRIX fails
`test_every_url_has_a_matrix_entry`. Each request runs inside a savepoint rolled back afterwards, so
every role meets the same dataset and a permitted POST cannot spoil the next role's request.
Outcomes are categories, not status codes: `ok` is a page, a file or a redirect that is not to the
login page; a form refused for its (empty) content (400, 409) is `ok` too — the permission check
passed, which is what this file is about.
"""

import datetime
import importlib
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, clear_url_caches, get_resolver, reverse
from django.utils import timezone

import qms_portal.urls
from agencies.models import Role
from audits.models import Audit, Evidence
from procedures.models import ProcessForm, ProcessRevision, QualityObjective, QualityPolicy, ReviewFlag
from scoring.models import (
    Assessment,
    AssessmentLine,
    Band,
    Criterion,
    CriterionGroup,
    LineEvidence,
    Report,
    Rubric,
    Target,
)
from tests.factories import (
    ActionFactory,
    ActivityFactory,
    AdministrativeProcedureFactory,
    AgencyFactory,
    AgencyProcedureFactory,
    AuditFactory,
    AuditProgrammeFactory,
    FindingFactory,
    FrameworkModelFactory,
    InForceRevisionFactory,
    InspectionPlanFactory,
    LegalDocumentFactory,
    ManagementReviewFactory,
    MembershipFactory,
    ProcessFactory,
    ProcessRevisionFactory,
    ProcessStepFactory,
    ProvinceFactory,
    UserFactory,
)

# --- outcomes and roles -------------------------------------------------------------------------------------

OK, LOGIN, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = "ok", "login", "forbidden", "not_found", "not_allowed"
ROLES = ("anonymous", "staff", "secretary", "leader", "leader_b", "reviewer", "reviewer_q", "national")
METHODS = ("get", "post")
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF"


def row(default: str, **roles: str | frozenset) -> dict:
    """One expectation per role; anonymous users go to the login page unless said otherwise."""
    return {"anonymous": LOGIN, **{role: default for role in ROLES[1:]}, **roles}


def also_not_allowed(get_row: dict) -> dict:
    """POST to a page that only reads: the view answers as to a GET, or refuses the method (405)."""
    return {
        role: expected if role == "anonymous" else frozenset({expected, NOT_ALLOWED})
        for role, expected in get_row.items()
    }


# Whoever is logged in (lists and pages that are scoped inside, forms everyone may use).
EVERYONE = row(OK)
# Records of agency A in force: its members, the reviewers of its province, national viewers.
READ_A = row(OK, leader_b=NOT_FOUND, reviewer_q=NOT_FOUND)
# Work in progress of agency A (process drafts, the self-assessment draft): its secretaries and leaders.
DRAFTS_A = row(NOT_FOUND, secretary=OK, leader=OK)
# Drafts of agency A that only its leader may act on (approve, submit): the secretary sees but may not.
DRAFTS_A_LEADER = row(NOT_FOUND, secretary=FORBIDDEN, leader=OK)
# Changes to agency A's records: its secretaries and leaders; readers 403, outsiders 404.
EDIT_A = row(FORBIDDEN, secretary=OK, leader=OK, leader_b=NOT_FOUND, reviewer_q=NOT_FOUND)
APPROVE_A = row(FORBIDDEN, leader=OK, leader_b=NOT_FOUND, reviewer_q=NOT_FOUND)
# Creating a record in one's own agency: secretaries and leaders of any agency.
EDITORS = row(FORBIDDEN, secretary=OK, leader=OK, leader_b=OK)
# National reference data and province-wide tools kept by any provincial reviewer.
REVIEWERS = row(FORBIDDEN, reviewer=OK, reviewer_q=OK)
# A record of agency A that the province changes (inspections): readers 403, outsiders 404.
OVERSEE_A = row(FORBIDDEN, reviewer=OK, leader_b=NOT_FOUND, reviewer_q=NOT_FOUND)
# A record of province P that its reviewers change: readers 403, the other province 404.
OVERSEE_P = row(FORBIDDEN, reviewer=OK, reviewer_q=NOT_FOUND)
# Province P's work in progress (draft rubrics, unpublished framework models): its reviewers only.
REVIEWER_P = row(NOT_FOUND, reviewer=OK)
# Read by everyone who works in province P, and nationally.
PROVINCE_P = row(OK, reviewer_q=NOT_FOUND)
# The province's own pages (inspection plans): its reviewers and national viewers.
PROVINCE_WHOLE = row(NOT_FOUND, reviewer=OK, national=OK)
# The method is refused before anything else, for everyone logged in.
POST_ONLY = row(NOT_ALLOWED)
GET_ONLY = row(NOT_ALLOWED)
PUBLIC = row(OK, anonymous=OK)


@dataclass(frozen=True)
class Case:
    """One URL built from the dataset, and what each role gets by GET and by POST."""

    get: dict
    post: dict
    kwargs: object = None  # dataset -> kwargs of reverse()
    label: str = ""
    query: str = ""
    data: object = None  # dataset -> POST body (empty by default)


def read(get_row: dict, **options) -> Case:
    """A page that only reads."""
    return Case(get=get_row, post=also_not_allowed(get_row), **options)


def form(both: dict, **options) -> Case:
    """A form: the same rule to display it and to send it."""
    return Case(get=both, post=both, **options)


def action(post_row: dict, **options) -> Case:
    """A POST-only workflow step."""
    return Case(get=GET_ONLY, post=post_row, **options)


def safe(get_row: dict, **options) -> Case:
    """A read restricted to GET/HEAD (require_GET, require_safe): POST is refused whoever asks."""
    post_row = {**POST_ONLY, "anonymous": get_row["anonymous"] if get_row["anonymous"] == OK else LOGIN}
    return Case(get=get_row, post=post_row, **options)


def pk(attribute: str):
    return lambda d: {"pk": getattr(d, attribute).pk}


# --- the matrix ---------------------------------------------------------------------------------------------

# Rubric views: a draft is found by its province's reviewers only; a published rubric is frozen, so
# even its reviewers get 403 on a change.
DRAFT_RUBRIC_CHANGE = REVIEWER_P
PUBLISHED_RUBRIC_CHANGE = row(FORBIDDEN, reviewer_q=NOT_FOUND)


def rubric_change(kind) -> list[Case]:
    return [
        kind(DRAFT_RUBRIC_CHANGE, kwargs=pk("rubric_draft"), label="draft"),
        kind(PUBLISHED_RUBRIC_CHANGE, kwargs=pk("rubric"), label="published"),
    ]


def rubric_part_change(kind, draft: str, published: str) -> list[Case]:
    return [
        kind(DRAFT_RUBRIC_CHANGE, kwargs=pk(draft), label="draft"),
        kind(PUBLISHED_RUBRIC_CHANGE, kwargs=pk(published), label="published"),
    ]


def rubric_read(kind) -> list[Case]:
    return [
        kind(REVIEWER_P, kwargs=pk("rubric_draft"), label="draft"),
        kind(PROVINCE_P, kwargs=pk("rubric"), label="published"),
    ]


def audit_cases(kind, internal: dict, inspection: dict) -> list[Case]:
    """Internal audits are the agency's to change; provincial inspections the province's reviewers'."""
    return [
        kind(internal, kwargs=pk("audit"), label="internal"),
        kind(inspection, kwargs=pk("inspection"), label="inspection"),
    ]


def assessment_cases(kind, self_row: dict, official_row: dict, self_attr: str, official_attr: str):
    """The self-assessment is a draft of agency A; the official assessment is finalized (so readable by the
    agency and nationally, changed by nobody but the province's reviewers reopening it)."""
    return [
        kind(self_row, kwargs=pk(self_attr), label="self draft"),
        kind(official_row, kwargs=pk(official_attr), label="official finalized"),
    ]


# The finalized official assessment: read by the agency, its reviewers and national viewers; acted on
# (reopened, its locked lines shown for editing) by the reviewers of province P only.
OFFICIAL_READ = READ_A
OFFICIAL_OVERSEE = row(FORBIDDEN, reviewer=OK, leader_b=NOT_FOUND, reviewer_q=NOT_FOUND)
# An agency's reports: whoever has REPORTS on it (its members, its province's reviewers, national viewers).
REPORTS_A = READ_A

MATRIX: dict[str, list[Case]] = {
    # --- project --------------------------------------------------------------------------------------------
    "home": [read(EVERYONE)],
    "healthz": [Case(get=PUBLIC, post=row(NOT_ALLOWED, anonymous=NOT_ALLOWED))],
    "set_language": [form(PUBLIC)],
    # Logged-in users are sent on from the login page (redirect_authenticated_user).
    "login": [form(PUBLIC)],
    # Django 5 logs out by POST only, and sends everyone to the login page.
    "logout": [Case(get=row(NOT_ALLOWED), post=row(LOGIN))],
    "password_change": [form(EVERYONE)],
    "password_change_done": [read(EVERYONE)],
    # --- agencies -------------------------------------------------------------------------------------------
    "agencies:list": [read(EVERYONE)],
    "agencies:export": [read(EVERYONE)],
    "agencies:import": [form(REVIEWERS)],
    "agencies:import_template": [read(REVIEWERS)],
    "agencies:detail": [read(READ_A, kwargs=pk("agency"))],
    # The agency's leader or a provincial reviewer (issue 2: the province keeps the register of statuses).
    "agencies:status_create": [
        form(
            row(FORBIDDEN, leader=OK, reviewer=OK, leader_b=NOT_FOUND, reviewer_q=NOT_FOUND),
            kwargs=pk("agency"),
        )
    ],
    # --- procedures: catalogue ------------------------------------------------------------------------------
    "procedures:procedure_list": [read(EVERYONE)],
    "procedures:procedure_export": [read(EVERYONE)],
    "procedures:procedure_detail": [read(EVERYONE, kwargs=pk("procedure"))],
    "procedures:procedure_import": [form(REVIEWERS)],
    "procedures:procedure_import_template": [safe(REVIEWERS)],
    # The page is the agency's; ticking procedures is its editors' and its province's reviewers'.
    "procedures:agency_procedures": [
        Case(
            get=READ_A,
            post=row(
                FORBIDDEN, secretary=OK, leader=OK, reviewer=OK, leader_b=NOT_FOUND, reviewer_q=NOT_FOUND
            ),
            kwargs=lambda d: {"agency_pk": d.agency.pk},
        )
    ],
    "procedures:agency_procedure_import": [form(REVIEWERS)],
    "procedures:agency_procedure_import_template": [safe(REVIEWERS)],
    # --- procedures: legal documents (national reference data) ----------------------------------------------
    "procedures:legal_list": [read(EVERYONE)],
    "procedures:legal_create": [form(REVIEWERS)],
    "procedures:legal_detail": [read(EVERYONE, kwargs=pk("legal"))],
    "procedures:legal_update": [form(REVIEWERS, kwargs=pk("legal"))],
    "procedures:legal_change": [action(REVIEWERS, kwargs=pk("legal"))],
    # "No change needed" resolves a flag like a new revision would: the leader's decision.
    "procedures:flag_no_change": [action(APPROVE_A, kwargs=pk("flag"))],
    # --- procedures: processes and revisions ----------------------------------------------------------------
    "procedures:process_list": [read(EVERYONE)],
    "procedures:process_create": [form(EDITORS)],
    "procedures:process_detail": [read(READ_A, kwargs=pk("process"))],
    "procedures:revision_new": [action(EDIT_A, kwargs=pk("process"))],
    "procedures:revision_detail": [
        read(DRAFTS_A, kwargs=pk("revision_draft"), label="draft"),
        read(READ_A, kwargs=pk("revision_in_force"), label="in force"),
    ],
    "procedures:revision_edit": [
        form(DRAFTS_A, kwargs=pk("revision_draft"), label="draft"),
        form(EDIT_A, kwargs=pk("revision_in_force"), label="in force"),
    ],
    "procedures:revision_submit": [
        action(DRAFTS_A, kwargs=pk("revision_draft"), label="draft"),
        action(EDIT_A, kwargs=pk("revision_in_force"), label="in force"),
    ],
    "procedures:revision_approve": [
        action(DRAFTS_A_LEADER, kwargs=pk("revision_draft"), label="draft"),
        action(APPROVE_A, kwargs=pk("revision_in_force"), label="in force"),
    ],
    "procedures:revision_return": [
        action(DRAFTS_A, kwargs=pk("revision_draft"), label="draft"),
        action(EDIT_A, kwargs=pk("revision_in_force"), label="in force"),
    ],
    "procedures:revision_compare": [
        read(DRAFTS_A, kwargs=pk("revision_draft"), label="draft"),
        read(READ_A, kwargs=pk("revision_in_force"), label="in force"),
    ],
    "procedures:revision_pdf": [
        safe(DRAFTS_A, kwargs=pk("revision_draft"), label="draft"),
        safe(READ_A, kwargs=pk("revision_in_force"), label="in force"),
    ],
    "procedures:form_download": [
        read(DRAFTS_A, kwargs=pk("form_draft"), label="draft"),
        read(READ_A, kwargs=pk("form_in_force"), label="in force"),
    ],
    # --- procedures: framework models -----------------------------------------------------------------------
    "procedures:framework_list": [read(EVERYONE)],
    "procedures:framework_create": [form(REVIEWERS)],
    "procedures:framework_detail": [
        read(PROVINCE_P, kwargs=pk("framework"), label="published"),
        read(REVIEWER_P, kwargs=pk("framework_draft"), label="unpublished"),
    ],
    "procedures:framework_publish": [
        action(OVERSEE_P, kwargs=pk("framework"), label="published"),
        action(REVIEWER_P, kwargs=pk("framework_draft"), label="unpublished"),
    ],
    "procedures:template_create": [
        form(OVERSEE_P, kwargs=pk("framework"), label="published"),
        form(REVIEWER_P, kwargs=pk("framework_draft"), label="unpublished"),
    ],
    # Adopting copies a template into an agency the user edits: readers of the province get 403.
    "procedures:template_adopt": [
        action(
            row(FORBIDDEN, secretary=OK, leader=OK, leader_b=OK, reviewer_q=NOT_FOUND), kwargs=pk("template")
        )
    ],
    # --- procedures: quality policy and objectives ----------------------------------------------------------
    "procedures:quality": [read(READ_A, kwargs=lambda d: {"agency_pk": d.agency.pk})],
    "procedures:policy_edit": [form(EDIT_A, kwargs=lambda d: {"agency_pk": d.agency.pk, "year": d.year})],
    "procedures:policy_approve": [action(APPROVE_A, kwargs=pk("policy"))],
    "procedures:objective_create": [
        form(EDIT_A, kwargs=lambda d: {"agency_pk": d.agency.pk, "year": d.year})
    ],
    "procedures:objective_update": [form(EDIT_A, kwargs=pk("objective"))],
    # --- procedures: one-stop statistics --------------------------------------------------------------------
    "procedures:statistics": [safe(EVERYONE)],
    # Agencies import their own figures, reviewers those of their province.
    "procedures:dossier_import": [
        form(row(FORBIDDEN, secretary=OK, leader=OK, leader_b=OK, reviewer=OK, reviewer_q=OK))
    ],
    "procedures:dossier_import_template": [
        safe(row(FORBIDDEN, secretary=OK, leader=OK, leader_b=OK, reviewer=OK, reviewer_q=OK))
    ],
    # --- audits: programmes and audits ----------------------------------------------------------------------
    "audits:audit_list": [safe(EVERYONE)],
    "audits:audit_create": [form(EDITORS)],
    "audits:programme_list": [safe(EVERYONE)],
    "audits:programme_create": [form(EDITORS)],
    "audits:programme_detail": [Case(get=READ_A, post=EDIT_A, kwargs=pk("programme"))],
    "audits:audit_detail": audit_cases(safe, READ_A, READ_A),
    "audits:audit_edit": audit_cases(form, EDIT_A, OVERSEE_A),
    "audits:checklist_edit": audit_cases(form, EDIT_A, OVERSEE_A),
    "audits:audit_start": audit_cases(action, EDIT_A, OVERSEE_A),
    "audits:audit_report": audit_cases(action, EDIT_A, OVERSEE_A),
    "audits:audit_close": audit_cases(action, EDIT_A, OVERSEE_A),
    "audits:audit_pdf": audit_cases(safe, READ_A, READ_A),
    "audits:finding_create": audit_cases(form, EDIT_A, OVERSEE_A),
    # --- audits: provincial inspections ---------------------------------------------------------------------
    # Every user gets the list, scoped to the provinces they see as a whole (empty for agency users).
    "audits:plan_list": [read(EVERYONE)],
    "audits:plan_create": [form(REVIEWERS)],
    # The plan is the province's page: the inspected agencies' people do not see it.
    "audits:plan_detail": [read(PROVINCE_WHOLE, kwargs=pk("plan"))],
    "audits:plan_export": [read(PROVINCE_WHOLE, kwargs=pk("plan"))],
    "audits:inspection_decision": [form(OVERSEE_A, kwargs=pk("inspection"))],
    # --- audits: nonconformities and actions ----------------------------------------------------------------
    "audits:action_list": [read(EVERYONE)],
    "audits:action_detail": [read(READ_A, kwargs=pk("action"))],
    # The action is assigned to the staff member: they update it, as the agency's editors do.
    "audits:action_step": [
        action(
            row(FORBIDDEN, staff=OK, secretary=OK, leader=OK, leader_b=NOT_FOUND, reviewer_q=NOT_FOUND),
            kwargs=pk("action"),
        )
    ],
    "audits:evidence_add": [
        action(
            row(FORBIDDEN, staff=OK, secretary=OK, leader=OK, leader_b=NOT_FOUND, reviewer_q=NOT_FOUND),
            kwargs=pk("action"),
        )
    ],
    "audits:evidence_download": [read(READ_A, kwargs=pk("evidence"))],
    # --- audits: management reviews -------------------------------------------------------------------------
    "audits:review_list": [read(EVERYONE)],
    "audits:review_create": [form(EDITORS)],
    "audits:review_detail": [read(READ_A, kwargs=pk("review"))],
    "audits:review_edit": [form(EDIT_A, kwargs=pk("review"))],
    "audits:review_finalize": [action(APPROVE_A, kwargs=pk("review"))],
    "audits:decision_create": [action(EDIT_A, kwargs=pk("review"))],
    # --- audits: meetings and trainings ---------------------------------------------------------------------
    "audits:activity_list": [read(EVERYONE)],
    "audits:activity_create": [form(EDITORS)],
    "audits:activity_edit": [form(EDIT_A, kwargs=pk("activity"))],
    "audits:activity_file": [read(READ_A, kwargs=pk("activity"))],
    # --- scoring: rubrics -----------------------------------------------------------------------------------
    "scoring:rubric_list": [safe(EVERYONE)],
    "scoring:rubric_create": [form(REVIEWERS)],
    "scoring:rubric_import": [form(REVIEWERS)],
    "scoring:rubric_import_template": [safe(REVIEWERS)],
    "scoring:rubric_detail": rubric_read(safe),
    "scoring:rubric_edit": rubric_change(form),
    "scoring:rubric_delete": rubric_change(form),
    "scoring:rubric_publish": rubric_change(action),
    # Copying to next year works from a published rubric too: its reviewers may.
    "scoring:rubric_copy": [
        action(DRAFT_RUBRIC_CHANGE, kwargs=pk("rubric_draft"), label="draft"),
        action(OVERSEE_P, kwargs=pk("rubric"), label="published"),
    ],
    "scoring:rubric_export": rubric_read(safe),
    "scoring:rubric_history": rubric_read(safe),
    "scoring:bands_edit": rubric_change(form),
    "scoring:group_create": rubric_change(form),
    "scoring:group_edit": rubric_part_change(form, "group_draft", "group"),
    "scoring:group_delete": rubric_part_change(form, "group_draft", "group"),
    "scoring:criterion_create": rubric_change(form),
    "scoring:criterion_edit": rubric_part_change(form, "criterion_draft", "criterion"),
    "scoring:criterion_delete": rubric_part_change(form, "criterion_draft", "criterion"),
    # --- scoring: assessments -------------------------------------------------------------------------------
    "scoring:assessment_list": [safe(EVERYONE)],
    # Starting agency A's self-assessment (it exists already: refused with a message, after the check).
    "scoring:assessment_start": [
        action(
            row(FORBIDDEN, secretary=OK, leader=OK, leader_b=NOT_FOUND, reviewer_q=NOT_FOUND),
            data=lambda d: {"rubric": d.rubric.pk, "agency": d.agency.pk, "kind": Assessment.Kind.SELF},
        )
    ],
    "scoring:assessment_detail": assessment_cases(
        safe, DRAFTS_A, OFFICIAL_READ, "self_assessment", "official"
    ),
    "scoring:assessment_submit": assessment_cases(
        action, DRAFTS_A_LEADER, OFFICIAL_OVERSEE, "self_assessment", "official"
    ),
    "scoring:assessment_finalize": assessment_cases(
        action,
        row(NOT_FOUND, secretary=FORBIDDEN, leader=FORBIDDEN),
        OFFICIAL_OVERSEE,
        "self_assessment",
        "official",
    ),
    "scoring:assessment_reopen": assessment_cases(
        form,
        row(NOT_FOUND, secretary=FORBIDDEN, leader=FORBIDDEN),
        OFFICIAL_OVERSEE,
        "self_assessment",
        "official",
    ),
    "scoring:assessment_recompute": assessment_cases(
        action, DRAFTS_A, OFFICIAL_OVERSEE, "self_assessment", "official"
    ),
    "scoring:line_edit": assessment_cases(form, DRAFTS_A, OFFICIAL_OVERSEE, "self_line", "official_line"),
    "scoring:evidence_add": assessment_cases(
        action, DRAFTS_A, OFFICIAL_OVERSEE, "self_line", "official_line"
    ),
    "scoring:evidence_download": assessment_cases(
        safe, DRAFTS_A, OFFICIAL_READ, "self_evidence", "official_evidence"
    ),
    "scoring:evidence_delete": assessment_cases(
        action, DRAFTS_A, OFFICIAL_OVERSEE, "self_evidence", "official_evidence"
    ),
    "scoring:scores_import": [
        form(REVIEWER_P, kwargs=pk("rubric_draft"), label="draft"),
        form(OVERSEE_P, kwargs=pk("rubric"), label="published"),
    ],
    "scoring:scores_template": [
        safe(REVIEWER_P, kwargs=pk("rubric_draft"), label="draft"),
        safe(OVERSEE_P, kwargs=pk("rubric"), label="published"),
    ],
    # --- scoring: results -----------------------------------------------------------------------------------
    "scoring:results_index": [safe(EVERYONE)],
    "scoring:results": [
        safe(REVIEWER_P, kwargs=lambda d: {"rubric_pk": d.rubric_draft.pk}, label="draft"),
        safe(PROVINCE_P, kwargs=lambda d: {"rubric_pk": d.rubric.pk}, label="published"),
    ],
    "scoring:results_export": [
        safe(REVIEWER_P, kwargs=lambda d: {"rubric_pk": d.rubric_draft.pk}, label="draft"),
        safe(PROVINCE_P, kwargs=lambda d: {"rubric_pk": d.rubric.pk}, label="published"),
    ],
    "scoring:results_publish": [
        action(REVIEWER_P, kwargs=lambda d: {"rubric_pk": d.rubric_draft.pk}, label="draft"),
        action(OVERSEE_P, kwargs=lambda d: {"rubric_pk": d.rubric.pk}, label="published"),
    ],
    # One agency's criteria: its own users, its province's reviewers, national viewers.
    "scoring:agency_breakdown": [
        safe(READ_A, kwargs=lambda d: {"rubric_pk": d.rubric.pk, "agency_pk": d.agency.pk})
    ],
    # --- scoring: targets -----------------------------------------------------------------------------------
    "scoring:target_list": [safe(EVERYONE)],
    "scoring:target_create": [form(REVIEWERS)],
    "scoring:target_edit": [form(OVERSEE_P, kwargs=pk("target"))],
    "scoring:target_delete": [form(OVERSEE_P, kwargs=pk("target"))],
    # --- scoring: dashboards --------------------------------------------------------------------------------
    # Agency users are sent to their agency's page (a redirect, not a refusal).
    "scoring:dashboard": [safe(EVERYONE)],
    "scoring:dashboard_agencies": [
        safe(row(FORBIDDEN, reviewer=OK, reviewer_q=OK, national=OK), query="figure=status&status=declared")
    ],
    # --- scoring: reports -----------------------------------------------------------------------------------
    "scoring:report_list": [safe(EVERYONE)],
    # Everyone may ask for a report of their scope; the empty form is refused for its content.
    "scoring:report_request": [action(EVERYONE)],
    "scoring:report_detail": [safe(REPORTS_A, kwargs=pk("report"))],
    "scoring:report_status": [safe(REPORTS_A, kwargs=pk("report"))],
    "scoring:report_download": [safe(REPORTS_A, kwargs=pk("report"))],
    "scoring:report_preview": [safe(REPORTS_A, kwargs=pk("report"))],
    "scoring:report_retry": [action(REPORTS_A, kwargs=pk("report"))],
}


# --- the URL configuration ----------------------------------------------------------------------------------


def url_names() -> list[str]:
    """Every named URL of the portal but the Django admin (checked on its own below)."""
    names: list[str] = []

    def walk(resolver: URLResolver, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern, inner)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"unnamed URL pattern {pattern.pattern} cannot be checked by name"
                names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver(), "")
    return names


def test_every_url_has_a_matrix_entry():
    names = set(url_names())
    missing = sorted(names - MATRIX.keys())
    stale = sorted(MATRIX.keys() - names)
    assert not missing and not stale, f"URLs without an entry: {missing}; entries of no URL: {stale}"


# --- the dataset --------------------------------------------------------------------------------------------


def _member(username: str, role: str, **scope):
    user = UserFactory(username=username)
    MembershipFactory(user=user, role=role, **{"agency": None, **scope})
    return user


def _upload(obj, name: str = "minh-chung.pdf"):
    obj.file.save(name, ContentFile(PDF), save=True)
    return obj


def build_dataset() -> SimpleNamespace:
    """Agency A (province P) with one record of every kind a URL needs; agency B in P, agency C in Q."""
    d = SimpleNamespace()
    now = timezone.now()
    d.year = timezone.localdate().year
    d.province = ProvinceFactory(code="HY", name="Tỉnh Hưng Yên")
    d.other_province = ProvinceFactory(code="TB", name="Tỉnh Thái Bình")
    d.agency = AgencyFactory(province=d.province, code="XTIENDUNG", name="UBND xã Tiến Dũng")
    d.agency_b = AgencyFactory(province=d.province, code="XLONGHUNG", name="UBND xã Long Hưng")
    d.agency_c = AgencyFactory(province=d.other_province, code="XDONGHOA", name="UBND xã Đông Hòa")
    d.users = {
        "anonymous": None,
        "staff": _member("canbo", Role.STAFF, agency=d.agency),
        "secretary": _member("thuky", Role.ISO_SECRETARY, agency=d.agency),
        "leader": _member("lanhdao", Role.AGENCY_LEADER, agency=d.agency),
        "leader_b": _member("lanhdao2", Role.AGENCY_LEADER, agency=d.agency_b),
        "reviewer": _member("bcd", Role.PROVINCIAL_REVIEWER, province=d.province),
        "reviewer_q": _member("bcd2", Role.PROVINCIAL_REVIEWER, province=d.other_province),
        "national": _member("bokhcn", Role.NATIONAL_VIEWER),
    }
    _member("cqc", Role.ISO_SECRETARY, agency=d.agency_c)

    # procedures
    d.procedure = AdministrativeProcedureFactory()
    AgencyProcedureFactory(agency=d.agency, procedure=d.procedure)
    d.legal = LegalDocumentFactory()
    d.process = ProcessFactory(agency=d.agency, procedure=d.procedure)
    ProcessRevisionFactory(
        process=d.process,
        number=1,
        status=ProcessRevision.Status.SUPERSEDED,
        effective_date=datetime.date(2023, 1, 2),
    )
    d.revision_in_force = InForceRevisionFactory(process=d.process, number=2)
    d.revision_draft = ProcessRevisionFactory(process=d.process, number=3)
    for revision in (d.revision_in_force, d.revision_draft):
        ProcessStepFactory(revision=revision, order=1)
    d.form_in_force = _upload(
        ProcessForm(revision=d.revision_in_force, code="BM-01", title="Tờ khai"), "to-khai.pdf"
    )
    d.form_draft = _upload(
        ProcessForm(revision=d.revision_draft, code="BM-01", title="Tờ khai"), "to-khai.pdf"
    )
    d.flag = ReviewFlag.objects.create(
        process=d.process,
        legal_document=d.legal,
        document_status="amended",
        raised_on=datetime.date(d.year, 1, 2),
        due_on=datetime.date(d.year + 1, 1, 2),
    )
    d.framework = FrameworkModelFactory(province=d.province, published_at=now)
    d.template = ProcessFactory(agency=None, framework=d.framework, procedure=None, code="QT-MAU")
    InForceRevisionFactory(process=d.template)
    d.framework_draft = FrameworkModelFactory(province=d.province, name="Mô hình khung đang soạn")
    d.policy = QualityPolicy.objects.create(agency=d.agency, year=d.year, text="Phục vụ nhân dân tận tình.")
    d.objective = QualityObjective.objects.create(
        agency=d.agency, year=d.year, objective="Giải quyết hồ sơ đúng hạn", indicator="Tỷ lệ", target="≥ 98%"
    )

    # audits
    d.programme = AuditProgrammeFactory(agency=d.agency, year=d.year)
    d.audit = AuditFactory(agency=d.agency, programme=d.programme)
    d.plan = InspectionPlanFactory(province=d.province, year=d.year)
    d.inspection = AuditFactory(
        agency=d.agency,
        kind=Audit.Kind.INSPECTION,
        plan=d.plan,
        method=Audit.Method.ON_SITE,
        title="Kiểm tra",
    )
    d.action = ActionFactory(finding=FindingFactory(audit=d.audit), owner=d.users["staff"])
    d.evidence = _upload(Evidence(action=d.action, description="Biên bản"))
    d.review = ManagementReviewFactory(agency=d.agency)
    d.activity = _upload(ActivityFactory(agency=d.agency), "bien-ban-hop.pdf")

    # scoring: a published rubric of last year with the assessments, a draft one of this year
    d.rubric, d.group, d.criterion = _rubric(d.province, d.year - 1, published=True)
    d.rubric_draft, d.group_draft, d.criterion_draft = _rubric(d.province, d.year, published=False)
    d.self_assessment, d.self_line, d.self_evidence = _assessment(
        d, Assessment.Kind.SELF, Assessment.Status.DRAFT
    )
    d.official, d.official_line, d.official_evidence = _assessment(
        d, Assessment.Kind.OFFICIAL, Assessment.Status.FINALIZED
    )
    d.target = Target.objects.create(
        province=d.province,
        measure=Target.Measure.DECLARED,
        level="commune",
        value=Decimal(90),
        start_on=datetime.date(d.year, 1, 1),
        deadline=datetime.date(d.year, 12, 31),
    )
    d.report = Report.objects.create(
        kind=Report.Kind.AGENCY_COMPLIANCE,
        agency=d.agency,
        province=d.province,
        year=d.year - 1,
        status=Report.Status.DONE,
        finished_at=now,
    )
    _upload(d.report, "bao-cao.pdf")
    return d


def _rubric(province, year: int, *, published: bool):
    rubric = Rubric.objects.create(
        province=province,
        year=year,
        name=f"Bộ tiêu chí {year}",
        status=Rubric.Status.PUBLISHED if published else Rubric.Status.DRAFT,
        published_at=timezone.now() if published else None,
    )
    group = CriterionGroup.objects.create(rubric=rubric, code="A", title="Xây dựng HTQLCL", order=1)
    criterion = Criterion.objects.create(
        rubric=rubric, group=group, code="A1", text="Có chính sách chất lượng", max_points=rubric.total
    )
    Band.objects.create(rubric=rubric, label="Đạt", lower_bound=Decimal(0))
    return rubric, group, criterion


def _assessment(d, kind: str, status: str):
    assessment = Assessment.objects.create(
        rubric=d.rubric,
        agency=d.agency,
        kind=kind,
        status=status,
        finalized_at=timezone.now() if status == Assessment.Status.FINALIZED else None,
    )
    line = AssessmentLine.objects.create(assessment=assessment, criterion=d.criterion, points=Decimal(50))
    evidence = _upload(LineEvidence(line=line, description="Quyết định ban hành"))
    return assessment, line, evidence


# --- the checks ---------------------------------------------------------------------------------------------


class _Rollback(Exception):
    def __init__(self, response):
        self.response = response


def _fingerprint_sql() -> str:
    """One query: row count and highest key of every table of the four apps (history tables included),
    so that a refused POST can be shown to have created, deleted or recorded nothing."""
    parts = []
    for label in ("agencies", "procedures", "audits", "scoring"):
        for model in apps.get_app_config(label).get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            column = connection.ops.quote_name(model._meta.pk.column)
            # Names of our own tables, quoted: nothing here comes from a request.
            parts.append(f"SELECT COUNT(*), MAX({column}) FROM {table}")  # noqa: S608
    return " UNION ALL ".join(parts)


def _fingerprint(sql: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def outcome(response) -> str:
    code = response.status_code
    if 300 <= code < 400:
        location = urlsplit(response["Location"]).path
        return LOGIN if location == resolve_url(settings.LOGIN_URL) else OK
    if code < 300 or code in (400, 409):
        return OK
    return {403: FORBIDDEN, 404: NOT_FOUND, 405: NOT_ALLOWED}.get(code, f"HTTP {code}")


def _matches(got: str, expected) -> bool:
    return got in expected if isinstance(expected, frozenset) else got == expected


def _shown(expected) -> str:
    return "|".join(sorted(expected)) if isinstance(expected, frozenset) else expected


DENIED = {LOGIN, FORBIDDEN, NOT_FOUND, NOT_ALLOWED}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def quick_pdfs(monkeypatch):
    """The PDF views' access checks run before rendering; WeasyPrint itself is tested elsewhere."""
    for module in ("procedures.views.pdf", "audits.views.audits"):
        monkeypatch.setattr(f"{module}.render_template_pdf", lambda *args, **kwargs: PDF)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(name):
    d = build_dataset()
    fingerprint_sql = _fingerprint_sql()
    mismatches = []
    checks = 0
    for case in MATRIX[name]:
        url = reverse(name, kwargs=case.kwargs(d) if case.kwargs else None)
        if case.query:
            url = f"{url}?{case.query}"
        body = case.data(d) if case.data else {}
        for role in ROLES:
            for method in METHODS:
                expected = (case.get if method == "get" else case.post)[role]
                client = Client(raise_request_exception=False)
                if d.users[role] is not None:
                    client.force_login(d.users[role])
                try:
                    with transaction.atomic():
                        before = _fingerprint(fingerprint_sql) if method == "post" else None
                        response = client.get(url) if method == "get" else client.post(url, body)
                        got = outcome(response)
                        if before is not None and got in DENIED and _fingerprint(fingerprint_sql) != before:
                            got = f"{got} BUT CHANGED DATA"
                        raise _Rollback(response)
                except _Rollback:
                    pass
                checks += 1
                if not _matches(got, expected):
                    mismatches.append(
                        (f"{name} {case.label}".strip(), role, method.upper(), _shown(expected), got)
                    )
    assert checks == len(MATRIX[name]) * len(ROLES) * len(METHODS)
    table = "\n".join(
        f"{url:45} {role:11} {method:5} expected {exp:22} got {got}"
        for url, role, method, exp, got in mismatches
    )
    assert not mismatches, f"{len(mismatches)} of {checks} checks failed:\n{table}"


# --- outside the matrix -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_django_admin_is_refused_to_everyone_but_administrators(client):
    province = ProvinceFactory()
    agency = AgencyFactory(province=province)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path in (resolve_url(settings.LOGIN_URL), "/admin/login/")
    for user in (
        _member("thuky", Role.ISO_SECRETARY, agency=agency),
        _member("bcd", Role.PROVINCIAL_REVIEWER, province=province),
        _member("bokhcn", Role.NATIONAL_VIEWER),
    ):
        client.force_login(user)
        response = client.get("/admin/")
        assert (response.status_code, urlsplit(response["Location"]).path) == (302, "/admin/login/")
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200


@pytest.fixture
def development_urls():
    """The URL configuration as `make run` loads it, with DEBUG on."""
    with override_settings(DEBUG=True):
        importlib.reload(qms_portal.urls)
        clear_url_caches()
    yield
    importlib.reload(qms_portal.urls)
    clear_url_caches()


@pytest.mark.django_db
def test_uploaded_files_are_served_only_through_the_download_views_even_in_development(
    development_urls, client
):
    """MEDIA_ROOT has no URL: agency A's evidence, drafts and reports are not read by path from province Q."""
    d = build_dataset()
    client.force_login(d.users["reviewer_q"])
    for stored in (d.evidence.file, d.self_evidence.file, d.form_draft.file, d.report.file):
        assert client.get(f"/{settings.MEDIA_URL.lstrip('/')}{stored.name}").status_code == 404


@pytest.mark.django_db
def test_the_fingerprint_sees_a_record_created_or_deleted():
    """The matrix's proof that a refused POST changed nothing rests on this fingerprint."""
    d = build_dataset()
    sql = _fingerprint_sql()
    before = _fingerprint(sql)
    d.target.delete()
    assert _fingerprint(sql) != before
