"""SLA clock arithmetic: business hours, time zones, holidays, daylight saving, pauses."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.sla_clock import Calendar, due_at, running_time

BERLIN = Calendar.office("Europe/Berlin", time(8), time(18), holidays=[date(2026, 12, 25)])


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_within_a_working_day():
    # Thursday 2026-12-03 10:00 Berlin = 09:00 UTC; 4 h later, same day.
    assert due_at(utc(2026, 12, 3, 9), timedelta(hours=4), BERLIN) == utc(2026, 12, 3, 13)


def test_rolls_over_the_night_and_the_weekend():
    # Friday 16:00 Berlin + 4 business hours = Monday 10:00 Berlin (09:00 UTC).
    friday = utc(2026, 12, 4, 15)
    assert due_at(friday, timedelta(hours=4), BERLIN) == utc(2026, 12, 7, 9)


def test_a_report_at_night_starts_counting_at_opening():
    assert due_at(utc(2026, 12, 2, 23), timedelta(minutes=30), BERLIN) == utc(2026, 12, 3, 7, 30)


def test_holidays_are_skipped():
    # Thursday 24 Dec 17:00 Berlin + 2 h: 1 h on the 24th, Friday 25th is a holiday,
    # weekend, so Monday 28th 09:00 Berlin.
    assert due_at(utc(2026, 12, 24, 16), timedelta(hours=2), BERLIN) == utc(2026, 12, 28, 8)


def test_daylight_saving_change_keeps_local_opening_hours():
    # Sunday 29 March 2026 clocks go forward: Monday opens 08:00 CEST = 06:00 UTC.
    friday_close = utc(2026, 3, 27, 16, 30)  # 17:30 CET
    assert due_at(friday_close, timedelta(hours=1), BERLIN) == utc(2026, 3, 30, 6, 30)


def test_on_hold_pauses_the_clock():
    start = utc(2026, 12, 3, 9)  # 10:00 Berlin
    hold = [(utc(2026, 12, 3, 10), utc(2026, 12, 3, 12))]  # two hours on hold
    assert due_at(start, timedelta(hours=4), BERLIN, hold) == utc(2026, 12, 3, 15)
    assert running_time(start, utc(2026, 12, 3, 15), BERLIN, hold) == timedelta(hours=4)


def test_around_the_clock_ignores_hours_but_not_pauses():
    always = Calendar.around_the_clock()
    start = utc(2026, 12, 5, 22)  # Saturday night
    assert due_at(start, timedelta(minutes=15), always) == utc(2026, 12, 5, 22, 15)
    pause = [(utc(2026, 12, 5, 22, 5), utc(2026, 12, 5, 23))]
    assert due_at(start, timedelta(minutes=15), always, pause) == utc(2026, 12, 5, 23, 10)


def test_running_time_over_a_weekend_counts_only_open_hours():
    assert running_time(utc(2026, 12, 4, 15), utc(2026, 12, 7, 9), BERLIN) == timedelta(hours=4)


def test_a_calendar_with_no_hours_is_a_configuration_error():
    with pytest.raises(ValueError):
        due_at(utc(2026, 12, 3, 9), timedelta(hours=1), Calendar("UTC", {}))
