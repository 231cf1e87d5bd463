"""Holding, confirming, changing and cancelling visits.

Every function here runs inside the caller's transaction and never commits.
Each one that takes a place first locks the session row (SELECT ... FOR UPDATE
on PostgreSQL; on SQLite the write transaction began with BEGIN IMMEDIATE), then
counts live visits, so two families can never take the same last table.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import db
from centres.models import CheckIn
from visits import compassionate, first_visits, notifications, register, restrictions, rules
from visits.models import (
    CancelReason,
    Prison,
    Relationship,
    TableType,
    Visit,
    Visitor,
    VisitSession,
    VisitStatus,
)
from visits.sessions import availability


class BookingError(Exception):
    """A rule stopped the change; the message is for the family."""

    def __init__(self, message):
        # Left lazy: translated where it is shown, in that page's language. Rendering it
        # here failed outside a request (a thread or a command has no locale to pick).
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PrisonerDetails:
    first_name: str
    last_name: str
    date_of_birth: date
    prison_number: str


@dataclass(frozen=True)
class VisitorDetails:
    first_name: str
    last_name: str
    date_of_birth: date
    relation: Relationship


@dataclass(frozen=True)
class ContactDetails:
    mobile: str | None
    email: str | None
    language: str


def limits_of(prison: Prison) -> rules.VisitorLimits:
    return rules.VisitorLimits(
        prison.max_adults, prison.max_children, prison.max_visitors, prison.adult_age
    )


def _lock_session(prison: Prison, session_id: int) -> VisitSession:
    session = db.session.execute(
        sa.select(VisitSession)
        .where(VisitSession.id == session_id, VisitSession.prison_id == prison.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if session is None or session.cancelled:
        raise BookingError(_l("That time is no longer available. Choose another time."))
    return session


def _check_fits(
    prison: Prison,
    session: VisitSession,
    table_type: TableType,
    birth_dates: list[date],
    today: date,
    now: datetime,
    excluding_visit_id: int | None,
    extra_window: tuple[date, date] | None = None,
) -> None:
    first, last = prison.booking_window(today)
    if not first <= session.date <= last and not first_visits.covers(extra_window, session.date):
        raise BookingError(_l("That time can no longer be booked. Choose another time."))
    problems = rules.visitor_group_problems(limits_of(prison), birth_dates, session.date)
    if problems:
        raise BookingError(problems[0])
    _check_children(prison, session, birth_dates)
    (places,) = availability([session], now, excluding_visit_id)
    if not places.fits(table_type, len(birth_dates)):
        raise BookingError(_l("Sorry, that time has just been fully booked. Choose another time."))


def _check_children(prison: Prison, session: VisitSession, birth_dates: list[date]) -> None:
    if session.is_child_centred:
        problem = rules.child_centred_problem(prison.adult_age, birth_dates, session.date)
        if problem:
            raise BookingError(problem)


def early_days(
    prison: Prison,
    prison_number: str,
    primary_carer: bool,
    today: date,
    now: datetime,
    excluding_visit_id: int | None = None,
) -> tuple[first_visits.Window | None, first_visits.Window | None]:
    """The prisoner's first-visit days, and every day open before the usual window: those
    and, for a compassionate visit, the days inside the usual notice."""
    first_visit = first_visits.window(prison, prison_number, today, now, excluding_visit_id)
    early = compassionate.window(prison, today) if primary_carer else None
    return first_visit, compassionate.span(first_visit, early)


def _new_reference() -> str:
    while True:
        reference = "".join(
            secrets.choice(rules.REFERENCE_ALPHABET) for _ in range(rules.REFERENCE_LENGTH)
        )
        taken = db.session.scalar(sa.select(Visit.id).where(Visit.reference == reference))
        if taken is None:
            return reference


def _visitor_rows(visitors: list[VisitorDetails]) -> list[Visitor]:
    return [
        Visitor(
            position=position,
            first_name=v.first_name,
            last_name=v.last_name,
            date_of_birth=v.date_of_birth,
            relation=v.relation,
        )
        for position, v in enumerate(visitors)
    ]


def visit_for_journey(journey_token: str) -> Visit | None:
    return db.session.scalar(
        sa.select(Visit)
        .where(Visit.journey_token == journey_token)
        .execution_options(populate_existing=True)
    )


def _lock_journey_visit(journey_token: str) -> Visit | None:
    # Always taken after the session lock. Without it a hold expired by the release of lapsed
    # holds at this moment was confirmed from HELD, leaving the audit trail with a gap.
    visit = db.session.scalar(
        sa.select(Visit)
        .where(Visit.journey_token == journey_token)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if visit is not None and visit.status in (VisitStatus.CANCELLED, VisitStatus.REJECTED):
        # The family went back to a finished journey after the visit was cancelled.
        raise BookingError(_l("This visit has been cancelled, so it cannot be changed."))
    return visit


def hold_place(
    prison: Prison,
    journey_token: str,
    session_id: int,
    prisoner: PrisonerDetails,
    visitors: list[VisitorDetails],
    contact: ContactDetails,
    today: date,
    now: datetime,
    primary_carer: bool = False,
) -> Visit:
    """Hold an open table for this journey; a journey holds one place however often it asks.

    primary_carer: the family says the prisoner was the children's primary carer."""
    session = _lock_session(prison, session_id)
    visit = _lock_journey_visit(journey_token)
    if visit is not None and visit.is_active():
        return visit  # already confirmed: a resubmitted page changes nothing
    birth_dates = [v.date_of_birth for v in visitors]
    visit_id = visit.id if visit else None
    table_type = restrictions.table_for(
        prison, session, prisoner.prison_number, visitors, now, visit_id
    )
    claim = compassionate.applies(prison, primary_carer, birth_dates, session.date)
    first_visit, early = early_days(prison, prisoner.prison_number, claim, today, now, visit_id)
    _check_fits(prison, session, table_type, birth_dates, today, now, visit_id, early)
    until = now + timedelta(minutes=prison.hold_minutes)
    if visit is None:
        visit = Visit(
            reference=_new_reference(),
            manage_token=secrets.token_urlsafe(32),
            journey_token=journey_token,
            prison=prison,
        )
        db.session.add(visit)
        visit.hold(until, actor="family")
    elif visit.status is VisitStatus.HELD:
        visit.hold_expires_at = until
        visit.record_change("family", note="time chosen again")
    else:
        visit.hold(until, actor="family")
    visit.session = session
    visit.table_type = table_type
    visit.first_visit = first_visits.covers(first_visit, session.date)
    visit.compassionate = claim
    _apply_details(visit, prisoner, visitors, contact)
    db.session.flush()
    return visit


