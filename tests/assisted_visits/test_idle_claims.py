"""Messages to families about their claims, and the scheduler job for idle claims."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

import scheduler
from app import db
from assisted_visits import claims
from assisted_visits.models import ClaimStatus, RejectReason
from tests.assisted_visits.conftest import claimant, now_local
from timeutil import local_today, utcnow
from visits.messages import MessageKind
from visits.models import Nation
from visits.outbox import Channel, OutboxMessage

STAFF = "staff:7"
IDLE_CLAIMS = next(job for job in scheduler.JOBS if job.name == "idle-claims")


@pytest.fixture
def cardiff(make_prison):
    return make_prison(slug="cardiff", name="HMP Cardiff", nation=Nation.WALES)


def messages_about(kind):
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    ).all()


def test_a_request_for_information_tells_the_family_where_to_read_it(ctx, cardiff, sent_claim):
    claim = sent_claim(cardiff)

    claims.request_information(claim, STAFF, "Send your bus tickets, please.", utcnow())
    db.session.commit()

    [text] = messages_about(MessageKind.CLAIM_INFO_REQUESTED)
    assert (text.channel, text.recipient) == (Channel.SMS, "+447123456789")
    assert claim.reference[:4] in text.body
    assert "/help-with-costs/claims/find" in text.body
    assert "bus tickets" not in text.body  # what staff wrote is read after proving who you are


@pytest.mark.parametrize(
    ("decide", "kind"),
    [
        (lambda c: claims.approve(c, STAFF, utcnow(), now_local()), MessageKind.CLAIM_APPROVED),
        (
            lambda c: claims.reject(c, STAFF, RejectReason.INCOME, "", utcnow()),
            MessageKind.CLAIM_REJECTED,
        ),
    ],
)
def test_the_family_hears_of_the_decision(ctx, cardiff, sent_claim, decide, kind):
    claim = sent_claim(cardiff)

    decide(claim)
    db.session.commit()

    assert [m.recipient for m in messages_about(kind)] == ["+447123456789"]


def test_a_landline_gets_no_text_but_an_email_still_goes(ctx, cardiff, sent_claim):
    claim = sent_claim(cardiff)
    claim.claimant.phone, claim.claimant.email = "+442920123456", "mary@example.com"
    claim.language = "cy"

    claims.request_information(claim, STAFF, "Send your tickets.", utcnow())

    [email] = messages_about(MessageKind.CLAIM_INFO_REQUESTED)
    assert (email.channel, email.recipient, email.language) == (
        Channel.EMAIL,
        "mary@example.com",
        "cy",
    )


def _waiting_on_the_family_since(claim, when):
    claims.request_information(claim, STAFF, "Send your tickets.", when)
    db.session.commit()


def test_the_scheduler_reminds_idle_claims_then_closes_them(ctx, app, cardiff, sent_claim):
    visited = local_today() - timedelta(days=50)
    claim = sent_claim(cardiff, visit_date=visited, today=visited + timedelta(days=1))
    _waiting_on_the_family_since(claim, utcnow() - timedelta(days=36))
    busy = sent_claim(cardiff, ni_number="AB123456C")
    _waiting_on_the_family_since(busy, utcnow() - timedelta(days=2))
    runner = scheduler.Scheduler(app, holder="test")

    def run():
        db.session.commit()  # the job runs in a transaction of its own
        return runner.run_job(IDLE_CLAIMS)

    assert run() == "reminded 1, closed 0"

    [reminder] = messages_about(MessageKind.CLAIM_REMINDER)
    closes_on = (utcnow() + timedelta(days=7)).date()
    assert f"{closes_on.day} " in reminder.body
    assert reminder.recipient == claim.claimant.phone
    db.session.refresh(claim)
    assert claim.events[-1].note == "reminder sent"
    assert run() == "reminded 0, closed 0"  # one reminder only

    claim.reminder_sent_at = utcnow() - timedelta(days=7)
    db.session.commit()
    assert run() == "reminded 0, closed 1"

    db.session.refresh(claim)
    db.session.refresh(busy)
    assert claim.status is ClaimStatus.CLOSED
    assert busy.status is ClaimStatus.INFORMATION_REQUESTED
    assert len(messages_about(MessageKind.CLAIM_CLOSED)) == 1


def test_a_claim_without_a_way_to_reach_the_family_is_still_reminded(ctx, cardiff, draft_claim):
    claim = draft_claim(cardiff)
    claims.set_claimant(claim, claimant(phone=""))
    claims.submit(claim, True, local_today(), utcnow(), now_local())
    asked = utcnow()
    claims.request_information(claim, STAFF, "Send your tickets.", asked)

    assert claims.remind_idle(asked + timedelta(days=35)) == [claim]
    assert messages_about(MessageKind.CLAIM_REMINDER) == []
