"""Applications keep their personal data as long as visits do (VISIT_RETENTION_DAYS after
the day). Afterwards they keep the day, status, priority and children's birth years, so the
day's figures still add up; names, contacts, prison numbers, care plan references and free
text go, and the family's link stops working."""

import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app import db
from family_days.models import FamilyDay, FamilyDayApplication, FamilyDayEvent

BATCH = 500


def anonymise(application: FamilyDayApplication, now: datetime) -> None:
    application.prisoner_first_name = application.prisoner_last_name = ""
    application.prisoner_number = ""
    application.mobile = application.email = None
    application.applicant_name = application.organisation = application.care_plan_reference = ""
    application.decline_details = ""
    application.token = secrets.token_urlsafe(32)
    for person in application.people:
        person.first_name = person.last_name = ""
        person.date_of_birth = date(person.date_of_birth.year, 1, 1)
    application.anonymised_at = now
    application.events.append(
        FamilyDayEvent(
            from_status=application.status,
            to_status=application.status,
            actor="system",
            note="personal data removed",
        )
    )


def anonymise_old_applications(today: date, keep_days: int, now: datetime) -> int:
    due = (
        sa.select(FamilyDayApplication)
        .join(FamilyDay, FamilyDayApplication.family_day_id == FamilyDay.id)
        .where(
            FamilyDay.date < today - timedelta(days=keep_days),
            FamilyDayApplication.anonymised_at.is_(None),
        )
        .order_by(FamilyDayApplication.id)
        .limit(BATCH)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(of=FamilyDayApplication, skip_locked=True)
    applications = db.session.scalars(due).all()
    for application in applications:
        anonymise(application, now)
    return len(applications)
