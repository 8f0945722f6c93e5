"""The one bound on dates people type (clock.day_window), as form fields: every dashboard date
and date-time input, the replay window and the back office's reconciliation run use them, so a
date at the calendar's edge gets a field message instead of overflowing a query or a Job."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError

from payments import clock

OUT_OF_WINDOW = "out_of_window"


def check_day(day: date) -> None:
    """Raises ValidationError (code OUT_OF_WINDOW, a message naming the window) unless `day` is
    within clock.day_window()."""
    first, last = clock.day_window()
    if not first <= day <= last:
        raise ValidationError(
            f"Give a date from {first:%d %b %Y} to {last:%d %b %Y}.",
            code=OUT_OF_WINDOW,
        )


class DayField(forms.DateField):
    """A date input (type="date") within clock.day_window()."""

    widget = forms.DateInput(attrs={"type": "date"})

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is not None:
            check_day(value)


class MomentField(forms.DateTimeField):
    """A date-time input (type="datetime-local") whose day, as typed, is within clock.day_window()."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"})

    def validate(self, value: datetime | None) -> None:
        super().validate(value)
        if value is not None:
            check_day(value.replace(tzinfo=None).date())


def day_from_text(text: str) -> date:
    """A YYYY-MM-DD day within clock.day_window(). Raises ValidationError with the message."""
    return DayField().clean(text)
