"""Requests nobody checked in time are rejected with a reason, and the family told."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from app import db
from tests import fake_twilio
from timeutil import LONDON, utcnow
from visits import outbox
from visits.messages import MessageKind
from visits.models import RejectionReason, Visit, VisitEvent, VisitStatus
from visits.outbox import MessageStatus, OutboxMessage
from visits.request_deadlines import reject_overdue_requests

no_sms_provider = fake_twilio.no_sms_provider  # fixture


def now_local():
    return datetime.now(LONDON).replace(tzinfo=None)


def requested(make_prison, make_session, book_visit, days_ago=0):
    prison = make_prison(requires_approval=True)
    visit = book_visit(make_session(prison))
    assert visit.status is VisitStatus.REQUESTED
    visit.created_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return visit


def test_a_request_older_than_the_review_days_is_rejected_and_the_family_told(
    make_prison, make_session, book_visit
):
    overdue = requested(make_prison, make_session, book_visit, days_ago=3.1)
    fresh = requested(make_prison, make_session, book_visit, days_ago=2.9)

    rejected = reject_overdue_requests(utcnow(), now_local())
    db.session.commit()

    assert rejected == 1
    overdue, fresh = db.session.get(Visit, overdue.id), db.session.get(Visit, fresh.id)
    assert (overdue.status, fresh.status) == (VisitStatus.REJECTED, VisitStatus.REQUESTED)
    assert overdue.rejection_reason is RejectionReason.NOT_REVIEWED
    event = db.session.scalars(
        sa.select(VisitEvent).where(VisitEvent.visit_id == overdue.id).order_by(VisitEvent.id)
    ).all()[-1]
    assert (event.from_status, event.to_status, event.actor) == (
        VisitStatus.REQUESTED,
        VisitStatus.REJECTED,
        "system",
    )
    (message,) = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.visit_id == overdue.id,
            OutboxMessage.kind == MessageKind.REQUEST_REJECTED,
        )
    ).all()
    assert str(RejectionReason.NOT_REVIEWED.family_text) in message.body


def test_a_request_whose_visit_time_has_come_is_rejected_whatever_its_age(
    make_prison, make_session, book_visit, no_sms_provider
):
    visit = requested(make_prison, make_session, book_visit)
    visit.session.date = now_local().date() - timedelta(days=1)
    db.session.commit()

    assert reject_overdue_requests(utcnow(), now_local()) == 1
    db.session.commit()
    assert db.session.get(Visit, visit.id).status is VisitStatus.REJECTED

    outbox.dispatch_due()

    (status,) = db.session.scalars(
        sa.select(OutboxMessage.status).where(
            OutboxMessage.visit_id == visit.id,
            OutboxMessage.kind == MessageKind.REQUEST_REJECTED,
        )
    ).all()
    assert status is MessageStatus.RECORDED  # not skipped: the family still hears why


def test_each_prison_rejects_its_requests_on_its_own_deadline(
    make_prison, make_session, book_visit
):
    quick = make_prison(requires_approval=True, review_days=2)
    slow = make_prison(requires_approval=True, review_days=5)
    made = {}
    for prison in (quick, slow):
        session = make_session(prison)
        for days_ago in (1.9, 2.1, 4.9, 5.1):
            visit = book_visit(session)
            assert visit.status is VisitStatus.REQUESTED
            visit.created_at = utcnow() - timedelta(days=days_ago)
            made[prison.review_days, days_ago] = visit
    db.session.commit()

    assert reject_overdue_requests(utcnow(), now_local()) == 4
    db.session.commit()

    rejected = {
        key
        for key, visit in made.items()
        if db.session.get(Visit, visit.id).status is VisitStatus.REJECTED
    }
    assert rejected == {(2, 2.1), (2, 4.9), (2, 5.1), (5, 5.1)}


def test_booked_visits_are_never_rejected(make_prison, make_session, book_visit):
    visit = book_visit(make_session(make_prison()))
    visit.created_at = utcnow() - timedelta(days=30)
    db.session.commit()

    assert reject_overdue_requests(utcnow(), now_local()) == 0
