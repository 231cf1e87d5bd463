"""The outbox when things go wrong: provider errors and timeouts, a dispatcher killed with
SIGKILL mid-batch, and two dispatchers at once. Afterwards every message was sent, none was
lost, and any sent twice was counted as possibly duplicated beforehand."""

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import db
from sms import Outcome, SendResult
from tests import fake_twilio
from tests.conftest import TEST_SETTINGS
from tests.fake_twilio import Fail, FakeTwilio, Hang
from timeutil import utcnow
from visits import outbox
from visits.messages import MessageKind
from visits.outbox import Channel, MessageStatus, OutboxMessage

ROOT = Path(__file__).resolve().parents[2]
texting = fake_twilio.texting  # fixture


def queue_messages(how_many):
    now = utcnow()
    for i in range(how_many):
        outbox.enqueue(
            MessageKind.HELP, Channel.SMS, f"+447700{i:06d}", f"Message number {i}", now=now
        )
    db.session.commit()
    return set(db.session.scalars(sa.select(OutboxMessage.id)))


def all_messages():
    return db.session.scalars(
        sa.select(OutboxMessage).execution_options(populate_existing=True)
    ).all()


def check_exactly_once_or_counted(fake, ids):
    """None lost; a message sent twice was counted as uncertain before its second send."""
    rows = {m.id: m for m in all_messages()}
    taken = fake.accepted_by_reference()
    assert {m.status for m in rows.values()} == {MessageStatus.SENT}
    assert set(taken) == {str(i) for i in ids}, "a message was lost"
    for reference, times in taken.items():
        row = rows[int(reference)]
        assert times - 1 <= row.uncertain_sends, f"message {reference} sent twice uncounted"
    duplicates = sum(times - 1 for times in taken.values())
    report = outbox.delivery_report()
    assert duplicates <= report["uncertain_sends"]
    return duplicates, report


def dispatcher(database_url, fake, **settings):
    config = {
        **TEST_SETTINGS,
        "SQLALCHEMY_DATABASE_URI": database_url,
        **fake.settings(),
        "OUTBOX_LEASE_SECONDS": 2,
        "OUTBOX_SENDERS": 4,
        **settings,
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DATABASE_"))}
    app_with_settings = f"app:create_app({config!r})"
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", app_with_settings, "scheduler", "dispatch"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def finished(process, seconds=120):
    out, err = process.communicate(timeout=seconds)
    assert process.returncode == 0, err[-2000:]
    return int(re.search(r"Handled (\d+) messages", out).group(1))


def test_errors_rate_limits_and_timeouts_are_retried_until_all_are_sent(ctx, texting):
    ids = queue_messages(30)
    texting.answer_next(
        Fail(500),
        Fail(503),
        Fail(429, 20429),
        Hang(accepted=False, seconds=1),  # timed out before Twilio took it
        Hang(accepted=True, seconds=1),  # timed out after Twilio took it: sent twice
        Fail(502),
        Fail(429, 20429),
    )
    start = utcnow()
    for hour in range(6):
        outbox.dispatch_due(lambda h=hour: start + timedelta(hours=h))

    duplicates, report = check_exactly_once_or_counted(texting, ids)
    assert duplicates == 1
    assert report["messages_maybe_duplicated"] == 2  # both timeouts are counted
    assert report["uncertain_sends"] == 2


def test_a_claim_whose_sender_died_is_taken_again_after_its_lease(ctx, texting, app):
    queue_messages(1)
    start = utcnow()
    abandoned = outbox.claim_next(start)  # its sender dies before recording anything

    assert outbox.dispatch_due(lambda: start + timedelta(seconds=5)).handled == 0  # leased
    lease = app.config["OUTBOX_LEASE_SECONDS"]
    after = start + timedelta(seconds=lease + 1)
    assert outbox.dispatch_due(lambda: after).outcomes == {"sent": 1}

    (message,) = all_messages()
    assert (message.attempts, message.uncertain_sends) == (2, 1)
    late = SendResult(Outcome.SENT, provider_id="SMlate", provider_status="queued")
    assert outbox.record_result(abandoned, late, after) is False  # it cannot overwrite
    assert all_messages()[0].provider_id == texting.accepted[0].sid


def test_a_dispatcher_killed_mid_batch_loses_nothing_when_restarted(ctx, database_url):
    ids = queue_messages(300)
    db.session.close()
    with FakeTwilio(delay=0.02) as fake:
        first = dispatcher(database_url, fake)
        wait_until(lambda: len(fake.accepted) >= 60)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
        assert first.returncode == -signal.SIGKILL

        statuses = [m.status for m in all_messages()]
        db.session.commit()
        assert statuses.count(MessageStatus.SENT) < len(ids), "the batch ended before the kill"

        time.sleep(2.2)  # the dead dispatcher's claims lapse
        finished(dispatcher(database_url, fake))

        duplicates, report = check_exactly_once_or_counted(fake, ids)
    # At most the messages in flight at the kill (one per sender) can have gone twice.
    assert duplicates <= 4
    assert report["messages_maybe_duplicated"] <= 4


def test_two_dispatchers_at_once_send_each_message_exactly_once(ctx, database_url):
    ids = queue_messages(400)
    db.session.close()
    with FakeTwilio(delay=0.02) as fake:
        both = [dispatcher(database_url, fake), dispatcher(database_url, fake)]
        handled = [finished(process) for process in both]

        duplicates, report = check_exactly_once_or_counted(fake, ids)
    assert sum(handled) == len(ids)
    assert all(count > 0 for count in handled), f"one dispatcher did nothing: {handled}"
    assert duplicates == 0 and report["uncertain_sends"] == 0
    assert set(fake.accepted_by_reference().values()) == {1}


@pytest.mark.parametrize("senders", [1, 8])
def test_the_dispatcher_stops_when_nothing_is_due(ctx, texting, senders):
    queue_messages(5)

    assert outbox.dispatch_due(senders=senders).outcomes == {"sent": 5}
    assert outbox.dispatch_due(senders=senders).handled == 0
