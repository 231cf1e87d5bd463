from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from app import db
from staff.models import Role, StaffAuditEvent
from tests.conftest import adult, child, count
from timeutil import local_today
from visits import schedule
from visits.models import (
    CancelReason,
    Closure,
    SessionTemplate,
    VisitEvent,
    VisitSession,
    VisitStatus,
)
from visits.outbox import OutboxMessage
from visits.schedule import (
    NeedsConfirmation,
    Outcome,
    ScheduleError,
    SessionShape,
    WeeklySession,
)
from visits.sessions import ensure_sessions

A_WEEK = timedelta(days=7)
TODAY = local_today()
SOON = TODAY + timedelta(days=3)  # inside the default booking window of 2 to 28 days


def afternoon(open_tables=10, closed_tables=0, people_places=None, start=time(14, 0)):
    end = time(start.hour + 2, start.minute)
    return SessionShape(start, end, open_tables, closed_tables, people_places)


LONG_AGO = date(2020, 1, 1)


def weekly(shape=None, weekday=None, valid_from=LONG_AGO, valid_until=None):
    day = SOON.weekday() if weekday is None else weekday
    return WeeklySession(day, shape or afternoon(), valid_from, valid_until)


@pytest.fixture
def prison(make_prison):
    return make_prison(slug="cardiff")


@pytest.fixture
def clerk(make_staff, prison):
    return make_staff(Role.VISITS_TEAM, prisons=[prison])


@pytest.fixture
def tuesday_like(prison, clerk):
    """A weekly session on SOON's weekday, with its sessions made for the booking window."""
    template = schedule.add_template(prison, weekly(), clerk, TODAY)
    db.session.commit()
    return template


def sessions_from(template):
    return db.session.scalars(
        sa.select(VisitSession)
        .where(VisitSession.template_id == template.id)
        .order_by(VisitSession.date)
    ).all()


def session_on(template, day):
    return db.session.scalar(
        sa.select(VisitSession).where(
            VisitSession.template_id == template.id, VisitSession.date == day
        )
    )


def apply_after_confirming(action, *args):
    """Run a change, see what it affects, then run it again confirming that list."""
    with pytest.raises(NeedsConfirmation) as needed:
        action(*args)
    db.session.rollback()
    affected = action(*args, needed.value.fingerprint)
    db.session.commit()
    return needed.value.affected, affected


def audit_actions(*where):
    return db.session.scalars(
        sa.select(StaffAuditEvent.action).where(*where).order_by(StaffAuditEvent.id)
    ).all()


# Weekly sessions ---------------------------------------------------------------------------


def test_a_new_weekly_session_is_bookable_across_the_booking_window(prison, tuesday_like):
    made = sessions_from(tuesday_like)

    assert [s.date for s in made] == [SOON + n * A_WEEK for n in range(4)]
    assert all((s.start_time, s.open_tables) == (time(14, 0), 10) for s in made)
    assert audit_actions(StaffAuditEvent.prison_id == prison.id) == ["added weekly session"]


def test_two_weekly_sessions_cannot_start_at_the_same_time_on_the_same_day(
    prison, clerk, tuesday_like
):
    with pytest.raises(ScheduleError) as refused:
        schedule.add_template(prison, weekly(afternoon(start=time(14, 0))), clerk, TODAY)

    assert refused.value.field == "start_time"
    assert "already a weekly session" in str(refused.value.message)


def test_one_weekly_session_may_follow_another_that_has_ended(prison, clerk):
    schedule.add_template(prison, weekly(valid_until=TODAY + A_WEEK), clerk, TODAY)

    later = schedule.add_template(prison, weekly(valid_from=TODAY + 2 * A_WEEK), clerk, TODAY)

    assert later.id is not None


@pytest.mark.parametrize(
    ("shape", "field"),
    [
        (SessionShape(time(14, 0), time(14, 0), 10, 0, None), "end_time"),
        (SessionShape(time(14, 0), time(13, 0), 10, 0, None), "end_time"),
        (SessionShape(time(14, 0), time(16, 0), 0, 0, None), "open_tables"),
    ],
)
def test_a_session_needs_a_real_time_span_and_a_table(prison, clerk, shape, field):
    with pytest.raises(ScheduleError) as refused:
        schedule.add_template(prison, weekly(shape), clerk, TODAY)

    assert refused.value.field == field
    assert count(SessionTemplate) == 0


def test_a_weekly_session_cannot_end_before_it_starts(prison, clerk):
    with pytest.raises(ScheduleError) as refused:
        schedule.add_template(
            prison, weekly(valid_from=TODAY, valid_until=TODAY - A_WEEK), clerk, TODAY
        )

    assert refused.value.field == "valid_until"


