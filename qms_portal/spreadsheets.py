"""Reading .xlsx and .csv tables and writing .xlsx: header matching, size limits, formula neutralization."""

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A spreadsheet program runs a cell starting with one of these as a formula.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What a damaged workbook raises while openpyxl reads it: a bad zip member (CRC, deflate), malformed XML
# (an entity bomb included: expat refuses it), a workbook without sheets or with odd cell values.
_UNREADABLE = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ParseError,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    OSError,
)
# Characters a sheet title may not hold (openpyxl refuses them; Excel too).
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\*?:/\[\]]")


class SpreadsheetError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # shown in the template header as "label (key)"
    required: bool = True


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet program shows it
    values: dict[str, object]


def header_matches(cell: object, key: str) -> bool:
    """A header cell names a column when it equals the key or ends with `(key)`."""
    text = str(cell or "").strip().lower()
    return text == key or text.endswith(f"({key})")


def read_table(uploaded, columns: Sequence[Column]) -> list[Row]:
    """Rows of the first sheet as dicts keyed by column key; raises SpreadsheetError on a bad file."""
    max_bytes = settings.QMS_IMPORT_MAX_BYTES
    data = _read_limited(uploaded, max_bytes)
    workbook = _open_workbook(data, max_bytes)
    try:
        # read_only parses the sheet while it is iterated: damage shows here, not when opening.
        return _table(workbook.worksheets[0].iter_rows(values_only=True), columns)
    except _UNREADABLE as exc:
        raise SpreadsheetError(_("The file is not a readable .xlsx spreadsheet.")) from exc
    finally:
        workbook.close()


