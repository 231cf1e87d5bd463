"""Importing GTFS timetables: real feeds, and hand-made feeds for each edge case."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app import db
from tests.conftest import count
from tests.visits.gtfs_feeds import NEWPORT, PRISON_LAT, PRISON_LON, REAL_FEEDS, write_feed
from timeutil import LONDON, local_today
from visits.timetables import FeedError, import_feed, parse_time
from visits.transport import prison_day, service_date_for, service_origin
from visits.transport_models import (
    PrisonStop,
    TransitFeed,
    TransitServiceDay,
    TransitStop,
    TransitStopTime,
    TransitTrip,
)

needs_newport = pytest.mark.skipif(not NEWPORT.exists(), reason="no ../shared/data/gtfs")
USK = {"slug": "usk", "name": "HMP Usk", "latitude": 51.7040, "longitude": -2.9021}


@pytest.fixture
def prison(make_prison):
    return make_prison(slug="valley", name="HMP Valley", latitude=PRISON_LAT, longitude=PRISON_LON)


def imported(path, **options):
    report = import_feed(path, **options)
    db.session.commit()
    return report


def local_times(calls):
    return [c.local.strftime("%H:%M") for c in calls]


def test_parse_time_reads_hours_past_midnight_and_refuses_nonsense():
    assert parse_time("25:10:00") == 25 * 3600 + 600
    assert parse_time("6:05:00") == 6 * 3600 + 300
    for bad in ("13:60:00", "ab:00:00", "13:00", "-1:00:00", "13:5:00"):
        with pytest.raises(ValueError):
            parse_time(bad)


@needs_newport
def test_the_real_newport_feed_imports_whole_and_finds_the_stop_beside_hmp_usk(ctx, make_prison):
    usk = make_prison(**USK)

    report = imported(NEWPORT)

    feed = db.session.scalar(sa.select(TransitFeed))
    assert (feed.stop_time_count, feed.trip_count, feed.problem_count) == (43199, 1343, 0)
    assert count(TransitStopTime) == 43199
    assert (feed.first_date, feed.last_date) == (date(2023, 6, 5), date(2024, 3, 1))
    assert feed.estimate_week == date(2024, 2, 19)  # Monday 19 to Sunday 25 February 2024
    assert feed.timezone == "Europe/London"
    assert report.counts["prison stops"] > 0
    nearest = db.session.scalars(
        sa.select(PrisonStop)
        .where(PrisonStop.prison_id == usk.id)
        .order_by(PrisonStop.distance_metres)
    ).first()
    assert nearest.distance_metres < 40
    assert nearest.walk_minutes == 1


@needs_newport
def test_in_the_newport_feed_nobody_gets_off_where_a_bus_starts(ctx, make_prison):
    usk = make_prison(**USK)
    imported(NEWPORT)
    first_calls = (
        sa.select(TransitStopTime.trip_id, sa.func.min(TransitStopTime.stop_sequence).label("seq"))
        .group_by(TransitStopTime.trip_id)
        .subquery()
    )
    set_down_at_first_stop = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(TransitStopTime)
        .join(
            first_calls,
            sa.and_(
                first_calls.c.trip_id == TransitStopTime.trip_id,
                first_calls.c.seq == TransitStopTime.stop_sequence,
            ),
        )
        .where(TransitStopTime.drop_off_type != 1)
    )
    assert set_down_at_first_stop == 0
    # A date a year after the feed ends still gets times, marked as estimates.
    day = prison_day(usk, date(2026, 12, 2))
    assert day.arrivals and day.departures
    assert all(c.estimated for c in day.arrivals)


@pytest.mark.parametrize(
    ("name", "stop_times"),
    [
        ("uk_chester_20230816_small_gtfs.zip", 34249),
        ("cairns_gtfs.zip", None),  # blank times between timepoints: filled in, none lost
        ("sample_gtfs.zip", None),  # frequencies.txt without an exact_times column
    ],
)
def test_other_real_feeds_import_without_losing_calls(ctx, name, stop_times):
    path = REAL_FEEDS / name
    if not path.exists():
        pytest.skip(f"{name} is not beside the project")

    report = imported(path)

    assert report.problem_total == 0, report.problem_lines()
    if stop_times is not None:
        assert count(TransitStopTime) == stop_times
    bad = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(TransitStopTime)
        .where(TransitStopTime.departure < TransitStopTime.arrival)
    )
    assert bad == 0


def test_a_zip_file_imports_like_a_folder(ctx, tmp_path, prison):
    report = imported(write_feed(tmp_path / "valley", as_zip=True))

    assert report.feed_name == "valley"
    assert report.counts["stops"] == 4  # the station (location_type 1) is left out
    assert report.notes == ["1 stations, entrances and other places left out"]
    assert count(TransitStopTime) == 4
    link = db.session.scalar(sa.select(PrisonStop))
    assert (link.stop_id, link.walk_minutes) == ("GATE", 1)


def test_a_feed_missing_a_file_is_refused_and_nothing_changes(ctx, tmp_path):
    imported(write_feed(tmp_path / "valley"))

    with pytest.raises(FeedError, match=r"stop_times\.txt"):
        import_feed(write_feed(tmp_path / "broken" / "valley", stop_times=None))
    with pytest.raises(FeedError, match=r"calendar\.txt or calendar_dates\.txt"):
        import_feed(write_feed(tmp_path / "other" / "valley", calendar=None))
    db.session.rollback()

    assert count(TransitStopTime) == 4


def test_reimporting_replaces_the_feed_and_keeps_what_staff_adjusted(ctx, tmp_path, prison):
    imported(write_feed(tmp_path / "v1" / "valley"))
    feed_id = db.session.scalar(sa.select(TransitFeed.id))
    link = db.session.scalar(sa.select(PrisonStop))
    link.walk_minutes, link.adjusted = 4, True  # a steep hill, says the visits team
    db.session.commit()

    more = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        IN1,13:00:00,13:00:00,TOWN,1
        IN1,13:32:00,13:32:00,GATE,2
        IN2,14:00:00,14:00:00,TOWN,1
        IN2,14:32:00,14:32:00,GATE,2
    """
    trips = """
        route_id,service_id,trip_id
        R24,ALL,IN1
        R24,ALL,IN2
    """
    report = imported(write_feed(tmp_path / "v2" / "valley", stop_times=more, trips=trips))

    assert not report.skipped
    assert db.session.scalar(sa.select(TransitFeed.id)) == feed_id
    assert count(TransitFeed) == 1
    assert sorted(db.session.scalars(sa.select(TransitTrip.trip_id))) == ["IN1", "IN2"]
    assert count(TransitStopTime) == 4
    assert db.session.scalar(sa.select(PrisonStop.walk_minutes)) == 4


