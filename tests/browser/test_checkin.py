"""A visitor centre worker checks a family in on a tablet, in English and in Welsh."""

import re
import secrets
from datetime import date, time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app import db
from centres import checkin
from staff import accounts
from staff.models import Role, StaffUser
from tests.browser.checks import (
    LEAKED_MARKUP,
    BrowserProblems,
    assert_no_axe_violations,
    assert_no_horizontal_scroll,
)
from tests.browser.conftest import serve
from timeutil import local_today, utcnow
from visits import booking, outbox
from visits.booking import ContactDetails, PrisonerDetails, VisitorDetails
from visits.models import Prison, Relationship, Visit, VisitSession
from visits.rules import format_reference

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 768, "height": 1024}, "is_mobile": True, "has_touch": True}
LANGUAGES = pytest.mark.parametrize("lang", ["en", "cy"], ids=["English", "Welsh"])
PASSWORD = "a long tablet password"
EMAIL = "carys@centre.example"


@pytest.fixture(scope="module")
def centre_server(tmp_path_factory, compiled_translations):
    """The service with the demo prisons, a session at HMP Cardiff today and a centre worker."""
    with serve(tmp_path_factory.mktemp("centre"), compiled_translations) as (app, url):
        with app.app_context():
            cardiff = db.session.scalar(sa.select(Prison).where(Prison.slug == "cardiff"))
            # Today's families booked ahead; the test books them now, so allow same-day booking.
            cardiff.min_notice_days = 0
            db.session.add(
                VisitSession(
                    prison=cardiff,
                    date=local_today(),
                    start_time=time(14, 0),
                    end_time=time(16, 0),
                    open_tables=20,
                    closed_tables=2,
                    people_places=None,
                )
            )
            accounts.create_staff(None, EMAIL, "Carys Centre", Role.CENTRE, [cardiff], PASSWORD)
            db.session.commit()
        yield app, url


def book_family_today(app, lead="Mary"):
    """The lead visitor and her daughter Ann, 8, booked for today's session at HMP Cardiff."""
    with app.app_context():
        cardiff = db.session.scalar(sa.select(Prison).where(Prison.slug == "cardiff"))
        session = db.session.scalar(
            sa.select(VisitSession).where(
                VisitSession.prison_id == cardiff.id, VisitSession.date == local_today()
            )
        )
        today = local_today()
        visitors = [
            VisitorDetails(lead, "Jones", date(1985, 3, 27), Relationship.PARTNER),
            VisitorDetails("Ann", "Jones", date(today.year - 8, 1, 15), Relationship.CHILD),
        ]
        prisoner = PrisonerDetails("Tom", "Jones", date(1980, 2, 1), "A1234BC")
        contact = ContactDetails("+447123456789", None, "en")
        token = secrets.token_urlsafe(16)
        booking.hold_place(cardiff, token, session.id, prisoner, visitors, contact, today, utcnow())
        visit = booking.confirm_booking(
            cardiff, token, prisoner, visitors, contact, [], "", today, utcnow()
        )
        db.session.commit()
        return visit.id, format_reference(visit.reference)


def arrive_elsewhere(app, visit_id):
    """Another worker, on another tablet, marks a family as arrived."""
    with app.app_context():
        worker = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == EMAIL))
        checkin.mark_arrived(db.session.get(Visit, visit_id), worker, utcnow())
        db.session.commit()


@pytest.fixture
def todays_family(centre_server):
    app, _ = centre_server
    return book_family_today(app)[1]