def test_more_tables_change_every_coming_session_without_asking(prison, clerk, tuesday_like):
    affected = schedule.change_template(
        prison, tuesday_like, weekly(afternoon(open_tables=14)), clerk, TODAY
    )
    db.session.commit()

    assert affected == []
    assert {s.open_tables for s in sessions_from(tuesday_like)} == {14}
    assert tuesday_like.open_tables == 14


def test_a_new_time_lists_the_booked_visits_then_moves_them(
    prison, clerk, tuesday_like, book_visit
):
    visit = book_visit(session_on(tuesday_like, SOON))
    later = weekly(afternoon(start=time(15, 0)))

    listed, moved = apply_after_confirming(
        schedule.change_template, prison, tuesday_like, later, clerk, TODAY
    )

    assert [(a.visit.id, a.outcome) for a in listed] == [(visit.id, Outcome.MOVED)]
    assert [a.visit.id for a in moved] == [visit.id]
    db.session.refresh(visit)
    assert visit.status is VisitStatus.BOOKED
    assert (visit.session.start_time, visit.session.end_time) == (time(15, 0), time(17, 0))
    assert visit.events[-1].note == "session time changed by the prison"
    assert "moved visit: session time changed" in audit_actions(
        StaffAuditEvent.record_type == "visit", StaffAuditEvent.record_id == visit.id
    )


def test_a_family_whose_visit_moved_is_told_and_old_reminders_are_dropped(
    prison, clerk, tuesday_like, book_visit
):
    visit = book_visit(session_on(tuesday_like, SOON))

    apply_after_confirming(
        schedule.change_template,
        prison,
        tuesday_like,
        weekly(afternoon(start=time(15, 0))),
        clerk,
        TODAY,
    )

    kinds = db.session.scalars(
        sa.select(OutboxMessage.kind).where(OutboxMessage.visit_id == visit.id)
    ).all()
    assert "session_changed" in [k.value for k in kinds]


def test_a_session_changed_on_its_own_date_keeps_its_change(prison, clerk, tuesday_like):
    one_off = session_on(tuesday_like, SOON)
    schedule.change_session(prison, one_off, afternoon(open_tables=4), clerk, TODAY)
    db.session.commit()

    schedule.change_template(prison, tuesday_like, weekly(afternoon(open_tables=12)), clerk, TODAY)
    db.session.commit()

    assert [s.open_tables for s in sessions_from(tuesday_like)] == [4, 12, 12, 12]


def test_a_session_moved_on_its_own_date_is_not_made_again_by_the_weekly_session(
    prison, clerk, tuesday_like
):
    one_off = session_on(tuesday_like, SOON)
    schedule.change_session(prison, one_off, afternoon(start=time(10, 0)), clerk, TODAY)
    db.session.commit()

    ensure_sessions(prison, *prison.booking_window(TODAY))
    db.session.commit()

    on_that_day = db.session.scalars(
        sa.select(VisitSession.start_time).where(
            VisitSession.prison_id == prison.id, VisitSession.date == SOON
        )
    ).all()
    assert on_that_day == [time(10, 0)]


def test_moving_a_weekly_session_to_another_day_cancels_the_old_days(
    prison, clerk, tuesday_like, book_visit
):
    visit = book_visit(session_on(tuesday_like, SOON))
    next_day = weekly(weekday=(SOON + timedelta(days=1)).weekday())

    listed, _ = apply_after_confirming(
        schedule.change_template, prison, tuesday_like, next_day, clerk, TODAY
    )

    assert [(a.visit.id, a.outcome) for a in listed] == [(visit.id, Outcome.SESSION_CANCELLED)]
    db.session.refresh(visit)
    assert visit.status is VisitStatus.CANCELLED
    assert visit.cancel_reason is CancelReason.PRISON_CANCELLED
    running = [s.date for s in sessions_from(tuesday_like) if not s.cancelled]
    assert running[0] == SOON + timedelta(days=1)
    assert all(day.weekday() == next_day.weekday for day in running)


def test_fewer_tables_cancel_the_latest_bookings_and_keep_the_earliest(
    prison, clerk, tuesday_like, book_visit
):
    session = session_on(tuesday_like, SOON)
    first, second, third = (book_visit(session) for _ in range(3))

    listed, _ = apply_after_confirming(
        schedule.change_session, prison, session, afternoon(open_tables=2), clerk, TODAY
    )

    assert [(a.visit.id, a.outcome) for a in listed] == [(third.id, Outcome.NO_ROOM)]
    for visit in (first, second, third):
        db.session.refresh(visit)
    assert [v.status for v in (first, second, third)] == [
        VisitStatus.BOOKED,
        VisitStatus.BOOKED,
        VisitStatus.CANCELLED,
    ]
    assert session.open_tables == 2


