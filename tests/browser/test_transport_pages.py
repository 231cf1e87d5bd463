"""A family plans a journey by bus, and the visits team checks how sessions fit the
timetables, moves one to a suggested time and adjusts a stop; axe (WCAG 2.2 AA) checks every
page, error pages included."""

import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from app import db
from staff import accounts
from staff.models import Role
from tests.browser.checks import (
    LEAKED_MARKUP,
    BrowserProblems,
    assert_no_axe_violations,
    assert_no_horizontal_scroll,
)
from tests.browser.conftest import serve
from tests.visits.gtfs_feeds import PRISON_LAT, PRISON_LON, write_feed
from timeutil import local_today
from visits.models import Nation, Prison, SessionTemplate
from visits.sessions import ensure_sessions
from visits.timetables import import_feed

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 768, "height": 1024}, "is_mobile": True, "has_touch": True}
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
EMAIL = "gwen@team.example"
PASSWORD = "a long visits team password"
SOON = local_today() + timedelta(days=3)
NEXT = SOON + timedelta(days=1)

# Bus A from Town Centre to Market Square, a short walk, bus B on to the prison gate;
# bus 24 home at 16:12.
STOP_TIMES = """
    trip_id,arrival_time,departure_time,stop_id,stop_sequence
    A1200,12:00:00,12:00:00,TOWN,1
    A1200,12:30:00,12:30:00,MID,2
    B1240,12:40:00,12:40:00,MIDB,1
    B1240,12:55:00,12:55:00,GATE,2
    IN1,13:00:00,13:00:00,TOWN,1
    IN1,13:32:00,13:32:00,GATE,2
    OUT1,16:12:00,16:12:00,GATE,1
    OUT1,16:44:00,16:44:00,TOWN,2
"""
TRIPS = """
    route_id,service_id,trip_id,trip_headsign
    RA,ALL,A1200,Market
    RB,ALL,B1240,Prison
    R24,ALL,IN1,Prison
    R24,ALL,OUT1,Town Centre
"""


@pytest.fixture(scope="module")
def transport_server(tmp_path_factory, compiled_translations):
    folder = tmp_path_factory.mktemp("transport")
    with serve(folder, compiled_translations, demo_data=False) as (app, url):
        with app.app_context():
            valley = Prison(
                slug="valley",
                name="HMP Valley",
                nation=Nation.WALES,
                address="Valley Road",
                postcode="CF10 1AA",
                latitude=PRISON_LAT,
                longitude=PRISON_LON,
                phone="029 2000 0000",
                arrive_minutes_before=20,
            )
            db.session.add(valley)
            db.session.flush()
            # Two sessions one day, neither of which the buses fit; one the next day that they do.
            for day, start in ((SOON, time(9, 0)), (SOON, time(13, 0)), (NEXT, time(14, 0))):
                db.session.add(
                    SessionTemplate(
                        prison_id=valley.id,
                        weekday=day.weekday(),
                        start_time=start,
                        end_time=time(start.hour + 2),
                        open_tables=10,
                        valid_from=local_today(),
                    )
                )
            db.session.flush()
            ensure_sessions(valley, *valley.booking_window(local_today()))
            import_feed(write_feed(folder / "valley", stop_times=STOP_TIMES, trips=TRIPS))
            accounts.create_staff(None, EMAIL, "Gwen Team", Role.VISITS_TEAM, [valley], PASSWORD)
            db.session.commit()
        yield url


