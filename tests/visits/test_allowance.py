from datetime import date, datetime, timedelta

import pytest

from app import db
from staff.models import Role, StaffAuditEvent
from tests.conftest import count
from tests.visits.journey_steps import error_summary
from timeutil import LONDON, local_today, utcnow
from visits import allowance, booking
from visits.allowance import AllowanceRule, is_over
from visits.models import CancelReason, PrisonerCategory, VisitStatus

MONDAY = date(2030, 1, 7)


def now_local():
    return datetime.now(LONDON).replace(tzinfo=None)


def day(offset):
    return MONDAY + timedelta(days=offset)


EVERY_14_DAYS = AllowanceRule(visits=1, days=14)
TWO_IN_28_DAYS = AllowanceRule(visits=2, days=28)
THREE_A_WEEK = AllowanceRule(visits=3, days=7, calendar_week=True)


@pytest.mark.parametrize(
    ("rule", "others", "on", "over"),
    [
        (EVERY_14_DAYS, [], day(0), False),
        (EVERY_14_DAYS, [day(0)], day(0), True),
        (EVERY_14_DAYS, [day(0)], day(13), True),
        (EVERY_14_DAYS, [day(0)], day(14), False),
        (EVERY_14_DAYS, [day(14)], day(1), True),  # a visit already booked later counts too
        (EVERY_14_DAYS, [day(15)], day(1), False),
        (EVERY_14_DAYS, [day(-14), day(14)], day(0), False),
        (TWO_IN_28_DAYS, [day(0)], day(10), False),
        (TWO_IN_28_DAYS, [day(0), day(20)], day(10), True),
        (TWO_IN_28_DAYS, [day(0), day(30)], day(10), False),
        (TWO_IN_28_DAYS, [day(0), day(28)], day(27), False),  # no 28 days hold all three
        (TWO_IN_28_DAYS, [day(0), day(26)], day(27), True),
        (THREE_A_WEEK, [day(0), day(1)], day(6), False),
        (THREE_A_WEEK, [day(0), day(1), day(2)], day(6), True),
        (THREE_A_WEEK, [day(-1), day(-2), day(-3)], day(0), False),  # last week's visits
        (THREE_A_WEEK, [day(7), day(8), day(9)], day(6), False),  # next week's visits
        (THREE_A_WEEK, [day(3), day(3), day(3)], day(4), True),
        (AllowanceRule(visits=1, days=7, calendar_week=True), [day(6)], day(7), False),
    ],
)
def test_allowance_arithmetic(rule, others, on, over):
    assert is_over(rule, others, on) is over


@pytest.mark.parametrize(
    ("category", "settings", "rule"),
    [
        (PrisonerCategory.CONVICTED, {}, AllowanceRule(1, 14)),
        (PrisonerCategory.REMAND, {}, AllowanceRule(3, 7, calendar_week=True)),
        (
            PrisonerCategory.CONVICTED,
            {"convicted_visits": 2, "convicted_period_days": 28},
            AllowanceRule(2, 28),
        ),
        (PrisonerCategory.REMAND, {"remand_visits_per_week": 5}, AllowanceRule(5, 7, True)),
    ],
)
def test_the_rule_comes_from_the_prisons_settings(make_prison, category, settings, rule):
    assert allowance.rule_for(make_prison(**settings), category) == rule


# Bookings over the allowance go to review


@pytest.fixture
def cardiff(make_prison):
    return make_prison(slug="cardiff", name="HMP Cardiff", max_advance_days=60)


def on(days):
    return local_today() + timedelta(days=days)


def test_a_convicted_prisoners_second_visit_within_14_days_goes_to_review(
    cardiff, make_session, make_prisoner, book_visit
):
    make_prisoner(cardiff, "A1234BC", PrisonerCategory.CONVICTED)

    first = book_visit(make_session(cardiff, on=on(3)))
    later = book_visit(make_session(cardiff, on=on(17)))
    too_soon = book_visit(make_session(cardiff, on=on(10)))

    assert (first.status, too_soon.status, later.status) == (
        VisitStatus.BOOKED,
        VisitStatus.REQUESTED,
        VisitStatus.BOOKED,
    )
    assert too_soon.review_reasons == allowance.OVER_ALLOWANCE


