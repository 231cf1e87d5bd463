"""Who may use the visits team's pages: the role-and-prison access matrix.

Every route is tried by every kind of caller; a refusal must change nothing."""

import re
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from app import db
from staff.models import Role, StaffAuditEvent
from tests.conftest import FormClient, count
from timeutil import local_today
from visits.models import Closure, Prison, SessionTemplate, Visit, VisitSession, VisitStatus
from visits.sessions import ensure_sessions

SOON = local_today() + timedelta(days=3)

# (method, address); {slug} and the record ids ({template}, {session}...) are filled in per case.
ROUTES = [
    ("GET", "/staff/prisons/{slug}/sessions"),
    ("GET", "/staff/prisons/{slug}/sessions/weekly/new"),
    ("POST", "/staff/prisons/{slug}/sessions/weekly/new"),
    ("GET", "/staff/prisons/{slug}/sessions/weekly/{template}/edit"),
    ("POST", "/staff/prisons/{slug}/sessions/weekly/{template}/edit"),
    ("GET", "/staff/prisons/{slug}/sessions/weekly/{template}/end"),
    ("POST", "/staff/prisons/{slug}/sessions/weekly/{template}/end"),
    ("GET", "/staff/prisons/{slug}/closures/new"),
    ("POST", "/staff/prisons/{slug}/closures/new"),
    ("GET", "/staff/prisons/{slug}/sessions/{session}/change"),
    ("POST", "/staff/prisons/{slug}/sessions/{session}/change"),
    ("GET", "/staff/prisons/{slug}/sessions/{session}/cancel"),
    ("POST", "/staff/prisons/{slug}/sessions/{session}/cancel"),
    ("GET", "/staff/prisons/{slug}/sessions/{cancelled}/reopen"),
    ("POST", "/staff/prisons/{slug}/sessions/{cancelled}/reopen"),
    ("GET", "/staff/prisons/{slug}/closures/{closure}/remove"),
    ("POST", "/staff/prisons/{slug}/closures/{closure}/remove"),
    ("GET", "/staff/prisons/{slug}/rules"),
    ("POST", "/staff/prisons/{slug}/rules"),
    ("GET", "/staff/prisons/{slug}/requests"),
    ("GET", "/staff/prisons/{slug}/requests/{visit}"),
    ("POST", "/staff/prisons/{slug}/requests/{visit}/accept"),
    ("POST", "/staff/prisons/{slug}/requests/{visit}/reject"),
]
WITH_A_RECORD = [
    r for r in ROUTES if re.search(r"\{(template|session|cancelled|closure|visit)\}", r[1])
]


def day(name, value):
    return {f"{name}-day": value.day, f"{name}-month": value.month, f"{name}-year": value.year}


def answers(records):
    """Answers each form would accept, so a refusal can only come from the access check."""
    return {
        "weekday": "2",
        "start_time": "09:00",
        "end_time": "11:00",
        "open_tables": "1",
        "closed_tables": "0",
        **day("valid_from", SOON),
        **day("last_day", SOON),
        **day("first_day", SOON),
        "scope": "all",
        "reason": "Training",
        "max_adults": "1",
        "max_children": "0",
        "max_visitors": "1",
        "adult_age": "18",
        "min_notice_days": "0",
        "max_advance_days": "5",
        "hold_minutes": "5",
        "arrive_minutes_before": "5",
        "approval": "instant",
        "review_days": "7",
        "first_visit_within_days": "5",
        "first_visit_notice_days": "2",
        f"visitor_{records['visitor']}": "banned",
    }


@pytest.fixture
def prisons(make_prison, make_template, book_visit):
    """Two prisons, each with a weekly session, its sessions, a visit request, a cancelled
    session and a closure."""
    made = {}
    for slug in ("cardiff", "usk"):
        prison = make_prison(slug=slug, name=f"HMP {slug.title()}", requires_approval=True)
        template = make_template(prison, weekday=SOON.weekday(), start=time(14, 0))
        ensure_sessions(prison, *prison.booking_window(local_today()))
        db.session.commit()
        session = db.session.scalar(
            sa.select(VisitSession).where(
                VisitSession.prison_id == prison.id, VisitSession.date == SOON
            )
        )
        visit = book_visit(session)
        cancelled = db.session.scalar(
            sa.select(VisitSession).where(
                VisitSession.prison_id == prison.id, VisitSession.date == SOON + timedelta(days=7)
            )
        )
        cancelled.cancelled = True
        closure = Closure(
            prison_id=prison.id,
            start_date=SOON + timedelta(days=14),
            end_date=SOON + timedelta(days=14),
            reason="Training",
        )
        db.session.add(closure)
        db.session.commit()
        made[slug] = {
            "slug": slug,
            "template": template.id,
            "session": session.id,
            "cancelled": cancelled.id,
            "closure": closure.id,
            "visit": visit.id,
            "visitor": visit.visitors[0].id,
        }
    return made


