"""Importing GTFS timetables into the database.

Files are read row by row with the csv module and written in batches, so memory grows
with the number of stops and trips, never with stop_times.txt. Problems that lose a row
(or a trip) are counted and reported with examples; problems that make the feed unusable
(a missing file or column, no timezone) raise FeedError. A re-import replaces the feed's
rows in the caller's transaction: the caller commits once, or rolls back (as the import
command does on FeedError) and the old timetable stays whole.
"""

import csv
import hashlib
import io
import itertools
import math
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app import db
from visits.models import Prison
from visits.transport_models import (
    PrisonStop,
    PrisonTransport,
    TransitFeed,
    TransitRoute,
    TransitService,
    TransitServiceDay,
    TransitStop,
    TransitStopTime,
    TransitTransfer,
    TransitTrip,
)

BATCH_ROWS = 5000
EXAMPLES_PER_PROBLEM = 5
REQUIRED_FILES = ("agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt")
# Walks between stops that a journey may include when changing.
TRANSFER_METRES = 250
TRANSFERS_PER_STOP = 20
TRANSFER_METRES_PER_MINUTE = 80
EARTH_RADIUS_METRES = 6_371_000
NO_SERVICE = 1  # pickup_type / drop_off_type: no pick-up or no drop-off here

TRANSPORT_DEFAULTS = {
    "max_walk_metres": 800,
    "walk_metres_per_minute": 80,
    "earliest_arrival_minutes": 90,
    "way_home_minutes": 120,
}


class FeedError(Exception):
    """The feed cannot be imported at all; nothing was changed."""


@dataclass
class ImportReport:
    feed_name: str
    skipped: bool = False
    counts: Counter = field(default_factory=Counter)
    problem_counts: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    notes: list[str] = field(default_factory=list)

    def problem(self, kind: str, where: str, detail: str = "") -> None:
        self.problem_counts[kind] += 1
        if len(self.examples[kind]) < EXAMPLES_PER_PROBLEM:
            self.examples[kind].append(f"{where}: {detail}" if detail else where)

    def merge(self, other: "ImportReport") -> None:
        for kind, number in other.problem_counts.items():
            self.problem_counts[kind] += number
            room = EXAMPLES_PER_PROBLEM - len(self.examples[kind])
            self.examples[kind] += other.examples[kind][:room]

    @property
    def problem_total(self) -> int:
        return sum(self.problem_counts.values())

    def problem_lines(self) -> list[str]:
        lines = []
        for kind, number in sorted(self.problem_counts.items()):
            lines.append(f"{kind}: {number}")
            lines += [f"    {example}" for example in self.examples[kind]]
        return lines


def haversine_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(min(1.0, math.sqrt(h)))


def parse_time(text: str) -> int:
    """GTFS H:MM:SS (hours may pass 24) to seconds; ValueError if it is not one."""
    hours, minutes, seconds = text.split(":")
    if not (hours.isdigit() and minutes.isdigit() and seconds.isdigit()):
        raise ValueError(text)
    if len(minutes) != 2 or len(seconds) != 2 or int(minutes) > 59 or int(seconds) > 59:
        raise ValueError(text)
    if int(hours) > 72:  # no service day runs three days on
        raise ValueError(text)
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds)


