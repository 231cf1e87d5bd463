"""Journeys by public transport between a stop a family picks and a prison (Connection Scan).

Only the connections in a few hours' window on the day are read, through the
(service_id, departure) index: the latest departure that still reaches the prison gate
in time scans them backwards; the way home scans them forwards from the prison's stops.
Changes may include a short walk between nearby stops (transfers found at import).
"""

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app import db
from timeutil import LONDON
from visits.models import Prison, VisitSession
from visits.timetables import NO_SERVICE, haversine_metres
from visits.transport import (
    VEHICLE,
    VEHICLE_WITH_ROUTE,
    CallCache,
    LinkedStop,
    mode_of,
    service_date_for,
    service_origin,
)
from visits.transport_models import (
    TransitFeed,
    TransitRoute,
    TransitServiceDay,
    TransitStop,
    TransitStopTime,
    TransitTransfer,
    TransitTrip,
)

WINDOW = timedelta(hours=3)
CHANGE_SECONDS = 120  # to get off one bus and onto another at the same stop
SAME_NAME_METRES = 300
NEVER = math.inf

# A connection: one vehicle from one stop to the next, times in seconds since the epoch.
DEP, ARR, FROM, TO, TRIP, SEQ, PICKUP, DROP_OFF = range(8)


@dataclass(frozen=True)
class Leg:
    walk: bool
    from_name: str
    to_name: str
    departs: datetime  # UTC
    arrives: datetime
    vehicle: str = ""
    headsign: str = ""
    every_minutes: int | None = None

    @property
    def departs_local(self) -> datetime:
        return self.departs.astimezone(LONDON)

    @property
    def arrives_local(self) -> datetime:
        return self.arrives.astimezone(LONDON)

    @property
    def minutes(self) -> int:
        return max(1, round((self.arrives - self.departs).total_seconds() / 60))


@dataclass(frozen=True)
class Journey:
    legs: list[Leg]
    estimated: bool

    @property
    def departs(self) -> datetime:
        return self.legs[0].departs

    @property
    def arrives(self) -> datetime:
        return self.legs[-1].arrives

    @property
    def changes(self) -> int:
        return max(0, sum(1 for leg in self.legs if not leg.walk) - 1)


@dataclass(frozen=True)
class StopMatch:
    pk: int
    name: str
    kilometres: float | None


def search_stops(text: str, near: Prison | None = None, limit: int = 20) -> list[StopMatch]:
    """Stops whose name contains `text`; stops of one name close together count once."""
    wanted = text.strip().lower()
    escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    stops = db.session.scalars(
        sa.select(TransitStop)
        .where(TransitStop.search_name.like(f"%{escaped}%", escape="\\"))
        .order_by(TransitStop.search_name, TransitStop.id)
        .limit(500)
    ).all()

    def distance(stop):
        if near is None:
            return 0.0
        return haversine_metres(near.latitude, near.longitude, stop.latitude, stop.longitude)

    stops = sorted(stops, key=lambda s: (not s.search_name.startswith(wanted), distance(s)))
    kept: list[TransitStop] = []
    for stop in stops:
        if any(
            k.search_name == stop.search_name
            and haversine_metres(k.latitude, k.longitude, stop.latitude, stop.longitude)
            < SAME_NAME_METRES
            for k in kept
        ):
            continue
        kept.append(stop)
        if len(kept) == limit:
            break
    return [StopMatch(s.id, s.name, round(distance(s) / 1000, 1) if near else None) for s in kept]


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


