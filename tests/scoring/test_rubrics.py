"""Rubrics through the pages: create, edit, publish (refused with every problem), frozen once published,
copy to next year, .xlsx export and import, history, and who may see and change what."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from scoring import default_rubric, rules
from scoring.models import (
    Assessment,
    AssessmentEvent,
    AssessmentLine,
    Band,
    Criterion,
    CriterionGroup,
    LineEvidence,
    Metric,
    Rubric,
    Rule,
    Target,
)
from scoring.services import rubrics as service
from tests.factories import ProvinceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    """Messages are asserted word for word, in the source language the user can also choose."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def draft(province, reviewer):
    """The default rubric of 2026 as a draft of the reviewer's province."""
    return service.rubric_create(province=province, year=2026, name="Bộ tiêu chí 2026", acting_user=reviewer)


@pytest.fixture
def published(draft, reviewer):
    return service.publish(draft, reviewer)


def url(name: str, *args) -> str:
    return reverse(f"scoring:{name}", args=args)


def text_of(response) -> str:
    return response.content.decode()


def message_texts(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def criterion_post(criterion: Criterion, **changes) -> dict:
    data = {
        "group": criterion.group_id,
        "code": criterion.code,
        "text": criterion.text,
        "guidance": criterion.guidance,
        "max_points": str(criterion.max_points),
        "metric": criterion.metric,
        "rule": criterion.rule,
        "thresholds_text": " ; ".join(f"{at} → {worth}" for at, worth in criterion.thresholds),
        "order": criterion.order,
    }
    return {**data, **changes}


def bands_post(rows: list[tuple]) -> dict:
    """rows: (id or None, label, lower bound, inclusive, delete)."""
    data = {"bands-TOTAL_FORMS": len(rows), "bands-INITIAL_FORMS": sum(1 for row in rows if row[0])}
    data |= {"bands-MIN_NUM_FORMS": 0, "bands-MAX_NUM_FORMS": 1000}
    for index, (pk, label, bound, inclusive, delete) in enumerate(rows):
        data[f"bands-{index}-id"] = pk or ""
        data[f"bands-{index}-label"] = label
        data[f"bands-{index}-lower_bound"] = bound
        if inclusive:
            data[f"bands-{index}-inclusive"] = "on"
        if delete:
            data[f"bands-{index}-DELETE"] = "on"
    return data


def current_bands(rubric: Rubric) -> list[tuple]:
    return [
        (band.pk, band.label, str(band.lower_bound), band.inclusive, False) for band in rubric.bands.all()
    ]


def snapshot(rubric: Rubric) -> tuple:
    """Everything a rubric holds, comparable across rubrics."""
    rubric.refresh_from_db()
    groups = [(g.code, g.title, g.order) for g in rubric.groups.all()]
    criteria = [
        (
            c.group.code,
            c.code,
            c.text,
            c.guidance,
            c.max_points,
            c.metric,
            c.rule,
            [[Decimal(at), Decimal(worth)] for at, worth in c.thresholds],
            c.order,
        )
        for c in rubric.criteria.select_related("group")
    ]
    bands = sorted((b.label, b.lower_bound, b.inclusive) for b in rubric.bands.all())
    return (rubric.name, rubric.year, rubric.total, rubric.status), groups, criteria, bands


# --- creating ----------------------------------------------------------------------------------------------


def test_reviewer_creates_a_rubric_from_the_default(client_as, reviewer, province):
    client = client_as(reviewer)
    response = client.post(
        url("rubric_create"),
        {
            "province": province.pk,
            "name": "Bộ tiêu chí năm 2026",
            "year": 2026,
            "total": "100",
            "self_assessment_deadline": "15/11/2026",
            "start_from_default": "on",
        },
    )
    rubric = Rubric.objects.get()
    assert response.status_code == 302
    assert response.url == url("rubric_detail", rubric.pk)
    assert (rubric.province, rubric.year, rubric.status) == (province, 2026, Rubric.Status.DRAFT)
    assert rubric.self_assessment_deadline == datetime.date(2026, 11, 15)
    assert rubric.groups.count() == 8
    assert rubric.criteria.count() == 22
    assert [b.label for b in rubric.bands.all()] == ["Rất tốt", "Tốt", "Khá", "Trung bình", "Yếu"]
    page = text_of(client.get(rubric.get_absolute_url()))
    assert "Ready to publish" in page
    assert "≥ 80 and &lt; 90" in page
    assert "≥ 90 and ≤ 100" in page
    assert "≥ 0 and &lt; 50" in page
    assert "0.8 → 2; 0.9 → 4; 0.95 → 6; 0.98 → 8" not in page  # stored as typed in the default rubric
    assert "0.80 → 2; 0.90 → 4; 0.95 → 6; 0.98 → 8" in page


def test_the_create_form_offers_the_default_rubric_ticked(client_as, reviewer):
    response = client_as(reviewer).get(url("rubric_create"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["start_from_default"].value() is True
    assert form["name"].value() == default_rubric.NAME


def test_reviewer_creates_an_empty_rubric_and_is_told_what_it_lacks(client_as, reviewer, province):
    client = client_as(reviewer)
    client.post(
        url("rubric_create"), {"province": province.pk, "name": "Trống", "year": 2027, "total": "100"}
    )
    rubric = Rubric.objects.get(name="Trống")
    assert (rubric.groups.count(), rubric.criteria.count(), rubric.bands.count()) == (0, 0, 0)
    page = text_of(client.get(rubric.get_absolute_url()))
    assert "The rubric has no criteria." in page
    assert "The maxima add up to 0.00, not 100.00." in page
    assert "The rubric has no bands." in page


def test_a_second_rubric_with_the_same_name_and_year_is_refused(client_as, reviewer, province, draft):
    response = client_as(reviewer).post(
        url("rubric_create"), {"province": province.pk, "name": draft.name, "year": 2026, "total": "100"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        "The province already has a rubric named “Bộ tiêu chí 2026” for 2026."
    ]
    assert Rubric.objects.count() == 1


def test_only_reviewers_create_rubrics(client_as, secretary, national_viewer):
    assert client_as(secretary).get(url("rubric_create")).status_code == 403
    assert client_as(national_viewer).post(url("rubric_create"), {}).status_code == 403
    assert client_as(secretary).get(url("rubric_import")).status_code == 403


def test_anonymous_is_sent_to_the_login_page(client, draft):
    for address in (url("rubric_list"), url("rubric_detail", draft.pk), url("rubric_export", draft.pk)):
        response = client.get(address)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


# --- editing -----------------------------------------------------------------------------------------------


def test_reviewer_edits_the_rubric(client_as, reviewer, draft):
    response = client_as(reviewer).post(
        url("rubric_edit", draft.pk),
        {"name": "Bộ tiêu chí sửa", "year": 2026, "total": "98", "self_assessment_deadline": "01/12/2026"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.name, draft.total, draft.self_assessment_deadline) == (
        "Bộ tiêu chí sửa",
        Decimal(98),
        datetime.date(2026, 12, 1),
    )


def test_groups_are_added_edited_and_deleted(client_as, reviewer, draft):
    client = client_as(reviewer)
    response = client.post(
        url("group_create", draft.pk), {"code": "I", "title": "Đổi mới sáng tạo", "order": ""}
    )
    assert response.status_code == 302
    group = draft.groups.get(code="I")
    assert group.order == 9
    response = client.post(url("group_create", draft.pk), {"code": "I", "title": "Trùng", "order": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["The rubric already has a group with the code I."]
    client.post(url("group_edit", group.pk), {"code": "I", "title": "Cải tiến", "order": 9})
    group.refresh_from_db()
    assert group.title == "Cải tiến"
    page = text_of(client.get(draft.get_absolute_url()))
    assert "Group I. Cải tiến has no criteria." in page
    b = draft.groups.get(code="B")
    confirm = client.get(url("group_delete", b.pk))
    assert "B1" in text_of(confirm)
    assert client.post(url("group_delete", b.pk)).status_code == 302
    assert not draft.groups.filter(code="B").exists()
    assert not draft.criteria.filter(code__in=["B1", "B2", "B3"]).exists()


def test_criteria_are_added_edited_and_deleted(client_as, reviewer, draft):
    client = client_as(reviewer)
    group = draft.groups.get(code="H")
    response = client.post(
        url("criterion_create", draft.pk),
        {
            "group": group.pk,
            "code": "H3",
            "text": "Ứng dụng công nghệ thông tin",
            "guidance": "Kiểm tra phần mềm",
            "max_points": "2.5",
            "metric": Metric.TRAININGS,
            "rule": Rule.THRESHOLDS,
            "thresholds_text": "1 → 1; 3 → 2,5",
            "order": "",
        },
    )
    assert response.status_code == 302
    created = draft.criteria.get(code="H3")
    assert (created.group, created.max_points, created.order) == (group, Decimal("2.5"), 3)
    assert created.thresholds == [["1", "1"], ["3", "2.5"]]

    criterion = draft.criteria.get(code="A1")
    response = client.post(url("criterion_edit", criterion.pk), criterion_post(criterion, max_points="5.75"))
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.max_points == Decimal("5.75")

    assert client.post(url("criterion_delete", created.pk)).status_code == 302
    assert not draft.criteria.filter(code="H3").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"rule": ""}, "rule", "A criterion with a metric needs the rule that turns its value into points."),
        (
            {"metric": "", "rule": Rule.PROPORTIONAL},
            "metric",
            "Choose the metric the rule applies to, or no rule for a criterion the assessor scores.",
        ),
        ({"max_points": "2.3"}, "max_points", "Use steps of 0.25 points, e.g. 2, 2.5 or 2.75."),
        ({"max_points": "0"}, "max_points", "The maximum must be more than 0."),
        ({"code": "A2"}, "code", "The rubric already has a criterion with the code A2."),
        (
            {"rule": Rule.THRESHOLDS, "thresholds_text": "0.8 2"},
            "thresholds_text",
            "Write each threshold as “value → points”, e.g. “0.90 → 4”: 0.8 2",
        ),
        (
            {"rule": Rule.THRESHOLDS, "thresholds_text": ""},
            "thresholds_text",
            "The thresholds rule needs at least one threshold, e.g. “0.90 → 4”.",
        ),
        (
            {"rule": Rule.THRESHOLDS, "thresholds_text": "0.5 → 3; 1 → 7"},
            "thresholds_text",
            "A threshold earns 7 points, more than the maximum of 6.",
        ),
        (
            {"thresholds_text": "0.5 → 3"},
            "thresholds_text",
            "Thresholds apply only to the thresholds rule: clear them or choose it.",
        ),
    ],
)
def test_a_wrong_criterion_is_refused_with_the_reason_next_to_the_field(
    client_as, reviewer, draft, changes, field, message
):
    criterion = draft.criteria.get(code="A1")
    response = client_as(reviewer).post(
        url("criterion_edit", criterion.pk), criterion_post(criterion, **changes)
    )
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert response.context["form"]["code"].value() == changes.get("code", "A1")  # nothing typed is lost
    stored = Criterion.objects.get(pk=criterion.pk)
    assert (stored.code, stored.max_points, stored.metric, stored.rule) == (
        "A1",
        Decimal(6),
        "coverage",
        "proportional",
    )


def test_bands_are_edited_as_a_set(client_as, reviewer, draft):
    client = client_as(reviewer)
    rows = current_bands(draft)
    rows[1] = (rows[1][0], "Tốt", "85", False, False)  # "Tốt" now above 85
    rows[4] = (rows[4][0], "Yếu", "0", True, True)  # removed
    rows.append((None, "Kém", "0", True, False))
    rows.append((None, "", "", True, False))  # the blank row the page offers
    response = client.post(url("bands_edit", draft.pk), bands_post(rows))
    assert response.status_code == 302
    assert sorted((b.label, b.lower_bound, b.inclusive) for b in draft.bands.all()) == [
        ("Khá", Decimal(70), True),
        ("Kém", Decimal(0), True),
        ("Rất tốt", Decimal(90), True),
        ("Trung bình", Decimal(50), True),
        ("Tốt", Decimal(85), False),
    ]
    assert message_texts(response) == ["Bands saved."]
    page = text_of(client.get(draft.get_absolute_url()))
    assert "&gt; 85 and &lt; 90" in page
    assert "≥ 70 and ≤ 85" in page


def test_bands_with_a_gap_are_saved_with_a_warning(client_as, reviewer, draft):
    rows = [row if row[1] != "Yếu" else (row[0], "Yếu", "0", True, True) for row in current_bands(draft)]
    response = client_as(reviewer).post(url("bands_edit", draft.pk), bands_post(rows))
    assert response.status_code == 302
    assert message_texts(response) == [
        "Bands saved.",
        "Scores from 0 up to 50.00 fall in no band: the lowest band must start at 0, inclusive.",
    ]


def test_a_band_without_a_label_is_refused(client_as, reviewer, draft):
    rows = current_bands(draft)
    rows[0] = (rows[0][0], "", "90", True, False)
    response = client_as(reviewer).post(url("bands_edit", draft.pk), bands_post(rows))
    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors["label"] == ["This field is required."]
    assert draft.bands.filter(label="Rất tốt").exists()


def test_every_editor_page_opens_for_a_draft(client_as, reviewer, draft):
    client = client_as(reviewer)
    c1 = draft.criteria.get(code="C1")
    group = c1.group
    for address in (
        url("rubric_edit", draft.pk),
        url("rubric_delete", draft.pk),
        url("group_create", draft.pk),
        url("group_edit", group.pk),
        url("group_delete", group.pk),
        url("criterion_create", draft.pk) + f"?group={group.pk}",
        url("criterion_edit", c1.pk),
        url("criterion_delete", c1.pk),
        url("bands_edit", draft.pk),
        url("rubric_import"),
        url("rubric_history", draft.pk),
    ):
        assert client.get(address).status_code == 200, address
    form = client.get(url("criterion_edit", c1.pk)).context["form"]
    assert form["thresholds_text"].value() == "0.80 → 2; 0.90 → 4; 0.95 → 6; 0.98 → 8"
    assert client.get(url("criterion_create", draft.pk) + f"?group={group.pk}").context["form"][
        "group"
    ].value() == (group.pk)


def test_reviewer_deletes_a_draft_rubric(client_as, reviewer, draft):
    response = client_as(reviewer).post(url("rubric_delete", draft.pk))
    assert response.status_code == 302
    assert response.url == url("rubric_list")
    assert not Rubric.objects.exists()
    assert not Criterion.objects.exists()


def test_a_criterion_needs_a_group_first(client_as, reviewer, province):
    rubric = service.rubric_create(
        province=province, year=2026, name="Trống", from_default=False, acting_user=reviewer
    )
    response = client_as(reviewer).get(url("criterion_create", rubric.pk))
    assert response.status_code == 302
    assert response.url == url("group_create", rubric.pk)


# --- publishing --------------------------------------------------------------------------------------------


def publish_response(client, rubric):
    return client.post(url("rubric_publish", rubric.pk))


def test_publish_is_refused_when_the_maxima_do_not_add_up_to_the_total(client_as, reviewer, draft):
    client = client_as(reviewer)
    criterion = draft.criteria.get(code="A1")
    client.post(url("criterion_edit", criterion.pk), criterion_post(criterion, max_points="4"))
    response = publish_response(client, draft)
    assert response.status_code == 400
    assert response.context["errors"] == ["The maxima add up to 98.00, not 100.00."]
    assert "The maxima add up to 98.00, not 100.00." in text_of(response)
    draft.refresh_from_db()
    assert (draft.status, draft.published_at) == (Rubric.Status.DRAFT, None)


def test_publish_is_refused_for_a_gap_below_the_lowest_band(client_as, reviewer, draft):
    client = client_as(reviewer)
    rows = [row if row[1] != "Yếu" else (row[0], "Yếu", "0", True, True) for row in current_bands(draft)]
    client.post(url("bands_edit", draft.pk), bands_post(rows))
    response = publish_response(client, draft)
    assert response.status_code == 400
    assert response.context["errors"] == [
        "Scores from 0 up to 50.00 fall in no band: the lowest band must start at 0, inclusive."
    ]
    assert Rubric.objects.get(pk=draft.pk).status == Rubric.Status.DRAFT


def test_publish_is_refused_for_overlapping_bands(client_as, reviewer, draft):
    client = client_as(reviewer)
    rows = [row if row[1] != "Khá" else (row[0], "Khá", "80", True, False) for row in current_bands(draft)]
    client.post(url("bands_edit", draft.pk), bands_post(rows))
    response = publish_response(client, draft)
    assert response.status_code == 400
    assert response.context["errors"] == ["Bands “Tốt” and “Khá” both start at 80.00 and overlap."]


def test_publish_is_refused_when_the_lowest_band_excludes_zero(client_as, reviewer, draft):
    client = client_as(reviewer)
    rows = [row if row[1] != "Yếu" else (row[0], "Yếu", "0", False, False) for row in current_bands(draft)]
    client.post(url("bands_edit", draft.pk), bands_post(rows))
    response = publish_response(client, draft)
    assert response.status_code == 400
    assert response.context["errors"] == [
        "A total of 0 falls in no band: the lowest band must start at 0, inclusive."
    ]


def test_exclusive_lower_bounds_publish_and_read_as_ranges(client_as, reviewer, draft):
    client = client_as(reviewer)
    rows = [
        (pk, label, bound, label == "Yếu", False)
        for pk, label, bound, _inclusive, _delete in current_bands(draft)
    ]
    client.post(url("bands_edit", draft.pk), bands_post(rows))
    response = publish_response(client, draft)
    assert response.status_code == 302
    page = text_of(client.get(draft.get_absolute_url()))
    assert "&gt; 90 and ≤ 100" in page
    assert "&gt; 80 and ≤ 90" in page
    assert "≥ 0 and ≤ 50" in page


def test_publish_lists_every_problem_at_once(client_as, reviewer, draft):
    CriterionGroup.objects.create(rubric=draft, code="I", title="Nhóm trống", order=9)
    Criterion.objects.filter(rubric=draft, code="B2").update(thresholds=[])
    Criterion.objects.filter(rubric=draft, code="C1").update(thresholds=[["0.8", "2"], ["0.9", "9"]])
    Criterion.objects.filter(rubric=draft, code="D1").update(rule="bonus")
    draft.bands.filter(label="Yếu").delete()
    response = publish_response(client_as(reviewer), draft)
    assert response.status_code == 400
    assert response.context["errors"] == [
        "Group I. Nhóm trống has no criteria.",
        "Criterion B2 uses the thresholds rule but has no thresholds.",
        "A threshold of criterion C1 earns 9 points, more than its maximum of 8.",
        "Criterion D1 has a metric but no valid rule.",
        "Scores from 0 up to 50.00 fall in no band: the lowest band must start at 0, inclusive.",
    ]
    page = text_of(response)
    for problem in response.context["errors"]:
        assert problem in page
    assert Rubric.objects.get(pk=draft.pk).status == Rubric.Status.DRAFT


def test_publishing_freezes_the_rubric(client_as, reviewer, draft):
    response = publish_response(client_as(reviewer), draft)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Rubric.Status.PUBLISHED
    assert draft.published_by == reviewer
    assert draft.published_at is not None
    assert message_texts(response) == [
        "Rubric published: it is now frozen, and agencies can be scored against it."
    ]


# --- frozen once published ---------------------------------------------------------------------------------


def test_a_published_rubric_refuses_every_change(client_as, reviewer, published):
    client = client_as(reviewer)
    before = snapshot(published)
    group = published.groups.get(code="A")
    criterion = published.criteria.get(code="A1")
    attempts = [
        (url("rubric_edit", published.pk), {"name": "Khác", "year": 2026, "total": "100"}),
        (url("group_create", published.pk), {"code": "I", "title": "Mới", "order": ""}),
        (url("group_edit", group.pk), {"code": "A", "title": "Khác", "order": 1}),
        (url("group_delete", group.pk), {}),
        (url("criterion_create", published.pk), criterion_post(criterion, code="A9")),
        (url("criterion_edit", criterion.pk), criterion_post(criterion, max_points="1")),
        (url("criterion_delete", criterion.pk), {}),
        (url("bands_edit", published.pk), bands_post([])),
        (url("rubric_publish", published.pk), {}),
        (url("rubric_delete", published.pk), {}),
    ]
    for address, data in attempts:
        response = client.post(address, data)
        assert response.status_code == 403, address
        assert "This rubric is published and frozen: copy it to next year to change it." in text_of(response)
    assert client.get(url("rubric_edit", published.pk)).status_code == 403
    assert snapshot(published) == before


def test_the_services_refuse_a_published_rubric_too(reviewer, published):
    criterion = published.criteria.get(code="A1")
    calls = [
        lambda: service.rubric_update(
            rubric=published,
            name="X",
            year=2026,
            total=Decimal(100),
            self_assessment_deadline=None,
            acting_user=reviewer,
        ),
        lambda: service.group_create(rubric=published, code="Z", title="Z", acting_user=reviewer),
        lambda: service.criterion_delete(criterion=criterion, acting_user=reviewer),
        lambda: service.bands_save(rubric=published, bands=[], acting_user=reviewer),
        lambda: service.publish(published, reviewer),
    ]
    for call in calls:
        with pytest.raises(ValidationError):
            call()
    assert published.criteria.filter(code="A1").exists()
    assert published.bands.count() == 5


def test_a_published_rubric_shows_no_editing_buttons(client_as, reviewer, published):
    page = text_of(client_as(reviewer).get(published.get_absolute_url()))
    assert url("criterion_create", published.pk) not in page
    assert url("rubric_edit", published.pk) not in page
    assert url("rubric_copy", published.pk) in page
    assert "To publish this draft" not in page


# --- copy to next year -------------------------------------------------------------------------------------


def test_copy_to_next_year_starts_a_draft_with_the_same_content(client_as, reviewer, published):
    published.self_assessment_deadline = datetime.date(2026, 11, 15)
    published.save()
    client = client_as(reviewer)
    response = client.post(url("rubric_copy", published.pk))
    copy = Rubric.objects.get(year=2027)
    assert response.status_code == 302
    assert response.url == url("rubric_detail", copy.pk)
    assert (copy.status, copy.copied_from, copy.province, copy.name) == (
        Rubric.Status.DRAFT,
        published,
        published.province,
        published.name,
    )
    assert copy.self_assessment_deadline == datetime.date(2027, 11, 15)
    _own, groups, criteria, bands = snapshot(copy)
    assert (groups, criteria, bands) == snapshot(published)[1:]
    # The copy is editable, the original still frozen.
    criterion = copy.criteria.get(code="A1")
    assert (
        client.post(
            url("criterion_edit", criterion.pk), criterion_post(criterion, max_points="5")
        ).status_code
        == 302
    )
    assert published.criteria.get(code="A1").max_points == Decimal(6)
    assert "copy of" in text_of(client.get(copy.get_absolute_url()))


def test_copy_to_a_year_that_has_the_name_already_is_refused(client_as, reviewer, published):
    client = client_as(reviewer)
    client.post(url("rubric_copy", published.pk))
    response = client.post(url("rubric_copy", published.pk))
    assert response.status_code == 400
    assert response.context["errors"] == [
        "2027 already has a rubric named “Bộ tiêu chí 2026”: open it, or rename it before copying again."
    ]
    assert Rubric.objects.filter(year=2027).count() == 1


def test_copy_moves_a_29_february_deadline_to_28_february(reviewer, province):
    rubric = service.rubric_create(
        province=province,
        year=2028,
        name="Nhuận",
        self_assessment_deadline=datetime.date(2028, 2, 29),
        acting_user=reviewer,
    )
    assert service.copy_to_next_year(rubric, reviewer).self_assessment_deadline == datetime.date(2029, 2, 28)


# --- export and import -------------------------------------------------------------------------------------


def import_post(client, content: bytes, *, name="Nhập khẩu", year=2027, total="100", filename="rubric.xlsx"):
    return client.post(
        url("rubric_import"),
        {"file": SimpleUploadedFile(filename, content), "name": name, "year": year, "total": total},
    )


def test_export_has_a_criteria_and_a_bands_sheet(client_as, secretary, published):
    response = client_as(secretary).get(url("rubric_export", published.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="rubric-HY-2026-{published.pk}.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["criteria", "bands"]
    criteria = list(workbook["criteria"].iter_rows(values_only=True))
    assert criteria[0] == (
        "Group code (group_code)",
        "Group title (group_title)",
        "Criterion code (code)",
        "Criterion (text)",
        "Guidance (guidance)",
        "Maximum points (max_points)",
        "Metric (metric)",
        "Rule (rule)",
        "Thresholds (thresholds)",
    )
    c1 = next(row for row in criteria if row[2] == "C1")
    assert c1[0:2] == ("C", "Vận hành hệ thống")
    assert c1[5:] == (8, "ontime_rate", "thresholds", "0.80 → 2; 0.90 → 4; 0.95 → 6; 0.98 → 8")
    assert len(criteria) == 23
    bands = list(workbook["bands"].iter_rows(values_only=True))
    assert bands[0] == ("Band (label)", "Lower bound (lower_bound)", "Lower bound inclusive (inclusive)")
    assert bands[1:] == [
        ("Rất tốt", 90, "yes"),
        ("Tốt", 80, "yes"),
        ("Khá", 70, "yes"),
        ("Trung bình", 50, "yes"),
        ("Yếu", 0, "yes"),
    ]


def test_export_then_import_gives_the_same_rubric(client_as, reviewer, draft):
    client = client_as(reviewer)
    # What a spreadsheet could mangle: a formula-like guidance, a quarter point, an empty group,
    # an exclusive bound, a decimal bound.
    criterion = draft.criteria.get(code="A4")
    client.post(
        url("criterion_edit", criterion.pk),
        criterion_post(criterion, guidance="- Kiểm tra 3 quy trình\n= mẫu\n+ hồ sơ", max_points="2.75"),
    )
    criterion = draft.criteria.get(code="H1")
    client.post(url("criterion_edit", criterion.pk), criterion_post(criterion, max_points="3.25"))
    client.post(url("group_create", draft.pk), {"code": "Z", "title": "Nhóm để trống", "order": ""})
    rows = current_bands(draft)
    rows[1] = (rows[1][0], "Tốt", "80.5", False, False)
    client.post(url("bands_edit", draft.pk), bands_post(rows))

    exported = client.get(url("rubric_export", draft.pk)).content
    response = import_post(client, exported, name=draft.name, year=2030)
    imported = Rubric.objects.get(year=2030)
    assert response.status_code == 302
    assert response.url == url("rubric_detail", imported.pk)
    assert message_texts(response)[-1] == (
        "Imported as a draft: 9 groups, 22 criteria, 5 bands. Check it, then publish it."
    )
    original, copy = snapshot(draft), snapshot(imported)
    assert copy[0] == (draft.name, 2030, Decimal(100), Rubric.Status.DRAFT)
    assert copy[1:] == original[1:]
    assert imported.criteria.get(code="A4").guidance == "- Kiểm tra 3 quy trình\n= mẫu\n+ hồ sơ"
    # Exported again, the file is the same.
    again = load_workbook(io.BytesIO(client.get(url("rubric_export", imported.pk)).content))
    first = load_workbook(io.BytesIO(exported))
    assert list(again["bands"].iter_rows(values_only=True)) == list(
        first["bands"].iter_rows(values_only=True)
    )

    def readable(workbook):
        # The default rubric writes its thresholds as "0.80"; once read they are numbers, "0.8".
        rows = list(workbook["criteria"].iter_rows(values_only=True))[1:]
        return [(*row[:8], rules.parse_thresholds(row[8] or "")) for row in rows]

    assert readable(again) == readable(first)


def workbook_bytes(
    criteria_rows: list, band_rows: list, *, criteria_sheet="criteria", bands_sheet="bands"
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = criteria_sheet
    sheet.append(
        [
            "group_code",
            "group_title",
            "code",
            "text",
            "guidance",
            "max_points",
            "metric",
            "rule",
            "thresholds",
        ]
    )
    for row in criteria_rows:
        sheet.append(row)
    bands = workbook.create_sheet(bands_sheet)
    bands.append(["label", "lower_bound", "inclusive"])
    for row in band_rows:
        bands.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD_BANDS = [["Đạt", 50, "yes"], ["Không đạt", 0, "có"]]


def test_import_lists_every_bad_row_and_saves_nothing(client_as, reviewer):
    content = workbook_bytes(
        [
            ["A", "Tài liệu", "A1", "Phạm vi", "", 6, "coverage", "proportional", ""],  # row 2 fine
            ["A", "", "A2", "Chính sách", "", "sáu", "", "", ""],  # 3 bad number
            ["A", "", "A1", "Trùng mã", "", 2, "", "", ""],  # 4 duplicate code
            ["B", "Lãnh đạo", "B1", "", "", 3, "", "", ""],  # 5 missing text
            ["B", "", "B2", "Họp", "", 4, "meetings", "thresholds", "1 → 2"],  # 6 unknown metric
            ["B", "", "B3", "Đào tạo", "", 3, "trainings", "bonus", ""],  # 7 unknown rule
            ["C", "Vận hành", "C1", "Đúng hạn", "", 8, "ontime_rate", "", ""],  # 8 metric without rule
            ["C", "", "C2", "Đúng hạn", "", 8, "ontime_rate", "thresholds", "0.8 2"],  # 9 bad thresholds
            ["C", "", "C3", "Mục tiêu", "", 2.3, "", "", ""],  # 10 not in quarter points
            ["", "", "C4", "Không nhóm", "", 1, "", "", ""],  # 11 no group
            ["D", "Đánh giá", "D1", "Đánh giá nội bộ", "", 6, "internal_audit_held", "yes_no", "1 → 2"],  # 12
            ["C", "Tên khác", "C5", "Khác", "", 1, "", "", ""],  # 13 group titled differently
            [
                "B",
                "",
                "B4",
                "Ngưỡng",
                "",
                2,
                "steering_meetings",
                "thresholds",
                "1 → 2; 2 → 3",
            ],  # 14 above max
        ],
        [["Đạt", "năm mươi", "yes"], ["", 0, "yes"], ["Không đạt", 0, "maybe"]],
    )
    response = import_post(client_as(reviewer), content)
    assert response.status_code == 400
    criteria_errors = {e.row: e.message for e in response.context["errors"] if "“criteria”" in e.message}
    assert criteria_errors == {
        3: "sheet “criteria”: “sáu” is not a number of points",
        4: "sheet “criteria”: code A1 already appears in row 2",
        5: "sheet “criteria”: Enter the criterion.",
        6: "sheet “criteria”: unknown metric “meetings” (use " + ", ".join(Metric.values) + ")",
        7: "sheet “criteria”: unknown rule “bonus” (use proportional, yes_no, thresholds)",
        8: "sheet “criteria”: A criterion with a metric needs the rule that turns its value into points.",
        9: "sheet “criteria”: thresholds: Write each threshold as “value → points”, e.g. “0.90 → 4”: 0.8 2",
        10: "sheet “criteria”: Use steps of 0.25 points, e.g. 2, 2.5 or 2.75.",
        11: "sheet “criteria”: the group code is empty",
        12: "sheet “criteria”: Thresholds apply only to the thresholds rule: clear them or choose it.",
        13: "sheet “criteria”: group C is titled “Vận hành” in row 8",
        14: "sheet “criteria”: A threshold earns 3 points, more than the maximum of 2.",
    }
    # The bands sheet's rows are listed after the criteria's, with their own row numbers.
    band_errors = [error for error in response.context["errors"] if "“bands”" in error.message]
    assert [(error.row, error.message) for error in band_errors] == [
        (2, "sheet “bands”: “năm mươi” is not a number"),
        (3, "sheet “bands”: the band label is empty"),
        (4, "sheet “bands”: write yes or no for an inclusive lower bound, not “maybe”"),
    ]
    assert "Nothing was saved: 15 rows have errors." in text_of(response)
    assert Rubric.objects.count() == 0
    assert CriterionGroup.objects.count() == Criterion.objects.count() == Band.objects.count() == 0


def test_import_of_a_file_without_the_bands_sheet_is_refused(client_as, reviewer):
    content = workbook_bytes(
        [["A", "Nhóm", "A1", "Tiêu chí", "", 100, "", "", ""]], [], bands_sheet="thang điểm"
    )
    response = import_post(client_as(reviewer), content)
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["The spreadsheet has no sheet named “bands”."]
    assert Rubric.objects.count() == 0


def test_import_under_a_name_already_used_is_refused(client_as, reviewer, draft):
    content = workbook_bytes([["A", "Nhóm", "A1", "Tiêu chí", "", 100, "", "", ""]], GOOD_BANDS)
    response = import_post(client_as(reviewer), content, name=draft.name, year=draft.year)
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        "The province already has a rubric named “Bộ tiêu chí 2026” for 2026."
    ]
    assert Rubric.objects.count() == 1


def test_import_accepts_labels_groups_without_criteria_and_publishes(client_as, reviewer, province):
    content = workbook_bytes(
        [
            [
                "A",
                "Tài liệu",
                "A1",
                "Phạm vi",
                "",
                60,
                "Procedures covered by a process in force",
                "Proportional",
                "",
            ],
            [
                "B",
                "Hoạt động",
                "B1",
                "Họp",
                "Biên bản",
                "40",
                "steering_meetings",
                "thresholds",
                "1 → 20; 2 → 40",
            ],
        ],
        GOOD_BANDS,
    )
    client = client_as(reviewer)
    response = import_post(client, content, name="Bộ rút gọn")
    rubric = Rubric.objects.get(name="Bộ rút gọn")
    assert response.status_code == 302
    assert rubric.province == province
    a1, b1 = rubric.criteria.order_by("code")
    assert (a1.metric, a1.rule, a1.max_points) == (Metric.COVERAGE, Rule.PROPORTIONAL, Decimal(60))
    assert (b1.guidance, b1.thresholds) == ("Biên bản", [["1", "20"], ["2", "40"]])
    assert [(b.label, b.inclusive) for b in rubric.bands.all()] == [("Đạt", True), ("Không đạt", True)]
    assert client.post(url("rubric_publish", rubric.pk)).status_code == 302


def test_the_import_template_is_the_default_rubric(client_as, reviewer):
    response = client_as(reviewer).get(url("rubric_import_template"))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    criteria = list(workbook["criteria"].iter_rows(values_only=True))[1:]
    assert [row[2] for row in criteria][:3] == ["A1", "A2", "A3"]
    assert sum(Decimal(str(row[5])) for row in criteria) == Decimal(100)
    assert len(list(workbook["bands"].iter_rows(values_only=True))) == 6
    # And it imports as it is.
    assert import_post(client_as(reviewer), response.content).status_code == 302


# --- who sees what -----------------------------------------------------------------------------------------


def test_a_reviewer_of_another_province_finds_nothing(client_as, foreign_reviewer, draft, reviewer):
    client = client_as(foreign_reviewer)
    criterion = draft.criteria.first()
    for address in (
        url("rubric_detail", draft.pk),
        url("rubric_edit", draft.pk),
        url("rubric_export", draft.pk),
        url("rubric_history", draft.pk),
        url("criterion_edit", criterion.pk),
        url("group_edit", criterion.group_id),
    ):
        assert client.get(address).status_code == 404, address
    assert client.post(url("rubric_publish", draft.pk)).status_code == 404
    service.publish(draft, reviewer)
    assert client.get(url("rubric_detail", draft.pk)).status_code == 404
    assert client.post(url("rubric_copy", draft.pk)).status_code == 404


@pytest.mark.parametrize("role", ["staff_user", "secretary", "leader", "national_viewer"])
def test_a_draft_is_not_found_by_agency_users_or_national_viewers(request, client_as, draft, role):
    client = client_as(request.getfixturevalue(role))
    assert client.get(url("rubric_detail", draft.pk)).status_code == 404
    assert client.get(url("rubric_export", draft.pk)).status_code == 404
    assert draft.name not in text_of(client.get(url("rubric_list")))


def test_a_secretary_reads_the_published_rubric_but_cannot_change_it(client_as, secretary, published):
    client = client_as(secretary)
    response = client.get(url("rubric_detail", published.pk))
    assert response.status_code == 200
    assert "Phạm vi áp dụng bao gồm toàn bộ TTHC" in text_of(response)
    assert url("rubric_copy", published.pk) not in text_of(response)
    criterion = published.criteria.first()
    assert client.get(url("rubric_edit", published.pk)).status_code == 403
    assert client.post(url("rubric_copy", published.pk)).status_code == 403
    assert client.post(url("criterion_delete", criterion.pk)).status_code == 403
    assert client.post(url("bands_edit", published.pk), bands_post([])).status_code == 403
    assert Rubric.objects.count() == 1
    assert published.criteria.filter(pk=criterion.pk).exists()


def test_a_national_viewer_reads_published_rubrics_of_every_province(client_as, national_viewer, published):
    other = service.rubric_create(
        province=ProvinceFactory(code="HN", name="Thành phố Hà Nội"),
        year=2026,
        name="Hà Nội",
        acting_user=None,
    )
    service.publish(other, None)
    client = client_as(national_viewer)
    page = text_of(client.get(url("rubric_list")))
    assert published.name in page and "Hà Nội" in page
    assert client.get(url("rubric_detail", other.pk)).status_code == 200
    assert client.post(url("rubric_copy", other.pk)).status_code == 403


# --- the list ----------------------------------------------------------------------------------------------


def test_the_list_searches_filters_and_exports(client_as, reviewer, secretary, province, published):
    service.rubric_create(province=province, year=2027, name="Bộ tiêu chí thí điểm", acting_user=reviewer)
    client = client_as(reviewer)
    names = lambda response: [rubric.name for rubric in response.context["page_obj"]]  # noqa: E731
    assert names(client.get(url("rubric_list"))) == ["Bộ tiêu chí thí điểm", "Bộ tiêu chí 2026"]
    assert names(client.get(url("rubric_list"), {"q": "thi DIEM"})) == ["Bộ tiêu chí thí điểm"]
    assert names(client.get(url("rubric_list"), {"year": "2026"})) == ["Bộ tiêu chí 2026"]
    assert names(client.get(url("rubric_list"), {"status": "draft"})) == ["Bộ tiêu chí thí điểm"]
    assert names(client_as(secretary).get(url("rubric_list"))) == ["Bộ tiêu chí 2026"]
    response = client.get(url("rubric_list"), {"export": "xlsx", "status": "published"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Province", "Year", "Name", "Status")
    assert rows[1][:7] == ("Tỉnh Hưng Yên", 2026, "Bộ tiêu chí 2026", "Published", 100, 100, 22)
    assert len(rows) == 2


def test_the_list_query_count_does_not_grow_with_the_rubrics(
    client_as, reviewer, province, django_assert_num_queries
):
    client = client_as(reviewer)
    for year in (2020, 2021):
        service.rubric_create(province=province, year=year, name=f"Bộ {year}", acting_user=reviewer)
    # Expect 6 queries: session, user, memberships (grants), rubrics with their counts, the provinces
    # seen, the years.
    with django_assert_num_queries(6):
        assert len(client.get(url("rubric_list")).context["page_obj"]) == 2
    for year in range(2000, 2012):
        service.rubric_create(
            province=province, year=year, name=f"Bộ {year}", from_default=False, acting_user=reviewer
        )
    with django_assert_num_queries(6):
        assert len(client.get(url("rubric_list")).context["page_obj"]) == 14


def test_the_rubric_page_query_count_does_not_grow_with_the_criteria(
    client_as, reviewer, draft, django_assert_num_queries
):
    client = client_as(reviewer)
    # Expect 8 queries: session, user, memberships (grants), the rubric (within the provinces seen and
    # overseen), its groups, its criteria, its bands, the copies made of it.
    with django_assert_num_queries(8):
        assert client.get(url("rubric_detail", draft.pk)).status_code == 200
    group = draft.groups.get(code="H")
    for number in range(3, 20):
        Criterion.objects.create(rubric=draft, group=group, code=f"H{number}", text="Thêm", max_points=1)
    with django_assert_num_queries(8):
        assert client.get(url("rubric_detail", draft.pk)).status_code == 200


def test_the_history_page_query_count_does_not_grow_with_the_changes(
    client_as, reviewer, draft, django_assert_num_queries
):
    client = client_as(reviewer)
    # Expect 8 queries: session, user, memberships, the rubric, then the history records (with their
    # users) of the rubric, its groups, its criteria and its bands.
    with django_assert_num_queries(8):
        assert client.get(url("rubric_history", draft.pk)).status_code == 200
    for criterion in draft.criteria.all():
        client.post(url("criterion_edit", criterion.pk), criterion_post(criterion, guidance="Xem hồ sơ"))
    with django_assert_num_queries(8):
        response = client.get(url("rubric_history", draft.pk))
    assert (
        sum(1 for entry in response.context["page_obj"].paginator.object_list if entry.action == "changed")
        == 22
    )


# --- history -----------------------------------------------------------------------------------------------


def test_the_history_lists_who_changed_what(client_as, reviewer, draft):
    client = client_as(reviewer)
    criterion = draft.criteria.get(code="A1")
    client.post(url("criterion_edit", criterion.pk), criterion_post(criterion, max_points="4.5"))
    client.post(url("rubric_edit", draft.pk), {"name": "Bộ mới", "year": 2026, "total": "98.5"})
    rows = current_bands(draft)
    rows[0] = (rows[0][0], "Xuất sắc", "90", True, False)
    client.post(url("bands_edit", draft.pk), bands_post(rows))
    response = client.get(url("rubric_history", draft.pk))
    assert response.status_code == 200
    entries = list(response.context["page_obj"])
    latest = entries[:3]
    assert [(entry.subject, entry.action) for entry in latest] == [
        ("Band “Xuất sắc”", "changed"),
        ("Rubric", "changed"),
        ("Criterion A1", "changed"),
    ]
    assert [(c.field, c.before, c.after) for c in latest[2].changes] == [("maximum points", "6", "4.5")]
    assert [(c.field, c.before, c.after) for c in latest[1].changes] == [
        ("name", "Bộ tiêu chí 2026", "Bộ mới"),
        ("total points", "100", "98.5"),
    ]
    assert {entry.who for entry in entries} == {reviewer}
    # The creation of every part is there too.
    assert sum(1 for entry in entries if entry.action == "created") == 1 + 8 + 22 + 5
    page = text_of(response)
    assert "Criterion A1" in page and "4.5" in page


def test_the_history_keeps_deleted_parts(client_as, reviewer, draft):
    client = client_as(reviewer)
    client.post(url("criterion_delete", draft.criteria.get(code="H2").pk))
    entries = list(client.get(url("rubric_history", draft.pk)).context["page_obj"])
    assert (entries[0].subject, entries[0].action, entries[0].who) == ("Criterion H2", "deleted", reviewer)


# --- navigation --------------------------------------------------------------------------------------------


def test_every_user_finds_rubrics_in_the_scoring_menu(client_as, staff_user):
    page = text_of(client_as(staff_user).get(reverse("home")))
    assert "Scoring" in page
    assert url("rubric_list") in page


# --- administration ----------------------------------------------------------------------------------------


def test_the_admin_lists_and_opens_every_scoring_model(client_as, draft):
    admin_user = UserFactory(username="quantri", is_staff=True, is_superuser=True)
    client = client_as(admin_user)
    for model in (
        Rubric,
        CriterionGroup,
        Criterion,
        Band,
        Assessment,
        AssessmentLine,
        LineEvidence,
        AssessmentEvent,
        Target,
    ):
        address = reverse(f"admin:scoring_{model._meta.model_name}_changelist")
        assert client.get(address).status_code == 200, address
    for name, pk in (
        ("rubric", draft.pk),
        ("criteriongroup", draft.groups.first().pk),
        ("criterion", draft.criteria.first().pk),
    ):
        assert client.get(reverse(f"admin:scoring_{name}_change", args=[pk])).status_code == 200
    assert client.get(reverse("admin:scoring_rubric_history", args=[draft.pk])).status_code == 200
