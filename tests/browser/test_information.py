"""Information pages, a complaint and a booking in Urdu, on a phone, mirrored right to left.

The Urdu catalogue is not translated yet, so pages show English words in a right-to-left
layout. Elements are found by id, name and role, and expected text goes through the Urdu
catalogue, so the test keeps working as translations arrive.
"""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app import db
from staff import accounts
from staff.models import Role
from tests.browser.checks import (
    LEAKED_MARKUP,
    BrowserProblems,
    Checker,
    assert_no_axe_violations,
    assert_no_horizontal_scroll,
)
from tests.browser.conftest import PHONE, serve
from timeutil import local_today, utcnow
from visits import feedback
from visits.feedback_models import FeedbackKind, FeedbackTheme, ReplyBy, WrittenBy
from visits.models import Prison

pytestmark = pytest.mark.browser

URDU = "ur"
SMALLEST_PHONE = {"width": 320, "height": 640}
STAFF_EMAIL = "vic@visits.example"
PASSWORD = "a long phone password"
LATE_COMPLAINT = feedback.NewFeedback(
    kind=FeedbackKind.COMPLAINT,
    theme=FeedbackTheme.SEARCHES,
    written_by=WrittenBy.ADULT,
    message="Nobody told us the visit was cancelled.\nWe travelled for three hours.",
    name="",
    reply_by=ReplyBy.NONE,
    mobile=None,
    email=None,
    language=URDU,
)


@pytest.fixture(scope="module")
def urdu_server(tmp_path_factory, compiled_translations):
    """The service with Urdu switched on, as LANGUAGES_ENABLED would in production."""
    folder = tmp_path_factory.mktemp("urdu")
    with serve(folder, compiled_translations, LANGUAGES_ENABLED=[URDU]) as (app, url):
        with app.app_context():
            cardiff = db.session.scalar(sa.select(Prison).where(Prison.slug == "cardiff"))
            accounts.create_staff(
                None, STAFF_EMAIL, "Vic Visits", Role.VISITS_TEAM, [cardiff], PASSWORD
            )
            # A complaint nobody answered in time.
            feedback.submit(cardiff, LATE_COMPLAINT, utcnow() - timedelta(days=40))
            db.session.commit()
        yield url