def test_a_failed_reimport_leaves_the_old_timetable_whole(app, tmp_path):
    runner = app.test_cli_runner()
    good = write_feed(tmp_path / "v1" / "valley")
    assert runner.invoke(args=["timetables", "import", str(good)]).exit_code == 0
    # stop_times.txt without stop_id: found only after the old rows were deleted.
    broken = write_feed(
        tmp_path / "v2" / "valley",
        stop_times="""
            trip_id,arrival_time,departure_time,stop_sequence
            IN1,13:00:00,13:00:00,1
        """,
    )

    result = runner.invoke(args=["timetables", "import", str(broken)])

    assert result.exit_code == 1
    assert "stop_times.txt has no stop_id column" in result.output
    with app.app_context():
        assert count(TransitStopTime) == 4
        assert count(TransitStop) == 4


def test_the_same_feed_is_not_imported_twice_unless_forced(app, tmp_path):
    runner = app.test_cli_runner()
    path = write_feed(tmp_path / "valley")
    first = runner.invoke(args=["timetables", "import", str(path)])
    again = runner.invoke(args=["timetables", "import", str(path)])
    forced = runner.invoke(args=["timetables", "import", "--force", str(path)])

    assert "imported" in first.output and "4 stop times" in first.output
    assert "already imported" in again.output
    assert "4 stop times" in forced.output


