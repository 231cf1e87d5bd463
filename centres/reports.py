"""Reports for one prison and period, each a handful of aggregate queries.

Visits count by their session's date; support by the day it was recorded. The period is
inclusive at both ends. Every figure is also a table, so the charts never hold the only copy.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import db
from centres.models import (
    ATTENDED,
    CheckIn,
    CheckInState,
    SupportCategory,
    SupportGiven,
    SupportKind,
    SupportRecord,
)
from family_days import attendance
from visits.models import (
    Prison,
    Prisoner,
    SessionKind,
    SessionTemplate,
    Visit,
    Visitor,
    VisitSession,
    VisitStatus,
)

CHILD_UNDER = 18
DEFAULT_LOST_CONTACT_WEEKS = 4
_UNFINISHED = (VisitStatus.HELD, VisitStatus.EXPIRED)


def _date_key(column):
    # YYYYMMDD as a number: comparing birthdays this way works alike on SQLite and PostgreSQL.
    return (
        sa.extract("year", column) * 10000
        + sa.extract("month", column) * 100
        + sa.extract("day", column)
    )


def is_child_on_visit_day():
    """SQL condition: the visitor is under 18 on their visit's date."""
    return _date_key(Visitor.date_of_birth) + CHILD_UNDER * 10000 > _date_key(VisitSession.date)


@dataclass(frozen=True)
class Summary:
    booked: int
    cancelled: int
    attended: int
    no_shows: int
    children: int
    visits_with_children: int
    # Children under 18 in families checked in for a child-centred session.
    children_at_child_centred: int = 0
    children_at_family_days: int = 0

    @property
    def not_recorded(self) -> int:
        return self.booked - self.attended - self.no_shows

    @property
    def no_show_rate(self) -> float | None:
        """Share of visits with a known outcome where the family did not come."""
        known = self.attended + self.no_shows
        return self.no_shows / known if known else None

    @property
    def children_share(self) -> float | None:
        return self.visits_with_children / self.booked if self.booked else None


def summary(prison: Prison, first: date, last: date) -> Summary:
    in_period = (Visit.prison_id == prison.id, VisitSession.date.between(first, last))
    booked = Visit.status == VisitStatus.BOOKED
    count = sa.func.count(Visit.id)
    visits = db.session.execute(
        sa.select(
            count.filter(booked),
            count.filter(Visit.status == VisitStatus.CANCELLED),
            count.filter(booked, CheckIn.state.in_(ATTENDED)),
            count.filter(booked, CheckIn.state == CheckInState.NO_SHOW),
        )
        .select_from(Visit)
        .join(VisitSession, VisitSession.id == Visit.session_id)
        .outerjoin(CheckIn, CheckIn.visit_id == Visit.id)
        .where(*in_period)
    ).one()
    children = db.session.execute(
        sa.select(sa.func.count(Visitor.id), sa.func.count(sa.distinct(Visitor.visit_id)))
        .join(Visit, Visit.id == Visitor.visit_id)
        .join(VisitSession, VisitSession.id == Visit.session_id)
        .where(*in_period, booked, is_child_on_visit_day())
    ).one()
    child_centred = db.session.scalar(
        sa.select(sa.func.count(Visitor.id))
        .join(Visit, Visit.id == Visitor.visit_id)
        .join(VisitSession, VisitSession.id == Visit.session_id)
        .join(SessionTemplate, SessionTemplate.id == VisitSession.template_id)
        .join(CheckIn, CheckIn.visit_id == Visit.id)
        .where(
            *in_period,
            booked,
            CheckIn.state.in_(ATTENDED),
            SessionTemplate.kind == SessionKind.CHILD_CENTRED,
            is_child_on_visit_day(),
        )
    )
    family_days = attendance.children_attended(prison, first, last)
    return Summary(*visits, *children, child_centred, family_days)


@dataclass(frozen=True)
class SessionUse:
    date: date
    start_time: object
    end_time: object
    tables: int
    tables_booked: int
    people_places: int | None
    people_booked: int

    @property
    def share_booked(self) -> float:
        return self.tables_booked / self.tables if self.tables else 0.0


