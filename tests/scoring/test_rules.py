"""The arithmetic of scoring: rules into points, typed thresholds, totals into bands, ranks, shares."""

import random
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import translation

from scoring import rules


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@dataclass(frozen=True)
class B:
    label: str
    lower_bound: Decimal
    inclusive: bool = True


def bands(*spec) -> list[B]:
    return [B(label, Decimal(str(bound)), inclusive) for label, bound, inclusive in spec]


DEFAULT = bands(
    ("very good", 90, True), ("good", 80, True), ("fair", 70, True), ("average", 50, True), ("weak", 0, True)
)
# The same scale with exclusive upper bands: a total of exactly 80 is "fair", above it "good".
EXCLUSIVE = bands(("very good", 90, False), ("good", 80, False), ("fair", 70, False), ("weak", 0, True))


def label(total, scale) -> str | None:
    band = rules.band_for(None if total is None else Decimal(str(total)), scale)
    return band.label if band else None


# --- band_for ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        ("100", "very good"),
        ("90", "very good"),
        ("89.99", "good"),
        ("80", "good"),
        ("79.99", "fair"),
        ("70", "fair"),
        ("50", "average"),
        ("49.99", "weak"),
        ("0", "weak"),
    ],
)
def test_band_for_inclusive_lower_bounds(total, expected):
    assert label(total, DEFAULT) == expected


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        ("90.01", "very good"),
        ("90", "good"),
        ("80.01", "good"),
        ("80", "fair"),
        ("70.01", "fair"),
        ("70", "weak"),
        ("0", "weak"),
    ],
)
def test_band_for_exclusive_lower_bounds(total, expected):
    assert label(total, EXCLUSIVE) == expected


def test_band_for_order_of_the_bands_does_not_matter():
    assert label("80", list(reversed(DEFAULT))) == "good"
    assert label("80", list(reversed(EXCLUSIVE))) == "fair"


def test_band_for_an_inclusive_and_an_exclusive_band_on_the_same_bound():
    scale = bands(("exactly 80", 80, True), ("above 80", 80, False), ("below", 0, True))
    assert label("80", scale) == "exactly 80"
    assert label("80.01", scale) == "above 80"
    assert label("79.99", scale) == "below"


def test_band_for_no_total_or_no_band():
    assert label(None, DEFAULT) is None
    assert label("0", bands(("weak", 0, False))) is None
    assert label("50", []) is None


# --- band_problems -----------------------------------------------------------------------------------------


def test_band_problems_none_for_a_scale_covering_0_to_the_total():
    assert rules.band_problems(DEFAULT, Decimal(100)) == []
    assert rules.band_problems(EXCLUSIVE, Decimal(100)) == []


def test_band_problems_gap_below_the_lowest_band():
    assert rules.band_problems(bands(("good", 80, True), ("average", 50, True)), Decimal(100)) == [
        "Scores from 0 up to 50 fall in no band: the lowest band must start at 0, inclusive."
    ]


def test_band_problems_lowest_band_exclusive_at_zero_leaves_zero_out():
    assert rules.band_problems(bands(("good", 50, True), ("weak", 0, False)), Decimal(100)) == [
        "A total of 0 falls in no band: the lowest band must start at 0, inclusive."
    ]


def test_band_problems_two_bands_starting_at_the_same_bound_overlap():
    scale = bands(("good", 80, True), ("fine", 80, True), ("weak", 0, True))
    assert rules.band_problems(scale, Decimal(100)) == [
        "Bands “good” and “fine” both start at 80 and overlap."
    ]


def test_band_problems_bounds_outside_the_total_and_unreachable_bands():
    scale = bands(("beyond", 120, True), ("perfect", 100, False), ("weak", 0, True))
    assert rules.band_problems(scale, Decimal(100)) == [
        "Band “perfect” holds only totals above 100, which no agency can reach.",
        "Band “beyond” starts at 120, outside 0–100.",
    ]
    # Inclusive at the total is a band of its own: a perfect score.
    assert rules.band_problems(bands(("perfect", 100, True), ("rest", 0, True)), Decimal(100)) == []


def test_band_problems_no_bands_or_repeated_labels():
    assert rules.band_problems([], Decimal(100)) == ["The rubric has no bands."]
    assert rules.band_problems(bands(("Tốt", 50, True), ("tốt ", 0, True)), Decimal(100)) == [
        "Two bands have the same label."
    ]


# --- competition_ranks -------------------------------------------------------------------------------------


def test_competition_ranks_ties_share_a_rank_and_the_next_rank_skips():
    totals = {1: Decimal("90"), 2: Decimal("85.5"), 3: Decimal("85.50"), 4: Decimal("70"), 5: Decimal("85.5")}
    assert rules.competition_ranks(totals) == {1: 1, 2: 2, 3: 2, 5: 2, 4: 5}


def test_competition_ranks_all_tied_and_empty():
    assert rules.competition_ranks({7: Decimal(50), 8: Decimal(50)}) == {7: 1, 8: 1}
    assert rules.competition_ranks({}) == {}


def test_competition_ranks_ignores_the_order_given():
    totals = {10: Decimal(60), 11: Decimal(99), 12: Decimal(75)}
    assert rules.competition_ranks(totals) == {11: 1, 12: 2, 10: 3}


# --- shares ------------------------------------------------------------------------------------------------


def test_shares_thirds_add_up_to_exactly_100():
    assert rules.shares([1, 1, 1]) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]


