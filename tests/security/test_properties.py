"""Property-based checks (hypothesis): random spreadsheets through the agency import, random figures through
the scoring rules. The import either saves every row or refuses with messages and saves nothing; the rules
keep points within the criterion, bands covering the scale once, ranks and shares consistent."""

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from agencies.models import Agency
from scoring import rules

PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

VIETNAMESE = ["UBND xã Tiến Dũng", "Sở Khoa học và Công nghệ", "Phường Hồng Châu", "Đông Hưng", "ĐỨC"]
# Text a worksheet can hold: no control characters (openpyxl refuses them), no lone surrogates.
TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=30)
CELL = st.one_of(
    st.none(),
    TEXT,
    st.sampled_from(VIETNAMESE + ["", "   ", "=1+1", "+1", "-2", "@SUM(A1)", "commune", "Cấp xã"]),
    st.integers(-(10**6), 10**6),
    st.floats(-1e6, 1e6, width=32),  # within the 15 digits a spreadsheet keeps
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
)
LEVEL = st.one_of(CELL, st.sampled_from(list(Agency.Level.values)))
# Half of the rows are plausible, so that whole files get accepted too, not only refused.
PLAUSIBLE = st.tuples(
    st.text("ABCDEFGHXYZ0123456789", min_size=1, max_size=8),
    st.sampled_from(VIETNAMESE),
    st.sampled_from(list(Agency.Level.values)),
    st.none(),
    st.one_of(st.none(), st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))),
)
ROW = st.one_of(PLAUSIBLE, st.tuples(CELL, CELL, LEVEL, CELL, CELL))


