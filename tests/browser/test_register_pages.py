"""A visits team member uses the prisoner register, restrictions, booking for a family,
closures and reopened sessions, and an admin changes a colleague's access;
axe (WCAG 2.2 AA) checks every page on a tablet, error pages included."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
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
from timeutil import local_today
from visits.models import Prison, Visit, VisitSession

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 768, "height": 1024}, "is_mobile": True, "has_touch": True}
EMAIL = "tomos@team.example"
PASSWORD = "a long visits team password"
ADMIN_EMAIL = "ada@admin.example"
CSV = (
    "prison_number,first_name,last_name,date_of_birth,category\n"
    "A1234BC,Tom,Jones,01/02/1980,convicted\n"
    "B12,Dan,Smith,1985-03-27,remand\n"
)


@pytest.fixture(scope="module")
def team_server(tmp_path_factory, compiled_translations):
    with serve(tmp_path_factory.mktemp("team"), compiled_translations) as (app, url):
        with app.app_context():
            cardiff = db.session.scalar(sa.select(Prison).where(Prison.slug == "cardiff"))
            accounts.create_staff(None, EMAIL, "Tomos Team", Role.VISITS_TEAM, [cardiff], PASSWORD)
            accounts.create_staff(None, ADMIN_EMAIL, "Ada Admin", Role.ADMIN, [cardiff], PASSWORD)
            accounts.create_staff(
                None, "nia@team.example", "Nia Newydd", Role.VISITS_TEAM, [cardiff], PASSWORD
            )
            db.session.commit()
        yield app, url


@pytest.fixture
def tablet(browser, team_server):
    context = browser.new_context(
        **TABLET, base_url=team_server[1], locale="en-GB", service_workers="block"
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def check(tablet, screenshot_dir):
    problems = BrowserProblems(tablet)
    taken = []

    def check_page(name, title, *, error=False):
        tablet.wait_for_load_state("load")
        expected = f"{title} \N{EN DASH} Prison visits staff"
        expect(tablet).to_have_title(f"Error: {expected}" if error else expected)
        expect(tablet.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
        leaked = LEAKED_MARKUP.search(tablet.locator("body").inner_text())
        assert not leaked, f"{tablet.url} shows markup as text: {leaked.group()!r}"
        assert_no_axe_violations(tablet)
        assert_no_horizontal_scroll(tablet)
        seen = problems.take()
        assert not seen, f"the browser reported problems on {tablet.url}: {seen}"
        if screenshot_dir is not None:
            taken.append(name)
            tablet.screenshot(
                path=str(screenshot_dir / f"register-{len(taken):02d}-{name}.png"), full_page=True
            )

    return check_page


def press(page, name):
    page.get_by_role("button", name=name, exact=True).click()


def fill_date(page, legend, day, month, year):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day))
    group.get_by_label("Month").fill(str(month))
    group.get_by_label("Year").fill(str(year))


def test_the_visits_team_keeps_the_register_and_restrictions(tablet, check, tmp_path):
    page = tablet
    page.goto("/staff/login")
    page.get_by_label("Email address", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press(page, "Sign in")
    page.get_by_role("link", name="Prisoner register").first.click()
    check("register", "Prisoner register")

    page.get_by_role("link", name="Add a prisoner").click()
    press(page, "Save")
    check("add-prisoner-errors", "Add a prisoner", error=True)
    page.get_by_label("First name").fill("Tom")
    page.get_by_label("Last name").fill("Jones")
    fill_date(page, "Date of birth", 1, 2, 1980)
    page.get_by_label("Prison number").fill("A1234BC")
    page.get_by_label("Convicted").check()
    press(page, "Save")
    check("prisoner", "Tom Jones")
    expect(page.locator("main")).to_contain_text("1 visit in any 14 days")
    page.locator("main").get_by_role("link", name=re.compile("^Change")).click()
    check("edit-prisoner", "Change a prisoner's details")

    page.goto("/staff/prisons/cardiff/prisoners/import")
    check("import", "Add or update prisoners from a CSV file")
    upload = tmp_path / "register.csv"
    upload.write_text(CSV)
    page.get_by_label("CSV file").set_input_files(str(upload))
    press(page, "Upload")
    check("import-report", "Add or update prisoners from a CSV file")
    expect(page.get_by_role("table")).to_contain_text("prison_number")

    page.goto("/staff/prisons/cardiff/allowance")
    page.get_by_label("In any run of this many days").fill("forty")
    press(page, "Save")
    check("allowance-errors", "Visit allowance", error=True)

    page.goto("/staff/prisons/cardiff/restrictions")
    check("restrictions", "Restrictions")
    page.get_by_role("link", name="Ban a visitor").click()
    press(page, "Add restriction")
    check("ban-errors", "Ban a visitor", error=True)
    page.get_by_label("Visitor's first name").fill("Mary")
    page.get_by_label("Visitor's last name").fill("Jones")
    fill_date(page, "Visitor's date of birth", 27, 3, 1985)
    ends = local_today().replace(year=local_today().year + 1)
    fill_date(page, "Ends on", ends.day, ends.month, ends.year)
    page.get_by_label("Reason").fill("Passed items during a visit")
    press(page, "Add restriction")
    check("restrictions-with-ban", "Restrictions")
    page.locator("main").get_by_role("link", name=re.compile("^End")).first.click()
    check("end-restriction", "End a restriction")


def test_the_visits_team_books_a_visit_for_a_family_on_the_phone(tablet, check, team_server):
    page = tablet
    page.goto("/staff/login")
    page.get_by_label("Email address", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press(page, "Sign in")
    page.get_by_role("link", name="Book a visit for a family").first.click()
    check("start", "Book a visit for a family")
    page.get_by_label("By phone").check()
    press(page, "Continue")

    check("prisoner", "Who is the family visiting?")
    page.get_by_label("First name").fill("Tom")
    page.get_by_label("Last name").fill("Evans")
    fill_date(page, "Date of birth", 1, 2, 1980)
    page.get_by_label("Prison number").fill("C3456DE")
    press(page, "Continue")

    check("main-visitor", "Main visitor")
    press(page, "Continue")
    check("main-visitor-errors", "Main visitor", error=True)
    page.get_by_label("First name").fill("Mary")
    page.get_by_label("Last name").fill("Evans")
    fill_date(page, "Date of birth", 27, 3, 1985)
    page.get_by_label("Husband, wife or partner").check()
    press(page, "Continue")

    check("visitors", "Who is visiting?")
    press(page, "Continue")
    check("contact", "The family's contact details")
    page.get_by_label("UK mobile number").fill("07123 456789")
    press(page, "Continue")

    check("time", "Choose a date and time")
    page.locator("input[name=session]").first.check()
    press(page, "Continue")
    check("needs", "Does anyone visiting need extra help?")
    press(page, "Continue")
    check("check", "Check the booking")
    press(page, "Book visit")

    check("done", "Visit booked")
    app, _ = team_server
    with app.app_context():
        visit = db.session.scalar(sa.select(Visit).where(Visit.prisoner_number == "C3456DE"))
        assert visit.channel == "phone"
        expect(page.locator("main")).to_contain_text(f"/visit/{visit.manage_token}")


def sign_in(page, email):
    page.goto("/staff/login")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    press(page, "Sign in")


def test_the_visits_team_closes_the_prison_for_a_day_then_undoes_it(tablet, check):
    page = tablet
    sign_in(page, EMAIL)
    day = local_today() + timedelta(days=26)
    page.goto("/staff/prisons/cardiff/closures/new")
    page.get_by_label("The whole prison: every session").check()
    fill_date(page, "First day closed", day.day, day.month, day.year)
    fill_date(page, "Last day closed", day.day, day.month, day.year)
    page.get_by_label("Reason").fill("Staff training")
    press(page, "Add closure")
    if "Check the visits this change affects" in page.title():
        press(page, "Make the change and tell the families")
    check("closure-added", "Visiting sessions")

    shown = f"{day.day} {day.strftime('%b %Y')}"
    ours = page.get_by_role("link", name=f"Remove closure from {shown} to {shown}")
    ours.click()
    check("closure-remove", "Remove a closure")
    press(page, "Remove this closure")
    check("closure-removed", "Visiting sessions")
    expect(ours).to_have_count(0)


def test_the_visits_team_reopens_a_cancelled_session(tablet, check, team_server):
    app, _ = team_server
    with app.app_context():
        cardiff = db.session.scalar(sa.select(Prison).where(Prison.slug == "cardiff"))
        session = db.session.scalar(
            sa.select(VisitSession)
            .where(VisitSession.prison_id == cardiff.id, VisitSession.date > local_today())
            .order_by(VisitSession.date.desc())
        )
        session_id = session.id
    page = tablet
    sign_in(page, EMAIL)
    page.goto(f"/staff/prisons/cardiff/sessions/{session_id}/cancel")
    page.get_by_label("Why is this session cancelled?").fill("Staff training")
    press(page, "Cancel this session")
    if "Check the visits this change affects" in page.title():
        press(page, "Make the change and tell the families")
    check("session-cancelled", "Visiting sessions")

    page.goto(f"/staff/prisons/cardiff/sessions/{session_id}/reopen")
    check("session-reopen", "Reopen a cancelled session")
    press(page, "Reopen this session")
    check("session-reopened", "Visiting sessions")
    with app.app_context():
        assert not db.session.get(VisitSession, session_id).cancelled


def test_an_admin_changes_a_staff_members_role(tablet, check):
    page = tablet
    sign_in(page, ADMIN_EMAIL)
    page.goto("/staff/admin/staff")
    check("staff-list", "Staff accounts")
    page.get_by_role("link", name=re.compile("^Change role and prisons for Nia Newydd")).click()
    check("staff-access", "Change role and prisons")
    page.get_by_label("Visitor centre staff").check()
    press(page, "Save changes")
    check("staff-access-saved", "Staff accounts")
    row = page.get_by_role("row").filter(has_text="Nia Newydd")
    expect(row).to_contain_text("Visitor centre staff")