def test_bad_rows_are_reported_and_every_good_row_is_kept(ctx, tmp_path, prison):
    stop_times = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        IN1,13:00:00,13:00:00,TOWN,1
        IN1,13:7x:00,13:7x:00,MID,2
        IN1,13:32:00,13:32:00,GATE,3
        IN1,13:40:00,13:40:00,NOWHERE,4
        GHOST,10:00:00,10:00:00,TOWN,1
        BACK,10:00:00,10:00:00,TOWN,1
        BACK,09:00:00,09:00:00,GATE,2
        OUT1,16:12:00,16:12:00,GATE,1
        OUT1,16:44:00,16:44:00,TOWN,2
    """
    trips = """
        route_id,service_id,trip_id
        R24,ALL,IN1
        R24,ALL,OUT1
        R24,ALL,BACK
        NO_ROUTE,ALL,LOST
        R24,NO_SERVICE,LOST2
    """
    calendar = """
        service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
        ALL,1,1,1,1,1,1,1,20260101,20271231
        ODD,1,1,1,1,1,1,1,2026-01-01,20271231
    """
    report = imported(
        write_feed(tmp_path / "valley", stop_times=stop_times, trips=trips, calendar=calendar)
    )

    assert report.problem_counts == {
        "bad time (estimated from the stops around it)": 2,
        "stop time at an unknown stop_id (call left out)": 1,
        "stop time for an unknown or left-out trip_id": 1,
        "trip whose times go backwards left out": 1,
        "trip with unknown route_id": 1,
        "trip with unknown service_id": 1,
        "bad calendar row": 1,
    }
    bad_times = report.examples["bad time (estimated from the stops around it)"]
    assert any("13:7x:00" in example for example in bad_times)
    feed = db.session.scalar(sa.select(TransitFeed))
    assert feed.problem_count == 8
    assert "NOWHERE" in feed.problems
    # The bad time is estimated halfway between the stops either side.
    mid = db.session.scalar(
        sa.select(TransitStopTime.arrival)
        .join(TransitTrip, TransitTrip.id == TransitStopTime.trip_id)
        .where(TransitTrip.trip_id == "IN1", TransitStopTime.stop_sequence == 2)
    )
    assert mid == parse_time("13:16:00")
    assert count(TransitStopTime) == 5


def test_a_feed_with_only_calendar_dates_runs_on_exactly_those_days(ctx, tmp_path, prison):
    dates = """
        service_id,date,exception_type
        ALL,20260602,1
        ALL,20260604,1
        ALL,20260610,1
    """
    imported(write_feed(tmp_path / "valley", calendar=None, calendar_dates=dates))

    days = sorted(db.session.scalars(sa.select(TransitServiceDay.date)))
    assert days == [date(2026, 6, 2), date(2026, 6, 4), date(2026, 6, 10)]
    feed = db.session.scalar(sa.select(TransitFeed))
    assert (feed.first_date, feed.last_date, feed.estimate_week) == (
        date(2026, 6, 2),
        date(2026, 6, 10),
        None,  # no Monday-to-Sunday week inside Tuesday 2 to Wednesday 10 June
    )
    assert local_times(prison_day(prison, date(2026, 6, 4)).arrivals) == ["13:32"]
    assert prison_day(prison, date(2026, 6, 3)).arrivals == []
    # Without a full week, a later Wednesday is estimated from the feed's last Wednesday.
    later = prison_day(prison, date(2026, 6, 17))
    assert local_times(later.arrivals) == ["13:32"]
    assert later.estimated


def test_calendar_dates_take_a_day_away_from_the_weekly_pattern(ctx, tmp_path, prison):
    removed = """
        service_id,date,exception_type
        ALL,20261225,2
    """
    imported(write_feed(tmp_path / "valley", calendar_dates=removed))

    assert prison_day(prison, date(2026, 12, 25)).arrivals == []
    assert local_times(prison_day(prison, date(2026, 12, 24)).arrivals) == ["13:32"]


def test_times_past_midnight_fall_on_the_next_day(ctx, tmp_path, prison):
    late = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        IN1,24:40:00,24:40:00,TOWN,1
        IN1,25:10:00,25:10:00,GATE,2
    """
    trips = """
        route_id,service_id,trip_id
        R24,FRI,IN1
    """
    calendar = """
        service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
        FRI,0,0,0,0,1,0,0,20260101,20271231
    """
    imported(write_feed(tmp_path / "valley", stop_times=late, trips=trips, calendar=calendar))

    friday, saturday = date(2026, 6, 5), date(2026, 6, 6)
    assert prison_day(prison, friday).arrivals == []
    arrival = prison_day(prison, saturday).arrivals[0]
    assert arrival.local.replace(tzinfo=None) == datetime(2026, 6, 6, 1, 10)


