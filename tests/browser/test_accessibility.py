"""axe-core, run in a real Chromium on the demo province: each role's main pages have no serious or
critical WCAG 2.1 A/AA violation, in Vietnamese (the portal's language) and, for the login page and the
dashboards, in English."""

import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from agencies.management.commands.seed_demo import DEMO_PASSWORD
from agencies.models import Agency, Role
from audits.models import Action, Audit, InspectionPlan, ManagementReview
from procedures.models import ProcessRevision
from scoring.models import Assessment, Report, Rubric
from tests.conftest import require
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
Revision = ProcessRevision.Status


class Link(str):
    """A tour stop reached through the first link matching this selector on the previous page."""


def demo_tours() -> dict[str, list[tuple[str, str | Link]]]:
    """The pages each demo login works with, as (name, path), on the seeded demo province."""
    home = Agency.objects.get(code="XTIENDUNG")
    revisions = ProcessRevision.objects.filter(process__agency=home).order_by("pk")
    in_force = revisions.filter(status=Revision.IN_FORCE).first()
    draft = revisions.filter(status=Revision.DRAFT).first()
    in_review = revisions.filter(status=Revision.IN_REVIEW).first()
    audit = Audit.objects.filter(agency=home, findings__isnull=False).order_by("-pk").first()
    action = Action.objects.filter(agency=home).exclude(status=Action.Status.CLOSED).order_by("pk").first()
    assessments = Assessment.objects.filter(agency=home)
    own = assessments.filter(kind=Assessment.Kind.SELF, status=Assessment.Status.DRAFT).get()
    official = assessments.filter(kind=Assessment.Kind.OFFICIAL).order_by("-rubric__year").first()
    line = own.lines.order_by("pk").first()
    published = Rubric.objects.filter(results_published_at__isnull=False).order_by("-year").first()
    review = ManagementReview.objects.filter(agency=home).order_by("-pk").first()
    plan = InspectionPlan.objects.filter(province=home.province).order_by("-pk").first()
    reports = demo_reports(home)

    agency_pages = [
        ("home", "/"),
        ("agency list", "/agencies/"),
        ("agency detail", f"/agencies/{home.pk}/"),
        ("process list", "/procedures/processes/"),
        ("process detail", f"/procedures/processes/{in_force.process_id}/"),
        ("revision detail", f"/procedures/revisions/{in_force.pk}/"),
        ("audit list", "/audits/"),
        ("audit detail", f"/audits/{audit.pk}/"),
        ("action list", "/audits/actions/"),
        ("action detail", f"/audits/actions/{action.pk}/"),
        ("assessment detail", f"/scoring/assessments/{own.pk}/"),
        ("results", f"/scoring/results/{published.pk}/"),
        ("report list", "/scoring/reports/"),
        ("report detail", f"/scoring/reports/{reports[0].pk}/"),
    ]
    dashboard = [
        ("dashboard", "/scoring/dashboard/"),
        ("dashboard agencies", Link("main a[href*='/scoring/dashboard/agencies/']")),
    ]
    return {
        "thuky": [
            *agency_pages,
            ("revision edit form", f"/procedures/revisions/{draft.pk}/edit/"),
            ("assessment line form", f"/scoring/assessments/lines/{line.pk}/edit/"),
            ("quality policy and objectives", f"/procedures/agency/{home.pk}/quality/"),
            ("management review", f"/audits/reviews/{review.pk}/"),
        ],
        "lanhdao": [
            ("home", "/"),
            ("revision in review", f"/procedures/revisions/{in_review.pk}/"),
            ("action list", "/audits/actions/"),
            ("assessment detail", f"/scoring/assessments/{official.pk}/"),
            ("results breakdown", f"/scoring/results/{published.pk}/agency/{home.pk}/"),
        ],
        "canbo": [
            ("home", "/"),
            ("process list", "/procedures/processes/"),
            ("action detail", f"/audits/actions/{action.pk}/"),
        ],
        "bcd": [
            ("home", "/"),
            *dashboard,
            ("agency list", "/agencies/"),
            ("results index", "/scoring/results/"),
            ("rubric detail", f"/scoring/rubrics/{published.pk}/"),
            ("inspection plan", f"/audits/inspections/{plan.pk}/"),
            ("results", f"/scoring/results/{published.pk}/"),
            ("official assessment", f"/scoring/assessments/{official.pk}/"),
            ("report list", "/scoring/reports/"),
            ("failed report", f"/scoring/reports/{reports[1].pk}/"),
        ],
        "bokhcn": [("home", "/"), *dashboard, ("results", f"/scoring/results/{published.pk}/")],
    }


