"""Release-day booking benchmark: many families at once, fewer places than families.

For each database backend this makes a fresh database (schema from the migrations),
one prison with a week of sessions (and a warm-up prison), runs the real app under
gunicorn on 127.0.0.1 and sends families through the whole booking journey over HTTP,
as browsers would. It
then sends the same families to a bare endpoint (benchmarks/bare.py) that makes only
the booking's database writes, and compares the two. After each run it counts, from
the database, the sessions holding more bookings than tables (must be 0).

    .venv/bin/python benchmarks/release_day.py --backend both

Results are printed as a table and written as JSON under benchmarks/results/.
"""

import argparse
import contextlib
import functools
import io
import json
import math
import os
import platform
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import requests
from journeys import (
    FullSessions,
    Outcome,
    book_bare,
    book_through_pages,
    make_families,
    run_families,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
sys.path.insert(0, str(ROOT))  # the app's modules, imported where the database is set up

PRISON_SLUG = "release-day"
WARM_UP_SLUG = "warm-up"
HOLD_STEP = "POST /book/time"
CONFIRM_STEP = "POST /book/check"
BARE_STEP = "POST /book"
# Outcomes that mean the service (or this client) went wrong, not that places ran out.
FAILURES = ("http_error", "connection_error", "unexpected_page", "hold_lost", "client_error")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    add("--families", type=int, default=400, help="families in the run (default 400)")
    add("--concurrency", type=int, default=48, help="families booking at once (default 48)")
    add("--duration", type=float, default=150, help="start no family after this many seconds")
    add("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    add("--threads", type=int, default=4, help="gthreads per worker (default 4)")
    add("--days", type=int, default=7, help="days of sessions (default 7)")
    add("--sessions-per-day", type=int, default=2, choices=range(1, 6), metavar="1-5")
    add("--tables", type=int, default=10, help="open tables per session (default 10)")
    add("--retries", type=int, default=2, help="other times a family tries when one fills up")
    add("--timeout", type=float, default=30, help="seconds before a request counts as failed")
    add("--seed", type=int, default=1)
    add("--skip-bare", action="store_true", help="do not run the bare endpoint")
    return parser.parse_args()


# Database set-up and audit, with the app's own models ------------------------------------


def session_times(per_day: int) -> list[tuple[clock, clock]]:
    starts = [clock(9, 0), clock(11, 30), clock(14, 0), clock(16, 30), clock(19, 0)]
    return [(start, clock(start.hour + 2, start.minute)) for start in starts[:per_day]]


def prepare_database(url: str, args: argparse.Namespace) -> dict[str, list[int]]:
    """Migrate a fresh database and add the prisons and their sessions.

    The release-day prison has the places the families compete for; the warm-up prison,
    with room for everyone, lets each server warm up on real bookings before timing.
    Returns the session ids of each prison, by slug.
    """
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app, db
    from timeutil import local_today
    from visits.models import Nation, Prison, SessionTemplate, VisitSession
    from visits.sessions import ensure_sessions

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "set-up", "RATELIMIT_ENABLED": False}
    )
    sessions = {}
    with app.app_context():
        alembic_log = io.StringIO()
        try:
            with contextlib.redirect_stderr(alembic_log):
                upgrade(revision="heads")  # as `flask demo` does: every migration branch
        except (Exception, SystemExit):  # Flask-Migrate exits on a migration error
            print(alembic_log.getvalue(), file=sys.stderr)
            raise
        today = local_today()
        for slug, name, tables in [
            (PRISON_SLUG, "HMP Release Day", args.tables),
            (WARM_UP_SLUG, "HMP Warm Up", 100_000),
        ]:
            prison = Prison(
                slug=slug,
                name=name,
                nation=Nation.ENGLAND,
                address="1 Benchmark Road, Bristol",
                postcode="BS7 8PS",
                latitude=51.488,
                longitude=-2.589,
                phone="0117 372 3100",
                min_notice_days=2,
                max_advance_days=2 + args.days - 1,  # the booking window is exactly `days` long
            )
            db.session.add(prison)
            for weekday in range(7):
                for start, end in session_times(args.sessions_per_day):
                    db.session.add(
                        SessionTemplate(
                            prison=prison,
                            weekday=weekday,
                            start_time=start,
                            end_time=end,
                            open_tables=tables,
                            closed_tables=0,
                            people_places=None,
                            valid_from=today - timedelta(days=7),
                            valid_until=None,
                        )
                    )
            db.session.flush()
            ensure_sessions(prison, *prison.booking_window(today))
            sessions[slug] = db.session.scalars(
                sa.select(VisitSession.id)
                .where(VisitSession.prison_id == prison.id)
                .order_by(VisitSession.id)
            ).all()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return sessions


