"""What each cost is worth: every rule as a table, and the arithmetic as properties."""

from dataclasses import fields
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assisted_visits import expenses
from assisted_visits.models import ChildRelation, ClaimRelationship, ClaimTiming, ExpenseType
from assisted_visits.rates import RATE_TABLE, rates_for
from visits.models import Nation

ON = date(2026, 1, 15)
ENGLAND = rates_for(Nation.ENGLAND, ON)
WALES = rates_for(Nation.WALES, ON)
SCOTLAND = rates_for(Nation.SCOTLAND, ON)
ALL_RATES = [rates for rows in RATE_TABLE.values() for rates in rows]

tenths_of_miles = st.integers(min_value=0, max_value=20_000).map(lambda t: Decimal(t) / 10)
hours = st.integers(min_value=0, max_value=720).map(lambda t: Decimal(t) / 10)
pence = st.integers(min_value=0, max_value=500_000)
any_rates = st.sampled_from(ALL_RATES)


@pytest.mark.parametrize(
    ("rates", "miles", "expected"),
    [
        (ENGLAND, Decimal(100), 2000),
        (WALES, Decimal(100), 2000),
        (SCOTLAND, Decimal(100), 3000),
        (ENGLAND, Decimal("84.5"), 1690),
        (SCOTLAND, Decimal("0.1"), 3),
        (ENGLAND, Decimal(0), 0),
    ],
)
def test_mileage_is_paid_at_the_prison_nations_rate(rates, miles, expected):
    assert expenses.mileage_pence(miles, rates) == expected


@pytest.mark.parametrize(
    ("days", "cost", "expected"),
    [(1, 3000, 3000), (1, 4000, 4000), (1, 5500, 4000), (3, 15000, 12000), (3, 9000, 9000)],
)
def test_car_hire_is_paid_up_to_the_daily_cap(days, cost, expected):
    assert expenses.car_hire_pence(days, cost, ENGLAND) == expected


@pytest.mark.parametrize(
    ("paid", "cheapest", "expected"),
    [(2500, None, 2500), (2500, 1800, 1800), (1500, 1800, 1500), (0, 100, 0)],
)
def test_public_transport_is_paid_at_the_cheapest_fare(paid, cheapest, expected):
    assert expenses.fare_pence(paid, cheapest) == expected


@pytest.mark.parametrize(
    ("public_transport", "walk_minutes", "allowed"),
    [
        (True, 45, False),
        (True, 5, False),
        (False, 20, False),
        (False, 21, True),
        (False, 90, True),
        (False, 0, False),
    ],
)
def test_a_taxi_is_paid_only_without_public_transport_and_a_walk_over_20_minutes(
    public_transport, walk_minutes, allowed
):
    problem = expenses.taxi_problem(public_transport, walk_minutes, ENGLAND)
    assert (problem is None) is allowed


@pytest.mark.parametrize(
    ("rates", "hours_away", "people", "expected"),
    [
        (ENGLAND, Decimal(5), 1, 0),
        (ENGLAND, Decimal("5.1"), 1, 350),
        (ENGLAND, Decimal(10), 1, 350),
        (ENGLAND, Decimal("10.5"), 1, 510),
        (SCOTLAND, Decimal(6), 1, 450),
        (SCOTLAND, Decimal(11), 1, 510),
        (WALES, Decimal(6), 3, 1050),
        (SCOTLAND, Decimal(12), 2, 1020),
    ],
)
def test_food_and_drink_is_paid_per_person_by_hours_away_and_nation(
    rates, hours_away, people, expected
):
    assert expenses.refreshments_pence(hours_away, people, rates) == expected


@pytest.mark.parametrize(
    ("timing", "approved_before", "allowed"),
    [
        (ClaimTiming.ADVANCE, False, True),
        (ClaimTiming.ADVANCE, True, True),
        (ClaimTiming.PAST, True, True),
        (ClaimTiming.PAST, False, False),
    ],
)
def test_an_overnight_stay_needs_approval_before_the_visit(timing, approved_before, allowed):
    assert (expenses.accommodation_problem(timing, approved_before) is None) is allowed


@pytest.mark.parametrize(
    ("claimant_age", "medical_condition", "allowed"),
    [
        (74, False, False),
        (75, False, True),
        (80, False, True),
        (40, True, True),
        (18, False, False),
    ],
)
def test_an_escort_is_paid_for_claimants_75_or_over_or_with_a_serious_condition(
    claimant_age, medical_condition, allowed
):
    problem = expenses.escort_problem(claimant_age, medical_condition, ENGLAND)
    assert (problem is None) is allowed


