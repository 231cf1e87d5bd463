"""Families arriving for a family day: checked in by the visitor centre, counted in reports."""

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import db
from family_days import places
from family_days.models import (
    ApplicationStatus,
    FamilyDay,
    FamilyDayApplication,
    FamilyDayPerson,
)
from staff import audit
from visits.models import Prison


class AttendanceError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def days_on(prison: Prison, day: date) -> list[FamilyDay]:
    return db.session.scalars(
        sa.select(FamilyDay)
        .where(FamilyDay.prison_id == prison.id, FamilyDay.date == day)
        .order_by(FamilyDay.start_time)
    ).all()


def expected(day: FamilyDay) -> list[FamilyDayApplication]:
    return db.session.scalars(
        sa.select(FamilyDayApplication)
        .where(
            FamilyDayApplication.family_day_id == day.id,
            FamilyDayApplication.status.in_(
                [ApplicationStatus.APPROVED, ApplicationStatus.ATTENDED]
            ),
        )
        .order_by(FamilyDayApplication.prisoner_last_name, FamilyDayApplication.id)
    ).all()


def mark_attended(application: FamilyDayApplication, staff, today: date) -> None:
    places.lock_day(application.family_day_id)
    application = places.lock_application(application.id)
    if application.status is ApplicationStatus.ATTENDED:
        return
    if application.family_day.date != today:
        raise AttendanceError(_l("Families can only be checked in on the day itself."))
    if application.status is not ApplicationStatus.APPROVED:
        raise AttendanceError(_l("Only families with a confirmed place can be checked in."))
    application.mark_attended(f"staff:{staff.id}")
    audit.record(
        staff,
        "checked in family day family",
        "family_day_application",
        application.id,
        application.family_day.prison_id,
    )


def children_attended(prison: Prison, first: date, last: date) -> int:
    """Children who came to the prison's family days from first to last."""
    return db.session.scalar(
        sa.select(sa.func.count(FamilyDayPerson.id))
        .join(FamilyDayApplication, FamilyDayApplication.id == FamilyDayPerson.application_id)
        .join(FamilyDay, FamilyDay.id == FamilyDayApplication.family_day_id)
        .where(
            FamilyDay.prison_id == prison.id,
            FamilyDay.date.between(first, last),
            FamilyDayApplication.status == ApplicationStatus.ATTENDED,
            FamilyDayPerson.is_child.is_(True),
        )
    )