def test_fewer_places_for_people_cancel_the_bookings_that_no_longer_fit(
    prison, clerk, tuesday_like, book_visit
):
    session = session_on(tuesday_like, SOON)
    family_of_three = book_visit(session, [adult(), child(), child("Bea")])
    pair = book_visit(session, [adult(), child()])
    single = book_visit(session, [adult()])

    listed, _ = apply_after_confirming(
        schedule.change_session,
        prison,
        session,
        afternoon(people_places=4),
        clerk,
        TODAY,
    )

    # First come, first kept: three people, then the pair no longer fits, the single does.
    assert [a.visit.id for a in listed] == [pair.id]
    assert {family_of_three.id, single.id}.isdisjoint(a.visit.id for a in listed)


def test_a_change_is_not_applied_if_the_bookings_it_affects_changed_since_they_were_listed(
    prison, clerk, tuesday_like, book_visit
):
    session = session_on(tuesday_like, SOON)
    book_visit(session)
    with pytest.raises(NeedsConfirmation) as needed:
        schedule.cancel_session(prison, session, "Staff shortage", clerk, TODAY)
    db.session.rollback()
    book_visit(session)  # another family books before the clerk confirms

    with pytest.raises(NeedsConfirmation) as again:
        schedule.cancel_session(
            prison, session, "Staff shortage", clerk, TODAY, needed.value.fingerprint
        )

    assert len(again.value.affected) == 2
    db.session.rollback()
    assert not session.cancelled


def test_ending_a_weekly_session_cancels_its_sessions_after_the_last_day(
    prison, clerk, tuesday_like, book_visit
):
    late = book_visit(session_on(tuesday_like, SOON + 2 * A_WEEK))
    early = book_visit(session_on(tuesday_like, SOON))

    listed, _ = apply_after_confirming(
        schedule.end_template, prison, tuesday_like, SOON + A_WEEK, clerk, TODAY
    )

    assert [a.visit.id for a in listed] == [late.id]
    assert tuesday_like.valid_until == SOON + A_WEEK
    assert "ended weekly session" in audit_actions(
        StaffAuditEvent.record_type == "session_template"
    )
    assert [s.cancelled for s in sessions_from(tuesday_like)] == [False, False, True, True]
    db.session.refresh(early)
    assert early.status is VisitStatus.BOOKED
    ensure_sessions(prison, *prison.booking_window(TODAY))
    assert count(VisitSession, VisitSession.cancelled.is_(False)) == 2


def test_a_weekly_session_cannot_be_ended_in_the_past(prison, clerk, tuesday_like):
    with pytest.raises(ScheduleError) as refused:
        schedule.end_template(prison, tuesday_like, TODAY - timedelta(days=1), clerk, TODAY)

    assert refused.value.field == "last_day"


# Closures ----------------------------------------------------------------------------------


def test_a_closure_cancels_the_sessions_already_made_and_their_visits(
    prison, clerk, tuesday_like, make_session, book_visit
):
    visit = book_visit(session_on(tuesday_like, SOON))
    extra = make_session(prison, on=SOON, start=time(9, 30))  # a one-off session that day
    book_visit(extra)

    listed, _ = apply_after_confirming(
        schedule.add_closure, prison, None, SOON, SOON, "Staff training", clerk, TODAY
    )

    assert len(listed) == 2
    db.session.refresh(visit)
    assert (visit.status, visit.cancel_reason, visit.cancel_details) == (
        VisitStatus.CANCELLED,
        CancelReason.PRISON_CANCELLED,
        "Staff training",
    )
    assert count(VisitSession, VisitSession.date == SOON, VisitSession.cancelled.is_(True)) == 2
    assert count(Closure) == 1
    closed = db.session.scalars(
        sa.select(OutboxMessage.kind).where(OutboxMessage.visit_id == visit.id)
    ).all()
    assert "session_closed" in [k.value for k in closed]
    assert audit_actions(StaffAuditEvent.record_type == "closure") == ["added closure"]


def test_a_closure_without_bookings_needs_no_confirmation(prison, clerk, tuesday_like):
    closure, affected = schedule.add_closure(
        prison, None, SOON, SOON + A_WEEK, "Refurbishment", clerk, TODAY
    )
    db.session.commit()

    assert affected == []
    assert [s.cancelled for s in sessions_from(tuesday_like)] == [True, True, False, False]
    assert closure.template_id is None


