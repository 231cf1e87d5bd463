"""Bookable sessions: generated from weekly templates, with places counted from live visits."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app import db
from family_days.capacity import tables_held_back
from visits.models import (
    Closure,
    Prison,
    SessionTemplate,
    TableType,
    Visit,
    Visitor,
    VisitSession,
    VisitStatus,
)


def ensure_sessions(prison: Prison, first: date, last: date) -> int:
    """Create the sessions that templates and closures give for first..last; returns how many."""
    templates = db.session.scalars(
        sa.select(SessionTemplate).where(SessionTemplate.prison_id == prison.id)
    ).all()
    closures = db.session.scalars(
        sa.select(Closure).where(
            Closure.prison_id == prison.id, Closure.end_date >= first, Closure.start_date <= last
        )
    ).all()
    # A template makes one session a day: one whose time staff changed is not made again.
    made = set(
        db.session.execute(
            sa.select(VisitSession.template_id, VisitSession.date).where(
                VisitSession.prison_id == prison.id, VisitSession.date.between(first, last)
            )
        ).all()
    )
    rows = []
    day = first
    while day <= last:
        for template in templates:
            if (
                template.runs_on(day)
                and (template.id, day) not in made
                and not any(c.covers(day, template.id) for c in closures)
            ):
                rows.append(
                    {
                        "prison_id": prison.id,
                        "template_id": template.id,
                        "date": day,
                        "start_time": template.start_time,
                        "end_time": template.end_time,
                        "open_tables": template.open_tables,
                        "closed_tables": template.closed_tables,
                        "people_places": template.people_places,
                        "cancelled": False,
                    }
                )
        day += timedelta(days=1)
    if not rows:
        return 0
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # Concurrent callers may generate the same sessions: the unique key settles it.
    statement = insert(VisitSession).on_conflict_do_nothing(
        index_elements=["prison_id", "date", "start_time"]
    )
    count = sa.select(sa.func.count(VisitSession.id)).where(
        VisitSession.prison_id == prison.id, VisitSession.date.between(first, last)
    )
    before = db.session.scalar(count)
    db.session.execute(statement, rows)
    return db.session.scalar(count) - before


def takes_place(now: datetime):
    """SQL condition: this visit currently takes a place (a lapsed hold does not)."""
    return sa.or_(
        Visit.status.in_([VisitStatus.REQUESTED, VisitStatus.BOOKED]),
        sa.and_(Visit.status == VisitStatus.HELD, Visit.hold_expires_at > now),
    )


@dataclass
class Availability:
    session: VisitSession
    open_left: int
    closed_left: int
    people_left: int | None  # None when the session does not count people

    def tables_left(self, table_type: TableType) -> int:
        return self.open_left if table_type is TableType.OPEN else self.closed_left

    def fits(self, table_type: TableType, people: int) -> bool:
        people_ok = self.people_left is None or self.people_left >= people
        return self.tables_left(table_type) > 0 and people_ok


def availability(
    sessions: list[VisitSession], now: datetime, excluding_visit_id: int | None = None
) -> list[Availability]:
    ids = [s.id for s in sessions]
    if not ids:
        return []
    live = [Visit.session_id.in_(ids), takes_place(now)]
    if excluding_visit_id is not None:
        live.append(Visit.id != excluding_visit_id)
    tables = db.session.execute(
        sa.select(Visit.session_id, Visit.table_type, sa.func.count(Visit.id))
        .where(*live)
        .group_by(Visit.session_id, Visit.table_type)
    ).all()
    people = dict(
        db.session.execute(
            sa.select(Visit.session_id, sa.func.count(Visitor.id))
            .join(Visitor, Visitor.visit_id == Visit.id)
            .where(*live)
            .group_by(Visit.session_id)
        ).all()
    )
    used = {(session_id, table_type): count for session_id, table_type, count in tables}
    # A family day at the same time holds its families' tables back from ordinary visits.
    held = tables_held_back(sessions)
    return [
        Availability(
            session=s,
            open_left=s.open_tables - held.get(s.id, 0) - used.get((s.id, TableType.OPEN), 0),
            closed_left=s.closed_tables - used.get((s.id, TableType.CLOSED), 0),
            people_left=None if s.people_places is None else s.people_places - people.get(s.id, 0),
        )
        for s in sessions
    ]


def sessions_in_window(
    prison: Prison, today: date, extra_window: tuple[date, date] | None = None
) -> list[VisitSession]:
    """Sessions in the booking window; extra_window opens more days (a first visit)."""
    first, last = prison.booking_window(today)
    in_window = VisitSession.date.between(first, last)
    if extra_window is not None:
        in_window = sa.or_(in_window, VisitSession.date.between(*extra_window))
    return db.session.scalars(
        sa.select(VisitSession)
        .where(
            VisitSession.prison_id == prison.id,
            in_window,
            VisitSession.cancelled.is_(False),
        )
        .order_by(VisitSession.date, VisitSession.start_time)
    ).all()


def bookable(
    prison: Prison,
    today: date,
    now: datetime,
    people: int,
    table_type: TableType = TableType.OPEN,
    excluding_visit_id: int | None = None,
    extra_window: tuple[date, date] | None = None,
    with_children: bool = True,
) -> list[Availability]:
    """Sessions in the booking window with a table and enough people places left; child-centred
    ones only for a group with children."""
    sessions = sessions_in_window(prison, today, extra_window)
    if not with_children:
        sessions = [s for s in sessions if not s.is_child_centred]
    return [
        a for a in availability(sessions, now, excluding_visit_id) if a.fits(table_type, people)
    ]
