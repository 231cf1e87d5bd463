"""Freed places go to the waiting list in order, each offer with a deadline to accept.

Whatever frees a place (a withdrawal, a decline, an offer running out) calls
offer_freed_places in the same transaction, with the day's row locked.
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import db
from family_days import notifications, places
from family_days.models import ApplicationStatus, FamilyDay, FamilyDayApplication
from timeutil import LONDON


class OfferError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _local_date(now: datetime):
    return now.replace(tzinfo=UTC).astimezone(LONDON).date()


def offer_freed_places(day: FamilyDay, now: datetime) -> list[FamilyDayApplication]:
    """Offer every free place to the next family waiting; the caller has locked the day."""
    if _local_date(now) >= day.date:
        return []  # too late to offer: the day has come
    free = places.places_left(day)
    if free <= 0:
        return []
    waiting = db.session.scalars(
        sa.select(FamilyDayApplication)
        .where(
            FamilyDayApplication.family_day_id == day.id,
            FamilyDayApplication.status == ApplicationStatus.WAITING_LIST,
        )
        .order_by(FamilyDayApplication.rank, FamilyDayApplication.id)
        .limit(free)
        .with_for_update()
    ).all()
    for application in waiting:
        application.offer(now + timedelta(hours=day.offer_hours))
        notifications.place_offered(application, now)
    db.session.flush()
    return list(waiting)


def accept_offer(application: FamilyDayApplication, now: datetime) -> None:
    places.lock_day(application.family_day_id)
    application = places.lock_application(application.id)
    if application.status is ApplicationStatus.APPROVED:
        return  # accepted already: a second click changes nothing
    if application.status is not ApplicationStatus.OFFERED or application.offer_expires_at <= now:
        raise OfferError(_l("This offer has run out, so the place has gone to another family."))
    application.accept_offer()


def withdraw(application: FamilyDayApplication, actor: str, now: datetime) -> None:
    day = places.lock_day(application.family_day_id)
    application = places.lock_application(application.id)
    if application.status is ApplicationStatus.WITHDRAWN:
        return
    if application.status not in (
        ApplicationStatus.APPLIED,
        ApplicationStatus.WAITING_LIST,
        ApplicationStatus.OFFERED,
        ApplicationStatus.APPROVED,
    ):
        raise OfferError(_l("This application can no longer be withdrawn."))
    application.withdraw(actor)
    db.session.flush()
    offer_freed_places(day, now)


def expire_offers(now: datetime) -> int:
    """Offers not accepted in time run out, and their places go to the next family."""
    lapsed = db.session.execute(
        sa.select(FamilyDayApplication.id, FamilyDayApplication.family_day_id)
        .where(
            FamilyDayApplication.status == ApplicationStatus.OFFERED,
            FamilyDayApplication.offer_expires_at <= now,
        )
        .order_by(FamilyDayApplication.id)
    ).all()
    expired = 0
    for application_id, day_id in lapsed:
        day = places.lock_day(day_id)
        application = places.lock_application(application_id)
        # Accepted meanwhile: the lock made us wait for it, and now it is not ours to expire.
        if application.status is not ApplicationStatus.OFFERED:
            continue
        application.expire_offer()
        expired += 1
        db.session.flush()
        offer_freed_places(day, now)
    return expired
