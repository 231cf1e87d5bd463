"""What the visits team sees of public transport: how each weekly session fits the
timetable, better start times and applying one, feeds that need refreshing, and the
stops near a prison."""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import db
from staff import audit
from staff.models import StaffUser
from timeutil import LONDON
from visits import schedule
from visits.models import Prison, SessionTemplate
from visits.schedule import ScheduleError, WeeklySession
from visits.timetables import TRANSPORT_DEFAULTS, transport_settings
from visits.transport import (
    CallCache,
    SessionFit,
    Suggestion,
    fit_from_day,
    prison_day,
    suggest_start_times,
)
from visits.transport_models import PrisonStop, PrisonTransport, TransitFeed, TransitStop

LONGEST_WALK_MINUTES = 60
LONGEST_WAIT_MINUTES = 240
SUGGESTIONS = 3


def _moment(day: date, clock_time: time) -> datetime:
    return datetime.combine(day, clock_time, tzinfo=LONDON).astimezone(UTC)


def next_run(template: SessionTemplate, today: date) -> date | None:
    """The first day from the start of the booking window that the weekly session runs."""
    first = max(template.prison.booking_window(today)[0], template.valid_from)
    day = first + timedelta(days=(template.weekday - first.weekday()) % 7)
    if template.valid_until is not None and day > template.valid_until:
        return None
    return day


def running_templates(prison: Prison, today: date) -> list[SessionTemplate]:
    return [
        t for t in schedule.templates_of(prison) if t.valid_until is None or t.valid_until >= today
    ]


@dataclass(frozen=True)
class TemplateFit:
    template: SessionTemplate
    day: date | None  # the day the fit was worked out for; None when it no longer runs
    fit: SessionFit | None


def template_fits(prison: Prison, today: date) -> list[TemplateFit]:
    """Each running weekly session against the timetable of the next day it runs. Days
    shared by several sessions are read once."""
    cache, settings = CallCache(), transport_settings(prison)
    calls_by_day = {}
    found = []
    for template in running_templates(prison, today):
        day = next_run(template, today)
        if day is None:
            found.append(TemplateFit(template, None, None))
            continue
        if day not in calls_by_day:
            calls_by_day[day] = prison_day(prison, day, cache)
        fit = fit_from_day(
            calls_by_day[day],
            prison,
            settings,
            _moment(day, template.start_time),
            _moment(day, template.end_time),
        )
        found.append(TemplateFit(template, day, fit))
    return found


def session_length(template: SessionTemplate) -> timedelta:
    return datetime.combine(date.min, template.end_time) - datetime.combine(
        date.min, template.start_time
    )


@dataclass(frozen=True)
class TemplateSuggestions:
    template: SessionTemplate
    day: date | None
    current: Suggestion | None  # how the present start time scores, for comparison
    better: list[Suggestion]  # start times that more buses and trains fit


def suggestions_for(prison: Prison, template: SessionTemplate, today: date) -> TemplateSuggestions:
    """As `flask timetables suggest` does: start times on the session's next day with the
    most arrivals in the check-in window and ways home, nearest the current start first."""
    day = next_run(template, today)
    if day is None:
        return TemplateSuggestions(template, None, None, [])
    # A start time another weekly session on that day already has cannot be applied.
    taken = {
        t.start_time
        for t in running_templates(prison, today)
        if t.weekday == template.weekday and t.id != template.id
    }
    ideas = suggest_start_times(
        prison,
        day,
        session_length(template),
        current=template.start_time,
        limit=SUGGESTIONS + len(taken),
    )
    current = next((s for s in ideas if s.start == template.start_time), None)
    if current is None and ideas:
        fit = fit_from_day(
            prison_day(prison, day),
            prison,
            transport_settings(prison),
            _moment(day, template.start_time),
            _moment(day, template.end_time),
        )
        current = Suggestion(
            template.start_time,
            template.end_time,
            len(fit.arrivals),
            len(fit.departures),
            fit.score,
        )
    better = [
        s for s in ideas if current is not None and s.score > current.score and s.start not in taken
    ][:SUGGESTIONS]
    return TemplateSuggestions(template, day, current, better)


def all_suggestions(prison: Prison, today: date) -> list[TemplateSuggestions]:
    return [suggestions_for(prison, t, today) for t in running_templates(prison, today)]