class _Network:
    """The connections of a time window on the feeds involved, and the walks between stops."""

    def __init__(self, feed_ids, lo: datetime, hi: datetime):
        self.connections: list[tuple] = []
        self.estimated = False
        self.headways: dict = {}
        for feed_id in sorted(feed_ids):
            feed = db.session.get(TransitFeed, feed_id)
            zone = ZoneInfo(feed.timezone)
            day = lo.astimezone(zone).date() - timedelta(days=1)
            while day <= hi.astimezone(zone).date():
                self._load(feed, zone, day, lo, hi)
                day += timedelta(days=1)
        stops = {c[FROM] for c in self.connections} | {c[TO] for c in self.connections}
        self.walks: dict[int, list[tuple[int, int]]] = {}
        ordered = sorted(stops)
        for chunk in range(0, len(ordered), 5000):
            part = ordered[chunk : chunk + 5000]
            for a, b, seconds in db.session.execute(
                sa.select(
                    TransitTransfer.from_stop_id,
                    TransitTransfer.to_stop_id,
                    TransitTransfer.walk_seconds,
                ).where(TransitTransfer.from_stop_id.in_(part))
            ):
                self.walks.setdefault(a, []).append((b, seconds))

    def _load(self, feed, zone, service_day: date, lo: datetime, hi: datetime):
        resolved = service_date_for(feed, service_day)
        if resolved is None:
            return
        feed_day, estimated = resolved
        origin = service_origin(service_day, zone)
        lo_s, hi_s = (lo - origin).total_seconds(), (hi - origin).total_seconds()
        if hi_s < 0 or lo_s > 3 * 24 * 3600:
            return
        runs = sa.select(TransitServiceDay.service_id).where(
            TransitServiceDay.feed_id == feed.id, TransitServiceDay.date == feed_day
        )
        # Core rows, not ORM results: tens of thousands are read for one journey.
        rows = (
            db.session.connection()
            .execute(
                sa.select(
                    TransitStopTime.trip_id,
                    TransitStopTime.stop_sequence,
                    TransitStopTime.stop_id,
                    TransitStopTime.arrival,
                    TransitStopTime.departure,
                    TransitStopTime.pickup_type,
                    TransitStopTime.drop_off_type,
                )
                .where(
                    TransitStopTime.service_id.in_(runs),
                    TransitStopTime.departure.between(int(lo_s), int(hi_s)),
                    TransitStopTime.arrival <= int(hi_s),
                )
                .order_by(TransitStopTime.trip_id, TransitStopTime.stop_sequence)
            )
            .all()
        )
        # A frequency-based vehicle may come up to a headway later than planned.
        headways = dict(
            db.session.execute(
                sa.select(TransitTrip.id, TransitTrip.headway_secs).where(
                    TransitTrip.feed_id == feed.id,
                    TransitTrip.headway_secs.is_not(None),
                    TransitTrip.service_id.in_(runs),
                )
            ).all()
        )
        base = _epoch(origin)
        add = self.connections.append
        found = False
        last_trip = last_seq = last_stop = last_dep = last_pickup = None
        for trip_id, seq, stop, arrival, departure, pickup, drop_off in rows:
            if trip_id == last_trip:
                late = headways.get(trip_id, 0)
                trip = (trip_id, service_day)
                if late:
                    self.headways[trip] = late
                add(
                    (
                        base + last_dep,
                        base + arrival + late,
                        last_stop,
                        stop,
                        trip,
                        last_seq,
                        last_pickup != NO_SERVICE,
                        drop_off != NO_SERVICE,
                    )
                )
                found = True
            last_trip, last_seq, last_stop, last_dep, last_pickup = (
                trip_id,
                seq,
                stop,
                departure,
                pickup,
            )
        self.estimated = self.estimated or (estimated and found)


def _targets(stops: list[LinkedStop], gate_by: datetime) -> dict[int, int]:
    return {s.pk: _epoch(gate_by) - s.walk_minutes * 60 for s in stops}


def _feeds_for(stops: list[LinkedStop], origin_pk: int) -> set[int]:
    origin_feed = db.session.scalar(
        sa.select(TransitStop.feed_id).where(TransitStop.id == origin_pk)
    )
    return {s.feed_id for s in stops} | ({origin_feed} if origin_feed else set())


