"""Families (or a social worker or carer for them) apply for a place at a family day."""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import db
from family_days import allocation, eligibility, places, waiting_list
from family_days.eligibility import AdultDetails, ChildDetails
from family_days.models import (
    Applicant,
    FamilyDay,
    FamilyDayApplication,
    FamilyDayPerson,
)
from visits.models import Prison


class ApplicationError(Exception):
    """A rule stopped the application; the message is for the family."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class OnBehalf:
    """A social worker or carer applying for a looked-after child."""

    applicant: Applicant
    name: str
    organisation: str
    care_plan_reference: str
    consent_given: bool


@dataclass(frozen=True)
class NewApplication:
    prisoner_first_name: str
    prisoner_last_name: str
    prisoner_number: str
    children: list[ChildDetails]
    adults: list[AdultDetails]
    mobile: str | None
    email: str | None
    language: str
    last_visit_on: date | None = None
    looked_after: bool = False
    on_behalf: OnBehalf | None = field(default=None)


def upcoming_days(prison: Prison, today: date) -> list[FamilyDay]:
    return db.session.scalars(
        sa.select(FamilyDay)
        .where(FamilyDay.prison_id == prison.id, FamilyDay.date >= today)
        .order_by(FamilyDay.date, FamilyDay.start_time)
    ).all()


def prisons_with_days(today: date) -> list[Prison]:
    return db.session.scalars(
        sa.select(Prison)
        .where(Prison.id.in_(sa.select(FamilyDay.prison_id).where(FamilyDay.date >= today)))
        .order_by(Prison.name)
    ).all()


def day_at(prison: Prison, day_id: int) -> FamilyDay | None:
    day = db.session.get(FamilyDay, day_id)
    return day if day is not None and day.prison_id == prison.id else None


def application_by_token(token: str) -> FamilyDayApplication | None:
    return db.session.scalar(
        sa.select(FamilyDayApplication).where(FamilyDayApplication.token == token)
    )


def _people(details: NewApplication) -> list[FamilyDayPerson]:
    children = [
        FamilyDayPerson(
            is_child=True,
            first_name=c.first_name,
            last_name=c.last_name,
            date_of_birth=c.date_of_birth,
            relation=c.relation,
        )
        for c in details.children
    ]
    adults = [
        FamilyDayPerson(
            is_child=False,
            first_name=a.first_name,
            last_name=a.last_name,
            date_of_birth=a.date_of_birth,
        )
        for a in details.adults
    ]
    return children + adults


def apply(day_id: int, details: NewApplication, today: date, now: datetime) -> FamilyDayApplication:
    """Record the application; once places are given out it joins the end of the waiting list."""
    day = places.lock_day(day_id)
    if not day.accepts_applications(today):
        raise ApplicationError(_l("Applications for this family day are closed."))
    if not details.children:
        raise ApplicationError(_l("Add at least 1 child"))
    if not details.adults:
        raise ApplicationError(_l("Add the adult who will come with the children"))
    problems = eligibility.family_problems(
        eligibility.DayRules.of(day), details.children, details.adults
    )
    if problems:
        raise ApplicationError(problems[0].family_text)
    behalf = details.on_behalf
    if behalf is not None and not (behalf.care_plan_reference and behalf.consent_given):
        raise ApplicationError(
            _l("Give the care plan reference and confirm that consent has been given")
        )
    # Counted before the new row exists: a query would flush it half made.
    rank = allocation.next_rank(day) if day.allocated_at is not None else None
    application = FamilyDayApplication(
        family_day=day,
        token=secrets.token_urlsafe(32),
        applied_at=now,
        prisoner_first_name=details.prisoner_first_name,
        prisoner_last_name=details.prisoner_last_name,
        prisoner_number=details.prisoner_number,
        mobile=details.mobile,
        email=details.email,
        language=details.language,
        last_visit_on=details.last_visit_on,
        applicant=behalf.applicant if behalf else Applicant.FAMILY,
        applicant_name=behalf.name if behalf else "",
        organisation=behalf.organisation if behalf else "",
        care_plan_reference=behalf.care_plan_reference if behalf else "",
        consent_recorded_at=now if behalf else None,
        # A child a social worker or carer applies for is looked after by the local authority.
        looked_after=details.looked_after or behalf is not None,
        people=_people(details),
    )
    actor = application.applicant.value
    if rank is None:
        application.apply(actor)
    else:
        application.put_on_waiting_list(actor, rank)
    db.session.add(application)
    if rank is not None:
        db.session.flush()
        waiting_list.offer_freed_places(day, now)
    db.session.flush()
    return application


def application_at_prison(prison: Prison, application_id: int) -> FamilyDayApplication | None:
    application = db.session.get(FamilyDayApplication, application_id)
    if application is None or application.family_day.prison_id != prison.id:
        return None
    return application
