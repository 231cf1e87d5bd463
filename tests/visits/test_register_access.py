"""Every page of the prisoner register, restrictions and booking for families, against other
prisons' records (not found) and other roles (forbidden)."""

import re

import pytest

from staff.models import Role
from visits.models import RestrictionKind

# (method, path under /staff/prisons/<slug>); {prisoner}, {restriction} and {visit} are records.
ROUTES = [
    ("GET", "/prisoners"),
    ("GET", "/prisoners/new"),
    ("POST", "/prisoners/new"),
    ("GET", "/prisoners/{prisoner}"),
    ("GET", "/prisoners/{prisoner}/edit"),
    ("POST", "/prisoners/{prisoner}/edit"),
    ("GET", "/prisoners/import"),
    ("POST", "/prisoners/import"),
    ("GET", "/prisoners/template.csv"),
    ("GET", "/allowance"),
    ("POST", "/allowance"),
    ("GET", "/restrictions"),
    ("GET", "/restrictions/new/visitor-ban"),
    ("POST", "/restrictions/new/non-association"),
    ("GET", "/restrictions/{restriction}/end"),
    ("POST", "/restrictions/{restriction}/end"),
    ("GET", "/book"),
    ("POST", "/book"),
    ("GET", "/book/channel"),
    ("POST", "/book/channel"),
    ("GET", "/book/prisoner"),
    ("POST", "/book/prisoner"),
    ("GET", "/book/main-visitor"),
    ("GET", "/book/visitors"),
    ("GET", "/book/visitors/add"),
    ("POST", "/book/visitors/1/remove"),
    ("GET", "/book/contact"),
    ("GET", "/book/time"),
    ("GET", "/book/needs"),
    ("GET", "/book/check"),
    ("POST", "/book/check"),
    ("GET", "/book/done/{visit}"),
]
RECORD_ROUTES = [r for r in ROUTES if "{" in r[1]]


@pytest.fixture
def prisons(make_prison, make_session, make_prisoner, make_restriction, book_visit):
    """Cardiff and Usk, each with a prisoner, a restriction and a visit booked for a family."""
    records = {}
    for slug in ("cardiff", "usk"):
        prison = make_prison(slug=slug, name=f"HMP {slug.title()}")
        visit = book_visit(make_session(prison))
        visit.channel = "phone"
        records[slug] = {
            "prison": prison,
            "prisoner": make_prisoner(prison, "A1234BC").id,
            "restriction": make_restriction(
                prison, RestrictionKind.CHILD_CONTACT, prisoner_number="B2345CD"
            ).id,
            "visit": visit.id,
        }
    return records


def request(browser, method, url):
    if method == "GET":
        return browser.get(url)
    # A real token from this browser's session, so only the page's own checks can refuse.
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/staff/logout").text)
    return browser.post(url, data={"csrf_token": token.group(1)})


def url(slug, path, records):
    return f"/staff/prisons/{slug}" + path.format(**records)


@pytest.fixture
def signed_in(make_staff, sign_in, prisons):
    def as_role(role):
        return sign_in(make_staff(role, prisons=[prisons["cardiff"]["prison"]]))

    return as_role


def statuses(browser, slug, records, routes=ROUTES):
    """Each route's answer, so one failure names every route that answered wrongly."""
    return {f"{m} {p}": request(browser, m, url(slug, p, records)).status_code for m, p in routes}


def test_another_prisons_pages_are_not_found(signed_in, prisons):
    answers = statuses(signed_in(Role.VISITS_TEAM), "usk", prisons["usk"])

    assert {route: status for route, status in answers.items() if status != 404} == {}


def test_another_prisons_records_are_not_found_through_your_own_prison(signed_in, prisons):
    answers = statuses(signed_in(Role.VISITS_TEAM), "cardiff", prisons["usk"], RECORD_ROUTES)

    assert len(answers) == 6
    assert {route: status for route, status in answers.items() if status != 404} == {}


@pytest.mark.parametrize("role", [Role.CENTRE, Role.CASEWORKER])
def test_other_roles_are_forbidden(signed_in, prisons, role):
    answers = statuses(signed_in(role), "cardiff", prisons["cardiff"])

    assert {route: status for route, status in answers.items() if status != 403} == {}


@pytest.mark.parametrize("role", [Role.VISITS_TEAM, Role.ADMIN])
def test_the_visits_team_and_admins_reach_their_own_prisons_pages(signed_in, prisons, role):
    answers = statuses(signed_in(role), "cardiff", prisons["cardiff"])

    assert {route: status for route, status in answers.items() if status not in (200, 302)} == {}


def test_signed_out_visitors_are_sent_to_sign_in(family, prisons):
    for method, path in ROUTES:
        response = request(family, method, url("cardiff", path, prisons["cardiff"]))

        assert response.status_code == 302, f"{method} {path}"
        assert "/staff/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("role", "shown"),
    [(Role.VISITS_TEAM, True), (Role.ADMIN, True), (Role.CENTRE, False)],
)
def test_the_dashboard_links_the_visits_team_to_these_pages(signed_in, prisons, role, shown):
    dashboard = signed_in(role).get("/staff/")

    assert dashboard.status_code == 200
    for path in ("/prisoners", "/restrictions", "/book"):
        assert (f'href="/staff/prisons/cardiff{path}"' in dashboard.text) is shown
