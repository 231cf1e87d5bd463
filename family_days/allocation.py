"""Giving out a family day's places: first come, or a fair ballot from a recorded seed.

The order is a pure function of the entries and the seed. In the ballot, looked-after children
and children who have not visited recently come first; within each group every order is
equally likely. Entries are sorted by id before shuffling, so the order they arrive in changes
nothing and anyone holding the seed can check the result.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import db
from family_days import eligibility, notifications, places
from family_days.models import (
    AllocationMethod,
    ApplicationStatus,
    FamilyDay,
    FamilyDayApplication,
)
from staff import audit


class AllocationError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Entry:
    application_id: int
    applied_at: datetime
    priority: bool


def has_priority(
    looked_after: bool, last_visit_on: date | None, day: date, recent_visit_days: int
) -> bool:
    not_recently = last_visit_on is None or (day - last_visit_on).days > recent_visit_days
    return looked_after or not_recently


def ballot_order(entries: list[Entry], seed: int) -> list[int]:
    shuffled = sorted(entries, key=lambda e: e.application_id)
    # Not for secrecy: the seed is published so that anyone can check the draw.
    random.Random(seed).shuffle(shuffled)  # noqa: S311
    shuffled.sort(key=lambda e: not e.priority)  # stable: the shuffle stays within each group
    return [e.application_id for e in shuffled]


def first_come_order(entries: list[Entry]) -> list[int]:
    return [
        e.application_id for e in sorted(entries, key=lambda e: (e.applied_at, e.application_id))
    ]


def order(method: AllocationMethod, entries: list[Entry], seed: int | None) -> list[int]:
    if method is AllocationMethod.BALLOT:
        return ballot_order(entries, seed)
    return first_come_order(entries)


def entry_of(application: FamilyDayApplication) -> Entry:
    day = application.family_day
    priority = has_priority(
        application.looked_after, application.last_visit_on, day.date, day.recent_visit_days
    )
    return Entry(application.id, application.applied_at, priority)


def blocking_problems(application: FamilyDayApplication) -> list:
    day = application.family_day
    children = [
        eligibility.ChildDetails(p.first_name, p.last_name, p.date_of_birth, p.relation)
        for p in application.children
    ]
    adults = [
        eligibility.AdultDetails(p.first_name, p.last_name, p.date_of_birth)
        for p in application.adults
    ]
    restricted = eligibility.child_contact_restricted(
        day.prison, application.prisoner_number, children, day.date
    )
    return eligibility.problems(
        eligibility.DayRules.of(day), children, adults, restricted, application.incentive_level
    )


def ballot_entries(day: FamilyDay) -> list[Entry]:
    """The entries the allocation ran over: applications ranked then, not those that came later."""
    return [
        entry_of(a)
        for a in day.applications
        if a.rank is not None and a.applied_at <= day.allocated_at
    ]


def allocate(day_id: int, staff, now: datetime, seed: int | None = None) -> FamilyDay:
    """Rank every eligible application; the first ones get places, the rest the waiting list.

    Applications that fail a rule stay as they are for the visits team to decline with a reason."""
    day = places.lock_day(day_id)
    if day.allocated_at is not None:
        raise AllocationError(_l("Places for this family day have already been given out."))
    applied = db.session.scalars(
        sa.select(FamilyDayApplication)
        .where(
            FamilyDayApplication.family_day_id == day.id,
            FamilyDayApplication.status == ApplicationStatus.APPLIED,
        )
        .with_for_update()
    ).all()
    eligible = [a for a in applied if not blocking_problems(a)]
    if day.allocation is AllocationMethod.BALLOT:
        seed = seed if seed is not None else secrets.randbits(62)
        day.ballot_seed = seed
    entries = [entry_of(a) for a in eligible]
    by_id = {a.id: a for a in eligible}
    free = places.places_left(day)
    priority = {e.application_id: e.priority for e in entries}
    for rank, application_id in enumerate(order(day.allocation, entries, seed), start=1):
        application = by_id[application_id]
        application.priority = priority[application_id]
        application.rank = rank
        if free > 0:
            application.approve(actor=f"staff:{staff.id}")
            notifications.place_confirmed(application, now)
            free -= 1
        else:
            application.put_on_waiting_list(f"staff:{staff.id}", rank)
            notifications.on_waiting_list(application, now)
    day.allocated_at = now
    audit.record(
        staff,
        "allocated family day places",
        "family_day",
        day.id,
        day.prison_id,
        detail=f"{day.allocation.value}, seed {day.ballot_seed}" if day.ballot_seed else "",
    )
    db.session.flush()
    return day


def next_rank(day: FamilyDay) -> int:
    highest = db.session.scalar(
        sa.select(sa.func.max(FamilyDayApplication.rank)).where(
            FamilyDayApplication.family_day_id == day.id
        )
    )
    return (highest or 0) + 1
