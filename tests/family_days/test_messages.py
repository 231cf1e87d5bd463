import sqlalchemy as sa

from app import db
from family_days import allocation, decisions
from family_days.models import DeclineReason
from staff.models import Role
from tests.family_days.conftest import new_application
from timeutil import utcnow
from visits.messages import MessageKind
from visits.outbox import Channel, OutboxMessage


def messages(kind):
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    ).all()


def test_families_are_told_whether_the_ballot_gave_them_a_place(
    make_prison, make_staff, make_family_day, apply_for
):
    prison = make_prison()
    staff = make_staff(Role.VISITS_TEAM, [prison])
    day = make_family_day(prison, families=1)
    both_ways = new_application(prisoner_number="B2345CD", email="mary@example.com")
    apply_for(day, both_ways), apply_for(day)

    allocation.allocate(day.id, staff, utcnow(), seed=3)
    db.session.commit()

    placed = messages(MessageKind.FAMILY_DAY_PLACE)
    waiting = messages(MessageKind.FAMILY_DAY_WAITING)
    assert len(placed) + len(waiting) == 3  # one family by text and email, one by text
    assert {m.channel for m in placed + waiting} == {Channel.SMS, Channel.EMAIL}
    assert all(m.prison_id == prison.id for m in placed + waiting)
    holder = next(a for a in day.applications if a.rank == 1)
    assert all(holder.token in m.body for m in placed)


def test_a_safeguarding_refusal_is_not_named_to_the_family(
    make_prison, make_staff, make_family_day, apply_for
):
    prison = make_prison()
    staff = make_staff(Role.VISITS_TEAM, [prison])
    application = apply_for(make_family_day(prison))

    decisions.decline(application, staff, DeclineReason.SAFEGUARDING, "", utcnow())
    db.session.commit()

    (message,) = messages(MessageKind.FAMILY_DAY_DECLINED)
    assert "Contact the prison to ask why" in message.body
    assert (
        "safeguarding" not in message.body.lower() and "contact with children" not in message.body
    )
