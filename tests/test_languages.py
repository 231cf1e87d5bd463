import re

import pytest


@pytest.fixture
def cardiff(make_prison, make_session):
    prison = make_prison(slug="cardiff")
    make_session(prison)
    return prison


def html_lang(page):
    return re.search(r'<html lang="([^"]+)"', page.text).group(1)


def test_welsh_chosen_once_stays_chosen(family, cardiff):
    chosen = family.get("/?lang=cy")
    next_page = family.get("/prisons/cardiff")

    assert html_lang(chosen) == "cy"
    assert html_lang(next_page) == "cy"
    assert "Start now" not in chosen.text
    assert "Visiting HMP Cardiff" not in next_page.text


def test_browser_language_is_used_until_the_family_chooses(family, cardiff):
    welsh_browser = family.get("/", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"})
    chose_english = family.get("/?lang=en", headers={"Accept-Language": "cy"})

    assert html_lang(welsh_browser) == "cy"
    assert html_lang(chose_english) == "en"


def test_unknown_language_is_ignored(family, cardiff):
    assert html_lang(family.get("/?lang=xx")) == "en"


@pytest.mark.parametrize(
    "url", ["/", "/book/prison", "/manage", "/help-with-costs/", "/prisons/cardiff"]
)
def test_every_page_offers_the_other_language(family, cardiff, url):
    page = family.get(url)

    assert 'hreflang="cy"' in page.text
    link = re.search(r'href="([^"]+)" lang="cy" hreflang="cy"', page.text).group(1)
    assert "lang=cy" in link


def test_welsh_errors_are_in_welsh(family, cardiff):
    family.get("/?lang=cy")

    response = family.submit("/book/prison", {})

    assert "There is a problem" not in response.text
    assert "Select the prison you are visiting" not in response.text
    assert 'class="govuk-error-summary"' in response.text