def audit_database(url: str, references: set[str]) -> dict:
    """Bookings per session against its tables, and the client's references against the rows."""
    import sqlalchemy as sa

    from visits.models import Prison, Visit, VisitSession, VisitStatus

    place_taking = [VisitStatus.BOOKED, VisitStatus.REQUESTED]
    release_day = sa.select(Prison.id).where(Prison.slug == PRISON_SLUG).scalar_subquery()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            # Every session, the warm-up prison's too, must hold no more visits than tables.
            per_session = connection.execute(
                sa.select(
                    VisitSession.prison_id == release_day,
                    VisitSession.open_tables,
                    sa.func.count(Visit.id),
                )
                .outerjoin(
                    Visit,
                    sa.and_(Visit.session_id == VisitSession.id, Visit.status.in_(place_taking)),
                )
                .group_by(VisitSession.id, VisitSession.prison_id, VisitSession.open_tables)
            ).all()
            statuses = dict(
                connection.execute(
                    sa.select(Visit.status, sa.func.count(Visit.id))
                    .where(Visit.prison_id == release_day)
                    .group_by(Visit.status)
                ).all()
            )
            booked_references = set(
                connection.scalars(
                    sa.select(Visit.reference).where(
                        Visit.prison_id == release_day, Visit.status.in_(place_taking)
                    )
                )
            )
    finally:
        engine.dispose()
    over = [booked - tables for _, tables, booked in per_session if booked > tables]
    return {
        "sessions": sum(1 for counted, _, _ in per_session if counted),
        "capacity": sum(tables for counted, tables, _ in per_session if counted),
        "visits_by_status": {str(status): count for status, count in statuses.items()},
        "booked": len(booked_references),
        "overbooked_sessions": len(over),
        "overbooked_places": sum(over),
        # A family saw a reference that is not booked, or a booking no family was told of.
        "confirmed_but_missing": len(references - booked_references),
        "booked_but_unconfirmed": len(booked_references - references),
    }


