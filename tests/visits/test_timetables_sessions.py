"""How visiting sessions fit the timetable, what families see, and journeys to the prison."""

import re
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from app import db
from tests.visits.gtfs_feeds import NEWPORT, PRISON_LAT, PRISON_LON, write_feed
from tests.visits.journey_steps import book, walk_to_choose_time
from timeutil import local_today
from visits.journey_planner import plan_home, plan_to_prison, search_stops
from visits.timeline import TimelineCall, TimelineSession, day_timeline
from visits.timetables import import_feed
from visits.transport import (
    fits_for_sessions,
    session_fit,
    suggest_start_times,
    timeline_for_day,
)
from visits.transport_models import PrisonStop, TransitStop

WEDNESDAY = date(2026, 6, 3)

# Bus A: Town Centre to Market Square; a 2 minute walk to Market Square North; bus B on to
# the prison gate. Bus 24 goes straight from town but only in the evening.
STOP_TIMES = """
    trip_id,arrival_time,departure_time,stop_id,stop_sequence
    A1100,11:00:00,11:00:00,TOWN,1
    A1100,11:30:00,11:30:00,MID,2
    A1200,12:00:00,12:00:00,TOWN,1
    A1200,12:30:00,12:30:00,MID,2
    A1230,12:30:00,12:30:00,TOWN,1
    A1230,13:00:00,13:00:00,MID,2
    B1240,12:40:00,12:40:00,MIDB,1
    B1240,12:55:00,12:55:00,GATE,2
    B1350,13:50:00,13:50:00,MIDB,1
    B1350,14:05:00,14:05:00,GATE,2
    OUT1,16:12:00,16:12:00,GATE,1
    OUT1,16:44:00,16:44:00,TOWN,2
    IN1,19:00:00,19:00:00,TOWN,1
    IN1,19:32:00,19:32:00,GATE,2
"""
TRIPS = """
    route_id,service_id,trip_id,trip_headsign
    RA,ALL,A1100,Market
    RA,ALL,A1200,Market
    RA,ALL,A1230,Market
    RB,ALL,B1240,Prison
    RB,ALL,B1350,Prison
    R24,ALL,OUT1,Town Centre
    R24,ALL,IN1,Prison
"""


@pytest.fixture
def valley(make_prison):
    # HMP Valley wants visitors at the gate 20 minutes before a session starts.
    return make_prison(
        slug="valley",
        name="HMP Valley",
        latitude=PRISON_LAT,
        longitude=PRISON_LON,
        arrive_minutes_before=20,
    )


@pytest.fixture
def simple_feed(ctx, tmp_path):
    """Bus 24 reaches Prison Gate at 13:32 and leaves it at 16:12, every day of 2026-2027."""
    import_feed(write_feed(tmp_path / "valley"))
    db.session.commit()


@pytest.fixture
def network(ctx, tmp_path):
    import_feed(write_feed(tmp_path / "network", stop_times=STOP_TIMES, trips=TRIPS))
    db.session.commit()


def session_on(make_session, prison, day, start=time(14, 0)):
    return make_session(prison, on=day, start=start)


def stop_named(name):
    return db.session.scalar(sa.select(TransitStop).where(TransitStop.name == name))


# Sessions and the timetable ------------------------------------------------------------------


def test_a_bus_inside_the_check_in_window_fits_the_session(valley, simple_feed):
    fit = session_fit(valley, WEDNESDAY, time(14, 0), time(16, 0))

    # 13:32 at the stop, 1 minute's walk: at the gate 27 minutes before the 14:00 start.
    assert [c.local.strftime("%H:%M") for c in fit.arrivals] == ["13:32"]
    assert [c.local.strftime("%H:%M") for c in fit.departures] == ["16:12"]
    assert fit.reachable
    assert fit.score == 33  # 1 of 3 arrivals and 1 of 3 ways home counted as a good fit


def test_a_bus_arriving_after_check_in_closes_does_not_fit(valley, simple_feed):
    # For a 13:45 start visitors must be at the gate by 13:25; the bus gets them there 13:33.
    fit = session_fit(valley, WEDNESDAY, time(13, 45), time(15, 45))

    assert fit.arrivals == []
    assert not fit.reachable
    assert fit.score == 17


def test_walking_time_counts_against_the_check_in_window(valley, simple_feed):
    link = db.session.scalar(sa.select(PrisonStop))
    link.walk_minutes, link.adjusted = 3, True
    db.session.commit()

    # 13:32 + 3 minutes' walk is 13:35: too late for 13:54 (the gate closes at 13:34).
    assert session_fit(valley, WEDNESDAY, time(13, 54), time(16, 0)).arrivals == []
    assert session_fit(valley, WEDNESDAY, time(13, 55), time(16, 0)).arrivals


def test_a_stop_staff_turned_off_is_not_used(valley, simple_feed):
    link = db.session.scalar(sa.select(PrisonStop))
    link.enabled, link.adjusted = False, True
    db.session.commit()

    fit = session_fit(valley, WEDNESDAY, time(14, 0), time(16, 0))
    assert not fit.linked
    assert fit.arrivals == []


