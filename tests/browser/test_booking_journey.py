import re
from datetime import date

import pytest
from babel.dates import format_date
from playwright.sync_api import expect

from tests.browser.checks import Checker
from timeutil import local_today

pytestmark = pytest.mark.browser

LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg"}
# Each run starts with the phone asking for the other language, so choosing one on the
# start page has to override the browser's preference for the rest of the visit.
LANGUAGES = pytest.mark.parametrize(
    ("lang", "browser_language"), [("en", "cy"), ("cy", "en-GB")], ids=["English", "Welsh"]
)
REFERENCE = re.compile(r"^[BCDFGHJKLMNPQRSTVWXZ2-9]{4}-[BCDFGHJKLMNPQRSTVWXZ2-9]{4}$")

PRISONER_BORN = date(1980, 2, 1)
LEAD_BORN = date(1985, 3, 27)


def child_born() -> date:
    return date(local_today().year - 6, 1, 15)


@pytest.fixture
def check(page, lang, translator, screenshot_dir, request):
    prefix = request.node.name.replace("[", "-").rstrip("]")
    return Checker(page, lang, translator(lang).gettext, screenshot_dir, prefix)


def gettext_in(translator, lang):
    catalogue = translator(lang)

    def gettext(message, **values):
        translated = catalogue.gettext(message)
        return translated % values if values else translated

    return gettext


@pytest.fixture
def t(translator, lang):
    return gettext_in(translator, lang)


@pytest.fixture
def choose_language(page, lang, check, t, translator):
    other = "cy" if lang == "en" else "en"

    def choose():
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", other)
        switcher_label = gettext_in(translator, other)("Choose a language")
        switcher = page.get_by_role("navigation", name=switcher_label)
        switcher.get_by_role("link", name=LANGUAGE_NAMES[lang]).click()
        check("start", t("Visit someone in prison"))
        switcher = page.get_by_role("navigation", name=t("Choose a language"))
        current = switcher.get_by_text(LANGUAGE_NAMES[lang])
        expect(current).to_have_attribute("aria-current", "true")
        expect(switcher.get_by_role("link", name=LANGUAGE_NAMES[other])).to_have_attribute(
            "hreflang", other
        )

    return choose


def fill_date(page, legend, born, t):
    group = page.get_by_role("group", name=legend)
    group.get_by_label(t("Day"), exact=True).fill(str(born.day))
    group.get_by_label(t("Month"), exact=True).fill(str(born.month))
    group.get_by_label(t("Year"), exact=True).fill(str(born.year))


def summary_lines(page, key):
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator(
            ".govuk-summary-list__key", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$")
        )
    )
    return row.locator(".govuk-summary-list__value").inner_text().splitlines()


def press(page, name):
    page.get_by_role("button", name=name).click()


def assert_error_summary(page, t, expected):
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name=t("There is a problem"))).to_be_visible()
    # GOV.UK Frontend moves focus to the summary so screen readers announce it first.
    expect(page.locator(".govuk-error-summary", has=summary)).to_be_focused()
    links = summary.get_by_role("link")
    expect(links).to_have_count(len(expected))
    for index, (message, field_id) in enumerate(expected):
        expect(links.nth(index)).to_have_text(message)
        expect(links.nth(index)).to_have_attribute("href", f"#{field_id}")
        expect(page.locator(f"#{field_id}")).to_be_visible()


