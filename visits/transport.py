"""Public transport around visiting sessions: which buses and trains bring families in time
for check-in, which take them home, how well each session fits, and better start times.

Every query reads only the calls at the prison's own stops on the days asked for, through
the indexes on transit_stop_time; nothing loads a whole feed.
"""

import enum
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import db
from i18n import clock
from timeutil import LONDON
from visits.models import Prison, VisitSession
from visits.timetables import NO_SERVICE, transport_settings
from visits.transport_models import (
    PrisonStop,
    PrisonTransport,
    TransitFeed,
    TransitRoute,
    TransitServiceDay,
    TransitStop,
    TransitStopTime,
    TransitTrip,
)

# A session is a good fit with this many arrivals in its check-in window and as many ways home.
GOOD_NUMBER_OF_OPTIONS = 3
# What families are shown: a bus up to 3 hours before the start, a way home within 4 hours.
FAMILY_EARLIEST_MINUTES = 180
FAMILY_WAY_HOME_MINUTES = 240


class Mode(enum.StrEnum):
    BUS = "bus"
    COACH = "coach"
    TRAIN = "train"
    TRAM = "tram"
    METRO = "metro"
    FERRY = "ferry"
    OTHER = "other"


VEHICLE_WITH_ROUTE = {
    Mode.BUS: _l("Bus %(route)s"),
    Mode.COACH: _l("Coach %(route)s"),
    Mode.TRAIN: _l("Train %(route)s"),
    Mode.TRAM: _l("Tram %(route)s"),
    Mode.METRO: _l("Metro %(route)s"),
    Mode.FERRY: _l("Ferry %(route)s"),
    Mode.OTHER: _l("Service %(route)s"),
}
VEHICLE = {
    Mode.BUS: _l("Bus"),
    Mode.COACH: _l("Coach"),
    Mode.TRAIN: _l("Train"),
    Mode.TRAM: _l("Tram"),
    Mode.METRO: _l("Metro"),
    Mode.FERRY: _l("Ferry"),
    Mode.OTHER: _l("Service"),
}


def mode_of(route_type: int) -> Mode:
    basic = {0: Mode.TRAM, 1: Mode.METRO, 2: Mode.TRAIN, 3: Mode.BUS, 4: Mode.FERRY, 11: Mode.BUS}
    if route_type in basic:
        return basic[route_type]
    extended = [
        (100, Mode.TRAIN),
        (200, Mode.COACH),
        (400, Mode.METRO),
        (700, Mode.BUS),
        (900, Mode.TRAM),
        (1000, Mode.FERRY),
    ]
    for first, mode in extended:
        if first <= route_type < first + 100:
            return mode
    return Mode.OTHER


# Service days and moments ---------------------------------------------------------------


def service_origin(day: date, zone: ZoneInfo) -> datetime:
    """The moment GTFS times of a service day count from: noon minus 12 hours, which is
    midnight except on the days the clocks change."""
    return datetime.combine(day, time(12), tzinfo=zone).astimezone(UTC) - timedelta(hours=12)


def service_date_for(feed: TransitFeed, day: date) -> tuple[date, bool] | None:
    """The feed's day to read for `day`, and whether that is an estimate: after the feed's
    last day, the same weekday of its last full week."""
    if feed.first_date is None or day < feed.first_date:
        return None
    if day <= feed.last_date:
        return day, False
    if feed.estimate_week is not None:
        return feed.estimate_week + timedelta(days=day.weekday()), True
    last = feed.last_date - timedelta(days=(feed.last_date.weekday() - day.weekday()) % 7)
    return (last, True) if last >= feed.first_date else None


def feeds_needing_refresh(until: date) -> list[TransitFeed]:
    """Feeds whose timetable ends before `until` (the end of the booking window)."""
    return db.session.scalars(
        sa.select(TransitFeed)
        .where(sa.or_(TransitFeed.last_date.is_(None), TransitFeed.last_date < until))
        .order_by(TransitFeed.name)
    ).all()


# Calls at a prison's stops -----------------------------------------------------------------


@dataclass(frozen=True)
class StopCall:
    """A vehicle calling at a stop near the prison, at a moment (UTC)."""

    at: datetime
    trip: tuple[int, date]
    stop_name: str
    walk_minutes: int
    mode: Mode
    route: str
    headsign: str
    every_minutes: int | None
    estimated: bool

    @property
    def local(self) -> datetime:
        return self.at.astimezone(LONDON)

    @property
    def walk(self) -> timedelta:
        return timedelta(minutes=self.walk_minutes)

    @property
    def vehicle(self) -> str:
        if self.route:
            return str(VEHICLE_WITH_ROUTE[self.mode] % {"route": self.route})
        return str(VEHICLE[self.mode])