def test_sessions_are_flagged_when_no_bus_brings_visitors(valley, simple_feed, make_session):
    fits_well = session_on(make_session, valley, WEDNESDAY)
    too_early = session_on(make_session, valley, WEDNESDAY, start=time(9, 0))

    fits = fits_for_sessions(valley, [fits_well, too_early])

    assert fits[fits_well.id].reachable
    assert not fits[too_early.id].reachable


def test_suggested_start_times_catch_the_bus_there_and_back(valley, simple_feed):
    suggestions = suggest_start_times(
        valley, WEDNESDAY, timedelta(hours=2), current=time(14, 0), step_minutes=5
    )

    # At the gate at 13:33 and 20 minutes early: a start from 13:53; out by 16:11 for the
    # 16:12 bus home: a 2 hour visit starting by 14:11. Nearest the current 14:00 first.
    assert [(s.start, s.arrivals, s.departures) for s in suggestions] == [
        (time(14, 0), 1, 1),
        (time(13, 55), 1, 1),
        (time(14, 5), 1, 1),
    ]
    later = suggest_start_times(valley, WEDNESDAY, timedelta(hours=2), step_minutes=5, limit=5)
    assert {s.start for s in later[:4]} == {time(13, 55), time(14), time(14, 5), time(14, 10)}
    assert later[4].score < later[3].score == 33


def test_the_timeline_chart_draws_sessions_and_calls_with_a_table(
    valley, simple_feed, make_session
):
    session = session_on(make_session, valley, WEDNESDAY)

    chart = str(timeline_for_day(valley, WEDNESDAY, [session]))

    assert chart.startswith("<svg") and 'role="img"' in chart
    assert '<title id="timeline-title">Buses and trains near HMP Valley' in chart
    assert chart.count("<polygon") == 2  # one arrival, one departure
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', chart)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows[1:]]
    assert [c[:2] for c in cells] == [
        ["13:32", "Arrival"],
        ["14:00", "Visiting session"],
        ["16:12", "Departure"],
    ]
    assert "Bus 24 at Prison Gate. Fits a session" in chart
    assert "14:00 to 16:00; check in from 12:30 to 13:40" in chart


def test_the_timeline_escapes_what_it_is_given():
    chart = str(
        day_timeline(
            "<b>Day</b>",
            [TimelineSession("<i>s</i>", time(14), time(16), time(12, 30), time(13, 30))],
            [TimelineCall(time(13, 32), '<script>alert("x")</script>', True)],
            [],
        )
    )

    assert "<script>" not in chart and "<b>" not in chart and "<i>" not in chart
    assert "&lt;script&gt;" in chart
    assert 'fill="#00703c"' in chart  # a call that fits is drawn in green


# What families see ---------------------------------------------------------------------------


def test_the_choose_time_page_says_which_bus_arrives(family, valley, simple_feed, make_session):
    session_on(make_session, valley, local_today() + timedelta(days=3))

    page = walk_to_choose_time(family, "valley")

    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert "Bus 24 arrives at Prison Gate at 13:32, then a 1 minute walk" in text
    assert "Way home: Bus 24 leaves Prison Gate at 16:12" in text
    assert "estimated" not in text
    assert "/prisons/valley/journey" in text


def test_times_from_an_expired_timetable_are_marked_as_estimates(
    family, valley, tmp_path, make_session
):
    old = """
        service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
        ALL,1,1,1,1,1,1,1,20230605,20240301
    """
    import_feed(write_feed(tmp_path / "old", calendar=old))
    session_on(make_session, valley, local_today() + timedelta(days=3))

    page = walk_to_choose_time(family, "valley")

    text = re.sub(r"\s+", " ", page.text)
    assert "Bus 24 arrives at Prison Gate at 13:32" in text
    assert "(estimated times)" in text
    assert "estimated from an older timetable" in text


def test_a_session_no_bus_reaches_says_so(family, valley, simple_feed, make_session):
    session_on(make_session, valley, local_today() + timedelta(days=3), start=time(20, 0))

    text = re.sub(r"\s+", " ", walk_to_choose_time(family, "valley").text)

    assert "No bus or train arrives in time for this visit" in text


def test_prisons_without_stops_show_no_transport(family, make_prison, make_session, simple_feed):
    far = make_prison(slug="far", latitude=53.0, longitude=-1.0)
    session_on(make_session, far, local_today() + timedelta(days=3))

    text = walk_to_choose_time(family, "far").text

    assert "arrives at" not in text and "Plan your journey" not in text


def test_confirmation_and_manage_pages_show_the_way_there_and_home(
    family, valley, simple_feed, make_session
):
    session_on(make_session, valley, local_today() + timedelta(days=3))

    confirmation = book(family, "valley")

    manage = family.get(re.search(r'href="(/visit/[^"]+)"', confirmation.text)[1])
    for page in (confirmation, manage):
        text = re.sub(r"\s+", " ", page.text)
        assert "Getting there by bus or train" in text
        assert "Bus 24 arrives at Prison Gate at 13:32, then a 1 minute walk" in text
        assert "Way home: Bus 24 leaves Prison Gate at 16:12" in text


