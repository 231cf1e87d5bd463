"""Each prison's own booking rules, as the visits team sets them."""

from dataclasses import asdict, dataclass, fields
from datetime import date

from flask_babel import lazy_gettext as _l

from staff import audit
from staff.models import StaffUser
from visits.models import Prison
from visits.sessions import ensure_sessions


@dataclass(frozen=True)
class BookingRules:
    max_adults: int
    max_children: int
    max_visitors: int
    adult_age: int
    min_notice_days: int
    max_advance_days: int
    hold_minutes: int
    requires_approval: bool
    arrive_minutes_before: int
    review_days: int
    first_visit_within_days: int
    first_visit_notice_days: int


RULE_NAMES = tuple(f.name for f in fields(BookingRules))


def rules_of(prison: Prison) -> BookingRules:
    return BookingRules(**{name: getattr(prison, name) for name in RULE_NAMES})


def problems(rules: BookingRules) -> dict[str, str]:
    """Rules that contradict each other, by the name of the rule to correct."""
    found = {}
    if rules.max_visitors < 1:
        found["max_visitors"] = _l("At least 1 person must be able to visit")
    if rules.max_adults < 1:
        found["max_adults"] = _l("At least 1 adult must be able to visit: every visit needs one")
    if rules.max_visitors > rules.max_adults + rules.max_children:
        found["max_visitors"] = _l(
            "The number of visitors in all cannot be more than adults and children together"
        )
    if rules.max_advance_days <= rules.min_notice_days:
        found["max_advance_days"] = _l(
            "The latest a visit can be booked must be more days ahead than the earliest"
        )
    if rules.first_visit_notice_days > rules.first_visit_within_days:
        found["first_visit_notice_days"] = _l(
            "The fewest days ahead for a first visit cannot be more than the days after "
            "arrival it can be booked for"
        )
    return found


class RulesError(Exception):
    pass


def update_rules(prison: Prison, rules: BookingRules, staff: StaffUser, today: date) -> list[str]:
    """Save the rules; returns the names of the rules that changed."""
    if problems(rules):
        raise RulesError(", ".join(problems(rules)))
    before = asdict(rules_of(prison))
    changed = [name for name, value in asdict(rules).items() if before[name] != value]
    for name in changed:
        setattr(prison, name, getattr(rules, name))
    if changed:
        # Names of the rules only: the values are in the prison's own record.
        audit.record(
            staff, "changed booking rules", "prison", prison.id, prison.id, ",".join(changed)
        )
        # A longer booking window needs its sessions made now, not at the next daily run.
        ensure_sessions(prison, *prison.booking_window(today))
    return changed
