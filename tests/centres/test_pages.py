"""Pages for children, the accessibility statement and the privacy notice."""

import html
import re

import pytest

from tests.visits.journey_steps import book

HELPLINE = "0808 808 2003"


@pytest.fixture
def cardiff(make_prison, make_session):
    prison = make_prison(slug="cardiff", name="HMP Cardiff")
    make_session(prison)
    return prison


def text_of(page):
    return html.unescape(re.sub(r"\s+", " ", page.text))


@pytest.mark.parametrize("url", ["/children", "/children/teenagers"])
def test_the_childrens_pages_are_drawn_not_photographed(family, url):
    page = family.get(url)

    assert page.status_code == 200
    assert "<img" not in page.text
    drawings = re.findall(r"<svg [^>]*>", page.text)
    assert drawings
    assert all('aria-hidden="true"' in svg and 'focusable="false"' in svg for svg in drawings)
    assert "0800 1111" in page.text  # Childline
    assert HELPLINE in page.text
    assert 'href="/feedback?child=yes"' in page.text


@pytest.mark.parametrize("url", ["/", "/book/confirmation", "/prisons/cardiff"])
def test_families_find_the_childrens_pages_the_helpline_and_travel_costs(family, cardiff, url):
    page = book(family, "cardiff") if url == "/book/confirmation" else family.get(url)

    assert 'href="/children"' in page.text
    assert 'href="/children/teenagers"' in page.text
    assert HELPLINE in page.text
    assert 'href="/help-with-costs/"' in page.text


@pytest.mark.parametrize(
    "url", ["/", "/prisons/cardiff", "/children", "/accessibility", "/privacy", "/feedback"]
)
def test_every_page_links_the_statements_from_its_footer(family, cardiff, url):
    footer = re.search(r'<div class="govuk-footer">.*?</ul>', family.get(url).text, re.S).group()

    for link in ('href="/accessibility"', 'href="/privacy"', 'href="/feedback"'):
        assert link in footer


def test_the_accessibility_statement_targets_wcag_2_2_aa_and_lists_known_problems(family, app):
    page = text_of(family.get("/accessibility"))

    assert "WCAG) version 2.2 to level AA" in page
    assert f"Staff are signed out after {app.config['STAFF_IDLE_MINUTES']} minutes" in page
    assert "right to left" in page
    assert "has not yet been audited" in page


def test_the_privacy_notice_states_the_rate_limits_in_force(family, app):
    app.config["LOOKUP_RATE_LIMIT"] = "7 per minute;25 per hour"
    try:
        page = text_of(family.get("/privacy"))
    finally:
        app.config["LOOKUP_RATE_LIMIT"] = "10 per minute;30 per hour"

    assert "finding a visit: 7 a minute, 25 an hour" in page
    assert "staff signing in: 10 a minute, 50 an hour" in page
    assert "sending feedback: 5 a minute, 30 an hour" in page


def test_the_privacy_notice_says_how_long_visits_keep_personal_data(family, app, monkeypatch):
    monkeypatch.setitem(app.config, "VISIT_RETENTION_DAYS", 90)

    page = text_of(family.get("/privacy"))

    assert "90 days after a visit, we remove from it the names" in page


def test_the_privacy_notice_says_whether_messages_are_really_sent(family, app):
    page = text_of(family.get("/privacy"))
    assert "this service does not send text messages" in page
    assert "this service does not send emails" in page

    app.config.update(TWILIO_ACCOUNT_SID="AC1", TWILIO_AUTH_TOKEN="t", TWILIO_FROM="+447700900000")
    try:
        page = text_of(family.get("/privacy"))
    finally:
        app.config.update(TWILIO_ACCOUNT_SID=None, TWILIO_AUTH_TOKEN=None, TWILIO_FROM=None)
    assert "through Twilio" in page


def test_the_only_cookie_is_the_session_cookie_the_privacy_notice_describes(family, cardiff):
    # Flask-Login may also send an order to delete a sign-in cookie nobody was given.
    stored = set()
    responses = [
        family.get("/?lang=cy"),
        family.submit("/book/prison", {"prison": "cardiff"}),
        family.get("/privacy"),
    ]
    for response in responses:
        for header in response.headers.getlist("Set-Cookie"):
            if "Max-Age=0" not in header:
                stored.add(header.split("=", 1)[0])

    assert stored == {"session"}
    assert "We use one cookie, called session." in text_of(family.get("/privacy?lang=en"))
