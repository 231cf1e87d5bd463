"""Checking a booked family in on the day of their visit, and who is expected or here now.

Functions here run inside the caller's transaction and never commit. Those that change a
check-in lock the visit's row first, so two tablets pressing the same button at once make
one change and a clear refusal rather than two rows.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app import db
from centres.models import (
    ATTENDED,
    HERE_NOW,
    CheckIn,
    CheckInRefused,
    CheckInState,
    VisitorIdCheck,
)
from timeutil import LONDON, age_on
from visits import rules
from visits.models import Prison, Visit, Visitor, VisitSession, VisitStatus

# National rule: children under 16 need no ID when an adult comes with them.
ID_EXEMPT_UNDER = 16
ACCOMPANYING_ADULT_AGE = 18


class MissingId(CheckInRefused):
    def __init__(self, visitors: list[Visitor]):
        names = ", ".join(v.full_name for v in visitors)
        super().__init__(_l("Confirm you have seen ID for %(names)s", names=names))
        self.visitors = visitors


def local_time(now: datetime) -> datetime:
    """The prison's wall-clock time for a stored (naive UTC) moment."""
    return now.replace(tzinfo=UTC).astimezone(LONDON).replace(tzinfo=None)


def latest_arrival(session: VisitSession, prison: Prison) -> datetime:
    return session.starts_at - timedelta(minutes=prison.arrive_minutes_before)


def is_late(session: VisitSession, prison: Prison, now: datetime) -> bool:
    return local_time(now) > latest_arrival(session, prison)


def needs_id(age: int, accompanied: bool) -> bool:
    return not (accompanied and age < ID_EXEMPT_UNDER)


@dataclass(frozen=True)
class IdNeed:
    visitor: Visitor
    age: int
    needs_id: bool


def id_needs(visit: Visit) -> list[IdNeed]:
    on = visit.session.date
    ages = [age_on(v.date_of_birth, on) for v in visit.visitors]
    accompanied = any(age >= ACCOMPANYING_ADULT_AGE for age in ages)
    return [
        IdNeed(visitor, age, needs_id(age, accompanied))
        for visitor, age in zip(visit.visitors, ages, strict=True)
    ]


def visit_at(prison: Prison, reference: str) -> Visit | None:
    return db.session.scalar(
        sa.select(Visit).where(
            Visit.prison_id == prison.id,
            Visit.reference == rules.normalise_reference(reference),
            Visit.status.not_in([VisitStatus.HELD, VisitStatus.EXPIRED]),
        )
    )


