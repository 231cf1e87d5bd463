from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app import db
from staff.models import Role, StaffAuditEvent
from tests.conftest import adult, child
from timeutil import LONDON, local_today, utcnow
from visits import prison_rules, review
from visits.models import CancelReason, RejectionReason, Visit, VisitSession, VisitStatus
from visits.outbox import OutboxMessage


@pytest.fixture
def prison(make_prison):
    return make_prison(slug="bristol", name="HMP Bristol", requires_approval=True)


@pytest.fixture
def clerk(make_staff, prison):
    return make_staff(Role.VISITS_TEAM, prisons=[prison])


@pytest.fixture
def session(make_session, prison):
    return make_session(prison)


@pytest.fixture
def requested(book_visit, session):
    visit = book_visit(session, [adult(), child()])
    assert visit.status is VisitStatus.REQUESTED
    return visit


def messages_for(visit):
    return [
        k.value
        for k in db.session.scalars(
            sa.select(OutboxMessage.kind).where(OutboxMessage.visit_id == visit.id)
        )
    ]


# Late November 2026 has no bank holiday in England or Wales; London is on GMT (= UTC).
FRIDAY = datetime(2026, 11, 20, 10, 0)
MONDAY = datetime(2026, 11, 16, 10, 0)


def test_requests_wait_oldest_first_with_their_due_time(prison, session, book_visit):
    newer, older = book_visit(session), book_visit(session)
    older.created_at = FRIDAY
    newer.created_at = FRIDAY + timedelta(days=6, hours=-2)
    book_visit(session).cancel("family", CancelReason.OTHER)
    db.session.commit()

    waiting = review.waiting_requests(prison, FRIDAY + timedelta(days=6))

    assert [w.visit.id for w in waiting] == [older.id, newer.id]
    # 3 working days from a Friday: Monday, Tuesday, Wednesday.
    assert waiting[0].due_by == datetime(2026, 11, 25, 10, 0)
    assert [w.overdue for w in waiting] == [True, False]
    assert waiting[1].waited == timedelta(hours=2)


def test_a_weekend_does_not_count_against_the_visits_team(prison, session, book_visit):
    visit = book_visit(session)
    visit.created_at = FRIDAY
    db.session.commit()

    (on_tuesday,) = review.waiting_requests(prison, datetime(2026, 11, 24, 23, 0))
    (on_wednesday,) = review.waiting_requests(prison, datetime(2026, 11, 25, 10, 1))

    assert (on_tuesday.overdue, on_wednesday.overdue) == (False, True)


def test_a_request_is_due_after_its_own_prisons_review_days(
    prison, make_prison, session, book_visit, make_session
):
    slower = make_prison(requires_approval=True, review_days=7)
    here, there = book_visit(session), book_visit(make_session(slower))
    for visit in (here, there):
        visit.created_at = MONDAY
    db.session.commit()

    (waiting_here,) = review.waiting_requests(prison, datetime(2026, 11, 20, 12, 0))
    (waiting_there,) = review.waiting_requests(slower, datetime(2026, 11, 20, 12, 0))

    assert waiting_here.due_by == datetime(2026, 11, 19, 10, 0)
    assert waiting_there.due_by == datetime(2026, 11, 25, 10, 0)
    assert (waiting_here.overdue, waiting_there.overdue) == (True, False)


def test_a_request_for_a_visit_sooner_than_the_deadline_is_due_when_the_visit_starts(
    prison, make_session, book_visit
):
    tomorrow = local_today() + timedelta(days=1)
    prison.min_notice_days = 0
    db.session.commit()
    visit = book_visit(make_session(prison, on=tomorrow, start=time(9, 0)))

    (waiting,) = review.waiting_requests(prison, utcnow())

    starts = datetime.combine(tomorrow, time(9, 0), tzinfo=LONDON).astimezone(UTC)
    assert waiting.due_by == starts.replace(tzinfo=None)
    assert waiting.visit.id == visit.id


