"""Server-rendered SVG chart geometry (no script, no CDN): the template draws what this computes.

Each chart has both axes, value gridlines with labels on the y axis, labels under the bars and a
title per axis. Integer geometry only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LEFT, TOP, BOTTOM, RIGHT = 78, 12, 40, 8  # margins: y labels left, x labels and the x title below


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    label: str
    value: int
    title: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    max_value: int
    baseline: int
    ticks: list[tuple[int, str]]  # (x, label) under the axis
    y_ticks: list[tuple[int, str]]  # (y, label) beside the axis, with a gridline
    left: int = LEFT
    right: int = 0  # x of the plot's right edge
    x_title: str = ""
    y_title: str = ""
    empty: bool = False


def _nice_max(value: int) -> int:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def compact(value: int, *, money: bool = False) -> str:
    """Short axis label: 2.5M, 750k, 40 (integer arithmetic)."""
    prefix = "Rp " if money else ""
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if value >= size:
            whole, tenth = value // size, (value % size) * 10 // size
            return f"{prefix}{whole}{f'.{tenth}' if tenth and whole < 10 else ''}{suffix}"
    return f"{prefix}{value}"


def bar_chart(
    points: list[tuple[str, int, str]],
    *,
    width: int = 640,
    height: int = 200,
    tick_every: int = 1,
    x_title: str = "",
    y_title: str = "",
    money: bool = False,
) -> BarChart:
    """points: (label, value, tooltip)."""
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    n = max(1, len(points))
    slot = max(1, plot_w // n)
    gap = max(1, slot // 5)
    peak = _nice_max(max((v for _, v, _ in points), default=0))
    baseline = TOP + plot_h
    bars, ticks = [], []
    for i, (label, value, title) in enumerate(points):
        h = (plot_h * value) // peak if value else 0
        if value and h < 2:
            h = 2  # a non-zero value stays visible
        x = LEFT + i * slot + gap // 2
        bars.append(
            Bar(
                x=x, y=baseline - h, width=max(1, slot - gap), height=h, label=label, value=value, title=title
            )
        )
        if i % tick_every == 0:
            # keep the labels inside the drawing (they are centred on their bar)
            ticks.append((min(max(x + (slot - gap) // 2, LEFT + 20), width - 24), label))
    y_ticks = [(baseline - (plot_h * k) // 4, compact(peak * k // 4, money=money)) for k in range(5)]
    return BarChart(
        width=width,
        height=height,
        bars=bars,
        max_value=peak,
        baseline=baseline,
        ticks=ticks,
        y_ticks=y_ticks,
        right=width - RIGHT,
        x_title=x_title,
        y_title=y_title,
        empty=not any(v for _, v, _ in points),
    )


def rupiah(value: int) -> str:
    sign = "−" if value < 0 else ""
    return sign + "Rp " + f"{abs(value):,}".replace(",", ".")


# Past this many days a bar is a week: 640 px hold about 90 readable bars, and a year of daily
# bars would be 730 SVG rectangles to render on every visit.
DAILY_BARS_UP_TO = 92


def _weeks(by_day: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The days summed into runs of 7 (the last run may be shorter), each named by its first day."""
    weeks = []
    for i in range(0, len(by_day), 7):
        run = by_day[i : i + 7]
        count, paid = sum(d["count"] for d in run), sum(d["paid"] for d in run)
        weeks.append(
            {
                "day": run[0]["day"],
                "last": run[-1]["day"],
                "count": count,
                "volume": sum(d["volume"] for d in run),
                "rate": round(100 * paid / count, 1) if count else 0.0,
            }
        )
    return weeks


def daily_charts(by_day: list[dict[str, Any]]) -> dict[str, BarChart]:
    """Volume and count per day, or per week when the range has more than DAILY_BARS_UP_TO days."""
    points = by_day if len(by_day) <= DAILY_BARS_UP_TO else _weeks(by_day)

    def when(d: dict[str, Any]) -> str:
        return f"{d['day']:%d %b}" + (f" - {d['last']:%d %b}" if "last" in d else "")

    every = max(1, len(points) // 6)
    volume = [(d["day"].strftime("%d %b"), d["volume"], f"{when(d)}: {rupiah(d['volume'])}") for d in points]
    count = [
        (d["day"].strftime("%d %b"), d["count"], f"{when(d)}: {d['count']} payments, {d['rate']}% paid")
        for d in points
    ]
    return {
        "volume": bar_chart(volume, tick_every=every, x_title="Day", y_title="Paid (Rp)", money=True),
        "count": bar_chart(count, tick_every=every, x_title="Day", y_title="Payments"),
    }


def partner_chart(by_partner: list[dict[str, Any]], names: dict[str, str]) -> BarChart:
    points = [
        (
            names.get(p["mitra_cd"], p["mitra_cd"]),
            p["volume"],
            f"{names.get(p['mitra_cd'], p['mitra_cd'])}: {rupiah(p['volume'])}, {p['count']} payments, "
            f"{p['rate']}% paid",
        )
        for p in by_partner
    ]
    return bar_chart(points, x_title="Partner", y_title="Paid (Rp)", money=True)
