"""The visits team plans family days and reads the applications for them."""

from dataclasses import dataclass
from datetime import date, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import db
from family_days import places
from family_days.models import (
    AllocationMethod,
    ApplicationStatus,
    FamilyDay,
    FamilyDayApplication,
    IncentiveLevel,
)
from staff import audit
from visits.models import Prison


class PlanningError(Exception):
    def __init__(self, field: str, message):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class DayDetails:
    title: str
    date: date
    start_time: time
    end_time: time
    families: int
    adults_per_family: int
    min_child_age: int
    max_child_age: int
    applications_open: date
    applications_close: date
    allocation: AllocationMethod
    includes: str
    minimum_incentive_level: IncentiveLevel | None
    recent_visit_days: int
    offer_hours: int


def days_at(prison: Prison) -> list[FamilyDay]:
    return db.session.scalars(
        sa.select(FamilyDay)
        .where(FamilyDay.prison_id == prison.id)
        .order_by(FamilyDay.date.desc(), FamilyDay.start_time)
    ).all()


def day_at(prison: Prison, day_id: int) -> FamilyDay | None:
    day = db.session.get(FamilyDay, day_id)
    return day if day is not None and day.prison_id == prison.id else None


def create_day(prison: Prison, staff, details: DayDetails) -> FamilyDay:
    day = FamilyDay(prison_id=prison.id, **details.__dict__)
    db.session.add(day)
    db.session.flush()
    audit.record(staff, "created family day", "family_day", day.id, prison.id)
    return day


def update_day(day: FamilyDay, staff, details: DayDetails) -> None:
    day = places.lock_day(day.id)
    if details.families < places.places_taken(day):
        raise PlanningError(
            "families",
            _l("More families than that already have places. Decline or withdraw some first."),
        )
    if day.allocated_at is not None and details.allocation is not day.allocation:
        raise PlanningError(
            "allocation", _l("Places have been given out, so how they are given cannot change.")
        )
    for name, value in details.__dict__.items():
        setattr(day, name, value)
    audit.record(staff, "changed family day", "family_day", day.id, day.prison_id)


def applications_for(day: FamilyDay, staff) -> dict[ApplicationStatus, list[FamilyDayApplication]]:
    audit.record(staff, "listed family day applications", "family_day", day.id, day.prison_id)
    found = db.session.scalars(
        sa.select(FamilyDayApplication)
        .where(FamilyDayApplication.family_day_id == day.id)
        .order_by(
            FamilyDayApplication.rank.is_(None),
            FamilyDayApplication.rank,
            FamilyDayApplication.applied_at,
        )
    ).all()
    grouped = {status: [] for status in ApplicationStatus}
    for application in found:
        grouped[application.status].append(application)
    return grouped


def application_at(prison: Prison, staff, application_id: int) -> FamilyDayApplication | None:
    application = db.session.get(FamilyDayApplication, application_id)
    if application is None or application.family_day.prison_id != prison.id:
        return None
    audit.record(
        staff, "viewed family day application", "family_day_application", application.id, prison.id
    )
    return application
