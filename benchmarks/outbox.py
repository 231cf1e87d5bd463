"""Outbox benchmark: due messages sent through a fake Twilio by the real dispatcher.

For each database backend this makes a fresh database (schema from the migrations), puts
--messages due text messages in the outbox and sends them with the dispatcher
(visits.outbox.dispatch_due, --senders at once) through the real `twilio` client to the fake
Twilio of the tests (tests/fake_twilio.py), which runs in a process of its own on 127.0.0.1.

It compares that with the fake server's own maximum rate: a bare loop of --senders threads
calling client.messages.create as fast as they can, with no database at all. Afterwards it
counts, from the fake server, the messages taken more than once (must be 0) or never (must be
0), and from the database the messages not marked sent (must be 0).

    .venv/bin/python benchmarks/outbox.py --backend both

Results are printed as a table and written as JSON under benchmarks/results/.
"""

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
VISITS = 100  # the reminders are about these booked visits, 100 messages each by default
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    add("--messages", type=int, default=10_000, help="due messages (default 10,000)")
    add("--senders", type=int, default=4, help="messages sent at once (default 4)")
    add("--bare-messages", type=int, default=None, help="messages in the bare loop (default all)")
    return parser.parse_args()


# The fake Twilio, in a process of its own so that it does not share our GIL ---------------


def _serve_fake(connection) -> None:
    from tests.fake_twilio import FakeTwilio

    with FakeTwilio() as fake:
        connection.send(fake.settings())
        while True:
            command = connection.recv()
            if command == "counts":
                connection.send(dict(fake.accepted_by_reference()))
            elif command == "reset":
                with fake._lock:
                    fake.accepted.clear()
                connection.send("ok")
            else:
                return


class FakeTwilioProcess:
    def __enter__(self):
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve_fake, args=(child,), daemon=True)
        self.process.start()
        self.settings = self.connection.recv()
        return self

    def counts(self) -> Counter:
        self.connection.send("counts")
        return Counter(self.connection.recv())

    def reset(self) -> None:
        self.connection.send("reset")
        self.connection.recv()

    def __exit__(self, *_):
        self.connection.send("stop")
        self.process.join(timeout=10)


# The two loops ------------------------------------------------------------------------------


def bare_loop(settings: dict, messages: int, senders: int) -> float:
    """Seconds for `senders` threads to send `messages` straight through the twilio client."""
    from twilio.rest import Client

    from sms import _PinnedHttpClient

    def send(first: int):
        client = Client(
            settings["TWILIO_ACCOUNT_SID"],
            settings["TWILIO_AUTH_TOKEN"],
            http_client=_PinnedHttpClient(settings["TWILIO_API_BASE_URL"], timeout=10),
        )
        for i in range(first, messages, senders):
            client.messages.create(
                to=f"+4477{i:08d}",
                body=f"Bare message {i}",
                messaging_service_sid=settings["TWILIO_MESSAGING_SERVICE_SID"],
                status_callback=f"https://visits.example/webhooks/twilio/status?reference=b{i}",
            )

    threads = [threading.Thread(target=send, args=(n,)) for n in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def booked_visits(how_many: int):
    """Visits for the reminders to be about: the dispatcher checks each is still booked."""
    import secrets
    from datetime import date, time, timedelta

    from app import db
    from timeutil import local_today
    from visits.models import Nation, Prison, TableType, Visit, VisitSession, VisitStatus

    prison = Prison(
        slug="benchmark",
        name="HMP Benchmark",
        nation=Nation.ENGLAND,
        address="1 Benchmark Road, Bristol",
        postcode="BS7 8PS",
        latitude=51.488,
        longitude=-2.589,
    )
    session = VisitSession(
        prison=prison,
        date=local_today() + timedelta(days=1),
        start_time=time(14, 0),
        end_time=time(16, 0),
        open_tables=how_many,
    )
    visits = [
        Visit(
            reference=f"B{i:07d}",
            manage_token=secrets.token_urlsafe(32),
            prison=prison,
            session=session,
            table_type=TableType.OPEN,
            status=VisitStatus.BOOKED,
            prisoner_first_name="Tom",
            prisoner_last_name="Jones",
            prisoner_date_of_birth=date(1980, 2, 1),
            prisoner_number="A1234BC",
            mobile=f"+4477{i:08d}",
        )
        for i in range(how_many)
    ]
    db.session.add_all(visits)
    db.session.flush()
    return visits


def prepare(url: str, settings: dict, messages: int):
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app, db
    from timeutil import utcnow
    from visits.messages import MessageKind
    from visits.outbox import Channel, MessageStatus, OutboxMessage

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "benchmark",
            "RATELIMIT_ENABLED": False,
            **settings,
            "TWILIO_TIMEOUT_SECONDS": 10,
        }
    )
    with app.app_context():
        alembic_log = io.StringIO()
        try:
            with contextlib.redirect_stderr(alembic_log):
                upgrade(revision="heads")
        except Exception:
            print(alembic_log.getvalue(), file=sys.stderr)
            raise
        now = utcnow()
        visits = booked_visits(VISITS)
        rows = [
            {
                "kind": MessageKind.REMINDER_TODAY,
                "visit_id": visits[i % VISITS].id,
                "prison_id": visits[i % VISITS].prison_id,
                "session_id": visits[i % VISITS].session_id,
                "channel": Channel.SMS,
                "recipient": f"+4477{i:08d}",
                "language": "en",
                "subject": "",
                "body": f"Your visit to HMP Benchmark is today at 14:00. Message {i}.",
                "segments": 1,
                "status": MessageStatus.PENDING,
                "created_at": now,
                "next_attempt_at": now,
                "attempts": 0,
                "uncertain_sends": 0,
                "error": "",
            }
            for i in range(messages)
        ]
        db.session.execute(sa.insert(OutboxMessage), rows)
        db.session.commit()
    return app


