import secrets
from datetime import UTC, date, datetime, time, timedelta

import pytest

from app import db
from tests.conftest import CONTACT, adult
from timeutil import LONDON, local_today, utcnow
from visits import booking
from visits.booking import PrisonerDetails, VisitorDetails
from visits.models import Prison, Relationship


def utc(local: datetime) -> datetime:
    """The stored (naive UTC) form of a wall-clock time at the prison."""
    return local.replace(tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return utc(datetime.combine(day, time(hour, minute)))


def aged(years: int, on: date, days_after_birthday: int = 10) -> date:
    """A birth date that makes someone `years` old on `on`."""
    return date(on.year - years, on.month, min(on.day, 28)) - timedelta(days=days_after_birthday)


def child_aged(years, on, first="Ann"):
    return VisitorDetails(first, "Jones", aged(years, on), Relationship.CHILD)


@pytest.fixture
def cardiff(make_prison):
    # Bookable from today, so the tests book today's sessions the way families book.
    return make_prison(slug="cardiff", name="HMP Cardiff", min_notice_days=0)


@pytest.fixture
def usk(make_prison):
    return make_prison(slug="usk", name="HMP Usk", min_notice_days=0)


@pytest.fixture
def todays_session(make_session, cardiff):
    return make_session(cardiff, on=local_today(), start=time(14, 0))


@pytest.fixture
def book(ctx):
    """Book through the real booking path, for any prisoner."""

    def make(session, visitors=None, prisoner_number="A1234BC", prisoner_name=("Tom", "Jones")):
        prison = db.session.get(Prison, session.prison_id)
        prisoner = PrisonerDetails(*prisoner_name, date(1980, 2, 1), prisoner_number)
        visitors = visitors or [adult()]
        token = secrets.token_urlsafe(16)
        now = utcnow()
        booking.hold_place(
            prison, token, session.id, prisoner, visitors, CONTACT, local_today(), now
        )
        visit = booking.confirm_booking(
            prison, token, prisoner, visitors, CONTACT, [], "", local_today(), now
        )
        db.session.commit()
        return visit

    return make
