"""The Content-Security-Policy header on every page, and pages that need nothing it forbids."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import AuditFactory, ProcessFactory, ProcessRevisionFactory, ProcessStepFactory

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


# A <script> of another type (json_script's application/json) is data, never run.
SCRIPT_TYPES = {None, "", "text/javascript", "application/javascript", "module"}


class InlineScriptFinder(HTMLParser):
    """What a script-src 'self' policy blocks: inline <script>, on* handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src") and attributes.get("type") in SCRIPT_TYPES:
            self.problems.append(f"inline <script> {attributes}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}={value}>")


def inline_scripts(html: str) -> list[str]:
    finder = InlineScriptFinder()
    finder.feed(html)
    return finder.problems


def directives(header: str) -> dict[str, str]:
    pairs = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in pairs}


def assert_protected(response):
    assert response.status_code == 200, response
    assert directives(response["Content-Security-Policy"]) == POLICY
    assert inline_scripts(response.content.decode()) == []


def test_the_login_page_carries_the_policy_and_no_inline_script(client):
    assert_protected(client.get(reverse("login")))


@pytest.fixture
def records(agency):
    process = ProcessFactory(agency=agency)
    revision = ProcessRevisionFactory(process=process)
    ProcessStepFactory(revision=revision)
    audit = AuditFactory(agency=agency)
    return {"process": process, "revision": revision, "audit": audit}


SECRETARY_PAGES = [
    ("home", lambda r: []),
    ("agencies:list", lambda r: []),
    ("agencies:detail", lambda r: [r["process"].agency_id]),
    ("procedures:process_list", lambda r: []),
    ("procedures:process_detail", lambda r: [r["process"].pk]),
    ("procedures:revision_detail", lambda r: [r["revision"].pk]),
    ("procedures:revision_edit", lambda r: [r["revision"].pk]),
    ("procedures:procedure_list", lambda r: []),
    ("procedures:legal_list", lambda r: []),
    ("procedures:statistics", lambda r: []),
    ("audits:audit_list", lambda r: []),
    ("audits:audit_detail", lambda r: [r["audit"].pk]),
    ("audits:action_list", lambda r: []),
    ("audits:review_list", lambda r: []),
    ("audits:activity_list", lambda r: []),
    ("scoring:assessment_list", lambda r: []),
    ("scoring:results_index", lambda r: []),
    ("scoring:report_list", lambda r: []),
    ("password_change", lambda r: []),
]


@pytest.mark.parametrize(("name", "args"), SECRETARY_PAGES, ids=[name for name, _ in SECRETARY_PAGES])
def test_secretary_pages_carry_the_policy_and_no_inline_script(client_as, secretary, records, name, args):
    assert_protected(client_as(secretary).get(reverse(name, args=args(records))))


REVIEWER_PAGES = [
    "scoring:dashboard",
    "scoring:rubric_list",
    "scoring:rubric_create",
    "scoring:target_list",
    "audits:plan_list",
    "agencies:import",
    "procedures:procedure_import",
    "procedures:framework_list",
]


@pytest.mark.parametrize("name", REVIEWER_PAGES)
def test_reviewer_pages_carry_the_policy_and_no_inline_script(client_as, reviewer, agency, name):
    assert_protected(client_as(reviewer).get(reverse(name)))


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.gov.vn", "demo1234")


@pytest.mark.parametrize(
    "url",
    [
        lambda agency: reverse("admin:index"),
        lambda agency: reverse("admin:agencies_agency_changelist"),
        lambda agency: reverse("admin:agencies_agency_change", args=[agency.pk]),
        lambda agency: reverse("admin:auth_user_add"),
    ],
    ids=["index", "changelist", "change", "add"],
)
def test_the_admin_works_under_the_same_policy(client_as, superuser, agency, url):
    """The admin's scripts are static files configured through data attributes: no relaxed policy needed."""
    assert_protected(client_as(superuser).get(url(agency)))


def test_the_finder_notices_inline_script():
    """The checker itself: these are what the policy would block."""
    html = (
        '<script>alert(1)</script><script src="/static/js/formsets.js"></script>'
        '<script id="chart" type="application/json">{"a": 1}</script>'
        '<img src=x onerror="alert(1)"><a href="javascript:alert(1)">x</a>'
    )
    assert len(inline_scripts(html)) == 3
