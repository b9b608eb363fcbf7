"""No lost update on an assessment line: two people score the same criterion, the second save is refused."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scoring.default_rubric import create_default_rubric
from scoring.models import Assessment, AssessmentLine, Rubric
from scoring.services import assessments as service

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 3, 2, 2, 30, tzinfo=datetime.UTC)  # 09:30 in Hà Nội


@pytest.fixture(autouse=True)
def frozen_time(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def a4(province, agency, secretary) -> AssessmentLine:
    rubric = create_default_rubric(province, 2025)
    rubric.status, rubric.published_at = Rubric.Status.PUBLISHED, NOW
    rubric.save()
    assessment = service.start(rubric, agency, Assessment.Kind.SELF, secretary)
    return assessment.lines.get(criterion__code="A4")


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def loaded_version(response) -> str:
    return re.search(r'name="version" value="(\d+)"', response.content.decode()).group(1)


def url(line) -> str:
    return reverse("scoring:line_edit", args=[line.pk])


def test_the_second_of_two_scores_of_a_line_is_refused_with_both_shown(a4, secretary, leader):
    first, second = browser(secretary), browser(leader)
    first_version, second_version = loaded_version(first.get(url(a4))), loaded_version(second.get(url(a4)))

    saved = first.post(url(a4), {"version": first_version, "points": "2", "comment": "Đủ danh mục"})
    assert saved.status_code == 302
    rows = AssessmentLine.history.filter(id=a4.pk).count()

    refused = second.post(url(a4), {"version": second_version, "points": "2.75", "comment": "Thiếu QT-09"})

    assert refused.status_code == 409
    page = refused.content.decode()
    assert (
        f"Someone else saved this line at 09:30 on 02/03/2026 ({secretary.get_full_name()}); "
        "your changes were not saved." in page
    )
    conflict = page[page.index('id="edit-conflict"') :]
    conflict = conflict[: conflict.index("</table>")]
    assert "Đủ danh mục" in conflict and "Thiếu QT-09" in conflict
    assert ">2<" in conflict and ">2.75<" in conflict
    assert 'value="2.75"' in page and "Thiếu QT-09</textarea>" in page
    a4.refresh_from_db()
    assert (a4.points, a4.comment, a4.updated_by, a4.version) == (Decimal(2), "Đủ danh mục", secretary, 2)
    assert AssessmentLine.history.filter(id=a4.pk).count() == rows
    a4.assessment.refresh_from_db()
    assert a4.assessment.total == Decimal(2) + sum(
        line.points or 0 for line in a4.assessment.lines.exclude(pk=a4.pk)
    )


def test_a_single_score_saves_and_moves_the_version_on(a4, secretary):
    client = browser(secretary)

    response = client.post(url(a4), {"version": loaded_version(client.get(url(a4))), "points": "3"})

    assert response.status_code == 302
    a4.refresh_from_db()
    assert (a4.points, a4.version) == (Decimal(3), 2)


def test_recomputing_the_metrics_makes_an_open_form_of_a_metric_line_stale(a4, secretary):
    b2 = a4.assessment.lines.get(criterion__code="B2")
    client = browser(secretary)
    version = loaded_version(client.get(url(b2)))
    service.recompute(a4.assessment, secretary)

    response = client.post(url(b2), {"version": version, "points": "1", "override_reason": "Thiếu biên bản"})

    assert response.status_code == 409
    b2.refresh_from_db()
    assert (b2.points, b2.override_reason, b2.version) == (b2.computed_points, "", 2)