def lock_visit(prison: Prison, reference: str) -> Visit | None:
    return db.session.scalar(
        sa.select(Visit)
        .where(
            Visit.prison_id == prison.id,
            Visit.reference == rules.normalise_reference(reference),
            Visit.status.not_in([VisitStatus.HELD, VisitStatus.EXPIRED]),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def check_in_of(visit: Visit) -> CheckIn | None:
    return db.session.scalar(
        sa.select(CheckIn)
        .where(CheckIn.visit_id == visit.id)
        .execution_options(populate_existing=True)
    )


def state_of(visit: Visit) -> CheckInState:
    check_in = check_in_of(visit)
    return check_in.state if check_in else CheckInState.EXPECTED


def _check_in_to_change(visit: Visit) -> CheckIn:
    if visit.status is not VisitStatus.BOOKED:
        raise CheckInRefused(
            _l(
                "Only booked visits can be checked in. This visit is %(status)s.",
                status=visit.status.label,
            )
        )
    check_in = check_in_of(visit)
    if check_in is None:
        check_in = CheckIn(
            visit_id=visit.id,
            prison_id=visit.prison_id,
            session_id=visit.session_id,
            state=CheckInState.EXPECTED,
        )
        db.session.add(check_in)
    return check_in


def mark_arrived(visit: Visit, staff, now: datetime) -> CheckIn:
    if local_time(now).date() != visit.session.date:
        raise CheckInRefused(_l("Families can only be checked in on the day of their visit."))
    check_in = _check_in_to_change(visit)
    check_in.arrive(staff, now, late=is_late(visit.session, visit.prison, now))
    return check_in


def record_id_check(visit: Visit, staff, seen_visitor_ids: set[int], now: datetime) -> CheckIn:
    check_in = _check_in_to_change(visit)
    needs = id_needs(visit)
    if check_in.state is CheckInState.ARRIVED:
        missing = [n.visitor for n in needs if n.needs_id and n.visitor.id not in seen_visitor_ids]
        if missing:
            raise MissingId(missing)
    checks = [
        VisitorIdCheck(
            visitor_id=n.visitor.id,
            id_seen=n.needs_id and n.visitor.id in seen_visitor_ids,
            exempt=not n.needs_id,
        )
        for n in needs
    ]
    check_in.check_id(staff, now, checks)
    return check_in


def admit(visit: Visit, staff, now: datetime) -> CheckIn:
    check_in = _check_in_to_change(visit)
    check_in.admit(staff, now)
    return check_in


def mark_left(visit: Visit, staff, now: datetime) -> CheckIn:
    check_in = _check_in_to_change(visit)
    check_in.leave(staff, now)
    return check_in


def arrival_time_passed(session: VisitSession, prison: Prison, now: datetime) -> bool:
    return local_time(now) >= latest_arrival(session, prison)


def _require_arrival_time_passed(session: VisitSession, prison: Prison, now: datetime) -> None:
    cutoff = latest_arrival(session, prison)
    if not arrival_time_passed(session, prison, now):
        raise CheckInRefused(
            _l(
                "You can record that a family did not come from %(time)s, the latest time "
                "to arrive.",
                time=cutoff.strftime("%H:%M"),
            )
        )


def mark_no_show(visit: Visit, staff, now: datetime) -> CheckIn:
    _require_arrival_time_passed(visit.session, visit.prison, now)
    check_in = _check_in_to_change(visit)
    check_in.no_show(staff, now)
    return check_in


def record_no_shows(prison: Prison, session: VisitSession, staff, now: datetime) -> int:
    """Mark every family in the session still expected as not coming; returns how many."""
    _require_arrival_time_passed(session, prison, now)
    visits = db.session.scalars(
        sa.select(Visit)
        .outerjoin(CheckIn, CheckIn.visit_id == Visit.id)
        .where(
            Visit.session_id == session.id,
            Visit.status == VisitStatus.BOOKED,
            sa.or_(CheckIn.id.is_(None), CheckIn.state == CheckInState.EXPECTED),
        )
        .order_by(Visit.id)
        .with_for_update(of=Visit)
        .execution_options(populate_existing=True)
    ).all()
    for visit in visits:
        _check_in_to_change(visit).no_show(staff, now)
    return len(visits)


def was_admitted(visit_id: int) -> bool:
    """Proof of visit: the family went in (for travel cost claims, among others)."""
    state = db.session.scalar(sa.select(CheckIn.state).where(CheckIn.visit_id == visit_id))
    return state in ATTENDED


@dataclass
class ExpectedVisit:
    visit: Visit
    check_in: CheckIn | None

    @property
    def state(self) -> CheckInState:
        return self.check_in.state if self.check_in else CheckInState.EXPECTED

    @property
    def late(self) -> bool:
        return bool(self.check_in and self.check_in.late)


@dataclass
class SessionOnTheDay:
    session: VisitSession
    visits: list[ExpectedVisit]

    def count(self, *states: CheckInState) -> int:
        return sum(1 for v in self.visits if v.state in states)

    @property
    def still_expected(self) -> int:
        return self.count(CheckInState.EXPECTED)

    @property
    def here(self) -> int:
        return self.count(*HERE_NOW)

    @property
    def gone(self) -> int:
        return self.count(CheckInState.LEFT)

    @property
    def no_shows(self) -> int:
        return self.count(CheckInState.NO_SHOW)


def _booked_visits(*where) -> list[ExpectedVisit]:
    rows = db.session.execute(
        sa.select(Visit, CheckIn)
        .join(VisitSession, VisitSession.id == Visit.session_id)
        .outerjoin(CheckIn, CheckIn.visit_id == Visit.id)
        .where(Visit.status == VisitStatus.BOOKED, *where)
        .options(selectinload(Visit.visitors), selectinload(Visit.session))
        .order_by(VisitSession.date, VisitSession.start_time, Visit.id)
    ).all()
    return [ExpectedVisit(visit, check_in) for visit, check_in in rows]


def sessions_on(prison: Prison, day: date) -> list[SessionOnTheDay]:
    sessions = db.session.scalars(
        sa.select(VisitSession)
        .where(VisitSession.prison_id == prison.id, VisitSession.date == day)
        .order_by(VisitSession.start_time)
    ).all()
    expected = _booked_visits(Visit.prison_id == prison.id, VisitSession.date == day)
    return [
        SessionOnTheDay(s, [e for e in expected if e.visit.session_id == s.id]) for s in sessions
    ]


def session_at(prison: Prison, session_id: int) -> VisitSession | None:
    return db.session.scalar(
        sa.select(VisitSession).where(
            VisitSession.id == session_id, VisitSession.prison_id == prison.id
        )
    )


def visits_in_session(session: VisitSession) -> list[ExpectedVisit]:
    return _booked_visits(Visit.session_id == session.id)


def here_now(prison: Prison, day: date) -> list[ExpectedVisit]:
    here = _booked_visits(
        Visit.prison_id == prison.id, VisitSession.date == day, CheckIn.state.in_(HERE_NOW)
    )
    return sorted(here, key=lambda e: e.check_in.arrived_at)


def looks_like_reference(text: str) -> bool:
    cleaned = rules.normalise_reference(text)
    return len(cleaned) == rules.REFERENCE_LENGTH and all(
        c in rules.REFERENCE_ALPHABET for c in cleaned
    )


def find_visits(prison: Prison, text: str, day: date) -> list[ExpectedVisit]:
    """A booking reference finds the visit on any day; a name searches the day's visitors."""
    if looks_like_reference(text):
        return _booked_visits(
            Visit.prison_id == prison.id, Visit.reference == rules.normalise_reference(text)
        )
    wanted = " ".join(text.split()).lower()
    if not wanted:
        return []
    full_name = sa.func.lower(Visitor.first_name + " " + Visitor.last_name)
    matching = sa.select(Visitor.visit_id).where(full_name.contains(wanted, autoescape=True))
    return _booked_visits(
        Visit.prison_id == prison.id, VisitSession.date == day, Visit.id.in_(matching)
    )
