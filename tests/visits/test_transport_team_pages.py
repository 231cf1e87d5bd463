"""The visits team's public transport pages: how weekly sessions fit the timetables, the day
timeline, suggested start times, feeds that need refreshing and the stops near a prison."""

import html
import re
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from app import db
from staff.models import Role, StaffAuditEvent
from tests.conftest import count
from tests.visits.gtfs_feeds import PRISON_LAT, PRISON_LON, write_feed
from tests.visits.journey_steps import error_summary
from timeutil import local_today
from visits.models import SessionTemplate, Visit, VisitSession, VisitStatus
from visits.outbox import MessageKind, OutboxMessage
from visits.sessions import ensure_sessions
from visits.timetables import import_feed
from visits.transport_models import PrisonStop, PrisonTransport

SOON = local_today() + timedelta(days=3)
BASE = "/staff/prisons/valley/transport"
# Bus 24 reaches Prison Gate at 13:32 and leaves it at 16:12, every day of 2026 and 2027.
OLD_CALENDAR = """
    service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
    ALL,1,1,1,1,1,1,1,20230605,20240301
"""


@pytest.fixture
def valley(make_prison):
    # Visitors must be at the gate 20 minutes before a session starts.
    return make_prison(
        slug="valley",
        name="HMP Valley",
        latitude=PRISON_LAT,
        longitude=PRISON_LON,
        arrive_minutes_before=20,
    )


@pytest.fixture
def bus_24(ctx, tmp_path, valley):
    import_feed(write_feed(tmp_path / "valley"))
    db.session.commit()


@pytest.fixture
def team(make_staff, sign_in, valley):
    return sign_in(make_staff(Role.VISITS_TEAM, prisons=[valley]))


def weekly_at(make_template, prison, start):
    template = make_template(prison, weekday=SOON.weekday(), start=start)
    ensure_sessions(prison, *prison.booking_window(local_today()))
    db.session.commit()
    return template


def session_on(day, template):
    return db.session.scalar(
        sa.select(VisitSession).where(
            VisitSession.template_id == template.id, VisitSession.date == day
        )
    )


def confirm(client, page, url):
    """Press the button on a confirmation page: post back exactly what the page holds."""
    form = page.text.split("<form", 1)[1].split("</form>", 1)[0]
    data = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form):
        data.setdefault(name, []).append(html.unescape(value))
    return client.post(url, data=data)


def text_of(page):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))


# How sessions fit --------------------------------------------------------------------------


def test_each_weekly_session_shows_its_buses_score_and_flag(team, valley, bus_24, make_template):
    weekly_at(make_template, valley, time(14, 0))
    weekly_at(make_template, valley, time(9, 0))

    page = team.get(BASE)

    text = text_of(page)
    assert page.status_code == 200
    # Sessions are listed in time order: 09:00 first.
    no_bus, fits = text.split("09:00 to 11:00")[1].split("14:00 to 16:00")
    assert "13:32: Bus 24 at Prison Gate, then a 1 minute walk" in fits
    assert "16:12: Bus 24 from Prison Gate" in fits
    assert "33 out of 100" in fits
    assert "Reachable by public transport" in fits
    assert "Public transport cannot reach this session" in no_bus
    assert "0 out of 100" in no_bus
    assert "the feed needs refreshing" not in text


def test_a_prison_without_stops_says_nothing_can_be_checked(team, valley, make_template):
    weekly_at(make_template, valley, time(14, 0))

    text = text_of(team.get(BASE))

    assert "No stops near the prison are in use" in text


# The day timeline ----------------------------------------------------------------------------


def test_the_day_timeline_draws_the_day_with_a_table(team, valley, bus_24, make_template):
    weekly_at(make_template, valley, time(14, 0))

    page = team.get(f"{BASE}/timeline?day={SOON.isoformat()}")

    assert page.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page.text
    assert 'role="img"' in page.text
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", page.text, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows[1:]]
    assert [c[:2] for c in cells] == [
        ["13:32", "Arrival"],
        ["14:00", "Visiting session"],
        ["16:12", "Departure"],
    ]


def test_the_timeline_starts_on_the_next_day_with_a_session(team, valley, bus_24, make_template):
    weekly_at(make_template, valley, time(14, 0))

    page = team.get(f"{BASE}/timeline")

    first = min(
        s.date
        for s in db.session.scalars(sa.select(VisitSession))
        if s.date >= valley.booking_window(local_today())[0]
    )
    assert f'value="{first.day}"' in page.text
    assert "14:00 to 16:00; check in from 12:30 to 13:40" in page.text


