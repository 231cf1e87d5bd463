import secrets
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from app import db
from tests.conftest import CONTACT, PRISONER, adult, child, count
from timeutil import LONDON, local_today, utcnow
from visits import booking, rules
from visits.booking import BookingError
from visits.models import (
    CancelReason,
    InvalidTransition,
    Visit,
    VisitEvent,
    Visitor,
    VisitStatus,
)
from visits.sessions import availability

HELD, BOOKED, REQUESTED = VisitStatus.HELD, VisitStatus.BOOKED, VisitStatus.REQUESTED
CANCELLED, EXPIRED = VisitStatus.CANCELLED, VisitStatus.EXPIRED


def now_local():
    return datetime.now(LONDON).replace(tzinfo=None)


def an_hour_ago():
    return utcnow() - timedelta(hours=1)


def days_ahead(days):
    return local_today() + timedelta(days=days)


def transitions(visit):
    return db.session.execute(
        sa.select(VisitEvent.from_status, VisitEvent.to_status)
        .where(VisitEvent.visit_id == visit.id)
        .order_by(VisitEvent.id)
    ).all()


def places_left(session):
    (left,) = availability([session], utcnow())
    return left


def hold(prison, session, token, visitors=None):
    return booking.hold_place(
        prison,
        token,
        session.id,
        PRISONER,
        visitors or [adult()],
        CONTACT,
        local_today(),
        utcnow(),
    )


def confirm(visit, visitors=None, now=None, needs=()):
    return booking.confirm_booking(
        visit.prison,
        visit.journey_token,
        PRISONER,
        visitors or [adult()],
        CONTACT,
        list(needs),
        "",
        local_today(),
        now or utcnow(),
    )


def refused(call, *args):
    with pytest.raises(BookingError) as error:
        call(*args)
    db.session.rollback()
    with current_app.test_request_context():
        return str(error.value.message)


# Holding a place


def test_holding_a_place_takes_one_table_for_the_hold_time(make_prison, make_session, hold_visit):
    prison = make_prison(hold_minutes=15)
    session = make_session(prison, open_tables=5, people_places=20)
    before = utcnow()

    visit = hold_visit(session, [adult(), child()])

    assert visit.status is HELD
    assert before + timedelta(minutes=15) <= visit.hold_expires_at
    assert visit.hold_expires_at <= utcnow() + timedelta(minutes=15)
    assert (places_left(session).open_left, places_left(session).people_left) == (4, 18)
    assert transitions(visit) == [(None, HELD)]


def test_a_family_cannot_hold_a_place_in_a_full_session(make_prison, make_session, book_visit):
    prison = make_prison()
    session = make_session(prison, open_tables=1)
    book_visit(session)

    message = refused(hold, prison, session, "late-family")

    assert "fully booked" in message
    assert count(Visit) == 1


def test_a_group_too_big_for_the_people_places_left_is_refused(
    make_prison, make_session, book_visit
):
    prison = make_prison()
    session = make_session(prison, open_tables=5, people_places=4)
    book_visit(session, [adult(), child()])

    assert "fully booked" in refused(hold, prison, session, "t", [adult(), child(), child()])
    assert hold(prison, session, "t", [adult(), child()]).status is HELD


@pytest.mark.parametrize(
    ("days", "bookable"),
    [(1, False), (2, True), (28, True), (29, False), (-1, False)],
)
def test_places_can_be_held_only_inside_the_booking_window(
    make_prison, make_session, days, bookable
):
    prison = make_prison(min_notice_days=2, max_advance_days=28)
    session = make_session(prison, on=days_ahead(days))

    if bookable:
        assert hold(prison, session, "t").status is HELD
    else:
        assert "can no longer be booked" in refused(hold, prison, session, "t")
        assert count(Visit) == 0


def test_a_cancelled_session_cannot_be_held(make_prison, make_session):
    prison = make_prison()
    session = make_session(prison)
    session.cancelled = True
    db.session.commit()

    assert "no longer available" in refused(hold, prison, session, "t")