@pytest.mark.parametrize(
    ("age", "relation", "claimant", "eligible"),
    [
        (8, ChildRelation.PRISONERS_CHILD, ClaimRelationship.PARENT, True),
        (17, ChildRelation.PRISONERS_CHILD, ClaimRelationship.SIBLING, True),
        (18, ChildRelation.PRISONERS_CHILD, ClaimRelationship.SPOUSE, False),
        (8, ChildRelation.CLAIMANTS_CHILD, ClaimRelationship.SPOUSE, True),
        (8, ChildRelation.CLAIMANTS_CHILD, ClaimRelationship.PARTNER, False),
        (8, ChildRelation.CLAIMANTS_CHILD, ClaimRelationship.SIBLING, False),
        (8, ChildRelation.OTHER, ClaimRelationship.SPOUSE, False),
    ],
)
def test_eligible_children_are_the_prisoners_or_a_spouses_own_under_18(
    age, relation, claimant, eligible
):
    problem = expenses.child_problem(age, relation, claimant, ENGLAND)
    assert (problem is None) is eligible


TAXI_OK = {
    "from": "Station",
    "to": "Prison",
    "cost": 1200,
    "public_transport": False,
    "walk_minutes": 35,
}


@pytest.mark.parametrize(
    ("expense_type", "details", "timing", "people", "expected"),
    [
        (ExpenseType.CAR, {"from": "Newport", "miles": "84"}, ClaimTiming.PAST, 1, 1680),
        (ExpenseType.CAR_HIRE, {"days": 2, "cost": 9000}, ClaimTiming.PAST, 1, 8000),
        (ExpenseType.BUS, {"from": "A", "to": "B", "cost": 640}, ClaimTiming.PAST, 2, 640),
        (ExpenseType.TRAIN, {"from": "A", "to": "B", "cost": 5400}, ClaimTiming.PAST, 1, 5400),
        (
            ExpenseType.TRAIN,
            {"from": "A", "to": "B", "cost": 9900, "first_class": True, "standard_fare": 5400},
            ClaimTiming.PAST,
            1,
            5400,
        ),
        (ExpenseType.TAXI, TAXI_OK, ClaimTiming.PAST, 1, 1200),
        (ExpenseType.TAXI, {**TAXI_OK, "public_transport": True}, ClaimTiming.PAST, 1, 0),
        (ExpenseType.REFRESHMENTS, {"hours": "6"}, ClaimTiming.PAST, 3, 1050),
        (ExpenseType.REFRESHMENTS, {"hours": "4"}, ClaimTiming.PAST, 3, 0),
        (
            ExpenseType.ACCOMMODATION,
            {"nights": 1, "cost": 6000, "approved_before": False},
            ClaimTiming.ADVANCE,
            1,
            6000,
        ),
        (
            ExpenseType.ACCOMMODATION,
            {"nights": 1, "cost": 6000, "approved_before": False},
            ClaimTiming.PAST,
            1,
            0,
        ),
    ],
)
def test_each_cost_is_worth_what_its_rule_allows(expense_type, details, timing, people, expected):
    assert expenses.amount_pence(expense_type, details, people, timing, WALES) == expected


def test_first_class_without_the_standard_fare_is_refused():
    details = {"from": "A", "to": "B", "cost": 9900, "first_class": True}

    assert expenses.expense_problem(ExpenseType.TRAIN, details, ClaimTiming.PAST, WALES)


def test_where_the_family_lives_never_changes_the_mileage_rate():
    # The calculation takes the prison's rates and nothing about the family at all.
    assert expenses.mileage_pence(Decimal(50), rates_for(Nation.WALES, ON)) == 1000
    assert expenses.mileage_pence(Decimal(50), rates_for(Nation.SCOTLAND, ON)) == 1500


def test_no_rate_is_written_twice():
    england, wales = RATE_TABLE[Nation.ENGLAND], RATE_TABLE[Nation.WALES]
    assert all(e is w for e, w in zip(england, wales, strict=True))
    scotland = RATE_TABLE[Nation.SCOTLAND][0]
    differs = {
        f.name for f in fields(scotland) if getattr(scotland, f.name) != getattr(england[0], f.name)
    }
    assert differs == {"mileage_per_mile", "refreshments_over_5_hours", "min_claimant_age"}


