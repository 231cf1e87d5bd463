"""Visit requests nobody answered in time are rejected, and the family told, never left hanging."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from app import db
from visits import notifications
from visits.models import RejectionReason, Visit, VisitSession, VisitStatus


def reject_overdue_requests(now: datetime, now_local: datetime, review_days: int) -> int:
    """Reject requests older than `review_days` (the visits team's deadline, as in the review
    queue), and any whose visit time has come while it waited."""
    started = sa.select(VisitSession.id).where(
        sa.or_(
            VisitSession.date < now_local.date(),
            sa.and_(
                VisitSession.date == now_local.date(),
                VisitSession.start_time <= now_local.time(),
            ),
        )
    )
    # Locked, so a request that staff accept at this moment is not rejected as well.
    overdue = db.session.scalars(
        sa.select(Visit)
        .where(
            Visit.status == VisitStatus.REQUESTED,
            sa.or_(
                Visit.created_at <= now - timedelta(days=review_days),
                Visit.session_id.in_(started),
            ),
        )
        .order_by(Visit.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for visit in overdue:
        visit.reject("system", RejectionReason.NOT_REVIEWED)
        notifications.request_rejected(visit)
    return len(overdue)