def test_a_session_at_another_prison_cannot_be_held(make_prison, make_session):
    prison = make_prison()
    elsewhere = make_session(make_prison())

    assert "no longer available" in refused(hold, prison, elsewhere, "t")


@pytest.mark.parametrize(
    ("visitors", "message"),
    [
        ([adult(), adult("Sue"), adult("Bob"), adult("Jim")], "No more than 3 adults"),
        ([adult(), child(), child(), child(), child()], "No more than 3 children"),
        ([adult(born=days_ahead(-365 * 17))], "18 or over"),
    ],
    ids=["four adults", "four children", "a 17 year old lead"],
)
def test_a_group_breaking_the_prison_limits_cannot_hold_a_place(
    make_prison, make_session, visitors, message
):
    prison = make_prison()
    session = make_session(prison)

    assert message in refused(hold, prison, session, "t", visitors)
    assert count(Visit) == 0


def test_limits_come_from_the_prison(make_prison, make_session):
    prison = make_prison(max_adults=2, adult_age=16)
    session = make_session(prison)
    seventeen = days_ahead(-365 * 17 - 10)
    group = [adult(), adult("Bob"), adult("Sue", born=seventeen)]

    message = refused(hold, prison, session, "t", group)

    assert "No more than 2 adults" in message
    assert "aged 16 or over" in message


def test_choosing_a_time_again_in_the_same_journey_keeps_one_visit(make_prison, make_session):
    prison = make_prison()
    session = make_session(prison, open_tables=5)

    first = hold(prison, session, "journey-1")
    db.session.commit()
    again = hold(prison, session, "journey-1")
    db.session.commit()

    assert again.id == first.id
    assert count(Visit) == 1
    assert places_left(session).open_left == 4
    assert transitions(first) == [(None, HELD), (HELD, HELD)]


def test_choosing_another_time_moves_the_held_place(make_prison, make_session):
    prison = make_prison()
    morning = make_session(prison, start=time(9, 0), open_tables=1)
    afternoon = make_session(prison, start=time(14, 0), open_tables=1)

    visit = hold(prison, morning, "journey-1")
    db.session.commit()
    hold(prison, afternoon, "journey-1")
    db.session.commit()

    assert count(Visit) == 1
    assert visit.session_id == afternoon.id
    assert places_left(morning).open_left == 1
    assert places_left(afternoon).open_left == 0


def test_choosing_a_time_after_confirming_changes_nothing(make_prison, make_session):
    prison = make_prison()
    morning = make_session(prison, start=time(9, 0))
    afternoon = make_session(prison, start=time(14, 0))
    visit = hold(prison, morning, "journey-1")
    confirm(visit)
    db.session.commit()

    again = hold(prison, afternoon, "journey-1")
    db.session.commit()

    assert (again.id, again.session_id, again.status) == (visit.id, morning.id, BOOKED)
    assert count(Visit) == 1


@pytest.mark.parametrize("step", ["choose a time", "confirm"])
def test_going_back_to_a_journey_whose_visit_was_cancelled_is_refused(
    make_prison, make_session, step
):
    prison = make_prison()
    session = make_session(prison)
    visit = hold(prison, session, "journey-1")
    confirm(visit)
    booking.cancel_visit(visit, CancelReason.OTHER, "", "family", now_local())
    db.session.commit()

    if step == "confirm":
        message = refused(confirm, visit)
    else:
        message = refused(hold, prison, session, "journey-1")

    assert "cancelled" in message
    assert visit.status is CANCELLED
    assert len(transitions(visit)) == 3


def test_references_are_eight_unambiguous_characters(make_prison, make_session, book_visit):
    session = make_session(make_prison())

    references = [book_visit(session).reference for _ in range(5)]

    assert len(set(references)) == 5
    for reference in references:
        assert len(reference) == rules.REFERENCE_LENGTH
        assert set(reference) <= set(rules.REFERENCE_ALPHABET)


