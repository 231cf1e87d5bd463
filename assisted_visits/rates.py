"""The one dated table of Assisted Prison Visits rates, keyed by the prison's nation.

Page text, validation and payment all read from here, so a rate is never
written twice. Amounts are in pence.
"""

from dataclasses import dataclass
from datetime import date

from visits.models import Nation


@dataclass(frozen=True)
class Rates:
    in_force_from: date
    mileage_per_mile: int
    car_hire_per_day: int
    refreshments_over_5_hours: int
    refreshments_over_10_hours: int


# In force since the end of tax credits (5 April 2025) at the latest: the date we checked them.
RATE_TABLE: dict[Nation, list[Rates]] = {
    Nation.ENGLAND: [Rates(date(2025, 4, 6), 20, 4000, 350, 510)],
    Nation.WALES: [Rates(date(2025, 4, 6), 20, 4000, 350, 510)],
    Nation.SCOTLAND: [Rates(date(2025, 4, 6), 30, 4000, 450, 510)],
}


def rates_for(nation: Nation, on: date) -> Rates:
    """The rates in force on a date for visits to a prison in this nation."""
    in_force = [r for r in RATE_TABLE[nation] if r.in_force_from <= on]
    if not in_force:
        raise LookupError(f"no rates in force for {nation} on {on}")
    return max(in_force, key=lambda r: r.in_force_from)


def pounds(pence: int) -> str:
    return f"£{pence // 100}.{pence % 100:02d}" if pence >= 100 else f"{pence}p"