def apply_suggestion(
    prison: Prison,
    template: SessionTemplate,
    start: time,
    staff: StaffUser,
    today: date,
    confirmed: str | None = None,
) -> list[schedule.AffectedVisit]:
    """Move a weekly session to a suggested start time, keeping its length, through the same
    path as any change to a weekly session: visits it moves are listed first, then told."""
    offered = suggestions_for(prison, template, today).better
    chosen = next((s for s in offered if s.start == start), None)
    if chosen is None:
        raise ScheduleError(
            "start_time",
            _l("That start time is no longer suggested. Choose one of the times shown."),
        )
    weekly = schedule.weekly_of(template)
    moved = WeeklySession(
        weekly.weekday,
        replace(weekly.shape, start_time=chosen.start, end_time=chosen.end),
        weekly.valid_from,
        weekly.valid_until,
    )
    return schedule.change_template(
        prison,
        template,
        moved,
        staff,
        today,
        confirmed,
        action="applied suggested start time",
    )


# The check-in window -------------------------------------------------------------------------


class WindowError(Exception):
    def __init__(self, field: str, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


def change_window(
    prison: Prison, earliest_minutes: int, way_home_minutes: int, staff: StaffUser
) -> PrisonTransport:
    """How early before a session a bus may bring visitors, and how long after it a way home
    still counts, for the fit, the suggestions and what families are shown."""
    if earliest_minutes <= prison.arrive_minutes_before:
        raise WindowError(
            "earliest_minutes",
            _l(
                "The earliest arrival must be more than %(minutes)s minutes before the start: "
                "visitors must be at the gate by then",
                minutes=prison.arrive_minutes_before,
            ),
        )
    settings = db.session.get(PrisonTransport, prison.id)
    if settings is None:
        settings = PrisonTransport(prison_id=prison.id, **TRANSPORT_DEFAULTS)
        db.session.add(settings)
    settings.earliest_arrival_minutes = earliest_minutes
    settings.way_home_minutes = way_home_minutes
    audit.record(
        staff,
        "changed transport check-in window",
        "prison",
        prison.id,
        prison.id,
        detail=f"from {earliest_minutes} minutes before, ways home within {way_home_minutes}",
    )
    db.session.flush()
    return settings


# Feeds ---------------------------------------------------------------------------------------


def feeds_to_refresh(prison: Prison, today: date) -> list[TransitFeed]:
    """Feeds serving the prison's stops whose timetable ends before its booking window does:
    times after their last day are only estimates."""
    window_ends = prison.booking_window(today)[1]
    used = sa.select(PrisonStop.feed_id).where(
        PrisonStop.prison_id == prison.id, PrisonStop.enabled.is_(True)
    )
    return list(
        db.session.scalars(
            sa.select(TransitFeed)
            .where(
                TransitFeed.id.in_(used),
                sa.or_(TransitFeed.last_date.is_(None), TransitFeed.last_date < window_ends),
            )
            .order_by(TransitFeed.name)
        ).all()
    )


# Stops near the prison ---------------------------------------------------------------------


@dataclass(frozen=True)
class NearbyStop:
    link: PrisonStop
    name: str
    code: str
    feed_name: str


def stops_of(prison: Prison) -> list[NearbyStop]:
    rows = db.session.execute(
        sa.select(PrisonStop, TransitStop.name, TransitStop.code, TransitFeed.name)
        .join(
            TransitStop,
            sa.and_(
                TransitStop.feed_id == PrisonStop.feed_id,
                TransitStop.stop_id == PrisonStop.stop_id,
            ),
        )
        .join(TransitFeed, TransitFeed.id == PrisonStop.feed_id)
        .where(PrisonStop.prison_id == prison.id)
        .order_by(PrisonStop.distance_metres, TransitStop.name, PrisonStop.id)
    ).all()
    return [NearbyStop(link, name, code, feed) for link, name, code, feed in rows]


def stop_of(prison: Prison, link_id: int) -> NearbyStop | None:
    return next((s for s in stops_of(prison) if s.link.id == link_id), None)


def change_stop(
    prison: Prison, link: PrisonStop, walk_minutes: int, enabled: bool, staff: StaffUser
) -> None:
    """Set the walk from a stop to the prison, or stop using it. An adjusted stop keeps the
    change when its feed is imported again."""
    link.walk_minutes = walk_minutes
    link.enabled = enabled
    link.adjusted = True
    audit.record(
        staff,
        "changed stop near prison",
        "prison_stop",
        link.id,
        prison.id,
        detail=f"{walk_minutes} minute walk, {'used' if enabled else 'not used'}",
    )
    db.session.flush()