def plan_to_prison(prison: Prison, session: VisitSession, origin_pk: int) -> Journey | None:
    """The journey leaving `origin_pk` as late as possible that reaches the prison gate by the
    time visitors must arrive (session start minus the prison's arrival margin)."""
    stops = CallCache().linked(prison.id)
    if not stops:
        return None
    starts = datetime.combine(session.date, session.start_time, tzinfo=LONDON).astimezone(UTC)
    gate_by = starts - timedelta(minutes=prison.arrive_minutes_before)
    targets = _targets(stops, gate_by)
    walk_to_gate = {s.pk: s.walk_minutes for s in stops}
    network = _Network(_feeds_for(stops, origin_pk), gate_by - WINDOW, gate_by)
    walks = network.walks

    latest_ok = {stop: float(deadline) for stop, deadline in targets.items()}
    boarding: dict[int, tuple] = {}
    exits: dict = {}
    for c in sorted(network.connections, key=lambda c: (c[DEP], c[SEQ]), reverse=True):
        trip = c[TRIP]
        if trip not in exits:
            if not (c[DROP_OFF] and c[ARR] <= latest_ok.get(c[TO], -NEVER)):
                continue
            exits[trip] = c
        if c[PICKUP] and c[FROM] not in boarding:
            boarding[c[FROM]] = c
            u = c[FROM]
            latest_ok[u] = max(latest_ok.get(u, -NEVER), c[DEP] - CHANGE_SECONDS)
            for w, seconds in walks.get(u, ()):
                latest_ok[w] = max(latest_ok.get(w, -NEVER), c[DEP] - seconds)

    if origin_pk in targets:
        return _walk_only(origin_pk, prison, walk_to_gate[origin_pk], gate_by)
    options = []
    if origin_pk in boarding:
        options.append((boarding[origin_pk][DEP], origin_pk, 0))
    for w, seconds in walks.get(origin_pk, ()):
        if w in boarding:
            options.append((boarding[w][DEP] - seconds, w, seconds))
    if not options:
        return None
    leave, stop, walked = max(options)
    legs: list[tuple] = []
    if walked:
        legs.append(("walk", origin_pk, stop, leave, leave + walked))
    for _ride in range(12):
        board = boarding[stop]
        exit_ = _best_exit(network, board, targets, walk_to_gate) or exits[board[TRIP]]
        legs.append(("ride", stop, exit_[TO], board[DEP], exit_[ARR], board[TRIP]))
        stop, at = exit_[TO], exit_[ARR]
        if stop in targets and at <= targets[stop]:
            minutes = walk_to_gate[stop]
            legs.append(("gate", stop, None, at, at + minutes * 60))
            break
        choices = []
        if stop in boarding and boarding[stop][DEP] >= at + CHANGE_SECONDS:
            choices.append((boarding[stop][DEP], stop, 0))
        for w, seconds in walks.get(stop, ()):
            if w in boarding and boarding[w][DEP] >= at + seconds:
                choices.append((boarding[w][DEP], w, seconds))
        if not choices:
            return None
        _dep, nxt, seconds = min(choices)
        if seconds:
            legs.append(("walk", stop, nxt, at, at + seconds))
        stop = nxt
    else:
        return None
    return Journey(_describe(legs, prison, network), network.estimated)


def _best_exit(network, board, targets, walk_to_gate):
    """Where to get off the vehicle boarded to reach the gate soonest, if it gets there."""
    best, soonest = None, NEVER
    for c in network.connections:
        if c[TRIP] == board[TRIP] and c[SEQ] >= board[SEQ] and c[DROP_OFF]:
            stop = c[TO]
            if stop in targets and c[ARR] <= targets[stop]:
                at_gate = c[ARR] + walk_to_gate[stop] * 60
                if at_gate < soonest:
                    best, soonest = c, at_gate
    return best


