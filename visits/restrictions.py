"""Restrictions on visits, and the reasons a booking must wait for the visits team.

Matching runs inside the booking transaction. Families only ever learn that the prison needs
to check their request; what matched is for staff, and every staff view of it is audited.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import db
from staff import audit
from staff.models import StaffUser
from timeutil import age_on
from visits import allowance, compassionate
from visits.models import (
    Prison,
    Restriction,
    RestrictionKind,
    TableType,
    Visit,
    VisitSession,
    VisitStatus,
)
from visits.sessions import availability

REVIEW_REASON_LABELS = {
    RestrictionKind.VISITOR_BAN.value: _l("A visitor is banned"),
    RestrictionKind.CLOSED_VISITS.value: _l("Closed visits only"),
    RestrictionKind.CHILD_CONTACT.value: _l(
        "A visitor is under 18 and the prisoner may not have child visitors"
    ),
    RestrictionKind.NON_ASSOCIATION.value: _l(
        "A prisoner who must be kept apart has a visit that day"
    ),
    allowance.OVER_ALLOWANCE: _l("Over the visit allowance"),
    compassionate.REVIEW_REASON: _l(
        "Early visit for children: the prisoner was their primary carer"
    ),
}
CHILD_AGE = 18


@dataclass(frozen=True)
class NewRestriction:
    kind: RestrictionKind
    reason: str
    starts_on: date
    ends_on: date | None = None
    prisoner_number: str | None = None
    other_prisoner_number: str | None = None
    visitor_first_name: str | None = None
    visitor_last_name: str | None = None
    visitor_date_of_birth: date | None = None


def add_restriction(prison: Prison, staff: StaffUser, details: NewRestriction) -> Restriction:
    restriction = Restriction(prison_id=prison.id, created_by_id=staff.id, **vars(details))
    db.session.add(restriction)
    db.session.flush()
    audit.record(
        staff, "added restriction", "restriction", restriction.id, prison.id, details.kind.value
    )
    return restriction


def end_restriction(restriction: Restriction, staff: StaffUser, reason: str, now: datetime):
    restriction.ended_at = now
    restriction.ended_by_id = staff.id
    restriction.end_reason = reason
    audit.record(staff, "ended restriction", "restriction", restriction.id, restriction.prison_id)


def restrictions_at(prison: Prison, staff: StaffUser, ended: bool) -> list[Restriction]:
    """The prison's restrictions, current or ended; reading them is recorded in the audit."""
    audit.record(
        staff, "viewed restrictions", "restriction", None, prison.id, "ended" if ended else ""
    )
    return db.session.scalars(
        sa.select(Restriction)
        .where(
            Restriction.prison_id == prison.id,
            Restriction.ended_at.is_not(None) if ended else Restriction.ended_at.is_(None),
        )
        .order_by(Restriction.kind, Restriction.starts_on.desc(), Restriction.id)
    ).all()


def restriction_at(prison: Prison, staff: StaffUser, restriction_id: int) -> Restriction | None:
    restriction = db.session.scalar(
        sa.select(Restriction).where(
            Restriction.id == restriction_id, Restriction.prison_id == prison.id
        )
    )
    if restriction is not None:
        audit.record(staff, "viewed restriction", "restriction", restriction.id, prison.id)
    return restriction


def _same_name(name: str) -> str:
    # "Siân O'Brien-Jones" and "sian obrien jones" are the same name as typed by two people.
    plain = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"\W+", "", plain).casefold()


def _is_restricted_visitor(restriction: Restriction, visitor) -> bool:
    return (
        restriction.visitor_date_of_birth is not None
        and visitor.date_of_birth == restriction.visitor_date_of_birth
        and _same_name(visitor.first_name) == _same_name(restriction.visitor_first_name)
        and _same_name(visitor.last_name) == _same_name(restriction.visitor_last_name)
    )