@LANGUAGES
def test_a_family_books_and_cancels_a_visit_on_a_phone(page, lang, check, t, choose_language):
    choose_language()
    page.get_by_role("button", name=t("Start now")).click()

    check("choose-prison", t("Which prison are you visiting?"))
    page.get_by_label("HMP Cardiff", exact=True).check()
    press(page, t("Continue"))

    prisoner_title = t("Who are you visiting?")
    check("prisoner", prisoner_title)
    press(page, t("Continue"))
    check("prisoner-empty", prisoner_title, error=True)
    date_message = t("Enter %(what)s", what=t("the prisoner's date of birth"))
    assert_error_summary(
        page,
        t,
        [
            (t("Enter the prisoner's first name"), "first_name"),
            (t("Enter the prisoner's last name"), "last_name"),
            (date_message, "date_of_birth-day"),
            (t("Enter the prisoner's prison number"), "prison_number"),
        ],
    )
    expect(page.locator("#date_of_birth-error")).to_contain_text(date_message)
    page.get_by_role("alert").get_by_role("link", name=date_message).click()
    expect(
        page.get_by_role("group", name=t("Date of birth")).get_by_label(t("Day"))
    ).to_be_focused()

    page.get_by_label(t("First name"), exact=True).fill("Tom")
    page.get_by_label(t("Last name"), exact=True).fill("Jones")
    fill_date(page, t("Date of birth"), PRISONER_BORN, t)
    prison_number = page.get_by_label(t("Prison number"), exact=True)
    prison_number.fill("12345")
    press(page, t("Continue"))
    check("prisoner-wrong-number", prisoner_title, error=True)
    wrong_format = t("Enter a prison number in the right format, like A1234BC")
    assert_error_summary(page, t, [(wrong_format, "prison_number")])
    # The hidden prefix is read out before the message, so it must be in the page's language.
    expect(page.locator("#prison_number-error")).to_have_text(f"{t('Error:')} {wrong_format}")
    expect(prison_number).to_have_attribute("aria-describedby", re.compile("prison_number-error"))
    expect(page.get_by_label(t("First name"), exact=True)).to_have_value("Tom")
    expect(page.get_by_label(t("Last name"), exact=True)).to_have_value("Jones")
    born = page.get_by_role("group", name=t("Date of birth"))
    expect(born.get_by_label(t("Day"), exact=True)).to_have_value("1")
    expect(born.get_by_label(t("Month"), exact=True)).to_have_value("2")
    expect(born.get_by_label(t("Year"), exact=True)).to_have_value("1980")
    expect(prison_number).to_have_value("12345")
    prison_number.fill("a1234bc")
    press(page, t("Continue"))

    check("lead-visitor", t("Your details"))
    page.get_by_label(t("Your first name"), exact=True).fill("Mary")
    page.get_by_label(t("Your last name"), exact=True).fill("Jones")
    fill_date(page, t("Your date of birth"), LEAD_BORN, t)
    page.get_by_label(t("Husband, wife or partner"), exact=True).check()
    press(page, t("Continue"))

    check("contact", t("How can we contact you?"))
    page.get_by_label(t("UK mobile number"), exact=True).fill("07123 456789")
    press(page, t("Continue"))

    check("visitors", t("Who is visiting?"))
    page.get_by_role("group", name=t("Is anyone else coming with you?")).get_by_label(
        t("Yes"), exact=True
    ).check()
    press(page, t("Continue"))

    check("add-visitor", t("Add a visitor"))
    page.get_by_label(t("First name"), exact=True).fill("Ann")
    page.get_by_label(t("Last name"), exact=True).fill("Jones")
    fill_date(page, t("Date of birth"), child_born(), t)
    page.get_by_label(t("Son or daughter"), exact=True).check()
    press(page, t("Continue"))

    check("visitors-with-child", t("Who is visiting?"))
    expect(page.get_by_role("term").filter(has_text="Ann Jones")).to_be_visible()
    expect(page.get_by_role("button", name=f"{t('Remove')} Ann Jones")).to_be_visible()
    page.get_by_role("group", name=t("Is anyone else coming with you?")).get_by_label(
        t("No"), exact=True
    ).check()
    press(page, t("Continue"))

    check("choose-time", t("Choose a date and time"))
    first_time = page.get_by_role("group", name=t("Choose a date and time")).get_by_role("radio")
    first_time = first_time.first
    day_and_time = page.locator(f"label[for='{first_time.get_attribute('id')}']").inner_text()
    first_time.check()
    press(page, t("Continue"))

    check("needs", t("Does anyone visiting need extra help?"))
    page.get_by_label(t("Wheelchair access or a step-free route"), exact=True).check()
    press(page, t("Continue"))

    check("check-answers", t("Check your answers"))
    assert summary_lines(page, t("Prison")) == ["HMP Cardiff"]
    assert summary_lines(page, t("Prisoner")) == ["Tom Jones, A1234BC"]
    assert summary_lines(page, t("Visitors")) == [
        f"Mary Jones, {format_date(LEAD_BORN, 'd MMMM yyyy', lang)}",
        f"Ann Jones, {format_date(child_born(), 'd MMMM yyyy', lang)}",
    ]
    assert summary_lines(page, t("Contact")) == ["07123 456789"]
    assert summary_lines(page, t("Extra help")) == [t("Wheelchair access or a step-free route")]
    (when,) = summary_lines(page, t("Date and time"))
    day, hours = day_and_time.split(", ")
    assert when.startswith(day), (when, day_and_time)
    assert when.endswith(hours), (when, day_and_time)
    press(page, t("Book visit"))

    check("confirmation", t("Visit booked"))
    panel = page.locator(".govuk-panel")
    expect(panel.get_by_role("heading", level=1)).to_have_text(t("Visit booked"))
    reference = page.locator(".app-reference").inner_text()
    assert REFERENCE.match(reference), reference
    sent = t("We have sent the details to %(contact)s.", contact="07123 456789")
    expect(page.get_by_text(sent)).to_be_visible()
    page.get_by_role("link", name=t("Change or cancel this visit")).click()

    check("manage", t("Your visit"))
    manage_url = page.url
    expect(
        page.get_by_text(t("Booking reference %(reference)s", reference=reference))
    ).to_be_visible()
    assert summary_lines(page, t("Status")) == [t("Booked")]
    assert summary_lines(page, t("Visitors")) == ["Mary Jones", "Ann Jones"]

    page.get_by_role("contentinfo").get_by_role("link", name=t("Change or cancel a visit")).click()
    lookup_title = t("Find your visit")
    check("lookup", lookup_title)
    reference_box = page.get_by_label(t("Booking reference"), exact=True)
    reference_box.fill("BBBB-BBBB")
    fill_date(page, t("Main visitor's date of birth"), LEAD_BORN, t)
    press(page, t("Find visit"))
    check("lookup-not-found", lookup_title, error=True)
    not_found = t("We could not find a visit with that reference and date of birth. Check both.")
    assert_error_summary(page, t, [(not_found, "reference")])
    expect(reference_box).to_have_value("BBBB-BBBB")
    reference_box.fill(reference.lower())
    press(page, t("Find visit"))

    check("manage-found", t("Your visit"))
    assert page.url == manage_url
    for name, link, title in [
        ("change-time", t("Change the date or time"), t("Choose a date and time")),
        ("change-visitors", t("Remove a visitor"), t("Who is still coming?")),
        ("add-visitor-to-visit", t("Add a visitor"), t("Add a visitor")),
    ]:
        page.get_by_role("link", name=link).click()
        check(name, title)
        page.get_by_role("link", name=t("Back"), exact=True).click()
        check("manage", t("Your visit"))
    page.get_by_role("link", name=t("Cancel this visit")).click()

    cancel_title = t("Cancel your visit")
    check("cancel", cancel_title)
    press(page, t("Cancel visit"))
    check("cancel-no-reason", cancel_title, error=True)
    assert_error_summary(page, t, [(t("Select why you are cancelling"), "reason")])
    page.get_by_label(t("Illness"), exact=True).check()
    page.get_by_label(t("Tell us more (optional)"), exact=True).fill("Our son has chickenpox.")
    press(page, t("Cancel visit"))

    check("cancelled", t("Your visit"))
    banner = page.get_by_role("alert", name=t("Success"))
    expect(banner).to_contain_text(t("Your visit has been cancelled."))
    assert summary_lines(page, t("Status")) == [t("Cancelled")]
    expect(page.get_by_role("link", name=t("Cancel this visit"))).to_have_count(0)

    # The language chosen on the start page lasts beyond the booking.
    page.goto("/")
    check("start-again", t("Visit someone in prison"))