def device(browser, server, screen):
    context = browser.new_context(
        **screen, base_url=server, locale="en-GB", service_workers="block"
    )
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def phone(browser, transport_server):
    context = device(browser, transport_server, PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def tablet(browser, transport_server):
    context = device(browser, transport_server, TABLET)
    yield context.new_page()
    context.close()


def checker(page, service, screenshot_dir, prefix):
    problems = BrowserProblems(page)
    taken = []

    def check_page(name, title, *, error=False):
        page.wait_for_load_state("load")
        expected = f"{title} \N{EN DASH} {service}"
        expect(page).to_have_title(f"Error: {expected}" if error else expected)
        expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
        leaked = LEAKED_MARKUP.search(page.locator("body").inner_text())
        assert not leaked, f"{page.url} shows markup as text: {leaked.group()!r}"
        assert_no_axe_violations(page)
        assert_no_horizontal_scroll(page)
        seen = problems.take()
        assert not seen, f"the browser reported problems on {page.url}: {seen}"
        if screenshot_dir is not None:
            taken.append(name)
            page.screenshot(
                path=str(screenshot_dir / f"{prefix}-{len(taken):02d}-{name}.png"), full_page=True
            )

    return check_page


def press(page, name):
    page.get_by_role("button", name=name, exact=True).click()


def test_a_family_plans_a_journey_by_bus(phone, screenshot_dir):
    page = phone
    check = checker(page, "Visit someone in prison", screenshot_dir, "journey")
    page.goto("/prisons/valley/journey")
    check("planner", "Plan your journey to HMP Valley")

    press(page, "Plan journey")
    check("planner-errors", "Plan your journey to HMP Valley", error=True)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the visit")

    fits = page.locator("option", has_text="14:00 to 16:00").first.get_attribute("value")
    page.get_by_label("Which visit are you travelling to?").select_option(fits)
    page.get_by_label("Where will you start your journey?").fill("market")
    press(page, "Plan journey")
    check("planner-stops", "Plan your journey to HMP Valley")
    page.get_by_label("Market Square North").check()
    press(page, "Plan journey")
    check("planner-result", "Plan your journey to HMP Valley")
    expect(page.locator("main")).to_contain_text("Bus B towards Prison from Market Square North")


def test_the_visits_team_fits_sessions_to_the_timetable(tablet, screenshot_dir):
    page = tablet
    check = checker(page, "Prison visits staff", screenshot_dir, "transport")
    page.goto("/staff/login")
    page.get_by_label("Email address", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press(page, "Sign in")
    page.get_by_role("link", name="Public transport").click()
    check("overview", "How sessions fit the timetables")
    expect(page.locator("main")).to_contain_text("13:32: Bus 24 at Prison Gate")
    expect(page.locator("main")).to_contain_text("Public transport cannot reach this session")

    page.get_by_role("link", name="Change the check-in window").click()
    check("window", "Check-in window for buses and trains")
    earliest = page.get_by_label(re.compile("How early may visitors reach the gate"))
    earliest.fill("10")
    press(page, "Save")
    check("window-errors", "Check-in window for buses and trains", error=True)
    expect(earliest).to_have_value("10")
    earliest.fill("90")
    press(page, "Save")
    check("window-saved", "How sessions fit the timetables")

    page.get_by_role("link", name="Day timeline").click()
    check("timeline", "Day timeline")
    expect(page.locator("svg.app-timeline")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Bus 24 at Prison Gate. Fits a session")
    group = page.get_by_role("group", name="Show another day")
    group.get_by_label("Day", exact=True).fill("31")
    group.get_by_label("Month", exact=True).fill("2")
    press(page, "Show this day")
    check("timeline-errors", "Day timeline", error=True)

    page.get_by_role("link", name="Suggested start times").click()
    check("suggestions", "Suggested start times")
    page.get_by_role("button", name=re.compile(r"^Start at 14:00")).first.click()
    check("suggestion-applied", "Suggested start times")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Weekly session moved to 14:00"
    )

    page.get_by_role("link", name="Stops near the prison").click()
    check("stops", "Stops near the prison")
    page.get_by_role("link", name=re.compile(r"^Change Prison Gate")).click()
    check("stop", "Change a stop near the prison")
    page.get_by_label("Walking time to the prison, in minutes").fill("ten")
    press(page, "Save")
    check("stop-errors", "Change a stop near the prison", error=True)
    expect(page.get_by_label("Walking time to the prison, in minutes")).to_have_value("ten")
    page.get_by_label("Walking time to the prison, in minutes").fill("2")
    press(page, "Save")
    check("stops-changed", "Stops near the prison")
    expect(page.get_by_role("table")).to_contain_text("2 minutes")
