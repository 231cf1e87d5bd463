"""Visit requests nobody answered in time are rejected, and the family told, never left hanging."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from app import db
from visits import notifications, review
from visits.models import Prison, RejectionReason, Visit, VisitSession, VisitStatus


def reject_overdue_requests(now: datetime, now_local: datetime) -> int:
    """Reject requests past their deadline (review.due_by: the prison's review days in working
    days, as in the review queue), and any whose visit time has come while it waited."""
    started = sa.select(VisitSession.id).where(
        sa.or_(
            VisitSession.date < now_local.date(),
            sa.and_(
                VisitSession.date == now_local.date(),
                VisitSession.start_time <= now_local.time(),
            ),
        )
    )
    # Candidates: at least the review days old in calendar days (a working-day deadline is
    # never sooner). One comparison per number of review days that some prison uses: date
    # arithmetic on a column is written differently on SQLite and PostgreSQL.
    past_deadline = [
        sa.and_(
            Visit.prison_id.in_(sa.select(Prison.id).where(Prison.review_days == days)),
            Visit.created_at <= now - timedelta(days=days),
        )
        for days in db.session.scalars(sa.select(Prison.review_days).distinct())
    ]
    # Locked, so a request that staff accept at this moment is not rejected as well.
    overdue = db.session.scalars(
        sa.select(Visit)
        .where(
            Visit.status == VisitStatus.REQUESTED,
            sa.or_(*past_deadline, Visit.session_id.in_(started)),
        )
        .order_by(Visit.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    rejected = 0
    for visit in overdue:
        if review.due_by(visit) <= now:
            visit.reject("system", RejectionReason.NOT_REVIEWED)
            notifications.request_rejected(visit)
            rejected += 1
    return rejected