# Servers -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app_module: str, env: dict, args: argparse.Namespace, log_path: Path):
    """Serve app_module on 127.0.0.1 until the block ends; yields the base URL and its pid."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers),
        "--threads", str(args.threads),
        "--worker-class", "gthread",
        "--chdir", str(ROOT),
        "--pythonpath", str(ROOT),
        "--log-level", "warning",
        "--graceful-timeout", "5",
        app_module,
    ]  # fmt: skip
    with log_path.open("w") as log:
        server = subprocess.Popen(command, env={**os.environ, **env}, stdout=log, stderr=log)
    try:
        base_url = f"http://127.0.0.1:{port}"
        _wait_until_serving(base_url, server, log_path)
        yield base_url, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_serving(base_url: str, server: subprocess.Popen, log_path: Path) -> None:
    http = requests.Session()
    http.trust_env = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        with contextlib.suppress(requests.RequestException):  # workers may still be booting
            if http.get(base_url + "/", timeout=10).status_code < 500:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{log_path.read_text()[-3000:]}")


# CPU accounting (Linux /proc): who used the machine while the families were booking -------


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _tree_seconds(root_pid: int) -> float:
    """CPU seconds used by a process and its children (gunicorn's master and workers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid, rest = stat.read_text().split(" (", 1)
            fields = rest.rsplit(") ", 1)[1].split()
            if int(pid) == root_pid or int(fields[1]) == root_pid:  # fields[1]: parent pid
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def postmaster_pid(url: str) -> int | None:
    """The throwaway PostgreSQL server behind url, found by the port on its command line."""
    from sqlalchemy.engine import make_url

    port = make_url(url).port
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            words = cmdline.read_bytes().decode(errors="replace").split("\0")
            if Path(words[0]).name in ("postgres", "postmaster") and f"port={port}" in words:
                return int(cmdline.parent.name)
    return None


def cpu_snapshot(server_pid: int, database_pid: int | None) -> dict | None:
    if not Path("/proc/stat").exists():
        return None
    mine = os.times()
    return {
        "machine": _busy_seconds(),
        "server": _tree_seconds(server_pid),
        "database": _tree_seconds(database_pid) if database_pid else 0.0,
        "client": mine.user + mine.system,  # this process: the families' threads
    }


def cpu_used(before: dict | None, after: dict | None, seconds: float) -> dict:
    if before is None or after is None:
        return {}
    used = {name: after[name] - before[name] for name in before}
    ours = used["server"] + used["database"] + used["client"]
    used["other"] = max(0.0, used.pop("machine") - ours)
    return {f"{name}_cores": round(value / seconds, 2) for name, value in used.items()} | {
        "server_s": round(used["server"], 2)
    }


# Runs --------------------------------------------------------------------------------------


def percentiles(seconds: list[float]) -> dict:
    if not seconds:
        return {}
    ordered = sorted(seconds)

    def rank(p: float) -> float:  # nearest rank, in milliseconds
        return round(1000 * ordered[max(0, math.ceil(len(ordered) * p / 100) - 1)], 2)

    return {"count": len(ordered), "p50": rank(50), "p95": rank(95), "p99": rank(99)}


def summarise(outcomes: list[Outcome], started: float, ended: float, expected: set) -> dict:
    """Throughput, latencies and errors of one run. `expected` statuses are not errors."""
    samples = [sample for outcome in outcomes for sample in outcome.samples]
    booked = [o for o in outcomes if o.kind == "booked"]
    # Places run out: count throughput while they last, up to the last booking.
    selling = (max(o.finished_at for o in booked) if booked else ended) - started
    by_step: dict[str, list[float]] = {}
    for sample in samples:
        by_step.setdefault(sample.step, []).append(sample.seconds)
    failures = [o for o in outcomes if o.kind in FAILURES]
    return {
        "outcomes": dict(Counter(o.kind for o in outcomes)),
        "booked": len(booked),
        "elapsed_s": round(ended - started, 2),
        "selling_s": round(selling, 2),
        "bookings_per_s": round(len(booked) / selling, 2) if selling > 0 else 0.0,
        "requests": len(samples),
        "requests_per_s": round(len(samples) / (ended - started), 1),
        "journeys_per_s": round(len(outcomes) / (ended - started), 2),
        "journey_ms": percentiles([o.seconds for o in booked]),
        "steps_ms": {step: percentiles(values) for step, values in sorted(by_step.items())},
        "http_5xx": sum(1 for s in samples if s.status is not None and s.status >= 500),
        "http_4xx": sum(
            1
            for s in samples
            if s.status is not None and 400 <= s.status < 500 and s.status not in expected
        ),
        "connection_errors": sum(1 for s in samples if s.status is None),
        "failed_journeys": len(failures),
        "failure_examples": sorted({o.detail for o in failures})[:5],
    }


def run_target(
    name: str, url: str, args: argparse.Namespace, families: list, workdir: Path
) -> dict:
    """Set up a fresh database, serve `name` (ours or bare) on it and send the families."""
    sessions = prepare_database(url, args)
    env = {"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "INSECURE_HTTP": "1"}
    log_path = workdir / f"gunicorn-{name}-{secrets.token_hex(3)}.log"
    app_module = "benchmarks.wsgi:app" if name == "ours" else "benchmarks.bare:app"
    servers = args.workers * args.threads
    warm_up_families = make_families(2 * servers, seed=args.seed + 1)
    load_before = os.getloadavg()
    with gunicorn(app_module, env, args, log_path) as (base_url, server_pid):

        def journey_at(slug: str):
            if name == "ours":
                return functools.partial(
                    book_through_pages, base_url, slug, args.retries, args.timeout
                )
            return functools.partial(
                book_bare, base_url, sessions[slug], FullSessions(), args.retries, args.timeout
            )

        # Real bookings at the warm-up prison: every worker connects, compiles its queries
        # and templates, before the clock starts.
        warm_up, _, _ = run_families(journey_at(WARM_UP_SLUG), warm_up_families, servers, 60)
        if failed := [o.detail for o in warm_up if o.kind != "booked"]:
            raise RuntimeError(f"{name}: warm-up journeys failed: {failed[:3]}")
        journey = journey_at(PRISON_SLUG)
        expected = set() if name == "ours" else {409}
        database_pid = postmaster_pid(url) if url.startswith("postgresql") else None
        cpu_before = cpu_snapshot(server_pid, database_pid)
        outcomes, started, ended = run_families(journey, families, args.concurrency, args.duration)
        cpu_after = cpu_snapshot(server_pid, database_pid)
    summary = summarise(outcomes, started, ended, expected)
    summary["cpu"] = cpu = cpu_used(cpu_before, cpu_after, ended - started)
    if cpu:
        summary["server_cpu_ms_per_request"] = round(
            1000 * cpu["server_s"] / summary["requests"], 2
        )
        summary["server_cpu_ms_per_booking"] = round(
            1000 * cpu["server_s"] / max(1, summary["booked"]), 1
        )
    # Other work on the machine skews the figures: keep the evidence with them.
    summary["load_average"] = {"before": load_before, "after": os.getloadavg()}
    references = {o.reference for o in outcomes if o.reference}
    summary["database"] = audit_database(url, references)
    server_log = log_path.read_text()
    summary["server_log_tail"] = server_log[-2000:] if server_log.strip() else ""
    return summary


def new_database(backend: str, name: str, workdir: Path, postgres_template: str | None) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / name}.db"
    from tests.postgres_server import create_database

    return create_database(postgres_template, name)


def machine() -> dict:
    import gunicorn as gunicorn_package

    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "gunicorn": gunicorn_package.__version__,
    }