# Confirming


@pytest.mark.parametrize(("requires_approval", "status"), [(False, BOOKED), (True, REQUESTED)])
def test_a_confirmed_visit_is_booked_or_requested_as_the_prison_works(
    make_prison, make_session, hold_visit, requires_approval, status
):
    prison = make_prison(requires_approval=requires_approval)
    visit = hold_visit(make_session(prison))

    confirm(visit, needs=["wheelchair", "baby"])
    db.session.commit()

    assert visit.status is status
    assert visit.hold_expires_at is None
    assert visit.needs_list == ["wheelchair", "baby"]
    assert transitions(visit) == [(None, HELD), (HELD, status)]


def test_confirming_twice_books_one_visit_with_one_audit_entry(
    make_prison, make_session, hold_visit
):
    session = make_session(make_prison())
    visit = hold_visit(session)

    first = confirm(visit)
    db.session.commit()
    second = confirm(visit)
    db.session.commit()

    assert first.id == second.id
    assert count(Visit) == 1
    assert count(Visit, Visit.status == BOOKED) == 1
    assert transitions(visit) == [(None, HELD), (HELD, BOOKED)]
    assert places_left(session).open_left == session.open_tables - 1


def test_confirming_without_choosing_a_time_is_refused(make_prison):
    message = refused(
        booking.confirm_booking,
        make_prison(),
        "never-held",
        PRISONER,
        [adult()],
        CONTACT,
        [],
        "",
        local_today(),
        utcnow(),
    )

    assert "Choose a time" in message
    assert count(Visit) == 0


def test_confirming_saves_the_latest_answers(make_prison, make_session, hold_visit):
    visit = hold_visit(make_session(make_prison()), [adult()])

    confirm(visit, [adult(), child("Lily")])
    db.session.commit()

    assert [v.first_name for v in visit.visitors] == ["Mary", "Lily"]
    assert count(Visitor) == 2


def test_visitors_added_after_the_hold_are_checked_against_people_places(
    make_prison, make_session, hold_visit, book_visit
):
    session = make_session(make_prison(), open_tables=5, people_places=3)
    visit = hold_visit(session, [adult()])
    book_visit(session, [adult(), child()])

    assert "fully booked" in refused(confirm, visit, [adult(), child()])
    assert visit.status is HELD


def test_visitors_added_after_the_hold_are_checked_against_the_limits(
    make_prison, make_session, hold_visit
):
    visit = hold_visit(make_session(make_prison(max_children=1)), [adult()])

    assert "No more than 1 children" in refused(confirm, visit, [adult(), child(), child()])
    assert visit.status is HELD


def test_a_lapsed_hold_is_still_confirmed_while_its_place_is_free(
    make_prison, make_session, hold_visit
):
    session = make_session(make_prison(), open_tables=1)
    visit = hold_visit(session, now=an_hour_ago())

    confirm(visit)
    db.session.commit()

    assert visit.status is BOOKED
    assert transitions(visit) == [(None, HELD), (HELD, BOOKED)]


def test_a_released_hold_is_held_again_and_confirmed_while_its_place_is_free(
    make_prison, make_session, hold_visit
):
    session = make_session(make_prison(), open_tables=1)
    visit = hold_visit(session, now=an_hour_ago())
    booking.release_lapsed_holds(utcnow())
    db.session.commit()

    confirm(visit)
    db.session.commit()

    assert visit.status is BOOKED
    assert transitions(visit) == [(None, HELD), (HELD, EXPIRED), (EXPIRED, HELD), (HELD, BOOKED)]


@pytest.mark.parametrize("released", [False, True])
def test_a_lapsed_hold_whose_place_was_taken_is_refused_clearly(
    make_prison, make_session, hold_visit, book_visit, released
):
    session = make_session(make_prison(), open_tables=1)
    slow = hold_visit(session, now=an_hour_ago())
    if released:
        booking.release_lapsed_holds(utcnow())
        db.session.commit()
    quick = book_visit(session)

    message = refused(confirm, slow)

    assert "fully booked" in message
    assert slow.status is (EXPIRED if released else HELD)
    assert quick.status is BOOKED
    assert count(Visit, Visit.status == BOOKED) == 1