def _has_visit_that_day(
    prison: Prison, prisoner_number: str, on: date, excluding_visit_id: int | None
) -> bool:
    query = (
        sa.select(Visit.id)
        .join(VisitSession, VisitSession.id == Visit.session_id)
        .where(
            Visit.prison_id == prison.id,
            Visit.prisoner_number == prisoner_number,
            Visit.status.in_([VisitStatus.REQUESTED, VisitStatus.BOOKED]),
            VisitSession.date == on,
        )
        .limit(1)
    )
    if excluding_visit_id is not None:
        query = query.where(Visit.id != excluding_visit_id)
    return db.session.scalar(query) is not None


def _meets(restriction, prison, prisoner_number, visitors, on, excluding_visit_id) -> bool:
    kind = restriction.kind
    if kind is RestrictionKind.VISITOR_BAN:
        return any(_is_restricted_visitor(restriction, v) for v in visitors)
    if kind is RestrictionKind.CLOSED_VISITS:
        return restriction.prisoner_number == prisoner_number or any(
            _is_restricted_visitor(restriction, v) for v in visitors
        )
    if kind is RestrictionKind.CHILD_CONTACT:
        return restriction.prisoner_number == prisoner_number and any(
            age_on(v.date_of_birth, on) < CHILD_AGE for v in visitors
        )
    pair = {restriction.prisoner_number, restriction.other_prisoner_number}
    if prisoner_number not in pair:
        return False
    (other,) = pair - {prisoner_number} or {prisoner_number}
    return _has_visit_that_day(prison, other, on, excluding_visit_id)


def matching(
    prison: Prison,
    prisoner_number: str,
    visitors: list,
    on: date,
    excluding_visit_id: int | None = None,
) -> list[Restriction]:
    """The restrictions a visit to this prisoner by these visitors on this day meets.

    visitors: anything with first_name, last_name and date_of_birth."""
    # Locked: two families booking the two prisoners of a non-association on the same day
    # take turns, so the second sees the first's visit.
    candidates = db.session.scalars(
        sa.select(Restriction)
        .where(
            Restriction.prison_id == prison.id,
            Restriction.ended_at.is_(None),
            Restriction.starts_on <= on,
            sa.or_(Restriction.ends_on.is_(None), Restriction.ends_on >= on),
            sa.or_(
                Restriction.prisoner_number == prisoner_number,
                Restriction.other_prisoner_number == prisoner_number,
                Restriction.visitor_date_of_birth.in_([v.date_of_birth for v in visitors]),
            ),
        )
        .order_by(Restriction.id)
        .with_for_update()
    ).all()
    return [
        r
        for r in candidates
        if _meets(r, prison, prisoner_number, visitors, on, excluding_visit_id)
    ]


def table_for(
    prison: Prison,
    session: VisitSession,
    prisoner_number: str,
    visitors: list,
    now: datetime,
    excluding_visit_id: int | None = None,
) -> TableType:
    """A closed table for a closed visit when one is left; otherwise an open one, and the
    visits team sorts it out when they review the booking."""
    met = matching(prison, prisoner_number, visitors, session.date, excluding_visit_id)
    if any(r.kind is RestrictionKind.CLOSED_VISITS for r in met):
        (places,) = availability([session], now, excluding_visit_id)
        if places.fits(TableType.CLOSED, len(visitors)):
            return TableType.CLOSED
    return TableType.OPEN


def review_reasons(
    prison: Prison,
    prisoner_number: str,
    visitors: list,
    on: date,
    visit_id: int | None = None,
    allowance_overridden: bool = False,
) -> tuple[str, ...]:
    """Why this booking needs the visits team to check it before it is confirmed."""
    kinds = {r.kind for r in matching(prison, prisoner_number, visitors, on, visit_id)}
    reasons = [kind.value for kind in RestrictionKind if kind in kinds]
    if not allowance_overridden:
        reasons += allowance.review_reasons(prison, prisoner_number, on, visit_id)
    return tuple(reasons)


def reason_labels(visit: Visit) -> list:
    return [REVIEW_REASON_LABELS[r] for r in visit.review_reasons.split(",") if r]
