"""Server-rendered SVG chart geometry (no script, no CDN): the template draws what this computes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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


def _nice_max(value: int) -> int:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(
    points: list[tuple[str, int, str]], *, width: int = 640, height: int = 180, tick_every: int = 1
) -> BarChart:
    """points: (label, value, tooltip). Integer geometry only."""
    top, bottom = 10, 24
    plot = height - top - bottom
    n = max(1, len(points))
    slot = width // n
    gap = max(1, slot // 5)
    peak = _nice_max(max((v for _, v, _ in points), default=0))
    bars, ticks = [], []
    for i, (label, value, title) in enumerate(points):
        h = (plot * value) // peak if value else 0
        if value and h < 2:
            h = 2  # a non-zero value stays visible
        x = i * slot + gap // 2
        bars.append(
            Bar(
                x=x,
                y=top + plot - h,
                width=max(1, slot - gap),
                height=h,
                label=label,
                value=value,
                title=title,
            )
        )
        if i % tick_every == 0:
            # keep the labels inside the drawing (they are centred on their bar)
            ticks.append((min(max(x + (slot - gap) // 2, 24), width - 24), label))
    return BarChart(width=width, height=height, bars=bars, max_value=peak, baseline=top + plot, ticks=ticks)


def rupiah(value: int) -> str:
    return "Rp " + f"{value:,}".replace(",", ".")


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
    return {"volume": bar_chart(volume, tick_every=every), "count": bar_chart(count, tick_every=every)}


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
    return bar_chart(points, width=640, height=180)
