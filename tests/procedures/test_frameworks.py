"""Framework models: the province publishes template processes, an agency adopts one and adapts it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from procedures.models import FrameworkModel, Process, ProcessRevision
from tests.factories import FrameworkModelFactory, InForceRevisionFactory, ProcessFactory, ProcessStepFactory

pytestmark = pytest.mark.django_db
Status = ProcessRevision.Status


@pytest.fixture
def published(province):
    framework = FrameworkModelFactory(province=province, published_at=timezone.now())
    template = ProcessFactory(
        agency=None,
        framework=framework,
        code="QT-HT",
        title="Quy trình chứng thực bản sao",
        kind=Process.Kind.INTERNAL,
        procedure=None,
    )
    revision = InForceRevisionFactory(process=template)
    ProcessStepFactory(revision=revision, action="Tiếp nhận yêu cầu chứng thực")
    return template


def test_reviewer_creates_a_framework_and_its_first_template(client_as, reviewer, province):
    client = client_as(reviewer)
    client.post(
        reverse("procedures:framework_create"),
        {"province": province.pk, "name": "Mô hình khung cấp xã", "description": ""},
    )
    framework = FrameworkModel.objects.get()
    response = client.post(
        reverse("procedures:template_create", args=[framework.pk]),
        {"code": "QT-01", "title": "Kiểm soát thông tin dạng văn bản", "kind": "mandatory", "procedure": ""},
    )
    template = framework.templates.get()
    assert response["Location"] == reverse("procedures:revision_edit", args=[template.revisions.get().pk])


def test_publishing_needs_a_template_in_force(client_as, reviewer, province):
    framework = FrameworkModelFactory(province=province)
    client_as(reviewer).post(reverse("procedures:framework_publish", args=[framework.pk]))
    framework.refresh_from_db()
    assert framework.published_at is None


def test_secretaries_cannot_author_frameworks(client_as, secretary, province):
    assert client_as(secretary).get(reverse("procedures:framework_create")).status_code == 403


def test_unpublished_frameworks_are_hidden_from_agencies(client_as, secretary, province):
    framework = FrameworkModelFactory(province=province)
    assert client_as(secretary).get(framework.get_absolute_url()).status_code == 404


def test_another_provinces_framework_is_hidden(client_as, secretary, other_province):
    framework = FrameworkModelFactory(province=other_province, published_at=timezone.now())
    assert client_as(secretary).get(framework.get_absolute_url()).status_code == 404


def test_secretary_adopts_a_template_as_a_draft_of_the_agency(client_as, secretary, agency, published):
    response = client_as(secretary).post(
        reverse("procedures:template_adopt", args=[published.pk]), {"agency": agency.pk, "code": "QT-12"}
    )
    adopted = Process.objects.get(agency=agency)
    draft = adopted.revisions.get()
    assert response["Location"] == reverse("procedures:revision_edit", args=[draft.pk])
    assert (adopted.code, adopted.title, draft.status) == (
        "QT-12",
        "Quy trình chứng thực bản sao",
        Status.DRAFT,
    )
    assert list(draft.steps.values_list("action", flat=True)) == ["Tiếp nhận yêu cầu chứng thực"]
    assert adopted.adopted_from == published.revisions.get()


def test_an_adopted_process_shows_a_newer_template_revision(client_as, secretary, agency, published):
    client = client_as(secretary)
    client.post(
        reverse("procedures:template_adopt", args=[published.pk]), {"agency": agency.pk, "code": "QT-12"}
    )
    adopted = Process.objects.get(agency=agency)
    assert client.get(adopted.get_absolute_url()).context["newer_template"] is None
    old = published.revisions.get()
    old.status = Status.SUPERSEDED
    old.save()
    newer = InForceRevisionFactory(process=published, number=2)
    assert client.get(adopted.get_absolute_url()).context["newer_template"] == newer


def test_staff_cannot_adopt(client_as, staff_user, agency, published):
    response = client_as(staff_user).post(
        reverse("procedures:template_adopt", args=[published.pk]), {"agency": agency.pk, "code": "QT-12"}
    )
    assert response.status_code == 403
    assert not Process.objects.filter(agency=agency).exists()
