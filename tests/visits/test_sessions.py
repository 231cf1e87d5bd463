from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app import db
from tests.conftest import adult, child, count
from timeutil import LONDON, local_today, utcnow
from visits import booking
from visits.models import CancelReason, Closure, TableType, VisitSession, VisitStatus
from visits.sessions import availability, bookable, ensure_sessions

MONDAY = date(2030, 1, 7)
WEDNESDAY = MONDAY + timedelta(days=2)
A_WEEK = timedelta(days=7)


def now_local():
    return datetime.now(LONDON).replace(tzinfo=None)


def sessions_of(prison):
    return db.session.execute(
        sa.select(VisitSession.date, VisitSession.start_time)
        .where(VisitSession.prison_id == prison.id)
        .order_by(VisitSession.date, VisitSession.start_time)
    ).all()


def test_sessions_are_made_only_on_the_template_weekday(make_prison, make_template):
    prison = make_prison()
    make_template(prison, weekday=WEDNESDAY.weekday(), start=time(14, 0))

    made = ensure_sessions(prison, MONDAY, MONDAY + 2 * A_WEEK - timedelta(days=1))
    db.session.commit()

    assert made == 2
    assert sessions_of(prison) == [(WEDNESDAY, time(14, 0)), (WEDNESDAY + A_WEEK, time(14, 0))]


def test_sessions_take_their_places_from_the_template(make_prison, make_template):
    prison = make_prison()
    template = make_template(prison, weekday=0, open_tables=12)
    # make_template cannot override these yet: it passes them itself as well.
    template.closed_tables, template.people_places = 2, 30
    db.session.commit()

    ensure_sessions(prison, MONDAY, MONDAY)
    db.session.commit()

    made = db.session.scalars(sa.select(VisitSession)).one()
    assert (made.open_tables, made.closed_tables, made.people_places) == (12, 2, 30)
    assert (made.start_time, made.end_time) == (time(14, 0), time(16, 0))
    assert not made.cancelled


def test_sessions_run_only_while_the_template_is_valid(make_prison, make_template):
    prison = make_prison()
    template = make_template(prison, weekday=0)
    template.valid_from = MONDAY + A_WEEK
    template.valid_until = MONDAY + 3 * A_WEEK
    db.session.commit()

    ensure_sessions(prison, MONDAY, MONDAY + 5 * A_WEEK)
    db.session.commit()

    assert [day for day, _ in sessions_of(prison)] == [
        MONDAY + A_WEEK,
        MONDAY + 2 * A_WEEK,
        MONDAY + 3 * A_WEEK,
    ]


def test_a_prison_closure_stops_every_session_on_its_days(make_prison, make_template):
    prison = make_prison()
    make_template(prison, weekday=0, start=time(10, 0))
    make_template(prison, weekday=2, start=time(14, 0))
    db.session.add(
        Closure(
            prison_id=prison.id,
            start_date=MONDAY + A_WEEK,
            end_date=WEDNESDAY + A_WEEK,
            reason="Staff training",
        )
    )
    db.session.commit()

    ensure_sessions(prison, MONDAY, MONDAY + 3 * A_WEEK - timedelta(days=1))
    db.session.commit()

    assert sessions_of(prison) == [
        (MONDAY, time(10, 0)),
        (WEDNESDAY, time(14, 0)),
        (MONDAY + 2 * A_WEEK, time(10, 0)),
        (WEDNESDAY + 2 * A_WEEK, time(14, 0)),
    ]


def test_a_closure_of_one_session_leaves_the_others_on_that_day(make_prison, make_template):
    prison = make_prison()
    make_template(prison, weekday=0, start=time(10, 0))
    afternoon = make_template(prison, weekday=0, start=time(14, 0))
    db.session.add(
        Closure(prison_id=prison.id, template_id=afternoon.id, start_date=MONDAY, end_date=MONDAY)
    )
    db.session.commit()

    ensure_sessions(prison, MONDAY, MONDAY + A_WEEK)
    db.session.commit()

    assert sessions_of(prison) == [
        (MONDAY, time(10, 0)),
        (MONDAY + A_WEEK, time(10, 0)),
        (MONDAY + A_WEEK, time(14, 0)),
    ]


def test_another_prisons_closure_changes_nothing(make_prison, make_template):
    prison, other = make_prison(), make_prison()
    make_template(prison, weekday=0)
    db.session.add(Closure(prison_id=other.id, start_date=MONDAY, end_date=MONDAY))
    db.session.commit()

    assert ensure_sessions(prison, MONDAY, MONDAY) == 1