def test_a_hold_in_a_session_cancelled_since_cannot_be_confirmed(
    make_prison, make_session, hold_visit
):
    session = make_session(make_prison())
    visit = hold_visit(session)
    session.cancelled = True
    db.session.commit()

    assert "no longer available" in refused(confirm, visit)
    assert visit.status is HELD


# Cancelling and changing


def test_cancelling_frees_the_place_for_another_family(make_prison, make_session, book_visit):
    session = make_session(make_prison(), open_tables=1)
    visit = book_visit(session)

    booking.cancel_visit(visit, CancelReason.ILLNESS, "Flu", "family", now_local())
    db.session.commit()

    assert (visit.status, visit.cancel_reason, visit.cancel_details) == (
        CANCELLED,
        CancelReason.ILLNESS,
        "Flu",
    )
    assert transitions(visit)[-1] == (BOOKED, CANCELLED)
    assert book_visit(session).status is BOOKED


def test_a_requested_visit_can_be_cancelled(make_prison, make_session, book_visit):
    visit = book_visit(make_session(make_prison(requires_approval=True)))

    booking.cancel_visit(visit, CancelReason.TRAVEL, "", "family", now_local())
    db.session.commit()

    assert transitions(visit) == [(None, HELD), (HELD, REQUESTED), (REQUESTED, CANCELLED)]


def test_a_visit_cannot_be_cancelled_twice(make_prison, make_session, book_visit):
    visit = book_visit(make_session(make_prison()))
    booking.cancel_visit(visit, CancelReason.ILLNESS, "", "family", now_local())
    db.session.commit()

    message = refused(booking.cancel_visit, visit, CancelReason.OTHER, "", "family", now_local())

    assert "cancelled" in message
    assert len(transitions(visit)) == 3


def test_a_visit_that_has_started_cannot_be_cancelled_or_changed(
    make_prison, make_session, book_visit
):
    prison = make_prison()
    session = make_session(prison)
    other = make_session(prison, start=time(9, 0))
    visit = book_visit(session)
    started = session.starts_at + timedelta(minutes=1)

    for attempt in (
        lambda: booking.cancel_visit(visit, CancelReason.OTHER, "", "family", started),
        lambda: booking.change_visit_time(visit, other.id, local_today(), utcnow(), started),
        lambda: booking.change_visitors(visit, [adult()], local_today(), utcnow(), started),
    ):
        assert "already started" in refused(attempt)
    assert visit.status is BOOKED
    assert transitions(visit) == [(None, HELD), (HELD, BOOKED)]


def test_changing_the_time_moves_the_place_and_is_recorded(make_prison, make_session, book_visit):
    prison = make_prison()
    old = make_session(prison, start=time(9, 0), open_tables=1)
    new = make_session(prison, start=time(14, 0), open_tables=1)
    visit = book_visit(old)

    booking.change_visit_time(visit, new.id, local_today(), utcnow(), now_local())
    db.session.commit()

    assert visit.session_id == new.id
    assert (places_left(old).open_left, places_left(new).open_left) == (1, 0)
    assert transitions(visit)[-1] == (BOOKED, BOOKED)
    assert visit.events[-1].note == "time changed"


def test_changing_to_the_same_time_records_nothing(make_prison, make_session, book_visit):
    session = make_session(make_prison())
    visit = book_visit(session)

    booking.change_visit_time(visit, session.id, local_today(), utcnow(), now_local())
    db.session.commit()

    assert len(transitions(visit)) == 2


