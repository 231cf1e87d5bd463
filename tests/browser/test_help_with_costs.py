"""A family checks they can get help with travel costs and claims, on a phone, in English and
Welsh, with axe (WCAG 2.2 AA) finding nothing on any page."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.assisted_visits.conftest import PDF, PNG
from tests.browser.checks import Checker
from tests.browser.conftest import serve
from tests.browser.test_booking_journey import (
    LANGUAGES,
    assert_error_summary,
    fill_date,
    gettext_in,
    press,
    summary_lines,
)
from timeutil import local_today

pytestmark = pytest.mark.browser

# Each run claims as a different person: one person can have one claim being checked at a time.
NI_NUMBERS = {"en": "AB 12 34 56 C", "cy": "CE 12 34 56 A"}
CLAIM_REFERENCE = re.compile(r"^[BCDFGHJKLMNPQRSTVWXZ2-9]{4}-[BCDFGHJKLMNPQRSTVWXZ2-9]{4}$")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, compiled_translations):
    """The demo service, as in conftest.py, with its evidence kept in a temporary folder."""
    folder = tmp_path_factory.mktemp("costs")
    evidence = str(folder / "evidence")
    with serve(folder, compiled_translations, EVIDENCE_FOLDER=evidence) as (_, url):
        yield url


@pytest.fixture
def check(page, lang, translator, screenshot_dir, request):
    prefix = request.node.name.replace("[", "-").rstrip("]")
    return Checker(page, lang, translator(lang).gettext, screenshot_dir, prefix)


@pytest.fixture
def t(translator, lang):
    return gettext_in(translator, lang)


def choose(page, group, option):
    page.get_by_role("group", name=group).get_by_label(option, exact=True).check()


def upload(page, t, kind, name, mime, data):
    choose(page, t("What is it?"), kind)
    page.get_by_label(t("Upload a file"), exact=True).set_input_files(
        {"name": name, "mimeType": mime, "buffer": data}
    )
    # Welsh names the file box and this button alike, so take the button by its element.
    page.locator("button.govuk-button", has_text=t("Upload file")).click()


@LANGUAGES
def test_a_family_checks_they_can_get_help_and_claims_on_a_phone(page, lang, check, t):
    page.goto(f"/help-with-costs/?lang={lang}")
    check("help-with-costs", t("Help with the cost of prison visits"))
    page.get_by_role("button", name=t("Check if you can get help")).click()

    relationship = t("What is your relationship to the person in prison?")
    check("check-relationship", relationship)
    press(page, t("Continue"))
    check("check-relationship-empty", relationship, error=True)
    assert_error_summary(
        page, t, [(t("Select your relationship to the person in prison"), "answer")]
    )
    choose(page, relationship, t("Parent, step-parent or adoptive parent"))
    press(page, t("Continue"))
    for question, answer in [
        (t("Where is the prison?"), t("Wales")),
        (t("Which of these do you get?"), t("Pension Credit")),
        (t("How old are you?"), t("18 or over")),
        (t("Do you live in Northern Ireland?"), t("No")),
    ]:
        check("check-question", question)
        choose(page, question, answer)
        press(page, t("Continue"))

    check("check-result", t("You can probably get help with travel costs"))
    reasons = page.locator("#reasons li")
    expect(reasons).to_have_count(3)
    expect(reasons.nth(0)).to_have_text(
        t("You are the prisoner's %(relationship)s.", relationship=t("parent"))
    )
    page.get_by_role("button", name=t("Start a claim")).click()

    check("claim-start", t("Claim help with the cost of a prison visit"))
    press(page, t("Start claim"))

    check("claim-visit", t("Your visit"))
    choose(page, t("Which prison did you visit, or are you going to visit?"), "HMP Cardiff")
    fill_date(page, t("Date of the visit"), local_today() - timedelta(days=3), t)
    press(page, t("Continue"))

    check("claim-prisoner", t("The person you visit"))
    page.get_by_label(t("First name"), exact=True).fill("Tom")
    page.get_by_label(t("Last name"), exact=True).fill("Jones")
    fill_date(page, t("Date of birth"), local_today().replace(year=1980, day=1), t)
    page.get_by_label(t("Prison number"), exact=True).fill("A1234BC")
    press(page, t("Continue"))

    about_you = t("About you")
    check("claim-about-you", about_you)
    page.get_by_label(t("First name"), exact=True).fill("Mary")
    page.get_by_label(t("Last name"), exact=True).fill("Jones")
    fill_date(page, t("Date of birth"), local_today().replace(year=1960, day=17), t)
    ni_number = page.get_by_label(t("National Insurance number"), exact=True)
    ni_number.fill("QQ 12 34 56 C")
    page.get_by_label(t("Address line 1"), exact=True).fill("1 High Street")
    page.get_by_label(t("Town or city"), exact=True).fill("Cardiff")
    page.get_by_label(t("Postcode"), exact=True).fill("cf10 1aa")
    page.get_by_label(t("Phone number"), exact=True).fill("07123 456789")
    press(page, t("Continue"))
    check("claim-about-you-wrong", about_you, error=True)
    wrong_ni = t("Enter a National Insurance number in the right format, like QQ 12 34 56 C")
    assert_error_summary(page, t, [(wrong_ni, "ni_number")])
    expect(page.get_by_label(t("Address line 1"), exact=True)).to_have_value("1 High Street")
    ni_number.fill(NI_NUMBERS[lang])
    press(page, t("Continue"))

    relation_question = t("What is your relationship to the prisoner?")
    check("claim-relationship", relation_question)
    choose(page, relation_question, t("Parent, step-parent or adoptive parent"))
    press(page, t("Continue"))

    benefit_question = t("Which of these do you get?")
    check("claim-benefit", benefit_question)
    choose(page, benefit_question, t("Pension Credit"))
    press(page, t("Continue"))

    check("claim-children", t("Children travelling with you"))
    choose(page, t("Did any children go with you, or are any going?"), t("No"))
    press(page, t("Continue"))

    escort_question = t("Did someone go with you to help you travel?")
    check("claim-escort", escort_question)
    choose(page, escort_question, t("No"))
    press(page, t("Continue"))

    check("claim-costs-empty", t("Your costs"))
    page.get_by_role("button", name=t("Add a cost")).click()
    check("claim-add-cost", t("What did you pay for?"))
    choose(page, t("What did you pay for?"), t("Car or motorbike"))
    press(page, t("Continue"))
    check("claim-car", t("Car or motorbike"))
    page.get_by_label(t("Where did you start from?"), exact=True).fill("Newport")
    page.get_by_label(t("How many miles is the return journey?"), exact=True).fill("84.5")
    press(page, t("Add this cost"))

    check("claim-costs", t("Your costs"))
    expect(page.locator("#total")).to_have_text("£16.90")  # 84.5 miles at 20p, for Wales
    page.get_by_role("button", name=t("Continue")).click()

    evidence = t("Evidence")
    check("claim-evidence", evidence)
    upload(
        page,
        t,
        t("Benefit letter, or HC2 or HC3 certificate"),
        "letter.png",
        "image/png",
        b"not an image",
    )
    check("claim-evidence-wrong-file", evidence, error=True)
    assert_error_summary(page, t, [(t("The selected file must be a PNG, JPG or PDF"), "file")])
    upload(page, t, t("Benefit letter, or HC2 or HC3 certificate"), "letter.png", "image/png", PNG)
    check("claim-evidence-uploaded", evidence)
    expect(page.get_by_role("alert", name=t("Success"))).to_contain_text(
        t("Your file has been uploaded.")
    )
    upload(page, t, t("Proof of your visit"), "visit.pdf", "application/pdf", PDF)
    check("claim-evidence-both", evidence)
    expect(page.locator("#evidence-files").get_by_role("link")).to_have_count(2)
    press(page, t("Continue"))

    check("claim-bank", t("Where should we pay the money?"))
    page.get_by_label(t("Name on the account"), exact=True).fill("Mary Jones")
    page.get_by_label(t("Sort code"), exact=True).fill("30-94-30")
    page.get_by_label(t("Account number"), exact=True).fill("00733445")
    press(page, t("Continue"))

    check("claim-check", t("Check your claim"))
    assert summary_lines(page, t("Prison")) == ["HMP Cardiff"]
    assert summary_lines(page, t("National Insurance number")) == [NI_NUMBERS[lang]]
    assert summary_lines(page, t("Bank account")) == ["Mary Jones, **-**-30, ****3445"]
    page.get_by_role("group", name=t("Declaration")).get_by_role("checkbox").check()
    press(page, t("Send claim"))

    check("claim-sent", t("Claim sent"))
    reference = page.locator(".app-reference").inner_text()
    assert CLAIM_REFERENCE.match(reference), reference
    page.get_by_role("link", name=t("See your claim")).click()

    check("claim-status", t("Your claim"))
    assert summary_lines(page, t("Status")) == [t("Waiting to be checked")]
    assert summary_lines(page, t("Amount claimed")) == ["£16.90"]