@dataclass
class PrisonDay:
    day: date
    linked: bool
    arrivals: list[StopCall] = field(default_factory=list)
    departures: list[StopCall] = field(default_factory=list)

    @property
    def estimated(self) -> bool:
        return any(c.estimated for c in self.arrivals + self.departures)

    def fastest_to_gate(self) -> list[StopCall]:
        """Per vehicle journey, the stop to get off at to reach the gate soonest (a bus
        passing two stops near the prison is one way to get there, not two)."""
        best: dict = {}
        for call in self.arrivals:
            known = best.get(call.trip)
            if known is None or call.at + call.walk < known.at + known.walk:
                best[call.trip] = call
        return list(best.values())

    def latest_from_gate(self) -> list[StopCall]:
        """Per vehicle journey, the stop that lets visitors leave the prison last."""
        best: dict = {}
        for call in self.departures:
            known = best.get(call.trip)
            if known is None or call.at - call.walk > known.at - known.walk:
                best[call.trip] = call
        return list(best.values())


@dataclass(frozen=True)
class LinkedStop:
    pk: int
    feed_id: int
    name: str
    walk_minutes: int
    latitude: float
    longitude: float


def linked_stops(prison_id: int) -> list[LinkedStop]:
    rows = db.session.execute(
        sa.select(TransitStop, PrisonStop.walk_minutes)
        .join(
            PrisonStop,
            sa.and_(
                PrisonStop.feed_id == TransitStop.feed_id,
                PrisonStop.stop_id == TransitStop.stop_id,
            ),
        )
        .where(PrisonStop.prison_id == prison_id, PrisonStop.enabled.is_(True))
        .order_by(PrisonStop.walk_minutes, TransitStop.name)
    ).all()
    return [LinkedStop(s.id, s.feed_id, s.name, walk, s.latitude, s.longitude) for s, walk in rows]


class CallCache:
    """Feeds and linked stops already read in this request."""

    def __init__(self):
        self.feeds: dict[int, TransitFeed] = {}
        self.stops: dict[int, list[LinkedStop]] = {}

    def feed(self, feed_id: int) -> TransitFeed:
        if feed_id not in self.feeds:
            self.feeds[feed_id] = db.session.get(TransitFeed, feed_id)
        return self.feeds[feed_id]

    def linked(self, prison_id: int) -> list[LinkedStop]:
        if prison_id not in self.stops:
            self.stops[prison_id] = linked_stops(prison_id)
        return self.stops[prison_id]


Window = tuple[datetime, datetime]  # from, to (UTC)


def _calls(feed_id: int, stop_pks, services, arriving, leaving) -> tuple[list, list]:
    """Calls at the stops by any of `services`: setting down with arrival times in
    `arriving`, picking up with departure times in `leaving` (seconds of a service day)."""
    base = (
        sa.select(
            TransitStopTime.stop_id,
            TransitStopTime.trip_id,
            TransitStopTime.service_id,
            TransitStopTime.arrival,
            TransitStopTime.departure,
            TransitTrip.headsign,
            TransitTrip.headway_secs,
            TransitRoute.short_name,
            TransitRoute.long_name,
            TransitRoute.route_type,
        )
        .join(TransitTrip, TransitTrip.id == TransitStopTime.trip_id)
        .join(TransitRoute, TransitRoute.id == TransitTrip.route_id)
        .where(
            TransitStopTime.stop_id.in_(stop_pks),
            # "+ 0" keeps both databases off the (service, departure) index, which would
            # read every call of the day's services: the (stop, arrival) index reads few.
            (TransitStopTime.service_id + 0).in_(services),
        )
    )
    arrivals = db.session.execute(
        base.where(
            TransitStopTime.arrival.between(*arriving),
            TransitStopTime.drop_off_type != NO_SERVICE,
        )
    ).all()
    departures = db.session.execute(
        base.where(
            # A bus waits at a stop for minutes, not hours: this keeps to the stop index.
            TransitStopTime.arrival.between(leaving[0] - 7200, leaving[1]),
            TransitStopTime.departure.between(*leaving),
            TransitStopTime.pickup_type != NO_SERVICE,
        )
    ).all()
    return arrivals, departures


