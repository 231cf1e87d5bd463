"""The family booking journey as form submissions, for tests that walk it."""

import re

PRISONER = {
    "first_name": "Tom",
    "last_name": "Jones",
    "date_of_birth-day": "1",
    "date_of_birth-month": "2",
    "date_of_birth-year": "1980",
    "prison_number": "a1234 bc",
}
LEAD = {
    "first_name": "Mary",
    "last_name": "Jones",
    "date_of_birth-day": "27",
    "date_of_birth-month": "3",
    "date_of_birth-year": "1985",
    "relation": "partner",
}
CHILD = {
    "first_name": "Ann",
    "last_name": "Jones",
    "date_of_birth-day": "14",
    "date_of_birth-month": "6",
    "date_of_birth-year": "2018",
    "relation": "child",
}
CONTACT = {"mobile": "07123 456789", "email": ""}


def offered_sessions(page_text):
    return [int(v) for v in re.findall(r'name="session" type="radio" value="(\d+)"', page_text)]


def walk_to_choose_time(family, prison_slug, children=()):
    steps = [
        ("/book/prison", {"prison": prison_slug}),
        ("/book/prisoner", PRISONER),
        ("/book/you", LEAD),
        ("/book/contact", CONTACT),
    ]
    for url, data in steps:
        response = family.submit(url, data)
        assert response.status_code == 302, f"{url} did not accept the answers"
    for extra in children:
        family.submit("/book/visitors", {"add_another": "yes"})
        assert family.submit("/book/visitors/add", extra).status_code == 302
    assert family.submit("/book/visitors", {"add_another": "no"}).status_code == 302
    return family.get("/book/time")


def book(family, prison_slug, children=(), session_id=None):
    """Walk the whole journey; returns the confirmation page."""
    page = walk_to_choose_time(family, prison_slug, children)
    chosen = session_id or offered_sessions(page.text)[0]
    assert family.submit("/book/time", {"session": chosen}).status_code == 302
    assert family.submit("/book/needs", {"needs": ["wheelchair"]}).status_code == 302
    assert family.submit("/book/check").status_code == 302
    return family.get("/book/confirmation")


def error_summary(page_text):
    block = re.search(r'class="govuk-error-summary".*?</div>\s*</div>', page_text, re.S)
    return block.group(0) if block else ""
