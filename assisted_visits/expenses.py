"""What each expense is worth, by the rates in force for the prison's nation: pure functions.

Money is whole pence. Where a calculation gives part of a penny it is rounded to the nearest
penny, halves up. The nation is always the prison's: where the family lives never matters.
"""

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l

from assisted_visits.models import ChildRelation, ClaimRelationship, ClaimTiming, ExpenseType
from assisted_visits.rates import Rates

PUBLIC_TRANSPORT = frozenset(
    {ExpenseType.BUS, ExpenseType.TRAIN, ExpenseType.COACH, ExpenseType.FERRY}
)
# Paid against tickets or receipts; mileage and food and drink are paid at fixed rates.
NEEDS_RECEIPTS = frozenset(
    {*PUBLIC_TRANSPORT, ExpenseType.TAXI, ExpenseType.CAR_HIRE, ExpenseType.ACCOMMODATION}
)


def to_pence(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def mileage_pence(miles: Decimal, rates: Rates) -> int:
    """Car or motorbike, for the miles of the return trip."""
    return to_pence(Decimal(rates.mileage_per_mile) * Decimal(miles))


def car_hire_pence(days: int, cost: int, rates: Rates) -> int:
    return min(cost, days * rates.car_hire_per_day)


def fare_pence(paid: int, cheapest_available: int | None = None) -> int:
    """Public transport is paid at the cheapest fare, and standard class on trains."""
    return paid if cheapest_available is None else min(paid, cheapest_available)


def taxi_problem(public_transport: bool, walk_minutes: int, rates: Rates):
    if public_transport:
        return _l("We can only pay for a taxi if there is no public transport for that part.")
    if walk_minutes <= rates.taxi_min_walk_minutes:
        return _l(
            "We can only pay for a taxi if the walk would take over %(minutes)s minutes.",
            minutes=rates.taxi_min_walk_minutes,
        )
    return None


def refreshments_pence(hours_away: Decimal, people: int, rates: Rates) -> int:
    """Food and drink for each person paid for, by how long they were away from home."""
    if hours_away > rates.refreshments_long_hours:
        each = rates.refreshments_over_10_hours
    elif hours_away > rates.refreshments_short_hours:
        each = rates.refreshments_over_5_hours
    else:
        each = 0
    return each * people


def refreshments_problem(hours_away: Decimal, rates: Rates):
    if hours_away <= rates.refreshments_short_hours:
        return _l(
            "We can only pay for food and drink if you are away from home for over %(hours)s "
            "hours.",
            hours=rates.refreshments_short_hours,
        )
    return None


def accommodation_problem(timing: ClaimTiming, approved_before: bool):
    """An overnight stay is paid only if we agreed to it before the visit."""
    if timing is ClaimTiming.ADVANCE or approved_before:
        return None
    return _l(
        "We can only pay for somewhere to stay if we agreed to it before your visit. Make an "
        "advance claim next time."
    )


def escort_problem(claimant_age: int, medical_condition: bool, rates: Rates):
    if claimant_age >= rates.escort_claimant_age or medical_condition:
        return None
    return _l(
        "We can only pay for someone to go with you if you are %(age)s or over, or have a "
        "serious medical condition.",
        age=rates.escort_claimant_age,
    )


def child_problem(
    age: int, relation: ChildRelation, claimant_relationship: ClaimRelationship | None, rates
):
    """Why a child's costs cannot be paid, or None if they can."""
    if age >= rates.child_age_limit:
        return _l("Children must be under %(age)s.", age=rates.child_age_limit)
    if relation is ChildRelation.PRISONERS_CHILD:
        return None
    if (
        relation is ChildRelation.CLAIMANTS_CHILD
        and claimant_relationship is ClaimRelationship.SPOUSE
    ):
        return None
    return _l(
        "We pay for the prisoner's children, and for your own children if you are the "
        "prisoner's husband, wife or civil partner."
    )


def expense_problem(expense_type: ExpenseType, details: dict, timing: ClaimTiming, rates: Rates):
    """Why this expense cannot be paid at all, or None."""
    if expense_type is ExpenseType.TAXI:
        return taxi_problem(details["public_transport"], details["walk_minutes"], rates)
    if expense_type is ExpenseType.ACCOMMODATION:
        return accommodation_problem(timing, details["approved_before"])
    if expense_type is ExpenseType.REFRESHMENTS:
        return refreshments_problem(Decimal(details["hours"]), rates)
    if (
        expense_type is ExpenseType.TRAIN
        and details.get("first_class")
        and not details.get("standard_fare")
    ):
        return _l("Enter the standard class fare: we do not pay for first class.")
    return None


def amount_pence(
    expense_type: ExpenseType, details: dict, people: int, timing: ClaimTiming, rates: Rates
) -> int:
    """What the rules allow for this expense; 0 when a rule stops it being paid."""
    if expense_problem(expense_type, details, timing, rates) is not None:
        return 0
    match expense_type:
        case ExpenseType.CAR:
            return mileage_pence(Decimal(details["miles"]), rates)
        case ExpenseType.CAR_HIRE:
            return car_hire_pence(details["days"], details["cost"], rates)
        case ExpenseType.REFRESHMENTS:
            return refreshments_pence(Decimal(details["hours"]), people, rates)
        case ExpenseType.TAXI | ExpenseType.ACCOMMODATION:
            return details["cost"]
        case _:
            cheapest = details.get("standard_fare") if details.get("first_class") else None
            return fare_pence(details["cost"], cheapest)


def total_pence(amounts) -> int:
    return sum(max(0, amount) for amount in amounts)