def _by_service(rows, kind: str, stop_by_pk) -> dict[int, list]:
    """(seconds, trip, what a StopCall says) for each call, by service: each row is
    described once however many days it runs on."""
    found: dict[int, list] = {}
    for row in rows:
        stop = stop_by_pk[row.stop_id]
        details = {
            "stop_name": stop.name,
            "walk_minutes": stop.walk_minutes,
            "mode": mode_of(row.route_type),
            "route": row.short_name or row.long_name,
            "headsign": row.headsign,
            "every_minutes": row.headway_secs // 60 if row.headway_secs else None,
        }
        found.setdefault(row.service_id, []).append((getattr(row, kind), row.trip_id, details))
    return found


def _local_day(day: date) -> Window:
    return _moment(day, time(0)), _moment(day + timedelta(days=1), time(0)) - timedelta(seconds=1)


def prison_days(
    prison: Prison, windows: dict[date, tuple[Window, Window]], cache: CallCache | None = None
) -> dict[date, "PrisonDay"]:
    """For each day (local), the calls at the prison's enabled stops: arrivals within the
    day's first window, departures within its second, in time order. However many days are
    asked for, each feed is read with four indexed queries: calls by the days' services
    and, for journeys past midnight, by the services of the days before."""
    cache = cache or CallCache()
    stops = cache.linked(prison.id)
    result = {day: PrisonDay(day=day, linked=bool(stops)) for day in windows}
    by_feed: dict[int, list[LinkedStop]] = {}
    for stop in stops:
        by_feed.setdefault(stop.feed_id, []).append(stop)
    for feed_id, feed_stops in by_feed.items():
        feed = cache.feed(feed_id)
        zone = ZoneInfo(feed.timezone)
        stop_by_pk = {s.pk: s for s in feed_stops}
        for days_before in (1, 0):
            wanted = []  # (day, service day, feed day, estimated, origin, arrivals, departures)
            for day, (arriving, leaving) in windows.items():
                service_day = day - timedelta(days=days_before)
                resolved = service_date_for(feed, service_day)
                if resolved is None:
                    continue
                origin = service_origin(service_day, zone)
                arr, dep = (
                    tuple(int((m - origin).total_seconds()) for m in window)
                    for window in (arriving, leaving)
                )
                wanted.append((day, service_day, *resolved, origin, arr, dep))
            if not wanted:
                continue
            feed_days = {w[2] for w in wanted}
            runs: dict[date, set[int]] = {d: set() for d in feed_days}
            for service_id, feed_day in db.session.execute(
                sa.select(TransitServiceDay.service_id, TransitServiceDay.date).where(
                    TransitServiceDay.feed_id == feed_id, TransitServiceDay.date.in_(feed_days)
                )
            ):
                runs[feed_day].add(service_id)
            services = set().union(*runs.values())
            if not services:
                continue
            arrivals, departures = _calls(
                feed_id,
                list(stop_by_pk),
                sorted(services),
                (min(w[5][0] for w in wanted), max(w[5][1] for w in wanted)),
                (min(w[6][0] for w in wanted), max(w[6][1] for w in wanted)),
            )
            described = {
                kind: _by_service(rows, kind, stop_by_pk)
                for kind, rows in (("arrival", arrivals), ("departure", departures))
            }
            for day, service_day, feed_day, estimated, origin, arr, dep in wanted:
                for kind, window, calls in (
                    ("arrival", arr, result[day].arrivals),
                    ("departure", dep, result[day].departures),
                ):
                    for service_id in runs[feed_day]:
                        for seconds, trip_id, details in described[kind].get(service_id, ()):
                            if window[0] <= seconds <= window[1]:
                                calls.append(
                                    StopCall(
                                        at=origin + timedelta(seconds=seconds),
                                        trip=(trip_id, service_day),
                                        estimated=estimated,
                                        **details,
                                    )
                                )
    for found in result.values():
        found.arrivals.sort(key=lambda c: (c.at, c.walk_minutes))
        found.departures.sort(key=lambda c: (c.at, c.walk_minutes))
    return result


def prison_day(prison: Prison, day: date, cache: CallCache | None = None) -> "PrisonDay":
    """Every call at the prison's enabled stops on `day` (local), in time order."""
    return prison_days(prison, {day: (_local_day(day), _local_day(day))}, cache)[day]


# How sessions fit the timetable ---------------------------------------------------------