def plan_home(prison: Prison, session: VisitSession, home_pk: int) -> Journey | None:
    """The earliest arrival back at `home_pk` leaving the prison when the session ends."""
    stops = CallCache().linked(prison.id)
    if not stops:
        return None
    ends = datetime.combine(session.date, session.end_time, tzinfo=LONDON).astimezone(UTC)
    network = _Network(_feeds_for(stops, home_pk), ends, ends + WINDOW)
    walks = network.walks
    walk_from_gate = {s.pk: s.walk_minutes for s in stops}
    if home_pk in walk_from_gate:
        minutes = walk_from_gate[home_pk]
        stop_name = _names({home_pk})[home_pk]
        leg = Leg(True, prison.name, stop_name, ends, ends + timedelta(minutes=minutes))
        return Journey([leg], False)

    ready = {s.pk: _epoch(ends) + s.walk_minutes * 60 for s in stops}
    ready_via: dict[int, tuple] = {pk: ("gate",) for pk in ready}
    arrived: dict[int, tuple] = {}
    boarded: dict = {}
    home_walks = {w: seconds for w, seconds in walks.get(home_pk, ())}
    best_home = NEVER
    for c in sorted(network.connections, key=lambda c: (c[DEP], c[SEQ])):
        if c[DEP] > best_home:
            break
        trip = c[TRIP]
        if trip not in boarded:
            if not (c[PICKUP] and ready.get(c[FROM], NEVER) <= c[DEP]):
                continue
            boarded[trip] = c
        v = c[TO]
        if not c[DROP_OFF] or c[ARR] >= arrived.get(v, (NEVER,))[0]:
            continue
        arrived[v] = (c[ARR], c)
        if c[ARR] + CHANGE_SECONDS < ready.get(v, NEVER):
            ready[v], ready_via[v] = c[ARR] + CHANGE_SECONDS, ("change",)
        for w, seconds in walks.get(v, ()):
            if c[ARR] + seconds < ready.get(w, NEVER):
                ready[w], ready_via[w] = c[ARR] + seconds, ("walk", v)
        if v == home_pk:
            best_home = min(best_home, c[ARR])
        elif v in home_walks:
            best_home = min(best_home, c[ARR] + home_walks[v])

    finishes = []
    if home_pk in arrived:
        finishes.append((arrived[home_pk][0], home_pk, 0))
    for w, seconds in home_walks.items():
        if w in arrived:
            finishes.append((arrived[w][0] + seconds, w, seconds))
    if not finishes:
        return None
    _at, stop, walked = min(finishes)
    legs: list[tuple] = []
    if walked:
        at = arrived[stop][0]
        legs.append(("walk", stop, home_pk, at, at + walked))
    for _ride in range(12):
        at, c = arrived[stop]
        board = boarded[c[TRIP]]
        legs.insert(0, ("ride", board[FROM], stop, board[DEP], at, c[TRIP]))
        stop = board[FROM]
        via = ready_via[stop]
        if via[0] == "gate":
            minutes = walk_from_gate[stop]
            start = _epoch(ends)
            legs.insert(0, ("from_gate", None, stop, start, start + minutes * 60))
            break
        if via[0] == "walk":
            came_from = via[1]
            arrived_at = arrived[came_from][0]
            legs.insert(0, ("walk", came_from, stop, arrived_at, ready[stop]))
            stop = came_from
    else:
        return None
    return Journey(_describe(legs, prison, network), network.estimated)


def _walk_only(stop_pk, prison, minutes, gate_by) -> Journey:
    name = _names({stop_pk})[stop_pk]
    leave = gate_by - timedelta(minutes=minutes)
    return Journey([Leg(True, name, prison.name, leave, gate_by)], False)


def _names(stop_pks) -> dict[int, str]:
    return dict(
        db.session.execute(
            sa.select(TransitStop.id, TransitStop.name).where(TransitStop.id.in_(stop_pks))
        ).all()
    )


def _describe(legs: list[tuple], prison: Prison, network: _Network) -> list[Leg]:
    stop_pks = {leg[i] for leg in legs for i in (1, 2) if leg[i] is not None}
    names = _names(stop_pks)
    trips = {leg[5][0] for leg in legs if leg[0] == "ride"}
    details = {
        row.id: row
        for row in db.session.execute(
            sa.select(
                TransitTrip.id,
                TransitTrip.headsign,
                TransitRoute.short_name,
                TransitRoute.long_name,
                TransitRoute.route_type,
            )
            .join(TransitRoute, TransitRoute.id == TransitTrip.route_id)
            .where(TransitTrip.id.in_(trips))
        )
    }

    def moment(seconds: float) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)

    described = []
    for leg in legs:
        kind, a, b, departs, arrives = leg[:5]
        from_name = prison.name if a is None else names[a]
        to_name = prison.name if b is None else names[b]
        if kind != "ride":
            described.append(Leg(True, from_name, to_name, moment(departs), moment(arrives)))
            continue
        trip = details[leg[5][0]]
        route = trip.short_name or trip.long_name
        mode = mode_of(trip.route_type)
        vehicle = str(VEHICLE_WITH_ROUTE[mode] % {"route": route}) if route else str(VEHICLE[mode])
        headway = network.headways.get(leg[5])
        described.append(
            Leg(
                False,
                from_name,
                to_name,
                moment(departs),
                moment(arrives),
                vehicle=vehicle,
                headsign=trip.headsign,
                every_minutes=headway // 60 if headway else None,
            )
        )
    return described
