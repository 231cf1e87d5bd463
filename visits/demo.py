"""Realistic demo data: real prisons in England and Wales, weekly sessions and some bookings."""

import secrets
from datetime import date, time, timedelta
from pathlib import Path

import sqlalchemy as sa

from app import db
from centres.models import VisitorCentre
from family_days import demo as family_days_demo
from visits import booking, timetables
from visits.booking import ContactDetails, PrisonerDetails, VisitorDetails
from visits.models import (
    Closure,
    Nation,
    Prison,
    Relationship,
    SessionKind,
    SessionTemplate,
    VisitSession,
)
from visits.sessions import bookable, ensure_sessions
from visits.transport_models import PrisonStop, TransitFeed

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

PRISONS = [
    {
        "slug": "cardiff",
        "name": "HMP Cardiff",
        "nation": Nation.WALES,
        "address": "Knox Road, Cardiff",
        "postcode": "CF24 0UG",
        "latitude": 51.4826,
        "longitude": -3.1622,
        "phone": "029 2092 3100",
        "sessions": [
            (TUE, "14:00", "16:00"),
            (THU, "14:00", "16:00"),
            (SAT, "09:30", "11:30"),
            (SAT, "14:00", "16:00"),
            (SUN, "14:00", "16:00"),
        ],
        "tables": (24, 3, 110),
        "centre": ("Cardiff Prison Visitor Centre", "Prison Advice and Care Trust (Pact)", True),
        "child_centred": (WED, "10:00", "12:00", (8, 0, 30)),
    },
    {
        "slug": "usk",
        "name": "HMP Usk",
        "nation": Nation.WALES,
        "address": "47 Maryport Street, Usk",
        "postcode": "NP15 1XP",
        "latitude": 51.7040,
        "longitude": -2.9021,
        "phone": "01291 671 600",
        "sessions": [(WED, "14:00", "16:00"), (SAT, "14:00", "16:00"), (SUN, "14:00", "16:00")],
        "tables": (12, 1, 50),
        "centre": ("Usk Visitor Centre", "Prison Advice and Care Trust (Pact)", False),
    },
    {
        "slug": "bristol",
        "name": "HMP Bristol",
        "nation": Nation.ENGLAND,
        "address": "19 Cambridge Road, Horfield, Bristol",
        "postcode": "BS7 8PS",
        "latitude": 51.4880,
        "longitude": -2.5890,
        "phone": "0117 372 3100",
        "sessions": [
            (MON, "14:00", "16:00"),
            (WED, "14:00", "16:00"),
            (FRI, "14:00", "16:00"),
            (SAT, "14:00", "16:00"),
        ],
        "tables": (20, 2, None),
        "centre": ("Bristol Visitor Centre", "Prison Advice and Care Trust (Pact)", True),
        "requires_approval": True,
    },
    {
        "slug": "eastwood-park",
        "name": "HMP Eastwood Park",
        "nation": Nation.ENGLAND,
        "address": "Church Avenue, Falfield, Wotton-under-Edge",
        "postcode": "GL12 8DB",
        "latitude": 51.6318,
        "longitude": -2.4590,
        "phone": "01454 382 100",
        "sessions": [
            (TUE, "13:45", "15:45"),
            (THU, "13:45", "15:45"),
            (SAT, "13:45", "15:45"),
            (SUN, "13:45", "15:45"),
        ],
        "tables": (16, 2, 70),
        "centre": ("Eastwood Park Visitor Centre", "Nelson Trust", True),
        "min_notice_days": 3,
    },
]

CHILD_CENTRED_INFORMATION = {
    "what_happens": (
        "Parents stay at the table with their children. Staff from the visitor centre run "
        "games, colouring and a story, and there is a snack for everyone."
    ),
    "play_area": "A soft play corner for under-5s and a games table for older children.",
    "children_may_bring": (
        "A drawing, a school report or a photo to show their parent. No toys from home."
    ),
}

