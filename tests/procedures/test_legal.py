"""Legal documents, the review flags their changes raise on processes in force, and resolving them."""

import datetime
from io import BytesIO

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from agencies.models import Agency
from procedures.legal_selectors import flag_counts, open_flags
from procedures.models import LegalDocument, Process, ProcessRevision, ReviewFlag
from procedures.selectors import processes_visible
from procedures.services.legal import add_months, flags_resolve_for_revision
from tests.factories import (
    AdministrativeProcedureFactory,
    AgencyFactory,
    FrameworkModelFactory,
    InForceRevisionFactory,
    LegalDocumentFactory,
    ProcessFactory,
    ProcessRevisionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    """Messages are asserted word for word, in the source language the user can also choose."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


Status = ProcessRevision.Status


# --- helpers --------------------------------------------------------------------------------------


@pytest.fixture
def decree(db):
    return LegalDocumentFactory(
        number="123/2021/NĐ-CP",
        title="Nghị định về đăng ký hộ tịch",
        issuer="Chính phủ",
        issued_on=datetime.date(2021, 12, 20),
        effective_on=datetime.date(2022, 2, 1),
    )


def process_citing(document, *, status=Status.IN_FORCE, **process_fields) -> Process:
    """A process whose only revision has `status` and cites `document`."""
    process = ProcessFactory(**process_fields)
    revision = ProcessRevisionFactory(process=process, status=status)
    revision.references.add(document)
    return process


def template_citing(document, province) -> Process:
    framework = FrameworkModelFactory(province=province, published_at=timezone.now())
    return process_citing(document, agency=None, framework=framework, procedure=None)


def flag(process, document, *, due_on=datetime.date(2030, 1, 1), **fields) -> ReviewFlag:
    return ReviewFlag.objects.create(
        process=process,
        legal_document=document,
        document_status=LegalDocument.Status.AMENDED,
        raised_on=datetime.date(2026, 1, 2),
        due_on=due_on,
        **fields,
    )


def record_change(client, document, **data):
    return client.post(reverse("procedures:legal_change", args=[document.pk]), data)


def document_data(**overrides) -> dict:
    return {
        "number": "61/2018/NĐ-CP",
        "title": "Nghị định về thực hiện cơ chế một cửa, một cửa liên thông",
        "issuer": "Chính phủ",
        "issued_on": "23/04/2018",
        "effective_on": "21/06/2018",
        "expires_on": "",
        **overrides,
    }


def listed(client, **params) -> list[str]:
    response = client.get(reverse("procedures:legal_list"), params)
    assert response.status_code == 200
    return [document.number for document in response.context["page_obj"]]


def message_texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- the list: everyone reads ---------------------------------------------------------------------


def test_anonymous_user_is_sent_to_login(client, decree):
    response = client.get(reverse("procedures:legal_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_reads_the_list_and_a_document(client_as, staff_user, decree):
    client = client_as(staff_user)
    assert listed(client) == ["123/2021/NĐ-CP"]
    response = client.get(decree.get_absolute_url())
    assert response.status_code == 200
    assert response.context["change_form"] is None
    assert reverse("procedures:legal_change", args=[decree.pk]) not in response.content.decode()


@pytest.mark.parametrize("query", ["ho tich", "HỘ TỊCH", "nd-cp", "123/2021", "chinh phu"])
def test_search_ignores_case_and_diacritics(client_as, secretary, decree, query):
    LegalDocumentFactory(number="01/2025/TT-BTP", title="Thông tư về chứng thực", issuer="Bộ Tư pháp")
    assert listed(client_as(secretary), q=query) == ["123/2021/NĐ-CP"]


def test_filter_by_status_and_issuer(client_as, secretary, decree):
    LegalDocumentFactory(number="01/2025/TT-BTP", issuer="Bộ Tư pháp")
    LegalDocumentFactory(
        number="02/2019/TT-BTP",
        issuer="Bộ Tư pháp",
        status=LegalDocument.Status.EXPIRED,
        status_effective_on=datetime.date(2024, 1, 1),
    )
    client = client_as(secretary)
    assert listed(client, issuer="Bộ Tư pháp") == ["01/2025/TT-BTP", "02/2019/TT-BTP"]
    assert listed(client, issuer="Bộ Tư pháp", status="expired") == ["02/2019/TT-BTP"]
    assert listed(client, status="in_force") == ["01/2025/TT-BTP", "123/2021/NĐ-CP"]


def test_sort_by_number(client_as, secretary):
    for number in ["20/2020/QĐ-TTg", "05/2023/NĐ-CP", "11/2019/TT-BNV"]:
        LegalDocumentFactory(number=number)
    assert listed(client_as(secretary), sort="number") == [
        "05/2023/NĐ-CP",
        "11/2019/TT-BNV",
        "20/2020/QĐ-TTg",
    ]


def test_pagination_keeps_filters(client_as, secretary):
    LegalDocumentFactory.create_batch(30, issuer="Bộ Nội vụ")
    LegalDocumentFactory(issuer="Chính phủ")
    response = client_as(secretary).get(reverse("procedures:legal_list"), {"issuer": "Bộ Nội vụ", "page": 2})
    assert len(response.context["page_obj"]) == 5
    assert response.context["page_obj"].paginator.count == 30
    assert 'href="?issuer=B%E1%BB%99+N%E1%BB%99i+v%E1%BB%A5&page=1"' in response.content.decode()


def test_empty_result_says_so(client_as, secretary, decree):
    response = client_as(secretary).get(reverse("procedures:legal_list"), {"q": "không có"})
    assert response.context["page_obj"].paginator.count == 0
    assert "No legal document matches these filters." in response.content.decode()


def test_export_follows_the_filters_and_neutralizes_formulas(client_as, secretary, decree):
    LegalDocumentFactory(number="=1+1", issuer="Bộ Tư pháp")
    response = client_as(secretary).get(
        reverse("procedures:legal_list"), {"issuer": "Bộ Tư pháp", "export": "xlsx"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == "'=1+1"
    assert rows[1][2] == "Bộ Tư pháp"


@pytest.mark.parametrize("size", [3, 30])
def test_list_query_count_does_not_grow_with_documents(client_as, reviewer, django_assert_num_queries, size):
    for document in LegalDocumentFactory.create_batch(size):
        LegalDocumentFactory(
            replaced_by=document,
            status=LegalDocument.Status.REPLACED,
            status_effective_on=datetime.date(2024, 1, 1),
        )
    client = client_as(reviewer)
    # Expect 7 queries: session, user, issuers for the filter, count, memberships (grants),
    # the reviewer check (provinces), and the page of documents with their replacing document.
    with django_assert_num_queries(7):
        response = client.get(reverse("procedures:legal_list"))
    assert response.status_code == 200


# --- creating and editing: provincial reviewers only ----------------------------------------------


def test_reviewer_creates_a_legal_document(client_as, reviewer):
    response = client_as(reviewer).post(reverse("procedures:legal_create"), document_data())
    document = LegalDocument.objects.get()
    assert response.status_code == 302
    assert response["Location"] == document.get_absolute_url()
    assert (document.number, document.issuer, document.issued_on, document.effective_on) == (
        "61/2018/NĐ-CP",
        "Chính phủ",
        datetime.date(2018, 4, 23),
        datetime.date(2018, 6, 21),
    )
    assert document.status == LegalDocument.Status.IN_FORCE
    assert document.history.get().history_user == reviewer


def test_secretary_cannot_create_a_legal_document(client_as, secretary):
    client = client_as(secretary)
    assert client.get(reverse("procedures:legal_create")).status_code == 403
    assert client.post(reverse("procedures:legal_create"), document_data()).status_code == 403
    assert not LegalDocument.objects.exists()


def test_number_already_in_the_portal_is_refused_whatever_its_case(client_as, reviewer, decree):
    response = client_as(reviewer).post(
        reverse("procedures:legal_create"), document_data(number="123/2021/nđ-cp")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["number"] == [
        "Legal document 123/2021/NĐ-CP is already in the portal."
    ]
    assert LegalDocument.objects.count() == 1


def test_a_document_cannot_take_effect_before_it_is_issued(client_as, reviewer):
    response = client_as(reviewer).post(
        reverse("procedures:legal_create"), document_data(issued_on="22/06/2018", effective_on="21/06/2018")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["effective_on"] == [
        "A document cannot take effect before it is issued."
    ]
    assert 'value="22/06/2018"' in response.content.decode()
    assert not LegalDocument.objects.exists()


def test_expiry_must_come_after_the_effective_date(client_as, reviewer):
    response = client_as(reviewer).post(
        reverse("procedures:legal_create"), document_data(expires_on="21/06/2018")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["expires_on"] == [
        "The expiry date must be after the date the document takes effect."
    ]
    assert not LegalDocument.objects.exists()


def test_reviewer_corrects_a_title(client_as, reviewer, decree):
    response = client_as(reviewer).post(
        reverse("procedures:legal_update", args=[decree.pk]),
        document_data(number=decree.number, title="Nghị định quy định chi tiết Luật Hộ tịch"),
    )
    assert response.status_code == 302
    decree.refresh_from_db()
    assert decree.title == "Nghị định quy định chi tiết Luật Hộ tịch"
    assert decree.search_text == "123/2021/nd-cp nghi dinh quy dinh chi tiet luat ho tich chinh phu"


def test_leader_cannot_edit_a_legal_document(client_as, leader, decree):
    response = client_as(leader).post(
        reverse("procedures:legal_update", args=[decree.pk]), document_data(number=decree.number)
    )
    assert response.status_code == 403
    decree.refresh_from_db()
    assert decree.title == "Nghị định về đăng ký hộ tịch"


# --- recording a change flags the processes in force citing the document --------------------------


def test_amendment_flags_exactly_the_processes_in_force_citing_it(
    client_as, reviewer, decree, agency, foreign_agency, province
):
    own = process_citing(decree, agency=agency, code="QT-01")
    foreign = process_citing(decree, agency=foreign_agency, code="QT-01")
    template = template_citing(decree, province)
    only_draft = process_citing(decree, status=Status.DRAFT, agency=agency, code="QT-02")
    superseded = process_citing(decree, status=Status.SUPERSEDED, agency=agency, code="QT-03")
    InForceRevisionFactory(process=superseded, number=2)  # in force, no longer citing the decree
    not_citing = ProcessFactory(agency=agency, code="QT-04")
    InForceRevisionFactory(process=not_citing).references.add(LegalDocumentFactory())

    response = record_change(client_as(reviewer), decree, status="amended", effective_on="31/01/2026")

    assert response.status_code == 302
    assert message_texts(response) == ["The change was recorded; 3 processes were flagged for review."]
    flags = ReviewFlag.objects.all()
    assert {f.process_id for f in flags} == {own.pk, foreign.pk, template.pk}
    assert {(f.raised_on, f.due_on, f.document_status, f.resolved_on) for f in flags} == {
        (timezone.localdate(), datetime.date(2026, 4, 30), "amended", None)
    }
    assert not ReviewFlag.objects.filter(process__in=[only_draft, superseded, not_citing]).exists()
    decree.refresh_from_db()
    assert (decree.status, decree.status_effective_on) == ("amended", datetime.date(2026, 1, 31))


def test_due_date_follows_the_review_months_setting_and_clamps_to_month_end(
    client_as, reviewer, decree, agency, settings
):
    settings.QMS_LEGAL_REVIEW_MONTHS = 1
    process_citing(decree, agency=agency)
    record_change(client_as(reviewer), decree, status="amended", effective_on="31/01/2026")
    assert ReviewFlag.objects.get().due_on == datetime.date(2026, 2, 28)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2024, 1, 31), 1, datetime.date(2024, 2, 29)),
        (datetime.date(2026, 1, 31), 3, datetime.date(2026, 4, 30)),
        (datetime.date(2025, 11, 30), 3, datetime.date(2026, 2, 28)),
        (datetime.date(2026, 3, 15), 12, datetime.date(2027, 3, 15)),
    ],
)
def test_add_months_keeps_the_day_or_the_end_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


def test_second_amendment_does_not_duplicate_an_open_flag(client_as, reviewer, decree, agency):
    process = process_citing(decree, agency=agency)
    client = client_as(reviewer)
    record_change(client, decree, status="amended", effective_on="31/01/2026")
    response = record_change(client, decree, status="amended", effective_on="01/07/2026")
    assert response.status_code == 302
    assert message_texts(response)[-1] == "The change was recorded; 0 processes were flagged for review."
    assert list(ReviewFlag.objects.values_list("process_id", "due_on")) == [
        (process.pk, datetime.date(2026, 4, 30))
    ]


def test_a_change_after_the_flag_was_resolved_raises_a_new_one(client_as, reviewer, leader, decree, agency):
    process = process_citing(decree, agency=agency)
    flag(process, decree, resolved_on=datetime.date(2026, 2, 1), resolution=ReviewFlag.Resolution.NO_CHANGE)
    response = record_change(client_as(reviewer), decree, status="amended", effective_on="01/07/2026")
    assert message_texts(response) == ["The change was recorded; 1 process was flagged for review."]
    assert ReviewFlag.objects.filter(resolved_on__isnull=True).get().due_on == datetime.date(2026, 10, 1)


def test_replacement_requires_the_replacing_document(client_as, reviewer, decree, agency):
    process_citing(decree, agency=agency)
    response = record_change(client_as(reviewer), decree, status="replaced", effective_on="01/07/2026")
    assert response.status_code == 400
    assert response.context["change_form"].errors["replaced_by"] == [
        "Name the document that replaces this one."
    ]
    decree.refresh_from_db()
    assert (decree.status, decree.status_effective_on, decree.replaced_by) == ("in_force", None, None)
    assert not ReviewFlag.objects.exists()


def test_replacing_document_must_be_in_the_portal(client_as, reviewer, decree):
    response = record_change(
        client_as(reviewer),
        decree,
        status="replaced",
        effective_on="01/07/2026",
        replaced_by="999/2026/NĐ-CP",
    )
    assert response.status_code == 400
    assert response.context["change_form"].errors["replaced_by"] == [
        "No legal document numbered 999/2026/NĐ-CP is in the portal; add it first."
    ]
    assert 'value="999/2026/NĐ-CP"' in response.content.decode()


def test_replacement_records_the_replacing_document(client_as, reviewer, decree, agency):
    process_citing(decree, agency=agency)
    successor = LegalDocumentFactory(number="87/2026/NĐ-CP")
    response = record_change(
        client_as(reviewer), decree, status="replaced", effective_on="01/07/2026", replaced_by="87/2026/nđ-cp"
    )
    assert response.status_code == 302
    decree.refresh_from_db()
    assert (decree.status, decree.replaced_by, decree.status_effective_on) == (
        "replaced",
        successor,
        datetime.date(2026, 7, 1),
    )
    assert ReviewFlag.objects.get().document_status == "replaced"


def test_expiry_sets_the_expiry_date(client_as, reviewer, decree):
    record_change(client_as(reviewer), decree, status="expired", effective_on="01/01/2027")
    decree.refresh_from_db()
    assert (decree.status, decree.expires_on) == ("expired", datetime.date(2027, 1, 1))


def test_change_cannot_take_effect_before_the_document(client_as, reviewer, decree, agency):
    process_citing(decree, agency=agency)
    response = record_change(client_as(reviewer), decree, status="amended", effective_on="31/01/2022")
    assert response.status_code == 400
    assert response.context["change_form"].errors["effective_on"] == [
        "The change cannot take effect before the document itself (01/02/2022)."
    ]
    decree.refresh_from_db()
    assert decree.status == "in_force"
    assert not ReviewFlag.objects.exists()


def test_change_date_is_required(client_as, reviewer, decree):
    response = record_change(client_as(reviewer), decree, status="amended", effective_on="")
    assert response.status_code == 400
    assert "effective_on" in response.context["change_form"].errors


def test_secretary_cannot_record_a_change(client_as, secretary, decree, agency):
    process_citing(decree, agency=agency)
    response = record_change(client_as(secretary), decree, status="amended", effective_on="31/01/2026")
    assert response.status_code == 403
    decree.refresh_from_db()
    assert decree.status == "in_force"
    assert not ReviewFlag.objects.exists()


def test_recording_a_change_answers_only_post(client_as, reviewer, decree):
    assert client_as(reviewer).get(reverse("procedures:legal_change", args=[decree.pk])).status_code == 405


# --- resolving: "no change needed" ----------------------------------------------------------------


def resolve(client, review_flag, **data):
    return client.post(reverse("procedures:flag_no_change", args=[review_flag.pk]), data)


def test_leader_resolves_a_flag_with_no_change_needed(client_as, leader, decree, agency):
    process = process_citing(decree, agency=agency)
    review_flag = flag(process, decree)
    response = resolve(client_as(leader), review_flag, note="Điều 5 sửa đổi không áp dụng cho cấp xã.")
    assert response.status_code == 302
    assert response["Location"] == process.get_absolute_url()
    review_flag.refresh_from_db()
    assert (review_flag.resolved_on, review_flag.resolution, review_flag.resolved_by, review_flag.note) == (
        timezone.localdate(),
        "no_change",
        leader,
        "Điều 5 sửa đổi không áp dụng cho cấp xã.",
    )


def test_no_change_needs_a_note(client_as, leader, decree, agency):
    review_flag = flag(process_citing(decree, agency=agency), decree)
    response = resolve(client_as(leader), review_flag, note="  ")
    assert response.status_code == 400
    assert "note" in response.context["form"].errors
    review_flag.refresh_from_db()
    assert (review_flag.resolved_on, review_flag.resolution) == (None, "")


def test_secretary_cannot_resolve_a_flag(client_as, secretary, decree, agency):
    review_flag = flag(process_citing(decree, agency=agency), decree)
    response = resolve(client_as(secretary), review_flag, note="Không cần sửa")
    assert response.status_code == 403
    review_flag.refresh_from_db()
    assert review_flag.resolved_on is None


def test_leader_of_another_agency_does_not_find_the_flag(client_as, other_leader, decree, agency):
    review_flag = flag(process_citing(decree, agency=agency), decree)
    assert resolve(client_as(other_leader), review_flag, note="Không cần sửa").status_code == 404
    review_flag.refresh_from_db()
    assert review_flag.resolved_on is None


def test_reviewer_resolves_a_flag_on_a_framework_template(client_as, reviewer, decree, province):
    review_flag = flag(template_citing(decree, province), decree)
    assert resolve(client_as(reviewer), review_flag, note="Mẫu khung vẫn phù hợp").status_code == 302
    review_flag.refresh_from_db()
    assert review_flag.resolution == "no_change"


def test_resolving_returns_to_a_local_page_only(client_as, leader, decree, agency):
    review_flag = flag(process_citing(decree, agency=agency), decree)
    other = flag(process_citing(decree, agency=agency), decree)
    client = client_as(leader)
    response = resolve(client, review_flag, note="OK", next=decree.get_absolute_url())
    assert response["Location"] == decree.get_absolute_url()
    response = resolve(client, other, note="OK", next="https://evil.example/")
    assert response["Location"] == other.process.get_absolute_url()


def test_a_resolved_flag_cannot_be_resolved_again(client_as, leader, decree, agency):
    review_flag = flag(
        process_citing(decree, agency=agency),
        decree,
        resolved_on=datetime.date(2026, 2, 1),
        resolution=ReviewFlag.Resolution.NO_CHANGE,
        note="Lần đầu",
    )
    response = resolve(client_as(leader), review_flag, note="Lần hai")
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["This flag was already resolved on 01/02/2026."]
    review_flag.refresh_from_db()
    assert review_flag.note == "Lần đầu"


def test_a_new_revision_in_force_resolves_the_open_flags(decree, leader, agency):
    process = process_citing(decree, agency=agency)
    first = flag(process, decree)
    second = flag(process, LegalDocumentFactory())
    elsewhere = flag(process_citing(decree, agency=agency), decree)
    process.revisions.update(status=Status.SUPERSEDED)
    revision = InForceRevisionFactory(process=process, number=2)

    assert flags_resolve_for_revision(revision=revision, acting_user=leader) == 2

    for review_flag in (first, second):
        review_flag.refresh_from_db()
        assert (
            review_flag.resolved_on,
            review_flag.resolution,
            review_flag.resolving_revision,
            review_flag.resolved_by,
        ) == (timezone.localdate(), "new_revision", revision, leader)
    elsewhere.refresh_from_db()
    assert elsewhere.resolved_on is None


# --- the document page and the flags partial ------------------------------------------------------


def test_document_page_shows_what_cites_it_and_its_flags(client_as, leader, decree, agency, foreign_agency):
    procedure = AdministrativeProcedureFactory(code="1.001193", name="Thủ tục đăng ký khai sinh")
    procedure.legal_basis.add(decree)
    own = process_citing(decree, agency=agency, code="QT-07", title="Quy trình đăng ký khai sinh")
    hidden = process_citing(decree, agency=foreign_agency, code="QT-99")
    flag(own, decree, due_on=datetime.date(2026, 4, 30))
    flag(hidden, decree)

    response = client_as(leader).get(decree.get_absolute_url())

    assert response.status_code == 200
    assert list(response.context["procedures"]) == [procedure]
    assert list(response.context["citing"]) == [own]
    assert [f.process for f in response.context["flags"]] == [own]
    html = response.content.decode()
    assert "1.001193" in html
    assert "QT-99" not in html
    assert "30/04/2026" in html
    assert "Overdue" in html
    assert reverse("procedures:flag_no_change", args=[own.review_flags.get().pk]) in html


def test_flags_partial_offers_no_resolution_to_the_secretary(client_as, secretary, decree, agency):
    review_flag = flag(process_citing(decree, agency=agency), decree)
    response = client_as(secretary).get(decree.get_absolute_url())
    assert [f.pk for f in response.context["flags"]] == [review_flag.pk]
    assert reverse("procedures:flag_no_change", args=[review_flag.pk]) not in response.content.decode()


def test_reviewer_sees_the_change_form(client_as, reviewer, decree):
    response = client_as(reviewer).get(decree.get_absolute_url())
    assert response.context["change_form"] is not None
    assert reverse("procedures:legal_change", args=[decree.pk]) in response.content.decode()


@pytest.mark.parametrize("size", [2, 20])
def test_document_page_query_count_does_not_grow_with_flags(
    client_as, reviewer, decree, province, django_assert_num_queries, size
):
    for agency in AgencyFactory.create_batch(size, province=province):
        process = process_citing(decree, agency=agency)
        AdministrativeProcedureFactory().legal_basis.add(decree)
        flag(process, decree)
        flag(
            process,
            decree,
            resolved_on=datetime.date(2026, 2, 1),
            resolution=ReviewFlag.Resolution.NO_CHANGE,
            resolved_by=reviewer,
        )
    flag(template_citing(decree, province), decree)
    client = client_as(reviewer)
    # Expect 12 queries: session, user, document with its replacing document, memberships (grants),
    # the reviewer check (provinces), count of procedures, count of citing processes, documents it
    # replaces, open flags, citing processes, procedures, resolved flags (flags with process, agency,
    # framework, document and resolver joined).
    with django_assert_num_queries(12):
        response = client.get(decree.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["flags"]) == size + 1


# --- selectors ------------------------------------------------------------------------------------


def test_open_flags_lists_unresolved_flags_of_the_given_processes(decree, agency, other_agency, secretary):
    own = flag(process_citing(decree, agency=agency), decree, due_on=datetime.date(2026, 5, 1))
    sooner = flag(process_citing(decree, agency=agency), decree, due_on=datetime.date(2026, 3, 1))
    flag(
        process_citing(decree, agency=agency),
        decree,
        resolved_on=datetime.date(2026, 2, 1),
        resolution=ReviewFlag.Resolution.NO_CHANGE,
    )
    flag(process_citing(decree, agency=other_agency), decree)
    assert list(open_flags(processes_visible(secretary))) == [sooner, own]


def test_flag_counts_gives_open_and_overdue_per_agency(decree, province, agency, other_agency):
    quiet = AgencyFactory(province=province)
    on = datetime.date(2026, 5, 1)
    process = process_citing(decree, agency=agency)
    flag(process, decree, due_on=datetime.date(2026, 4, 30))  # overdue
    flag(process, LegalDocumentFactory(), due_on=on)  # due today: not yet overdue
    flag(
        process_citing(decree, agency=agency),
        decree,
        due_on=datetime.date(2026, 1, 1),
        resolved_on=datetime.date(2026, 2, 1),
        resolution=ReviewFlag.Resolution.NO_CHANGE,
    )
    flag(process_citing(decree, agency=other_agency), decree, due_on=datetime.date(2026, 3, 1))
    assert flag_counts([agency, other_agency, quiet.pk], on) == {
        agency.pk: (2, 1),
        other_agency.pk: (1, 1),
        quiet.pk: (0, 0),
    }


@pytest.mark.parametrize("size", [2, 25])
def test_flag_counts_takes_one_query_whatever_the_number_of_agencies(
    decree, province, django_assert_num_queries, size
):
    for agency in AgencyFactory.create_batch(size, province=province):
        process = process_citing(decree, agency=agency)
        flag(process, decree, due_on=datetime.date(2026, 1, 1))
        flag(process, LegalDocumentFactory(), due_on=datetime.date(2027, 1, 1))
    agencies = Agency.objects.filter(province=province)
    # Expect 1 query: agencies joined to their processes' flags, grouped by agency.
    with django_assert_num_queries(1):
        counts = flag_counts(agencies, datetime.date(2026, 6, 1))
    assert set(counts.values()) == {(2, 1)}
    assert len(counts) == size