@dataclass
class SessionFit:
    starts: datetime  # UTC
    ends: datetime
    gate_from: datetime  # the window for reaching the prison gate
    gate_by: datetime
    leave_by: datetime  # the latest way home counted
    linked: bool
    arrivals: list[StopCall]  # one per vehicle journey, in time order
    departures: list[StopCall]

    @property
    def reachable(self) -> bool:
        return bool(self.arrivals) and bool(self.departures)

    @property
    def estimated(self) -> bool:
        return any(c.estimated for c in self.arrivals + self.departures)

    @property
    def score(self) -> int:
        """0 to 100: half for arrivals in the check-in window, half for ways home."""
        enough = GOOD_NUMBER_OF_OPTIONS
        counted = min(len(self.arrivals), enough) + min(len(self.departures), enough)
        return round(100 * counted / (2 * enough))

    @property
    def best_arrival(self) -> StopCall | None:
        """The arrival that leaves the least waiting."""
        return max(self.arrivals, key=lambda c: c.at + c.walk, default=None)

    @property
    def way_home(self) -> StopCall | None:
        return min(self.departures, key=lambda c: c.at, default=None)


def _moment(day: date, clock_time: time) -> datetime:
    return datetime.combine(day, clock_time, tzinfo=LONDON).astimezone(UTC)


def fit_from_day(
    calls: PrisonDay,
    prison: Prison,
    settings: PrisonTransport,
    starts: datetime,
    ends: datetime,
    earliest_minutes: int | None = None,
    way_home_minutes: int | None = None,
) -> SessionFit:
    gate_by = starts - timedelta(minutes=prison.arrive_minutes_before)
    gate_from = starts - timedelta(minutes=earliest_minutes or settings.earliest_arrival_minutes)
    leave_by = ends + timedelta(minutes=way_home_minutes or settings.way_home_minutes)
    arrivals = [c for c in calls.fastest_to_gate() if gate_from <= c.at + c.walk <= gate_by]
    departures = [c for c in calls.latest_from_gate() if ends <= c.at - c.walk and c.at <= leave_by]
    return SessionFit(
        starts=starts,
        ends=ends,
        gate_from=gate_from,
        gate_by=gate_by,
        leave_by=leave_by,
        linked=calls.linked,
        arrivals=sorted(arrivals, key=lambda c: c.at),
        departures=sorted(departures, key=lambda c: c.at),
    )


def session_fit(
    prison: Prison, day: date, start: time, end: time, cache: CallCache | None = None
) -> SessionFit:
    calls = prison_day(prison, day, cache)  # all day: for one session, from a command
    return fit_from_day(
        calls, prison, transport_settings(prison), _moment(day, start), _moment(day, end)
    )


def fits_for_sessions(
    prison: Prison, sessions: list[VisitSession], for_family: bool = False
) -> dict[int, SessionFit]:
    """How each session fits. For families, an early bus or a later way home is still worth
    showing: the prison's windows (for the visits team's score) are widened."""
    cache, settings = CallCache(), transport_settings(prison)
    widen = {}
    if for_family:
        widen = {
            "earliest_minutes": max(FAMILY_EARLIEST_MINUTES, settings.earliest_arrival_minutes),
            "way_home_minutes": max(FAMILY_WAY_HOME_MINUTES, settings.way_home_minutes),
        }
    if not cache.linked(prison.id):
        return {}
    fits = {}
    longest_walk = timedelta(minutes=max(s.walk_minutes for s in cache.linked(prison.id)))
    earliest = timedelta(minutes=widen.get("earliest_minutes", settings.earliest_arrival_minutes))
    way_home = timedelta(minutes=widen.get("way_home_minutes", settings.way_home_minutes))
    windows = {}
    for day in {s.date for s in sessions}:
        starts = [_moment(day, s.start_time) for s in sessions if s.date == day]
        ends = [_moment(day, s.end_time) for s in sessions if s.date == day]
        windows[day] = (
            (min(starts) - earliest - longest_walk, max(starts)),
            (min(ends), max(ends) + way_home + longest_walk),
        )
    days = prison_days(prison, windows, cache)
    for session in sessions:
        fits[session.id] = fit_from_day(
            days[session.date],
            prison,
            settings,
            _moment(session.date, session.start_time),
            _moment(session.date, session.end_time),
            **widen,
        )
    return fits


@dataclass(frozen=True)
class Suggestion:
    start: time
    end: time
    arrivals: int
    departures: int
    score: int


