"""Visit allowance for prisoners on the register, counted from live bookings (never a counter).

Convicted prisoners get visiting orders: by default 1 visit in any run of 14 days. Remand
prisoners may have more: by default 3 visits in a calendar week (Monday to Sunday). Both are
per-prison settings because the numbers are unverified against the Prison Rules and vary with
incentive levels.

A booking over the allowance is not refused: it goes to the visits team for review. Only the
prison knows about privileged or saved-up visiting orders and compassionate visits, the register
may be out of date, and a refusal would tell the family something about the prisoner's status.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_ngettext

from app import db
from staff import audit
from staff.models import StaffUser
from visits import register
from visits.models import Prison, Prisoner, PrisonerCategory, Visit, VisitSession, VisitStatus

OVER_ALLOWANCE = "allowance"
COUNTED = (VisitStatus.REQUESTED, VisitStatus.BOOKED)


@dataclass(frozen=True)
class AllowanceRule:
    visits: int
    days: int
    calendar_week: bool = False

    def describe(self):
        if self.calendar_week:
            return lazy_ngettext(
                "%(num)s visit a week (Monday to Sunday)",
                "%(num)s visits a week (Monday to Sunday)",
                self.visits,
            )
        return lazy_ngettext(
            "%(num)s visit in any %(days)s days",
            "%(num)s visits in any %(days)s days",
            self.visits,
            days=self.days,
        )


def rule_for(prison: Prison, category: PrisonerCategory) -> AllowanceRule:
    if category is PrisonerCategory.REMAND:
        return AllowanceRule(prison.remand_visits_per_week, 7, calendar_week=True)
    return AllowanceRule(prison.convicted_visits, prison.convicted_period_days)


def is_over(rule: AllowanceRule, other_visits: list[date], on: date) -> bool:
    """Would one more visit on `on` take the prisoner over the allowance?"""
    if rule.calendar_week:
        monday = on - timedelta(days=on.weekday())
        same_week = sum(1 for day in other_visits if monday <= day < monday + timedelta(days=7))
        return same_week + 1 > rule.visits
    # Every run of rule.days days that contains `on` must stay within the allowance.
    for offset in range(rule.days):
        first = on - timedelta(days=offset)
        last = first + timedelta(days=rule.days - 1)
        if 1 + sum(1 for day in other_visits if first <= day <= last) > rule.visits:
            return True
    return False


def visits_around(
    prison_id: int, prisoner_number: str, first: date, last: date, excluding_visit_id=None
):
    query = (
        sa.select(Visit)
        .join(VisitSession, VisitSession.id == Visit.session_id)
        .where(
            Visit.prison_id == prison_id,
            Visit.prisoner_number == prisoner_number,
            Visit.status.in_(COUNTED),
            VisitSession.date.between(first, last),
        )
        .order_by(VisitSession.date, VisitSession.start_time)
    )
    if excluding_visit_id is not None:
        query = query.where(Visit.id != excluding_visit_id)
    return db.session.scalars(query).all()


def review_reasons(
    prison: Prison, prisoner_number: str, on: date, excluding_visit_id: int | None = None
) -> list[str]:
    # Locking the register entry makes two bookings for one prisoner take turns, so both
    # cannot slip under the allowance at once.
    prisoner = register.find(prison.id, prisoner_number, lock=True)
    if prisoner is None:
        return []
    rule = rule_for(prison, prisoner.category)
    span = timedelta(days=max(rule.days, 7))
    others = visits_around(prison.id, prisoner_number, on - span, on + span, excluding_visit_id)
    return [OVER_ALLOWANCE] if is_over(rule, [v.session.date for v in others], on) else []


def visits_to_show(prison: Prison, prisoner: Prisoner, today: date) -> list[Visit]:
    """The prisoner's live visits from one allowance period ago to the end of booking."""
    rule = rule_for(prison, prisoner.category)
    first = today - timedelta(days=rule.days)
    return visits_around(prison.id, prisoner.prison_number, first, prison.booking_window(today)[1])


def change_settings(
    prison: Prison,
    staff: StaffUser,
    convicted_visits: int,
    convicted_period_days: int,
    remand_visits_per_week: int,
) -> None:
    prison.convicted_visits = convicted_visits
    prison.convicted_period_days = convicted_period_days
    prison.remand_visits_per_week = remand_visits_per_week
    audit.record(
        staff,
        "changed visit allowance",
        "prison",
        prison.id,
        prison.id,
        f"convicted {convicted_visits} in {convicted_period_days} days; "
        f"remand {remand_visits_per_week} a week",
    )
