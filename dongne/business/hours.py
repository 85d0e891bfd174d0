"""Opening hours: "is it open at T?" and "when does it next open?", in one place.

A business has, per weekday, any number of time ranges, and a set of holiday
dates on which it is closed. Rules:

- Times are minutes after the local midnight (Asia/Seoul by default). A range
  may close after midnight (a bar open 18:00–02:00 is stored as 1080–1560): it
  belongs to the day on which it opens.
- A holiday closes the ranges that *open* on that date; a range that opened the
  evening before keeps running into it (the night's customers are not thrown out).
- Ranges of one weekday do not overlap (validated on input); adjacent ranges
  (09:00–12:00, 12:00–18:00) read as one opening.

The inbox's automatic reply ("we answer from 09:00 tomorrow") uses
:meth:`Schedule.next_opening`; the profile shows :meth:`Schedule.status`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")
DAY = 24 * 60
HORIZON_DAYS = 15  # how far ahead next_opening looks (two weeks and a day)


@dataclass(frozen=True, order=True)
class TimeRange:
    weekday: int  # 0 = Monday … 6 = Sunday
    opens: int  # minutes after midnight, 0 ≤ opens < 1440
    closes: int  # opens < closes ≤ opens + 1440 (up to 24 hours, perhaps past midnight)

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0..6")
        if not 0 <= self.opens < DAY:
            raise ValueError("opens must be within the day")
        if not self.opens < self.closes <= self.opens + DAY:
            raise ValueError("closes must follow opens, at most 24 hours later")

    def on(self, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The range's start and end on ``day`` (which must be its weekday), in UTC-aware form."""
        midnight = datetime.combine(day, time(0), tz)
        return midnight + timedelta(minutes=self.opens), midnight + timedelta(minutes=self.closes)


@dataclass(frozen=True)
class OpenStatus:
    is_open: bool
    # While open: when it closes (after any adjacent ranges; None: not within a week);
    # while closed: when it next opens (None: not within two weeks).
    until: datetime | None


@dataclass(frozen=True)
class Schedule:
    ranges: tuple[TimeRange, ...] = ()
    holidays: frozenset[date] = field(default_factory=frozenset)
    tz: ZoneInfo = SEOUL

    @property
    def is_empty(self) -> bool:
        return not self.ranges

    def _day(self, day: date) -> list[tuple[datetime, datetime]]:
        if day in self.holidays:
            return []
        return sorted(r.on(day, self.tz) for r in self.ranges if r.weekday == day.weekday())

    def _containing(self, at: datetime) -> tuple[datetime, datetime] | None:
        local = at.astimezone(self.tz).date()
        for day in (local - timedelta(days=1), local):
            for start, end in self._day(day):
                if start <= at < end:
                    return start, end
        return None

    def is_open(self, at: datetime) -> bool:
        """Whether the business is open at the instant ``at`` (timezone-aware)."""
        return self._containing(at) is not None

    def next_opening(self, at: datetime) -> datetime | None:
        """``at`` itself if open then; else the next instant it opens; None if it
        does not open within the next two weeks (no hours, or a long holiday)."""
        if self.is_open(at):
            return at
        local = at.astimezone(self.tz).date()
        for offset in range(HORIZON_DAYS):
            for start, _end in self._day(local + timedelta(days=offset)):
                if start > at:
                    return start
        return None

    def closes_at(self, at: datetime) -> datetime | None:
        """When an opening that includes ``at`` ends (adjacent ranges joined); None
        if closed then, or if it stays open for the next week (always open)."""
        span = self._containing(at)
        if span is None:
            return None
        end = span[1]
        while (following := self._containing(end)) is not None:
            end = following[1]
            if end - at > timedelta(days=7):
                return None
        return end

    def status(self, at: datetime) -> OpenStatus:
        if self.is_open(at):
            return OpenStatus(True, self.closes_at(at))
        return OpenStatus(False, self.next_opening(at))


def parse_clock(text: str) -> int:
    """'09:30' → 570; '24:00' → 1440. Raises ValueError."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(text)
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError(text)
    return h * 60 + m


def clock(minutes: int) -> str:
    """570 → '09:30'; 1440 → '24:00' (midnight at the end of the day); 1560 → '02:00'
    (the next day's clock)."""
    if minutes == DAY:
        return "24:00"
    minutes %= DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def make_range(weekday: int, opens: str, closes: str) -> TimeRange:
    """From clock times as people write them: a closing time at or before the
    opening time means the next day (18:00–02:00); 00:00–24:00 is all day."""
    start, end = parse_clock(opens), parse_clock(closes)
    if start == DAY:
        raise ValueError(opens)
    if end <= start:
        end += DAY
    return TimeRange(weekday, start, end)


def overlapping(ranges: list[TimeRange]) -> tuple[TimeRange, TimeRange] | None:
    """The first pair of ranges of one weekday that overlap, if any."""
    ordered = sorted(ranges)
    for first, second in pairwise(ordered):
        if first.weekday == second.weekday and second.opens < first.closes:
            return first, second
    # A range running past midnight into the next weekday's first range.
    by_day: dict[int, list[TimeRange]] = {}
    for r in ordered:
        by_day.setdefault(r.weekday, []).append(r)
    for r in ordered:
        if r.closes > DAY:
            for nxt in by_day.get((r.weekday + 1) % 7, []):
                if nxt.opens < r.closes - DAY:
                    return r, nxt
    return None
