"""Messages to families: written with the event that causes them, sent once, never lost."""

import secrets
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app import db
from tests import fake_twilio
from tests.conftest import CONTACT, PRISONER, adult, count
from tests.fake_twilio import Fail
from timeutil import LONDON, local_today, utcnow
from visits import booking, notifications, outbox
from visits.booking import ContactDetails
from visits.messages import MessageKind
from visits.models import CancelReason, VisitStatus
from visits.outbox import Channel, MessageStatus, OutboxMessage

texting, no_sms_provider = fake_twilio.texting, fake_twilio.no_sms_provider  # fixtures
BOTH = ContactDetails("+447123456789", "mary@example.org", "en")


def now_local():
    return datetime.now(LONDON).replace(tzinfo=None)


def messages(visit=None, **where):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if visit is not None:
        query = query.where(OutboxMessage.visit_id == visit.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return db.session.scalars(query.execution_options(populate_existing=True)).all()


def later(seconds):
    moment = utcnow() + timedelta(seconds=seconds)
    return lambda: moment


@pytest.fixture
def cardiff(make_prison, make_session):
    prison = make_prison()
    return prison, make_session(prison)


# Written with the event ---------------------------------------------------------------------


def test_a_booking_puts_its_confirmation_in_the_outbox(cardiff, book_visit, app):
    _, session = cardiff
    visit = book_visit(session)

    (message,) = messages(visit)
    assert message.kind is MessageKind.BOOKED
    assert (message.channel, message.recipient) == (Channel.SMS, CONTACT.mobile)
    assert message.status is MessageStatus.PENDING
    assert f"{visit.reference[:4]}-{visit.reference[4:]}" in message.body
    assert f"{app.config['PUBLIC_BASE_URL']}/visit/{visit.manage_token}" in message.body
    assert message.prison_id == visit.prison_id


def test_the_message_is_part_of_the_booking_transaction(cardiff):
    prison, session = cardiff
    token = secrets.token_urlsafe(16)
    booking.hold_place(
        prison, token, session.id, PRISONER, [adult()], CONTACT, local_today(), utcnow()
    )
    db.session.commit()
    visit = booking.confirm_booking(
        prison, token, PRISONER, [adult()], CONTACT, [], "", local_today(), utcnow()
    )
    assert visit.status is VisitStatus.BOOKED
    db.session.rollback()  # the request failed after the domain call: nothing happened

    assert count(OutboxMessage) == 0
    assert booking.visit_for_journey(token).status is VisitStatus.HELD


def test_a_request_gets_a_request_received_message(make_prison, make_session, book_visit):
    prison = make_prison(requires_approval=True)
    visit = book_visit(make_session(prison))

    assert [m.kind for m in messages(visit)] == [MessageKind.REQUEST_RECEIVED]


def test_families_who_chose_both_get_a_text_and_an_email(cardiff, book_visit):
    visit = book_visit(cardiff[1], contact=BOTH)

    sent = {(m.channel, m.recipient) for m in messages(visit)}
    assert sent == {(Channel.SMS, BOTH.mobile), (Channel.EMAIL, BOTH.email)}
    (email,) = messages(visit, channel=Channel.EMAIL)
    assert email.subject.startswith("Visit booked: HMP Cardiff")


def test_cancelling_and_changing_the_time_each_send_a_message(cardiff, make_session, book_visit):
    prison, session = cardiff
    other = make_session(prison, start=session.start_time.replace(hour=10))
    visit = book_visit(session)

    booking.change_visit_time(visit, other.id, local_today(), utcnow(), now_local())
    booking.cancel_visit(visit, CancelReason.ILLNESS, "", "family", now_local())
    db.session.commit()

    kinds = [m.kind for m in messages(visit)]
    assert kinds == [MessageKind.BOOKED, MessageKind.TIME_CHANGED, MessageKind.CANCELLED]
    assert "10:00" in messages(visit, kind=MessageKind.TIME_CHANGED)[0].body


def test_a_cancellation_by_staff_says_so(cardiff, book_visit):
    visit = book_visit(cardiff[1])
    booking.cancel_visit(visit, CancelReason.OTHER, "", "staff:7", now_local())
    db.session.commit()

    (message,) = messages(visit, kind=MessageKind.CANCELLED_BY_STAFF)
    assert message.body.startswith("HMP Cardiff has cancelled your visit")


def test_a_family_booking_in_welsh_gets_welsh_dates(cardiff, book_visit):
    visit = book_visit(cardiff[1], contact=ContactDetails(CONTACT.mobile, None, "cy"))

    (message,) = messages(visit)
    assert message.language == "cy"
    welsh_days = ("Dydd Llun", "Dydd Mawrth", "Dydd Mercher", "Dydd Iau", "Dydd Gwener")
    assert any(day in message.body for day in (*welsh_days, "Dydd Sadwrn", "Dydd Sul"))


# Sending ------------------------------------------------------------------------------------


def test_a_due_message_is_sent_once_through_twilio(cardiff, book_visit, texting):
    visit = book_visit(cardiff[1])

    report = outbox.dispatch_due()
    again = outbox.dispatch_due()

    (message,) = messages(visit)
    (taken,) = texting.accepted
    assert report.outcomes == {"sent": 1} and again.handled == 0
    assert message.status is MessageStatus.SENT
    assert (message.provider_id, message.attempts, message.uncertain_sends) == (taken.sid, 1, 0)
    assert (taken.to, taken.body, taken.reference) == (visit.mobile, message.body, str(message.id))


def test_without_twilio_messages_are_recorded_for_staff_not_dropped(
    cardiff, book_visit, no_sms_provider, make_prison
):
    prison, session = cardiff
    visit = book_visit(session, contact=BOTH)

    outbox.dispatch_due()

    assert {m.status for m in messages(visit)} == {MessageStatus.RECORDED}
    recorded = outbox.recorded_messages([prison.id])
    assert {m.channel for m in recorded} == {Channel.SMS, Channel.EMAIL}
    assert outbox.recorded_messages([make_prison().id]) == []


def test_a_server_error_is_retried_later_with_backoff(cardiff, book_visit, texting, app):
    visit = book_visit(cardiff[1])
    texting.answer_next(Fail(500))
    start = utcnow()

    assert outbox.dispatch_due(lambda: start).outcomes == {"retry": 1}
    (message,) = messages(visit)
    assert message.status is MessageStatus.PENDING
    assert message.error == "HTTP 500"
    wait = (message.next_attempt_at - start).total_seconds()
    assert 30 <= wait <= 36  # OUTBOX_RETRY_BASE_SECONDS, plus up to 20% to spread retries

    assert outbox.dispatch_due(lambda: start + timedelta(seconds=10)).handled == 0
    assert outbox.dispatch_due(lambda: start + timedelta(seconds=40)).outcomes == {"sent": 1}
    (message,) = messages(visit)
    assert (message.status, message.attempts, message.error) == (MessageStatus.SENT, 2, "")
    assert len(texting.accepted) == 1


def test_the_wait_doubles_after_each_failure_up_to_a_limit(app, ctx):
    delays = [outbox.retry_delay(n, message_id=5).total_seconds() for n in range(1, 10)]

    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == app.config["OUTBOX_RETRY_MAX_SECONDS"]


def test_a_message_that_keeps_failing_fails_for_good_after_the_last_try(
    cardiff, book_visit, texting, app, monkeypatch
):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    visit = book_visit(cardiff[1])
    texting.answer_next(Fail(503), Fail(429, 20429), Fail(500))

    for hours in range(3):
        outbox.dispatch_due(later(hours * 3600))

    (message,) = messages(visit)
    assert message.status is MessageStatus.FAILED
    assert message.error == "gave up after 3 tries: HTTP 500"
    assert outbox.failed_messages([visit.prison_id]) == [message]
    assert texting.accepted == []


def test_an_invalid_number_fails_at_once_and_staff_see_it(cardiff, book_visit, texting):
    prison, session = cardiff
    visit = book_visit(session)
    texting.refuse_number(visit.mobile, 21211)

    assert outbox.dispatch_due().outcomes == {"failed": 1}

    (message,) = messages(visit)
    assert (message.status, message.error_code, message.attempts) == (
        MessageStatus.FAILED,
        "21211",
        1,
    )
    assert outbox.failed_messages([prison.id]) == [message]


def test_staff_see_failures_only_for_their_own_prisons(
    cardiff, make_prison, make_session, book_visit, texting
):
    elsewhere = make_prison(name="HMP Usk")
    theirs = book_visit(make_session(elsewhere))
    ours = book_visit(cardiff[1])
    texting.refuse_number(CONTACT.mobile, 21211)

    outbox.dispatch_due()

    assert [m.visit_id for m in outbox.failed_messages([cardiff[0].id])] == [ours.id]
    assert [m.visit_id for m in outbox.failed_messages([elsewhere.id])] == [theirs.id]
    assert outbox.failed_messages([]) == []


def test_a_number_that_opted_out_gets_no_more_texts(cardiff, make_session, book_visit, texting):
    prison, session = cardiff
    first = book_visit(session)
    texting.refuse_number(first.mobile, 21610)
    outbox.dispatch_due()
    requests_so_far = texting.requests

    second = book_visit(make_session(prison, start=session.start_time.replace(hour=10)))
    outbox.dispatch_due()

    assert outbox.is_opted_out(first.mobile)
    (message,) = messages(second)
    assert (message.status, message.error_code) == (MessageStatus.FAILED, "21610")
    assert texting.requests == requests_so_far  # we did not even ask Twilio


def test_a_reminder_for_a_visit_cancelled_since_is_not_sent(cardiff, book_visit, texting):
    visit = book_visit(cardiff[1])
    (reminder,) = notifications.notify(visit, MessageKind.REMINDER, dedupe="test")
    db.session.commit()
    booking.cancel_visit(visit, CancelReason.ILLNESS, "", "family", now_local())
    db.session.commit()

    outbox.dispatch_due()

    reminder = messages(visit, kind=MessageKind.REMINDER)[0]
    assert reminder.status is MessageStatus.SKIPPED
    assert reminder.error == "the visit is no longer booked"
    assert [a.body for a in texting.accepted if "Reminder" in a.body] == []


def test_a_message_that_would_arrive_too_late_is_skipped_and_recorded(cardiff, book_visit, texting):
    visit = book_visit(cardiff[1])
    after_the_visit = notifications.starts_at_utc(visit) + timedelta(minutes=1)

    outbox.dispatch_due(lambda: after_the_visit)

    (message,) = messages(visit)
    assert (message.status, message.error) == (MessageStatus.SKIPPED, "too late to be useful")
    assert texting.accepted == []


def test_many_senders_send_each_message_exactly_once(
    make_prison, make_session, book_visit, texting
):
    prison = make_prison()
    session = make_session(prison, open_tables=60)
    for i in range(60):
        book_visit(session, contact=ContactDetails(f"+4471234560{i:02d}", None, "en"))

    report = outbox.dispatch_due(senders=8)

    assert report.outcomes == {"sent": 60}
    assert set(texting.accepted_by_reference().values()) == {1}
    assert count(OutboxMessage, OutboxMessage.status == MessageStatus.SENT) == 60


def test_delivery_report_counts_statuses_and_possible_duplicates(cardiff, book_visit, ctx):
    visit = book_visit(cardiff[1], contact=BOTH)
    sms_message = messages(visit, channel=Channel.SMS)[0]
    sms_message.uncertain_sends = 2
    db.session.commit()

    report = outbox.delivery_report([visit.prison_id])

    assert report["by_status"]["pending"] == 2
    assert (report["messages_maybe_duplicated"], report["uncertain_sends"]) == (1, 2)