def test_another_prisons_requests_are_not_in_the_queue(
    prison, make_prison, make_session, book_visit, requested
):
    elsewhere = make_prison(requires_approval=True)
    book_visit(make_session(elsewhere))

    waiting = review.waiting_requests(prison, utcnow())

    assert [w.visit.id for w in waiting] == [requested.id]
    assert review.request_of(elsewhere, requested.id) is None


def test_accepting_books_the_visit_tells_the_family_and_is_audited(prison, clerk, requested):
    review.accept(prison, requested.id, clerk, local_today())
    db.session.commit()

    db.session.refresh(requested)
    assert requested.status is VisitStatus.BOOKED
    assert requested.events[-1].actor == f"staff:{clerk.id}"
    assert "request_accepted" in messages_for(requested)
    audited = db.session.scalars(sa.select(StaffAuditEvent)).all()
    assert [(a.action, a.record_id, a.prison_id) for a in audited if a.record_type == "visit"] == [
        ("accepted visit request", requested.id, prison.id)
    ]


def test_rejecting_keeps_a_reason_for_each_visitor_named(prison, clerk, requested):
    daughter = requested.visitors[1]

    review.reject(
        prison,
        requested.id,
        {daughter.id: RejectionReason.NOT_APPROVED_VISITOR},
        "Ask your son to add Ann to his list.",
        clerk,
    )
    db.session.commit()

    db.session.refresh(requested)
    assert requested.status is VisitStatus.REJECTED
    assert requested.rejection_reason is RejectionReason.NOT_APPROVED_VISITOR
    assert requested.rejection_details == "Ask your son to add Ann to his list."
    assert [v.rejection_reason for v in requested.visitors] == [
        None,
        RejectionReason.NOT_APPROVED_VISITOR,
    ]
    assert "request_rejected" in messages_for(requested)
    (row,) = db.session.scalars(
        sa.select(StaffAuditEvent).where(StaffAuditEvent.action == "rejected visit request")
    ).all()
    assert row.detail == "not_approved_visitor"


def test_the_first_visitors_reason_stands_for_the_whole_visit(prison, clerk, requested):
    mother, daughter = requested.visitors

    review.reject(
        prison,
        requested.id,
        {daughter.id: RejectionReason.BANNED, mother.id: RejectionReason.ID_PROBLEM},
        "",
        clerk,
    )

    assert requested.rejection_reason is RejectionReason.ID_PROBLEM


@pytest.mark.parametrize(
    "reasons",
    [
        pytest.param({}, id="no reason at all"),
        pytest.param({987654: RejectionReason.BANNED}, id="someone not on this visit"),
    ],
)
def test_a_rejection_needs_a_reason_for_a_visitor_on_this_visit(prison, clerk, requested, reasons):
    with pytest.raises(review.ReviewError):
        review.reject(prison, requested.id, reasons, "", clerk)

    db.session.rollback()
    db.session.refresh(requested)
    assert requested.status is VisitStatus.REQUESTED


def test_staff_cannot_claim_a_request_was_not_checked_in_time(prison, clerk, requested):
    with pytest.raises(review.ReviewError):
        review.reject(
            prison,
            requested.id,
            {requested.visitors[0].id: RejectionReason.NOT_REVIEWED},
            "",
            clerk,
        )


def test_a_request_is_answered_once(prison, clerk, requested):
    review.accept(prison, requested.id, clerk, local_today())
    db.session.commit()

    with pytest.raises(review.ReviewError):
        review.accept(prison, requested.id, clerk, local_today())
    with pytest.raises(review.ReviewError):
        review.reject(
            prison, requested.id, {requested.visitors[0].id: RejectionReason.OTHER}, "", clerk
        )