def suggest_start_times(
    prison: Prison,
    day: date,
    length: timedelta,
    current: time | None = None,
    earliest: time = time(8, 30),
    latest: time = time(18, 0),
    step_minutes: int = 15,
    limit: int = 3,
) -> list[Suggestion]:
    """Start times on `day` with the most arrivals in the check-in window and ways home,
    nearest the current start first among equals."""
    calls = prison_day(prison, day)
    if not calls.linked:
        return []
    settings = transport_settings(prison)
    candidates = []
    moment = datetime.combine(day, earliest)
    while moment.time() <= latest and moment.date() == day:
        starts = _moment(day, moment.time())
        fit = fit_from_day(calls, prison, settings, starts, starts + length)
        ends = (moment + length).time()
        candidates.append(
            Suggestion(moment.time(), ends, len(fit.arrivals), len(fit.departures), fit.score)
        )
        moment += timedelta(minutes=step_minutes)

    def distance(s: Suggestion) -> float:
        if current is None:
            return 0
        return abs(
            (datetime.combine(day, s.start) - datetime.combine(day, current)).total_seconds()
        )

    candidates.sort(key=lambda s: (-s.score, -(s.arrivals + s.departures), distance(s)))
    return candidates[:limit]


# What families see -------------------------------------------------------------------------


@dataclass(frozen=True)
class TransportHint:
    lines: list[str]
    estimated: bool
    reachable: bool


def arrival_text(call: StopCall) -> str:
    values = {
        "vehicle": call.vehicle,
        "stop": call.stop_name,
        "time": clock(call.local),
        "minutes": call.walk_minutes,
    }
    if call.every_minutes:
        return _(
            "%(vehicle)s arrives at %(stop)s at about %(time)s, then a %(minutes)s minute walk",
            **values,
        )
    return _(
        "%(vehicle)s arrives at %(stop)s at %(time)s, then a %(minutes)s minute walk", **values
    )


def departure_text(call: StopCall) -> str:
    values = {"vehicle": call.vehicle, "stop": call.stop_name, "time": clock(call.local)}
    if call.every_minutes:
        return _(
            "Way home: %(vehicle)s about every %(every)s minutes from %(stop)s, from %(time)s",
            every=call.every_minutes,
            **values,
        )
    return _("Way home: %(vehicle)s leaves %(stop)s at %(time)s", **values)


def family_hint(fit: SessionFit | None) -> TransportHint | None:
    if fit is None or not fit.linked:
        return None
    lines = []
    if fit.best_arrival:
        lines.append(arrival_text(fit.best_arrival))
    else:
        lines.append(_("No bus or train arrives in time for this visit"))
    if fit.way_home:
        lines.append(departure_text(fit.way_home))
    else:
        lines.append(_("No bus or train home soon after this visit"))
    return TransportHint(lines, fit.estimated, fit.reachable)


def hints_for_sessions(prison: Prison, sessions: list[VisitSession]) -> dict[int, TransportHint]:
    return {
        session_id: hint
        for session_id, fit in fits_for_sessions(prison, sessions, for_family=True).items()
        if (hint := family_hint(fit)) is not None
    }


def hint_for_visit(visit) -> TransportHint | None:
    """The arrival and way home for a booked visit, while it is still to come."""
    if visit.status.value not in ("held", "requested", "booked"):
        return None
    if visit.session.date < datetime.now(LONDON).date():
        return None
    return hints_for_sessions(visit.prison, [visit.session]).get(visit.session.id)


def timeline_for_day(prison: Prison, day: date, sessions: list[VisitSession]):
    """The day timeline chart (visits/timeline.py) of a prison's calls and sessions."""
    from visits.timeline import TimelineCall, TimelineSession, day_timeline

    calls = prison_day(prison, day)
    fits = [
        fit_from_day(
            calls,
            prison,
            transport_settings(prison),
            _moment(day, s.start_time),
            _moment(day, s.end_time),
        )
        for s in sessions
    ]
    fitting_arrivals = {c.trip for f in fits for c in f.arrivals}
    fitting_departures = {c.trip for f in fits for c in f.departures}

    def label(call: StopCall) -> str:
        return _("%(vehicle)s at %(stop)s", vehicle=call.vehicle, stop=call.stop_name)

    return day_timeline(
        _("Buses and trains near %(prison)s on %(day)s", prison=prison.name, day=day.isoformat()),
        [
            TimelineSession(
                label=_("Visiting session"),
                starts=s.start_time,
                ends=s.end_time,
                check_in_from=f.gate_from.astimezone(LONDON).time(),
                check_in_by=f.gate_by.astimezone(LONDON).time(),
            )
            for s, f in zip(sessions, fits, strict=True)
        ],
        [
            TimelineCall(c.local.time(), label(c), c.trip in fitting_arrivals)
            for c in calls.fastest_to_gate()
        ],
        [
            TimelineCall(c.local.time(), label(c), c.trip in fitting_departures)
            for c in calls.latest_from_gate()
        ],
    )