def test_closing_one_weekly_session_leaves_the_others(prison, clerk, tuesday_like):
    morning = schedule.add_template(prison, weekly(afternoon(start=time(9, 0))), clerk, TODAY)
    db.session.commit()

    schedule.add_closure(prison, tuesday_like, SOON, SOON, "Training", clerk, TODAY)
    db.session.commit()

    assert session_on(tuesday_like, SOON).cancelled
    assert not session_on(morning, SOON).cancelled


def test_a_closure_cannot_start_in_the_past_or_end_before_it_starts(prison, clerk):
    with pytest.raises(ScheduleError) as past:
        schedule.add_closure(prison, None, TODAY - timedelta(days=1), TODAY, "x", clerk, TODAY)
    with pytest.raises(ScheduleError) as backwards:
        schedule.add_closure(prison, None, SOON, SOON - timedelta(days=1), "x", clerk, TODAY)

    assert (past.value.field, backwards.value.field) == ("first_day", "last_day")


def test_a_cancelled_session_can_no_longer_be_booked(prison, clerk, tuesday_like, book_visit):
    from visits.booking import BookingError

    session = session_on(tuesday_like, SOON)
    schedule.cancel_session(prison, session, "Lockdown", clerk, TODAY)
    db.session.commit()

    with pytest.raises(BookingError):
        book_visit(session)


def close(prison, clerk, first, last, template=None):
    """Add a closure, confirming the visits it cancels if there are any."""
    args = (prison, template, first, last, "Staff training", clerk, TODAY)
    try:
        closure, _ = schedule.add_closure(*args)
    except NeedsConfirmation as needed:
        db.session.rollback()
        closure, _ = schedule.add_closure(*args, needed.fingerprint)
    db.session.commit()
    return closure


def test_removing_a_closure_reopens_its_sessions_but_not_the_visits_it_cancelled(
    prison, clerk, tuesday_like, book_visit
):
    visit = book_visit(session_on(tuesday_like, SOON))
    closure = close(prison, clerk, SOON, SOON + A_WEEK)

    reopened = schedule.remove_closure(prison, closure, clerk, TODAY)
    db.session.commit()

    assert [s.date for s in reopened] == [SOON, SOON + A_WEEK]
    assert [s.cancelled for s in sessions_from(tuesday_like)] == [False] * 4
    assert count(Closure) == 0
    db.session.refresh(visit)
    assert visit.status is VisitStatus.CANCELLED
    again = book_visit(session_on(tuesday_like, SOON))
    assert again.status is VisitStatus.BOOKED


def test_removing_a_closure_makes_the_sessions_it_kept_from_being_made(prison, clerk):
    closure, _ = schedule.add_closure(prison, None, SOON, SOON, "Refurbishment", clerk, TODAY)
    template = schedule.add_template(prison, weekly(), clerk, TODAY)
    db.session.commit()
    assert session_on(template, SOON) is None

    schedule.remove_closure(prison, closure, clerk, TODAY)
    db.session.commit()

    assert not session_on(template, SOON).cancelled


def test_removing_a_closure_leaves_sessions_cancelled_for_another_reason(
    prison, clerk, tuesday_like
):
    on_its_own = session_on(tuesday_like, SOON)
    schedule.cancel_session(prison, on_its_own, "Lockdown", clerk, TODAY)
    db.session.commit()
    closure = close(prison, clerk, SOON, SOON + 2 * A_WEEK)
    close(prison, clerk, SOON + A_WEEK, SOON + A_WEEK, template=tuesday_like)
    schedule.end_template(prison, tuesday_like, SOON + A_WEEK, clerk, TODAY)
    db.session.commit()

    reopened = schedule.remove_closure(prison, closure, clerk, TODAY)
    db.session.commit()

    assert reopened == []
    assert [s.cancelled for s in sessions_from(tuesday_like)] == [True, True, True, True]


def test_a_session_cancelled_on_its_own_then_reopened_reopens_with_a_later_closure(
    prison, clerk, tuesday_like
):
    session = session_on(tuesday_like, SOON)
    schedule.cancel_session(prison, session, "Lockdown", clerk, TODAY)
    schedule.reopen_session(prison, session, clerk, TODAY)
    db.session.commit()
    closure = close(prison, clerk, SOON, SOON)

    schedule.remove_closure(prison, closure, clerk, TODAY)
    db.session.commit()

    assert not session_on(tuesday_like, SOON).cancelled


