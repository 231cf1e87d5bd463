"""Six months after a visit, the people in it can no longer be found in its record."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import db
from tests import fake_twilio
from tests.conftest import adult, child
from timeutil import utcnow
from visits import booking, outbox
from visits.booking import ContactDetails
from visits.models import Visit, VisitStatus
from visits.outbox import OutboxMessage
from visits.replies import InboundMessage
from visits.retention import anonymise_old_visits

no_sms_provider = fake_twilio.no_sms_provider  # fixture

KEEP_DAYS = 183
BOTH = ContactDetails("+447123456789", "mary@example.org", "en")


@pytest.fixture
def visit(make_prison, make_session, book_visit):
    session = make_session(make_prison())
    return book_visit(session, visitors=[adult(), child()], contact=BOTH)


def days_after(visit, days):
    return visit.session.date + timedelta(days=days)


def test_after_six_months_names_contacts_and_free_text_are_gone(visit):
    reference, token = visit.reference, visit.manage_token
    born = [v.date_of_birth for v in visit.visitors]

    assert anonymise_old_visits(days_after(visit, KEEP_DAYS + 1), KEEP_DAYS, utcnow()) == 1
    db.session.commit()

    db.session.refresh(visit)
    assert (visit.prisoner_first_name, visit.prisoner_last_name, visit.prisoner_number) == (
        "",
        "",
        "",
    )
    assert (visit.mobile, visit.email) == (None, None)
    assert {(v.first_name, v.last_name) for v in visit.visitors} == {("", "")}
    assert [v.date_of_birth.year for v in visit.visitors] == [b.year for b in born]
    assert all((d.month, d.day) == (1, 1) for d in [v.date_of_birth for v in visit.visitors])
    assert visit.reference == reference and visit.status is VisitStatus.BOOKED
    assert booking.visit_by_token(token) is None
    assert booking.find_visit(reference, born[0]) is None
    assert visit.events[-1].note == "personal data removed"


def test_the_messages_about_the_visit_lose_their_address_and_words(visit, no_sms_provider):
    outbox.dispatch_due()

    anonymise_old_visits(days_after(visit, KEEP_DAYS + 1), KEEP_DAYS, utcnow())
    db.session.commit()

    kept = db.session.execute(
        sa.select(OutboxMessage.recipient, OutboxMessage.body).where(
            OutboxMessage.visit_id == visit.id
        )
    ).all()
    assert len(kept) == 2  # a text and an email: still counted in delivery reports
    assert set(kept) == {("", "")}


def test_a_visit_is_kept_whole_until_its_time_is_up(visit):
    assert anonymise_old_visits(days_after(visit, KEEP_DAYS), KEEP_DAYS, utcnow()) == 0
    db.session.commit()

    db.session.refresh(visit)
    assert visit.mobile == BOTH.mobile and visit.visitors[0].first_name == "Mary"


def test_running_again_changes_nothing_more(visit):
    later = days_after(visit, KEEP_DAYS + 30)
    anonymise_old_visits(later, KEEP_DAYS, utcnow())
    db.session.commit()
    events = len(visit.events)

    assert anonymise_old_visits(later, KEEP_DAYS, utcnow()) == 0
    db.session.commit()
    db.session.refresh(visit)
    assert len(visit.events) == events


def test_old_texts_from_families_lose_the_number_and_words(visit):
    now = utcnow()
    db.session.add_all(
        [
            InboundMessage(
                provider_id="SMold",
                from_number="+447700900001",
                body="CANCEL",
                received_at=now - timedelta(days=KEEP_DAYS + 1),
            ),
            InboundMessage(provider_id="SMnew", from_number="+447700900002", body="HELP"),
        ]
    )
    db.session.commit()

    anonymise_old_visits(visit.session.date, KEEP_DAYS, now)
    db.session.commit()

    rows = dict(
        db.session.execute(sa.select(InboundMessage.provider_id, InboundMessage.body)).all()
    )
    assert rows == {"SMold": "", "SMnew": "HELP"}


def test_only_visits_old_enough_are_touched(make_prison, make_session, book_visit):
    prison = make_prison()
    early = book_visit(make_session(prison))
    late = book_visit(make_session(prison, on=early.session.date + timedelta(days=20)))

    anonymise_old_visits(days_after(early, KEEP_DAYS + 5), KEEP_DAYS, utcnow())
    db.session.commit()

    anonymised = db.session.scalars(
        sa.select(Visit.id).where(Visit.anonymised_at.is_not(None))
    ).all()
    assert anonymised == [early.id]
    assert late.id not in anonymised