def test_shares_largest_remainders_get_the_spare_cents():
    # 2/7 = 28.571…, 5/7 = 71.428…: the second has the larger remainder and gets the spare cent.
    assert rules.shares([2, 5]) == [Decimal("28.57"), Decimal("71.43")]
    assert rules.shares([1, 0, 0]) == [Decimal("100.00"), Decimal("0.00"), Decimal("0.00")]


def test_shares_of_nothing_are_zeros():
    assert rules.shares([0, 0, 0]) == [Decimal("0.00")] * 3
    assert rules.shares([]) == []


def test_shares_always_add_up_to_100_00():
    generator = random.Random(5)
    for _attempt in range(300):
        counts = [generator.randint(0, 40) for _band in range(generator.randint(1, 7))]
        if not sum(counts):
            continue
        result = rules.shares(counts)
        assert sum(result) == Decimal("100.00"), counts
        assert all(share == share.quantize(Decimal("0.01")) for share in result)
        exact = [Decimal(count) * 100 / sum(counts) for count in counts]
        assert all(abs(share - value) < Decimal("0.01") for share, value in zip(result, exact, strict=True))


# --- points ------------------------------------------------------------------------------------------------

C1 = [["0.80", "2"], ["0.90", "4"], ["0.95", "6"], ["0.98", "8"]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("0.5"), "3.00"), (1, "6.00"), (Decimal("1.2"), "6.00"), (Decimal("-0.1"), "0.00"), (0, "0.00")],
)
def test_points_proportional_is_the_maximum_times_the_share_clamped(value, expected):
    assert rules.points("proportional", value, Decimal(6), ()) == Decimal(expected)


def test_points_proportional_rounds_half_up_to_cents():
    assert rules.points("proportional", Decimal("0.333"), Decimal(8), ()) == Decimal("2.66")
    assert rules.points("proportional", Decimal("0.41875"), Decimal(2), ()) == Decimal("0.84")
    assert rules.points("proportional", 0.5, Decimal("2.5"), ()) == Decimal("1.25")


@pytest.mark.parametrize(("value", "expected"), [(True, "4.00"), (False, "0.00"), (1, "4.00"), (0, "0.00")])
def test_points_yes_no(value, expected):
    assert rules.points("yes_no", value, Decimal(4), ()) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.79", "0.00"),
        ("0.80", "2.00"),
        ("0.8999", "2.00"),
        ("0.90", "4.00"),
        ("0.97", "6.00"),
        ("0.98", "8.00"),
        ("1", "8.00"),
    ],
)
def test_points_thresholds_highest_reached(value, expected):
    assert rules.points("thresholds", Decimal(value), Decimal(8), C1) == Decimal(expected)


def test_points_thresholds_counts_in_any_order_and_capped_at_the_maximum():
    assert rules.points("thresholds", 2, Decimal(4), [["2", "4"], ["1", "2"]]) == Decimal("4.00")
    assert rules.points("thresholds", 1, Decimal(4), [["2", "4"], ["1", "2"]]) == Decimal("2.00")
    assert rules.points("thresholds", 5, Decimal(3), [["1", "10"]]) == Decimal("3.00")
    assert rules.points("thresholds", 0, Decimal(3), [["1", "3"]]) == Decimal("0.00")


def test_points_nothing_measured_earns_nothing():
    for rule in ("proportional", "yes_no", "thresholds"):
        assert rules.points(rule, None, Decimal(6), C1) == Decimal("0.00")


def test_points_unknown_rule():
    with pytest.raises(ValueError, match="unknown rule"):
        rules.points("bonus", 1, Decimal(6), ())


# --- parse_thresholds / format_thresholds ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "0.80 → 2; 0.90 → 4",
        "0.80 -> 2; 0.90 -> 4",
        "0,80: 2; 0,9: 4",
        "0.9 = 4\n0.8 = 2",
        " 0.80→2 ;; 0.90→4 ; ",
    ],
)
def test_parse_thresholds_accepts_the_usual_ways_of_writing(text):
    assert rules.parse_thresholds(text) == [["0.8", "2"], ["0.9", "4"]]


def test_parse_thresholds_empty_is_no_threshold():
    assert rules.parse_thresholds("") == []
    assert rules.parse_thresholds(" ; ") == []


def test_parse_thresholds_round_trips_with_format_thresholds():
    parsed = rules.parse_thresholds("1 → 2; 2 → 4; 0.5 → 1.5")
    assert parsed == [["0.5", "1.5"], ["1", "2"], ["2", "4"]]
    assert rules.format_thresholds(parsed) == "0.5 → 1.5; 1 → 2; 2 → 4"
    assert rules.parse_thresholds(rules.format_thresholds(parsed)) == parsed
    assert rules.parse_thresholds("100 → 10") == [["100", "10"]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0.80 2", "Write each threshold as “value → points”, e.g. “0.90 → 4”: 0.80 2"),
        ("abc → 2", "Not a number in “abc → 2”."),
        ("0.8 → two", "Not a number in “0.8 → two”."),
        ("-1 → 2", "Values and points cannot be negative: “-1 → 2”."),
        ("1 → -2", "Values and points cannot be negative: “1 → -2”."),
        ("0.8 → 2; 0.80 → 3", "Two thresholds have the same value."),
        ("0.8 → 4; 0.9 → 2", "A higher threshold cannot earn fewer points than a lower one."),
    ],
)
def test_parse_thresholds_errors_say_what_is_wrong(text, message):
    with pytest.raises(ValueError) as raised:
        rules.parse_thresholds(text)
    assert str(raised.value) == message