FAMILIES = [
    ("Sian", "Evans", date(1986, 4, 12), "07123 456001", [("Cerys", "Evans", date(2015, 9, 3))]),
    ("Darren", "Price", date(1979, 1, 30), "07123 456002", []),
    (
        "Aleksandra",
        "Nowak",
        date(1990, 7, 21),
        "07123 456003",
        [("Zofia", "Nowak", date(2019, 2, 14)), ("Jan", "Nowak", date(2021, 11, 5))],
    ),
    ("Grace", "Okafor", date(1968, 11, 2), "07123 456004", []),
]


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def load(today: date, now) -> list[str]:
    """Create the demo prisons if they are missing; returns lines worth printing."""
    lines = []
    for spec in PRISONS:
        prison = db.session.scalar(sa.select(Prison).where(Prison.slug == spec["slug"]))
        if prison is not None:
            continue
        prison = Prison(
            slug=spec["slug"],
            name=spec["name"],
            nation=spec["nation"],
            address=spec["address"],
            postcode=spec["postcode"],
            latitude=spec["latitude"],
            longitude=spec["longitude"],
            phone=spec["phone"],
            requires_approval=spec.get("requires_approval", False),
            min_notice_days=spec.get("min_notice_days", 2),
        )
        db.session.add(prison)
        open_tables, closed_tables, people = spec["tables"]
        for weekday, start, end in spec["sessions"]:
            db.session.add(
                SessionTemplate(
                    prison=prison,
                    weekday=weekday,
                    start_time=_clock(start),
                    end_time=_clock(end),
                    open_tables=open_tables,
                    closed_tables=closed_tables,
                    people_places=people,
                    valid_from=today - timedelta(days=365),
                    valid_until=None,
                )
            )
        if "child_centred" in spec:
            weekday, start, end, (open_tables, closed_tables, people) = spec["child_centred"]
            db.session.add(
                SessionTemplate(
                    prison=prison,
                    weekday=weekday,
                    start_time=_clock(start),
                    end_time=_clock(end),
                    open_tables=open_tables,
                    closed_tables=closed_tables,
                    people_places=people,
                    valid_from=today - timedelta(days=365),
                    valid_until=None,
                    kind=SessionKind.CHILD_CENTRED,
                    **CHILD_CENTRED_INFORMATION,
                )
            )
        name, run_by, play_area = spec["centre"]
        db.session.add(
            VisitorCentre(
                prison=prison,
                name=name,
                run_by=run_by,
                has_play_area=play_area,
                has_refreshments=play_area,
            )
        )
        db.session.flush()
        for holiday in (date(today.year, 12, 25), date(today.year, 12, 26)):
            db.session.add(
                Closure(
                    prison_id=prison.id, start_date=holiday, end_date=holiday, reason="Christmas"
                )
            )
        # A staff training afternoon closes one weekly session a fortnight from now.
        first_template = prison.templates[0]
        training = today + timedelta(days=14)
        training += timedelta(days=(first_template.weekday - training.weekday()) % 7)
        db.session.add(
            Closure(
                prison_id=prison.id,
                template_id=first_template.id,
                start_date=training,
                end_date=training,
                reason="Staff training",
            )
        )
        db.session.flush()
        if spec is PRISONS[0]:
            lines += family_days_demo.add_family_day(prison, today)
        ensure_sessions(prison, today, today + timedelta(days=prison.max_advance_days))
        lines += _book_families(prison, today, now)
    return lines


def _book_families(prison: Prison, today: date, now) -> list[str]:
    lines = []
    available = bookable(prison, today, now, people=3)
    options = [a for a in available if not a.session.is_child_centred]
    child_centred = [a for a in available if a.session.is_child_centred]
    for index, (first, last, born, mobile, children) in enumerate(FAMILIES):
        if index >= len(options):
            break
        group = [VisitorDetails(first, last, born, Relationship.PARTNER)] + [
            VisitorDetails(c_first, c_last, c_born, Relationship.CHILD)
            for c_first, c_last, c_born in children
        ]
        prisoner = PrisonerDetails(
            "Rhys" if index % 2 else "Thomas",
            last,
            date(1985 + index, 5, 17),
            f"A{1234 + index}B{'CDEF'[index]}",
        )
        contact = ContactDetails(booking.rules.normalise_uk_mobile(mobile), None, "en")
        token = secrets.token_urlsafe(24)
        # A family with children takes a child-centred session where there is one.
        chosen = child_centred.pop(0) if children and child_centred else None
        session_id = (chosen or options[index * 2 % len(options)]).session.id
        booking.hold_place(prison, token, session_id, prisoner, group, contact, today, now)
        visit = booking.confirm_booking(prison, token, prisoner, group, contact, [], "", today, now)
        lines.append(f"  {prison.name}: {visit.reference} ({first} {last}, born {born:%d %m %Y})")
    return lines


def sessions_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(VisitSession.id)))


NEWPORT_FEED = "uk_newport_20230613_gtfs.zip"


def load_timetables(app_root: Path) -> list[str]:
    """Import the real Newport bus timetable (it serves HMP Cardiff and HMP Usk) from
    ../shared/data/gtfs beside the checkout, unless that exact feed is already in."""
    path = app_root.parent / "shared" / "data" / "gtfs" / NEWPORT_FEED
    if not path.exists():
        return [f"Bus timetables skipped: {path} not found."]
    report = timetables.import_feed(path)
    feed = db.session.scalar(sa.select(TransitFeed).where(TransitFeed.name == report.feed_name))
    if report.skipped:
        # Prisons created since the feed came in still need their stops.
        for prison in db.session.scalars(sa.select(Prison)):
            if not db.session.scalar(
                sa.select(PrisonStop.id).where(PrisonStop.prison_id == prison.id).limit(1)
            ):
                timetables.link_prison_stops(prison, [feed])
        return [f"Bus timetables: {report.feed_name} already imported."]
    return [
        f"Bus timetables: imported {report.feed_name} ({report.counts['stop times']} stop times,"
        f" {report.counts['prison stops']} stops near prisons; dates after {feed.last_date}"
        " are estimated from its last full week)."
    ]
