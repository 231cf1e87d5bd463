"""Timetable benchmark: importing a big GTFS feed and answering the questions pages ask.

    .venv/bin/python benchmarks/timetables.py --backend both

On the Staten Island bus feed (805k stop_times) it measures, each step in a child process
of its own so that peak memory (ru_maxrss) is that step's alone:

1. our import (visits/timetables.py) into a fresh database: time, peak memory, rows;
2. the per-session alignment query (arrivals in a session's check-in window and ways home,
   what the choose-a-time page asks for each session, cold, with nothing cached), and the
   same for a page of 20 sessions;
3. journey planning (latest departure to the prison and the way home) from random stops;
4. gtfs-kit and partridge loading the same feed into pandas and answering the same
   arrivals question, for the time and memory ratios, and as a check that all three give
   the same answer.

Our import is paid once per feed, theirs on every process start: the ratios set the one
against the other. Wall times move with whatever else the machine runs, so CPU times of
the measuring process are given too (a PostgreSQL server's own CPU is not in them).
The prison is put 150 m from the feed's busiest stop (St George ferry terminal: 55 stops
within 800 m), a far heavier place than any prison's stops. A table is printed and JSON
written under benchmarks/results/.
"""

import argparse
import json
import math
import os
import platform
import random
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_FEED = ROOT.parent / "shared" / "data" / "gtfs" / "mta_bus_si_2026.zip"
sys.path.insert(0, str(ROOT))

