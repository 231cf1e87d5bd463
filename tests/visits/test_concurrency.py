import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from datetime import time as clock

import sqlalchemy as sa

from app import db
from tests.conftest import CONTACT, PRISONER, adult, child, count
from timeutil import LONDON, local_today, utcnow
from visits import booking
from visits.booking import BookingError
from visits.models import Prison, Visit, VisitEvent, Visitor, VisitSession, VisitStatus
from visits.sessions import availability

FAMILIES = 32


def now_local():
    return datetime.now(LONDON).replace(tzinfo=None)


def race(app, attempts, attempt):
    """Run attempt(i) in `attempts` threads released together, each in its own app context.

    Each outcome is ("done", result), ("refused", message) or ("error", exception).
    """
    start = threading.Barrier(attempts)

    def run(i):
        with app.app_context():
            start.wait()
            try:
                return "done", attempt(i)
            except BookingError as refusal:
                db.session.rollback()
                with app.test_request_context():
                    return "refused", str(refusal.message)
            except Exception as error:  # every other failure is reported below
                db.session.rollback()
                return "error", error

    # Nothing may hold a transaction (on SQLite, the write lock) while the threads run.
    db.session.close()
    with ThreadPoolExecutor(max_workers=attempts) as pool:
        outcomes = list(pool.map(run, range(attempts)))
    errors = [detail for outcome, detail in outcomes if outcome == "error"]
    assert errors == [], f"{len(errors)} attempts failed unexpectedly: {errors[:3]}"
    return outcomes


def done(outcomes):
    return [result for outcome, result in outcomes if outcome == "done"]


def refused(outcomes):
    return [message for outcome, message in outcomes if outcome == "refused"]


def book_as_a_family(prison_id, session_id, visitors):
    """The journey's two steps, each in its own transaction as the pages make them."""

    def attempt(i):
        prison = db.session.get(Prison, prison_id)
        token = f"family-{i}"
        today, now = local_today(), utcnow()
        group = visitors(i)
        booking.hold_place(prison, token, session_id, PRISONER, group, CONTACT, today, now)
        db.session.commit()
        visit = booking.confirm_booking(prison, token, PRISONER, group, CONTACT, [], "", today, now)
        db.session.commit()
        return visit.id

    return attempt


def test_last_five_tables_go_to_exactly_five_families(app, make_prison, make_session):
    prison = make_prison()
    session = make_session(prison, open_tables=5)
    ids = prison.id, session.id

    outcomes = race(app, FAMILIES, book_as_a_family(*ids, lambda i: [adult()]))

    assert len(done(outcomes)) == 5
    assert len(refused(outcomes)) == FAMILIES - 5
    assert all("fully booked" in message for message in refused(outcomes))
    assert count(Visit, Visit.status == VisitStatus.BOOKED) == 5
    assert count(Visit) == 5


def test_the_last_table_goes_to_exactly_one_family(app, make_prison, make_session, book_visit):
    prison = make_prison()
    session = make_session(prison, open_tables=3)
    book_visit(session)
    book_visit(session)
    ids = prison.id, session.id

    outcomes = race(app, FAMILIES, book_as_a_family(*ids, lambda i: [adult()]))

    assert len(done(outcomes)) == 1
    assert count(Visit, Visit.status == VisitStatus.BOOKED) == 3


def test_people_places_are_never_overbooked_and_no_family_is_refused_while_there_is_room(
    app, make_prison, make_session
):
    prison = make_prison()
    session = make_session(prison, open_tables=FAMILIES, people_places=10)
    ids = prison.id, session.id
    sizes = [1 + i % 3 for i in range(FAMILIES)]

    outcomes = race(
        app, FAMILIES, book_as_a_family(*ids, lambda i: [adult(), *[child()] * (sizes[i] - 1)])
    )

    booked_people = count(
        Visitor, Visitor.visit_id.in_(sa.select(Visit.id).where(Visit.status == VisitStatus.BOOKED))
    )
    booked_families = set(done(outcomes))
    assert booked_people <= 10
    assert count(Visit) == len(booked_families)
    (left,) = availability([db.session.get(VisitSession, ids[1])], utcnow())
    assert left.people_left == 10 - booked_people
    refused_sizes = [sizes[i] for i, (outcome, _) in enumerate(outcomes) if outcome == "refused"]
    assert all(size > left.people_left for size in refused_sizes)


