"""The visits team's timetable: weekly sessions, closures and changes to one dated session.

A change that would cancel or move booked visits is never applied silently: the domain
function raises NeedsConfirmation with the visits it affects, and applies the change only
when called again with that list's fingerprint. Sessions are locked before their visits
are counted, as in booking, so a family booking at the same moment is either counted here
or refused there.
"""

import enum
import hashlib
from dataclasses import dataclass, replace
from datetime import date, time

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app import db
from staff import audit
from staff.models import StaffAuditEvent, StaffUser
from visits import notifications
from visits.models import (
    CancelReason,
    Closure,
    Prison,
    SessionKind,
    SessionTemplate,
    TableType,
    Visit,
    VisitSession,
    VisitStatus,
)
from visits.sessions import ensure_sessions

WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)
WEEKDAYS_PLURAL = (
    _l("Mondays"),
    _l("Tuesdays"),
    _l("Wednesdays"),
    _l("Thursdays"),
    _l("Fridays"),
    _l("Saturdays"),
    _l("Sundays"),
)


class ScheduleError(Exception):
    """A change that cannot be made; field names the form question it belongs to."""

    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


class Outcome(enum.StrEnum):
    SESSION_CANCELLED = "session_cancelled"
    NO_ROOM = "no_room"
    MOVED = "moved"

    @property
    def label(self):
        return {
            Outcome.SESSION_CANCELLED: _l("Cancelled: the session is cancelled"),
            Outcome.NO_ROOM: _l("Cancelled: no room left in the session"),
            Outcome.MOVED: _l("Kept, at the new time"),
        }[self]


@dataclass(frozen=True)
class AffectedVisit:
    visit: Visit
    outcome: Outcome


def fingerprint(affected: list[AffectedVisit]) -> str:
    listed = ",".join(sorted(f"{a.visit.id}:{a.outcome.value}" for a in affected))
    return hashlib.sha256(listed.encode()).hexdigest()[:32]


class NeedsConfirmation(Exception):
    def __init__(self, affected: list[AffectedVisit]):
        super().__init__(f"{len(affected)} visits affected")
        self.affected = affected
        self.fingerprint = fingerprint(affected)


@dataclass(frozen=True)
class SessionShape:
    """What staff can change about a session: its times and places."""

    start_time: time
    end_time: time
    open_tables: int
    closed_tables: int
    people_places: int | None


def shape_of(record: SessionTemplate | VisitSession) -> SessionShape:
    return SessionShape(
        record.start_time,
        record.end_time,
        record.open_tables,
        record.closed_tables,
        record.people_places,
    )


@dataclass(frozen=True)
class WeeklySession:
    weekday: int
    shape: SessionShape
    valid_from: date
    valid_until: date | None
    kind: SessionKind = SessionKind.SOCIAL
    # Told to families booking a child-centred session; kept empty for social sessions.
    play_area: str = ""
    children_may_bring: str = ""
    what_happens: str = ""

    @property
    def family_information(self) -> dict[str, str]:
        if self.kind is not SessionKind.CHILD_CENTRED:
            return dict.fromkeys(FAMILY_INFORMATION, "")
        return {name: getattr(self, name).strip() for name in FAMILY_INFORMATION}

    def runs_on(self, day: date) -> bool:
        return (
            day.weekday() == self.weekday
            and self.valid_from <= day
            and (self.valid_until is None or day <= self.valid_until)
        )


FAMILY_INFORMATION = ("play_area", "children_may_bring", "what_happens")
INFORMATION_MAX = 500


def weekly_of(template: SessionTemplate) -> WeeklySession:
    return WeeklySession(
        template.weekday,
        shape_of(template),
        template.valid_from,
        template.valid_until,
        template.kind,
        **{name: getattr(template, name) for name in FAMILY_INFORMATION},
    )


@dataclass(frozen=True)
class SessionChange:
    session: VisitSession
    new_shape: SessionShape | None  # None cancels the session


def notify_session_change(affected: list[AffectedVisit], actor: str) -> None:
    """Tell each family, through the outbox in this transaction, what happened to their visit."""
    # A visit cancelled for lack of room is told so; the session itself still runs.
    for item in affected:
        if item.outcome is Outcome.NO_ROOM:
            notifications.visit_cancelled(item.visit, actor)
    notifications.session_changed([a.visit for a in affected if a.outcome is not Outcome.NO_ROOM])


