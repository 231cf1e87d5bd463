from datetime import time

import pytest

from app import db
from timeutil import local_today, utcnow
from visits import booking
from visits.booking import BookingError
from visits.sessions import availability, bookable


@pytest.fixture
def prison(make_prison):
    return make_prison()


def test_a_family_day_holds_its_places_back_from_a_session_it_overlaps(
    prison, make_session, make_family_day
):
    session = make_session(prison, start=time(13, 0), open_tables=10)
    make_family_day(
        prison, date=session.date, start_time=time(10, 0), end_time=time(14, 0), families=4
    )

    (places,) = availability([session], utcnow())

    assert places.open_left == 6


@pytest.mark.parametrize(("start", "end"), [(time(9, 0), time(13, 0)), (time(15, 0), time(17, 0))])
def test_a_family_day_before_or_after_the_session_holds_nothing_back(
    prison, make_session, make_family_day, start, end
):
    session = make_session(prison, start=time(13, 0), open_tables=10)  # 13:00 to 15:00
    make_family_day(prison, date=session.date, start_time=start, end_time=end, families=4)

    (places,) = availability([session], utcnow())

    assert places.open_left == 10


def test_another_prisons_family_day_holds_nothing_back(
    prison, make_prison, make_session, make_family_day
):
    session = make_session(prison, start=time(13, 0), open_tables=10)
    make_family_day(make_prison(), date=session.date, start_time=time(13, 0), families=4)

    (places,) = availability([session], utcnow())

    assert places.open_left == 10


def test_families_cannot_book_the_tables_a_family_day_holds_back(
    prison, make_session, make_family_day, book_visit
):
    session = make_session(prison, start=time(13, 0), open_tables=3)
    make_family_day(prison, date=session.date, start_time=time(12, 0), families=2)
    book_visit(session)

    assert bookable(prison, local_today(), utcnow(), people=1) == []
    with pytest.raises(BookingError):
        book_visit(session)
    db.session.rollback()
    assert booking.Visit.query.count() == 1
