"""The PDF pipeline: official dates, the static-only URL fetcher, and Vietnamese text set in Tinos."""

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from django.template import Context, Template
from weasyprint.urls import FatalURLFetchingError

from qms_portal.pdf import (
    INTERNAL_BASE_URL,
    FetchRefused,
    StaticFilesFetcher,
    official_date,
    province_place,
    provincial_committee,
    render_pdf,
)
from tests.conftest import require

ROOT = Path(__file__).resolve().parent.parent
FONT = "vendor/tinos/tinos-vietnamese-400-normal.woff"


def pdf_text(data: bytes, *args: str) -> str:
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils) is not installed")
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *args, "-", "-"], input=data, capture_output=True, check=True
    )
    return result.stdout.decode()


def pdf_fonts(data: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """(font name without the subset tag, embedded yes/no) for every font pdffonts lists."""
    require(shutil.which("pdffonts") is not None, "pdffonts (poppler-utils) is not installed")
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    fonts = []
    for line in lines.splitlines()[2:]:
        columns = line.split()
        # name … emb sub uni object-number generation
        fonts.append((columns[0].split("+", 1)[-1], columns[-5]))
    return fonts


def official_document(body: str) -> bytes:
    template = Template(
        '{% extends "pdf_base.html" %}'
        "{% block document_type %}Báo cáo{% endblock %}{% block subject %}Kết quả áp dụng ISO{% endblock %}"
        "{% block body %}" + body + "{% endblock %}"
    )
    html = template.render(
        Context(
            {
                "parent_agency": "UBND tỉnh Hưng Yên",
                "issuing_agency": "Sở Khoa học và Công nghệ",
                "document_number": "05/BC-SKHCN",
                "place_date": official_date("Hưng Yên", datetime.date(2020, 1, 5)),
                "recipients": ["UBND tỉnh"],
            }
        )
    )
    return render_pdf(html)


# --- official_date and header names ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (datetime.date(2020, 1, 5), "Hưng Yên, ngày 05 tháng 01 năm 2020"),
        (datetime.date(2024, 11, 15), "Hưng Yên, ngày 15 tháng 11 năm 2024"),
        (datetime.date(2024, 12, 3), "Hưng Yên, ngày 03 tháng 12 năm 2024"),
        (datetime.date(2024, 2, 28), "Hưng Yên, ngày 28 tháng 02 năm 2024"),
        (datetime.date(2024, 3, 9), "Hưng Yên, ngày 09 tháng 3 năm 2024"),
    ],
)
def test_official_date_pads_days_below_ten_and_months_one_and_two(on, expected):
    assert official_date("Hưng Yên", on) == expected


def test_official_date_without_a_date_leaves_dotted_blanks():
    assert official_date("Hưng Yên", None) == "Hưng Yên, ngày … tháng … năm …"


def test_place_drops_the_province_prefix():
    assert province_place("Tỉnh Hưng Yên") == "Hưng Yên"
    assert province_place("Thành phố Hà Nội") == "Hà Nội"
    assert province_place("Hưng Yên") == "Hưng Yên"


def test_provincial_committee_is_the_upper_cased_province():
    assert provincial_committee("Tỉnh Hưng Yên") == "UBND TỈNH HƯNG YÊN"
    assert provincial_committee("Thành phố Hà Nội") == "UBND THÀNH PHỐ HÀ NỘI"
    assert provincial_committee("Hưng Yên") == "UBND TỈNH HƯNG YÊN"


# --- the URL fetcher ---------------------------------------------------------------------------------


def test_fetcher_serves_a_static_file_named_by_its_url():
    response = StaticFilesFetcher().fetch(f"{INTERNAL_BASE_URL}static/{FONT}")
    assert response.read() == (ROOT / "static" / FONT).read_bytes()
    assert response.content_type == "font/woff"


def test_fetcher_falls_back_to_static_root_for_collected_files(tmp_path, settings):
    """The manifest storage names hashed copies that exist only in STATIC_ROOT."""
    settings.STATIC_ROOT = str(tmp_path)
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "print.0a1b2c.css").write_text("p { color: black }")
    response = StaticFilesFetcher().fetch(f"{INTERNAL_BASE_URL}static/css/print.0a1b2c.css")
    assert response.read() == b"p { color: black }"


def test_fetcher_serves_a_file_url_inside_the_static_folder():
    response = StaticFilesFetcher().fetch((ROOT / "static" / FONT).as_uri())
    assert response.read() == (ROOT / "static" / FONT).read_bytes()


def test_fetcher_serves_data_urls():
    """Future reports embed their charts inline; a data URL reaches neither the network nor the disk."""
    assert StaticFilesFetcher().fetch("data:text/plain;base64,SGVsbG8=").read() == b"Hello"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/logo.png",
        "https://example.com/static/vendor/tinos/tinos-latin-400-normal.woff",
        "ftp://example.com/file.txt",
        "file:///etc/passwd",
        f"{INTERNAL_BASE_URL}media/process-forms/1/1/secret.pdf",
        f"{INTERNAL_BASE_URL}static/%2e%2e/%2e%2e/pyproject.toml",
    ],
)
def test_fetcher_refuses_anything_but_our_static_files(url):
    with pytest.raises(FetchRefused):
        StaticFilesFetcher().fetch(url)


def test_fetcher_refuses_before_opening_any_connection(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the fetcher opened a connection")

    monkeypatch.setattr("socket.socket.connect", no_network)
    with pytest.raises(FetchRefused):
        StaticFilesFetcher().fetch("http://127.0.0.1:9/")


def test_rendering_stops_on_a_refused_resource():
    """A missing image or font must not silently change an official document."""
    with pytest.raises(FatalURLFetchingError):
        render_pdf('<img src="file:///etc/passwd">')


# --- fonts and text ---------------------------------------------------------------------------------


def test_vietnamese_text_round_trips_through_the_pdf():
    text = pdf_text(official_document("<p>Tiếp nhận hồ sơ</p><p>Cộng hòa xã hội chủ nghĩa Việt Nam</p>"))
    assert "Cộng hòa xã hội chủ nghĩa Việt Nam" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Tiếp nhận hồ sơ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Hưng Yên, ngày 05 tháng 01 năm 2020" in text


def test_header_agencies_are_upper_cased():
    text = pdf_text(official_document("<p>Nội dung</p>"))
    assert "UBND TỈNH HƯNG YÊN" in text
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in text
    assert "05/BC-SKHCN" in text


def test_only_tinos_is_embedded(tmp_path):
    body = "<p>Tiếp nhận hồ sơ <b>đúng hạn</b> <i>trễ hạn</i> <b><i>Đặc biệt</i></b> 1.000.000₫ — “trích”</p>"
    fonts = pdf_fonts(official_document(body), tmp_path)
    assert fonts
    assert all(name.startswith("Tinos") for name, _embedded in fonts), fonts
    assert all(embedded == "yes" for _name, embedded in fonts), fonts


def test_page_numbers_start_on_page_two():
    document = official_document("<p>Đoạn văn.</p>" * 80)
    first_page = pdf_text(document, "-f", "1", "-l", "1")
    second_page = pdf_text(document, "-f", "2", "-l", "2")
    assert second_page.split()[0] == "2"
    assert first_page.split()[0] != "1"
