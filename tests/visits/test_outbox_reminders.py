"""Reminders 48 hours before and on the morning of the visit: once each, and never too late."""

from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app import db
from tests import fake_twilio
from tests.conftest import CONTACT
from timeutil import LONDON, local_today, utcnow
from visits import booking, outbox
from visits.booking import ContactDetails
from visits.messages import MessageKind
from visits.models import CancelReason
from visits.notifications import enqueue_due_reminders, to_utc
from visits.outbox import Channel, MessageStatus, OutboxMessage

texting = fake_twilio.texting  # fixture
REMINDER, TODAY = MessageKind.REMINDER, MessageKind.REMINDER_TODAY


def at(day, hour, minute=0):
    """A local (Europe/London) wall-clock time as the naive UTC the code works in."""
    return to_utc(datetime.combine(day, time(hour, minute)))


def reminders(visit, kind=None):
    query = sa.select(OutboxMessage).where(
        OutboxMessage.visit_id == visit.id,
        OutboxMessage.kind.in_([kind] if kind else [REMINDER, TODAY]),
    )
    return db.session.scalars(
        query.order_by(OutboxMessage.id).execution_options(populate_existing=True)
    ).all()


def now_local():
    return datetime.now(LONDON).replace(tzinfo=None)


@pytest.fixture
def visit_day():
    return local_today() + timedelta(days=3)


@pytest.fixture
def booked(make_prison, make_session, book_visit, visit_day):
    """A visit at 14:00 on the visit day; the family should arrive by 13:30."""
    prison = make_prison(arrive_minutes_before=30)
    return book_visit(make_session(prison, on=visit_day, start=time(14, 0)))


def test_the_first_reminder_falls_due_48_hours_before_the_visit(booked, visit_day, app):
    starts = at(visit_day, 14)

    assert enqueue_due_reminders(starts - timedelta(hours=48, minutes=1))["queued"] == 0
    assert enqueue_due_reminders(starts - timedelta(hours=47, minutes=59))["queued"] == 1
    assert enqueue_due_reminders(starts - timedelta(hours=47))["queued"] == 0  # once only
    db.session.commit()

    (reminder,) = reminders(booked)
    assert reminder.kind is REMINDER
    assert reminder.status is MessageStatus.PENDING
    assert reminder.stale_at == at(visit_day, 8)  # the morning reminder takes over then
    for words in ("Arrive by 13:30.", "photo ID", f"/visit/{booked.manage_token}", "14:00"):
        assert words in reminder.body


def test_the_morning_reminder_comes_at_the_configured_local_time(
    booked, visit_day, app, monkeypatch
):
    monkeypatch.setitem(app.config, "REMINDER_MORNING_AT", time(7, 15))

    enqueue_due_reminders(at(visit_day, 7, 14))
    assert [r.kind for r in reminders(booked)] == [REMINDER]
    enqueue_due_reminders(at(visit_day, 7, 16))
    db.session.commit()

    (today,) = reminders(booked, TODAY)
    assert today.body.startswith("Your visit to HMP Cardiff is today at 14:00.")
    assert today.stale_at == at(visit_day, 13, 30)


def test_reminders_can_be_turned_off(booked, visit_day, app, monkeypatch):
    monkeypatch.setitem(app.config, "REMINDER_MORNING_AT", None)
    monkeypatch.setitem(app.config, "REMINDER_HOURS_BEFORE", 0)

    enqueue_due_reminders(at(visit_day, 13))

    assert reminders(booked) == []