def _actor(staff: StaffUser) -> str:
    return f"staff:{staff.id}"


def _check_shape(shape: SessionShape) -> None:
    if shape.end_time <= shape.start_time:
        raise ScheduleError("end_time", _l("The end time must be after the start time"))
    if shape.open_tables + shape.closed_tables < 1:
        raise ScheduleError("open_tables", _l("A session needs at least 1 table"))


def _lock_sessions(*where) -> list[VisitSession]:
    return list(
        db.session.scalars(
            sa.select(VisitSession)
            .where(*where)
            .order_by(VisitSession.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
    )


def _active_visits(session_ids: list[int]) -> list[Visit]:
    if not session_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Visit)
            .where(
                Visit.session_id.in_(session_ids),
                Visit.status.in_([VisitStatus.REQUESTED, VisitStatus.BOOKED]),
            )
            .order_by(Visit.created_at, Visit.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
    )


def affected_visits(changes: list[SessionChange]) -> list[AffectedVisit]:
    """Who a change reaches: everyone in a cancelled session; in a smaller one, the latest
    bookings that no longer fit; in a session at a new time, everyone who stays."""
    visits = _active_visits([c.session.id for c in changes])
    affected = []
    for change in changes:
        in_session = [v for v in visits if v.session_id == change.session.id]
        new = change.new_shape
        if new is None:
            affected += [AffectedVisit(v, Outcome.SESSION_CANCELLED) for v in in_session]
            continue
        moved = (new.start_time, new.end_time) != (
            change.session.start_time,
            change.session.end_time,
        )
        limits = {TableType.OPEN: new.open_tables, TableType.CLOSED: new.closed_tables}
        tables = dict.fromkeys(TableType, 0)
        people = 0
        for visit in in_session:  # earliest booking first: first come, first kept
            group = len(visit.visitors)
            fits = tables[visit.table_type] < limits[visit.table_type] and (
                new.people_places is None or people + group <= new.people_places
            )
            if fits:
                tables[visit.table_type] += 1
                people += group
                if moved:
                    affected.append(AffectedVisit(visit, Outcome.MOVED))
            else:
                affected.append(AffectedVisit(visit, Outcome.NO_ROOM))
    return affected


def _apply(
    prison: Prison,
    changes: list[SessionChange],
    staff: StaffUser,
    reason: str,
    confirmed: str | None,
) -> list[AffectedVisit]:
    affected = affected_visits(changes)
    if affected and fingerprint(affected) != confirmed:
        raise NeedsConfirmation(affected)
    for change in changes:
        session = change.session
        if change.new_shape is None:
            session.cancelled = True
            continue
        session.start_time = change.new_shape.start_time
        session.end_time = change.new_shape.end_time
        session.open_tables = change.new_shape.open_tables
        session.closed_tables = change.new_shape.closed_tables
        session.people_places = change.new_shape.people_places
    db.session.flush()
    for item in affected:
        if item.outcome is Outcome.MOVED:
            item.visit.record_change(_actor(staff), note="session time changed by the prison")
            action = "moved visit: session time changed"
        else:
            item.visit.cancel(_actor(staff), CancelReason.PRISON_CANCELLED, reason)
            action = f"cancelled visit: {item.outcome.value.replace('_', ' ')}"
        audit.record(staff, action, "visit", item.visit.id, prison.id)
    notify_session_change(affected, _actor(staff))
    db.session.flush()
    return affected


def _check_free_start(prison: Prison, session: VisitSession, start: time) -> None:
    # The unique key (prison, date, start time) allows one session per start time a day.
    clash = db.session.scalar(
        sa.select(VisitSession.id).where(
            VisitSession.prison_id == prison.id,
            VisitSession.date == session.date,
            VisitSession.start_time == start,
            VisitSession.id != session.id,
        )
    )
    if clash is not None:
        raise ScheduleError(
            "start_time",
            _l(
                "There is already a session at %(time)s on %(day)s",
                time=start.strftime("%H:%M"),
                day=format_date(session.date, "EEEE d MMMM yyyy"),
            ),
        )


def _check_no_twin(prison: Prison, weekly: WeeklySession, template_id: int | None) -> None:
    others = db.session.scalars(
        sa.select(SessionTemplate).where(
            SessionTemplate.prison_id == prison.id,
            SessionTemplate.weekday == weekly.weekday,
            SessionTemplate.start_time == weekly.shape.start_time,
            SessionTemplate.id != (template_id or 0),
        )
    ).all()
    for other in others:
        overlaps = (other.valid_until is None or weekly.valid_from <= other.valid_until) and (
            weekly.valid_until is None or other.valid_from <= weekly.valid_until
        )
        if overlaps:
            raise ScheduleError(
                "start_time",
                _l(
                    "There is already a weekly session on %(day)s at %(time)s",
                    day=WEEKDAYS_PLURAL[weekly.weekday],
                    time=weekly.shape.start_time.strftime("%H:%M"),
                ),
            )


def _check_weekly(prison: Prison, weekly: WeeklySession, template_id: int | None) -> None:
    _check_shape(weekly.shape)
    for name, text in weekly.family_information.items():
        if len(text) > INFORMATION_MAX:
            raise ScheduleError(name, _l("Keep this to 500 characters or fewer"))
    if weekly.valid_until is not None and weekly.valid_until < weekly.valid_from:
        raise ScheduleError(
            "valid_until", _l("The last date must be the same as or after the first date")
        )
    _check_no_twin(prison, weekly, template_id)


def _regenerate(prison: Prison, today: date) -> None:
    ensure_sessions(prison, *prison.booking_window(today))


def add_template(
    prison: Prison, weekly: WeeklySession, staff: StaffUser, today: date
) -> SessionTemplate:
    _check_weekly(prison, weekly, None)
    template = SessionTemplate(
        prison_id=prison.id,
        weekday=weekly.weekday,
        start_time=weekly.shape.start_time,
        end_time=weekly.shape.end_time,
        open_tables=weekly.shape.open_tables,
        closed_tables=weekly.shape.closed_tables,
        people_places=weekly.shape.people_places,
        valid_from=weekly.valid_from,
        valid_until=weekly.valid_until,
        kind=weekly.kind,
        **weekly.family_information,
    )
    db.session.add(template)
    db.session.flush()
    audit.record(staff, "added weekly session", "session_template", template.id, prison.id)
    _regenerate(prison, today)
    return template


def change_template(
    prison: Prison,
    template: SessionTemplate,
    weekly: WeeklySession,
    staff: StaffUser,
    today: date,
    confirmed: str | None = None,
    action: str = "changed weekly session",
) -> list[AffectedVisit]:
    """Change a weekly session and every session it made from today on, except those staff
    changed one by one; sessions on days it no longer runs are cancelled."""
    _check_weekly(prison, weekly, template.id)
    old_shape = shape_of(template)
    changes = []
    for session in _lock_sessions(
        VisitSession.template_id == template.id,
        VisitSession.date >= today,
        VisitSession.cancelled.is_(False),
    ):
        if not weekly.runs_on(session.date):
            changes.append(SessionChange(session, None))
        elif shape_of(session) == old_shape and weekly.shape != old_shape:
            if weekly.shape.start_time != session.start_time:
                _check_free_start(prison, session, weekly.shape.start_time)
            changes.append(SessionChange(session, weekly.shape))
    affected = _apply(prison, changes, staff, "", confirmed)
    template.weekday = weekly.weekday
    template.start_time = weekly.shape.start_time
    template.end_time = weekly.shape.end_time
    template.open_tables = weekly.shape.open_tables
    template.closed_tables = weekly.shape.closed_tables
    template.people_places = weekly.shape.people_places
    template.valid_from = weekly.valid_from
    template.valid_until = weekly.valid_until
    # Visits already booked stay as they are; the rules for a kind apply to new bookings.
    template.kind = weekly.kind
    for name, text in weekly.family_information.items():
        setattr(template, name, text)
    audit.record(
        staff,
        action,
        "session_template",
        template.id,
        prison.id,
        detail=f"{len(changes)} sessions changed",
    )
    db.session.flush()
    _regenerate(prison, today)
    return affected


def end_template(
    prison: Prison,
    template: SessionTemplate,
    last_day: date,
    staff: StaffUser,
    today: date,
    confirmed: str | None = None,
) -> list[AffectedVisit]:
    if last_day < today:
        raise ScheduleError("last_day", _l("The last date must be today or in the future"))
    if last_day < template.valid_from:
        raise ScheduleError(
            "last_day", _l("The last date must be on or after the date the session starts")
        )
    weekly = replace(weekly_of(template), valid_until=last_day)
    return change_template(
        prison, template, weekly, staff, today, confirmed, action="ended weekly session"
    )


def add_closure(
    prison: Prison,
    template: SessionTemplate | None,
    first_day: date,
    last_day: date,
    reason: str,
    staff: StaffUser,
    today: date,
    confirmed: str | None = None,
) -> tuple[Closure, list[AffectedVisit]]:
    """Close the prison (or one weekly session) for some days; sessions already made for
    those days are cancelled with their visits."""
    if first_day < today:
        raise ScheduleError("first_day", _l("The first date must be today or in the future"))
    if last_day < first_day:
        raise ScheduleError(
            "last_day", _l("The last date must be the same as or after the first date")
        )
    where = [
        VisitSession.prison_id == prison.id,
        VisitSession.date.between(first_day, last_day),
        VisitSession.cancelled.is_(False),
    ]
    if template is not None:
        where.append(VisitSession.template_id == template.id)
    changes = [SessionChange(s, None) for s in _lock_sessions(*where)]
    affected = _apply(prison, changes, staff, reason, confirmed)
    closure = Closure(
        prison_id=prison.id,
        template_id=template.id if template else None,
        start_date=first_day,
        end_date=last_day,
        reason=reason,
    )
    db.session.add(closure)
    db.session.flush()
    audit.record(
        staff,
        "added closure",
        "closure",
        closure.id,
        prison.id,
        detail=f"{len(changes)} sessions cancelled",
    )
    return closure, affected


CANCELLED_ONE_OFF = "cancelled dated session"
REOPENED_ONE_OFF = "reopened dated session"


def _cancelled_one_off(session_ids: list[int]) -> set[int]:
    """Sessions staff cancelled one by one and have not reopened since."""
    # A session keeps no cause for its cancellation; the audit trail, never edited or
    # deleted, tells a one-off cancellation from one made by a closure.
    if not session_ids:
        return set()
    latest = dict(
        db.session.execute(
            sa.select(StaffAuditEvent.record_id, StaffAuditEvent.action)
            .where(
                StaffAuditEvent.record_type == "visit_session",
                StaffAuditEvent.record_id.in_(session_ids),
                StaffAuditEvent.action.in_([CANCELLED_ONE_OFF, REOPENED_ONE_OFF]),
            )
            .order_by(StaffAuditEvent.id)
        ).all()
    )
    return {id_ for id_, action in latest.items() if action == CANCELLED_ONE_OFF}


def _closures_over(prison: Prison, first: date, last: date, *where) -> list[Closure]:
    return list(
        db.session.scalars(
            sa.select(Closure).where(
                Closure.prison_id == prison.id,
                Closure.start_date <= last,
                Closure.end_date >= first,
                *where,
            )
        ).all()
    )


def remove_closure(
    prison: Prison, closure: Closure, staff: StaffUser, today: date
) -> list[VisitSession]:
    """Open again the sessions the closure cancelled, and make those it kept from being made.
    Visits it cancelled stay cancelled: their families were told and may book again."""
    if closure.end_date < today:
        raise ScheduleError("closure", _l("This closure has already ended"))
    first, last = max(closure.start_date, today), closure.end_date
    where = [
        VisitSession.prison_id == prison.id,
        VisitSession.date.between(first, last),
        VisitSession.cancelled.is_(True),
    ]
    if closure.template_id is not None:
        where.append(VisitSession.template_id == closure.template_id)
    cancelled = _lock_sessions(*where)
    one_off = _cancelled_one_off([s.id for s in cancelled])
    others = _closures_over(prison, first, last, Closure.id != closure.id)
    # Left cancelled: a one-off cancellation, another closure, or a weekly session that no
    # longer runs that day (it was changed or ended).
    reopened = [
        s
        for s in cancelled
        if s.id not in one_off
        and not any(c.covers(s.date, s.template_id) for c in others)
        and (s.template is None or s.template.runs_on(s.date))
    ]
    for session in reopened:
        session.cancelled = False
    closure_id = closure.id
    db.session.delete(closure)
    db.session.flush()
    audit.record(
        staff,
        "removed closure",
        "closure",
        closure_id,
        prison.id,
        detail=f"{first} to {last}, {len(reopened)} sessions reopened",
    )
    _regenerate(prison, today)
    return reopened


def reopenable(sessions: list[VisitSession], closures: list[Closure], today: date) -> set[int]:
    return {
        s.id
        for s in sessions
        if s.cancelled
        and s.date >= today
        and not any(c.covers(s.date, s.template_id) for c in closures)
    }


def reopen_session(
    prison: Prison, session: VisitSession, staff: StaffUser, today: date
) -> VisitSession:
    """Make one cancelled session bookable again. Its cancelled visits stay cancelled."""
    session = _locked(session)
    if session.date < today:
        raise ScheduleError("session", _l("This session has already happened"))
    if not session.cancelled:
        raise ScheduleError("session", _l("This session is not cancelled"))
    closures = _closures_over(prison, session.date, session.date)
    if any(c.covers(session.date, session.template_id) for c in closures):
        raise ScheduleError(
            "session", _l("A closure covers this session: remove the closure to reopen it")
        )
    session.cancelled = False
    db.session.flush()
    audit.record(staff, REOPENED_ONE_OFF, "visit_session", session.id, prison.id)
    return session


def _changeable(session: VisitSession, today: date) -> None:
    if session.date < today:
        raise ScheduleError("start_time", _l("This session has already happened"))
    if session.cancelled:
        raise ScheduleError("start_time", _l("This session has been cancelled"))


def _locked(session: VisitSession) -> VisitSession:
    (locked,) = _lock_sessions(VisitSession.id == session.id)
    return locked


def change_session(
    prison: Prison,
    session: VisitSession,
    shape: SessionShape,
    staff: StaffUser,
    today: date,
    confirmed: str | None = None,
) -> list[AffectedVisit]:
    """Change the times or places of one dated session only."""
    session = _locked(session)
    _changeable(session, today)
    _check_shape(shape)
    if shape.start_time != session.start_time:
        _check_free_start(prison, session, shape.start_time)
    affected = _apply(prison, [SessionChange(session, shape)], staff, "", confirmed)
    audit.record(staff, "changed dated session", "visit_session", session.id, prison.id)
    return affected


def cancel_session(
    prison: Prison,
    session: VisitSession,
    reason: str,
    staff: StaffUser,
    today: date,
    confirmed: str | None = None,
) -> list[AffectedVisit]:
    session = _locked(session)
    _changeable(session, today)
    affected = _apply(prison, [SessionChange(session, None)], staff, reason, confirmed)
    audit.record(staff, CANCELLED_ONE_OFF, "visit_session", session.id, prison.id)
    return affected


def templates_of(prison: Prison) -> list[SessionTemplate]:
    return list(
        db.session.scalars(
            sa.select(SessionTemplate)
            .where(SessionTemplate.prison_id == prison.id)
            .order_by(SessionTemplate.weekday, SessionTemplate.start_time, SessionTemplate.id)
        ).all()
    )


def closures_of(prison: Prison, today: date) -> list[Closure]:
    return list(
        db.session.scalars(
            sa.select(Closure)
            .where(Closure.prison_id == prison.id, Closure.end_date >= today)
            .order_by(Closure.start_date, Closure.id)
        ).all()
    )


def upcoming_sessions(prison: Prison, first: date, last: date) -> list[VisitSession]:
    return list(
        db.session.scalars(
            sa.select(VisitSession)
            .where(VisitSession.prison_id == prison.id, VisitSession.date.between(first, last))
            .options(selectinload(VisitSession.template))
            .order_by(VisitSession.date, VisitSession.start_time)
        ).all()
    )
