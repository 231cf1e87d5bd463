"""Every visitor centre and reports page, against other prisons' records and other roles."""

import re

import pytest

from staff.models import Role
from tests.conftest import FormClient
from timeutil import local_today

ON_THE_DAY = {Role.CENTRE, Role.VISITS_TEAM, Role.ADMIN}
SUPPORT = {Role.CENTRE, Role.ADMIN}
REPORTS = {Role.CENTRE, Role.VISITS_TEAM, Role.ADMIN}
DAY = local_today().isoformat()

# (method, address, roles allowed); {slug}, {reference} and {session} are filled in per case.
ROUTES = [
    ("GET", "/staff/prisons/{slug}/visitor-centre", ON_THE_DAY),
    ("GET", f"/staff/prisons/{{slug}}/visitor-centre?day={DAY}", ON_THE_DAY),
    ("GET", "/staff/prisons/{slug}/visitor-centre/search?q={reference}", ON_THE_DAY),
    ("GET", "/staff/prisons/{slug}/visitor-centre/here", ON_THE_DAY),
    ("GET", "/staff/prisons/{slug}/sessions/{session}/visit-list", ON_THE_DAY),
    ("POST", "/staff/prisons/{slug}/sessions/{session}/no-shows", ON_THE_DAY),
    ("GET", "/staff/prisons/{slug}/visits/{reference}", ON_THE_DAY),
    ("POST", "/staff/prisons/{slug}/visits/{reference}/arrived", ON_THE_DAY),
    ("POST", "/staff/prisons/{slug}/visits/{reference}/id-checked", ON_THE_DAY),
    ("POST", "/staff/prisons/{slug}/visits/{reference}/admitted", ON_THE_DAY),
    ("POST", "/staff/prisons/{slug}/visits/{reference}/left", ON_THE_DAY),
    ("POST", "/staff/prisons/{slug}/visits/{reference}/no-show", ON_THE_DAY),
    ("GET", "/staff/prisons/{slug}/visits/{reference}/pass", ON_THE_DAY),
    ("GET", "/staff/prisons/{slug}/visits/{reference}/support", SUPPORT),
    ("POST", "/staff/prisons/{slug}/visits/{reference}/support", SUPPORT),
    ("GET", "/staff/prisons/{slug}/reports", REPORTS),
    ("GET", "/staff/prisons/{slug}/reports/summary.csv", REPORTS),
    ("GET", "/staff/prisons/{slug}/reports/sessions.csv", REPORTS),
    ("GET", "/staff/prisons/{slug}/reports/support.csv", REPORTS),
    ("GET", "/staff/prisons/{slug}/reports/lost-contact.csv", REPORTS),
]
# Routes that show one record: reached through this prison's address with another's record.
RECORD_ROUTES = [r for r in ROUTES if "{reference}" in r[1] and "search" not in r[1]]
RECORD_ROUTES += [r for r in ROUTES if "{session}" in r[1]]


@pytest.fixture
def world(book, make_session, todays_session, usk, cardiff):
    """A visit and a session at each prison."""
    theirs = make_session(usk, on=local_today())
    return {
        "cardiff": {"slug": "cardiff", "visit": book(todays_session), "session": todays_session},
        "usk": {"slug": "usk", "visit": book(theirs), "session": theirs},
    }


def address(path, slug, visit, session):
    return path.format(slug=slug, reference=visit.reference, session=session.id)


def send(client, method, url):
    if method == "GET":
        return client.get(url)
    # Any page's token is good for the whole signed-in session.
    page = client.get("/staff/account/password")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(url, data={"csrf_token": token})


def answers(client, routes, slug, records):
    """Each route's status code, sent as the given client through the given prison's address."""
    return {
        f"{method} {path}": send(
            client, method, address(path, slug, records["visit"], records["session"])
        ).status_code
        for method, path, _allowed in routes
    }


def test_signed_out_people_are_sent_to_sign_in(app, world):
    client = FormClient(app)

    statuses = answers(client, [r for r in ROUTES if r[0] == "GET"], "cardiff", world["cardiff"])

    assert set(statuses.values()) == {302}
    for method, path, _allowed in ROUTES:
        if method == "POST":
            url = address(path, "cardiff", world["cardiff"]["visit"], world["cardiff"]["session"])
            # Without a signed-in session there is no CSRF token to send: refused either way.
            assert client.post(url).status_code in (302, 400)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_is_let_in_or_refused_at_its_own_prison(
    world, make_staff, sign_in, cardiff, role
):
    client = sign_in(make_staff(role, prisons=[cardiff]))

    statuses = answers(client, ROUTES, "cardiff", world["cardiff"])

    expected = {
        f"{method} {path}": "let in" if role in allowed else 403 for method, path, allowed in ROUTES
    }
    assert {
        route: "let in" if status in (200, 302) else status for route, status in statuses.items()
    } == expected


@pytest.mark.parametrize("role", [Role.CENTRE, Role.VISITS_TEAM, Role.ADMIN], ids=str)
def test_another_prisons_pages_are_not_found(world, make_staff, sign_in, cardiff, role):
    client = sign_in(make_staff(role, prisons=[cardiff]))
    theirs = [r for r in ROUTES if role in r[2]]

    statuses = answers(client, theirs, "usk", world["usk"])

    assert set(statuses.values()) == {404}, statuses


def test_another_prisons_records_are_not_found_through_your_own_prison(
    world, make_staff, sign_in, cardiff
):
    client = sign_in(make_staff(Role.ADMIN, prisons=[cardiff]))
    # Cardiff's address, Usk's visit and session.
    usk_records = world["usk"]

    statuses = answers(client, RECORD_ROUTES, "cardiff", usk_records)

    assert set(statuses.values()) == {404}, statuses


def test_a_reference_search_does_not_find_another_prisons_visit(
    world, make_staff, sign_in, cardiff
):
    client = sign_in(make_staff(Role.CENTRE, prisons=[cardiff]))

    page = client.get(
        f"/staff/prisons/cardiff/visitor-centre/search?q={world['usk']['visit'].reference}"
    )

    assert page.status_code == 200
    assert 'id="no-results"' in page.text


def test_the_dashboard_links_each_role_to_its_pages(make_staff, sign_in, cardiff):
    links = {}
    for role in (Role.CENTRE, Role.VISITS_TEAM, Role.CASEWORKER):
        page = sign_in(make_staff(role, prisons=[cardiff])).get("/staff/")
        links[role] = (
            "/staff/prisons/cardiff/visitor-centre" in page.text,
            "/staff/prisons/cardiff/reports" in page.text,
        )

    assert links == {
        Role.CENTRE: (True, True),
        Role.VISITS_TEAM: (True, True),
        Role.CASEWORKER: (False, False),
    }