def test_making_sessions_again_changes_nothing_and_keeps_bookings(
    make_prison, make_template, book_visit
):
    prison = make_prison()
    make_template(prison, weekday=local_today().weekday(), open_tables=3)
    first, last = prison.booking_window(local_today())
    made = ensure_sessions(prison, first, last)
    db.session.commit()
    booked = book_visit(db.session.scalars(sa.select(VisitSession).limit(1)).one())

    assert ensure_sessions(prison, first, last) == 0
    db.session.commit()
    assert ensure_sessions(prison, first, last + A_WEEK) == 1
    db.session.commit()

    assert made == 4
    assert count(VisitSession) == 5
    (left,) = availability([booked.session], utcnow())
    assert left.open_left == 2


def make_visits_in_every_state(prison, session, book_visit, hold_visit):
    long_ago = utcnow() - timedelta(hours=1)
    expired = hold_visit(session, [adult(), child()], now=long_ago)
    booking.release_lapsed_holds(utcnow())
    db.session.commit()
    assert expired.status is VisitStatus.EXPIRED

    cancelled = book_visit(session, [adult(), child()])
    booking.cancel_visit(cancelled, CancelReason.ILLNESS, "", "family", now_local())
    db.session.commit()

    hold_visit(session, [adult(), child(), child()], now=long_ago)  # lapsed, not yet released
    book_visit(session, [adult(), child()])
    hold_visit(session, [adult()])  # live hold
    prison.requires_approval = True
    db.session.commit()
    assert book_visit(session, [adult(), child()]).status is VisitStatus.REQUESTED


def test_only_booked_requested_and_live_held_visits_take_places(
    make_prison, make_session, book_visit, hold_visit
):
    prison = make_prison()
    session = make_session(prison, open_tables=10, closed_tables=2, people_places=20)
    make_visits_in_every_state(prison, session, book_visit, hold_visit)

    (left,) = availability([session], utcnow())

    assert left.open_left == 10 - 3
    assert left.closed_left == 2
    assert left.people_left == 20 - 5


def test_a_session_that_does_not_count_people_has_no_people_limit(
    make_prison, make_session, book_visit
):
    session = make_session(make_prison(), open_tables=2, people_places=None)
    book_visit(session, [adult(), child(), child()])

    (left,) = availability([session], utcnow())

    assert left.people_left is None
    assert left.fits(TableType.OPEN, 6)
    assert not left.fits(TableType.CLOSED, 1)


def test_a_visit_being_changed_does_not_count_against_itself(make_prison, make_session, book_visit):
    session = make_session(make_prison(), open_tables=1, people_places=2)
    visit = book_visit(session, [adult(), child()])

    (without_it,) = availability([session], utcnow(), excluding_visit_id=visit.id)
    (with_it,) = availability([session], utcnow())

    assert (without_it.open_left, without_it.people_left) == (1, 2)
    assert (with_it.open_left, with_it.people_left) == (0, 0)


def test_a_hold_stops_taking_a_place_the_moment_it_runs_out(make_prison, make_session, hold_visit):
    session = make_session(make_prison(), open_tables=1)
    visit = hold_visit(session)

    (just_before,) = availability([session], visit.hold_expires_at - timedelta(seconds=1))
    (at_expiry,) = availability([session], visit.hold_expires_at)

    assert just_before.open_left == 0
    assert at_expiry.open_left == 1


def test_families_are_offered_only_sessions_in_the_window_with_room_for_the_group(
    make_prison, make_session, book_visit
):
    prison = make_prison(min_notice_days=2, max_advance_days=28)
    today = local_today()
    free = make_session(prison, on=today + timedelta(days=3), start=time(10, 0))
    first_day = make_session(prison, on=today + timedelta(days=2), start=time(10, 0))
    last_day = make_session(prison, on=today + timedelta(days=28), start=time(10, 0))
    full = make_session(prison, on=today + timedelta(days=3), start=time(14, 0), open_tables=1)
    book_visit(full)
    too_few_seats = make_session(
        prison, on=today + timedelta(days=4), start=time(10, 0), people_places=2
    )
    cancelled = make_session(prison, on=today + timedelta(days=5), start=time(10, 0))
    cancelled.cancelled = True
    make_session(prison, on=today + timedelta(days=1), start=time(10, 0))
    make_session(prison, on=today + timedelta(days=29), start=time(10, 0))
    make_session(make_prison(), on=today + timedelta(days=3), start=time(10, 0))
    db.session.commit()

    offered = [a.session.id for a in bookable(prison, today, utcnow(), people=3)]

    assert offered == [first_day.id, free.id, last_day.id]
    assert too_few_seats.id in [a.session.id for a in bookable(prison, today, utcnow(), 2)]