def demo_reports(agency) -> list[Report]:
    """A finished and a failed report: the demo seeds none, and producing PDFs here proves nothing."""
    now = timezone.now()
    done = Report.objects.create(
        kind=Report.Kind.AGENCY_COMPLIANCE,
        agency=agency,
        year=now.year - 1,
        status=Report.Status.DONE,
        file="reports/demo.pdf",
        pages=4,
        size=48_213,
        started_at=now,
        finished_at=now,
    )
    failed = Report.objects.create(
        kind=Report.Kind.PROVINCE_SUMMARY,
        province=agency.province,
        year=now.year - 1,
        status=Report.Status.FAILED,
        error="WeasyPrint: out of memory",
        attempts=3,
        started_at=now,
        finished_at=now,
    )
    return [done, failed]


def axe_problems(page, url: str, label: str, language: str) -> list[str]:
    """Open the page, run axe on it and describe its serious and critical violations (empty: none)."""
    if isinstance(url, Link):
        url = page.eval_on_selector(url, "link => link.href")
    response = page.goto(url)
    if response is None or not response.ok:
        return [f"{label}: {url} answered {response and response.status}"]
    problems = []
    if page.locator("html").get_attribute("lang") != language:
        problems.append(f'{label}: <html lang> is not "{language}"')
    page.add_script_tag(path=AXE)
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    for violation in results["violations"]:
        if violation["impact"] in BLOCKING:
            targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:8])
            more = len(violation["nodes"]) - 8
            problems.append(
                f"{label}: {violation['id']} ({violation['impact']}) {violation['help']}: {targets}"
                + (f" (+{more} more)" if more > 0 else "")
            )
    return problems


def log_in(context, base_url: str, username: str, password: str):
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page


def in_english(context, base_url: str) -> None:
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": base_url}])


@pytest.fixture
def demo():
    require(shutil.which("chromium") is not None, "Chromium is not installed (apt-get install -y chromium)")
    require(AXE.exists(), "axe-core is not installed (npm ci)")
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    viewer = UserFactory(username="bokhcn")
    MembershipFactory(user=viewer, role=Role.NATIONAL_VIEWER, agency=None)
    return demo_tours()


def test_main_pages_of_every_role_have_no_serious_or_critical_axe_violation(demo, live_server, browser):
    base = live_server.url
    problems = []
    # axe is injected as a script: the portal's CSP (rightly) refuses that unless the context bypasses it.
    visitor = browser.new_context(locale="vi-VN", bypass_csp=True)
    page = visitor.new_page()
    problems += axe_problems(page, f"{base}/accounts/login/", "anonymous login", "vi")
    in_english(visitor, base)
    problems += axe_problems(page, f"{base}/accounts/login/", "anonymous login (en)", "en")
    visitor.close()

    for username, tour in demo.items():
        context = browser.new_context(locale="vi-VN", bypass_csp=True)
        page = log_in(context, base, username, PASSWORD if username == "bokhcn" else DEMO_PASSWORD)
        for name, path in tour:
            url = path if isinstance(path, Link) else f"{base}{path}"
            problems += axe_problems(page, url, f"{username} {name}", "vi")
        if username in ("bcd", "bokhcn"):
            in_english(context, base)
            problems += axe_problems(page, f"{base}/scoring/dashboard/", f"{username} dashboard (en)", "en")
        context.close()

    assert not problems, "axe found serious or critical violations:\n" + "\n".join(problems)