@pytest.mark.parametrize(
    ("sunday", "origin_utc", "night_call", "night_local", "afternoon_utc"),
    [
        # Clocks go forward at 01:00 UTC: noon minus 12 hours is 23:00 the evening before,
        # so 01:30:00 is half past midnight.
        (
            date(2026, 3, 29),
            datetime(2026, 3, 28, 23),
            "01:30:00",
            "00:30",
            datetime(2026, 3, 29, 13),
        ),
        # Clocks go back at 01:00 UTC: noon minus 12 hours is 01:00 summer time,
        # so 00:30:00 is half past one (the first time round).
        (
            date(2026, 10, 25),
            datetime(2026, 10, 25, 0),
            "00:30:00",
            "01:30",
            datetime(2026, 10, 25, 14),
        ),
    ],
)
def test_clock_change_days_count_times_from_noon_minus_twelve_hours(
    ctx, tmp_path, prison, sunday, origin_utc, night_call, night_local, afternoon_utc
):
    assert service_origin(sunday, LONDON) == origin_utc.replace(tzinfo=UTC)
    calls = f"""
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        NIGHT,00:00:00,00:00:00,TOWN,1
        NIGHT,{night_call},{night_call},GATE,2
        DAY,13:30:00,13:30:00,TOWN,1
        DAY,14:00:00,14:00:00,GATE,2
    """
    trips = """
        route_id,service_id,trip_id
        R24,SUN,NIGHT
        R24,SUN,DAY
    """
    calendar = """
        service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
        SUN,0,0,0,0,0,0,1,20260101,20271231
    """
    imported(write_feed(tmp_path / "valley", stop_times=calls, trips=trips, calendar=calendar))

    night, day = prison_day(prison, sunday).arrivals
    # The afternoon bus is at 14:00 on the clock, in summer and in winter time alike.
    assert day.at == afternoon_utc.replace(tzinfo=UTC)
    assert day.local.strftime("%H:%M") == "14:00"
    assert night.local.strftime("%H:%M") == night_local
    assert night.local.date() == sunday


def test_frequencies_with_exact_times_are_a_timetable(ctx, tmp_path, prison):
    frequencies = """
        trip_id,start_time,end_time,headway_secs,exact_times
        IN1,08:00:00,09:00:00,1200,1
    """
    imported(write_feed(tmp_path / "valley", frequencies=frequencies))

    arrivals = prison_day(prison, date(2026, 6, 3)).arrivals
    # Runs leave town at 08:00, 08:20 and 08:40 (09:00 is the end, not a run): 32 minutes on.
    assert local_times(arrivals) == ["08:32", "08:52", "09:12"]
    assert {c.every_minutes for c in arrivals} == {None}


