"""Business-time arithmetic for SLA clocks: pure functions, no database.

A `Calendar` says when the clock runs (weekly opening hours in a time zone, minus
holidays; or around the clock). `due_at` walks a target duration forward through
those hours; `running_time` measures how much clock time passed between two
moments, skipping paused spans (a ticket on hold). Both walk day by day, so
daylight-saving changes are handled by the time zone, not by us.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 3660  # a target that cannot be met within ten years is a configuration error


@dataclass(frozen=True)
class Calendar:
    """When an SLA clock runs. `hours[weekday]` lists (start, end) local times; 0 = Monday."""

    timezone: str = "UTC"
    hours: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    always: bool = False

    @classmethod
    def office(cls, timezone: str = "UTC", start: time = time(8), end: time = time(18),
               days: Iterable[int] = range(5), holidays: Iterable[date] = ()) -> Calendar:
        return cls(timezone, {d: ((start, end),) for d in days}, frozenset(holidays))

    @classmethod
    def around_the_clock(cls) -> Calendar:
        return cls(always=True)

    def windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Yield the clock's running spans (UTC) from the day of `start` on."""
        zone = ZoneInfo(self.timezone)
        day = start.astimezone(zone).date()
        for offset in range(MAX_DAYS):
            current = day + timedelta(days=offset)
            if current in self.holidays:
                continue
            for begin, end in self.hours.get(current.weekday(), ()):
                yield (datetime.combine(current, begin, zone).astimezone(UTC),
                       datetime.combine(current, end, zone).astimezone(UTC))


def due_at(start: datetime, target: timedelta, calendar: Calendar,
           pauses: Iterable[tuple[datetime, datetime]] = ()) -> datetime:
    """Return when `target` of running clock time has passed since `start`."""
    left = target
    for begin, end in _running_spans(start, calendar, list(pauses)):
        if end - begin >= left:
            return begin + left
        left -= end - begin
    raise ValueError(f"target {target} cannot be reached within {MAX_DAYS} days")


def running_time(start: datetime, stop: datetime, calendar: Calendar,
                 pauses: Iterable[tuple[datetime, datetime]] = ()) -> timedelta:
    """Return how much clock time ran between `start` and `stop`, pauses excluded."""
    total = timedelta()
    for begin, end in _running_spans(start, calendar, list(pauses)):
        if begin >= stop:
            break
        total += min(end, stop) - begin
    return total


def _running_spans(start: datetime, calendar: Calendar,
                   pauses: list[tuple[datetime, datetime]]) -> Iterator[tuple[datetime, datetime]]:
    """Yield spans from `start` on when the clock runs: open hours minus pauses."""
    if calendar.always:
        spans: Iterable[tuple[datetime, datetime]] = [(start, start + timedelta(days=MAX_DAYS))]
    else:
        spans = calendar.windows(start)
    for begin, end in spans:
        begin = max(begin, start)
        if begin < end:
            yield from _minus(begin, end, pauses)


def _minus(begin: datetime, end: datetime,
           pauses: list[tuple[datetime, datetime]]) -> Iterator[tuple[datetime, datetime]]:
    """Cut the paused parts out of one span."""
    cursor = begin
    for pause_start, pause_end in sorted(pauses):
        if pause_end <= cursor or pause_start >= end:
            continue
        if pause_start > cursor:
            yield cursor, pause_start
        cursor = max(cursor, pause_end)
        if cursor >= end:
            return
    if cursor < end:
        yield cursor, end