@pytest.fixture
def tablet(browser, centre_server, lang):
    _, url = centre_server
    context = browser.new_context(
        **TABLET, base_url=url, locale="en-GB" if lang == "cy" else "cy", service_workers="block"
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def t(translator, lang):
    catalogue = translator(lang)

    def gettext(message, **values):
        translated = catalogue.gettext(message)
        return translated % values if values else translated

    return gettext


@pytest.fixture
def check(tablet, lang, t, screenshot_dir, request):
    problems = BrowserProblems(tablet)
    prefix = request.node.name.replace("[", "-").rstrip("]")
    taken = []

    def check_page(name, title, *, error=False):
        tablet.wait_for_load_state("load")
        expect(tablet.locator("html")).to_have_attribute("lang", lang)
        expected = f"{title} \N{EN DASH} {t('Prison visits staff')}"
        expect(tablet).to_have_title(f"{t('Error:')} {expected}" if error else expected)
        expect(tablet.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
        leaked = LEAKED_MARKUP.search(tablet.locator("body").inner_text())
        assert not leaked, f"{tablet.url} shows markup as text: {leaked.group()!r}"
        assert_no_axe_violations(tablet)
        assert_no_horizontal_scroll(tablet)
        seen = problems.take()
        assert not seen, f"the browser reported problems on {tablet.url}: {seen}"
        if screenshot_dir is not None:
            taken.append(name)
            path = screenshot_dir / f"{prefix}-{len(taken):02d}-{name}.png"
            tablet.screenshot(path=str(path), full_page=True)

    return check_page


def status_tag(page):
    return page.locator("#check-in-status .govuk-tag").first


def press(page, name):
    page.get_by_role("button", name=name, exact=True).click()


@LANGUAGES
def test_a_centre_worker_checks_a_family_in_on_a_tablet(
    tablet, lang, t, translator, check, todays_family, centre_server, screenshot_dir
):
    page, reference = tablet, todays_family
    page.goto(f"/staff/login?lang={lang}")
    check("sign-in", t("Sign in"))
    page.get_by_label(t("Email address"), exact=True).fill(EMAIL)
    page.get_by_label(t("Password"), exact=True).fill(PASSWORD)
    press(page, t("Sign in"))

    check("dashboard", t("Your prisons"))
    page.get_by_role("link", name=t("Visitor centre"), exact=True).click()

    day_title = t("Visits on %(day)s", day=page.locator("h1").inner_text().split(" ", 2)[-1])
    check("day", page.locator("h1").inner_text())
    assert day_title
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference))
    expect(row).to_contain_text("Mary Jones")
    expect(row).to_contain_text(t("Expected"))

    page.get_by_role("link", name=t("Visit list to print")).first.click()
    list_title = page.locator("h1").inner_text()
    check("visit-list", list_title)
    list_row = page.get_by_role("row").filter(has_text=reference)
    expect(list_row.get_by_role("cell").nth(2)).to_have_text("Mary Jones")
    expect(list_row.get_by_role("cell").nth(3)).to_contain_text("Ann Jones")
    expect(page.get_by_role("button", name=t("Print"))).to_be_visible()
    page.get_by_role("link", name=t("Back to the day's visits")).click()

    search = page.get_by_role("search")
    search.get_by_label(t("Booking reference or visitor's name")).fill("ann jones")
    search.get_by_role("button", name=t("Search")).click()
    check("search", t("Find a visit"))
    page.get_by_role("link", name=reference).click()

    visit_title = t("Visit %(reference)s", reference=reference)
    check("expected", visit_title)
    expect(status_tag(page)).to_have_text(t("Expected"))
    press(page, t("Mark as arrived"))

    check("arrived", visit_title)
    expect(page.get_by_role("alert", name=t("Success"))).to_contain_text(t("Marked as arrived."))
    expect(status_tag(page)).to_have_text(t("Arrived"))
    id_check = page.get_by_role("group", name=t("Whose photo ID have you seen?"))
    # Ann is 8 and with her mother: she needs no ID, so she is not asked about.
    expect(id_check.get_by_role("checkbox")).to_have_count(1)
    press(page, t("Record ID check"))

    check("id-not-seen", visit_title, error=True)
    summary = page.get_by_role("alert")
    message = t("Confirm you have seen ID for %(names)s", names="Mary Jones")
    expect(summary.get_by_role("link", name=message)).to_have_attribute("href", "#seen")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    summary.get_by_role("link", name=message).click()
    mary = page.get_by_role("checkbox", name="Mary Jones")
    expect(mary).to_be_focused()
    mary.check()
    press(page, t("Record ID check"))

    check("id-checked", visit_title)
    expect(status_tag(page)).to_have_text(t("ID checked"))
    visitors = page.locator("#visitors")
    expect(visitors.get_by_role("row").filter(has_text="Mary Jones")).to_contain_text(t("Seen"))
    expect(visitors.get_by_role("row").filter(has_text="Ann Jones")).to_contain_text(
        t("Not needed: under 16 with an adult")
    )
    press(page, t("Admit to the visit"))

    check("admitted", visit_title)
    expect(status_tag(page)).to_have_text(t("Admitted"))
    expect(page.get_by_role("button", name=t("Mark as left"))).to_be_visible()

    page.get_by_role("link", name=t("Visit pass to print")).click()
    check("pass", t("Visit pass %(reference)s", reference=reference))
    expect(page.locator("#pass-visitors")).to_contain_text("Mary Jones")
    expect(page.locator("#pass-children")).to_contain_text("Ann Jones")
    expect(page.get_by_role("button", name=t("Print"))).to_be_visible()
    page.emulate_media(media="print")
    # On paper: the pass and nothing else.
    expect(page.locator(".app-pass")).to_be_visible()
    for furniture in (".govuk-service-navigation", ".govuk-back-link", ".app-print-button"):
        expect(page.locator(furniture)).to_be_hidden()
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / f"{lang}-pass-printed.png"), full_page=True)
    page.emulate_media(media="screen")

    page.clock.install()
    page.goto("/staff/prisons/cardiff/visitor-centre/here")
    check("here-now", t("Who is here now"))
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    expect(page.get_by_label(t("Update this list every 30 seconds"))).to_be_checked()
    families_here = page.locator("#here-list tbody tr")
    before = families_here.count()
    app, _ = centre_server
    other_id, other_reference = book_family_today(app, lead="Sian")
    arrive_elsewhere(app, other_id)
    expect(page.get_by_role("link", name=other_reference)).to_have_count(0)
    page.clock.fast_forward(31_000)
    # Updated without reloading the page: the new family appears and the count is read out.
    expect(page.get_by_role("link", name=other_reference)).to_be_visible()
    expect(families_here).to_have_count(before + 1)
    plural = translator(lang).ngettext("%(num)s family here", "%(num)s families here", before + 1)
    expect(page.get_by_role("status")).to_contain_text(plural % {"num": before + 1})
    check("here-now-updated", t("Who is here now"))

    page.get_by_role("link", name=t("Your prisons")).click()
    page.get_by_role("link", name=t("Reports"), exact=True).click()
    check("reports", t("Reports for %(prison)s", prison="HMP Cardiff"))
    for chart in page.locator("svg[role=img]").all():
        expect(chart).to_have_accessible_name(re.compile(r"\w"))
    expect(page.locator("#table-summary")).to_be_visible()


@LANGUAGES
def test_a_centre_worker_reads_what_families_were_sent(tablet, lang, t, check, centre_server):
    app, _ = centre_server
    with app.app_context():
        outbox.dispatch_due()  # no provider here: the demo bookings' messages are kept for staff
    page = tablet
    page.goto(f"/staff/login?lang={lang}")
    page.get_by_label(t("Email address"), exact=True).fill(EMAIL)
    page.get_by_label(t("Password"), exact=True).fill(PASSWORD)
    press(page, t("Sign in"))
    page.get_by_role("link", name=t("Messages to families"), exact=True).click()

    check("messages", t("Messages to families"))
    kept = page.locator("#recorded ~ table .govuk-details").first
    kept.locator("summary").click()
    expect(kept.locator(".govuk-details__text")).to_be_visible()
    check("message-opened", t("Messages to families"))