@pytest.fixture
def phone(browser, urdu_server):
    context = browser.new_context(
        **PHONE, base_url=urdu_server, locale="en-GB", service_workers="block"
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def t(translator):
    catalogue = translator(URDU)

    def gettext(message, **values):
        translated = catalogue.gettext(message)
        return translated % values if values else translated

    return gettext


@pytest.fixture
def check(phone, translator, screenshot_dir, request):
    return Checker(phone, URDU, translator(URDU).gettext, screenshot_dir, request.node.name)


def submit(page):
    page.locator("main form .govuk-button").last.click()


def box(locator):
    found = locator.bounding_box()
    assert found, f"{locator} is not on the page"
    return found


def right_edge(found):
    return found["x"] + found["width"]


def assert_on_the_right(page, locator, what):
    """Against the right edge of the main column, clear of the left edge."""
    column = box(page.locator("main"))
    found = box(locator)
    assert right_edge(found) >= right_edge(column) - 2, f"{what} is not on the right: {found}"
    assert found["x"] > column["x"] + 20, f"{what} reaches the left edge: {found}"


def assert_radios_lead_from_the_right(page, name, rtl=True):
    for radio in page.locator(f"input[type=radio][name={name}]").all()[:2]:
        label = page.locator(f"label[for='{radio.get_attribute('id')}']")
        item = radio.locator("xpath=..")
        radio_box, label_box, item_box = box(radio), box(label), box(item)
        if rtl:
            assert radio_box["x"] > label_box["x"], "the radio is not right of its label"
            assert abs(right_edge(radio_box) - right_edge(item_box)) <= 2
        else:
            assert radio_box["x"] < label_box["x"], "the radio is not left of its label"
        # The drawn circle sits over the (invisible) input: 2px in from the input's side.
        side = "right" if rtl else "left"
        inset = label.evaluate(f"label => getComputedStyle(label, '::before').{side}")
        assert inset == "2px", f"the radio's circle is {inset} from the {side}"


def choose_urdu(page, check, t):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    # English and Welsh are shown; the others, Urdu among them, are one link away.
    switcher = page.locator("nav.app-language-switcher")
    expect(switcher.locator("a[hreflang=ur]")).to_have_count(0)
    switcher.locator("#other-languages").click()
    expect(page.locator("#language-list a[hreflang=ur]")).to_have_attribute("dir", "rtl")
    page.locator("#language-list a[hreflang=ur]").click()
    check("start", t("Visit someone in prison"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("nav.app-language-switcher [aria-current=true]")).to_have_attribute(
        "lang", URDU
    )


def test_information_pages_in_urdu_on_a_phone_are_mirrored(phone, check, t):
    page = phone
    choose_urdu(page, check, t)
    switcher = box(page.locator(".app-language-switcher__list"))
    assert switcher["x"] < 60, "the language switcher should start at the left in Urdu"

    page.locator("#other-languages").click()
    check("languages", t("Choose a language"))
    assert_on_the_right(page, page.locator(".govuk-back-link"), "the back link")
    page.locator(".govuk-back-link").click()

    page.locator("main a[href='/prisons/cardiff']").click()
    check("prison", t("Visiting %(prison)s", prison="HMP Cardiff"))
    for section in ["getting-there", "first-visit", "on-the-day", "children"]:
        expect(page.locator(f"h2#{section}")).to_be_visible()
    # The numbers of the steps on the day stand in the right-hand margin.
    steps = page.locator("#on-the-day + ol")
    margin = right_edge(box(steps)) - right_edge(box(steps.locator("li").first))
    assert margin == pytest.approx(20, abs=1), margin
    inset = page.locator(".govuk-inset-text").last
    border = inset.evaluate("e => getComputedStyle(e).borderRightWidth")
    assert border == "10px", "the inset text's bar should be on the right"

    for url, title in [
        ("/children", t("Visiting someone in prison: for children")),
        ("/children/teenagers", t("Visiting someone in prison: for teenagers")),
        ("/accessibility", t("Accessibility statement")),
        ("/privacy", t("Privacy notice")),
    ]:
        page.locator(f"a[href='{url}']").first.click()
        check(url.strip("/").replace("/", "-"), title)
    page.set_viewport_size(SMALLEST_PHONE)
    for url in ["/", "/prisons/cardiff", "/children", "/languages", "/feedback"]:
        page.goto(url)
        assert_no_horizontal_scroll(page)


def test_a_complaint_in_urdu_on_a_phone(phone, check, t):
    page = phone
    choose_urdu(page, check, t)

    page.locator("footer a[href='/feedback']").click()
    title = t("Feedback and complaints")
    check("feedback", title)
    assert_radios_lead_from_the_right(page, "kind")
    submit(page)

    check("feedback-empty", title, error=True)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#message']")).to_be_visible()
    border = page.locator(".govuk-form-group--error").first.evaluate(
        "e => getComputedStyle(e).borderRightWidth"
    )
    assert border == "5px", "the error bar should be on the right"

    page.locator("input[name=kind][value=complaint]").check()
    page.locator("input[name=prison][value=cardiff]").check()
    page.locator("input[name=theme][value=searches]").check()
    page.locator("#message").fill("The search took an hour and my daughter was frightened.")
    page.locator("input[name=written_by][value=adult]").check()
    page.locator("input[name=reply_by][value=sms]").check()
    page.locator("#mobile").fill("07123 456789")
    submit(page)

    check("feedback-sent", t("Your complaint"))
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text(
        re.compile(r"[BCDFGHJKLMNPQRSTVWXZ2-9]{4}-[BCDFGHJKLMNPQRSTVWXZ2-9]{4}")
    )


def fill_date(page, name, day):
    page.locator(f"#{name}-day").fill(str(day.day))
    page.locator(f"#{name}-month").fill(str(day.month))
    page.locator(f"#{name}-year").fill(str(day.year))


def test_a_booking_in_urdu_on_a_phone(phone, check, t):
    page = phone
    page.goto("/book/prison?lang=en")
    assert_radios_lead_from_the_right(page, "prison", rtl=False)
    choose_urdu(page, check, t)

    page.locator("a.govuk-button--start").click()
    check("choose-prison", t("Which prison are you visiting?"))
    assert_on_the_right(page, page.locator(".govuk-back-link"), "the back link")
    assert_radios_lead_from_the_right(page, "prison")
    page.locator("input[name=prison][value=cardiff]").check()
    submit(page)

    check("prisoner", t("Who are you visiting?"))
    page.locator("#first_name").fill("Tom")
    page.locator("#last_name").fill("Jones")
    fill_date(page, "date_of_birth", date(1980, 2, 1))
    days = [box(page.locator(f"#date_of_birth-{part}")) for part in ("day", "month", "year")]
    assert days[0]["x"] > days[1]["x"] > days[2]["x"], "day, month, year should run right to left"
    page.locator("#prison_number").fill("A1234BC")
    submit(page)

    check("lead-visitor", t("Your details"))
    page.locator("#first_name").fill("Mary")
    page.locator("#last_name").fill("Jones")
    fill_date(page, "date_of_birth", date(1985, 3, 27))
    page.locator("input[name=relation][value=partner]").check()
    submit(page)

    check("contact", t("How can we contact you?"))
    page.locator("#mobile").fill("07123 456789")
    submit(page)

    check("visitors", t("Who is visiting?"))
    page.locator("input[name=add_another][value=no]").check()
    submit(page)

    check("choose-time", t("Choose a date and time"))
    page.locator("input[name=session]").first.check()
    submit(page)

    check("needs", t("Does anyone visiting need extra help?"))
    submit(page)

    check("check-answers", t("Check your answers"))
    change = page.locator(".govuk-summary-list__actions a").first
    assert_on_the_right(page, change, "the first change link")
    submit(page)

    check("confirmation", t("Visit booked"))
    panel = page.locator(".govuk-panel")
    expect(panel.locator(".app-reference")).to_be_visible()
    expect(page.locator("main a[href='/children']")).to_be_visible()
    expect(page.locator("main")).to_contain_text("0808 808 2003")


def test_staff_keep_information_arrivals_and_complaints_on_a_phone(phone):
    page = phone
    problems = BrowserProblems(page)

    def looks_right():
        page.wait_for_load_state("load")
        leaked = LEAKED_MARKUP.search(page.locator("body").inner_text())
        assert not leaked, f"{page.url} shows markup as text: {leaked.group()!r}"
        assert_no_axe_violations(page)
        assert_no_horizontal_scroll(page)
        assert problems.take() == []

    page.goto("/staff/login?lang=en")
    page.locator("#email").fill(STAFF_EMAIL)
    page.locator("#password").fill(PASSWORD)
    submit(page)
    expect(page.locator("#email")).to_have_count(0)

    page.goto("/staff/prisons/cardiff/information")
    looks_right()
    page.locator("a[href='/staff/prisons/cardiff/information/ur']").click()
    looks_right()
    expect(page.locator("#dress_code")).to_have_attribute("dir", "rtl")
    page.locator("#dress_code").fill("سیاہ کپڑے نہ پہنیں")
    submit(page)
    expect(page.get_by_role("alert")).to_be_visible()
    looks_right()

    page.goto("/staff/prisons/cardiff/first-visits")
    looks_right()
    page.locator("#prison_number").fill("Z9999ZZ")
    fill_date(page, "received_on", local_today())
    submit(page)
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    looks_right()

    page.goto("/staff/prisons/cardiff/feedback")
    expect(page.locator("tr.app-overdue")).to_have_count(1)
    looks_right()
    page.locator("tr.app-overdue a").click()
    expect(page.locator("#message")).to_have_attribute("dir", "rtl")
    looks_right()
    page.locator("input[name=kind][value=complaint]").check()
    page.locator("input[name=theme][value=visit_day]").check()
    page.locator("form[action$='/triage'] .govuk-button").click()
    looks_right()
    page.locator("#reply-text").fill("We are sorry. We should have texted you.")
    page.locator("form[action$='/reply'] .govuk-button").click()
    expect(page.locator("#reply")).to_contain_text("We are sorry.")
    looks_right()

    page.goto("/staff/prisons/cardiff/feedback-report")
    looks_right()

    # What the staff wrote in Urdu is what an Urdu-speaking family reads.
    page.goto("/prisons/cardiff?lang=ur")
    expect(page.locator("#dress-code + .app-staff-text")).to_have_text("سیاہ کپڑے نہ پہنیں")
    expect(page.locator("#dress-code + .app-staff-text")).not_to_have_attribute("lang", "en")
    looks_right()
