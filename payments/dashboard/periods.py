"""The date range pickers of the overview, balance and settlement pages: presets and custom."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from .dates import DayField

MAX_DAYS = 366
PRESETS = [
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("custom", "Custom"),
]


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date  # inclusive
    preset: str
    title: str = ""  # a name for a custom range ("Last 365 days")

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Period:
        """The last `days` days, today included (the overview's ?days=N)."""
        today = today or timezone.localdate()
        return cls(today - timedelta(days=days - 1), today, "custom", f"Last {days} days")

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def name(self) -> str:
        """The preset's name ("Last 30 days"), or the dates of a custom range."""
        if self.title:
            return self.title
        return self.label if self.preset == "custom" else dict(PRESETS).get(self.preset, self.label)

    @property
    def label(self) -> str:
        if self.date_from == self.date_to:
            return f"{self.date_from:%d %b %Y}"
        return f"{self.date_from:%d %b %Y} – {self.date_to:%d %b %Y}"

    def as_params(self) -> dict[str, str]:
        if self.preset != "custom":
            return {"period": self.preset}
        return {"period": "custom", "from": self.date_from.isoformat(), "to": self.date_to.isoformat()}


def preset_range(preset: str, today: date) -> tuple[date, date]:
    if preset == "today":
        return today, today
    if preset == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if preset == "7d":
        return today - timedelta(days=6), today
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    return today - timedelta(days=29), today  # 30d


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label="Period", choices=PRESETS, required=False)
    date_from = DayField(label="From", required=False)
    date_to = DayField(label="To", required=False)

    def __init__(self, data: Mapping[str, str] | None = None, *, default: str = "30d", **kwargs: Any) -> None:
        if data is not None:
            data = {
                "period": data.get("period", ""),
                "date_from": data.get("from", data.get("date_from", "")),
                "date_to": data.get("to", data.get("date_to", "")),
            }
            if not any(data.values()):
                data = None
        kwargs.setdefault("initial", {"period": default})
        super().__init__(data, **kwargs)
        self.default = default

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        preset = data.get("period") or ("custom" if data.get("date_from") or data.get("date_to") else "")
        data["period"] = preset or self.default
        if self.has_error("date_from") or self.has_error("date_to"):
            return data  # the field's own message says what is wrong
        if data["period"] == "custom":
            start, end = data.get("date_from"), data.get("date_to")
            if not start or not end:
                raise forms.ValidationError("Give both dates of a custom period.")
            if start > end:
                raise forms.ValidationError("'From' must be on or before 'To'.")
            if (end - start).days + 1 > MAX_DAYS:
                raise forms.ValidationError(f"A period can be at most {MAX_DAYS} days long.")
        return data

    def chosen(self, today: date | None = None) -> Period:
        """The chosen period, or the default preset when the form is empty or invalid."""
        today = today or timezone.localdate()
        if self.is_bound and self.is_valid():
            preset = self.cleaned_data["period"]
            if preset == "custom":
                return Period(self.cleaned_data["date_from"], self.cleaned_data["date_to"], "custom")
            return Period(*preset_range(preset, today), preset)
        return Period(*preset_range(self.default, today), self.default)
