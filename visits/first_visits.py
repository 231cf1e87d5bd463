"""A prisoner's first visit after reception: families may book it within 72 hours of the
prisoner arriving, even where that is sooner than the prison's usual notice.

The visits team records the date each prisoner arrived (Prisoner.received_on). Until the
prisoner has a visit from that day on, the days from the prison's first-visit notice (1 day by
default) to its first-visit window after reception (3 days, 72 hours, by default) are open to
their family as well as the usual booking window; places are still limited by the session's
capacity.
"""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import db
from staff import audit
from visits.models import Prison, Prisoner, Visit, VisitSession, VisitStatus
from visits.sessions import takes_place

Window = tuple[date, date]


class ReceptionError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def dates_open(received_on: date, today: date, within_days: int, notice_days: int):
    """The days a first visit may be booked on, as (first, last), or None once too late."""
    last = received_on + timedelta(days=within_days)
    first = max(today + timedelta(days=notice_days), received_on)
    return (first, last) if first <= last else None


def covers(window: Window | None, day: date) -> bool:
    return window is not None and window[0] <= day <= window[1]


def _has_visit_since(prisoner: Prisoner, now: datetime, excluding_visit_id: int | None) -> bool:
    query = (
        sa.select(Visit.id)
        .join(VisitSession, VisitSession.id == Visit.session_id)
        .where(
            Visit.prison_id == prisoner.prison_id,
            Visit.prisoner_number == prisoner.prison_number,
            VisitSession.date >= prisoner.received_on,
            takes_place(now),
        )
        .limit(1)
    )
    if excluding_visit_id is not None:
        query = query.where(Visit.id != excluding_visit_id)
    return db.session.scalar(query) is not None


def _prisoner(prison: Prison, prison_number: str, lock: bool = False) -> Prisoner | None:
    query = sa.select(Prisoner).where(
        Prisoner.prison_id == prison.id, Prisoner.prison_number == prison_number
    )
    return db.session.scalar(query.with_for_update() if lock else query)


def window(
    prison: Prison,
    prison_number: str,
    today: date,
    now: datetime,
    excluding_visit_id: int | None = None,
) -> Window | None:
    """The extra days open for this prisoner's first visit, or None if there are none."""
    prisoner = _prisoner(prison, prison_number)
    if prisoner is None or prisoner.received_on is None:
        return None
    open_days = dates_open(
        prisoner.received_on, today, prison.first_visit_within_days, prison.first_visit_notice_days
    )
    if open_days is None or _has_visit_since(prisoner, now, excluding_visit_id):
        return None
    return open_days


def record_reception(prison: Prison, prison_number: str, received_on: date, staff, today: date):
    prisoner = _prisoner(prison, prison_number, lock=True)
    if prisoner is None:
        raise ReceptionError(
            _l("No prisoner with this prison number is on the register. Add them first.")
        )
    if received_on > today:
        raise ReceptionError(_l("The date they arrived must be today or in the past"))
    prisoner.received_on = received_on
    audit.record(staff, "recorded reception", "prisoner", prisoner.id, prison.id)
    return prisoner


def recent_receptions(prison: Prison, today: date, days: int = 14) -> list[Prisoner]:
    return db.session.scalars(
        sa.select(Prisoner)
        .where(
            Prisoner.prison_id == prison.id,
            Prisoner.received_on >= today - timedelta(days=days),
        )
        .order_by(Prisoner.received_on.desc(), Prisoner.last_name)
    ).all()


def first_visits_from(prison: Prison, today: date) -> list[Visit]:
    """Booked and requested first visits from today on, soonest first."""
    return db.session.scalars(
        sa.select(Visit)
        .join(VisitSession, VisitSession.id == Visit.session_id)
        .where(
            Visit.prison_id == prison.id,
            Visit.first_visit.is_(True),
            Visit.status.in_([VisitStatus.REQUESTED, VisitStatus.BOOKED]),
            VisitSession.date >= today,
        )
        .order_by(VisitSession.date, VisitSession.start_time)
    ).all()


def first_booked_visit(prisoner: Prisoner) -> Visit | None:
    """The prisoner's earliest booked or requested visit since reception."""
    return db.session.scalar(
        sa.select(Visit)
        .join(VisitSession, VisitSession.id == Visit.session_id)
        .where(
            Visit.prison_id == prisoner.prison_id,
            Visit.prisoner_number == prisoner.prison_number,
            Visit.status.in_([VisitStatus.REQUESTED, VisitStatus.BOOKED]),
            VisitSession.date >= prisoner.received_on,
        )
        .order_by(VisitSession.date, VisitSession.start_time)
        .limit(1)
    )