def session_use(prison: Prison, first: date, last: date) -> list[SessionUse]:
    taking = Visit.status.in_([VisitStatus.BOOKED, VisitStatus.REQUESTED])
    tables = (
        sa.select(Visit.session_id, sa.func.count(Visit.id).label("n"))
        .where(Visit.prison_id == prison.id, taking)
        .group_by(Visit.session_id)
        .subquery()
    )
    people = (
        sa.select(Visit.session_id, sa.func.count(Visitor.id).label("n"))
        .join(Visitor, Visitor.visit_id == Visit.id)
        .where(Visit.prison_id == prison.id, taking)
        .group_by(Visit.session_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            VisitSession.date,
            VisitSession.start_time,
            VisitSession.end_time,
            VisitSession.open_tables + VisitSession.closed_tables,
            sa.func.coalesce(tables.c.n, 0),
            VisitSession.people_places,
            sa.func.coalesce(people.c.n, 0),
        )
        .outerjoin(tables, tables.c.session_id == VisitSession.id)
        .outerjoin(people, people.c.session_id == VisitSession.id)
        .where(
            VisitSession.prison_id == prison.id,
            VisitSession.date.between(first, last),
            VisitSession.cancelled.is_(False),
        )
        .order_by(VisitSession.date, VisitSession.start_time)
    ).all()
    return [SessionUse(*row) for row in rows]


@dataclass(frozen=True)
class LostContact:
    prison_number: str
    first_name: str
    last_name: str
    last_visit: date | None
    next_visit: date | None


def lost_contact(prison: Prison, as_of: date, weeks: int) -> list[LostContact]:
    """Prisoners known here (from bookings and the register) with no visit in the weeks
    up to as_of. A booked visit counts unless the family was recorded as not coming."""
    since = as_of - timedelta(weeks=weeks)
    known_visit = (Visit.prison_id == prison.id, Visit.status.not_in(_UNFINISHED))
    numbers = sa.union(
        sa.select(Visit.prisoner_number.label("number")).where(*known_visit),
        sa.select(Prisoner.prison_number.label("number")).where(Prisoner.prison_id == prison.id),
    ).subquery()
    visited = (
        sa.select(
            Visit.prisoner_number.label("number"),
            sa.func.max(VisitSession.date).filter(VisitSession.date <= as_of).label("last"),
            sa.func.min(VisitSession.date).filter(VisitSession.date > as_of).label("next"),
        )
        .join(VisitSession, VisitSession.id == Visit.session_id)
        .outerjoin(CheckIn, CheckIn.visit_id == Visit.id)
        .where(
            Visit.prison_id == prison.id,
            Visit.status == VisitStatus.BOOKED,
            sa.or_(CheckIn.id.is_(None), CheckIn.state != CheckInState.NO_SHOW),
        )
        .group_by(Visit.prisoner_number)
        .subquery()
    )
    latest = (
        sa.select(Visit.prisoner_number.label("number"), sa.func.max(Visit.id).label("visit_id"))
        .where(*known_visit)
        .group_by(Visit.prisoner_number)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            numbers.c.number,
            sa.func.coalesce(Prisoner.first_name, Visit.prisoner_first_name),
            sa.func.coalesce(Prisoner.last_name, Visit.prisoner_last_name),
            visited.c.last,
            visited.c.next,
        )
        .select_from(numbers)
        .outerjoin(visited, visited.c.number == numbers.c.number)
        .outerjoin(
            Prisoner,
            sa.and_(Prisoner.prison_id == prison.id, Prisoner.prison_number == numbers.c.number),
        )
        .outerjoin(latest, latest.c.number == numbers.c.number)
        .outerjoin(Visit, Visit.id == latest.c.visit_id)
        .where(sa.or_(visited.c.last.is_(None), visited.c.last < since))
        .order_by(visited.c.last.nulls_first(), numbers.c.number)
    ).all()
    return [LostContact(*row) for row in rows]


@dataclass
class SupportSummary:
    families: int = 0
    first_time_visitors: int = 0
    signposted: dict[SupportCategory, int] = field(default_factory=dict)
    referred: dict[SupportCategory, int] = field(default_factory=dict)