@LANGUAGES
def test_information_pages_on_a_phone(page, lang, check, t, choose_language):
    choose_language()

    page.get_by_role("main").get_by_role("link", name="HMP Cardiff").click()
    check("prison-information", t("Visiting %(prison)s", prison="HMP Cardiff"))
    expect(page.get_by_text("CF24 0UG")).to_be_visible()

    menu = page.get_by_role("button", name=t("Menu"))
    expect(page.get_by_role("link", name=t("Help with travel costs"))).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.get_by_role("link", name=t("Help with travel costs")).click()
    check("help-with-costs", t("Help with the cost of prison visits"))
    expect(page.get_by_role("table")).to_be_visible()

    page.get_by_role("button", name=t("Menu")).click()
    expect(page.get_by_role("link", name=t("Help with travel costs"))).to_have_attribute(
        "aria-current", "page"
    )
    page.get_by_role("link", name=t("Change or cancel a visit")).first.click()
    lookup_title = t("Find your visit")
    check("lookup", lookup_title)
    press(page, t("Find visit"))
    check("lookup-empty", lookup_title, error=True)
    assert_error_summary(
        page,
        t,
        [
            (t("Enter your booking reference"), "reference"),
            (t("Enter %(what)s", what=t("the main visitor's date of birth")), "date_of_birth-day"),
        ],
    )

    response = page.goto("/prisons/nowhere")
    assert response.status == 404
    check("not-found", t("Page not found"))