def test_a_remand_prisoners_fourth_visit_in_a_week_goes_to_review(
    cardiff, make_session, make_prisoner, book_visit
):
    make_prisoner(cardiff, "A1234BC", PrisonerCategory.REMAND)
    monday = on(7) - timedelta(days=on(7).weekday())
    week = [make_session(cardiff, on=monday + timedelta(days=d)) for d in range(4)]
    next_monday = make_session(cardiff, on=monday + timedelta(days=7))

    statuses = [book_visit(s).status for s in [*week, next_monday]]

    booked, requested = VisitStatus.BOOKED, VisitStatus.REQUESTED
    assert statuses == [booked, booked, booked, requested, booked]


def test_the_allowance_is_counted_from_live_bookings(
    cardiff, make_session, make_prisoner, book_visit
):
    make_prisoner(cardiff, "A1234BC")
    first = book_visit(make_session(cardiff, on=on(3)))
    booking.cancel_visit(first, CancelReason.ILLNESS, "", "family", now_local())
    db.session.commit()

    assert book_visit(make_session(cardiff, on=on(5))).status is VisitStatus.BOOKED


def test_prisoners_not_on_the_register_have_no_allowance_check(cardiff, make_session, book_visit):
    book_visit(make_session(cardiff, on=on(3)))

    assert book_visit(make_session(cardiff, on=on(4))).status is VisitStatus.BOOKED


def test_another_prisons_bookings_do_not_count(
    cardiff, make_prison, make_session, make_prisoner, book_visit
):
    make_prisoner(cardiff, "A1234BC")
    book_visit(make_session(make_prison(slug="usk"), on=on(3)))

    assert book_visit(make_session(cardiff, on=on(4))).status is VisitStatus.BOOKED


def test_a_prison_can_allow_more_visits(cardiff, make_session, make_prisoner, book_visit):
    cardiff.convicted_visits = 2
    db.session.commit()
    make_prisoner(cardiff, "A1234BC")

    statuses = [book_visit(make_session(cardiff, on=on(d))).status for d in (3, 4, 5)]

    assert statuses == [VisitStatus.BOOKED, VisitStatus.BOOKED, VisitStatus.REQUESTED]


def test_moving_a_visit_into_a_full_allowance_period_is_refused(
    cardiff, make_session, make_prisoner, book_visit
):
    make_prisoner(cardiff, "A1234BC")
    book_visit(make_session(cardiff, on=on(3)))
    later = book_visit(make_session(cardiff, on=on(20)))
    close = make_session(cardiff, on=on(5))

    with pytest.raises(booking.BookingError):
        booking.change_visit_time(later, close.id, local_today(), utcnow(), now_local())
    db.session.rollback()

    assert later.session.date == on(20)


# The setting page


@pytest.fixture
def team(make_staff, sign_in, cardiff):
    return sign_in(make_staff(Role.VISITS_TEAM, prisons=[cardiff]))


def test_the_visits_team_sets_the_allowance(team, cardiff):
    url = "/staff/prisons/cardiff/allowance"

    page = team.get(url)
    saved = team.submit(
        url,
        {"convicted_visits": "2", "convicted_period_days": "28", "remand_visits_per_week": "4"},
    )

    assert 'value="14"' in page.text
    assert saved.status_code == 302
    db.session.refresh(cardiff)
    assert (
        cardiff.convicted_visits,
        cardiff.convicted_period_days,
        cardiff.remand_visits_per_week,
    ) == (2, 28, 4)
    assert count(StaffAuditEvent, StaffAuditEvent.action == "changed visit allowance") == 1


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"convicted_visits": "", "convicted_period_days": "14"}, "Enter the number of visits"),
        ({"convicted_visits": "one", "convicted_period_days": "14"}, "from 1 to 10"),
        ({"convicted_visits": "1", "convicted_period_days": "0"}, "from 1 to 28"),
        ({"convicted_visits": "1", "convicted_period_days": "-3"}, "from 1 to 28"),
    ],
)
def test_an_allowance_that_makes_no_sense_is_explained(team, cardiff, answers, message):
    page = team.submit(
        "/staff/prisons/cardiff/allowance", {"remand_visits_per_week": "3", **answers}
    )

    assert page.status_code == 200
    assert message in error_summary(page.text)
    db.session.refresh(cardiff)
    assert cardiff.convicted_period_days == 14