def _workbook(rows) -> bytes:
    workbook = Workbook()
    workbook.active.append(["code", "name", "level", "parent_code", "active_from"])
    for values in rows:
        workbook.active.append(list(values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@pytest.mark.django_db
@PROPERTY
@given(rows=st.lists(ROW, max_size=6))
def test_a_random_agency_spreadsheet_is_saved_whole_or_not_at_all(client_as, reviewer, province, rows):
    client = client_as(reviewer)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    with transaction.atomic():  # each example starts from the same database
        before = set(Agency.objects.values_list("pk", "code", "name"))
        response = client.post(
            reverse("agencies:import"),
            {"province": province.pk, "file": SimpleUploadedFile("don-vi.xlsx", _workbook(rows))},
        )
        after = set(Agency.objects.values_list("pk", "code", "name"))
        transaction.set_rollback(True)
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert after == before
        # Refused with a reason: the rows' errors, or what is wrong with the file.
        assert response.context["errors"] or response.context["form"].errors
        event("refused")
        return
    event("accepted")
    # Accepted: every non-blank row became (or updated) an agency under its code, with its name.
    data_rows = [values for values in rows if not all(_blank(value) for value in values)]
    assert data_rows
    saved = {code: name for _pk, code, name in after}
    for code, name, *_rest in data_rows:
        code_text = str(int(code) if isinstance(code, float) and code.is_integer() else code).strip()
        assert code_text in saved
        if isinstance(name, str):
            assert saved[code_text] == name.strip()


# --- the scoring rules ------------------------------------------------------------------------------------

MAX_POINTS = st.decimals(min_value=0, max_value=1000, places=2)
VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.decimals(min_value=-100, max_value=100, places=4),
    st.integers(-1000, 1000),
    st.floats(-100, 100, allow_nan=False),
)
PAIRS = st.lists(
    st.tuples(
        st.decimals(min_value=0, max_value=1, places=2), st.decimals(min_value=0, max_value=20, places=2)
    ),
    max_size=5,
    unique_by=lambda pair: pair[0],
)


def _thresholds(pairs) -> list[list[str]]:
    """Valid thresholds (ascending values, non-decreasing points) as parse_thresholds returns them."""
    ordered_points = sorted(worth for _at, worth in pairs)
    text = "; ".join(f"{at} → {worth}" for (at, _w), worth in zip(sorted(pairs), ordered_points, strict=True))
    return rules.parse_thresholds(text)


@PROPERTY
@given(
    rule=st.sampled_from(["proportional", "yes_no", "thresholds"]),
    value=VALUE,
    maximum=MAX_POINTS,
    pairs=PAIRS,
)
def test_points_stay_within_the_criterion_maximum(rule, value, maximum, pairs):
    earned = rules.points(rule, value, maximum, _thresholds(pairs))
    assert Decimal(0) <= earned <= maximum
    assert earned == earned.quantize(rules.CENT)


@PROPERTY
@given(
    rule=st.sampled_from(["proportional", "thresholds"]),
    low=st.decimals(min_value=-2, max_value=2, places=3),
    high=st.decimals(min_value=-2, max_value=2, places=3),
    maximum=MAX_POINTS,
    pairs=PAIRS,
)
def test_a_better_figure_never_earns_fewer_points(rule, low, high, maximum, pairs):
    low, high = sorted((low, high))
    thresholds = _thresholds(pairs)
    assert rules.points(rule, low, maximum, thresholds) <= rules.points(rule, high, maximum, thresholds)


@PROPERTY
@given(text=st.text(st.sampled_from("0123456789.,;:→-> =\nab"), max_size=40))
def test_typed_thresholds_parse_to_an_ascending_scale_or_a_message(text):
    with translation.override("en"):
        try:
            parsed = rules.parse_thresholds(text)
        except ValueError as exc:
            assert str(exc)
            return
    values = [Decimal(at) for at, _worth in parsed]
    worths = [Decimal(worth) for _at, worth in parsed]
    assert values == sorted(set(values)) and worths == sorted(worths)
    assert all(number >= 0 for number in values + worths)
    assert rules.parse_thresholds(rules.format_thresholds(parsed)) == parsed


@dataclass(frozen=True)
class B:
    label: str
    lower_bound: Decimal
    inclusive: bool


BANDS = st.lists(
    st.tuples(st.decimals(min_value=0, max_value=100, places=2), st.booleans()), min_size=1, max_size=5
).map(lambda spec: [B(f"band {i}", bound, inclusive) for i, (bound, inclusive) in enumerate(spec)])


@PROPERTY
@given(
    bands=BANDS, totals=st.lists(st.decimals(min_value=0, max_value=100, places=2), min_size=1, max_size=20)
)
def test_bands_without_problems_give_every_total_one_band_in_order(bands, totals):
    problems = rules.band_problems(bands, Decimal(100))
    chosen = [(total, rules.band_for(total, bands)) for total in sorted(totals)]
    if problems:
        return
    assert all(band is not None for _total, band in chosen)
    for total, band in chosen:
        assert total > band.lower_bound or (band.inclusive and total == band.lower_bound)
        # No higher band would also take the total: the band chosen is the highest reached.
        assert not [
            other
            for other in bands
            if other.lower_bound > band.lower_bound
            and (total > other.lower_bound or (other.inclusive and total == other.lower_bound))
        ]
    bounds = [band.lower_bound for _total, band in chosen]
    assert bounds == sorted(bounds)


@PROPERTY
@given(
    totals=st.dictionaries(st.integers(1, 50), st.decimals(min_value=0, max_value=100, places=2), max_size=20)
)
def test_ranks_count_the_agencies_strictly_ahead(totals):
    ranks = rules.competition_ranks(totals)
    assert set(ranks) == set(totals)
    for key, total in totals.items():
        assert ranks[key] == 1 + sum(other > total for other in totals.values())


@PROPERTY
@given(counts=st.lists(st.integers(0, 10_000), max_size=12))
def test_shares_add_up_to_one_hundred(counts):
    result = rules.shares(counts)
    assert len(result) == len(counts)
    if sum(counts) == 0:
        assert all(share == 0 for share in result)
        return
    assert sum(result) == Decimal(100)
    for share, count in zip(result, counts, strict=True):
        assert abs(share - Decimal(count) * 100 / sum(counts)) < Decimal("0.01")
