"""Counting Chinese working days: the official schedules of 2025 and 2026 as bundled data, and
provisional years from the statutory holidays beyond them."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftzlink.errors import CalendarNotCovered, InvalidInput
from ftzlink.workdays import bundled_calendar
from ftzlink.workdays.schedule import bundled_schedules
from ftzlink.workdays.statutory import provisional_year, statutory_days

CAL = bundled_calendar()
is_working_day = CAL.is_working_day
working_days_between = CAL.working_days_between


def add_working_days(start: date, n: int) -> date:
    return CAL.add_working_days(start, n).day


# The years the package has data for and the bundled files cover too.
BOTH = sorted({d.year for d in chinese_calendar.holidays} & {s.year for s in bundled_schedules()})
MAX_N = 60
starts = st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 9, 30))
counts = st.integers(min_value=0, max_value=MAX_N)


def test_the_bundled_years_are_2025_and_2026_with_their_notices() -> None:
    years = {s.year: s for s in bundled_schedules()}
    assert sorted(years) == [2025, 2026]
    assert years[2025].notice is not None and years[2025].notice.number == "国办发明电〔2024〕12号"
    assert years[2025].notice.issued_on == date(2024, 11, 12)
    assert years[2026].notice is not None and years[2026].notice.issued_on == date(2025, 11, 4)


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_bundled_year_agrees_with_chinese_calendar_on_every_day(year: int) -> None:
    assert year in BOTH
    day = date(year, 1, 1)
    disagreements = []
    while day.year == year:
        if is_working_day(day) != chinese_calendar.is_workday(day):
            disagreements.append(day)
        day += timedelta(days=1)
    assert disagreements == []


def test_national_day_2025_holidays_are_not_working_days_and_the_adjusted_weekend_days_are() -> (
    None
):
    assert all(not is_working_day(date(2025, 10, d)) for d in range(1, 9))
    assert is_working_day(date(2025, 9, 28))  # a Sunday worked
    assert is_working_day(date(2025, 10, 11))  # a Saturday worked
    assert not is_working_day(date(2025, 10, 12))  # an ordinary Sunday


def test_a_single_window_deadline_across_national_day_2025_counts_the_adjusted_weekend_days() -> (
    None
):
    # 7 working days from Friday 26 September: Sun 28, Mon 29, Tue 30 September, then the
    # holiday (1–8 October), then Thu 9, Fri 10, Sat 11 (working) and Mon 13 October.
    assert add_working_days(date(2025, 9, 26), 7) == date(2025, 10, 13)
    assert working_days_between(date(2025, 9, 26), date(2025, 10, 13)) == 7


def test_work_permit_deadlines_across_spring_festival_2026_land_on_the_right_day() -> None:
    assert all(not is_working_day(date(2026, 2, d)) for d in range(15, 24))
    assert is_working_day(date(2026, 2, 14)) and is_working_day(date(2026, 2, 28))
    assert add_working_days(date(2026, 2, 12), 5) == date(2026, 2, 26)
    assert add_working_days(date(2026, 2, 12), 10) == date(2026, 3, 4)


def test_a_count_within_official_years_is_not_provisional() -> None:
    counted = CAL.add_working_days(date(2026, 11, 2), 10)
    assert counted.day == date(2026, 11, 16) and not counted.provisional


def test_a_count_into_2027_is_provisional_and_keeps_new_years_day_off() -> None:
    counted = CAL.add_working_days(date(2026, 12, 21), 10)
    # 22–25 and 28–31 December (8), 1 January is New Year's Day, then Mon 4 and Tue 5 January.
    assert counted.day == date(2027, 1, 5)
    assert counted.provisional and counted.provisional_years == (2027,)
    assert not is_working_day(date(2027, 1, 1))


def test_a_provisional_year_has_the_13_statutory_days_off_and_no_adjusted_working_days() -> None:
    for year in (2027, 2029, 2035):
        schedule = provisional_year(year)
        assert schedule.provisional and schedule.notice is None
        assert len(schedule.days_off) == 13 and not schedule.adjusted_working_days
        assert schedule.days_off == frozenset(statutory_days(year))
    # Spring Festival 2027: the lunar new year is 6 February; its eve and first three days.
    assert {date(2027, 2, d) for d in range(5, 9)} <= provisional_year(2027).days_off


def test_mid_autumn_on_national_day_gives_twelve_days_off_that_year() -> None:
    days = statutory_days(2028)
    assert len(days) == 12
    assert days[date(2028, 10, 3)].zh == "中秋节、国庆节"


@given(year=st.integers(min_value=2025, max_value=2099))
def test_every_year_has_its_statutory_days(year: int) -> None:
    days = statutory_days(year)
    assert 12 <= len(days) <= 13
    assert date(year, 1, 1) in days and date(year, 10, 1) in days


def test_the_statutory_days_of_the_official_years_are_all_days_off_in_their_notices() -> None:
    for schedule in bundled_schedules():
        assert frozenset(statutory_days(schedule.year)) <= schedule.days_off


def test_zero_working_days_gives_the_start_day_back() -> None:
    assert add_working_days(date(2025, 10, 1), 0) == date(2025, 10, 1)


def test_a_negative_number_of_working_days_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as raised:
        add_working_days(date(2025, 10, 1), -1)
    assert not isinstance(raised.value, CalendarNotCovered)


def test_a_date_before_the_first_year_is_refused_with_the_first_year_named() -> None:
    for call in (
        lambda: is_working_day(date(2024, 12, 31)),
        lambda: add_working_days(date(2024, 6, 1), 1),
        lambda: working_days_between(date(2024, 6, 1), date(2025, 1, 1)),
        lambda: CAL.working_days_back(date(2025, 1, 10), 20),
    ):
        with pytest.raises(CalendarNotCovered) as raised:
            call()
        assert raised.value.code == "calendar_not_covered"
        assert "2025" in str(raised.value)


def test_a_date_far_in_the_future_is_counted_provisionally_not_refused() -> None:
    counted = CAL.add_working_days(date(2099, 6, 1), 20)
    assert counted.provisional and counted.provisional_years == (2099,)


@given(start=starts, n=st.integers(min_value=1, max_value=MAX_N))
def test_a_deadline_of_at_least_one_working_day_is_a_working_day(start: date, n: int) -> None:
    assert is_working_day(add_working_days(start, n))


@given(start=starts, n=counts)
def test_counting_the_working_days_up_to_a_deadline_gives_back_its_length(
    start: date, n: int
) -> None:
    assert working_days_between(start, add_working_days(start, n)) == n


@given(start=starts, n=counts, more=st.integers(min_value=1, max_value=10))
def test_a_deadline_moves_later_when_the_time_limit_grows(start: date, n: int, more: int) -> None:
    assert add_working_days(start, n) < add_working_days(start, n + more)


@given(
    end=st.dates(min_value=date(2025, 6, 1), max_value=date(2028, 9, 30)),
    n=st.integers(min_value=1, max_value=MAX_N),
)
def test_counting_back_n_working_days_and_forward_again_meets(end: date, n: int) -> None:
    if not is_working_day(end):
        return
    first = CAL.working_days_back(end, n).day
    assert is_working_day(first)
    assert working_days_between(first - timedelta(days=1), end) == n


@given(
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
    n=counts,
)
def test_a_count_is_provisional_exactly_when_it_reaches_past_2026(start: date, n: int) -> None:
    counted = CAL.add_working_days(start, n)
    assert counted.provisional == (counted.day.year > 2026)
