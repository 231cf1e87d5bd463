"""Who may come to a family day: which children, how many adults, and which prisoners.

Only the prisoner's own, step, adopted or foster children, or the children of a partner
they lived with, may come; a prisoner with a child-contact restriction may not take part at
all. The incentive-level gate applies only when the visits team switched it on for the day.
"""

from dataclasses import dataclass
from datetime import date

from family_days.models import ChildRelationship, DeclineReason, FamilyDay, IncentiveLevel
from timeutil import age_on
from visits import restrictions
from visits.models import Prison, RestrictionKind

ELIGIBLE_RELATIONSHIPS = frozenset(
    {
        ChildRelationship.OWN,
        ChildRelationship.STEP,
        ChildRelationship.ADOPTED,
        ChildRelationship.FOSTERED,
        ChildRelationship.PARTNERS_CHILD,
    }
)


@dataclass(frozen=True)
class ChildDetails:
    first_name: str
    last_name: str
    date_of_birth: date
    relation: ChildRelationship


@dataclass(frozen=True)
class AdultDetails:
    first_name: str
    last_name: str
    date_of_birth: date


@dataclass(frozen=True)
class DayRules:
    on: date
    min_child_age: int
    max_child_age: int
    adults_per_family: int
    minimum_incentive_level: IncentiveLevel | None = None

    @classmethod
    def of(cls, day: FamilyDay) -> "DayRules":
        return cls(
            day.date,
            day.min_child_age,
            day.max_child_age,
            day.adults_per_family,
            day.minimum_incentive_level,
        )


def family_problems(
    rules: DayRules, children: list[ChildDetails], adults: list[AdultDetails]
) -> list[DeclineReason]:
    """What the family can see and put right themselves while applying."""
    problems = []
    if any(child.relation not in ELIGIBLE_RELATIONSHIPS for child in children):
        problems.append(DeclineReason.RELATIONSHIP)
    ages = [age_on(child.date_of_birth, rules.on) for child in children]
    if any(not rules.min_child_age <= age <= rules.max_child_age for age in ages):
        problems.append(DeclineReason.AGE)
    if len(adults) > rules.adults_per_family:
        problems.append(DeclineReason.TOO_MANY_ADULTS)
    return problems


def problems(
    rules: DayRules,
    children: list[ChildDetails],
    adults: list[AdultDetails],
    child_contact_restricted: bool,
    incentive_level: IncentiveLevel | None,
) -> list[DeclineReason]:
    """Everything that stops a place being given; an unknown level fails a switched-on gate."""
    found = []
    if child_contact_restricted:
        found.append(DeclineReason.SAFEGUARDING)
    found += family_problems(rules, children, adults)
    gate = rules.minimum_incentive_level
    if gate is not None and (incentive_level is None or incentive_level.rank < gate.rank):
        found.append(DeclineReason.INCENTIVE_LEVEL)
    return found


def child_contact_restricted(
    prison: Prison, prisoner_number: str, children: list[ChildDetails], on: date
) -> bool:
    met = restrictions.matching(prison, prisoner_number, children, on)
    return any(r.kind is RestrictionKind.CHILD_CONTACT for r in met)