def test_a_day_that_is_not_a_date_is_explained_and_kept(team, valley, bus_24):
    page = team.get(f"{BASE}/timeline?day-day=31&day-month=2&day-year=2027")

    summary = error_summary(page.text)
    assert page.status_code == 200
    assert "The date must be a real date" in summary
    assert 'href="#day-day"' in summary
    assert 'value="31"' in page.text and 'value="2027"' in page.text

    chosen = team.get(f"{BASE}/timeline?day-day=2&day-month=6&day-year=2027")
    assert chosen.status_code == 302
    assert chosen.headers["Location"].endswith("/timeline?day=2027-06-02")


# Suggested start times -----------------------------------------------------------------------


def test_a_better_start_time_is_suggested(team, valley, bus_24, make_template):
    weekly_at(make_template, valley, time(13, 0))

    text = text_of(team.get(f"{BASE}/suggestions"))

    # At 13:00 the gate closes at 12:40, before the bus: only the way home counts.
    assert "arrivals in the check-in window 0, ways home 1, score 17 out of 100" in text
    assert "14:00 to 16:00 1 1 33 Start at 14:00" in text


def test_a_start_time_another_weekly_session_has_is_not_suggested(
    team, valley, bus_24, make_template
):
    template = weekly_at(make_template, valley, time(13, 0))
    weekly_at(make_template, valley, time(14, 0))

    text = text_of(team.get(f"{BASE}/suggestions"))
    # No button offers it: post it as a tampered form would, with the session's form token.
    taken = team.post(
        f"{BASE}/suggestions/{template.id}/apply",
        data={"start_time": "14:00", "csrf_token": token(team, "/staff/logout")},
    )

    assert "Start at 14:00" not in text
    assert "No other start time fits the timetables as well" in text
    assert "That start time is no longer suggested" in error_summary(taken.text)


def test_applying_a_suggestion_moves_the_session_and_tells_the_families(
    team, valley, bus_24, make_template, book_visit
):
    template = weekly_at(make_template, valley, time(13, 0))
    visit = book_visit(session_on(SOON, template))
    url = f"{BASE}/suggestions/{template.id}/apply"

    listed = team.post(
        url, data={"start_time": "14:00", "csrf_token": token(team, f"{BASE}/suggestions")}
    )
    unchanged = db.session.get(SessionTemplate, template.id).start_time
    applied = confirm(team, listed, url)

    assert "Check the visits this change affects" in listed.text
    assert "Kept, at the new time" in listed.text
    assert unchanged == time(13, 0)
    assert applied.status_code == 302
    assert "Weekly session moved to 14:00" in team.get(applied.headers["Location"]).text
    db.session.expire_all()
    template = db.session.get(SessionTemplate, template.id)
    assert (template.start_time, template.end_time) == (time(14, 0), time(16, 0))
    visit = db.session.get(Visit, visit.id)
    assert visit.status is VisitStatus.BOOKED
    assert visit.session.start_time == time(14, 0)
    told = db.session.scalars(
        sa.select(OutboxMessage.kind).where(OutboxMessage.visit_id == visit.id)
    ).all()
    assert MessageKind.SESSION_CHANGED in told
    assert count(StaffAuditEvent, StaffAuditEvent.action == "applied suggested start time") == 1


def test_applying_with_no_bookings_needs_no_confirmation(team, valley, bus_24, make_template):
    template = weekly_at(make_template, valley, time(13, 0))

    applied = team.post(
        f"{BASE}/suggestions/{template.id}/apply",
        data={"start_time": "14:00", "csrf_token": token(team, f"{BASE}/suggestions")},
    )

    assert applied.status_code == 302
    db.session.refresh(template)
    assert template.start_time == time(14, 0)
    assert session_on(SOON, template).start_time == time(14, 0)


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("15:30", "That start time is no longer suggested"),
        ("half past", "Enter the start time on the 24-hour clock, like 14:00"),
        ("", "Enter the start time"),
    ],
)
def test_a_start_time_that_was_not_suggested_changes_nothing(
    team, valley, bus_24, make_template, start, message
):
    template = weekly_at(make_template, valley, time(13, 0))

    page = team.post(
        f"{BASE}/suggestions/{template.id}/apply",
        data={"start_time": start, "csrf_token": token(team, f"{BASE}/suggestions")},
    )

    summary = error_summary(page.text)
    assert page.status_code == 200
    assert message in summary
    assert f'href="#session-{template.id}"' in summary
    assert f'id="session-{template.id}"' in page.text
    db.session.refresh(template)
    assert template.start_time == time(13, 0)
    assert count(StaffAuditEvent, StaffAuditEvent.action == "applied suggested start time") == 0


def token(client, page_url):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(page_url).text).group(1)


# Feeds that need refreshing ------------------------------------------------------------------


def test_a_feed_ending_before_the_booking_window_is_flagged(team, valley, tmp_path, make_template):
    import_feed(write_feed(tmp_path / "old", calendar=OLD_CALENDAR))
    db.session.commit()
    weekly_at(make_template, valley, time(14, 0))

    for url in (BASE, f"{BASE}/suggestions", "/staff/prisons/valley/sessions"):
        text = text_of(team.get(url))
        assert "“old” ends on 1 March 2024" in text, url
        assert "the feed needs refreshing" in text, url
    assert "Estimated times" in text_of(team.get(BASE))


