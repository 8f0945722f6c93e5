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


def daily_charts(by_day: list[dict[str, Any]]) -> dict[str, BarChart]:
    every = max(1, len(by_day) // 6)
    volume = [
        (d["day"].strftime("%d %b"), d["volume"], f"{d['day']:%d %b}: {rupiah(d['volume'])}") for d in by_day
    ]
    count = [
        (
            d["day"].strftime("%d %b"),
            d["count"],
            f"{d['day']:%d %b}: {d['count']} payments, {d['rate']}% paid",
        )
        for d in by_day
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