def test_frequencies_without_exact_times_are_about_every_so_often(ctx, tmp_path, prison):
    frequencies = """
        trip_id,start_time,end_time,headway_secs,exact_times
        IN1,08:00:00,09:00:00,1200,0
        OUT1,16:00:00,17:00:00,600,
    """
    imported(write_feed(tmp_path / "valley", frequencies=frequencies))

    calls = prison_day(prison, date(2026, 6, 3))
    assert local_times(calls.arrivals) == ["08:32", "08:52", "09:12"]
    assert {c.every_minutes for c in calls.arrivals} == {20}
    assert len(calls.departures) == 6
    assert {c.every_minutes for c in calls.departures} == {10}


def test_after_the_feed_ends_the_same_weekday_of_its_last_full_week_is_used(ctx, tmp_path, prison):
    calendar = """
        service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
        WEEKDAY,1,1,1,1,1,0,0,20260105,20260121
        SAT,0,0,0,0,0,1,0,20260105,20260121
    """
    trips = """
        route_id,service_id,trip_id
        R24,WEEKDAY,IN1
        R24,SAT,SAT1
    """
    stop_times = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        IN1,13:00:00,13:00:00,TOWN,1
        IN1,13:32:00,13:32:00,GATE,2
        SAT1,10:00:00,10:00:00,TOWN,1
        SAT1,10:32:00,10:32:00,GATE,2
    """
    imported(write_feed(tmp_path / "valley", calendar=calendar, trips=trips, stop_times=stop_times))
    feed = db.session.scalar(sa.select(TransitFeed))

    # The last Monday-to-Sunday week inside 5 to 21 January is 12 to 18 January.
    assert feed.estimate_week == date(2026, 1, 12)
    assert service_date_for(feed, date(2026, 1, 20)) == (date(2026, 1, 20), False)
    assert service_date_for(feed, date(2026, 3, 7)) == (date(2026, 1, 17), True)
    assert service_date_for(feed, date(2025, 12, 31)) is None
    saturday = prison_day(prison, date(2026, 3, 7))
    assert local_times(saturday.arrivals) == ["10:32"]
    assert saturday.estimated
    assert local_times(prison_day(prison, date(2026, 3, 9)).arrivals) == ["13:32"]


def test_stop_times_not_grouped_by_trip_are_put_back_together(ctx, tmp_path, prison):
    scattered = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence
        IN1,13:00:00,13:00:00,TOWN,1
        OUT1,16:12:00,16:12:00,GATE,1
        IN1,13:20:00,13:20:00,MID,2
        OUT1,16:44:00,16:44:00,TOWN,2
        IN1,13:32:00,13:32:00,GATE,3
    """
    report = imported(write_feed(tmp_path / "valley", stop_times=scattered))

    assert report.problem_total == 0
    assert report.counts["stop times"] == 5
    assert count(TransitStopTime) == 5
    calls = prison_day(prison, date(2026, 6, 3))
    assert local_times(calls.arrivals) == ["13:32"]
    assert local_times(calls.departures) == ["16:12"]


