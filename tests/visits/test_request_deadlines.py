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


# Late November 2026 has no bank holiday in England or Wales; London is on GMT (= UTC).
FRIDAY = datetime(2026, 11, 20, 10, 0)
MONDAY = datetime(2026, 11, 16, 10, 0)


def requested(make_prison, make_session, book_visit, made=None, **rules):
    prison = make_prison(requires_approval=True, **rules)
    visit = book_visit(make_session(prison))
    assert visit.status is VisitStatus.REQUESTED
    visit.created_at = made or utcnow()
    db.session.commit()
    return visit


def test_a_request_past_its_working_days_is_rejected_and_the_family_told(
    make_prison, make_session, book_visit
):
    # Due 3 working days later: Wednesday 10:00 for Friday's, Thursday 10:00 for Monday's.
    overdue = requested(make_prison, make_session, book_visit, made=FRIDAY)
    fresh = requested(make_prison, make_session, book_visit, made=FRIDAY + timedelta(days=3))

    wednesday = datetime(2026, 11, 25, 10, 1)
    rejected = reject_overdue_requests(wednesday, wednesday)
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


def test_the_weekend_does_not_count_towards_the_deadline(make_prison, make_session, book_visit):
    visit = requested(make_prison, make_session, book_visit, made=FRIDAY)

    tuesday_night = datetime(2026, 11, 24, 23, 0)
    assert reject_overdue_requests(tuesday_night, tuesday_night) == 0
    wednesday = datetime(2026, 11, 25, 10, 1)
    assert reject_overdue_requests(wednesday, wednesday) == 1
    db.session.commit()
    assert db.session.get(Visit, visit.id).status is VisitStatus.REJECTED


def test_each_prison_rejects_its_requests_on_its_own_deadline(
    make_prison, make_session, book_visit
):
    quick = requested(make_prison, make_session, book_visit, made=MONDAY, review_days=2)
    slow = requested(make_prison, make_session, book_visit, made=MONDAY, review_days=5)

    def rejected_by(moment):
        reject_overdue_requests(moment, moment)
        db.session.commit()
        return {
            visit.prison.review_days
            for visit in (quick, slow)
            if db.session.get(Visit, visit.id).status is VisitStatus.REJECTED
        }

    # 2 working days after Monday is Wednesday; 5 is the next Monday.
    assert rejected_by(datetime(2026, 11, 18, 9, 59)) == set()
    assert rejected_by(datetime(2026, 11, 18, 10, 1)) == {2}
    assert rejected_by(datetime(2026, 11, 23, 9, 59)) == {2}
    assert rejected_by(datetime(2026, 11, 23, 10, 1)) == {2, 5}


def test_booked_visits_are_never_rejected(make_prison, make_session, book_visit):
    visit = book_visit(make_session(make_prison()))
    visit.created_at = utcnow() - timedelta(days=30)
    db.session.commit()

    assert reject_overdue_requests(utcnow(), now_local()) == 0