def code_version() -> dict:
    """The commit measured, and which app files differed from it (benchmarks/ aside)."""

    def git(*command: str) -> str:
        # --no-optional-locks: never take the index lock from someone working in this tree.
        return subprocess.run(
            ["git", "--no-optional-locks", "-C", str(ROOT), *command],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()

    changed = [line[3:] for line in git("status", "--porcelain").splitlines()]
    return {
        "commit": git("rev-parse", "HEAD"),
        "changed_files": [path for path in changed if not path.startswith("benchmarks/")],
    }


def postgres_version(template: str) -> str:
    import psycopg

    url = template.format(db="postgres").replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url) as connection:
        return connection.execute("SHOW server_version").fetchone()[0]


# Report ------------------------------------------------------------------------------------


def _ms(stats: dict) -> str:
    if not stats:
        return "-"
    return "/".join(
        f"{stats[p]:.0f}" if stats[p] >= 10 else f"{stats[p]:.1f}" for p in ("p50", "p95", "p99")
    )


def _row(summary: dict) -> dict[str, str]:
    steps, db = summary["steps_ms"], summary["database"]
    outcomes = summary["outcomes"]
    not_started = outcomes.get("not_started", 0)
    return {
        "families run (not started)": f"{sum(outcomes.values()) - not_started} ({not_started})",
        "booked / tables": f"{summary['booked']} / {db['capacity']}",
        "no times left / gave up": f"{outcomes.get('sold_out', 0)} / {outcomes.get('gave_up', 0)}",
        "completed bookings/s": f"{summary['bookings_per_s']:.1f}",
        "last booking after (s)": f"{summary['selling_s']:.1f}",
        "journeys/s (any outcome)": f"{summary['journeys_per_s']:.1f}",
        "HTTP requests/s": f"{summary['requests_per_s']:.0f}",
        "hold POST /book/time p50/95/99 ms": _ms(steps.get(HOLD_STEP, {})),
        "confirm POST /book/check p50/95/99 ms": _ms(steps.get(CONFIRM_STEP, {})),
        "bare POST /book p50/95/99 ms": _ms(steps.get(BARE_STEP, {})),
        "booked journey p50/95/99 ms": _ms(summary["journey_ms"]),
        "5xx / conn. errors / failed journeys": f"{summary['http_5xx']} / "
        f"{summary['connection_errors']} / {summary['failed_journeys']}",
        "overbooked sessions (database)": str(db["overbooked_sessions"]),
        "references missing / unconfirmed": f"{db['confirmed_but_missing']} / "
        f"{db['booked_but_unconfirmed']}",
        "CPU cores: server / PostgreSQL / client / other": " / ".join(
            str(summary["cpu"].get(f"{who}_cores", "-"))
            for who in ("server", "database", "client", "other")
        ),
        "server CPU ms per request": str(summary.get("server_cpu_ms_per_request", "-")),
        "server CPU ms per booking (all requests)": str(
            summary.get("server_cpu_ms_per_booking", "-")
        ),
    }


