"""The visits team's queue of visit requests waiting for approval."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import db
from staff import audit
from staff.models import StaffUser
from timeutil import LONDON
from visits import notifications
from visits.models import InvalidTransition, Prison, RejectionReason, Visit, VisitStatus
from visits.working_days import add_working_days

DETAILS_MAX = 500


class ReviewError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def due_by(visit: Visit) -> datetime:
    """When a request unanswered is rejected automatically (naive UTC): the same time of day,
    the prison's review days later counted in working days (families are promised working
    days), or when the visit would start if that comes first."""
    prison = visit.prison
    made = visit.created_at.replace(tzinfo=UTC).astimezone(LONDON)
    day = add_working_days(
        made.date(), prison.review_days, prison.nation, current_app.config["NON_WORKING_DAYS"]
    )
    deadline = datetime.combine(day, made.time(), LONDON)
    starts = visit.session.starts_at.replace(tzinfo=LONDON)
    return min(deadline, starts).astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class WaitingRequest:
    visit: Visit
    waited: timedelta
    due_by: datetime
    overdue: bool


def waiting_requests(prison: Prison, now: datetime) -> list[WaitingRequest]:
    visits = db.session.scalars(
        sa.select(Visit)
        .where(Visit.prison_id == prison.id, Visit.status == VisitStatus.REQUESTED)
        # Compassionate early visits for children first: they are soon and cannot wait.
        .order_by(Visit.compassionate.desc(), Visit.created_at, Visit.id)
    ).all()
    return [
        WaitingRequest(
            visit,
            now - visit.created_at,
            due_by(visit),
            due_by(visit) <= now,
        )
        for visit in visits
    ]


def request_of(prison: Prison, visit_id: int) -> Visit | None:
    return db.session.scalar(
        sa.select(Visit).where(
            Visit.id == visit_id,
            Visit.prison_id == prison.id,
            Visit.status.not_in([VisitStatus.HELD, VisitStatus.EXPIRED]),
        )
    )


def _lock_request(prison: Prison, visit_id: int) -> Visit:
    # Locked: two colleagues answering the same request at once must not both succeed.
    visit = db.session.scalar(
        sa.select(Visit)
        .where(Visit.id == visit_id, Visit.prison_id == prison.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if visit is None or visit.status is not VisitStatus.REQUESTED:
        raise ReviewError(_l("This request has already been answered"))
    return visit


def accept(prison: Prison, visit_id: int, staff: StaffUser, today: date) -> Visit:
    visit = _lock_request(prison, visit_id)
    if visit.session.cancelled:
        raise ReviewError(_l("This session has been cancelled, so the visit cannot go ahead"))
    if visit.session.date < today:
        raise ReviewError(_l("The date of this visit has passed, so it can only be rejected"))
    try:
        visit.approve(f"staff:{staff.id}")
    except InvalidTransition as error:  # checked above; kept so a slip never half-applies
        raise ReviewError(_l("This request has already been answered")) from error
    audit.record(staff, "accepted visit request", "visit", visit.id, prison.id)
    notifications.request_accepted(visit)
    db.session.flush()
    return visit


def reject(
    prison: Prison,
    visit_id: int,
    visitor_reasons: dict[int, RejectionReason],
    details: str,
    staff: StaffUser,
) -> Visit:
    """Reject with a reason for at least one visitor; the first visitor's reason also
    stands for the whole visit in short messages."""
    visit = _lock_request(prison, visit_id)
    own = {v.id for v in visit.visitors}
    chosen = {vid: reason for vid, reason in visitor_reasons.items() if vid in own}
    if not chosen:
        raise ReviewError(_l("Choose a reason for at least 1 visitor"))
    if RejectionReason.NOT_REVIEWED in chosen.values():
        raise ReviewError(_l("Choose a reason from the list"))
    if len(details) > DETAILS_MAX:
        raise ReviewError(_l("Keep the message to 500 characters or fewer"))
    first = next(chosen[v.id] for v in visit.visitors if v.id in chosen)
    visit.reject(f"staff:{staff.id}", first, details, chosen)
    # Reasons only: which visitor had which is on the visitor rows, not in the audit trail.
    audit.record(
        staff,
        "rejected visit request",
        "visit",
        visit.id,
        prison.id,
        detail=",".join(sorted({r.value for r in chosen.values()})),
    )
    notifications.request_rejected(visit)
    db.session.flush()
    return visit
