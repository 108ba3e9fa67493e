"""A horizontal stacked bar chart of balances, laid out here and drawn as SVG by a template."""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from app.balances.queries import Balance
from app.money import ZERO
from app.web.formatting import whole_pounds

STAGES = (
    ("not_started", "Not yet started"),
    ("held_by_developer", "Held by developers"),
    ("at_risk", "At risk"),
    ("held_by_local_authority", "Held by the authority"),
    ("drawn", "Drawn by the force"),
    ("returned", "Returned to developers"),
)
"""The stages that divide a total value, left to right, in the order money moves through them."""

WIDTH = Decimal(1220)
PLOT_LEFT = Decimal(10)
PLOT_RIGHT = Decimal(1210)
LABEL_HEIGHT = 24
BAR_HEIGHT = 24
SPENT_GAP = 4
SPENT_HEIGHT = 10
ROW_GAP = 18
AXIS_HEIGHT = 28
ROW_HEIGHT = LABEL_HEIGHT + BAR_HEIGHT + SPENT_GAP + SPENT_HEIGHT + ROW_GAP
PIXEL = Decimal("0.1")
NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


@dataclass(frozen=True)
class Segment:
    """One stage's part of a bar."""

    stage: str
    label: str
    value: Decimal
    x: Decimal
    width: Decimal


@dataclass(frozen=True)
class Bar:
    """One authority's bar: its stages stacked, and a thin bar of what has been spent beneath."""

    key: str
    label: str
    total_value: Decimal
    spent: Decimal
    label_y: int
    bar_y: int
    spent_y: int
    segments: list[Segment]
    spent_width: Decimal


@dataclass(frozen=True)
class Tick:
    """A gridline on the money axis."""

    x: Decimal
    label: str


@dataclass(frozen=True)
class Chart:
    """Everything the SVG template needs, in SVG user units."""

    width: Decimal
    height: int
    plot_left: Decimal
    plot_right: Decimal
    plot_bottom: int
    bar_height: int
    spent_height: int
    bars: list[Bar]
    ticks: list[Tick]
    legend: list[tuple[str, str]]
    empty: list[str]
    """Rows left out because they hold no money at all."""


def nice_step(largest: Decimal, *, ticks: int = 4) -> Decimal:
    """A round step (1, 2, 2.5 or 5 times a power of ten) that covers the largest value in about `ticks` steps."""
    raw = largest / ticks
    power = Decimal(10) ** raw.adjusted()
    for multiple in NICE_STEPS:
        if multiple * power >= raw:
            return multiple * power
    return NICE_STEPS[-1] * power


def _scale(value: Decimal, maximum: Decimal) -> Decimal:
    return ((PLOT_RIGHT - PLOT_LEFT) * value / maximum).quantize(PIXEL, rounding=ROUND_HALF_UP)


def _holds_money(row: Balance) -> bool:
    return any(getattr(row, stage) != 0 for stage, _ in STAGES) or row.spent != 0


def stacked_bars(rows: list[Balance]) -> Chart | None:
    """The chart of these rows on one scale (rows with no money left out), or None when there is none."""
    empty = [row.label for row in rows if not _holds_money(row)]
    rows = [row for row in rows if _holds_money(row)]
    parts = [{stage: max(getattr(row, stage), ZERO) for stage, _ in STAGES} for row in rows]
    lengths = [max(sum(part.values(), ZERO), row.spent) for part, row in zip(parts, rows, strict=True)]
    largest = max(lengths, default=ZERO)
    if largest <= 0:
        return None
    step = nice_step(largest)
    maximum = (largest / step).to_integral_value(rounding=ROUND_CEILING) * step
    bars = []
    for index, (row, part) in enumerate(zip(rows, parts, strict=True)):
        top = index * ROW_HEIGHT
        x = PLOT_LEFT
        segments = []
        for stage, stage_label in STAGES:
            if part[stage] > 0:
                width = _scale(part[stage], maximum)
                segments.append(Segment(stage=stage, label=stage_label, value=part[stage], x=x, width=width))
                x += width
        bars.append(
            Bar(
                key=row.key,
                label=row.label,
                total_value=row.total_value,
                spent=row.spent,
                label_y=top + LABEL_HEIGHT - 7,
                bar_y=top + LABEL_HEIGHT,
                spent_y=top + LABEL_HEIGHT + BAR_HEIGHT + SPENT_GAP,
                segments=segments,
                spent_width=_scale(max(row.spent, ZERO), maximum),
            )
        )
    plot_bottom = len(rows) * ROW_HEIGHT
    count = int(maximum / step)
    ticks = [
        Tick(x=PLOT_LEFT + _scale(step * number, maximum), label=whole_pounds(step * number))
        for number in range(count + 1)
    ]
    drawn = {segment.stage for bar in bars for segment in bar.segments}
    legend = [(stage, stage_label) for stage, stage_label in STAGES if stage in drawn]
    legend.append(("spent", "Spent (thin bar)"))
    return Chart(
        width=WIDTH,
        height=plot_bottom + AXIS_HEIGHT,
        plot_left=PLOT_LEFT,
        plot_right=PLOT_RIGHT,
        plot_bottom=plot_bottom,
        bar_height=BAR_HEIGHT,
        spent_height=SPENT_HEIGHT,
        bars=bars,
        ticks=ticks,
        legend=legend,
        empty=empty,
    )
