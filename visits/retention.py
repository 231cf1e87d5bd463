"""Personal data is kept only while a visit needs it.

Some months after the visit (VISIT_RETENTION_DAYS, about six months, as the public service
does) a visit keeps its prison, session, table, status, number of visitors and their birth
years, so reports still count families and children; names, exact dates of birth, prison
numbers, contact details and everything typed as free text are removed, and the private
link stops working. Texts and emails about it, and any others as old, lose their address
and words. Travel cost claims and feedback are kept by rules of their own.
"""

import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app import db
from centres.models import SupportRecord
from visits.models import Visit, VisitEvent, VisitSession
from visits.outbox import OutboxMessage
from visits.replies import InboundMessage

BATCH = 500


def _year_only(born: date) -> date:
    return date(born.year, 1, 1)


def anonymise(visit: Visit, now: datetime) -> None:
    visit.prisoner_first_name = visit.prisoner_last_name = visit.prisoner_number = ""
    visit.prisoner_date_of_birth = _year_only(visit.prisoner_date_of_birth)
    visit.prisoner_id = None
    visit.mobile = visit.email = visit.journey_token = None
    visit.needs_details = visit.cancel_details = visit.rejection_details = ""
    visit.allowance_override_reason = ""
    visit.manage_token = secrets.token_urlsafe(32)  # the old link now finds nothing
    for visitor in visit.visitors:
        visitor.first_name = visitor.last_name = ""
        visitor.date_of_birth = _year_only(visitor.date_of_birth)
    visit.anonymised_at = now
    visit.events.append(
        VisitEvent(
            from_status=visit.status,
            to_status=visit.status,
            actor="system",
            note="personal data removed",
        )
    )


def anonymise_old_visits(today: date, keep_days: int, now: datetime) -> int:
    """Anonymise up to BATCH visits whose day is more than keep_days ago; how many were."""
    due = (
        sa.select(Visit)
        .join(VisitSession, Visit.session_id == VisitSession.id)
        .where(VisitSession.date < today - timedelta(days=keep_days), Visit.anonymised_at.is_(None))
        .order_by(Visit.id)
        .limit(BATCH)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(of=Visit, skip_locked=True)
    visits = db.session.scalars(due).all()
    ids = [visit.id for visit in visits]
    for visit in visits:
        anonymise(visit, now)
    long_ago = now - timedelta(days=keep_days)
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            sa.or_(
                OutboxMessage.visit_id.in_(ids),
                sa.and_(OutboxMessage.visit_id.is_(None), OutboxMessage.finished_at < long_ago),
            ),
            OutboxMessage.recipient != "",
        )
        .values(recipient="", subject="", body="")
    )
    if ids:
        db.session.execute(
            sa.update(SupportRecord).where(SupportRecord.visit_id.in_(ids)).values(notes="")
        )
    # Texts from families are kept as long as visits, whether or not they named one.
    db.session.execute(
        sa.update(InboundMessage)
        .where(
            sa.or_(
                InboundMessage.visit_id.in_(ids),
                InboundMessage.received_at < long_ago,
            ),
            InboundMessage.from_number != "",
        )
        .values(from_number="", body="")
    )
    return len(ids)