def test_after_downtime_useful_reminders_go_late_and_stale_ones_are_recorded_skipped(
    booked, visit_day, texting
):
    # The scheduler was down from before the 48-hour point until 09:00 on the day.
    counts = enqueue_due_reminders(at(visit_day, 9))
    db.session.commit()

    assert counts == {"queued": 1, "skipped": 1}
    early, today = reminders(booked)
    assert (early.kind, early.status) == (REMINDER, MessageStatus.SKIPPED)
    assert early.error == "too late to be useful when it fell due"
    assert (today.kind, today.status) == (TODAY, MessageStatus.PENDING)

    outbox.dispatch_due(lambda: at(visit_day, 9, 1))

    assert reminders(booked, TODAY)[0].status is MessageStatus.SENT
    assert [a.body for a in texting.accepted if "today" in a.body] == [today.body]


def test_a_reminder_still_waiting_when_it_goes_stale_is_skipped_not_sent(
    booked, visit_day, texting
):
    enqueue_due_reminders(at(visit_day, 13, 0))  # queued, but the senders were down...
    db.session.commit()

    outbox.dispatch_due(lambda: at(visit_day, 13, 31))  # ...until after the arrival time

    assert {r.status for r in reminders(booked)} == {MessageStatus.SKIPPED}
    assert not any("today" in a.body for a in texting.accepted)


def test_a_visit_booked_after_its_reminder_fell_due_gets_no_reminder(
    make_prison, make_session, book_visit
):
    prison = make_prison(min_notice_days=1)
    tomorrow = local_today() + timedelta(days=1)
    visit = book_visit(make_session(prison, on=tomorrow, start=time(14, 0)))

    enqueue_due_reminders(utcnow())
    db.session.commit()

    (early,) = reminders(visit)
    assert early.status is MessageStatus.SKIPPED
    assert early.error == "the family was sent the details after it fell due"


def test_a_moved_visit_is_reminded_of_its_new_time_only(booked, visit_day, make_session, texting):
    later_session = make_session(booked.prison, on=visit_day + timedelta(days=1), start=time(10))
    enqueue_due_reminders(at(visit_day, 14) - timedelta(hours=47))
    db.session.commit()
    booking.change_visit_time(booked, later_session.id, local_today(), utcnow(), now_local())
    db.session.commit()

    outbox.dispatch_due(lambda: at(visit_day, 14) - timedelta(hours=46))
    enqueue_due_reminders(at(visit_day + timedelta(days=1), 10) - timedelta(hours=47))
    db.session.commit()

    old, new = reminders(booked, REMINDER)
    assert old.status is MessageStatus.SKIPPED
    assert old.error == "the visit has moved or its session is cancelled"
    assert new.status is MessageStatus.PENDING and "10:00" in new.body
    assert not any(a.body == old.body for a in texting.accepted)


def test_an_early_session_gets_no_morning_reminder_after_arrival_time(
    make_prison, make_session, book_visit, visit_day
):
    prison = make_prison(arrive_minutes_before=45)
    visit = book_visit(make_session(prison, on=visit_day, start=time(8, 30)))

    enqueue_due_reminders(at(visit_day, 8, 10))

    (early,) = reminders(visit)
    assert early.kind is REMINDER and early.status is MessageStatus.SKIPPED
    assert reminders(visit, TODAY) == []


def test_each_way_the_family_chose_gets_one_reminder(
    make_prison, make_session, book_visit, visit_day
):
    both = ContactDetails(CONTACT.mobile, "mary@example.org", "cy")
    visit = book_visit(make_session(make_prison(), on=visit_day), contact=both)

    enqueue_due_reminders(at(visit_day, 14) - timedelta(hours=47))
    enqueue_due_reminders(at(visit_day, 14) - timedelta(hours=46))
    db.session.commit()

    sent = reminders(visit)
    assert sorted(r.channel for r in sent) == [Channel.EMAIL, Channel.SMS]
    assert {r.language for r in sent} == {"cy"}


def test_cancelled_visits_get_no_reminders(booked, visit_day):
    booking.cancel_visit(booked, CancelReason.ILLNESS, "", "family", now_local())
    db.session.commit()

    assert enqueue_due_reminders(at(visit_day, 9)) == {"queued": 0, "skipped": 0}
