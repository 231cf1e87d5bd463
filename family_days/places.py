"""A family day's places, counted from live applications: never kept as a counter.

Every change that gives or frees a place locks the day's row first (SELECT ... FOR UPDATE on
PostgreSQL; on SQLite writes begin with BEGIN IMMEDIATE), so two at once cannot both take the
last place.
"""

import sqlalchemy as sa

from app import db
from family_days.models import PLACE_TAKING, FamilyDay, FamilyDayApplication


def lock_day(day_id: int) -> FamilyDay:
    return db.session.execute(
        sa.select(FamilyDay)
        .where(FamilyDay.id == day_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def lock_application(application_id: int) -> FamilyDayApplication:
    return db.session.execute(
        sa.select(FamilyDayApplication)
        .where(FamilyDayApplication.id == application_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def places_taken(day: FamilyDay) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(FamilyDayApplication.id)).where(
            FamilyDayApplication.family_day_id == day.id,
            FamilyDayApplication.status.in_(PLACE_TAKING),
        )
    )


def places_left(day: FamilyDay) -> int:
    return max(0, day.families - places_taken(day))
