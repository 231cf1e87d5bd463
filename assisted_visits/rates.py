"""The one dated table of Assisted Prison Visits rates and limits, keyed by the prison's nation.

Page text, validation, rule checks and payment all read from here, so a rate is never
written twice. Money is in pence. A new row with a later `in_force_from` changes a rate
from that day on; claims are always worked out with the rates in force on the visit date.
"""

from dataclasses import dataclass, replace
from datetime import date

from visits.models import Nation


@dataclass(frozen=True)
class Rates:
    in_force_from: date
    mileage_per_mile: int
    car_hire_per_day: int
    refreshments_over_5_hours: int
    refreshments_over_10_hours: int
    # Hours away from home after which each refreshment rate applies (strictly more than).
    refreshments_short_hours: int = 5
    refreshments_long_hours: int = 10
    # A taxi is paid only with no public transport and a walk longer than this.
    taxi_min_walk_minutes: int = 20
    min_claimant_age: int = 18
    escort_claimant_age: int = 75
    universal_credit_monthly_earnings_limit: int = 125_000
    claim_past_visit_within_days: int = 28
    # An advance claim is for a visit more than the first and at most the second days ahead.
    advance_claim_after_days: int = 5
    advance_claim_up_to_days: int = 28
    claimed_visits_per_year: int = 26
    days_between_claimed_visits: int = 14
    child_age_limit: int = 18
    # Claims waiting on the family: a reminder after this many idle days, closed this many later.
    idle_reminder_days: int = 35
    close_after_reminder_days: int = 7


# In force since the end of tax credits (5 April 2025) at the latest: the date we checked them.
ENGLAND_AND_WALES_2025 = Rates(
    in_force_from=date(2025, 4, 6),
    mileage_per_mile=20,
    car_hire_per_day=4000,
    refreshments_over_5_hours=350,
    refreshments_over_10_hours=510,
)
SCOTLAND_2025 = replace(
    ENGLAND_AND_WALES_2025, mileage_per_mile=30, refreshments_over_5_hours=450, min_claimant_age=16
)

RATE_TABLE: dict[Nation, list[Rates]] = {
    Nation.ENGLAND: [ENGLAND_AND_WALES_2025],
    Nation.WALES: [ENGLAND_AND_WALES_2025],
    Nation.SCOTLAND: [SCOTLAND_2025],
}


def rates_for(nation: Nation, on: date) -> Rates:
    """The rates in force on a date for visits to a prison in this nation."""
    in_force = [r for r in RATE_TABLE[Nation(nation)] if r.in_force_from <= on]
    if not in_force:
        raise LookupError(f"no rates in force for {nation} on {on}")
    return max(in_force, key=lambda r: r.in_force_from)


def pounds(pence: int) -> str:
    """Money as GOV.UK writes it: 20p, £40, £1,250, £12.50."""
    if 0 < pence < 100:
        return f"{pence}p"
    whole, part = divmod(pence, 100)
    return f"£{whole:,}" if part == 0 else f"£{whole:,}.{part:02d}"