def test_a_feed_the_prison_does_not_use_is_not_flagged(team, valley, tmp_path):
    import_feed(write_feed(tmp_path / "old", calendar=OLD_CALENDAR))
    db.session.execute(sa.update(PrisonStop).values(enabled=False, adjusted=True))
    db.session.commit()

    assert "the feed needs refreshing" not in text_of(team.get(BASE))


# Stops near the prison -----------------------------------------------------------------------


def test_the_team_changes_the_walk_from_a_stop(team, valley, bus_24, make_template):
    weekly_at(make_template, valley, time(13, 54))
    link = db.session.scalar(sa.select(PrisonStop))
    stops = team.get(f"{BASE}/stops")

    changed = team.submit(f"{BASE}/stops/{link.id}", {"walk_minutes": "3", "used": "yes"})

    assert "Prison Gate" in stops.text and "1 minute" in stops.text
    assert changed.status_code == 302
    db.session.refresh(link)
    assert (link.walk_minutes, link.enabled, link.adjusted) == (3, True, True)
    # At the stop 13:32, at the gate 13:35: after check-in closes for 13:54.
    assert "Public transport cannot reach this session" in text_of(team.get(BASE))
    event = db.session.scalar(
        sa.select(StaffAuditEvent).where(StaffAuditEvent.action == "changed stop near prison")
    )
    assert (event.record_id, event.prison_id) == (link.id, valley.id)
    assert event.detail == "3 minute walk, used"


def test_a_stop_the_team_turns_off_is_not_used(team, valley, bus_24, make_template):
    weekly_at(make_template, valley, time(14, 0))
    link = db.session.scalar(sa.select(PrisonStop))

    team.submit(f"{BASE}/stops/{link.id}", {"walk_minutes": "1", "used": "no"})

    db.session.refresh(link)
    assert not link.enabled
    assert "Not used" in team.get(f"{BASE}/stops").text
    assert "No stops near the prison are in use" in text_of(team.get(BASE))


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"walk_minutes": "ten", "used": "yes"}, "as a whole number, like 5"),
        ({"walk_minutes": "0", "used": "yes"}, "between 1 and 60"),
        ({"walk_minutes": "", "used": "yes"}, "Enter the walking time in minutes"),
        ({"walk_minutes": "4", "used": "maybe"}, "Select whether to use this stop"),
        ({"walk_minutes": "4"}, "Select whether to use this stop"),
    ],
)
def test_a_wrong_walk_is_explained_and_kept(team, valley, bus_24, answers, message):
    link = db.session.scalar(sa.select(PrisonStop))

    page = team.submit(f"{BASE}/stops/{link.id}", answers)

    assert page.status_code == 200
    assert message in error_summary(page.text)
    assert f'value="{answers["walk_minutes"]}"' in page.text
    db.session.refresh(link)
    assert (link.walk_minutes, link.adjusted) == (1, False)
    assert count(StaffAuditEvent, StaffAuditEvent.action == "changed stop near prison") == 0


# The check-in window -------------------------------------------------------------------------


def test_the_team_narrows_the_check_in_window(team, valley, bus_24, make_template):
    weekly_at(make_template, valley, time(14, 0))

    saved = team.submit(f"{BASE}/window", {"earliest_minutes": "25", "way_home_minutes": "60"})

    assert saved.status_code == 302
    settings = db.session.get(PrisonTransport, valley.id)
    assert (settings.earliest_arrival_minutes, settings.way_home_minutes) == (25, 60)
    # At the gate 13:33: more than 25 minutes before 14:00, so too long a wait.
    text = text_of(team.get(BASE))
    assert "between 25 and 20 minutes before" in text
    assert "Public transport cannot reach this session" in text
    assert count(StaffAuditEvent, StaffAuditEvent.action == "changed transport check-in window")


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            {"earliest_minutes": "20", "way_home_minutes": "60"},
            "must be more than 20 minutes before the start",
        ),
        ({"earliest_minutes": "an hour", "way_home_minutes": "60"}, "as a whole number"),
        ({"earliest_minutes": "90", "way_home_minutes": ""}, "Enter how long after"),
        ({"earliest_minutes": "90", "way_home_minutes": "999"}, "between 1 and 240"),
    ],
)
def test_a_window_that_cannot_work_is_explained_and_kept(team, valley, answers, message):
    page = team.submit(f"{BASE}/window", answers)

    assert page.status_code == 200
    assert message in error_summary(page.text)
    for value in answers.values():
        assert f'value="{value}"' in page.text
    assert db.session.get(PrisonTransport, valley.id) is None


def test_the_dashboard_links_to_the_transport_pages(team, valley):
    assert f'href="{BASE}"' in team.get("/staff/").text
