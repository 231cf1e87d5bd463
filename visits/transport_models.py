"""Public transport timetables (GTFS) and the stops that serve each prison.

Times of day are kept as GTFS keeps them: seconds from "noon minus 12 hours" of the
service day in the feed's timezone, so 25:10:00 is 90600 and clock changes are
resolved only when a time is turned into a moment (visits/transport.py).
"""

import datetime as dt
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import db
from timeutil import utcnow


class TransitFeed(db.Model):
    """One imported GTFS feed; re-importing a feed of the same name replaces its rows."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    source: Mapped[str] = mapped_column(sa.String(500))
    checksum: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    timezone: Mapped[str] = mapped_column(sa.String(64))
    # The days with any service, and the Monday of the last Monday-to-Sunday week inside
    # them: dates after last_date are estimated from that week.
    first_date: Mapped[date | None]
    last_date: Mapped[date | None]
    estimate_week: Mapped[date | None]
    stop_count: Mapped[int] = mapped_column(default=0)
    trip_count: Mapped[int] = mapped_column(default=0)
    stop_time_count: Mapped[int] = mapped_column(default=0)
    problem_count: Mapped[int] = mapped_column(default=0)
    problems: Mapped[str] = mapped_column(sa.Text, default="")


class TransitStop(db.Model):
    __table_args__ = (sa.UniqueConstraint("feed_id", "stop_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(
        sa.ForeignKey("transit_feed.id", ondelete="CASCADE"), index=True
    )
    stop_id: Mapped[str] = mapped_column(sa.String(255))
    code: Mapped[str] = mapped_column(sa.String(64), default="")
    name: Mapped[str] = mapped_column(sa.String(255))
    # Lower-case name for searching by name on both databases.
    search_name: Mapped[str] = mapped_column(sa.String(255), index=True)
    latitude: Mapped[float]
    longitude: Mapped[float]


class TransitRoute(db.Model):
    __table_args__ = (sa.UniqueConstraint("feed_id", "route_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(
        sa.ForeignKey("transit_feed.id", ondelete="CASCADE"), index=True
    )
    route_id: Mapped[str] = mapped_column(sa.String(255))
    short_name: Mapped[str] = mapped_column(sa.String(100), default="")
    long_name: Mapped[str] = mapped_column(sa.String(255), default="")
    route_type: Mapped[int] = mapped_column(default=3)


class TransitService(db.Model):
    __table_args__ = (sa.UniqueConstraint("feed_id", "service_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(
        sa.ForeignKey("transit_feed.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[str] = mapped_column(sa.String(255))


class TransitServiceDay(db.Model):
    """A day a service runs, from calendar.txt and calendar_dates.txt together."""

    __table_args__ = (sa.Index("ix_transit_service_day_feed_date", "feed_id", "date"),)

    service_id: Mapped[int] = mapped_column(
        sa.ForeignKey("transit_service.id", ondelete="CASCADE"), primary_key=True
    )
    date: Mapped[dt.date] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(sa.ForeignKey("transit_feed.id", ondelete="CASCADE"))


class TransitTrip(db.Model):
    __table_args__ = (sa.UniqueConstraint("feed_id", "trip_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(
        sa.ForeignKey("transit_feed.id", ondelete="CASCADE"), index=True
    )
    trip_id: Mapped[str] = mapped_column(sa.String(255))
    route_id: Mapped[int] = mapped_column(sa.ForeignKey("transit_route.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("transit_service.id", ondelete="CASCADE"))
    headsign: Mapped[str] = mapped_column(sa.String(255), default="")
    # Set for frequency-based trips (frequencies.txt, exact_times 0): vehicles come about
    # this often, so a family may wait up to this long.
    headway_secs: Mapped[int | None]

    route: Mapped[TransitRoute] = relationship()


class TransitStopTime(db.Model):
    """A trip calling at a stop. The first call of a trip never sets down and the last
    never picks up, whatever the feed says."""

    __table_args__ = (
        sa.Index("ix_transit_stop_time_stop_arrival", "stop_id", "arrival"),
        sa.Index("ix_transit_stop_time_service_departure", "service_id", "departure"),
    )

    trip_id: Mapped[int] = mapped_column(
        sa.ForeignKey("transit_trip.id", ondelete="CASCADE"), primary_key=True
    )
    stop_sequence: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    stop_id: Mapped[int] = mapped_column(sa.ForeignKey("transit_stop.id", ondelete="CASCADE"))
    # The trip's service, copied here so a day's calls are found through one index.
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("transit_service.id", ondelete="CASCADE"))
    arrival: Mapped[int]
    departure: Mapped[int]
    pickup_type: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    drop_off_type: Mapped[int] = mapped_column(sa.SmallInteger, default=0)


class TransitTransfer(db.Model):
    """A short walk between two stops (of any feeds), found when a feed is imported."""

    from_stop_id: Mapped[int] = mapped_column(
        sa.ForeignKey("transit_stop.id", ondelete="CASCADE"), primary_key=True
    )
    to_stop_id: Mapped[int] = mapped_column(
        sa.ForeignKey("transit_stop.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    walk_seconds: Mapped[int]


class PrisonTransport(db.Model):
    """Per-prison settings for public transport; prisons without a row use the defaults."""

    prison_id: Mapped[int] = mapped_column(sa.ForeignKey("prison.id"), primary_key=True)
    max_walk_metres: Mapped[int] = mapped_column(default=800)
    walk_metres_per_minute: Mapped[int] = mapped_column(default=80)
    # Families reaching the gate earlier than this before the start would wait too long.
    earliest_arrival_minutes: Mapped[int] = mapped_column(default=90)
    # How long after the session ends a way home still counts.
    way_home_minutes: Mapped[int] = mapped_column(default=120)


class PrisonStop(db.Model):
    """A stop within walking distance of a prison. Found automatically; staff may change
    the walk or turn a stop off (adjusted rows are then kept on re-import)."""

    __table_args__ = (sa.UniqueConstraint("prison_id", "feed_id", "stop_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(sa.ForeignKey("prison.id"), index=True)
    feed_id: Mapped[int] = mapped_column(sa.ForeignKey("transit_feed.id", ondelete="CASCADE"))
    # The feed's own stop_id, so the link survives a re-import of the feed.
    stop_id: Mapped[str] = mapped_column(sa.String(255))
    distance_metres: Mapped[int]
    walk_minutes: Mapped[int]
    enabled: Mapped[bool] = mapped_column(default=True)
    adjusted: Mapped[bool] = mapped_column(default=False)