def _apply_details(
    visit: Visit,
    prisoner: PrisonerDetails,
    visitors: list[VisitorDetails],
    contact: ContactDetails,
) -> None:
    visit.prisoner_first_name = prisoner.first_name
    visit.prisoner_last_name = prisoner.last_name
    visit.prisoner_date_of_birth = prisoner.date_of_birth
    visit.prisoner_number = prisoner.prison_number
    visit.prisoner_id = register.prisoner_id_for(visit.prison.id, prisoner.prison_number)
    visit.mobile = contact.mobile
    visit.email = contact.email
    visit.language = contact.language
    if [details_of(v) for v in visit.visitors] != visitors:
        visit.visitors = _visitor_rows(visitors)


def details_of(visitor: Visitor) -> VisitorDetails:
    return VisitorDetails(
        visitor.first_name, visitor.last_name, visitor.date_of_birth, visitor.relation
    )


def confirm_booking(
    prison: Prison,
    journey_token: str,
    prisoner: PrisonerDetails,
    visitors: list[VisitorDetails],
    contact: ContactDetails,
    needs: list[str],
    needs_details: str,
    today: date,
    now: datetime,
    allowance_override: str = "",
    primary_carer: bool = False,
) -> Visit:
    """Book (or request) the held visit with the journey's latest answers; safe to repeat.

    allowance_override: a staff member's reason for booking beyond the visit allowance.
    primary_carer: the family says the prisoner was the children's primary carer."""
    visit = visit_for_journey(journey_token)
    if visit is None:
        raise BookingError(_l("Choose a time for your visit."))
    session = _lock_session(prison, visit.session_id)
    visit = _lock_journey_visit(journey_token)
    if visit.is_active():
        return visit
    # Answers may have changed since the hold, and the hold may have run out:
    # check again, counting every place but this visit's own.
    birth_dates = [v.date_of_birth for v in visitors]
    visit.table_type = restrictions.table_for(
        prison, session, prisoner.prison_number, visitors, now, visit.id
    )
    claim = compassionate.applies(prison, primary_carer, birth_dates, session.date)
    first_visit, early = early_days(prison, prisoner.prison_number, claim, today, now, visit.id)
    _check_fits(prison, session, visit.table_type, birth_dates, today, now, visit.id, early)
    visit.first_visit = first_visits.covers(first_visit, session.date)
    visit.compassionate = claim
    if visit.status is VisitStatus.EXPIRED:
        visit.hold(now + timedelta(minutes=prison.hold_minutes), actor="family")
    _apply_details(visit, prisoner, visitors, contact)
    visit.needs = ",".join(needs)
    visit.needs_details = needs_details
    visit.allowance_override_reason = allowance_override
    reasons = restrictions.review_reasons(
        prison, prisoner.prison_number, visitors, session.date, visit.id, bool(allowance_override)
    )
    if claim:
        reasons += (compassionate.REVIEW_REASON,)
    visit.confirm(actor="family", review_reasons=reasons)
    notifications.visit_confirmed(visit)
    db.session.flush()
    return visit


def find_visit(reference: str, lead_date_of_birth: date) -> Visit | None:
    return db.session.scalar(
        sa.select(Visit)
        .join(Visitor, sa.and_(Visitor.visit_id == Visit.id, Visitor.position == 0))
        .where(
            Visit.reference == rules.normalise_reference(reference),
            Visitor.date_of_birth == lead_date_of_birth,
            Visit.status.not_in([VisitStatus.HELD, VisitStatus.EXPIRED]),
        )
    )