# The question every tool answers: calls that set down within WALK metres of a point on DAY
# between FROM and TO (feed local time), trips' first stops excluded.
DAY = date(2026, 10, 7)  # a Wednesday inside the feed's September 2026 timetable
WINDOW = ("12:30:00", "13:40:00")
WALK = 800
# Sessions at 19:00 London time are 14:00 in New York, where the feed's buses run.
SESSION_START, SESSION_END = clock(19, 0), clock(21, 0)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--feed", type=Path, default=DEFAULT_FEED)
    add("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    add("--queries", type=int, default=40, help="timed alignment queries (default 40)")
    add("--journeys", type=int, default=20, help="timed journeys each way (default 20)")
    add("--skip-others", action="store_true", help="do not run gtfs-kit and partridge")
    add("--seed", type=int, default=1)
    add("--child", help=argparse.SUPPRESS)
    add("--database", help=argparse.SUPPRESS)
    return parser.parse_args()


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mib(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def reset_peak() -> bool:
    """Start Linux's peak resident size (VmHWM) again from the current size, so that a
    step's own peak shows apart from what starting the app took."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def cpu_seconds() -> float:
    # CPU time of this process: steadier than wall time when other work shares the machine
    # (but a PostgreSQL server's own work is not in it).
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p95_ms": round(
            1000 * ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)], 2
        ),
        "max_ms": round(1000 * ordered[-1], 2),
        "n": len(ordered),
    }


# Child processes -------------------------------------------------------------------------


def _app(database: str):
    from app import create_app, db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "benchmark"})
    with app.app_context():
        db.create_all()
    return app


def child_import(args) -> dict:
    from app import db
    from visits.timetables import import_feed

    app = _app(args.database)
    with app.app_context():
        before = peak_mib()
        resident_before, reset = _status_mib("VmRSS"), reset_peak()
        started, cpu = time.perf_counter(), cpu_seconds()
        report = import_feed(args.feed)
        db.session.commit()
        seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds() - cpu, 2),
        "peak_mib": round(peak_mib(), 1),
        "peak_mib_before_import": round(before, 1),
        "resident_mib_before_import": resident_before,
        "peak_resident_mib_during_import": _status_mib("VmHWM") if reset else None,
        "stop_times": report.counts["stop times"],
        "trips": report.counts["trips"],
        "stops": report.counts["stops"],
        "problems": report.problem_total,
    }


def _busiest_stop():
    import sqlalchemy as sa

    from app import db
    from visits.transport_models import TransitStop, TransitStopTime

    stop_id = db.session.scalar(
        sa.select(TransitStopTime.stop_id)
        .group_by(TransitStopTime.stop_id)
        .order_by(sa.func.count().desc())
        .limit(1)
    )
    return db.session.get(TransitStop, stop_id)


def child_queries(args) -> dict:
    import sqlalchemy as sa

    from app import db
    from visits.journey_planner import plan_home, plan_to_prison
    from visits.models import Nation, Prison, VisitSession
    from visits.timetables import link_prison_stops
    from visits.transport import fits_for_sessions, hints_for_sessions, linked_stops, prison_day
    from visits.transport_models import TransitStop

    app = _app(args.database)
    rng = random.Random(args.seed)
    with app.app_context():
        busiest = _busiest_stop()
        # A prison 150 m north of the busiest stop.
        prison = Prison(
            slug="bench",
            name="HMP Benchmark",
            nation=Nation.ENGLAND,
            address="",
            postcode="",
            latitude=busiest.latitude + 0.00135,
            longitude=busiest.longitude,
        )
        db.session.add(prison)
        db.session.flush()
        link_prison_stops(prison)
        sessions = []
        for offset in range(28):
            sessions.append(
                VisitSession(
                    prison_id=prison.id,
                    date=DAY + timedelta(days=offset),
                    start_time=SESSION_START,
                    end_time=SESSION_END,
                    open_tables=10,
                )
            )
        db.session.add_all(sessions)
        db.session.commit()
        stops = linked_stops(prison.id)

        per_session, page, cpu_per_session = [], [], []
        for _ in range(args.queries):
            session = rng.choice(sessions)
            db.session.expire_all()
            started, cpu = time.perf_counter(), time.process_time()
            fits_for_sessions(prison, [session])
            per_session.append(time.perf_counter() - started)
            cpu_per_session.append(time.process_time() - cpu)
        cpu_page = []
        for _ in range(max(3, args.queries // 8)):
            db.session.expire_all()
            started, cpu = time.perf_counter(), time.process_time()
            hints_for_sessions(prison, sessions[:20])  # what the choose-a-time page asks
            page.append(time.perf_counter() - started)
            cpu_page.append(time.process_time() - cpu)
        fit = fits_for_sessions(prison, [sessions[0]])[sessions[0].id]

        # The comparison question, from the same rows the pages read.
        day = prison_day(prison, DAY)
        low, high = (clock.fromisoformat(t) for t in WINDOW)
        new_york = __import__("zoneinfo").ZoneInfo("America/New_York")
        arrivals = [c for c in day.arrivals if low <= c.at.astimezone(new_york).time() <= high]

        origins = db.session.scalars(
            sa.select(TransitStop.id).where(TransitStop.id.not_in([s.pk for s in stops]))
        ).all()
        there, home, found_there, found_home, changes = [], [], 0, 0, []
        cpu_there, cpu_home = [], []
        weekday = sessions[0]
        for _ in range(args.journeys):
            origin = rng.choice(origins)
            db.session.expire_all()
            started, cpu = time.perf_counter(), time.process_time()
            journey = plan_to_prison(prison, weekday, origin)
            there.append(time.perf_counter() - started)
            cpu_there.append(time.process_time() - cpu)
            found_there += journey is not None
            if journey:
                changes.append(journey.changes)
            started, cpu = time.perf_counter(), time.process_time()
            found_home += plan_home(prison, weekday, origin) is not None
            home.append(time.perf_counter() - started)
            cpu_home.append(time.process_time() - cpu)
        return {
            "prison_stops": len(stops),
            "session_fit_example": {
                "arrivals": len(fit.arrivals),
                "ways_home": len(fit.departures),
                "score": fit.score,
            },
            "alignment_one_session": percentiles(per_session),
            "alignment_one_session_cpu": percentiles(cpu_per_session),
            "choose_time_page_20_sessions": percentiles(page),
            "choose_time_page_20_sessions_cpu": percentiles(cpu_page),
            "arrivals_answer": len(arrivals),
            "journey_there": {**percentiles(there), "found": found_there},
            "journey_there_cpu": percentiles(cpu_there),
            "journey_home": {**percentiles(home), "found": found_home},
            "journey_home_cpu": percentiles(cpu_home),
            "journey_changes": dict(sorted({c: changes.count(c) for c in changes}.items())),
            "point": [prison.latitude, prison.longitude],
            "peak_mib": round(peak_mib(), 1),
        }


def _pandas_question(stops, stop_times, point, seconds_column=False) -> int:
    """Arrivals within WALK of point, in WINDOW, setting down, not at a trip's first stop."""
    import numpy as np

    lat, lon = (np.radians(v) for v in point)
    s_lat, s_lon = (
        np.radians(stops.stop_lat.astype(float)),
        np.radians(stops.stop_lon.astype(float)),
    )
    h = (
        np.sin((s_lat - lat) / 2) ** 2
        + np.cos(lat) * np.cos(s_lat) * np.sin((s_lon - lon) / 2) ** 2
    )
    near = set(stops.stop_id[2 * 6_371_000 * np.arcsin(np.sqrt(h)) <= WALK])
    calls = stop_times[stop_times.stop_id.isin(near)]
    first = stop_times.groupby("trip_id").stop_sequence.transform("min")
    calls = calls[calls.stop_sequence != first[calls.index]]
    drop_off = calls.drop_off_type.fillna(0).astype(int)
    calls = calls[drop_off != 1]
    if seconds_column:
        low, high = (
            int(sum(int(p) * m for p, m in zip(t.split(":"), (3600, 60, 1), strict=True)))
            for t in WINDOW
        )
        return int(((calls.arrival_time >= low) & (calls.arrival_time <= high)).sum())
    padded = calls.arrival_time.str.zfill(8)
    return int(((padded >= WINDOW[0]) & (padded <= WINDOW[1])).sum())


def child_gtfs_kit(args) -> dict:
    import gtfs_kit

    started, cpu = time.perf_counter(), cpu_seconds()
    feed = gtfs_kit.read_feed(args.feed, dist_units="km")
    loaded, loaded_cpu = time.perf_counter() - started, cpu_seconds() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    stop_times = feed.get_stop_times(DAY.strftime("%Y%m%d"))
    answer = _pandas_question(feed.stops, stop_times, json.loads(args.database))
    return {
        "seconds": round(loaded, 2),
        "cpu_seconds": round(loaded_cpu, 2),
        "question_ms": round(1000 * (time.perf_counter() - started), 1),
        "question_cpu_ms": round(1000 * (time.process_time() - cpu), 1),
        "arrivals_answer": answer,
        "peak_mib": round(peak_mib(), 1),
    }


def child_partridge(args) -> dict:
    import partridge

    started, cpu = time.perf_counter(), cpu_seconds()
    service_ids = partridge.read_service_ids_by_date(str(args.feed))[DAY]
    feed = partridge.load_feed(str(args.feed), view={"trips.txt": {"service_id": service_ids}})
    stop_times, stops = feed.stop_times, feed.stops  # loaded lazily: make them load now
    loaded, loaded_cpu = time.perf_counter() - started, cpu_seconds() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    answer = _pandas_question(stops, stop_times, json.loads(args.database), seconds_column=True)
    return {
        "seconds": round(loaded, 2),
        "cpu_seconds": round(loaded_cpu, 2),
        "question_ms": round(1000 * (time.perf_counter() - started), 1),
        "question_cpu_ms": round(1000 * (time.process_time() - cpu), 1),
        "arrivals_answer": answer,
        "peak_mib": round(peak_mib(), 1),
    }


CHILDREN = {
    "import": child_import,
    "queries": child_queries,
    "gtfs-kit": child_gtfs_kit,
    "partridge": child_partridge,
}


def run_child(name: str, args, database: str) -> dict:
    command = [sys.executable, __file__, "--child", name, "--feed", str(args.feed)]
    command += ["--database", database, "--seed", str(args.seed)]
    command += ["--queries", str(args.queries), "--journeys", str(args.journeys)]
    started = time.perf_counter()
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(time.perf_counter() - started, 2)
    return result


# The run -------------------------------------------------------------------------------------


def backend_urls(choice: str, stack):
    if choice in ("sqlite", "both"):
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="timetables-")))
        yield "sqlite", f"sqlite:///{folder / 'bench.db'}"
    if choice in ("postgresql", "both"):
        from tests.postgres_server import create_database, running_postgres

        template = stack.enter_context(running_postgres())
        yield "postgresql", create_database(template, f"timetables_{secrets.token_hex(4)}")