def parse_date(text: str) -> date:
    if len(text) != 8 or not text.isdigit():
        raise ValueError(text)
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def format_time(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


# Reading feeds -----------------------------------------------------------------------------


class FeedSource:
    """A GTFS feed in a zip file or a folder, its files found by name at any depth."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if self.path.is_dir():
            self.files = {p.name: p for p in sorted(self.path.rglob("*.txt"))}
        elif zipfile.is_zipfile(self.path):
            with zipfile.ZipFile(self.path) as archive:
                self.files = {
                    Path(info.filename).name: info.filename
                    for info in archive.infolist()
                    if info.filename.endswith(".txt") and not info.is_dir()
                }
        elif self.path.exists():
            raise FeedError(f"{self.path} is neither a zip file nor a folder")
        else:
            raise FeedError(f"{self.path} does not exist")

    def has(self, name: str) -> bool:
        return name in self.files

    def checksum(self) -> str:
        digest = hashlib.sha256()
        paths = [self.path] if self.path.is_file() else [self.files[n] for n in sorted(self.files)]
        for path in paths:
            digest.update(Path(path).name.encode())
            with open(path, "rb") as data:
                while chunk := data.read(1 << 20):
                    digest.update(chunk)
        return digest.hexdigest()

    def size(self, name: str) -> int:
        if self.path.is_dir():
            return self.files[name].stat().st_size
        with zipfile.ZipFile(self.path) as archive:
            return archive.getinfo(self.files[name]).file_size

    def rows(self, name: str, progress: Callable[[int], None] | None = None) -> Iterator[list]:
        """The header (stripped names) and then each row, as lists of stripped strings."""
        if self.path.is_dir():
            raw = open(self.files[name], "rb")  # noqa: SIM115 - closed below
        else:
            archive = zipfile.ZipFile(self.path)
            raw = archive.open(self.files[name])
        try:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reported = 0
            for number, row in enumerate(csv.reader(text)):
                yield [value.strip() for value in row]
                if progress and number % 2000 == 0:
                    position = raw.tell()
                    progress(position - reported)
                    reported = position
            if progress:
                progress(self.size(name) - reported)
        finally:
            raw.close()
            if not self.path.is_dir():
                archive.close()

    def records(self, name: str, report: ImportReport) -> Iterator[tuple[int, dict]]:
        """(line number, {column: value}) for each row of an optional or required file."""
        if not self.has(name):
            return
        rows = self.rows(name)
        header = next(rows, None)
        if header is None:
            return
        for number, row in enumerate(rows, start=2):
            if not any(row):
                continue
            if len(row) != len(header):
                report.problem(f"{name}: wrong number of columns", f"line {number}")
                continue
            yield number, dict(zip(header, row, strict=True))


# Importing ---------------------------------------------------------------------------------


def import_feed(
    path: Path,
    name: str | None = None,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import (or replace) one feed and link its stops to every prison. Does not commit."""
    source = FeedSource(path)
    name = name or Path(path).name.removesuffix(".zip")
    report = ImportReport(name)
    missing = [f for f in REQUIRED_FILES if not source.has(f)]
    if not source.has("calendar.txt") and not source.has("calendar_dates.txt"):
        missing.append("calendar.txt or calendar_dates.txt")
    if missing:
        raise FeedError(f"{name}: missing {', '.join(missing)}")
    checksum = source.checksum()
    feed = db.session.scalar(sa.select(TransitFeed).where(TransitFeed.name == name))
    if feed is not None and feed.checksum == checksum and not force:
        report.skipped = True
        return report
    timezone = _feed_timezone(source, report)

    if feed is None:
        feed = TransitFeed(name=name, source="", checksum="", timezone="")
        db.session.add(feed)
        db.session.flush()
    else:
        clear_feed(feed.id)
    feed.source, feed.checksum, feed.timezone = str(path)[:500], checksum, timezone.key

    stops = _import_stops(source, feed.id, report)
    routes = _import_routes(source, feed.id, report)
    services = _import_services(source, feed.id, report)
    frequencies = _read_frequencies(source, report)
    trips, templates = _import_trips(source, feed.id, routes, services, frequencies, report)
    _import_stop_times(source, trips, templates, stops, frequencies, feed.id, report, progress)
    _import_transfers(feed.id)

    first, last = db.session.execute(
        sa.select(sa.func.min(TransitServiceDay.date), sa.func.max(TransitServiceDay.date)).where(
            TransitServiceDay.feed_id == feed.id,
            TransitServiceDay.service_id.in_(
                sa.select(TransitTrip.service_id).where(TransitTrip.feed_id == feed.id)
            ),
        )
    ).one()
    feed.first_date, feed.last_date = first, last
    feed.estimate_week = last_full_week(first, last)
    if first is None:
        report.problem("no service days", "calendar", "no trip runs on any day")
    feed.stop_count = report.counts["stops"]
    feed.trip_count = report.counts["trips"]
    feed.stop_time_count = report.counts["stop times"]
    feed.problem_count = report.problem_total
    feed.problems = "\n".join(report.problem_lines())
    db.session.flush()
    for table in ("transit_stop_time", "transit_service_day", "transit_trip"):
        # Fresh statistics, so the query planners know how big the new timetable is.
        db.session.execute(sa.text(f"ANALYZE {table}"))
    for prison in db.session.scalars(sa.select(Prison)):
        report.counts["prison stops"] += link_prison_stops(prison, [feed])
    return report


def last_full_week(first: date | None, last: date | None) -> date | None:
    """The Monday of the last Monday-to-Sunday week within first..last."""
    if first is None or last is None:
        return None
    sunday = last - timedelta(days=(last.weekday() + 1) % 7)
    monday = sunday - timedelta(days=6)
    return monday if monday >= first else None


def clear_feed(feed_id: int) -> None:
    trips = sa.select(TransitTrip.id).where(TransitTrip.feed_id == feed_id)
    stops = sa.select(TransitStop.id).where(TransitStop.feed_id == feed_id)
    db.session.execute(sa.delete(TransitStopTime).where(TransitStopTime.trip_id.in_(trips)))
    db.session.execute(
        sa.delete(TransitTransfer).where(
            sa.or_(TransitTransfer.from_stop_id.in_(stops), TransitTransfer.to_stop_id.in_(stops))
        )
    )
    for model in (TransitTrip, TransitServiceDay):
        db.session.execute(sa.delete(model).where(model.feed_id == feed_id))
    for model in (TransitService, TransitRoute, TransitStop):
        db.session.execute(sa.delete(model).where(model.feed_id == feed_id))


def _feed_timezone(source: FeedSource, report: ImportReport) -> ZoneInfo:
    zones = [row.get("agency_timezone", "") for _n, row in source.records("agency.txt", report)]
    named = [z for z in zones if z]
    if not named:
        raise FeedError(f"{report.feed_name}: agency.txt gives no agency_timezone")
    if len(set(named)) > 1:
        report.problem("agencies in different timezones", "agency.txt", f"using {named[0]}")
    try:
        return ZoneInfo(named[0])
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise FeedError(f"{report.feed_name}: unknown timezone {named[0]!r}") from error


def _insert(model, rows: list[dict]) -> None:
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        _copy_rows(connection, model.__table__.name, rows)
    else:
        connection.execute(model.__table__.insert(), rows)
    rows.clear()


def _copy_rows(connection, table: str, rows: list[dict]) -> None:
    """PostgreSQL's COPY, in the session's own transaction: several times faster than
    INSERT for the hundreds of thousands of stop times of a big feed."""
    from psycopg import sql

    columns = list(rows[0])
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


def _import_stops(source, feed_id, report) -> dict[str, int]:
    batch, seen, stations = [], set(), 0
    for number, row in source.records("stops.txt", report):
        stop_id = row.get("stop_id", "")
        where = f"stops.txt line {number}"
        if not stop_id:
            report.problem("stop without stop_id", where)
            continue
        if row.get("location_type", "") not in ("", "0"):
            stations += 1
            continue
        if stop_id in seen:
            report.problem("duplicate stop_id", where, stop_id)
            continue
        try:
            latitude, longitude = float(row["stop_lat"]), float(row["stop_lon"])
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise ValueError
        except (KeyError, ValueError):
            report.problem("stop without a usable position", where, stop_id)
            continue
        name = row.get("stop_name", "") or row.get("stop_code", "") or stop_id
        seen.add(stop_id)
        batch.append(
            {
                "feed_id": feed_id,
                "stop_id": stop_id[:255],
                "code": row.get("stop_code", "")[:64],
                "name": name[:255],
                "search_name": name.lower()[:255],
                "latitude": latitude,
                "longitude": longitude,
            }
        )
        if len(batch) >= BATCH_ROWS:
            _insert(TransitStop, batch)
    _insert(TransitStop, batch)
    report.counts["stops"] = len(seen)
    if stations:
        report.notes.append(f"{stations} stations, entrances and other places left out")
    return dict(
        db.session.execute(
            sa.select(TransitStop.stop_id, TransitStop.id).where(TransitStop.feed_id == feed_id)
        ).all()
    )


def _import_routes(source, feed_id, report) -> dict[str, int]:
    batch, seen = [], set()
    for number, row in source.records("routes.txt", report):
        route_id = row.get("route_id", "")
        where = f"routes.txt line {number}"
        if not route_id or route_id in seen:
            report.problem("missing or duplicate route_id", where, route_id)
            continue
        try:
            route_type = int(row.get("route_type", ""))
        except ValueError:
            report.problem("bad route_type (taken as bus)", where, row.get("route_type", ""))
            route_type = 3
        seen.add(route_id)
        batch.append(
            {
                "feed_id": feed_id,
                "route_id": route_id[:255],
                "short_name": row.get("route_short_name", "")[:100],
                "long_name": row.get("route_long_name", "")[:255],
                "route_type": route_type,
            }
        )
    _insert(TransitRoute, batch)
    report.counts["routes"] = len(seen)
    return dict(
        db.session.execute(
            sa.select(TransitRoute.route_id, TransitRoute.id).where(TransitRoute.feed_id == feed_id)
        ).all()
    )


def _import_services(source, feed_id, report) -> dict[str, int]:
    """Services and the days each runs: calendar.txt weekly patterns, then the added and
    removed days of calendar_dates.txt (which may be the only file)."""
    weekly = {}
    weekday_columns = (
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    )
    for number, row in source.records("calendar.txt", report):
        where = f"calendar.txt line {number}"
        try:
            days = tuple(row[c] == "1" for c in weekday_columns)
            if any(row[c] not in ("0", "1") for c in weekday_columns):
                raise ValueError
            weekly[row["service_id"]] = (
                days,
                parse_date(row["start_date"]),
                parse_date(row["end_date"]),
            )
        except (KeyError, ValueError):
            report.problem("bad calendar row", where, row.get("service_id", ""))
    exceptions = defaultdict(dict)
    for number, row in source.records("calendar_dates.txt", report):
        try:
            kind = row["exception_type"]
            if kind not in ("1", "2") or not row["service_id"]:
                raise ValueError
            exceptions[row["service_id"]][parse_date(row["date"])] = kind == "1"
        except (KeyError, ValueError):
            report.problem("bad calendar_dates row", f"calendar_dates.txt line {number}")
    names = sorted(set(weekly) | set(exceptions))
    _insert(TransitService, [{"feed_id": feed_id, "service_id": n[:255]} for n in names])
    services = dict(
        db.session.execute(
            sa.select(TransitService.service_id, TransitService.id).where(
                TransitService.feed_id == feed_id
            )
        ).all()
    )
    batch = []
    for service_name in names:
        days = set()
        if service_name in weekly:
            pattern, start, end = weekly[service_name]
            day = start
            while day <= end:
                if pattern[day.weekday()]:
                    days.add(day)
                day += timedelta(days=1)
        for day, added in exceptions.get(service_name, {}).items():
            if added:
                days.add(day)
            else:
                days.discard(day)
        service_pk = services[service_name]
        batch += [{"service_id": service_pk, "date": d, "feed_id": feed_id} for d in days]
        report.counts["service days"] += len(days)
        if len(batch) >= BATCH_ROWS:
            _insert(TransitServiceDay, batch)
    _insert(TransitServiceDay, batch)
    return services


@dataclass(frozen=True)
class Frequency:
    start: int
    end: int
    headway: int
    exact: bool


def _read_frequencies(source, report) -> dict[str, list[Frequency]]:
    frequencies = defaultdict(list)
    for number, row in source.records("frequencies.txt", report):
        try:
            frequency = Frequency(
                parse_time(row["start_time"]),
                parse_time(row["end_time"]),
                int(row["headway_secs"]),
                row.get("exact_times", "") == "1",
            )
            if frequency.headway <= 0 or frequency.end <= frequency.start:
                raise ValueError
        except (KeyError, ValueError):
            report.problem("bad frequencies row", f"frequencies.txt line {number}")
            continue
        frequencies[row["trip_id"]].append(frequency)
    return frequencies


@dataclass(frozen=True)
class TripInfo:
    pk: int | None  # None for a frequencies.txt pattern, stored only as its runs
    service: int
    route: int
    headsign: str


def _import_trips(source, feed_id, routes, services, frequencies, report):
    batch, trips, templates = [], {}, {}
    for number, row in source.records("trips.txt", report):
        trip_id = row.get("trip_id", "")
        where = f"trips.txt line {number}"
        if not trip_id or trip_id in trips or trip_id in templates:
            report.problem("missing or duplicate trip_id", where, trip_id)
            continue
        route, service = routes.get(row.get("route_id", "")), services.get(row.get("service_id"))
        if route is None:
            report.problem("trip with unknown route_id", where, row.get("route_id", ""))
            continue
        if service is None:
            report.problem("trip with unknown service_id", where, row.get("service_id", ""))
            continue
        headsign = row.get("trip_headsign", "")[:255]
        if trip_id in frequencies:
            templates[trip_id] = TripInfo(None, service, route, headsign)
            continue
        trips[trip_id] = TripInfo(None, service, route, headsign)
        batch.append(
            {
                "feed_id": feed_id,
                "trip_id": trip_id[:255],
                "route_id": route,
                "service_id": service,
                "headsign": headsign,
                "headway_secs": None,
            }
        )
        if len(batch) >= BATCH_ROWS:
            _insert(TransitTrip, batch)
    _insert(TransitTrip, batch)
    for trip_id in frequencies.keys() - templates.keys():
        report.problem("frequencies for an unknown trip_id", "frequencies.txt", trip_id)
    pks = dict(
        db.session.execute(
            sa.select(TransitTrip.trip_id, TransitTrip.id).where(TransitTrip.feed_id == feed_id)
        ).all()
    )
    trips = {t: TripInfo(pks[t[:255]], i.service, i.route, i.headsign) for t, i in trips.items()}
    return trips, templates


@dataclass
class Call:
    sequence: int
    stop: int
    arrival: int | None
    departure: int | None
    pickup: int
    drop_off: int
    distance: float | None


def _import_stop_times(source, trips, templates, stops, frequencies, feed_id, report, progress):
    writer = _StopTimeWriter(report)
    template_calls: dict[str, list[Call]] = {}
    finished: set[str] = set()
    regroup: set[str] = set()
    current, calls = None, []
    # A trip's problems count once it is known whole: its calls may come back later.
    trip_problems: dict[str, ImportReport] = {}

    def finish(trip_id, trip_calls):
        finished.add(trip_id)
        if trip_id not in trips and trip_id not in templates:
            return  # its rows were reported one by one
        problems = ImportReport(report.feed_name)
        cleaned = _clean_trip(trip_id, trip_calls, problems)
        trip_problems[trip_id] = problems
        if not problems.problem_total:
            del trip_problems[trip_id]
        if cleaned is None:
            return
        if trip_id in templates:
            template_calls[trip_id] = cleaned
        else:
            writer.add(trips[trip_id], cleaned)

    rows = source.rows("stop_times.txt", progress)
    header = next(rows, [])
    columns = {name: index for index, name in enumerate(header)}
    needed = ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence")
    if any(c not in columns for c in needed):
        missing = ", ".join(c for c in needed if c not in columns)
        raise FeedError(f"{report.feed_name}: stop_times.txt has no {missing} column")
    trip_i, arr_i, dep_i, stop_i, seq_i = (columns[c] for c in needed)
    pickup_i, drop_i = columns.get("pickup_type"), columns.get("drop_off_type")
    dist_i = columns.get("shape_dist_traveled")
    width = len(header)
    for number, row in enumerate(rows, start=2):
        if len(row) != width:
            if any(row):
                report.problem("stop_times.txt: wrong number of columns", f"line {number}")
            continue
        trip_id = row[trip_i]
        if trip_id != current:
            if current is not None and current not in regroup:
                finish(current, calls)
            current, calls = trip_id, []
            if trip_id in finished:
                # stop_times.txt is not grouped by trip: this trip is read again at the end.
                regroup.add(trip_id)
        if trip_id in regroup:
            continue
        call = _read_call(
            row,
            number,
            trip_id,
            trips,
            templates,
            stops,
            report,
            columns=(arr_i, dep_i, stop_i, seq_i, pickup_i, drop_i, dist_i),
        )
        if call is not None:
            calls.append(call)
    if current is not None and current not in regroup:
        finish(current, calls)
    if regroup:
        for trip_id in regroup:
            trip_problems.pop(trip_id, None)
        _regroup_trips(source, regroup, trips, templates, stops, report, writer, finish)
    for problems in trip_problems.values():
        report.merge(problems)
    for trip_id, cleaned in template_calls.items():
        _expand_frequencies(
            trip_id, templates[trip_id], frequencies[trip_id], cleaned, feed_id, writer
        )
    writer.flush()
    report.counts["trips"] = writer.trip_count
    report.counts["stop times"] = writer.count


def _read_call(row, number, trip_id, trips, templates, stops, report, columns) -> Call | None:
    arr_i, dep_i, stop_i, seq_i, pickup_i, drop_i, dist_i = columns
    where = f"stop_times.txt line {number}"
    if trip_id not in trips and trip_id not in templates:
        report.problem("stop time for an unknown or left-out trip_id", where, trip_id)
        return None
    stop = stops.get(row[stop_i])
    if stop is None:
        report.problem("stop time at an unknown stop_id (call left out)", where, row[stop_i])
        return None
    try:
        sequence = int(row[seq_i])
    except ValueError:
        report.problem("bad stop_sequence (call left out)", where, row[seq_i])
        return None
    times = []
    for index in (arr_i, dep_i):
        text = row[index]
        if not text:
            times.append(None)
            continue
        try:
            times.append(parse_time(text))
        except ValueError:
            report.problem("bad time (estimated from the stops around it)", where, text)
            times.append(None)
    kinds = []
    for index in (pickup_i, drop_i):
        value = row[index] if index is not None else ""
        if value not in ("", "0", "1", "2", "3"):
            report.problem("bad pickup_type or drop_off_type (taken as 0)", where, value)
            value = "0"
        kinds.append(int(value or 0))
    distance = None
    if dist_i is not None and row[dist_i]:
        try:
            distance = float(row[dist_i])
        except ValueError:
            distance = None
    return Call(sequence, stop, times[0], times[1], kinds[0], kinds[1], distance)


def _clean_trip(trip_id, calls: list[Call], report) -> list[Call] | None:
    """Calls in order with every time known, or None (reported) when the trip is unusable."""
    calls.sort(key=lambda c: c.sequence)
    unique = []
    for call in calls:
        if unique and unique[-1].sequence == call.sequence:
            report.problem("duplicate stop_sequence (second call left out)", trip_id)
            continue
        unique.append(call)
    if len(unique) < 2:
        report.problem("trip with fewer than two calls left out", trip_id)
        return None
    for call in unique:
        if call.arrival is None:
            call.arrival = call.departure
        if call.departure is None:
            call.departure = call.arrival
    if unique[0].arrival is None or unique[-1].arrival is None:
        report.problem("trip without a time at its first or last stop left out", trip_id)
        return None
    _interpolate(unique)
    previous = unique[0].arrival
    for call in unique:
        if call.arrival < previous or call.departure < call.arrival:
            report.problem("trip whose times go backwards left out", trip_id)
            return None
        previous = call.departure
    # Nobody gets off at a trip's first stop or on at its last, whatever the feed says.
    unique[0].drop_off = NO_SERVICE
    unique[-1].pickup = NO_SERVICE
    return unique


def _interpolate(calls: list[Call]) -> None:
    """Fill calls without times (allowed between timepoints) by distance, else evenly."""
    timed = [i for i, c in enumerate(calls) if c.arrival is not None]
    for left, right in itertools.pairwise(timed):
        if right - left < 2:
            continue
        start, end = calls[left].departure, calls[right].arrival
        distances = [c.distance for c in calls[left : right + 1]]
        use_distance = all(d is not None for d in distances) and distances[-1] > distances[0]
        for i in range(left + 1, right):
            if use_distance:
                share = (distances[i - left] - distances[0]) / (distances[-1] - distances[0])
            else:
                share = (i - left) / (right - left)
            calls[i].arrival = calls[i].departure = start + round(share * (end - start))


def _regroup_trips(source, regroup, trips, templates, stops, report, writer, finish):
    """Read again only the trips whose calls were scattered through stop_times.txt."""
    report.notes.append(f"stop_times.txt is not grouped by trip: {len(regroup)} trips regrouped")
    writer.flush()
    pks = [trips[t].pk for t in regroup if t in trips]
    for chunk in range(0, len(pks), 500):
        db.session.execute(
            sa.delete(TransitStopTime).where(TransitStopTime.trip_id.in_(pks[chunk : chunk + 500]))
        )
    writer.forget([trips[t].pk for t in regroup if t in trips])
    rows = source.rows("stop_times.txt")
    header = next(rows)
    columns = {name: index for index, name in enumerate(header)}
    names = ("arrival_time", "departure_time", "stop_id", "stop_sequence")
    indexes = (
        *(columns[n] for n in names),
        columns.get("pickup_type"),
        columns.get("drop_off_type"),
        columns.get("shape_dist_traveled"),
    )
    gathered = defaultdict(list)
    for number, row in enumerate(rows, start=2):
        trip_id = row[columns["trip_id"]] if len(row) == len(header) else None
        if trip_id in regroup:
            call = _read_call(row, number, trip_id, trips, templates, stops, report, indexes)
            if call is not None:
                gathered[trip_id].append(call)
    for trip_id in regroup:
        finish(trip_id, gathered.get(trip_id, []))


def _expand_frequencies(trip_id, info, frequencies, calls, feed_id, writer):
    """One trip per run of a frequencies.txt pattern; exact_times 0 runs keep their headway
    so they are shown as 'about every N minutes' and planned with the longest wait."""
    origin = calls[0].departure
    runs = []
    for frequency in frequencies:
        start = frequency.start
        while start < frequency.end:
            runs.append((start, None if frequency.exact else frequency.headway))
            start += frequency.headway
    rows = [
        {
            "feed_id": feed_id,
            "trip_id": f"{trip_id}@{format_time(start)}"[:255],
            "route_id": info.route,
            "service_id": info.service,
            "headsign": info.headsign,
            "headway_secs": headway,
        }
        for start, headway in runs
    ]
    for chunk in range(0, len(rows), BATCH_ROWS):
        part = rows[chunk : chunk + BATCH_ROWS]
        created = db.session.execute(
            sa.insert(TransitTrip).returning(TransitTrip.trip_id, TransitTrip.id),
            part,
        ).all()
        pks = dict(created)
        for row, (start, _headway) in zip(part, runs[chunk : chunk + BATCH_ROWS], strict=True):
            shift = start - origin
            shifted = [
                Call(
                    c.sequence,
                    c.stop,
                    c.arrival + shift,
                    c.departure + shift,
                    c.pickup,
                    c.drop_off,
                    None,
                )
                for c in calls
            ]
            writer.add(TripInfo(pks[row["trip_id"]], info.service, info.route, ""), shifted)


class _StopTimeWriter:
    def __init__(self, report):
        self.batch: list[dict] = []
        self.count = 0
        self.trip_count = 0
        self.report = report
        self.trips_written: dict[int, int] = {}

    def add(self, trip: TripInfo, calls: list[Call]) -> None:
        self.trip_count += 1
        self.trips_written[trip.pk] = len(calls)
        for c in calls:
            self.batch.append(
                {
                    "trip_id": trip.pk,
                    "stop_sequence": c.sequence,
                    "stop_id": c.stop,
                    "service_id": trip.service,
                    "arrival": c.arrival,
                    "departure": c.departure,
                    "pickup_type": c.pickup,
                    "drop_off_type": c.drop_off,
                }
            )
        self.count += len(calls)
        if len(self.batch) >= BATCH_ROWS:
            self.flush()

    def forget(self, trip_pks: list[int]) -> None:
        for pk in trip_pks:
            if pk in self.trips_written:
                self.count -= self.trips_written.pop(pk)
                self.trip_count -= 1

    def flush(self) -> None:
        _insert(TransitStopTime, self.batch)


def _import_transfers(feed_id: int) -> None:
    """Short walks from and to this feed's stops, to the nearest stops of every feed."""
    everything = db.session.execute(
        sa.select(TransitStop.id, TransitStop.feed_id, TransitStop.latitude, TransitStop.longitude)
    ).all()
    cell = TRANSFER_METRES / 111_000  # degrees of latitude
    grid = defaultdict(list)
    for stop in everything:
        grid[(int(stop.latitude // cell), int(stop.longitude // cell))].append(stop)
    pairs = {}
    for stop in everything:
        if stop.feed_id != feed_id:
            continue
        lat_cell, lon_cell = int(stop.latitude // cell), int(stop.longitude // cell)
        # Longitude cells shrink towards the poles: look wider there.
        reach = max(1, math.ceil(1 / max(0.05, math.cos(math.radians(stop.latitude)))))
        near = []
        for d_lat in (-1, 0, 1):
            for d_lon in range(-reach, reach + 1):
                for other in grid.get((lat_cell + d_lat, lon_cell + d_lon), ()):
                    if other.id == stop.id:
                        continue
                    metres = haversine_metres(
                        stop.latitude, stop.longitude, other.latitude, other.longitude
                    )
                    if metres <= TRANSFER_METRES:
                        near.append((metres, other.id))
        for metres, other in sorted(near)[:TRANSFERS_PER_STOP]:
            seconds = max(30, math.ceil(metres / TRANSFER_METRES_PER_MINUTE * 60))
            pairs[(stop.id, other)] = seconds
            pairs[(other, stop.id)] = seconds
    rows = [{"from_stop_id": a, "to_stop_id": b, "walk_seconds": s} for (a, b), s in pairs.items()]
    for chunk in range(0, len(rows), BATCH_ROWS):
        _insert(TransitTransfer, rows[chunk : chunk + BATCH_ROWS])


# Stops near prisons --------------------------------------------------------------------


def transport_settings(prison: Prison) -> PrisonTransport:
    found = db.session.get(PrisonTransport, prison.id)
    return found or PrisonTransport(prison_id=prison.id, **TRANSPORT_DEFAULTS)


def stops_near(latitude: float, longitude: float, metres: float, feed_ids=None):
    """(stop, distance in metres) within `metres` in a straight line, nearest first."""
    d_lat = metres / 111_000
    d_lon = metres / (111_000 * max(0.01, math.cos(math.radians(latitude))))
    query = sa.select(TransitStop).where(
        TransitStop.latitude.between(latitude - d_lat, latitude + d_lat),
        TransitStop.longitude.between(longitude - d_lon, longitude + d_lon),
    )
    if feed_ids is not None:
        query = query.where(TransitStop.feed_id.in_(feed_ids))
    found = [
        (stop, haversine_metres(latitude, longitude, stop.latitude, stop.longitude))
        for stop in db.session.scalars(query)
    ]
    return sorted(((s, d) for s, d in found if d <= metres), key=lambda pair: pair[1])


def link_prison_stops(prison: Prison, feeds=None) -> int:
    """Find the stops within walking distance of a prison again, keeping rows that staff
    have adjusted. Returns the number of stops linked."""
    settings = transport_settings(prison)
    feeds = feeds or db.session.scalars(sa.select(TransitFeed)).all()
    linked = 0
    for feed in feeds:
        kept = set(
            db.session.scalars(
                sa.select(PrisonStop.stop_id).where(
                    PrisonStop.prison_id == prison.id,
                    PrisonStop.feed_id == feed.id,
                    PrisonStop.adjusted.is_(True),
                )
            )
        )
        db.session.execute(
            sa.delete(PrisonStop).where(
                PrisonStop.prison_id == prison.id,
                PrisonStop.feed_id == feed.id,
                PrisonStop.adjusted.is_(False),
            )
        )
        for stop, metres in stops_near(
            prison.latitude, prison.longitude, settings.max_walk_metres, [feed.id]
        ):
            if stop.stop_id in kept:
                continue
            db.session.add(
                PrisonStop(
                    prison_id=prison.id,
                    feed_id=feed.id,
                    stop_id=stop.stop_id,
                    distance_metres=round(metres),
                    walk_minutes=max(1, math.ceil(metres / settings.walk_metres_per_minute)),
                    enabled=True,
                    adjusted=False,
                )
            )
            linked += 1
        linked += len(kept)
    db.session.flush()
    return linked


# Commands ----------------------------------------------------------------------------------

timetables_cli = click.Group("timetables", help="Public transport timetables (GTFS).")


@timetables_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--name", help="Feed name (one path only); the file name by default.")
@click.option("--force", is_flag=True, help="Import even if this exact feed is already in.")
@with_appcontext
def import_command(paths, name, force):
    """Import GTFS feeds (zip files or folders), each replacing the feed of the same name
    in one transaction, and link their stops to the prisons."""
    if name and len(paths) > 1:
        raise click.UsageError("--name needs exactly one path")
    failed = 0
    for path in paths:
        try:
            size = (
                FeedSource(path).size("stop_times.txt")
                if FeedSource(path).has("stop_times.txt")
                else 0
            )
            with click.progressbar(length=size, label=f"{path.name}: stop_times.txt") as bar:
                report = import_feed(path, name=name, force=force, progress=bar.update)
            db.session.commit()
        except FeedError as error:
            db.session.rollback()
            click.echo(f"Not imported: {error}", err=True)
            failed += 1
            continue
        click.echo(_report_text(report))
    if failed:
        raise SystemExit(1)


def _report_text(report: ImportReport) -> str:
    if report.skipped:
        return f"{report.feed_name}: already imported (use --force to import it again)."
    counts = ", ".join(f"{number} {what}" for what, number in report.counts.items())
    lines = [f"{report.feed_name}: imported {counts}."]
    lines += report.notes
    if report.problem_total:
        lines.append(f"{report.problem_total} problems (the rows named were left out or fixed):")
        lines += [f"  {line}" for line in report.problem_lines()]
    return "\n".join(lines)


@timetables_cli.command("link-stops")
@click.option("--prison", "slug", help="One prison (by slug); every prison by default.")
@click.option("--max-walk", type=click.IntRange(50, 5000), help="Metres in a straight line.")
@click.option("--walk-speed", type=click.IntRange(20, 200), help="Metres walked a minute.")
@with_appcontext
def link_stops_command(slug, max_walk, walk_speed):
    """Find the stops within walking distance of prisons again (staff changes are kept)."""
    query = sa.select(Prison).order_by(Prison.name)
    if slug:
        query = query.where(Prison.slug == slug)
    prisons = db.session.scalars(query).all()
    if not prisons:
        raise click.UsageError(f"No prison {slug!r}")
    for prison in prisons:
        if max_walk or walk_speed:
            settings = db.session.get(PrisonTransport, prison.id)
            if settings is None:
                settings = PrisonTransport(prison_id=prison.id, **TRANSPORT_DEFAULTS)
                db.session.add(settings)
            settings.max_walk_metres = max_walk or settings.max_walk_metres
            settings.walk_metres_per_minute = walk_speed or settings.walk_metres_per_minute
            db.session.flush()
        click.echo(f"{prison.name}: {link_prison_stops(prison)} stops")
    db.session.commit()


@timetables_cli.command("status")
@with_appcontext
def status_command():
    """The imported feeds, their dates, and which need refreshing."""
    from timeutil import local_today

    horizon = local_today() + timedelta(days=28)
    for feed in db.session.scalars(sa.select(TransitFeed).order_by(TransitFeed.name)):
        click.echo(
            f"{feed.name}: {feed.stop_count} stops, {feed.trip_count} trips, "
            f"{feed.stop_time_count} stop times, {feed.first_date} to {feed.last_date}, "
            f"{feed.problem_count} problems, imported {feed.imported_at:%Y-%m-%d %H:%M} UTC"
        )
        if feed.last_date is None or feed.last_date < horizon:
            week = feed.estimate_week
            click.echo(
                f"  Needs refreshing: times after {feed.last_date} are estimated from the "
                f"week of {week}."
                if week
                else "  Needs refreshing: no full week to estimate from."
            )


@timetables_cli.command("check")
@click.option("--prison", "slug", help="One prison (by slug); every prison by default.")
@with_appcontext
def check_command(slug):
    """How each bookable session fits the timetables: arrivals in the check-in window, ways
    home, a score out of 100, and sessions public transport cannot reach."""
    from timeutil import local_today
    from visits.sessions import sessions_in_window
    from visits.transport import fits_for_sessions

    query = sa.select(Prison).order_by(Prison.name)
    if slug:
        query = query.where(Prison.slug == slug)
    for prison in db.session.scalars(query):
        sessions = sessions_in_window(prison, local_today())
        fits = fits_for_sessions(prison, sessions)
        click.echo(f"{prison.name}:" + ("" if fits else " no stops linked"))
        for session in sessions if fits else []:
            fit = fits[session.id]
            flag = "" if fit.reachable else "  NOT REACHABLE BY PUBLIC TRANSPORT"
            estimate = " (estimated)" if fit.estimated else ""
            click.echo(
                f"  {session.date:%a %d %b} {session.start_time:%H:%M}: "
                f"{len(fit.arrivals)} arrivals, {len(fit.departures)} ways home, "
                f"score {fit.score}{estimate}{flag}"
            )


@timetables_cli.command("suggest")
@click.option("--prison", "slug", required=True, help="The prison (by slug).")
@with_appcontext
def suggest_command(slug):
    """Start times for each weekly session that more buses and trains fit, on its next day."""
    from timeutil import local_today
    from visits.models import SessionTemplate
    from visits.transport import suggest_start_times

    prison = db.session.scalar(sa.select(Prison).where(Prison.slug == slug))
    if prison is None:
        raise click.UsageError(f"No prison {slug!r}")
    templates = db.session.scalars(
        sa.select(SessionTemplate)
        .where(SessionTemplate.prison_id == prison.id)
        .order_by(SessionTemplate.weekday, SessionTemplate.start_time)
    )
    first = prison.booking_window(local_today())[0]
    for template in templates:
        day = first + timedelta(days=(template.weekday - first.weekday()) % 7)
        length = datetime.combine(day, template.end_time) - datetime.combine(
            day, template.start_time
        )
        suggestions = suggest_start_times(prison, day, length, current=template.start_time)
        ideas = "; ".join(
            f"{s.start:%H:%M} ({s.arrivals} arrivals, {s.departures} ways home, score {s.score})"
            for s in suggestions
        )
        click.echo(f"{day:%A} {template.start_time:%H:%M}: {ideas or 'no stops linked'}")