def visit_by_token(token: str) -> Visit | None:
    return db.session.scalar(
        sa.select(Visit).where(
            Visit.manage_token == token,
            Visit.status.not_in([VisitStatus.HELD, VisitStatus.EXPIRED]),
        )
    )


def _checked_in(visit: Visit) -> bool:
    # Once the visitor centre has started checking the family in, changes go through staff:
    # new visitors would lose the ID checks already made.
    return db.session.scalar(sa.select(CheckIn.id).where(CheckIn.visit_id == visit.id)) is not None


def can_change(visit: Visit, now_local: datetime) -> bool:
    return visit.is_active() and visit.session.starts_at > now_local and not _checked_in(visit)


def _require_changeable(visit: Visit, now_local: datetime) -> None:
    if not visit.is_active():
        raise BookingError(_l("This visit has been cancelled, so it cannot be changed."))
    if visit.session.starts_at <= now_local:
        raise BookingError(_l("This visit has already started, so it cannot be changed."))
    if _checked_in(visit):
        raise BookingError(
            _l(
                "You have checked in at the visitor centre. "
                "Ask the staff there to change your visit."
            )
        )


def cancel_visit(
    visit: Visit, reason: CancelReason, details: str, actor: str, now_local: datetime
) -> None:
    _require_changeable(visit, now_local)
    visit.cancel(actor, reason, details)
    notifications.visit_cancelled(visit, actor)


def _refuse_changes_needing_review(visit: Visit, visitors: list[VisitorDetails], on: date):
    # A change that meets a restriction the booking did not (a banned visitor added, a day when
    # a prisoner who must be kept apart has a visit) needs the prison; families are not told why.
    overridden = bool(visit.allowance_override_reason)
    now_reasons = restrictions.review_reasons(
        visit.prison,
        visit.prisoner_number,
        [details_of(v) for v in visit.visitors],
        visit.session.date,
        visit.id,
        overridden,
    )
    new_reasons = restrictions.review_reasons(
        visit.prison,
        visit.prisoner_number,
        visitors,
        on,
        visit.id,
        overridden and on == visit.session.date,
    )
    if set(new_reasons) - set(now_reasons):
        raise BookingError(
            _l(
                "The prison needs to check this change, so it cannot be made online. "
                "Contact the prison to change your visit."
            )
        )


def change_visit_time(
    visit: Visit, session_id: int, today: date, now: datetime, now_local: datetime
) -> None:
    _require_changeable(visit, now_local)
    if session_id == visit.session_id:
        return
    session = _lock_session(visit.prison, session_id)
    birth_dates = [v.date_of_birth for v in visit.visitors]
    first_visit, early = early_days(
        visit.prison, visit.prisoner_number, visit.compassionate, today, now, visit.id
    )
    _check_fits(visit.prison, session, visit.table_type, birth_dates, today, now, visit.id, early)
    visit.first_visit = first_visits.covers(first_visit, session.date)
    _refuse_changes_needing_review(visit, [details_of(v) for v in visit.visitors], session.date)
    visit.session = session
    visit.record_change("family", note="time changed")
    notifications.visit_time_changed(visit)


def change_visitors(
    visit: Visit, visitors: list[VisitorDetails], today: date, now: datetime, now_local: datetime
) -> None:
    _require_changeable(visit, now_local)
    session = _lock_session(visit.prison, visit.session_id)
    birth_dates = [v.date_of_birth for v in visitors]
    # Changing who comes must not push a session over its people places; the date stays.
    problems = rules.visitor_group_problems(limits_of(visit.prison), birth_dates, session.date)
    if problems:
        raise BookingError(problems[0])
    _check_children(visit.prison, session, birth_dates)
    if visit.compassionate and not rules.has_child(
        visit.prison.adult_age, birth_dates, session.date
    ):
        raise BookingError(
            _l(
                "This is an early visit for children: at least 1 visitor must be under %(age)s.",
                age=visit.prison.adult_age,
            )
        )
    (places,) = availability([session], now, visit.id)
    if places.people_left is not None and places.people_left < len(visitors):
        raise BookingError(_l("There is not enough room in this session for that many visitors."))
    _refuse_changes_needing_review(visit, visitors, session.date)
    visit.visitors = _visitor_rows(visitors)
    visit.record_change("family", note="visitors changed")


def release_lapsed_holds(now: datetime) -> int:
    # Locked, so a hold being confirmed at this moment is waited for and then, booked, skipped;
    # without the lock the release overwrote the booking with EXPIRED on PostgreSQL.
    lapsed = db.session.scalars(
        sa.select(Visit)
        .where(Visit.status == VisitStatus.HELD, Visit.hold_expires_at <= now)
        .order_by(Visit.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for visit in lapsed:
        visit.expire()
    return len(lapsed)
