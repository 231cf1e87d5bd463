from datetime import date, timedelta

import pytest

from family_days import eligibility
from family_days.eligibility import AdultDetails, ChildDetails, DayRules
from family_days.models import ChildRelationship, DeclineReason, IncentiveLevel
from tests.family_days.conftest import kid
from visits.models import RestrictionKind

ON = date(2027, 7, 10)
RULES = DayRules(ON, min_child_age=0, max_child_age=17, adults_per_family=1)
GATED = DayRules(ON, 0, 17, 1, minimum_incentive_level=IncentiveLevel.STANDARD)
ONE_ADULT = [AdultDetails("Mary", "Jones", date(1985, 3, 27))]
TWO_ADULTS = [*ONE_ADULT, AdultDetails("Bob", "Jones", date(1960, 1, 1))]


def child(age, relation=ChildRelationship.OWN):
    return kid(age=age, relation=relation, on=ON)


@pytest.mark.parametrize(
    ("rules", "children", "adults", "restricted", "level", "expected"),
    [
        (RULES, [child(8)], ONE_ADULT, False, None, []),
        (RULES, [child(8, ChildRelationship.STEP)], ONE_ADULT, False, None, []),
        (RULES, [child(8, ChildRelationship.ADOPTED)], ONE_ADULT, False, None, []),
        (RULES, [child(8, ChildRelationship.FOSTERED)], ONE_ADULT, False, None, []),
        (RULES, [child(8, ChildRelationship.PARTNERS_CHILD)], ONE_ADULT, False, None, []),
        (
            RULES,
            [child(8), child(5, ChildRelationship.OTHER)],
            ONE_ADULT,
            False,
            None,
            [DeclineReason.RELATIONSHIP],
        ),
        (RULES, [child(0)], ONE_ADULT, False, None, []),
        (RULES, [child(17)], ONE_ADULT, False, None, []),
        (RULES, [child(18)], ONE_ADULT, False, None, [DeclineReason.AGE]),
        (DayRules(ON, 5, 12, 1), [child(4)], ONE_ADULT, False, None, [DeclineReason.AGE]),
        (DayRules(ON, 5, 12, 1), [child(13)], ONE_ADULT, False, None, [DeclineReason.AGE]),
        (DayRules(ON, 5, 12, 1), [child(5), child(12)], ONE_ADULT, False, None, []),
        (RULES, [child(8)], TWO_ADULTS, False, None, [DeclineReason.TOO_MANY_ADULTS]),
        (DayRules(ON, 0, 17, 2), [child(8)], TWO_ADULTS, False, None, []),
        (RULES, [child(8)], ONE_ADULT, True, None, [DeclineReason.SAFEGUARDING]),
        # The incentive gate is off unless set: any level, or none recorded, is fine.
        (RULES, [child(8)], ONE_ADULT, False, IncentiveLevel.BASIC, []),
        (GATED, [child(8)], ONE_ADULT, False, None, [DeclineReason.INCENTIVE_LEVEL]),
        (
            GATED,
            [child(8)],
            ONE_ADULT,
            False,
            IncentiveLevel.BASIC,
            [DeclineReason.INCENTIVE_LEVEL],
        ),
        (GATED, [child(8)], ONE_ADULT, False, IncentiveLevel.STANDARD, []),
        (GATED, [child(8)], ONE_ADULT, False, IncentiveLevel.ENHANCED, []),
        (
            GATED,
            [child(19, ChildRelationship.OTHER)],
            TWO_ADULTS,
            True,
            IncentiveLevel.BASIC,
            [
                DeclineReason.SAFEGUARDING,
                DeclineReason.RELATIONSHIP,
                DeclineReason.AGE,
                DeclineReason.TOO_MANY_ADULTS,
                DeclineReason.INCENTIVE_LEVEL,
            ],
        ),
    ],
)
def test_who_may_come(rules, children, adults, restricted, level, expected):
    assert eligibility.problems(rules, children, adults, restricted, level) == expected


def test_families_are_not_told_about_restrictions_or_the_incentive_gate():
    problems = eligibility.family_problems(GATED, [child(8)], ONE_ADULT)

    assert problems == []


def test_a_child_contact_restriction_on_the_prisoner_excludes_them(make_prison, make_restriction):
    prison = make_prison()
    make_restriction(prison, RestrictionKind.CHILD_CONTACT, prisoner_number="A1234BC")
    children = [ChildDetails("Ann", "Jones", ON - timedelta(days=3000), ChildRelationship.OWN)]

    assert eligibility.child_contact_restricted(prison, "A1234BC", children, ON)
    assert not eligibility.child_contact_restricted(prison, "B2345CD", children, ON)


def test_other_restrictions_do_not_exclude_a_prisoner_from_family_days(
    make_prison, make_restriction
):
    prison = make_prison()
    make_restriction(prison, RestrictionKind.CLOSED_VISITS, prisoner_number="A1234BC")
    children = [ChildDetails("Ann", "Jones", ON - timedelta(days=3000), ChildRelationship.OWN)]

    assert not eligibility.child_contact_restricted(prison, "A1234BC", children, ON)
