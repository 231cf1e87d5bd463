"""The scheduler process: one leader at a time, jobs that only move rows, safe restarts."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

import scheduler
from app import db
from scheduler import Job, Scheduler, lease_holder
from tests import fake_twilio
from tests.conftest import TEST_SETTINGS
from timeutil import utcnow
from visits import outbox
from visits.messages import MessageKind
from visits.models import Visit, VisitStatus
from visits.outbox import Channel, MessageStatus, OutboxMessage

ROOT = Path(__file__).resolve().parent.parent
no_sms_provider = fake_twilio.no_sms_provider  # fixture
DISPATCH = next(job for job in scheduler.JOBS if job.name == "dispatch-outbox")


def queue_message(body="Hello"):
    message = outbox.enqueue(MessageKind.HELP, Channel.SMS, "+447123456789", body, now=utcnow())
    db.session.flush()
    message_id = message.id
    db.session.commit()  # and no reading after it: on SQLite that would hold the write lock
    return message_id


def status_of(message_id):
    status = db.session.scalar(
        sa.select(OutboxMessage.status).where(OutboxMessage.id == message_id)
    )
    db.session.commit()  # on SQLite even a read holds the write lock until it ends
    return status


def current_holder():
    holder = lease_holder()
    db.session.commit()
    return holder


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def two_schedulers(app, ctx, clock):
    db.session.commit()
    return Scheduler(app, "first", clock), Scheduler(app, "second", clock)


def test_only_one_scheduler_leads(two_schedulers):
    first, second = two_schedulers

    assert first.is_leader()
    assert not second.is_leader()
    assert first.is_leader()  # renewing its own lease
    assert current_holder() == "first"


def test_a_standby_scheduler_runs_no_jobs(two_schedulers, no_sms_provider):
    first, second = two_schedulers
    first.is_leader()
    message_id = queue_message()

    assert second.run_job(DISPATCH) == "standby"
    assert status_of(message_id) is MessageStatus.PENDING
    assert first.run_job(DISPATCH) == "recorded 1"
    assert status_of(message_id) is MessageStatus.RECORDED


def test_the_standby_takes_over_when_the_leader_stops_renewing(two_schedulers, clock, app):
    first, second = two_schedulers
    first.is_leader()

    clock.now += timedelta(seconds=app.config["SCHEDULER_LEASE_SECONDS"] - 1)
    assert not second.is_leader()
    clock.now += timedelta(seconds=2)
    assert second.is_leader()
    assert not first.is_leader()  # the old leader, come back, now stands by


def test_a_leader_that_stops_cleanly_hands_over_at_once(two_schedulers):
    first, second = two_schedulers
    first.is_leader()

    first.resign()

    assert second.is_leader()


def test_a_failing_job_is_reported_and_the_scheduler_carries_on(two_schedulers):
    first, _ = two_schedulers

    def broken():
        raise RuntimeError("the database went away")

    assert first.run_job(Job("broken", broken, "SCHEDULER_DISPATCH_SECONDS")) == "failed"
    assert first.run_job(DISPATCH) == ""


def test_the_jobs_release_lapsed_holds(two_schedulers, make_prison, make_session, hold_visit):
    first, _ = two_schedulers
    visit = hold_visit(make_session(make_prison()), now=utcnow() - timedelta(hours=1))
    db.session.commit()

    jobs = {job.name: job for job in scheduler.JOBS}
    assert first.run_job(jobs["release-holds"]) == "released 1"

    db.session.refresh(db.session.get(Visit, visit.id))
    assert db.session.get(Visit, visit.id).status is VisitStatus.EXPIRED


def test_every_job_runs(two_schedulers):
    first, _ = two_schedulers

    outcomes = {job.name: first.run_job(job) for job in scheduler.JOBS}

    assert "failed" not in outcomes.values(), outcomes


def test_the_jobs_reject_overdue_requests(two_schedulers, make_prison, make_session, book_visit):
    first, _ = two_schedulers
    visit = book_visit(make_session(make_prison(requires_approval=True)))
    visit.created_at = utcnow() - timedelta(days=30)
    visit_id = visit.id
    db.session.commit()

    jobs = {job.name: job for job in scheduler.JOBS}
    assert first.run_job(jobs["reject-overdue-requests"]) == "rejected 1"

    status = db.session.scalar(sa.select(Visit.status).where(Visit.id == visit_id))
    db.session.commit()
    assert status is VisitStatus.REJECTED


# The real process ---------------------------------------------------------------------------


def start_scheduler(database_url):
    settings = {
        **TEST_SETTINGS,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "TWILIO_ACCOUNT_SID": None,
        "SCHEDULER_LEASE_SECONDS": 2,
        "SCHEDULER_DISPATCH_SECONDS": 0.2,
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "DATABASE_"))}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            f"app:create_app({settings!r})",
            "scheduler",
            "run",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def eventually(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        met = condition()
        db.session.commit()  # each look its own short transaction: SQLite locks even reads
        if met:
            return
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def holder_pid():
    holder = current_holder()
    return int(holder.split(":")[1]) if holder else None


def test_a_second_scheduler_process_stays_idle_until_the_first_dies(ctx, database_url):
    first = start_scheduler(database_url)
    second = None
    try:
        message_id = queue_message("one")
        eventually(lambda: status_of(message_id) is MessageStatus.RECORDED)
        assert holder_pid() == first.pid

        second = start_scheduler(database_url)
        time.sleep(3)  # longer than the lease: the leader keeps renewing it
        assert holder_pid() == first.pid
        message_id = queue_message("two")
        eventually(lambda: status_of(message_id) is MessageStatus.RECORDED)

        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
        eventually(lambda: holder_pid() == second.pid)
        message_id = queue_message("three")
        eventually(lambda: status_of(message_id) is MessageStatus.RECORDED)

        second.send_signal(signal.SIGTERM)
        _, errors = second.communicate(timeout=30)
        assert second.returncode == 0, errors[-2000:]
        assert "Scheduler" in errors and "stopped" in errors
        eventually(lambda: current_holder() is None)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.communicate()