def support_given(prison: Prison, first: date, last: date) -> SupportSummary:
    in_period = (
        SupportRecord.prison_id == prison.id,
        SupportRecord.recorded_on.between(first, last),
    )
    families, first_time = db.session.execute(
        sa.select(
            sa.func.count(SupportRecord.id),
            sa.func.count(SupportRecord.id).filter(SupportRecord.first_time_visitor.is_(True)),
        ).where(*in_period)
    ).one()
    result = SupportSummary(families, first_time)
    for category, kind, count in db.session.execute(
        sa.select(SupportGiven.category, SupportGiven.kind, sa.func.count(SupportGiven.id))
        .join(SupportRecord, SupportRecord.id == SupportGiven.record_id)
        .where(*in_period)
        .group_by(SupportGiven.category, SupportGiven.kind)
    ):
        target = result.signposted if kind is SupportKind.SIGNPOSTED else result.referred
        target[category] = count
    return result


@dataclass
class Report:
    first: date
    last: date
    weeks: int
    summary: Summary
    sessions: list[SessionUse]
    lost_contact: list[LostContact]
    support: SupportSummary


def build(prison: Prison, first: date, last: date, weeks: int) -> Report:
    return Report(
        first,
        last,
        weeks,
        summary(prison, first, last),
        session_use(prison, first, last),
        lost_contact(prison, last, weeks),
        support_given(prison, first, last),
    )


@dataclass
class Table:
    """A report table as plain values: shown on the page and exported as CSV alike."""

    name: str
    caption: object
    headings: list
    rows: list[list]


def tables(report: Report) -> dict[str, Table]:
    s = report.summary
    support = report.support
    return {
        "summary": Table(
            "summary",
            _l("Bookings and attendance"),
            [_l("Measure"), _l("Number")],
            [
                [_l("Visits booked"), s.booked],
                [_l("Visits cancelled"), s.cancelled],
                [_l("Families who came"), s.attended],
                [_l("Families who did not come"), s.no_shows],
                [_l("Not recorded"), s.not_recorded],
                [_l("No-show rate (of visits with a recorded outcome)"), Percent(s.no_show_rate)],
                [_l("Children booked to visit"), s.children],
                [_l("Visits with children"), s.visits_with_children],
                [_l("Share of visits with children"), Percent(s.children_share)],
                [_l("Children who came to child-centred visits"), s.children_at_child_centred],
                [_l("Children who came to family days"), s.children_at_family_days],
            ],
        ),
        "sessions": Table(
            "sessions",
            _l("Use of each session"),
            [
                _l("Date"),
                _l("Time"),
                _l("Tables booked"),
                _l("Tables"),
                _l("Share of tables booked"),
                _l("People booked"),
                _l("People places"),
            ],
            [
                [
                    u.date,
                    TimeRange(u.start_time, u.end_time),
                    u.tables_booked,
                    u.tables,
                    Percent(u.share_booked),
                    u.people_booked,
                    u.people_places,
                ]
                for u in report.sessions
            ],
        ),
        "support": Table(
            "support",
            _l("Support given by category"),
            [_l("Category"), _l("Sign-posted"), _l("Referred")],
            [
                [c.label, support.signposted.get(c, 0), support.referred.get(c, 0)]
                for c in SupportCategory
            ],
        ),
        "lost-contact": Table(
            "lost-contact",
            _l("Prisoners with no visit in the last %(weeks)s weeks", weeks=report.weeks),
            [
                _l("Prison number"),
                _l("Name"),
                _l("Last visit"),
                _l("Next visit booked"),
            ],
            [
                [p.prison_number, f"{p.first_name} {p.last_name}", p.last_visit, p.next_visit]
                for p in report.lost_contact
            ],
        ),
    }


@dataclass(frozen=True)
class Percent:
    share: float | None

    def __str__(self) -> str:
        return "" if self.share is None else f"{self.share * 100:.0f}%"


@dataclass(frozen=True)
class TimeRange:
    start: object
    end: object

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


# A cell starting with one of these is a formula to a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if not isinstance(value, int | float) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(h) for h in table.headings])
    writer.writerows([csv_cell(cell) for cell in row] for row in table.rows)
    return out.getvalue()