def test_a_double_clicked_confirm_books_one_visit(app, make_prison, make_session, hold_visit):
    session = make_session(make_prison(), open_tables=5)
    held = hold_visit(session)
    prison_id, token, visit_id = held.prison_id, held.journey_token, held.id

    def confirm(_):
        prison = db.session.get(Prison, prison_id)
        visit = booking.confirm_booking(
            prison, token, PRISONER, [adult()], CONTACT, [], "", local_today(), utcnow()
        )
        db.session.commit()
        return visit.id

    outcomes = race(app, 24, confirm)

    assert done(outcomes) == [visit_id] * 24
    assert count(Visit) == 1
    assert db.session.get(Visit, visit_id).status is VisitStatus.BOOKED
    assert count(VisitEvent, VisitEvent.to_status == VisitStatus.BOOKED) == 1


def test_a_double_clicked_time_holds_one_place(app, make_prison, make_session):
    prison = make_prison()
    session = make_session(prison, open_tables=5)
    prison_id, session_id = prison.id, session.id

    def choose(_):
        visit = booking.hold_place(
            db.session.get(Prison, prison_id),
            "one-journey",
            session_id,
            PRISONER,
            [adult()],
            CONTACT,
            local_today(),
            utcnow(),
        )
        db.session.commit()
        return visit.id

    outcomes = race(app, 24, choose)

    assert len(set(done(outcomes))) == 1
    assert count(Visit) == 1
    (left,) = availability([db.session.get(VisitSession, session_id)], utcnow())
    assert left.open_left == 4


def test_families_moving_into_a_session_take_only_its_free_tables(
    app, make_prison, make_session, book_visit
):
    prison = make_prison()
    crowded = make_session(prison, start=clock(9, 0), open_tables=20)
    quiet = make_session(prison, start=clock(14, 0), open_tables=3)
    visit_ids = [book_visit(crowded).id for _ in range(20)]
    quiet_id = quiet.id

    def move(i):
        visit = db.session.get(Visit, visit_ids[i])
        booking.change_visit_time(visit, quiet_id, local_today(), utcnow(), now_local())
        db.session.commit()
        return visit.id

    outcomes = race(app, 20, move)

    assert len(done(outcomes)) == 3
    assert count(Visit, Visit.session_id == quiet_id) == 3


def wait_until_blocked(thread):
    """Until the thread waits for a lock this test's transaction holds (or has finished)."""
    if db.engine.dialect.name != "postgresql":
        # SQLite shows no waiters; the thread reaches BEGIN IMMEDIATE and waits within moments.
        thread.join(0.3)
        return
    with db.engine.connect() as connection:
        for _ in range(500):
            waiting = connection.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            )
            connection.rollback()
            if waiting or not thread.is_alive():
                return
            time.sleep(0.02)
    raise AssertionError("the other transaction never reached the lock")


def meanwhile(app, work):
    """Start work() in another thread and transaction; return once it waits for ours."""
    results = []

    def run():
        with app.app_context():
            results.append(work())
            db.session.commit()

    thread = threading.Thread(target=run)
    thread.start()
    wait_until_blocked(thread)
    return thread, results


def confirm_now(visit):
    return booking.confirm_booking(
        visit.prison,
        visit.journey_token,
        PRISONER,
        [adult()],
        CONTACT,
        [],
        "",
        local_today(),
        utcnow(),
    )


def transitions(visit_id):
    return db.session.execute(
        sa.select(VisitEvent.from_status, VisitEvent.to_status)
        .where(VisitEvent.visit_id == visit_id)
        .order_by(VisitEvent.id)
    ).all()


def test_releasing_lapsed_holds_never_undoes_a_booking_made_at_the_same_moment(
    app, make_prison, make_session, hold_visit
):
    held = hold_visit(make_session(make_prison()), now=utcnow() - timedelta(hours=1))

    confirm_now(held)
    releaser, released = meanwhile(app, lambda: booking.release_lapsed_holds(utcnow()))
    db.session.commit()
    releaser.join(30)

    assert released == [0]
    assert db.session.get(Visit, held.id).status is VisitStatus.BOOKED
    assert transitions(held.id) == [
        (None, VisitStatus.HELD),
        (VisitStatus.HELD, VisitStatus.BOOKED),
    ]


def test_a_hold_released_while_being_confirmed_is_held_again_in_the_audit_trail(
    app, make_prison, make_session, hold_visit
):
    held = hold_visit(make_session(make_prison()), now=utcnow() - timedelta(hours=1))
    visit_id = held.id

    assert booking.release_lapsed_holds(utcnow()) == 1
    confirmer, confirmed = meanwhile(app, lambda: confirm_now(db.session.get(Visit, visit_id)).id)
    db.session.commit()
    confirmer.join(30)

    assert confirmed == [visit_id]
    assert db.session.get(Visit, visit_id).status is VisitStatus.BOOKED
    assert transitions(visit_id) == [
        (None, VisitStatus.HELD),
        (VisitStatus.HELD, VisitStatus.EXPIRED),
        (VisitStatus.EXPIRED, VisitStatus.HELD),
        (VisitStatus.HELD, VisitStatus.BOOKED),
    ]