def ratios(ours: dict, bare: dict) -> dict:
    def ratio(a: float | None, b: float | None) -> float | None:
        return round(a / b, 3) if a and b else None

    def p50(summary: dict, step: str) -> float | None:
        return summary["steps_ms"].get(step, {}).get("p50")

    return {
        "throughput": ratio(ours["bookings_per_s"], bare["bookings_per_s"]),
        "hold_p50": ratio(p50(ours, HOLD_STEP), p50(bare, BARE_STEP)),
        "confirm_p50": ratio(p50(ours, CONFIRM_STEP), p50(bare, BARE_STEP)),
        "journey_p50": ratio(ours["journey_ms"].get("p50"), bare["journey_ms"].get("p50")),
    }


def print_report(results: dict) -> None:
    columns = {
        f"{backend} {name}": summary
        for backend, targets in results["backends"].items()
        for name, summary in targets.items()
        if name in ("ours", "bare")
    }
    rows = {label: _row(summary) for label, summary in columns.items()}
    metrics = list(next(iter(rows.values())))
    width = max(len(m) for m in metrics)
    widths = {
        label: max(len(label), *(len(v) for v in row.values())) for label, row in rows.items()
    }
    print()
    print(" " * width + "  " + "  ".join(label.rjust(widths[label]) for label in rows))
    for metric in metrics:
        cells = "  ".join(rows[label][metric].rjust(widths[label]) for label in rows)
        print(f"{metric.ljust(width)}  {cells}")
    print()
    for backend, targets in results["backends"].items():
        if r := targets.get("ours_over_bare"):
            shown = ", ".join(f"{k} {v if v is not None else '-'}" for k, v in r.items())
            print(f"{backend} ours/bare: {shown}")
    others = [
        summary["cpu"].get("other_cores", 0)
        for targets in results["backends"].values()
        for name, summary in targets.items()
        if name in ("ours", "bare")
    ]
    if max(others, default=0) > 0.2:
        print(f"Note: other processes used up to {max(others)} CPU cores during a run, out of")
        print(f"{results['machine']['cpus']}: the figures are lower than on a quiet machine.")


def problems(results: dict) -> list[str]:
    found = []
    for backend, targets in results["backends"].items():
        for name in ("ours", "bare"):
            summary = targets.get(name)
            if summary is None:
                continue
            db = summary["database"]
            errors = summary["http_5xx"] + summary["connection_errors"] + summary["failed_journeys"]
            if db["overbooked_sessions"]:
                found.append(f"{backend} {name}: {db['overbooked_sessions']} overbooked sessions")
            if errors:
                found.append(f"{backend} {name}: {errors} errors {summary['failure_examples']}")
            if db["confirmed_but_missing"] or db["booked_but_unconfirmed"]:
                found.append(f"{backend} {name}: references and database rows disagree")
    return found


def main() -> int:
    args = parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    families = make_families(args.families, args.seed)
    results = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "settings": vars(args),
        "machine": machine(),
        "code": code_version(),
        "backends": {},
    }
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="release-day-")))
        postgres = None
        if "postgresql" in backends:
            from tests.postgres_server import running_postgres

            postgres = stack.enter_context(running_postgres())
            results["machine"]["postgresql"] = postgres_version(postgres)
        for backend in backends:
            targets = results["backends"][backend] = {}
            for name in ("ours",) if args.skip_bare else ("ours", "bare"):
                url = new_database(backend, f"{name}_{secrets.token_hex(3)}", workdir, postgres)
                print(
                    f"{backend} {name}: {args.families} families, {args.concurrency} at once, "
                    f"gunicorn {args.workers}x{args.threads} ...",
                    flush=True,
                )
                targets[name] = summary = run_target(name, url, args, families, workdir)
                print(
                    f"  booked {summary['booked']} in {summary['selling_s']} s "
                    f"({summary['bookings_per_s']}/s), outcomes {summary['outcomes']}",
                    flush=True,
                )
            if "bare" in targets:
                targets["ours_over_bare"] = ratios(targets["ours"], targets["bare"])
    print_report(results)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"release_day-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nResults: {path.relative_to(ROOT)}")
    if found := problems(results):
        print("\nPROBLEMS:\n  " + "\n  ".join(found))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
