"""Steering committee meetings and trainings through HTTP: record, correct, attach minutes, download."""

import datetime
import io
import zipfile
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from audits.models import Activity
from tests.factories import ActivityFactory, AgencyFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 21)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def pdf_bytes() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def activity_data(**overrides) -> dict:
    return {
        "kind": "meeting",
        "held_on": "15/11/2026",
        "topic": "Họp Ban chỉ đạo ISO: kết quả đánh giá nội bộ",
        "participants": "Chủ tịch UBND xã, các thành viên Ban chỉ đạo",
        "participant_count": "9",
        **overrides,
    }


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()]


@pytest.fixture
def meeting(agency):
    activity = ActivityFactory(
        agency=agency, topic="Họp Ban chỉ đạo ISO quý III", held_on=datetime.date(2026, 9, 1)
    )
    activity.file.save("bien-ban.pdf", ContentFile(pdf_bytes()), save=True)
    return activity


# --- create ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [("bien-ban.pdf", pdf_bytes()), ("bien-ban.docx", docx_bytes()), ("diem-danh.xlsx", xlsx_bytes())],
)
def test_secretary_records_a_meeting_with_its_minutes(
    client_as, secretary, staff_user, agency, name, content
):
    data = activity_data(file=SimpleUploadedFile(name, content))
    response = client_as(secretary).post(reverse("audits:activity_create"), data)
    assert response.status_code == 302
    assert response.url == f"{reverse('audits:activity_list')}?agency={agency.pk}"
    activity = Activity.objects.get()
    assert (
        activity.agency,
        activity.kind,
        activity.held_on,
        activity.participant_count,
        activity.created_by,
    ) == (
        agency,
        Activity.Kind.MEETING,
        datetime.date(2026, 11, 15),
        9,
        secretary,
    )
    assert activity.topic == "Họp Ban chỉ đạo ISO: kết quả đánh giá nội bộ"
    assert activity.participants == "Chủ tịch UBND xã, các thành viên Ban chỉ đạo"
    download = client_as(staff_user).get(reverse("audits:activity_file", args=[activity.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert f'filename="{name}"' in download["Content-Disposition"]


def test_a_training_without_a_file_is_recorded(client_as, secretary, agency):
    response = client_as(secretary).post(
        reverse("audits:activity_create"),
        activity_data(kind="training", topic="Tập huấn TCVN ISO 9001:2015", participant_count=""),
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.kind, activity.participant_count, bool(activity.file)) == (
        Activity.Kind.TRAINING,
        None,
        False,
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bien-ban.pdf", b"MZ\x90\x00 an executable"),
        ("bien-ban.docx", xlsx_bytes()),
        ("diem-danh.xlsx", b"%PDF-1.4 not a workbook"),
        ("bien-ban.html", b"<script>alert(1)</script>"),
    ],
)
def test_a_wrong_upload_is_refused(client_as, secretary, media, name, content):
    response = client_as(secretary).post(
        reverse("audits:activity_create"), activity_data(file=SimpleUploadedFile(name, content))
    )
    assert response.status_code == 400
    assert "file" in response.context["form"].errors
    assert "Họp Ban chỉ đạo ISO: kết quả đánh giá nội bộ" in response.content.decode()
    assert not Activity.objects.exists()
    assert stored_files(media) == []


def test_an_oversized_file_is_refused(client_as, secretary, settings):
    settings.QMS_UPLOAD_MAX_BYTES = 100
    response = client_as(secretary).post(
        reverse("audits:activity_create"),
        activity_data(file=SimpleUploadedFile("bien-ban.pdf", pdf_bytes() + b" " * 200)),
    )
    assert response.status_code == 400
    assert not Activity.objects.exists()


def test_a_future_date_is_refused(client_as, secretary):
    response = client_as(secretary).post(
        reverse("audits:activity_create"), activity_data(held_on="22/11/2026")
    )
    assert response.status_code == 400
    assert "held_on" in response.context["form"].errors
    assert not Activity.objects.exists()


def test_today_is_accepted(client_as, secretary):
    client_as(secretary).post(reverse("audits:activity_create"), activity_data(held_on="21/11/2026"))
    assert Activity.objects.get().held_on == TODAY


@pytest.mark.parametrize(
    ("field", "value"), [("topic", "   "), ("participant_count", "0"), ("kind", "party"), ("held_on", "")]
)
def test_missing_or_wrong_values_are_refused(client_as, secretary, field, value):
    response = client_as(secretary).post(reverse("audits:activity_create"), activity_data(**{field: value}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Activity.objects.exists()


def test_staff_cannot_record_an_activity(client_as, staff_user):
    client = client_as(staff_user)
    assert client.get(reverse("audits:activity_create")).status_code == 403
    assert client.post(reverse("audits:activity_create"), activity_data()).status_code == 403
    assert not Activity.objects.exists()


def test_the_agency_comes_from_the_page_it_was_started_on(client_as, secretary, agency, foreign_agency):
    client = client_as(secretary)
    url = reverse("audits:activity_create")
    assert client.get(f"{url}?agency={agency.pk}").status_code == 200
    assert client.post(f"{url}?agency={foreign_agency.pk}", activity_data()).status_code == 404
    assert not Activity.objects.exists()


# --- edit -----------------------------------------------------------------------------------------


def test_secretary_corrects_an_activity_and_replaces_its_file(client_as, secretary, meeting):
    url = reverse("audits:activity_edit", args=[meeting.pk])
    client = client_as(secretary)
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="01/09/2026"' in page.content.decode()
    response = client.post(
        url,
        activity_data(
            held_on="02/09/2026",
            participant_count="11",
            file=SimpleUploadedFile("diem-danh.xlsx", xlsx_bytes()),
        ),
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.held_on, meeting.participant_count) == (datetime.date(2026, 9, 2), 11)
    assert meeting.file.name.endswith("diem-danh.xlsx")
    assert meeting.history.first().history_user == secretary


def test_editing_without_a_new_file_keeps_the_current_one(client_as, secretary, meeting):
    name = meeting.file.name
    client_as(secretary).post(reverse("audits:activity_edit", args=[meeting.pk]), activity_data())
    meeting.refresh_from_db()
    assert meeting.file.name == name


def test_the_file_can_be_removed(client_as, secretary, meeting):
    client_as(secretary).post(
        reverse("audits:activity_edit", args=[meeting.pk]), activity_data(remove_file="on")
    )
    meeting.refresh_from_db()
    assert not meeting.file


def test_a_refused_edit_changes_nothing(client_as, secretary, meeting):
    name = meeting.file.name
    response = client_as(secretary).post(
        reverse("audits:activity_edit", args=[meeting.pk]),
        activity_data(held_on="30/11/2026", file=SimpleUploadedFile("x.pdf", b"not a pdf")),
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"held_on", "file"}
    meeting.refresh_from_db()
    assert (meeting.held_on, meeting.topic, meeting.file.name) == (
        datetime.date(2026, 9, 1),
        "Họp Ban chỉ đạo ISO quý III",
        name,
    )


def test_read_only_roles_cannot_edit(client_as, staff_user, reviewer, meeting):
    for user in (staff_user, reviewer):
        response = client_as(user).post(reverse("audits:activity_edit", args=[meeting.pk]), activity_data())
        assert response.status_code == 403
    meeting.refresh_from_db()
    assert meeting.topic == "Họp Ban chỉ đạo ISO quý III"


# --- scope and download ---------------------------------------------------------------------------


def test_another_agency_gets_404(client_as, other_leader, foreign_reviewer, meeting):
    for user in (other_leader, foreign_reviewer):
        client = client_as(user)
        assert client.get(reverse("audits:activity_file", args=[meeting.pk])).status_code == 404
        assert (
            client.post(reverse("audits:activity_edit", args=[meeting.pk]), activity_data()).status_code
            == 404
        )
    meeting.refresh_from_db()
    assert meeting.topic == "Họp Ban chỉ đạo ISO quý III"


def test_a_reviewer_of_the_province_downloads_the_minutes(client_as, reviewer, meeting):
    response = client_as(reviewer).get(reverse("audits:activity_file", args=[meeting.pk]))
    assert b"".join(response.streaming_content) == pdf_bytes()


def test_an_activity_without_a_file_has_nothing_to_download(client_as, secretary, agency):
    activity = ActivityFactory(agency=agency)
    assert client_as(secretary).get(reverse("audits:activity_file", args=[activity.pk])).status_code == 404


def test_anonymous_is_sent_to_login(client, meeting):
    for url in (
        reverse("audits:activity_list"),
        reverse("audits:activity_create"),
        reverse("audits:activity_file", args=[meeting.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


# --- list -----------------------------------------------------------------------------------------


@pytest.fixture
def activities(agency, other_agency, foreign_agency):
    return {
        "meeting": ActivityFactory(agency=agency, held_on=datetime.date(2026, 3, 15)),
        "training": ActivityFactory(
            agency=agency,
            kind="training",
            held_on=datetime.date(2026, 5, 20),
            topic="Tập huấn đánh giá nội bộ",
        ),
        "old": ActivityFactory(agency=agency, held_on=datetime.date(2025, 12, 20)),
        "other": ActivityFactory(agency=other_agency, kind="training", held_on=datetime.date(2026, 4, 1)),
        "foreign": ActivityFactory(agency=foreign_agency, held_on=datetime.date(2026, 4, 2)),
    }


def listed(client, **params) -> list:
    return list(client.get(reverse("audits:activity_list"), params).context["page_obj"])


def test_the_list_holds_what_the_user_may_see(client_as, secretary, reviewer, activities):
    a = activities
    assert listed(client_as(secretary)) == [a["training"], a["meeting"], a["old"]]
    assert listed(client_as(reviewer)) == [a["training"], a["other"], a["meeting"], a["old"]]


def test_the_list_filters_by_kind_year_and_agency(client_as, reviewer, agency, activities):
    a = activities
    client = client_as(reviewer)
    assert listed(client, kind="training") == [a["training"], a["other"]]
    assert listed(client, year=2025) == [a["old"]]
    assert listed(client, agency=agency.pk, year=2026) == [a["training"], a["meeting"]]
    assert listed(client, q="danh gia NOI BO") == [a["training"]]
    assert listed(client, q="long hung") == [a["other"]]
    assert listed(client, sort="date") == [a["old"], a["meeting"], a["other"], a["training"]]


def test_edit_links_only_for_editors(client_as, secretary, staff_user, activities):
    edit = reverse("audits:activity_edit", args=[activities["meeting"].pk])
    assert edit in client_as(secretary).get(reverse("audits:activity_list")).content.decode()
    assert edit not in client_as(staff_user).get(reverse("audits:activity_list")).content.decode()


def test_an_empty_list_says_so(client_as, secretary):
    response = client_as(secretary).get(reverse("audits:activity_list"))
    assert response.context["page_obj"].paginator.count == 0
    assert 'class="alert alert-light border"' in response.content.decode()


def test_the_export_follows_the_filters(client_as, reviewer, activities):
    response = client_as(reviewer).get(
        reverse("audits:activity_list"), {"kind": "training", "export": "xlsx"}
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[3] for row in rows[1:]] == ["Tập huấn đánh giá nội bộ", "Họp Ban chỉ đạo ISO quý I"]
    assert rows[1][0] == "UBND xã Tiến Dũng"
    assert rows[1][2].date() == datetime.date(2026, 5, 20)


@pytest.mark.parametrize("size", [3, 30])
def test_list_query_count_does_not_grow_with_activities(
    client_as, reviewer, province, django_assert_num_queries, size
):
    for _ in range(size):
        ActivityFactory(agency=AgencyFactory(province=province))
    client = client_as(reviewer)
    # Expect 6 queries: session, user, memberships (grants), agencies for the filter, count, and the page
    # of activities with their agency.
    with django_assert_num_queries(6):
        response = client.get(reverse("audits:activity_list"))
    assert len(response.context["page_obj"]) == min(size, 25)
