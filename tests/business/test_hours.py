"""Opening hours: is it open at T (Asia/Seoul), and when does it next open."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dongne.business.hours import (
    SEOUL,
    Schedule,
    TimeRange,
    clock,
    make_range,
    overlapping,
    parse_clock,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def seoul(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SEOUL)


# 2026-12-07 is a Monday.
LUNCH_BREAK = Schedule(
    ranges=tuple(
        r
        for day in (MON, TUE, WED, THU, FRI)
        for r in (make_range(day, "09:00", "12:00"), make_range(day, "13:00", "18:00"))
    ),
    holidays=frozenset({date(2026, 12, 25)}),
)
BAR = Schedule(ranges=(make_range(FRI, "18:00", "02:00"), make_range(SAT, "18:00", "02:00")))


def test_several_ranges_a_day_with_a_break_between() -> None:
    assert not LUNCH_BREAK.is_open(seoul(2026, 12, 7, 8, 59))
    assert LUNCH_BREAK.is_open(seoul(2026, 12, 7, 9, 0))
    assert LUNCH_BREAK.is_open(seoul(2026, 12, 7, 11, 59))
    assert not LUNCH_BREAK.is_open(seoul(2026, 12, 7, 12, 0))  # the end is exclusive
    assert LUNCH_BREAK.next_opening(seoul(2026, 12, 7, 12, 30)) == seoul(2026, 12, 7, 13)
    assert LUNCH_BREAK.is_open(seoul(2026, 12, 7, 17, 59))
    assert not LUNCH_BREAK.is_open(seoul(2026, 12, 7, 18, 0))


def test_the_answer_is_about_seoul_time_whatever_zone_the_instant_is_in() -> None:
    # 00:30 UTC on Monday is 09:30 in Seoul: open.
    assert LUNCH_BREAK.is_open(datetime(2026, 12, 7, 0, 30, tzinfo=UTC))
    # 23:30 UTC on Sunday is 08:30 on Monday in Seoul: opens at 09:00 Seoul.
    at = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert LUNCH_BREAK.next_opening(at) == seoul(2026, 12, 7, 9)


def test_weekend_and_friday_evening_wait_for_monday() -> None:
    assert LUNCH_BREAK.next_opening(seoul(2026, 12, 11, 18, 5)) == seoul(2026, 12, 14, 9)
    assert LUNCH_BREAK.next_opening(seoul(2026, 12, 13, 23, 59)) == seoul(2026, 12, 14, 9)


def test_a_holiday_closes_the_day_and_next_opening_skips_it() -> None:
    christmas_morning = seoul(2026, 12, 25, 10)  # a Friday
    assert not LUNCH_BREAK.is_open(christmas_morning)
    assert LUNCH_BREAK.next_opening(seoul(2026, 12, 24, 19)) == seoul(2026, 12, 28, 9)


def test_a_range_past_midnight_belongs_to_the_day_it_opens() -> None:
    assert BAR.is_open(seoul(2026, 12, 11, 23))  # Friday night
    assert BAR.is_open(seoul(2026, 12, 12, 1, 59))  # early Saturday, still Friday's range
    assert not BAR.is_open(seoul(2026, 12, 12, 2, 0))
    assert BAR.status(seoul(2026, 12, 12, 1)).until == seoul(2026, 12, 12, 2)
    assert BAR.is_open(seoul(2026, 12, 13, 1))  # Saturday's range into Sunday
    assert not BAR.is_open(seoul(2026, 12, 14, 1))  # no Sunday range into Monday
    assert BAR.next_opening(seoul(2026, 12, 13, 3)) == seoul(2026, 12, 18, 18)


def test_a_holiday_does_not_cut_short_the_night_that_began_the_day_before() -> None:
    bar = Schedule(ranges=BAR.ranges, holidays=frozenset({date(2026, 12, 12)}))
    assert bar.is_open(seoul(2026, 12, 12, 1))  # Friday's range, into the holiday
    assert not bar.is_open(seoul(2026, 12, 12, 19))  # Saturday's own range is off
    assert bar.next_opening(seoul(2026, 12, 12, 19)) == seoul(2026, 12, 18, 18)


def test_adjacent_ranges_close_at_the_end_of_the_last_one() -> None:
    schedule = Schedule(
        ranges=(make_range(MON, "09:00", "12:00"), make_range(MON, "12:00", "18:00"))
    )
    status = schedule.status(seoul(2026, 12, 7, 10))
    assert status.is_open and status.until == seoul(2026, 12, 7, 18)


def test_all_day_and_no_hours() -> None:
    always = Schedule(ranges=tuple(make_range(d, "00:00", "24:00") for d in range(7)))
    assert always.is_open(seoul(2026, 12, 9, 3, 17))
    assert always.status(seoul(2026, 12, 9, 3)).until is None  # no closing in sight
    # …until a holiday: then it closes at the holiday's midnight.
    with_holiday = Schedule(ranges=always.ranges, holidays=frozenset({date(2026, 12, 11)}))
    assert with_holiday.status(seoul(2026, 12, 9, 3)).until == seoul(2026, 12, 11, 0)
    never = Schedule()
    assert not never.is_open(seoul(2026, 12, 9, 12))
    assert never.next_opening(seoul(2026, 12, 9, 12)) is None
    assert never.status(seoul(2026, 12, 9, 12)).until is None


def test_a_long_holiday_beyond_two_weeks_gives_no_next_opening() -> None:
    start = date(2026, 12, 7)
    closed = frozenset(start + timedelta(days=i) for i in range(30))
    schedule = Schedule(ranges=LUNCH_BREAK.ranges, holidays=closed)
    assert schedule.next_opening(seoul(2026, 12, 7, 8)) is None


def test_clock_parsing_and_ranges_from_what_people_write() -> None:
    assert parse_clock("09:30") == 570
    assert parse_clock("24:00") == 1440
    for bad in ("9", "25:00", "24:30", "09:60", "ab:cd", "09:5", "-1:00", ""):
        with pytest.raises(ValueError):
            parse_clock(bad)
    assert make_range(FRI, "18:00", "02:00") == TimeRange(FRI, 1080, 1560)
    assert make_range(MON, "00:00", "24:00") == TimeRange(MON, 0, 1440)
    assert make_range(MON, "09:00", "09:00") == TimeRange(MON, 540, 1980)  # 24 hours
    assert clock(1560) == "02:00"
    assert clock(1440) == "24:00"
    with pytest.raises(ValueError):
        make_range(MON, "24:00", "02:00")


def test_overlaps_are_found_within_a_day_and_across_midnight() -> None:
    assert overlapping([make_range(MON, "09:00", "12:00"), make_range(MON, "11:00", "13:00")])
    assert not overlapping([make_range(MON, "09:00", "12:00"), make_range(MON, "12:00", "13:00")])
    assert not overlapping([make_range(MON, "09:00", "12:00"), make_range(TUE, "09:00", "12:00")])
    assert overlapping([make_range(SUN, "20:00", "03:00"), make_range(MON, "02:00", "10:00")])
    assert not overlapping([make_range(SUN, "20:00", "03:00"), make_range(MON, "03:00", "10:00")])


ranges = st.lists(
    st.builds(
        lambda day, start, length: TimeRange(day, start, start + length),
        st.integers(0, 6),
        st.integers(0, 1439),
        st.integers(1, 1440),
    ),
    max_size=6,
).filter(lambda rs: overlapping(rs) is None)
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(SEOUL)
)
holidays = st.frozensets(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=5)


@settings(max_examples=300, deadline=None)
@given(ranges, holidays, instants)
def test_next_opening_is_open_and_nothing_opens_before_it(
    rs: list[TimeRange], off: frozenset[date], at: datetime
) -> None:
    schedule = Schedule(ranges=tuple(rs), holidays=off)
    found = schedule.next_opening(at)
    if schedule.is_open(at):
        assert found == at
        return
    if found is None:
        return
    assert found > at
    assert schedule.is_open(found)
    # Closed the whole time before it (checked at every quarter hour and just before).
    probe = at
    while probe < found:
        assert not schedule.is_open(probe)
        probe += timedelta(minutes=15)
    assert not schedule.is_open(found - timedelta(seconds=1))
