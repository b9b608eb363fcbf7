"""Small charts drawn as SVG strings in Python: the PDF reports embed them (WeasyPrint draws SVG, no script
runs), and a page may show the same markup. Every chart is an illustration of a table printed beside it."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = '"Tinos", "Tinos Vietnamese", "Tinos Latin Ext", serif'
LABEL_WIDTH = 210  # px of the widest label column
VALUE_WIDTH = 70
ROW_HEIGHT = 24
BAR_HEIGHT = 15
FONT_SIZE = 14


@dataclass(frozen=True)
class Bar:
    """One bar: `value` between 0 and the chart's maximum, None for "no figure" (drawn as a dash);
    `text` replaces the formatted value beside the bar when given."""

    label: str
    value: float | Decimal | None
    text: str = ""


def bar_chart(
    bars: Iterable[Bar],
    *,
    maximum: float | Decimal = 100,
    unit: str = "%",
    title: str = "",
    width: int = 600,
    decimals: int = 1,
) -> SafeString:
    """A horizontal bar chart, one row per bar: its label, the bar scaled to `maximum`, the value
    (`number_format(value, decimals)` + `unit`, localized, unless the bar brings its own `text`).
    Labels longer than the label column are cut with an ellipsis; the full label stays in a <title>."""
    bars = list(bars)
    maximum = float(maximum) or 1.0
    track = max(width - LABEL_WIDTH - VALUE_WIDTH, 40)
    height = max(len(bars), 1) * ROW_HEIGHT + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f"font-family='{FONT}' font-size=\"{FONT_SIZE}\">"
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    axis_x = LABEL_WIDTH
    for index, bar in enumerate(bars):
        top = 3 + index * ROW_HEIGHT
        baseline = top + ROW_HEIGHT / 2 + FONT_SIZE / 3
        parts.append(
            f'<text x="{axis_x - 6}" y="{baseline:.1f}" text-anchor="end">'
            f"<title>{escape(bar.label)}</title>{escape(_shorten(bar.label))}</text>"
        )
        if bar.value is None:
            text = bar.text or "—"
            parts.append(f'<text x="{axis_x + 4}" y="{baseline:.1f}">{escape(text)}</text>')
            continue
        share = min(max(float(bar.value) / maximum, 0.0), 1.0)
        length = share * track
        bar_top = top + (ROW_HEIGHT - BAR_HEIGHT) / 2
        parts.append(
            f'<rect x="{axis_x}" y="{bar_top:.1f}" width="{track}" height="{BAR_HEIGHT}" '
            f'fill="#ffffff" stroke="#999999" stroke-width="0.5"/>'
        )
        if length > 0:
            parts.append(
                f'<rect x="{axis_x}" y="{bar_top:.1f}" width="{length:.1f}" height="{BAR_HEIGHT}" '
                'fill="#4d4d4d"/>'
            )
        text = bar.text or f"{number_format(bar.value, decimals)}{unit}"
        parts.append(f'<text x="{axis_x + track + 6}" y="{baseline:.1f}">{escape(text)}</text>')
    parts.append(
        f'<line x1="{axis_x}" y1="0" x2="{axis_x}" y2="{height}" stroke="#000000" stroke-width="0.8"/>'
    )
    parts.append("</svg>")
    # Every piece of text above went through escape(): the markup is ours.
    return mark_safe("".join(parts))  # noqa: S308


def _shorten(label: str, limit: int = 32) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"