def test_removing_a_closure_is_in_the_audit_trail(prison, clerk, tuesday_like):
    closure = close(prison, clerk, SOON, SOON)
    closure_id = closure.id

    schedule.remove_closure(prison, closure, clerk, TODAY)
    db.session.commit()

    row = db.session.scalars(
        sa.select(StaffAuditEvent).where(StaffAuditEvent.action == "removed closure")
    ).one()
    assert (row.record_type, row.record_id, row.prison_id, row.staff_id) == (
        "closure",
        closure_id,
        prison.id,
        clerk.id,
    )
    assert row.detail == f"{SOON} to {SOON}, 1 sessions reopened"


def test_a_closure_that_has_ended_cannot_be_removed(prison, clerk):
    ended = Closure(
        prison_id=prison.id,
        start_date=TODAY - A_WEEK,
        end_date=TODAY - timedelta(days=1),
        reason="Training",
    )
    db.session.add(ended)
    db.session.commit()

    with pytest.raises(ScheduleError):
        schedule.remove_closure(prison, ended, clerk, TODAY)


def test_a_reopened_session_can_be_booked_and_its_cancelled_visits_stay_cancelled(
    prison, clerk, tuesday_like, book_visit
):
    session = session_on(tuesday_like, SOON)
    visit = book_visit(session)
    apply_after_confirming(schedule.cancel_session, prison, session, "Lockdown", clerk, TODAY)

    schedule.reopen_session(prison, session, clerk, TODAY)
    db.session.commit()

    db.session.refresh(visit)
    assert visit.status is VisitStatus.CANCELLED
    assert book_visit(session).status is VisitStatus.BOOKED
    assert audit_actions(
        StaffAuditEvent.record_type == "visit_session", StaffAuditEvent.record_id == session.id
    ) == ["cancelled dated session", "reopened dated session"]


def test_only_a_cancelled_coming_session_outside_a_closure_can_be_reopened(
    prison, clerk, tuesday_like, make_session
):
    past = make_session(prison, on=TODAY - timedelta(days=1))
    past.cancelled = True
    running = session_on(tuesday_like, SOON)
    db.session.commit()
    closed = session_on(tuesday_like, SOON + A_WEEK)
    close(prison, clerk, SOON + A_WEEK, SOON + A_WEEK)

    for session, message in (
        (past, "This session has already happened"),
        (running, "This session is not cancelled"),
        (closed, "A closure covers this session: remove the closure to reopen it"),
    ):
        with pytest.raises(ScheduleError) as refused:
            schedule.reopen_session(prison, session, clerk, TODAY)
        db.session.rollback()
        assert str(refused.value.message) == message
    assert session_on(tuesday_like, SOON + A_WEEK).cancelled


# One dated session ---------------------------------------------------------------------------


def test_a_session_cannot_move_onto_the_start_time_of_another_that_day(
    prison, clerk, tuesday_like, make_session
):
    make_session(prison, on=SOON, start=time(10, 0))

    with pytest.raises(ScheduleError) as refused:
        schedule.change_session(
            prison, session_on(tuesday_like, SOON), afternoon(start=time(10, 0)), clerk, TODAY
        )

    assert refused.value.field == "start_time"


def test_past_and_cancelled_sessions_cannot_be_changed(prison, clerk, make_session):
    past = make_session(prison, on=TODAY - timedelta(days=1))
    cancelled = make_session(prison, on=SOON)
    cancelled.cancelled = True
    db.session.commit()

    for session in (past, cancelled):
        with pytest.raises(ScheduleError):
            schedule.cancel_session(prison, session, "x", clerk, TODAY)


def test_every_change_to_a_session_is_in_the_audit_trail_without_personal_data(
    prison, clerk, tuesday_like, book_visit
):
    session = session_on(tuesday_like, SOON)
    visit = book_visit(session)

    apply_after_confirming(schedule.cancel_session, prison, session, "Lockdown", clerk, TODAY)

    rows = db.session.scalars(
        sa.select(StaffAuditEvent).where(StaffAuditEvent.prison_id == prison.id)
    ).all()
    assert {(r.action, r.record_type) for r in rows} >= {
        ("cancelled dated session", "visit_session"),
        ("cancelled visit: session cancelled", "visit"),
    }
    assert all(r.staff_id == clerk.id for r in rows)
    assert all("Mary" not in r.detail and "Jones" not in r.detail for r in rows)
    events = db.session.scalars(
        sa.select(VisitEvent).where(VisitEvent.visit_id == visit.id).order_by(VisitEvent.id)
    )
    assert [e.actor for e in events][-1] == f"staff:{clerk.id}"