def test_the_time_cannot_be_changed_to_a_full_session(make_prison, make_session, book_visit):
    prison = make_prison()
    old = make_session(prison, start=time(9, 0))
    full = make_session(prison, start=time(14, 0), open_tables=1)
    visit = book_visit(old)
    book_visit(full)

    message = refused(
        booking.change_visit_time, visit, full.id, local_today(), utcnow(), now_local()
    )

    assert "fully booked" in message
    assert visit.session_id == old.id
    assert len(transitions(visit)) == 2


def test_the_time_cannot_be_changed_to_a_session_without_seats_for_everyone(
    make_prison, make_session, book_visit
):
    prison = make_prison()
    old = make_session(prison, start=time(9, 0))
    small = make_session(prison, start=time(14, 0), people_places=2)
    visit = book_visit(old, [adult(), child(), child()])

    assert "fully booked" in refused(
        booking.change_visit_time, visit, small.id, local_today(), utcnow(), now_local()
    )
    assert visit.session_id == old.id


def test_the_time_cannot_be_changed_outside_the_booking_window(
    make_prison, make_session, book_visit
):
    prison = make_prison(min_notice_days=2, max_advance_days=28)
    visit = book_visit(make_session(prison, on=days_ahead(5)))
    too_soon = make_session(prison, on=days_ahead(1))
    too_late = make_session(prison, on=days_ahead(29))

    for session in (too_soon, too_late):
        assert "can no longer be booked" in refused(
            booking.change_visit_time, visit, session.id, local_today(), utcnow(), now_local()
        )


def test_a_lead_visitor_who_is_18_by_the_booked_day_cannot_move_to_an_earlier_day(
    make_prison, make_session, book_visit
):
    prison = make_prison()
    turns_18 = days_ahead(10)
    lead = adult(born=turns_18.replace(year=turns_18.year - 18))
    visit = book_visit(make_session(prison, on=days_ahead(12)), [lead])
    earlier = make_session(prison, on=days_ahead(5))

    assert "18 or over" in refused(
        booking.change_visit_time, visit, earlier.id, local_today(), utcnow(), now_local()
    )


def test_changing_visitors_replaces_them_and_is_recorded(make_prison, make_session, book_visit):
    session = make_session(make_prison(), people_places=10)
    visit = book_visit(session, [adult(), child("Lily"), child("Sam")])

    booking.change_visitors(
        visit, [adult(), child("Sam"), adult("Gran")], local_today(), utcnow(), now_local()
    )
    db.session.commit()

    assert [v.first_name for v in visit.visitors] == ["Mary", "Sam", "Gran"]
    assert count(Visitor) == 3
    assert visit.status is BOOKED
    assert transitions(visit)[-1] == (BOOKED, BOOKED)
    assert visit.events[-1].note == "visitors changed"
    assert places_left(session).people_left == 7


def test_removing_visitors_frees_people_places(make_prison, make_session, book_visit):
    session = make_session(make_prison(), people_places=4)
    visit = book_visit(session, [adult(), child(), child()])

    booking.change_visitors(visit, [adult()], local_today(), utcnow(), now_local())
    db.session.commit()

    assert places_left(session).people_left == 3


def test_visitors_cannot_be_added_beyond_the_people_places(make_prison, make_session, book_visit):
    session = make_session(make_prison(), people_places=3)
    visit = book_visit(session, [adult()])
    book_visit(session, [adult()])

    message = refused(
        booking.change_visitors,
        visit,
        [adult(), child(), child()],
        local_today(),
        utcnow(),
        now_local(),
    )

    assert "not enough room" in message
    assert count(Visitor, Visitor.visit_id == visit.id) == 1
    assert len(transitions(visit)) == 2


def test_visitors_cannot_be_changed_to_break_the_limits(make_prison, make_session, book_visit):
    visit = book_visit(make_session(make_prison(max_visitors=3)), [adult()])

    message = refused(
        booking.change_visitors,
        visit,
        [adult(), child(), child(), child()],
        local_today(),
        utcnow(),
        now_local(),
    )

    assert "No more than 3 people" in message
    assert count(Visitor, Visitor.visit_id == visit.id) == 1