# Journeys -------------------------------------------------------------------------------------


def test_the_latest_journey_that_arrives_in_time_with_a_change_and_a_walk(
    valley, network, make_session
):
    session = session_on(make_session, valley, WEDNESDAY)

    journey = plan_to_prison(valley, session, stop_named("Town Centre").id)

    # Gate by 13:40. Bus A at 12:30 reaches the market at 13:00, after bus B has gone at
    # 12:40; so leave on bus A at 12:00, walk to Market Square North, bus B at 12:40.
    steps = [
        (leg.walk, leg.from_name, leg.to_name, leg.departs_local.strftime("%H:%M"))
        for leg in journey.legs
    ]
    assert steps == [
        (False, "Town Centre", "Market Square", "12:00"),
        (True, "Market Square", "Market Square North", "12:30"),
        (False, "Market Square North", "Prison Gate", "12:40"),
        (True, "Prison Gate", "HMP Valley", "12:55"),
    ]
    assert journey.legs[0].vehicle == "Bus A"
    assert journey.changes == 1
    assert journey.legs[-1].arrives_local.strftime("%H:%M") == "12:56"
    assert not journey.estimated


def test_no_journey_when_nothing_arrives_in_time(valley, network, make_session):
    early = session_on(make_session, valley, WEDNESDAY, start=time(12, 0))

    assert plan_to_prison(valley, early, stop_named("Town Centre").id) is None


def test_the_way_home_after_the_session(valley, network, make_session):
    session = session_on(make_session, valley, WEDNESDAY)

    journey = plan_home(valley, session, stop_named("Town Centre").id)

    assert [(leg.walk, leg.to_name) for leg in journey.legs] == [
        (True, "Prison Gate"),
        (False, "Town Centre"),
    ]
    assert journey.legs[1].departs_local.strftime("%H:%M") == "16:12"
    assert journey.legs[-1].arrives_local.strftime("%H:%M") == "16:44"


def test_stop_search_finds_stops_by_part_of_their_name(valley, network):
    names = [m.name for m in search_stops("market", near=valley)]

    assert names == ["Market Square", "Market Square North"]
    assert search_stops("no such place") == []
    assert [m.name for m in search_stops("%")] == []  # a wildcard is just a character


@pytest.mark.skipif(not NEWPORT.exists(), reason="no ../shared/data/gtfs")
def test_a_journey_on_the_real_newport_timetable(ctx, make_prison, make_session):
    usk = make_prison(slug="usk", name="HMP Usk", latitude=51.7040, longitude=-2.9021)
    import_feed(NEWPORT)
    db.session.commit()
    session = session_on(make_session, usk, date(2026, 12, 2), start=time(14, 15))
    # Bus 60 runs from Friars Walk, Newport's bus station, to Usk.
    newport = next(m for m in search_stops("friars walk 10", near=usk))

    there = plan_to_prison(usk, session, newport.pk)
    home = plan_home(usk, session, newport.pk)

    assert there is not None and home is not None
    assert there.estimated and home.estimated
    gate_by = session.starts_at - timedelta(minutes=usk.arrive_minutes_before)
    assert there.legs[-1].arrives_local.replace(tzinfo=None) <= gate_by
    assert home.legs[0].departs_local.time() >= session.end_time


# The journey planner page ---------------------------------------------------------------------


def test_the_journey_planner_page_plans_from_a_stop_named_by_the_family(
    family, valley, network, make_session
):
    session = session_on(make_session, valley, local_today() + timedelta(days=3))
    url = f"/prisons/valley/journey?session={session.id}"

    empty = family.submit(url, {"session": str(session.id), "origin": ""})
    assert empty.status_code == 200
    assert "There is a problem" in empty.text
    assert 'href="#origin"' in empty.text

    unknown = family.submit(url, {"session": str(session.id), "origin": "Atlantis"})
    assert "We could not find a stop or station with that name" in unknown.text
    assert 'value="Atlantis"' in unknown.text

    several = family.submit(url, {"session": str(session.id), "origin": "market"})
    assert "Which stop do you mean?" in several.text
    assert "Market Square North" in several.text

    found = family.submit(url, {"session": str(session.id), "origin": "town centre"})
    text = re.sub(r"\s+", " ", found.text)
    assert "Leave Town Centre by 12:00" in text
    assert "Bus B towards Prison from Market Square North" in text
    assert "Your way home" in text


def test_the_journey_planner_refuses_a_visit_it_did_not_offer(
    family, valley, network, make_session
):
    session_on(make_session, valley, local_today() + timedelta(days=3))
    page = family.submit("/prisons/valley/journey", {"session": "999999", "origin": "town"})

    assert page.status_code == 200
    assert "Select the visit you are travelling to" in page.text


def test_the_journey_planner_of_an_unknown_prison_is_not_found(family, valley):
    assert family.get("/prisons/nowhere/journey").status_code == 404