def ratio(theirs, ours):
    return round(theirs / ours, 2) if ours else None


def main():
    args = parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](args)))
        return
    if not args.feed.exists():
        raise SystemExit(f"{args.feed} not found")
    import contextlib

    results = {
        "feed": args.feed.name,
        "day": DAY.isoformat(),
        "window": WINDOW,
        "walk_metres": WALK,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
        },
        "backends": {},
    }
    with contextlib.ExitStack() as stack:
        for backend, url in backend_urls(args.backend, stack):
            print(f"[{backend}] importing {args.feed.name} ...", flush=True)
            imported = run_child("import", args, url)
            print(f"[{backend}] querying ...", flush=True)
            queried = run_child("queries", args, url)
            results["backends"][backend] = {"import": imported, "queries": queried}
    point = next(iter(results["backends"].values()))["queries"]["point"]
    if not args.skip_others:
        for name in ("gtfs-kit", "partridge"):
            print(f"[{name}] loading ...", flush=True)
            results[name] = run_child(name, args, json.dumps(point))
    results["machine"]["load_average_at_end"] = os.getloadavg()
    report(results)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"timetables-{stamp}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"\nWritten {path.relative_to(ROOT)}")


def report(results):
    rows = []
    others = [n for n in ("gtfs-kit", "partridge") if n in results]
    for backend, figures in results["backends"].items():
        imported, queried = figures["import"], figures["queries"]
        rows.append(
            (
                f"ours ({backend}): import",
                f"{imported['seconds']} s",
                f"{imported['peak_mib']} MiB peak",
                f"{imported['cpu_seconds']} s CPU; resident "
                f"{imported['resident_mib_before_import']} MiB before, peak "
                f"{imported['peak_resident_mib_during_import']} MiB during; "
                f"{imported['stop_times']} stop times, {imported['problems']} problems",
            )
        )
        one = queried["alignment_one_session"]
        page = queried["choose_time_page_20_sessions"]
        rows.append(
            (
                f"ours ({backend}): one session's fit",
                f"p50 {one['p50_ms']} ms",
                f"p95 {one['p95_ms']} ms",
                f"CPU p50 {queried['alignment_one_session_cpu']['p50_ms']} ms; "
                f"{queried['prison_stops']} stops linked",
            )
        )
        rows.append(
            (
                f"ours ({backend}): choose-time page, 20 sessions",
                f"p50 {page['p50_ms']} ms",
                f"p95 {page['p95_ms']} ms",
                f"CPU p50 {queried['choose_time_page_20_sessions_cpu']['p50_ms']} ms",
            )
        )
        for way in ("journey_there", "journey_home"):
            j = queried[way]
            rows.append(
                (
                    f"ours ({backend}): {way.replace('_', ' ')}",
                    f"p50 {j['p50_ms']} ms",
                    f"p95 {j['p95_ms']} ms",
                    f"CPU p50 {queried[way + '_cpu']['p50_ms']} ms; found {j['found']} of {j['n']}",
                )
            )
        rows.append((f"ours ({backend}): arrivals answer", str(queried["arrivals_answer"]), "", ""))
        for name in others:
            theirs = results[name]
            figures[f"ratios_vs_{name}"] = {
                "load_time_theirs_over_our_import": ratio(theirs["seconds"], imported["seconds"]),
                "load_cpu_theirs_over_our_import": ratio(
                    theirs["cpu_seconds"], imported["cpu_seconds"]
                ),
                "peak_memory_theirs_over_ours": ratio(theirs["peak_mib"], imported["peak_mib"]),
                "question_theirs_over_our_one_session_p50": ratio(
                    theirs["question_ms"], one["p50_ms"]
                ),
                "question_cpu_theirs_over_ours_p50": ratio(
                    theirs["question_cpu_ms"], queried["alignment_one_session_cpu"]["p50_ms"]
                ),
                "same_answer": theirs["arrivals_answer"] == queried["arrivals_answer"],
            }
    for name in others:
        theirs = results[name]
        rows.append(
            (
                f"{name}: load",
                f"{theirs['seconds']} s",
                f"{theirs['peak_mib']} MiB peak",
                f"{theirs['cpu_seconds']} s CPU; question {theirs['question_ms']} ms "
                f"(CPU {theirs['question_cpu_ms']} ms), answer {theirs['arrivals_answer']}",
            )
        )
    width = max(len(r[0]) for r in rows)
    print()
    for row in rows:
        print(f"{row[0]:<{width}}  {row[1]:>16}  {row[2]:>18}  {row[3]}")
    for backend, figures in results["backends"].items():
        for name in others:
            print(f"ratios {name} / ours ({backend}): {figures[f'ratios_vs_{name}']}")


if __name__ == "__main__":
    main()