def dispatch(app, senders: int) -> tuple[float, Counter]:
    from app import db
    from visits import outbox

    with app.app_context():
        started = time.perf_counter()
        report = outbox.dispatch_due(senders=senders)
        seconds = time.perf_counter() - started
        db.session.remove()
    return seconds, report.outcomes


def audit(app) -> dict:
    from app import db
    from visits import outbox

    with app.app_context():
        report = outbox.delivery_report()
        db.session.remove()
        db.engine.dispose()
    return report


def run_backend(backend: str, args: argparse.Namespace, workdir: Path, pg_template) -> dict:
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'outbox.db'}"
    else:
        from tests.postgres_server import create_database

        url = create_database(pg_template, "outbox_benchmark")
    bare_messages = args.bare_messages or args.messages
    with FakeTwilioProcess() as fake:
        app = prepare(url, fake.settings, args.messages)
        bare_seconds = bare_loop(fake.settings, bare_messages, args.senders)
        bare_taken = fake.counts()
        fake.reset()
        load_before = os.getloadavg()
        seconds, outcomes = dispatch(app, args.senders)
        load_after = os.getloadavg()
        taken = fake.counts()
    report = audit(app)
    expected = {str(i) for i in range(1, args.messages + 1)}
    return {
        "backend": backend,
        "messages": args.messages,
        "senders": args.senders,
        "seconds": round(seconds, 3),
        "messages_per_second": round(args.messages / seconds, 1),
        "bare_messages": bare_messages,
        "bare_seconds": round(bare_seconds, 3),
        "bare_messages_per_second": round(bare_messages / bare_seconds, 1),
        "ratio_to_bare": round((args.messages / seconds) / (bare_messages / bare_seconds), 3),
        "bare_taken": sum(bare_taken.values()),
        "outcomes": dict(outcomes),
        "duplicates": sum(n - 1 for n in taken.values() if n > 1),
        "missing": len(expected - set(taken)),
        "unexpected": len(set(taken) - expected),
        "not_sent_in_database": args.messages - report["by_status"]["sent"],
        "uncertain_sends": report["uncertain_sends"],
        "load_average_before": load_before,
        "load_average_after": load_after,
    }


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def code_version() -> dict:
    def git(*command: str) -> str:
        # --no-optional-locks: never take the index lock from someone working in this tree.
        return subprocess.run(
            ["git", "--no-optional-locks", "-C", str(ROOT), *command],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}


def print_report(results: list[dict]) -> None:
    header = (
        f"{'backend':<11}{'messages':>9}{'senders':>8}{'seconds':>9}{'msg/s':>9}"
        f"{'bare msg/s':>11}{'ratio':>7}{'dupl.':>7}{'missing':>8}{'unsent':>7}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['backend']:<11}{r['messages']:>9}{r['senders']:>8}{r['seconds']:>9.2f}"
            f"{r['messages_per_second']:>9.0f}{r['bare_messages_per_second']:>11.0f}"
            f"{r['ratio_to_bare']:>7.2f}{r['duplicates']:>7}{r['missing']:>8}"
            f"{r['not_sent_in_database']:>7}"
        )


def main() -> int:
    args = parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = []
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="outbox-bench-")))
        pg_template = None
        if "postgresql" in backends:
            from tests.postgres_server import running_postgres

            pg_template = stack.enter_context(running_postgres())
        for backend in backends:
            print(f"{backend}: {args.messages} messages, {args.senders} senders...", flush=True)
            results.append(run_backend(backend, args, workdir, pg_template))
    print_report(results)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"outbox-{stamp}.json"
    document = {
        "settings": vars(args),
        "machine": machine(),
        "code": code_version(),
        "results": results,
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(f"Written to {path.relative_to(ROOT)}")
    bad = [r for r in results if r["duplicates"] or r["missing"] or r["not_sent_in_database"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