@given(rates=any_rates, miles=tenths_of_miles)
def test_mileage_is_exactly_rate_times_miles_rounded_to_a_penny(rates, miles):
    amount = expenses.mileage_pence(miles, rates)

    exact = Decimal(rates.mileage_per_mile) * miles
    assert isinstance(amount, int)
    assert abs(amount - exact) <= Decimal("0.5")
    if miles == miles.to_integral_value():
        assert amount == rates.mileage_per_mile * int(miles)


@given(rates=any_rates, shorter=tenths_of_miles, longer=tenths_of_miles)
def test_mileage_never_falls_as_the_miles_grow(rates, shorter, longer):
    shorter, longer = sorted([shorter, longer])
    assert expenses.mileage_pence(shorter, rates) <= expenses.mileage_pence(longer, rates)


@given(rates=any_rates, days=st.integers(1, 14), cost=pence)
def test_car_hire_never_exceeds_the_cost_or_the_cap(rates, days, cost):
    paid = expenses.car_hire_pence(days, cost, rates)
    assert 0 <= paid <= cost
    assert paid <= days * rates.car_hire_per_day


@given(rates=any_rates, away=hours, people=st.integers(1, 12))
def test_food_and_drink_is_one_fixed_rate_per_person(rates, away, people):
    paid = expenses.refreshments_pence(away, people, rates)
    each = expenses.refreshments_pence(away, 1, rates)
    assert paid == each * people
    assert each in (0, rates.refreshments_over_5_hours, rates.refreshments_over_10_hours)


@given(rates=any_rates, shorter=hours, longer=hours)
def test_food_and_drink_never_falls_with_longer_away(rates, shorter, longer):
    shorter, longer = sorted([shorter, longer])
    assert expenses.refreshments_pence(shorter, 1, rates) <= expenses.refreshments_pence(
        longer, 1, rates
    )


@given(paid=pence, cheapest=st.one_of(st.none(), pence))
def test_a_fare_is_never_more_than_was_paid(paid, cheapest):
    fare = expenses.fare_pence(paid, cheapest)
    assert 0 <= fare <= paid
    if cheapest is not None:
        assert fare <= cheapest


@given(amounts=st.lists(st.integers(min_value=-10_000, max_value=500_000), max_size=25))
def test_a_total_is_never_negative_and_never_less_than_its_parts(amounts):
    total = expenses.total_pence(amounts)
    assert total >= 0
    assert total == sum(a for a in amounts if a > 0)


expense_cases = st.one_of(
    st.builds(lambda m: (ExpenseType.CAR, {"from": "A", "miles": str(m)}), tenths_of_miles),
    st.builds(
        lambda d, c: (ExpenseType.CAR_HIRE, {"days": d, "cost": c}), st.integers(1, 14), pence
    ),
    st.builds(
        lambda t, c: (t, {"from": "A", "to": "B", "cost": c}),
        st.sampled_from([ExpenseType.BUS, ExpenseType.COACH, ExpenseType.FERRY, ExpenseType.TRAIN]),
        pence,
    ),
    st.builds(
        lambda c, p, w: (
            ExpenseType.TAXI,
            {"from": "A", "to": "B", "cost": c, "public_transport": p, "walk_minutes": w},
        ),
        pence,
        st.booleans(),
        st.integers(0, 600),
    ),
    st.builds(lambda h: (ExpenseType.REFRESHMENTS, {"hours": str(h)}), hours),
    st.builds(
        lambda n, c, a: (
            ExpenseType.ACCOMMODATION,
            {"nights": n, "cost": c, "approved_before": a},
        ),
        st.integers(1, 14),
        pence,
        st.booleans(),
    ),
)


@given(
    case=expense_cases,
    rates=any_rates,
    people=st.integers(1, 12),
    timing=st.sampled_from(list(ClaimTiming)),
)
def test_every_cost_is_whole_pence_never_negative_and_zero_when_a_rule_stops_it(
    case, rates, people, timing
):
    expense_type, details = case
    amount = expenses.amount_pence(expense_type, details, people, timing, rates)
    assert isinstance(amount, int)
    assert amount >= 0
    if expenses.expense_problem(expense_type, details, timing, rates) is not None:
        assert amount == 0