def snapshot():
    """Everything the team's pages can change, to show that a refused call changed nothing."""
    db.session.expire_all()
    return {
        "templates": [
            (t.id, t.weekday, t.start_time, t.open_tables, t.valid_until)
            for t in db.session.scalars(sa.select(SessionTemplate).order_by(SessionTemplate.id))
        ],
        "sessions": [
            (s.id, s.start_time, s.open_tables, s.cancelled)
            for s in db.session.scalars(sa.select(VisitSession).order_by(VisitSession.id))
        ],
        "closures": count(Closure),
        "visits": [
            (v.id, v.status) for v in db.session.scalars(sa.select(Visit).order_by(Visit.id))
        ],
        "rules": [
            (p.max_adults, p.max_advance_days, p.requires_approval, p.review_days)
            for p in db.session.scalars(sa.select(Prison).order_by(Prison.id))
        ],
        "staff actions": count(StaffAuditEvent, StaffAuditEvent.action != "signed in"),
    }


def call(client, method, url, data):
    if method == "GET":
        return client.get(url)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/logout").text)
    return client.post(url, data={**data, "csrf_token": token.group(1) if token else ""})


def refusals(client, routes, fill, records, expected):
    """Call each route; return those that did not answer `expected`."""
    wrong = []
    for method, pattern in routes:
        url = pattern.format(**fill)
        status = call(client, method, url, answers(records)).status_code
        if status != expected:
            wrong.append((method, url, status))
    return wrong


def test_the_visits_team_cannot_reach_another_prison(prisons, make_staff, sign_in):
    cardiff = db.session.scalar(sa.select(Prison).where(Prison.slug == "cardiff"))
    cardiff_team = sign_in(make_staff(Role.VISITS_TEAM, prisons=[cardiff]))
    before = snapshot()

    wrong = refusals(cardiff_team, ROUTES, prisons["usk"], prisons["usk"], 404)

    assert wrong == []
    assert snapshot() == before


def test_another_prisons_records_cannot_be_reached_through_your_own_prison(
    prisons, make_staff, sign_in
):
    cardiff = db.session.scalar(sa.select(Prison).where(Prison.slug == "cardiff"))
    cardiff_team = sign_in(make_staff(Role.VISITS_TEAM, prisons=[cardiff]))
    through_cardiff = {**prisons["usk"], "slug": "cardiff"}
    before = snapshot()

    wrong = refusals(cardiff_team, WITH_A_RECORD, through_cardiff, prisons["usk"], 404)

    assert wrong == []
    assert snapshot() == before


@pytest.mark.parametrize("role", [Role.CENTRE, Role.CASEWORKER])
def test_other_roles_cannot_use_the_visits_team_pages(prisons, make_staff, sign_in, role):
    cardiff = db.session.scalar(sa.select(Prison).where(Prison.slug == "cardiff"))
    colleague = sign_in(make_staff(role, prisons=[cardiff]))
    before = snapshot()

    wrong = refusals(colleague, ROUTES, prisons["cardiff"], prisons["cardiff"], 403)

    assert wrong == []
    assert snapshot() == before


def test_signed_out_callers_are_sent_to_sign_in(app, prisons):
    stranger = FormClient(app)

    for method, pattern in ROUTES:
        response = call(stranger, method, pattern.format(**prisons["cardiff"]), {})
        if method == "GET":
            assert response.status_code == 302, pattern
            assert "/staff/login" in response.headers["Location"]
        else:
            assert response.status_code in (302, 400), pattern  # no session, no form token
    assert db.session.get(Visit, prisons["cardiff"]["visit"]).status is VisitStatus.REQUESTED


def test_admins_use_the_pages_at_their_own_prisons_only(prisons, make_staff, sign_in):
    cardiff = db.session.scalar(sa.select(Prison).where(Prison.slug == "cardiff"))
    admin = sign_in(make_staff(Role.ADMIN, prisons=[cardiff]))
    pages = [r for r in ROUTES if r[0] == "GET"]

    assert refusals(admin, pages, prisons["cardiff"], prisons["cardiff"], 200) == []
    assert refusals(admin, pages, prisons["usk"], prisons["usk"], 404) == []


def test_the_visits_team_uses_every_page_at_its_own_prison(prisons, make_staff, sign_in):
    cardiff = db.session.scalar(sa.select(Prison).where(Prison.slug == "cardiff"))
    team = sign_in(make_staff(Role.VISITS_TEAM, prisons=[cardiff]))

    statuses = {
        (method, pattern): call(team, method, pattern.format(**prisons["cardiff"]), {}).status_code
        for method, pattern in ROUTES
        if method == "GET"
    }

    assert set(statuses.values()) == {200}
