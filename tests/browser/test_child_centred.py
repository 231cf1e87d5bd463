"""A family with a child asks for an early visit and books a child-centred session at
HMP Cardiff (the demo runs one on Wednesday mornings); axe checks every page."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.checks import Checker
from tests.browser.test_booking_journey import assert_error_summary, fill_date, press
from timeutil import local_today

pytestmark = pytest.mark.browser


@pytest.fixture
def check(page, translator, screenshot_dir, request):
    return Checker(page, "en", translator("en").gettext, screenshot_dir, request.node.name)


def t(message, **values):
    return message % values if values else message


def test_a_family_books_a_child_centred_visit_early_on_a_phone(page, check):
    page.goto("/book/prison")
    check("choose-prison", "Which prison are you visiting?")
    page.get_by_label("HMP Cardiff", exact=True).check()
    press(page, "Continue")

    check("prisoner", "Who are you visiting?")
    page.get_by_label("First name", exact=True).fill("Rhys")
    page.get_by_label("Last name", exact=True).fill("Morgan")
    fill_date(page, "Date of birth", date(1984, 6, 2), t)
    page.get_by_label("Prison number", exact=True).fill("C7654DE")
    press(page, "Continue")

    check("lead-visitor", "Your details")
    page.get_by_label("Your first name", exact=True).fill("Nia")
    page.get_by_label("Your last name", exact=True).fill("Morgan")
    fill_date(page, "Your date of birth", date(1988, 9, 14), t)
    page.get_by_label("Husband, wife or partner", exact=True).check()
    press(page, "Continue")

    check("contact", "How can we contact you?")
    page.get_by_label("UK mobile number", exact=True).fill("07123 456780")
    press(page, "Continue")

    check("visitors", "Who is visiting?")
    page.get_by_role("group", name="Is anyone else coming with you?").get_by_label(
        "Yes", exact=True
    ).check()
    press(page, "Continue")
    check("add-visitor", "Add a visitor")
    page.get_by_label("First name", exact=True).fill("Gwen")
    page.get_by_label("Last name", exact=True).fill("Morgan")
    fill_date(page, "Date of birth", date(local_today().year - 5, 3, 1), t)
    page.get_by_label("Son or daughter", exact=True).check()
    press(page, "Continue")
    page.get_by_role("group", name="Is anyone else coming with you?").get_by_label(
        "No", exact=True
    ).check()
    press(page, "Continue")

    check("choose-time", "Choose a date and time")
    expect(page.get_by_role("heading", name="Child-centred visits")).to_be_visible()
    expect(
        page.get_by_text("Unless it is a closed visit, parents may hold and hug their children.")
    ).to_be_visible()
    page.get_by_role("link", name="Ask for an early visit").click()

    title = "An early visit for the children"
    check("early-visit", title)
    press(page, "Continue")
    check("early-visit-unanswered", title, error=True)
    assert_error_summary(
        page,
        t,
        [("Select yes if the prisoner was the children's main carer", "primary_carer")],
    )
    page.get_by_label("Yes", exact=True).check()
    press(page, "Continue")

    check("choose-time-early", "Choose a date and time")
    expect(page.locator(".govuk-inset-text")).to_contain_text("main carer")
    child_centred = page.locator(".govuk-radios__item").filter(
        has_text="Child-centred visit in the family area"
    )
    child_centred.first.get_by_role("radio").check()
    press(page, "Continue")

    check("needs", "Does anyone visiting need extra help?")
    press(page, "Continue")

    check("check-answers", "Check your answers")
    expect(page.get_by_text(re.compile("You asked for an early visit"))).to_be_visible()
    press(page, "Book visit")

    check("confirmation", "Visit request sent")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="A child-centred visit")).to_be_visible()
    expect(main).to_contain_text("Parents may hold and hug their children during the visit.")
    expect(main).to_contain_text("The prison checks these requests before others.")
