"""Who may use the visits team's public transport pages. Every route is tried by every kind
of caller with answers it would accept; a refusal must change nothing."""

import re
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from app import db
from staff.models import Role, StaffAuditEvent
from tests.conftest import FormClient, count
from tests.visits.gtfs_feeds import PRISON_LAT, PRISON_LON, write_feed
from timeutil import local_today
from visits.models import Prison, SessionTemplate, VisitSession
from visits.sessions import ensure_sessions
from visits.timetables import import_feed
from visits.transport_models import PrisonStop, PrisonTransport

SOON = local_today() + timedelta(days=3)

# (method, address); {slug}, {template} and {stop} are filled in per case.
ROUTES = [
    ("GET", "/staff/prisons/{slug}/transport"),
    ("GET", "/staff/prisons/{slug}/transport/timeline"),
    ("GET", "/staff/prisons/{slug}/transport/suggestions"),
    ("POST", "/staff/prisons/{slug}/transport/suggestions/{template}/apply"),
    ("GET", "/staff/prisons/{slug}/transport/stops"),
    ("GET", "/staff/prisons/{slug}/transport/stops/{stop}"),
    ("POST", "/staff/prisons/{slug}/transport/stops/{stop}"),
    ("GET", "/staff/prisons/{slug}/transport/window"),
    ("POST", "/staff/prisons/{slug}/transport/window"),
]
WITH_A_RECORD = [r for r in ROUTES if re.search(r"\{(template|stop)\}", r[1])]
# Answers each form would accept: 14:00 is the start time suggested for a 13:00 session.
ANSWERS = {
    "start_time": "14:00",
    "walk_minutes": "3",
    "used": "no",
    "earliest_minutes": "100",
    "way_home_minutes": "100",
}


@pytest.fixture
def prisons(make_prison, make_template, tmp_path):
    """Two prisons beside the same bus stop, each with a weekly session at 13:00."""
    made = {}
    for slug in ("valley", "usk"):
        prison = make_prison(
            slug=slug,
            name=f"HMP {slug.title()}",
            latitude=PRISON_LAT,
            longitude=PRISON_LON,
            arrive_minutes_before=20,
        )
        made[slug] = {"slug": slug, "prison": prison}
    import_feed(write_feed(tmp_path / "valley"))
    db.session.commit()
    for record in made.values():
        prison = record.pop("prison")
        template = make_template(prison, weekday=SOON.weekday(), start=time(13, 0))
        ensure_sessions(prison, *prison.booking_window(local_today()))
        record["template"] = template.id
        record["stop"] = db.session.scalar(
            sa.select(PrisonStop.id).where(PrisonStop.prison_id == prison.id)
        )
    db.session.commit()
    return made


def prison(slug):
    return db.session.scalar(sa.select(Prison).where(Prison.slug == slug))


def snapshot():
    db.session.expire_all()
    return {
        "templates": [
            (t.id, t.start_time, t.end_time)
            for t in db.session.scalars(sa.select(SessionTemplate).order_by(SessionTemplate.id))
        ],
        "sessions": [
            (s.id, s.start_time)
            for s in db.session.scalars(sa.select(VisitSession).order_by(VisitSession.id))
        ],
        "stops": [
            (s.id, s.walk_minutes, s.enabled, s.adjusted)
            for s in db.session.scalars(sa.select(PrisonStop).order_by(PrisonStop.id))
        ],
        "windows": [
            (w.prison_id, w.earliest_arrival_minutes)
            for w in db.session.scalars(sa.select(PrisonTransport))
        ],
        "staff actions": count(StaffAuditEvent, StaffAuditEvent.action != "signed in"),
    }


def call(client, method, url):
    if method == "GET":
        return client.get(url)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/staff/logout").text)
    return client.post(url, data={**ANSWERS, "csrf_token": token.group(1) if token else ""})


def refusals(client, routes, fill, expected):
    wrong = []
    for method, pattern in routes:
        url = pattern.format(**fill)
        status = call(client, method, url).status_code
        if status != expected:
            wrong.append((method, url, status))
    return wrong


def test_the_visits_team_cannot_reach_another_prison(prisons, make_staff, sign_in):
    valley_team = sign_in(make_staff(Role.VISITS_TEAM, prisons=[prison("valley")]))
    before = snapshot()

    assert refusals(valley_team, ROUTES, prisons["usk"], 404) == []
    assert snapshot() == before


def test_another_prisons_records_cannot_be_reached_through_your_own(prisons, make_staff, sign_in):
    valley_team = sign_in(make_staff(Role.VISITS_TEAM, prisons=[prison("valley")]))
    through_valley = {**prisons["usk"], "slug": "valley"}
    before = snapshot()

    assert refusals(valley_team, WITH_A_RECORD, through_valley, 404) == []
    assert snapshot() == before


@pytest.mark.parametrize("role", [Role.CENTRE, Role.CASEWORKER])
def test_other_roles_cannot_use_the_transport_pages(prisons, make_staff, sign_in, role):
    colleague = sign_in(make_staff(role, prisons=[prison("valley")]))
    before = snapshot()

    assert refusals(colleague, ROUTES, prisons["valley"], 403) == []
    assert snapshot() == before


def test_signed_out_callers_are_sent_to_sign_in(app, prisons):
    stranger = FormClient(app)
    before = snapshot()

    for method, pattern in ROUTES:
        response = call(stranger, method, pattern.format(**prisons["valley"]))
        if method == "GET":
            assert response.status_code == 302, pattern
            assert "/staff/login" in response.headers["Location"]
        else:
            assert response.status_code in (302, 400), pattern
    assert snapshot() == before


def test_the_visits_team_uses_every_page_at_its_own_prison(prisons, make_staff, sign_in):
    team = sign_in(make_staff(Role.VISITS_TEAM, prisons=[prison("valley")]))

    pages = [r for r in ROUTES if r[0] == "GET"]
    assert refusals(team, pages, prisons["valley"], 200) == []
    # Both changes are accepted, at the team's own prison only.
    assert refusals(team, [r for r in ROUTES if r[0] == "POST"], prisons["valley"], 302) == []
    db.session.expire_all()
    usk, valley = (
        db.session.get(SessionTemplate, prisons[s]["template"]) for s in ("usk", "valley")
    )
    assert (valley.start_time, usk.start_time) == (time(14, 0), time(13, 0))
    assert not db.session.get(PrisonStop, prisons["valley"]["stop"]).enabled
    assert db.session.get(PrisonStop, prisons["usk"]["stop"]).enabled
    assert db.session.get(PrisonTransport, prison("valley").id).earliest_arrival_minutes == 100
    assert db.session.get(PrisonTransport, prison("usk").id) is None
