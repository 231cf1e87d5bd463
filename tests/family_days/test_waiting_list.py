from datetime import timedelta

import pytest
import sqlalchemy as sa

import scheduler
from app import db
from family_days import allocation, decisions, waiting_list
from family_days.models import ApplicationStatus, DeclineReason
from family_days.waiting_list import OfferError
from staff.models import Role
from timeutil import utcnow
from visits.messages import MessageKind
from visits.outbox import Channel, MessageStatus, OutboxMessage


@pytest.fixture
def full_day(make_prison, make_staff, make_family_day, apply_for):
    """A day of 2 places given out by first come: 2 families in, 2 waiting in order."""
    prison = make_prison()
    staff = make_staff(Role.VISITS_TEAM, [prison])
    day = make_family_day(prison, families=2, allocation="first_come", offer_hours=48)
    start = utcnow() - timedelta(hours=1)
    families = [apply_for(day, now=start + timedelta(minutes=m)) for m in range(4)]
    allocation.allocate(day.id, staff, utcnow())
    db.session.commit()
    return day, staff, families


def offers():
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == MessageKind.FAMILY_DAY_OFFER)
    ).all()


def test_a_withdrawn_place_is_offered_to_the_next_family_with_a_deadline(full_day):
    day, _, (first, _, third, fourth) = full_day
    now = utcnow()

    waiting_list.withdraw(first, "family", now)
    db.session.commit()

    assert first.status is ApplicationStatus.WITHDRAWN
    assert third.status is ApplicationStatus.OFFERED
    assert third.offer_expires_at == now + timedelta(hours=48)
    assert fourth.status is ApplicationStatus.WAITING_LIST
    (message,) = offers()
    assert message.channel is Channel.SMS and message.recipient == third.mobile
    assert message.status is MessageStatus.PENDING and message.prison_id == day.prison_id
    assert third.token in message.body
    assert message.stale_at == third.offer_expires_at


def test_a_declined_place_goes_to_the_waiting_list_too(full_day):
    _, staff, (first, _, third, _) = full_day

    decisions.decline(first, staff, DeclineReason.OTHER, "Moved prison", utcnow())
    db.session.commit()

    assert first.status is ApplicationStatus.DECLINED and first.decline_details == "Moved prison"
    assert third.status is ApplicationStatus.OFFERED


def test_an_accepted_offer_keeps_the_place(full_day):
    _, _, (first, _, third, _) = full_day
    waiting_list.withdraw(first, "family", utcnow())
    db.session.commit()

    waiting_list.accept_offer(third, utcnow())
    db.session.commit()

    assert third.status is ApplicationStatus.APPROVED
    assert [e.note for e in third.events][-1] == "offer accepted"


def test_an_offer_not_accepted_in_time_moves_on_to_the_next_family(full_day, app):
    _, _, (first, _, third, fourth) = full_day
    waiting_list.withdraw(first, "family", utcnow() - timedelta(hours=49))
    db.session.commit()
    assert third.status is ApplicationStatus.OFFERED
    db.session.commit()  # the job runs in its own application context, as in production

    with app.app_context():
        assert scheduler.expire_family_day_offers() == "expired 1"

    db.session.expire_all()
    assert third.status is ApplicationStatus.OFFER_EXPIRED
    assert fourth.status is ApplicationStatus.OFFERED
    assert [e.to_status for e in third.events] == [
        ApplicationStatus.APPLIED,
        ApplicationStatus.WAITING_LIST,
        ApplicationStatus.OFFERED,
        ApplicationStatus.OFFER_EXPIRED,
    ]
    assert len(offers()) == 2
    with pytest.raises(OfferError):
        waiting_list.accept_offer(third, utcnow())


def test_offers_still_in_time_are_left_alone(full_day, app):
    _, _, (first, _, third, _) = full_day
    waiting_list.withdraw(first, "family", utcnow())
    db.session.commit()

    with app.app_context():
        assert scheduler.expire_family_day_offers() == "expired 0"

    db.session.expire_all()
    assert third.status is ApplicationStatus.OFFERED


def test_a_family_applying_after_the_allocation_joins_the_end_of_the_waiting_list(
    full_day, apply_for
):
    day, _, families = full_day

    late = apply_for(day)

    assert late.status is ApplicationStatus.WAITING_LIST
    assert late.rank == max(f.rank for f in families) + 1


def test_a_late_application_takes_a_place_that_is_free(
    make_prison, make_staff, make_family_day, apply_for
):
    prison = make_prison()
    staff = make_staff(Role.VISITS_TEAM, [prison])
    day = make_family_day(prison, families=2)
    apply_for(day)
    allocation.allocate(day.id, staff, utcnow())
    db.session.commit()

    late = apply_for(day)

    assert late.status is ApplicationStatus.OFFERED
    assert len(offers()) == 1
