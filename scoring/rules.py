"""The arithmetic of scoring, free of the database: rules into points, totals into bands, ranks, shares.

Every figure is a Decimal with two places, so what the page shows is what was summed and compared.
"""

from collections.abc import Iterable, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Protocol

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def points(rule: str, value, max_points: Decimal, thresholds: Sequence = ()) -> Decimal:
    """The points a metric value earns under a rule (names as in scoring.models.Rule).

    proportional: max × value, value a share 0..1 (clamped); yes_no: max when the value is true;
    thresholds: the points of the highest threshold the value reaches, 0 below the first.
    A value of None (nothing to measure and no default) earns nothing.
    """
    if value is None:
        return Decimal(0).quantize(CENT)
    if rule == "yes_no":
        return (max_points if value else Decimal(0)).quantize(CENT)
    if isinstance(value, bool):  # a yes/no metric under a numeric rule: yes counts as 1
        value = int(value)
    value = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if rule == "proportional":
        share = min(max(value, Decimal(0)), Decimal(1))
        return (max_points * share).quantize(CENT, rounding=ROUND_HALF_UP)
    if rule == "thresholds":
        earned = Decimal(0)
        for at, worth in sorted((Decimal(str(at)), Decimal(str(worth))) for at, worth in thresholds):
            if value >= at:
                earned = worth
        return min(earned, max_points).quantize(CENT)
    raise ValueError(f"unknown rule {rule!r}")


def parse_thresholds(text: str) -> list[list[str]]:
    """`"0.80 → 2; 0.90 → 4"` (also `:` or `->`) into [["0.80", "2"], ["0.90", "4"]], ascending.

    Raises ValueError with a message for the user on anything else."""
    pairs: list[tuple[Decimal, Decimal]] = []
    for chunk in filter(None, (part.strip() for part in text.replace("\n", ";").split(";"))):
        for arrow in ("→", "->", ":", "="):
            if arrow in chunk:
                at, _sep, worth = chunk.partition(arrow)
                break
        else:
            raise ValueError(
                _("Write each threshold as “value → points”, e.g. “0.90 → 4”: %(chunk)s") % {"chunk": chunk}
            )
        try:
            pair = (Decimal(at.strip().replace(",", ".")), Decimal(worth.strip().replace(",", ".")))
        except ArithmeticError:
            raise ValueError(_("Not a number in “%(chunk)s”.") % {"chunk": chunk}) from None
        if not all(number.is_finite() and number >= 0 for number in pair):
            raise ValueError(_("Values and points cannot be negative: “%(chunk)s”.") % {"chunk": chunk})
        pairs.append(pair)
    pairs.sort()
    if len({at for at, _worth in pairs}) != len(pairs):
        raise ValueError(_("Two thresholds have the same value."))
    if any(later[1] < earlier[1] for earlier, later in zip(pairs, pairs[1:], strict=False)):
        raise ValueError(_("A higher threshold cannot earn fewer points than a lower one."))
    return [[_plain(at), _plain(worth)] for at, worth in pairs]


def format_thresholds(thresholds: Sequence) -> str:
    return "; ".join(f"{at} → {worth}" for at, worth in thresholds)


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


class BandLike(Protocol):
    label: str
    lower_bound: Decimal
    inclusive: bool


def band_for(total: Decimal | None, bands: Iterable[BandLike]) -> BandLike | None:
    """The band a total falls in: the highest band whose lower bound the total reaches (or passes, when the
    bound is exclusive)."""
    if total is None:
        return None
    for band in sorted(bands, key=lambda band: (band.lower_bound, not band.inclusive), reverse=True):
        if total > band.lower_bound or (band.inclusive and total == band.lower_bound):
            return band
    return None


def band_problems(bands: Sequence[BandLike], total: Decimal) -> list[str]:
    """Why these bands do not cover 0..total exactly once; empty when they do."""
    if not bands:
        return [_("The rubric has no bands.")]
    problems = []
    ordered = sorted(bands, key=lambda band: band.lower_bound)
    lowest = ordered[0]
    if lowest.lower_bound > 0:
        problems.append(
            _("Scores from 0 up to %(bound)s fall in no band: the lowest band must start at 0, inclusive.")
            % {"bound": lowest.lower_bound}
        )
    elif lowest.lower_bound == 0 and not lowest.inclusive:
        problems.append(_("A total of 0 falls in no band: the lowest band must start at 0, inclusive."))
    seen: dict[Decimal, str] = {}
    for band in ordered:
        if band.lower_bound < 0 or band.lower_bound > total:
            problems.append(
                _("Band “%(label)s” starts at %(bound)s, outside 0–%(total)s.")
                % {"label": band.label, "bound": band.lower_bound, "total": total}
            )
        elif band.lower_bound == total and not band.inclusive:
            # Only totals above the maximum would reach it.
            problems.append(
                _("Band “%(label)s” holds only totals above %(total)s, which no agency can reach.")
                % {"label": band.label, "total": total}
            )
        if band.lower_bound in seen:
            problems.append(
                _("Bands “%(first)s” and “%(second)s” both start at %(bound)s and overlap.")
                % {"first": seen[band.lower_bound], "second": band.label, "bound": band.lower_bound}
            )
        seen.setdefault(band.lower_bound, band.label)
    labels = [band.label.strip().casefold() for band in bands]
    if len(set(labels)) != len(labels):
        problems.append(_("Two bands have the same label."))
    return problems


def competition_ranks(totals: dict[int, Decimal]) -> dict[int, int]:
    """Rank per key, highest total first; ties share a rank and the next rank skips (1, 2, 2, 4)."""
    ranks: dict[int, int] = {}
    previous = None
    for position, (key, total) in enumerate(sorted(totals.items(), key=lambda item: -item[1]), start=1):
        if total != previous:
            rank = position
            previous = total
        ranks[key] = rank
    return ranks


def shares(counts: Sequence[int]) -> list[Decimal]:
    """Percentages with two decimals that add up to exactly 100.00 (largest remainders get the spare cents);
    all zeros when there is nothing to share."""
    whole = sum(counts)
    if not whole:
        return [Decimal("0.00") for _count in counts]
    exact = [Decimal(count) * HUNDRED / Decimal(whole) for count in counts]
    floored = [share.quantize(CENT, rounding=ROUND_DOWN) for share in exact]
    spare = int((HUNDRED - sum(floored)) / CENT)
    order = sorted(range(len(counts)), key=lambda i: exact[i] - floored[i], reverse=True)
    for i in order[:spare]:
        floored[i] += CENT
    return floored
