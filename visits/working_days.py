"""Working days: not weekends, not bank holidays in the prison's nation.

Bank holidays follow the rules of each nation's calendar, with substitute days when one
falls at a weekend. One-off bank holidays (a coronation, a jubilee) cannot be worked out:
list them in the NON_WORKING_DAYS setting.
"""

from datetime import date, timedelta

from visits.models import Nation

MONDAY, FRIDAY, SATURDAY = 0, 4, 5


def easter_sunday(year: int) -> date:
    # The anonymous Gregorian algorithm (Meeus, Jones and Butcher).
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(MONDAY - day.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    day = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - MONDAY) % 7)


def _with_substitutes(days: list[date]) -> set[date]:
    """Each holiday on a weekend moves to the next weekday that is not already a holiday."""
    taken: set[date] = set()
    for day in sorted(days):
        while day.weekday() >= SATURDAY or day in taken:
            day += timedelta(days=1)
        taken.add(day)
    return taken


def bank_holidays(year: int, nation: Nation) -> set[date]:
    easter = easter_sunday(year)
    fixed = [date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)]
    if nation is Nation.SCOTLAND:
        fixed += [date(year, 1, 2), date(year, 11, 30)]  # 2 January, St Andrew's Day
        summer = _first_monday(year, 8)
    else:
        summer = _last_monday(year, 8)
    movable = {
        easter - timedelta(days=2),  # Good Friday
        _first_monday(year, 5),  # early May
        _last_monday(year, 5),  # spring
        summer,
    }
    if nation is not Nation.SCOTLAND:
        movable.add(easter + timedelta(days=1))  # Easter Monday
    return _with_substitutes(fixed) | movable


def is_working_day(day: date, nation: Nation, extra_days_off=()) -> bool:
    return (
        day.weekday() <= FRIDAY
        and day not in bank_holidays(day.year, nation)
        and day not in extra_days_off
    )


def add_working_days(start: date, days: int, nation: Nation, extra_days_off=()) -> date:
    """The working day `days` working days after `start` (start itself does not count)."""
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, nation, extra_days_off):
            counted += 1
    return day
