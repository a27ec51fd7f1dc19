from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ftzlink.errors import CalendarNotCovered, InvalidInput
from ftzlink.talent.workdays import (
    add_working_days,
    covered_years,
    is_working_day,
    working_days_between,
)

YEARS = covered_years()
FIRST_DAY = date(YEARS.start, 1, 1)
LAST_DAY = date(YEARS.stop - 1, 12, 31)
# 60 working days never span more than about 100 calendar days, even across Spring Festival.
MAX_N = 60
starts = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY - timedelta(days=120))
counts = st.integers(min_value=0, max_value=MAX_N)


def test_covered_years_are_the_years_the_package_has_data_for() -> None:
    package_years = {day.year for day in chinese_calendar.holidays}
    assert covered_years() == range(min(package_years), max(package_years) + 1)
    assert 2025 in YEARS
    assert 2026 in YEARS


def test_national_day_2025_holidays_are_not_working_days_and_the_adjusted_weekend_days_are() -> (
    None
):
    assert all(not is_working_day(date(2025, 10, d)) for d in range(1, 9))
    assert date(2025, 9, 28).weekday() == 6  # a Sunday
    assert date(2025, 10, 11).weekday() == 5  # a Saturday
    assert is_working_day(date(2025, 9, 28))
    assert is_working_day(date(2025, 10, 11))
    assert not is_working_day(date(2025, 10, 12))  # an ordinary Sunday


def test_a_single_window_deadline_across_national_day_2025_counts_the_adjusted_weekend_days() -> (
    None
):
    # 7 working days from Friday 26 September: Sun 28, Mon 29, Tue 30 September, then the
    # holiday (1–8 October), then Thu 9, Fri 10, Sat 11 (working) and Mon 13 October.
    assert add_working_days(date(2025, 9, 26), 7) == date(2025, 10, 13)
    # Counting Monday to Friday only would have given Wednesday 15 October.
    assert working_days_between(date(2025, 9, 26), date(2025, 10, 13)) == 7
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 8)) == 0


def test_work_permit_deadlines_across_spring_festival_2026_land_on_the_right_day() -> None:
    # Holiday 15–23 February 2026; Saturdays 14 and 28 February are working days.
    assert all(not is_working_day(date(2026, 2, d)) for d in range(15, 24))
    assert is_working_day(date(2026, 2, 14))
    assert is_working_day(date(2026, 2, 28))
    applied = date(2026, 2, 12)  # a Thursday
    # Category A, 5 working days: Fri 13, Sat 14, Tue 24, Wed 25, Thu 26.
    assert add_working_days(applied, 5) == date(2026, 2, 26)
    # Other categories, 10 working days: … Fri 27, Sat 28 February, Mon 2, Tue 3, Wed 4 March.
    assert add_working_days(applied, 10) == date(2026, 3, 4)
    assert working_days_between(applied, date(2026, 3, 4)) == 10


def test_a_deadline_that_ends_on_a_holiday_is_never_returned() -> None:
    # The last working day before the holiday counts as 1; the next one is after the holiday.
    assert add_working_days(date(2025, 9, 29), 1) == date(2025, 9, 30)
    assert add_working_days(date(2025, 9, 29), 2) == date(2025, 10, 9)


def test_zero_working_days_gives_the_start_day_back() -> None:
    assert add_working_days(date(2025, 10, 1), 0) == date(2025, 10, 1)


def test_a_negative_number_of_working_days_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as raised:
        add_working_days(date(2025, 10, 1), -1)
    assert not isinstance(raised.value, CalendarNotCovered)


def test_working_days_between_is_zero_when_the_end_is_not_after_the_start() -> None:
    assert working_days_between(date(2025, 9, 29), date(2025, 9, 29)) == 0
    assert working_days_between(date(2025, 9, 30), date(2025, 9, 29)) == 0


@pytest.mark.parametrize(
    "day", [date(YEARS.stop, 1, 5), date(2099, 6, 1), date(YEARS.start - 1, 6, 1)]
)
def test_a_date_in_a_year_the_calendar_does_not_cover_raises_calendar_not_covered(
    day: date,
) -> None:
    span = f"{YEARS.start}–{YEARS.stop - 1}"
    for call in (
        lambda: is_working_day(day),
        lambda: add_working_days(day, 1),
        lambda: working_days_between(day, date(2025, 1, 1)),
        lambda: working_days_between(date(2025, 1, 1), day),
    ):
        with pytest.raises(CalendarNotCovered) as raised:
            call()
        assert raised.value.code == "calendar_not_covered"
        assert day.isoformat() in str(raised.value)
        assert span in str(raised.value)


def test_a_deadline_that_runs_past_the_last_covered_year_raises_instead_of_guessing() -> None:
    with pytest.raises(CalendarNotCovered) as raised:
        add_working_days(LAST_DAY - timedelta(days=3), 10)
    message = str(raised.value)
    assert date(YEARS.stop, 1, 1).isoformat() in message
    assert "counting 10 working days" in message


def test_calendar_not_covered_is_invalid_input() -> None:
    assert issubclass(CalendarNotCovered, InvalidInput)


@given(start=starts, n=st.integers(min_value=1, max_value=MAX_N))
def test_a_deadline_of_at_least_one_working_day_is_a_working_day(start: date, n: int) -> None:
    assert is_working_day(add_working_days(start, n))


@given(start=starts, n=counts)
def test_counting_the_working_days_up_to_a_deadline_gives_back_its_length(
    start: date, n: int
) -> None:
    assert working_days_between(start, add_working_days(start, n)) == n


@given(start=starts, n=counts, more=st.integers(min_value=1, max_value=10))
def test_a_deadline_never_moves_earlier_when_the_time_limit_grows(
    start: date, n: int, more: int
) -> None:
    assert add_working_days(start, n) < add_working_days(start, n + more)


@given(start=starts, days=st.integers(min_value=0, max_value=100))
def test_working_days_between_agrees_with_the_package_day_by_day(start: date, days: int) -> None:
    end = start + timedelta(days=days)
    expected = sum(
        chinese_calendar.is_workday(start + timedelta(days=i)) for i in range(1, days + 1)
    )
    assert working_days_between(start, end) == expected