def read_csv_table(uploaded, columns: Sequence[Column]) -> list[Row]:
    """Rows of a UTF-8 CSV file (with or without BOM, comma or semicolon separated), like read_table."""
    data = _read_limited(uploaded, settings.QMS_IMPORT_MAX_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpreadsheetError(
            _("The CSV file is not UTF-8 text (byte %(position)s): save it as “CSV UTF-8” and try again.")
            % {"position": exc.start + 1}
        ) from exc
    if "\x00" in text:
        raise SpreadsheetError(_("The file is not a CSV text file."))
    first_line = text.split("\n", 1)[0]
    # Spreadsheet programs set to Vietnamese write decimal commas, hence semicolon-separated files.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return _table(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), columns)
    except csv.Error as exc:
        raise SpreadsheetError(_("The CSV file cannot be read: %(reason)s.") % {"reason": exc}) from exc


def read_upload(uploaded, columns: Sequence[Column], *, csv_allowed: bool = False) -> list[Row]:
    """read_csv_table for a `.csv` file name when CSV is allowed, read_table otherwise."""
    if csv_allowed and str(getattr(uploaded, "name", "")).lower().endswith(".csv"):
        return read_csv_table(uploaded, columns)
    return read_table(uploaded, columns)


def _read_limited(uploaded, max_bytes: int) -> bytes:
    data = uploaded.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SpreadsheetError(
            _("The file is larger than the limit of %(limit)s MB.")
            % {"limit": round(max_bytes / 1024 / 1024, 1)}
        )
    return data


def _table(rows: Iterator[Sequence[object]], columns: Sequence[Column]) -> list[Row]:
    """The header row locates the columns; blank rows are skipped; numbers are as the program shows them."""
    header = next(rows, None)
    if not header or all(_blank(cell) for cell in header):
        raise SpreadsheetError(_("The spreadsheet is empty: the first row must hold the column headers."))
    positions = _locate_columns(header, columns)
    table = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(_blank(v) for v in values):
            continue
        if len(table) >= settings.QMS_IMPORT_MAX_ROWS:
            raise SpreadsheetError(
                _("The spreadsheet has more than %(limit)s rows.") % {"limit": settings.QMS_IMPORT_MAX_ROWS}
            )
        table.append(
            Row(
                number=number,
                values={
                    key: _clean(values[index]) if index < len(values) else None
                    for key, index in positions.items()
                },
            )
        )
    return table


def _open_workbook(data: bytes, max_bytes: int):
    _check_archive(data, max_bytes)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _UNREADABLE as exc:
        raise SpreadsheetError(_("The file is not a readable .xlsx spreadsheet.")) from exc


def _check_archive(data: bytes, max_bytes: int) -> None:
    """Refuse non-zip files and zip bombs before openpyxl inflates anything. The declared sizes are a
    safe bound: zipfile never inflates a member past its declared size (a lie ends in a CRC error)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise SpreadsheetError(_("The file is not a readable .xlsx spreadsheet.")) from exc
    if inflated > max_bytes * 20:
        raise SpreadsheetError(_("The spreadsheet expands to more data than the portal accepts."))


def _locate_columns(header: Sequence[object], columns: Sequence[Column]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for column in columns:
        for index, cell in enumerate(header):
            if header_matches(cell, column.key):
                positions[column.key] = index
                break
    missing = [c.key for c in columns if c.required and c.key not in positions]
    if missing:
        raise SpreadsheetError(
            _("Missing column(s): %(columns)s. A header must equal the key or end with “(key)”.")
            % {"columns": ", ".join(missing)}
        )
    return positions


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def parse_date(value: object) -> date | None:
    """A date cell, or text as dd/mm/yyyy or yyyy-mm-dd; raises ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time zone
        except ValueError:
            continue
    raise ValueError(text)


def neutralize(value: object) -> object:
    """Keep a text cell from being run as a formula when the file is opened."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def sheet_title(title: str) -> str:
    """A title a workbook accepts: e.g. “QMS status: Declared” would otherwise make openpyxl raise."""
    cleaned = _SHEET_TITLE_FORBIDDEN.sub(" ", str(title)).strip(" '")[:31].strip(" '")
    return cleaned or "Sheet"


def write_table(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """An .xlsx file with one sheet; text cells are neutralized against formula injection."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(title))
    sheet.append([neutralize(value) for value in headers])
    for row in rows:
        sheet.append([neutralize(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_for(columns: Sequence[Column], example_rows: Iterable[Sequence[object]] = ()) -> bytes:
    """A downloadable import template whose headers read `Label (key)`."""
    return write_table(_("Import"), [f"{c.label} ({c.key})" for c in columns], example_rows)


def read_sheets(
    uploaded, sheets: Mapping[str, Sequence[Column]], *, optional: Collection[str] = ()
) -> dict[str, list[Row]]:
    """Rows of several named sheets of one .xlsx file (names matched ignoring case), each read like
    read_table; a sheet named in `optional` may be missing (no rows). Raises SpreadsheetError."""
    max_bytes = settings.QMS_IMPORT_MAX_BYTES
    data = _read_limited(uploaded, max_bytes)
    workbook = _open_workbook(data, max_bytes)
    try:
        by_name = {name.strip().casefold(): name for name in workbook.sheetnames}
        tables: dict[str, list[Row]] = {}
        for name, columns in sheets.items():
            actual = by_name.get(name.casefold())
            if actual is None:
                if name in optional:
                    tables[name] = []
                    continue
                raise SpreadsheetError(_("The spreadsheet has no sheet named “%(sheet)s”.") % {"sheet": name})
            try:
                tables[name] = _table(workbook[actual].iter_rows(values_only=True), columns)
            except SpreadsheetError as exc:
                raise SpreadsheetError(
                    _("Sheet “%(sheet)s”: %(problem)s") % {"sheet": name, "problem": exc}
                ) from exc
        return tables
    except _UNREADABLE as exc:
        raise SpreadsheetError(_("The file is not a readable .xlsx spreadsheet.")) from exc
    finally:
        workbook.close()


def write_sheets(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[object]]]]) -> bytes:
    """An .xlsx file with one sheet per (title, headers, rows), neutralized like write_table."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=sheet_title(title))
        sheet.append([neutralize(value) for value in headers])
        for row in rows:
            sheet.append([neutralize(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def unneutralize(value: object) -> object:
    """Undo neutralize() on text read back from one of our own files: an export imports as it was."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(_FORMULA_PREFIXES):
        return value[1:]
    return value