def test_a_cancelled_visit_cannot_be_changed(make_prison, make_session, book_visit):
    prison = make_prison()
    visit = book_visit(make_session(prison))
    other = make_session(prison, start=time(9, 0))
    booking.cancel_visit(visit, CancelReason.OTHER, "", "family", now_local())
    db.session.commit()

    for attempt in (
        lambda: booking.change_visit_time(visit, other.id, local_today(), utcnow(), now_local()),
        lambda: booking.change_visitors(visit, [adult()], local_today(), utcnow(), now_local()),
    ):
        assert "cancelled" in refused(attempt)
    assert places_left(other).open_left == other.open_tables


# The audit trail and the status rules


def test_every_status_change_writes_exactly_one_event(make_prison, make_session, hold_visit):
    visit = hold_visit(make_session(make_prison()))
    confirm(visit)
    booking.cancel_visit(visit, CancelReason.ILLNESS, "", "family", now_local())
    db.session.commit()

    events = db.session.scalars(
        sa.select(VisitEvent).where(VisitEvent.visit_id == visit.id).order_by(VisitEvent.id)
    ).all()

    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        (None, HELD, "family"),
        (HELD, BOOKED, "family"),
        (BOOKED, CANCELLED, "family"),
    ]
    assert events[-1].note == CancelReason.ILLNESS.value


def visit_in(status, prison, session, book_visit, hold_visit):
    if status is EXPIRED:
        visit = hold_visit(session, now=an_hour_ago())
        booking.release_lapsed_holds(utcnow())
    else:
        prison.requires_approval = status is REQUESTED
        db.session.commit()
        visit = book_visit(session)
    if status is CANCELLED:
        visit.cancel("family", CancelReason.OTHER)
    db.session.commit()
    assert visit.status is status
    return visit


MOVES = {
    "book": lambda visit: visit.confirm("family"),
    "cancel": lambda visit: visit.cancel("family", CancelReason.OTHER),
    "expire": lambda visit: visit.expire(),
    "hold": lambda visit: visit.hold(utcnow() + timedelta(minutes=10), "family"),
}


@pytest.mark.parametrize(
    ("status", "move"),
    [
        (CANCELLED, "book"),
        (CANCELLED, "cancel"),
        (CANCELLED, "hold"),
        (BOOKED, "expire"),
        (BOOKED, "hold"),
        (REQUESTED, "expire"),
        (REQUESTED, "hold"),
        (EXPIRED, "book"),
        (EXPIRED, "cancel"),
        (EXPIRED, "expire"),
    ],
)
def test_a_visit_cannot_jump_between_statuses_the_rules_do_not_allow(
    make_prison, make_session, book_visit, hold_visit, status, move
):
    prison = make_prison()
    visit = visit_in(status, prison, make_session(prison), book_visit, hold_visit)
    events = len(transitions(visit))

    with pytest.raises(InvalidTransition):
        MOVES[move](visit)

    assert visit.status is status
    db.session.commit()
    assert len(transitions(visit)) == events


def test_release_expires_only_lapsed_holds(make_prison, make_session, hold_visit, book_visit):
    session = make_session(make_prison())
    lapsed = hold_visit(session, now=an_hour_ago())
    live = hold_visit(session)
    booked = book_visit(session, now=an_hour_ago())

    released = booking.release_lapsed_holds(utcnow())
    db.session.commit()

    assert released == 1
    assert (lapsed.status, live.status, booked.status) == (EXPIRED, HELD, BOOKED)
    assert db.session.scalars(
        sa.select(VisitEvent.actor).where(VisitEvent.to_status == EXPIRED)
    ).all() == ["system"]
    assert booking.release_lapsed_holds(utcnow()) == 0


def test_release_treats_a_hold_as_lapsed_at_its_expiry_time(make_prison, make_session, hold_visit):
    visit = hold_visit(make_session(make_prison()))

    assert booking.release_lapsed_holds(visit.hold_expires_at - timedelta(seconds=1)) == 0
    assert booking.release_lapsed_holds(visit.hold_expires_at) == 1


