"""The scheduler: one process of its own (`flask --app app scheduler run`), never a web worker.

Its jobs only move rows: they send what the outbox holds, put due reminders in it, release
lapsed holds, reject overdue requests, remind and close idle travel cost claims, let lapsed
family-day offers go to the next family, and remove personal data from old records.
Everything they need to know is in the database, so a restart loses nothing: jobs run however
late they are, and the outbox decides what is still worth sending. A second scheduler started
by mistake finds the lease held and stays idle; should both ever run, every job is safe to run
twice at once anyway.
"""

import logging
import os
import secrets
import signal
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import click
import sqlalchemy as sa
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from app import db
from assisted_visits import claims
from errors import WithholdExceptionMessages
from family_days import retention as family_day_retention
from family_days import waiting_list
from timeutil import LONDON, utcnow
from visits import booking, notifications, outbox, request_deadlines, retention

log = logging.getLogger(__name__)
log.addFilter(WithholdExceptionMessages())

LEASE_NAME = "scheduler"


class SchedulerLease(db.Model):
    """Which scheduler process may run jobs, until when."""

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(120))
    expires_at: Mapped[datetime]


def hold_lease(holder: str, now: datetime, seconds: float) -> bool:
    """Take or renew the lease; False while another live scheduler holds it."""
    until = now + timedelta(seconds=seconds)
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(SchedulerLease)
        .values(name=LEASE_NAME, holder=holder, expires_at=until)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    taken = db.session.execute(
        sa.update(SchedulerLease)
        .where(
            SchedulerLease.name == LEASE_NAME,
            sa.or_(SchedulerLease.holder == holder, SchedulerLease.expires_at <= now),
        )
        .values(holder=holder, expires_at=until)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def release_lease(holder: str) -> None:
    db.session.execute(
        sa.delete(SchedulerLease).where(
            SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == holder
        )
    )


def lease_holder() -> str | None:
    return db.session.scalar(
        sa.select(SchedulerLease.holder).where(SchedulerLease.name == LEASE_NAME)
    )


# Jobs: each runs in its own application context and owns its transactions. ----------------


def dispatch_outbox() -> str:
    report = outbox.dispatch_due()
    return ", ".join(f"{outcome} {n}" for outcome, n in sorted(report.outcomes.items()))


def enqueue_reminders() -> str:
    counts = notifications.enqueue_due_reminders(utcnow())
    db.session.commit()
    return f"queued {counts['queued']}, skipped {counts['skipped']}"


def release_holds() -> str:
    released = booking.release_lapsed_holds(utcnow())
    db.session.commit()
    return f"released {released}"


def reject_overdue_requests() -> str:
    rejected = request_deadlines.reject_overdue_requests(
        utcnow(), datetime.now(LONDON).replace(tzinfo=None)
    )
    db.session.commit()
    return f"rejected {rejected}"


def expire_family_day_offers() -> str:
    expired = waiting_list.expire_offers(utcnow())
    db.session.commit()
    return f"expired {expired}"


def anonymise_old_records() -> str:
    today, keep, now = (
        datetime.now(LONDON).date(),
        current_app.config["VISIT_RETENTION_DAYS"],
        utcnow(),
    )
    visits = retention.anonymise_old_visits(today, keep, now)
    applications = family_day_retention.anonymise_old_applications(today, keep, now)
    db.session.commit()
    return f"anonymised {visits} visits, {applications} family day applications"


def remind_and_close_idle_claims() -> str:
    now = utcnow()
    reminded = claims.remind_idle(now)
    closed = claims.close_idle(now)
    db.session.commit()
    return f"reminded {len(reminded)}, closed {len(closed)}"


@dataclass(frozen=True)
class Job:
    name: str
    run: object
    every_setting: str


JOBS = (
    Job("dispatch-outbox", dispatch_outbox, "SCHEDULER_DISPATCH_SECONDS"),
    Job("enqueue-reminders", enqueue_reminders, "SCHEDULER_REMINDERS_SECONDS"),
    Job("release-holds", release_holds, "SCHEDULER_HOLDS_SECONDS"),
    Job("reject-overdue-requests", reject_overdue_requests, "SCHEDULER_REQUESTS_SECONDS"),
    Job("idle-claims", remind_and_close_idle_claims, "SCHEDULER_CLAIMS_SECONDS"),
    Job("anonymise-old-records", anonymise_old_records, "SCHEDULER_RETENTION_SECONDS"),
    Job("expire-family-day-offers", expire_family_day_offers, "SCHEDULER_OFFERS_SECONDS"),
)


class Scheduler:
    def __init__(self, app, holder: str | None = None, clock=utcnow):
        self.app = app
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.clock = clock

    def is_leader(self) -> bool:
        with self.app.app_context():
            try:
                held = hold_lease(
                    self.holder, self.clock(), self.app.config["SCHEDULER_LEASE_SECONDS"]
                )
                db.session.commit()
                return held
            except Exception:
                db.session.rollback()
                log.exception("Could not take the scheduler lease")
                return False

    def run_job(self, job: Job) -> str:
        """Run the job if this scheduler holds the lease; what happened, for the log."""
        if not self.is_leader():
            log.debug("%s: standing by, another scheduler holds the lease", job.name)
            return "standby"
        with self.app.app_context():
            try:
                outcome = job.run()
            except Exception:
                db.session.rollback()
                log.exception("%s failed; it runs again at its next turn", job.name)
                return "failed"
        log.info("%s: %s", job.name, outcome)
        return outcome

    def resign(self) -> None:
        with self.app.app_context():
            release_lease(self.holder)
            db.session.commit()

    def run_forever(self) -> None:
        config = self.app.config
        scheduler = BlockingScheduler(
            timezone=UTC,
            # Late jobs run (however late) and run once, never several at a time.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        start = datetime.now(UTC)
        for job in JOBS:
            scheduler.add_job(
                self.run_job,
                IntervalTrigger(seconds=config[job.every_setting]),
                args=[job],
                id=job.name,
                next_run_time=start,
            )
        # Keeps the lease fresh while a long job runs, and lets a standby notice a dead leader.
        scheduler.add_job(
            self.is_leader,
            IntervalTrigger(seconds=max(1, config["SCHEDULER_LEASE_SECONDS"] / 3)),
            id="lease",
            next_run_time=start,
        )
        signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
        log.info("Scheduler %s started", self.holder)
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.resign()
            log.info("Scheduler %s stopped", self.holder)


scheduler_cli = AppGroup("scheduler", help="The scheduler process and the outbox.")


@scheduler_cli.command("run")
def run_command():
    """Run the scheduler until stopped (Ctrl+C or SIGTERM). Run exactly one."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    Scheduler(current_app._get_current_object()).run_forever()


@scheduler_cli.command("dispatch")
@click.option("--senders", type=int, default=None, help="messages sent at once")
def dispatch_command(senders):
    """Send every due message now, then print what happened."""
    report = outbox.dispatch_due(senders=senders)
    for outcome, count in sorted(report.outcomes.items()):
        click.echo(f"{outcome}: {count}")
    click.echo(f"Handled {report.handled} messages.")


@scheduler_cli.command("outbox-report")
def outbox_report_command():
    """Messages by status, and sends that may have reached a family twice."""
    report = outbox.delivery_report()
    for status, count in report["by_status"].items():
        click.echo(f"{status}: {count}")
    click.echo(
        f"Possibly sent twice (a timeout or a sender that died mid-send): "
        f"{report['messages_maybe_duplicated']} messages, {report['uncertain_sends']} sends."
    )
