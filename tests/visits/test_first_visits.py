"""A prisoner's first visit within 72 hours of reception, even inside the usual notice."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app import db
from staff.models import Role, StaffAuditEvent
from tests.conftest import CONTACT, PRISONER, adult, count
from tests.visits.journey_steps import offered_sessions, walk_to_choose_time
from timeutil import local_today, utcnow
from visits import booking, first_visits
from visits.booking import BookingError, PrisonerDetails
from visits.models import CancelReason, Prisoner, PrisonerCategory, VisitStatus
from visits.sessions import bookable, sessions_in_window

TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("received", "today", "expected"),
    [
        # Reception today: tomorrow up to 72 hours after.
        (TODAY, TODAY, (TODAY + timedelta(days=1), TODAY + timedelta(days=3))),
        # Two days ago: one day left.
        (TODAY - timedelta(days=2), TODAY, (TODAY + timedelta(days=1), TODAY + timedelta(days=1))),
        # Three days ago: the 72 hours end today, and today is too soon to book.
        (TODAY - timedelta(days=3), TODAY, None),
        (TODAY - timedelta(days=10), TODAY, None),
        # Recorded ahead of arrival: from the day they arrive.
        (TODAY + timedelta(days=2), TODAY, (TODAY + timedelta(days=2), TODAY + timedelta(days=5))),
    ],
    ids=["received-today", "two-days-ago", "window-over", "long-ago", "arriving-soon"],
)
def test_the_days_open_for_a_first_visit(received, today, expected):
    assert first_visits.dates_open(received, today, within_days=3, notice_days=1) == expected


@pytest.fixture
def register_prisoner(ctx):
    def add(prison, received_days_ago: int | None, number=PRISONER.prison_number):
        prisoner = Prisoner(
            prison_id=prison.id,
            prison_number=number,
            first_name="Tom",
            last_name="Jones",
            date_of_birth=date(1980, 2, 1),
            category=PrisonerCategory.REMAND,
            received_on=None
            if received_days_ago is None
            else local_today() - timedelta(days=received_days_ago),
        )
        db.session.add(prisoner)
        db.session.commit()
        return prisoner

    return add


# Days are counted from today. The prison asks for 3 days' notice; first visits may be
# booked from tomorrow until 3 days (72 hours) after reception.
BOOKING_CASES = [
    # received (days ago; None: no reception date), session (days from today), booked, marked
    pytest.param(0, 1, True, True, id="tomorrow-after-reception-today"),
    pytest.param(0, 2, True, True, id="two-days-after-reception"),
    pytest.param(0, 3, True, True, id="72-hours-after-reception-inside-usual-window"),
    pytest.param(1, 2, True, True, id="the-last-day-of-the-72-hours"),
    pytest.param(2, 1, True, True, id="received-two-days-ago-tomorrow"),
    pytest.param(0, 0, False, False, id="not-today"),
    pytest.param(3, 1, False, False, id="72-hours-have-passed"),
    pytest.param(1, 3, True, False, id="after-the-72-hours-the-usual-window"),
    pytest.param(None, 1, False, False, id="no-reception-date"),
    pytest.param(None, 4, True, False, id="no-reception-date-usual-window"),
    pytest.param(30, 4, True, False, id="long-ago-usual-window"),
]


@pytest.mark.parametrize(("received", "session_day", "booked", "marked"), BOOKING_CASES)
def test_a_first_visit_can_be_booked_inside_the_72_hours(
    received, session_day, booked, marked, make_prison, make_session, register_prisoner, book_visit
):
    prison = make_prison(min_notice_days=3)
    register_prisoner(prison, received)
    session = make_session(prison, on=local_today() + timedelta(days=session_day))

    if booked:
        visit = book_visit(session)
        assert visit.status is VisitStatus.BOOKED
        assert visit.first_visit is marked
    else:
        with pytest.raises(BookingError):
            book_visit(session)


def test_each_prison_sets_how_long_after_arrival_and_how_soon_a_first_visit_can_be(
    make_prison, make_session, register_prisoner, book_visit
):
    # Up to 5 days after arrival, at least 2 days ahead; otherwise 7 days' notice.
    prison = make_prison(min_notice_days=7, first_visit_within_days=5, first_visit_notice_days=2)
    register_prisoner(prison, 0)
    day = {n: make_session(prison, on=local_today() + timedelta(days=n)) for n in (1, 2, 5, 6)}

    window = first_visits.window(prison, PRISONER.prison_number, local_today(), utcnow())

    assert window == (local_today() + timedelta(days=2), local_today() + timedelta(days=5))
    for too_soon_or_late in (day[1], day[6]):
        with pytest.raises(BookingError):
            book_visit(too_soon_or_late)
        db.session.rollback()
    assert book_visit(day[5]).first_visit is True


def test_the_time_page_offers_the_first_visit_days_to_this_prisoners_family_only(
    make_prison, make_session, register_prisoner
):
    prison = make_prison(min_notice_days=3)
    register_prisoner(prison, 0)
    early = make_session(prison, on=local_today() + timedelta(days=1))
    usual = make_session(prison, on=local_today() + timedelta(days=4))
    window = first_visits.window(prison, PRISONER.prison_number, local_today(), utcnow())

    assert [s.id for s in sessions_in_window(prison, local_today())] == [usual.id]
    assert [s.id for s in sessions_in_window(prison, local_today(), window)] == [
        early.id,
        usual.id,
    ]
    assert first_visits.window(prison, "Z9999ZZ", local_today(), utcnow()) is None


def test_once_a_visit_is_booked_the_early_days_close(
    make_prison, make_session, register_prisoner, book_visit
):
    prison = make_prison(min_notice_days=3)
    register_prisoner(prison, 0)
    first = make_session(prison, on=local_today() + timedelta(days=1))
    second = make_session(prison, on=local_today() + timedelta(days=2))
    book_visit(first)

    with pytest.raises(BookingError):
        book_visit(second)
    assert first_visits.window(prison, PRISONER.prison_number, local_today(), utcnow()) is None


def test_a_cancelled_first_visit_opens_the_days_again(
    make_prison, make_session, register_prisoner, book_visit
):
    prison = make_prison(min_notice_days=3)
    register_prisoner(prison, 0)
    session = make_session(prison, on=local_today() + timedelta(days=1))
    visit = book_visit(session)
    visit.cancel("family", CancelReason.CANNOT_ATTEND)
    db.session.commit()

    again = book_visit(session)
    assert again.first_visit is True


def test_a_first_visit_still_needs_a_free_table(
    make_prison, make_session, register_prisoner, book_visit
):
    prison = make_prison(min_notice_days=3)
    register_prisoner(prison, 0)
    register_prisoner(prison, 0, number="B2345CD")
    session = make_session(prison, on=local_today() + timedelta(days=1), open_tables=1)
    other = PrisonerDetails("Bob", "Smith", date(1979, 1, 1), "B2345CD")
    booking.hold_place(
        prison, "other-family", session.id, other, [adult()], CONTACT, local_today(), utcnow()
    )
    db.session.commit()
    window = first_visits.window(prison, PRISONER.prison_number, local_today(), utcnow())

    assert window is not None
    assert bookable(prison, local_today(), utcnow(), 1, extra_window=window) == []
    with pytest.raises(BookingError, match="fully booked"):
        book_visit(session)


def test_the_family_journey_offers_and_books_the_first_visit(
    family, make_prison, make_session, register_prisoner
):
    prison = make_prison(slug="cardiff", min_notice_days=3)
    register_prisoner(prison, 0)
    early = make_session(prison, on=local_today() + timedelta(days=1))

    page = walk_to_choose_time(family, "cardiff")

    assert offered_sessions(page.text) == [early.id]
    assert family.submit("/book/time", {"session": early.id}).status_code == 302
    assert family.submit("/book/needs", {}).status_code == 302
    assert family.submit("/book/check").status_code == 302
    assert "Visit booked" in family.get("/book/confirmation").text


# Staff pages -------------------------------------------------------------------------------


@pytest.fixture
def cardiff(make_prison):
    return make_prison(slug="cardiff", min_notice_days=3)


@pytest.fixture
def team(make_staff, sign_in, cardiff):
    return sign_in(make_staff(Role.VISITS_TEAM, prisons=[cardiff]))


def arrived(day):
    return {
        "received_on-day": str(day.day),
        "received_on-month": str(day.month),
        "received_on-year": str(day.year),
    }


def test_the_visits_team_records_an_arrival_and_sees_the_first_visit_marked(
    team, cardiff, make_session, register_prisoner, book_visit
):
    prisoner = register_prisoner(cardiff, None)
    url = "/staff/prisons/cardiff/first-visits"

    response = team.submit(url, {"prison_number": "a1234 bc", **arrived(local_today())})

    assert response.status_code == 302
    db.session.refresh(prisoner)
    assert prisoner.received_on == local_today()
    assert count(StaffAuditEvent, StaffAuditEvent.action == "recorded reception") == 1
    page = team.get(url)
    assert "Not booked yet" in page.text

    book_visit(make_session(cardiff, on=local_today() + timedelta(days=1)))
    page = team.get(url)
    table = re.search(r'<table class="govuk-table" id="first-visits">.*?</table>', page.text, re.S)
    assert "First visit" in table.group()
    assert PRISONER.prison_number in table.group()


@pytest.mark.parametrize(
    ("number", "days_ahead", "message"),
    [
        ("Z9999ZZ", 0, "No prisoner with this prison number is on the register"),
        ("12345", 0, "Enter a prison number in the right format"),
        ("A1234BC", 2, "must be today or in the past"),
    ],
    ids=["not-on-register", "bad-number", "future-date"],
)
def test_an_arrival_that_cannot_be_recorded_says_why(
    team, cardiff, register_prisoner, number, days_ahead, message
):
    register_prisoner(cardiff, None)
    day = local_today() + timedelta(days=days_ahead)

    response = team.submit(
        "/staff/prisons/cardiff/first-visits", {"prison_number": number, **arrived(day)}
    )

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert db.session.scalar(sa.select(Prisoner.received_on)) is None


@pytest.mark.parametrize(
    ("within_days", "received_days_ago", "promise", "state"),
    [
        (5, 4, "up to 5 days after the prisoner arrives", "Not booked yet"),
        (1, 2, "up to 1 day after the prisoner arrives", "No first visit"),
    ],
)
def test_the_arrivals_page_follows_the_prisons_first_visit_window(
    team, cardiff, register_prisoner, within_days, received_days_ago, promise, state
):
    cardiff.first_visit_within_days = within_days
    db.session.commit()
    register_prisoner(cardiff, received_days_ago)

    page = team.get("/staff/prisons/cardiff/first-visits")

    assert promise in page.text
    assert state in page.text


def test_arrivals_are_for_the_visits_team_at_their_own_prison(
    make_staff, sign_in, cardiff, make_prison
):
    other = make_prison(slug="usk")
    centre = sign_in(make_staff(Role.CENTRE, prisons=[cardiff]))
    elsewhere = sign_in(make_staff(Role.VISITS_TEAM, prisons=[other]))

    assert centre.get("/staff/prisons/cardiff/first-visits").status_code == 403
    assert elsewhere.get("/staff/prisons/cardiff/first-visits").status_code == 404