def test_a_request_whose_date_has_passed_can_only_be_rejected(prison, clerk, requested):
    later = local_today() + timedelta(days=30)

    with pytest.raises(review.ReviewError):
        review.accept(prison, requested.id, clerk, later)
    review.reject(
        prison, requested.id, {requested.visitors[0].id: RejectionReason.OTHER}, "", clerk
    )

    assert requested.status is VisitStatus.REJECTED


def test_a_request_cannot_be_answered_through_another_prison(prison, clerk, requested, make_prison):
    elsewhere = make_prison()

    with pytest.raises(review.ReviewError):
        review.accept(elsewhere, requested.id, clerk, local_today())


def test_a_long_message_is_refused_not_cut_short(prison, clerk, requested):
    with pytest.raises(review.ReviewError):
        review.reject(
            prison,
            requested.id,
            {requested.visitors[0].id: RejectionReason.OTHER},
            "x" * 501,
            clerk,
        )


# Booking rules -------------------------------------------------------------------------------


def rules(**changes):
    base = prison_rules.BookingRules(3, 3, 6, 18, 2, 28, 10, False, 30, 3, 3, 1)
    return prison_rules.BookingRules(**{**base.__dict__, **changes})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"max_advance_days": 2}, "max_advance_days"),
        ({"max_advance_days": 1}, "max_advance_days"),
        ({"max_adults": 0}, "max_adults"),
        ({"max_visitors": 7}, "max_visitors"),
        ({"first_visit_within_days": 2, "first_visit_notice_days": 3}, "first_visit_notice_days"),
    ],
)
def test_contradictory_rules_are_named(changes, field):
    assert field in prison_rules.problems(rules(**changes))


def test_sensible_rules_have_no_problems():
    assert prison_rules.problems(rules()) == {}
    assert prison_rules.problems(rules(min_notice_days=0, max_advance_days=1)) == {}
    assert prison_rules.problems(rules(first_visit_within_days=1, first_visit_notice_days=1)) == {}


def test_saving_rules_records_which_changed_and_opens_a_longer_window(
    make_prison, make_template, make_staff
):
    prison = make_prison()
    clerk = make_staff(Role.VISITS_TEAM, prisons=[prison])
    make_template(prison, weekday=local_today().weekday())

    changed = prison_rules.update_rules(
        prison, rules(max_advance_days=42, requires_approval=True), clerk, local_today()
    )
    db.session.commit()

    assert changed == ["max_advance_days", "requires_approval"]
    assert (prison.max_advance_days, prison.requires_approval) == (42, True)
    latest = db.session.scalar(sa.select(sa.func.max(VisitSession.date)))
    assert latest > local_today() + timedelta(days=35)
    row = db.session.scalars(sa.select(StaffAuditEvent).order_by(StaffAuditEvent.id)).all()[-1]
    assert (row.action, row.detail) == (
        "changed booking rules",
        "max_advance_days,requires_approval",
    )


def test_saving_the_same_rules_records_nothing(make_prison, make_staff):
    prison = make_prison()
    clerk = make_staff(Role.VISITS_TEAM, prisons=[prison])
    before = db.session.scalar(sa.select(sa.func.count(StaffAuditEvent.id)))

    assert prison_rules.update_rules(prison, rules(), clerk, local_today()) == []
    assert db.session.scalar(sa.select(sa.func.count(StaffAuditEvent.id))) == before


def test_contradictory_rules_are_never_saved(make_prison, make_staff):
    prison = make_prison()
    clerk = make_staff(Role.VISITS_TEAM, prisons=[prison])

    with pytest.raises(prison_rules.RulesError):
        prison_rules.update_rules(prison, rules(max_advance_days=1), clerk, local_today())


def test_the_rejected_visit_is_listed_no_more(prison, clerk, requested):
    review.reject(
        prison, requested.id, {requested.visitors[0].id: RejectionReason.BANNED}, "", clerk
    )
    db.session.commit()

    assert review.waiting_requests(prison, utcnow()) == []
    assert db.session.get(Visit, requested.id).status is VisitStatus.REJECTED