# Finding a visit to manage


@pytest.fixture
def booked_with_child(make_prison, make_session, book_visit):
    return book_visit(
        make_session(make_prison()), [adult(born=date(1985, 3, 27)), child(born=date(2018, 5, 1))]
    )


@pytest.mark.parametrize(
    "typed",
    [
        lambda ref: ref,
        lambda ref: rules.format_reference(ref),
        lambda ref: rules.format_reference(ref).lower(),
        lambda ref: f"  {ref[:4].lower()} {ref[4:]} ",
    ],
    ids=["as issued", "hyphenated", "lowercase hyphenated", "spaced"],
)
def test_a_visit_is_found_by_its_reference_however_it_is_typed(booked_with_child, typed):
    assert booking.find_visit(typed(booked_with_child.reference), date(1985, 3, 27)) == (
        booked_with_child
    )


def test_a_visit_is_not_found_with_someone_elses_date_of_birth(booked_with_child):
    reference = booked_with_child.reference

    assert booking.find_visit(reference, date(1985, 3, 28)) is None
    assert booking.find_visit(reference, date(2018, 5, 1)) is None  # the child, not the lead


def test_a_visit_is_not_found_with_another_visits_reference(
    booked_with_child, make_prison, make_session, book_visit
):
    other = book_visit(make_session(make_prison()), [adult(born=date(1990, 1, 1))])

    assert booking.find_visit(other.reference, date(1985, 3, 27)) is None


def test_an_unfinished_booking_cannot_be_found(make_prison, make_session, hold_visit):
    visit = hold_visit(make_session(make_prison()), [adult(born=date(1985, 3, 27))])

    assert booking.find_visit(visit.reference, date(1985, 3, 27)) is None
    assert booking.visit_by_token(visit.manage_token) is None


def test_a_cancelled_visit_can_still_be_found_to_see_that_it_was_cancelled(booked_with_child):
    booking.cancel_visit(booked_with_child, CancelReason.ILLNESS, "", "family", now_local())
    db.session.commit()

    found = booking.find_visit(booked_with_child.reference, date(1985, 3, 27))

    assert found is not None
    assert found.status is CANCELLED


def test_confirmation_token_opens_the_visit(booked_with_child):
    assert booking.visit_by_token(booked_with_child.manage_token) == booked_with_child
    assert booking.visit_by_token(secrets.token_urlsafe(32)) is None


def test_a_hold_cannot_be_confirmed_through_another_prison(make_prison, make_session, hold_visit):
    visit = hold_visit(make_session(make_prison()))

    message = refused(
        booking.confirm_booking,
        make_prison(),
        visit.journey_token,
        PRISONER,
        [adult()],
        CONTACT,
        [],
        "",
        local_today(),
        utcnow(),
    )

    assert "no longer available" in message
    assert visit.status is HELD


def test_once_checked_in_the_family_cannot_change_or_cancel_online(
    make_prison, make_session, book_visit, make_staff
):
    from centres import checkin
    from staff.models import Role

    prison = make_prison(min_notice_days=0)
    session = make_session(prison, on=local_today(), start=time(21, 0))
    visit = book_visit(session, visitors=[adult(), child()])
    checkin.mark_arrived(visit, make_staff(Role.CENTRE, [prison]), utcnow())
    db.session.commit()
    before_start = session.starts_at - timedelta(minutes=30)

    assert not booking.can_change(visit, before_start)
    with pytest.raises(BookingError, match="checked in at the visitor centre"):
        booking.change_visitors(visit, [adult()], local_today(), utcnow(), before_start)
    with pytest.raises(BookingError, match="checked in at the visitor centre"):
        booking.cancel_visit(visit, CancelReason.ILLNESS, "", "family", before_start)
    db.session.rollback()
    assert len(visit.visitors) == 2 and visit.status is VisitStatus.BOOKED