def test_a_first_stop_never_sets_down_even_if_the_feed_forgets(ctx, tmp_path, prison):
    # The bus starts at the prison gate: nobody arrives by it there, they can only board.
    starts_at_gate = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type
        IN1,13:00:00,13:00:00,GATE,1,0,0
        IN1,13:32:00,13:32:00,TOWN,2,0,0
        OUT1,16:12:00,16:12:00,TOWN,1,0,0
        OUT1,16:44:00,16:44:00,GATE,2,0,0
    """
    imported(write_feed(tmp_path / "valley", stop_times=starts_at_gate))

    calls = prison_day(prison, date(2026, 6, 3))
    assert local_times(calls.arrivals) == ["16:44"]
    assert local_times(calls.departures) == ["13:00"]


def test_dropping_off_is_refused_where_the_feed_says_so(ctx, tmp_path, prison):
    no_drop_off = """
        trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type
        IN1,13:00:00,13:00:00,TOWN,1,0,1
        IN1,13:32:00,13:32:00,GATE,2,0,1
        IN1,13:40:00,13:40:00,MID,3,1,0
    """
    imported(write_feed(tmp_path / "valley", stop_times=no_drop_off))

    calls = prison_day(prison, date(2026, 6, 3))
    assert calls.arrivals == []
    assert local_times(calls.departures) == ["13:32"]


def test_a_prison_with_no_stops_nearby_has_none_linked(ctx, tmp_path, make_prison):
    far_away = make_prison(latitude=53.0, longitude=-1.0)
    imported(write_feed(tmp_path / "valley"))

    assert count(PrisonStop, PrisonStop.prison_id == far_away.id) == 0
    assert not prison_day(far_away, date(2026, 6, 3)).linked


def test_the_visits_team_is_told_which_sessions_buses_miss_and_which_feeds_are_old(
    app, ctx, tmp_path, prison, make_session
):
    old = """
        service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
        ALL,1,1,1,1,1,1,1,20230605,20240301
    """
    runner = app.test_cli_runner()
    assert (
        runner.invoke(
            args=["timetables", "import", str(write_feed(tmp_path / "valley", calendar=old))]
        ).exit_code
        == 0
    )
    soon = local_today() + timedelta(days=3)
    make_session(prison, on=soon, start=time(14, 0))
    make_session(prison, on=soon, start=time(9, 0))

    status = runner.invoke(args=["timetables", "status"]).output
    check = runner.invoke(args=["timetables", "check", "--prison", prison.slug]).output

    assert (
        "Needs refreshing: times after 2024-03-01 are estimated from the week of 2024-02-19"
        in status
    )
    lines = [line for line in check.splitlines() if line.startswith("  ")]
    assert len(lines) == 2
    nine, two = sorted(lines, key=lambda line: "14:00" in line)
    assert "09:00: 0 arrivals" in nine and "NOT REACHABLE BY PUBLIC TRANSPORT" in nine
    assert "14:00: 0 arrivals" in two  # 13:32 + 1 minute is after the 13:30 check-in
    assert "(estimated)" in two


def test_staff_settings_for_walking_change_the_stops_found(app, ctx, tmp_path, prison):
    imported(write_feed(tmp_path / "valley"))
    runner = app.test_cli_runner()

    shorter = runner.invoke(
        args=["timetables", "link-stops", "--prison", prison.slug, "--max-walk", "50"]
    )
    slower = runner.invoke(
        args=[
            "timetables",
            "link-stops",
            "--prison",
            prison.slug,
            "--max-walk",
            "800",
            "--walk-speed",
            "40",
        ]
    )

    assert "HMP Valley: 0 stops" in shorter.output  # the gate stop is 56 m away
    assert "HMP Valley: 1 stops" in slower.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(PrisonStop.walk_minutes)) == 2  # 56 m at 40 m a minute


def test_the_visits_team_gets_start_times_that_catch_the_bus(
    app, ctx, tmp_path, prison, make_template
):
    imported(write_feed(tmp_path / "valley"))
    make_template(prison, weekday=2, start=time(9, 0), end_time=time(10, 0))

    result = app.test_cli_runner().invoke(args=["timetables", "suggest", "--prison", prison.slug])

    # At the gate 13:33, 30 minutes before the start; out by 16:11 for the 16:12 bus home.
    line, ideas = result.output.strip().split(": ", 1)
    assert line == "Wednesday 09:00"
    assert ideas.split("; ")[:2] == [
        "14:15 (1 arrivals, 1 ways home, score 33)",
        "14:30 (1 arrivals, 1 ways home, score 33)",
    ]
