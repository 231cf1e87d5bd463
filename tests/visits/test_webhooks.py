"""Twilio's calls to us: signed, idempotent, and acted on once."""

import secrets
from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from app import create_app, db
from tests import fake_twilio
from tests.conftest import CONTACT, TEST_SETTINGS, FormClient, count
from timeutil import local_today, utcnow
from visits import outbox
from visits.booking import ContactDetails
from visits.messages import MessageKind
from visits.models import CancelReason, Visit, VisitEvent, VisitStatus
from visits.outbox import MessageStatus, OutboxMessage
from visits.replies import InboundMessage

texting = fake_twilio.texting  # fixture
STATUS_URL = "/webhooks/twilio/status"
INBOUND_URL = "/webhooks/twilio/inbound"


@pytest.fixture(autouse=True)
def twilio_auth_token(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", fake_twilio.AUTH_TOKEN)


def sign(url, params, token=fake_twilio.AUTH_TOKEN):
    return RequestValidator(token).compute_signature(url, params)


def post_signed(family, path, params, token=fake_twilio.AUTH_TOKEN, base="http://localhost"):
    return family.post(
        path, data=params, headers={"X-Twilio-Signature": sign(base + path, params, token)}
    )


def text_from(family, mobile, body, sid=None):
    params = {"MessageSid": sid or "SM" + secrets.token_hex(16), "From": mobile, "Body": body}
    params |= {"To": "+447700900123", "AccountSid": fake_twilio.ACCOUNT_SID}
    response = post_signed(family, INBOUND_URL, params)
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    return params["MessageSid"]


def outbox_rows(**where):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return db.session.scalars(query.execution_options(populate_existing=True)).all()


def replies_to(mobile):
    return [m for m in outbox_rows(recipient=mobile) if m.visit_id is None]


@pytest.fixture
def sent_message(make_prison, make_session, book_visit, texting):
    visit = book_visit(make_session(make_prison()))
    outbox.dispatch_due()
    (message,) = outbox_rows(visit_id=visit.id)
    return message


def status_callback(message, status, **extra):
    return {
        "MessageSid": message.provider_id,
        "MessageStatus": status,
        "AccountSid": fake_twilio.ACCOUNT_SID,
        **extra,
    }


# Signatures ---------------------------------------------------------------------------------


def test_a_signed_delivery_report_is_recorded(family, sent_message):
    path = f"{STATUS_URL}?reference={sent_message.id}"
    response = post_signed(family, path, status_callback(sent_message, "delivered"))

    assert response.status_code == 204
    (message,) = outbox_rows(id=sent_message.id)
    assert (message.status, message.provider_status) == (MessageStatus.DELIVERED, "delivered")


@pytest.mark.parametrize(
    "forgery",
    ["no signature", "wrong token", "tampered field", "other url", "garbage"],
)
def test_forged_webhooks_are_refused_and_change_nothing(family, sent_message, forgery):
    path = f"{STATUS_URL}?reference={sent_message.id}"
    params = status_callback(sent_message, "undelivered", ErrorCode="30003")
    signature = {
        "no signature": None,
        "wrong token": sign("http://localhost" + path, params, token="not-the-token"),
        "tampered field": sign("http://localhost" + path, {**params, "MessageStatus": "delivered"}),
        "other url": sign("http://localhost/webhooks/twilio/inbound", params),
        "garbage": "bm90IGEgc2lnbmF0dXJl",
    }[forgery]
    headers = {"X-Twilio-Signature": signature} if signature else {}

    response = family.post(path, data=params, headers=headers)

    assert response.status_code == 403
    (message,) = outbox_rows(id=sent_message.id)
    assert message.status is MessageStatus.SENT


def test_a_forged_text_cannot_cancel_a_visit(family, make_prison, make_session, book_visit):
    book_visit(make_session(make_prison()))
    params = {"MessageSid": "SM" + "0" * 32, "From": CONTACT.mobile, "Body": "CANCEL"}

    response = family.post(INBOUND_URL, data=params, headers={"X-Twilio-Signature": "forged"})

    assert response.status_code == 403
    assert count(InboundMessage) == 0 and not outbox.is_opted_out(CONTACT.mobile)


def test_without_an_auth_token_every_webhook_is_refused(family, app, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", None)
    params = {"MessageSid": "SM1", "From": CONTACT.mobile, "Body": "STOP"}

    response = family.post(INBOUND_URL, data=params, headers={"X-Twilio-Signature": "x"})

    assert response.status_code == 403


def test_behind_a_proxy_the_public_address_is_validated(database_url, texting):
    proxied = create_app(
        {
            **TEST_SETTINGS,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "PROXY_FIX_HOPS": 1,
            **texting.settings(),
        }
    )
    client = FormClient(proxied)
    params = {"MessageSid": "SM" + secrets.token_hex(16), "From": CONTACT.mobile, "Body": "HELP"}
    public = "https://visits.example.org" + INBOUND_URL
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "visits.example.org"}

    signed = {"X-Twilio-Signature": sign(public, params)}
    assert client.post(INBOUND_URL, data=params, headers=signed | forwarded).status_code == 200
    assert client.post(INBOUND_URL, data=params, headers=signed).status_code == 403
    with proxied.app_context():
        db.engine.dispose()


# Delivery reports ---------------------------------------------------------------------------


def test_repeated_and_late_delivery_reports_change_nothing(family, sent_message):
    path = f"{STATUS_URL}?reference={sent_message.id}"
    for status in ("sent", "delivered", "delivered", "sent", "queued"):
        assert post_signed(family, path, status_callback(sent_message, status)).status_code == 204

    (message,) = outbox_rows(id=sent_message.id)
    assert (message.status, message.provider_status) == (MessageStatus.DELIVERED, "delivered")


def test_an_undelivered_text_shows_as_failed_for_staff(family, sent_message):
    path = f"{STATUS_URL}?reference={sent_message.id}"
    params = status_callback(sent_message, "undelivered", ErrorCode="30003")

    post_signed(family, path, params)

    (message,) = outbox_rows(id=sent_message.id)
    assert (message.status, message.error_code) == (MessageStatus.FAILED, "30003")
    assert outbox.failed_messages([message.prison_id]) == [message]


def test_a_report_naming_another_message_is_ignored(family, sent_message):
    params = {**status_callback(sent_message, "failed"), "MessageSid": "SM" + "9" * 32}

    post_signed(family, f"{STATUS_URL}?reference={sent_message.id}", params)

    assert outbox_rows(id=sent_message.id)[0].status is MessageStatus.SENT


def test_a_report_found_by_message_sid_alone(family, sent_message):
    post_signed(family, STATUS_URL, status_callback(sent_message, "delivered"))

    assert outbox_rows(id=sent_message.id)[0].status is MessageStatus.DELIVERED


# Texts from families --------------------------------------------------------------------------


def test_stop_opts_out_and_start_opts_back_in(family, ctx):
    text_from(family, CONTACT.mobile, "Stop")
    assert outbox.is_opted_out(CONTACT.mobile)

    text_from(family, CONTACT.mobile, "START")
    assert not outbox.is_opted_out(CONTACT.mobile)


def test_twilios_own_opt_out_keywords_opt_out_here_too(family, ctx):
    text_from(family, CONTACT.mobile, "cancel")  # Twilio blocks the number on a bare CANCEL

    assert outbox.is_opted_out(CONTACT.mobile)
    assert replies_to(CONTACT.mobile) == []


def test_help_gets_one_reply_however_often_twilio_delivers_it(family, ctx):
    sid = text_from(family, CONTACT.mobile, "HELP")
    text_from(family, CONTACT.mobile, "HELP", sid=sid)
    text_from(family, CONTACT.mobile, "HELP", sid=sid)

    (reply,) = replies_to(CONTACT.mobile)
    assert reply.kind is MessageKind.HELP
    assert "/manage" in reply.body and "STOP" in reply.body
    assert count(InboundMessage) == 1


def test_help_already_answered_by_twilio_is_not_answered_again(family, ctx):
    params = {"MessageSid": "SM" + "1" * 32, "From": CONTACT.mobile, "Body": "HELP"}
    post_signed(family, INBOUND_URL, params | {"OptOutType": "HELP"})

    assert replies_to(CONTACT.mobile) == []


def test_a_message_we_cannot_read_gets_help_at_most_once_a_day(family, ctx):
    text_from(family, CONTACT.mobile, "Can I bring a cake?")
    text_from(family, CONTACT.mobile, "Hello?")

    assert [r.kind for r in replies_to(CONTACT.mobile)] == [MessageKind.HELP]


@pytest.fixture
def welsh_visit(make_prison, make_session, book_visit):
    welsh = ContactDetails(CONTACT.mobile, None, "cy")
    return book_visit(make_session(make_prison(), start=time(14, 0)), contact=welsh)


def test_replying_cancel_asks_for_confirmation_then_yes_cancels(family, welsh_visit):
    reference = welsh_visit.reference
    text_from(family, CONTACT.mobile, f"Cancel {reference[:4]}-{reference[4:]}")

    (question,) = outbox_rows(kind=MessageKind.CANCEL_QUESTION)
    assert question.language == "cy"  # the family booked in Welsh
    for words in ("YES", "HMP Cardiff", f"{reference[:4]}-{reference[4:]}", "Dydd "):
        assert words in question.body
    assert db.session.get(Visit, welsh_visit.id).status is VisitStatus.BOOKED

    yes = text_from(family, CONTACT.mobile, "yes")
    text_from(family, CONTACT.mobile, "yes", sid=yes)  # delivered twice

    visit = db.session.get(Visit, welsh_visit.id)
    db.session.refresh(visit)
    assert visit.status is VisitStatus.CANCELLED
    assert visit.cancel_reason is CancelReason.CANNOT_ATTEND
    (event,) = db.session.scalars(
        sa.select(VisitEvent).where(
            VisitEvent.visit_id == visit.id, VisitEvent.to_status == VisitStatus.CANCELLED
        )
    ).all()
    assert event.actor == "family"
    assert len(outbox_rows(visit_id=visit.id, kind=MessageKind.CANCELLED)) == 1


def test_yes_without_a_question_cancels_nothing(family, welsh_visit):
    text_from(family, CONTACT.mobile, "YES")

    assert db.session.get(Visit, welsh_visit.id).status is VisitStatus.BOOKED


def test_a_question_left_unanswered_for_a_day_lapses(family, welsh_visit):
    text_from(family, CONTACT.mobile, "cancel visit")
    asked = db.session.scalar(
        sa.select(InboundMessage).where(InboundMessage.action == "cancel_asked")
    )
    asked.received_at = utcnow() - timedelta(hours=25)
    db.session.commit()

    text_from(family, CONTACT.mobile, "yes")

    assert db.session.get(Visit, welsh_visit.id).status is VisitStatus.BOOKED


def test_with_two_visits_the_family_is_asked_which(family, make_prison, make_session, book_visit):
    prison = make_prison()
    first = book_visit(make_session(prison, start=time(10, 0)))
    second = book_visit(make_session(prison, start=time(14, 0)))

    text_from(family, CONTACT.mobile, "cancel please")
    (which,) = outbox_rows(kind=MessageKind.CANCEL_WHICH)
    assert f"CANCEL {first.reference}" in which.body

    text_from(family, CONTACT.mobile, f"CANCEL {second.reference.lower()}")
    text_from(family, CONTACT.mobile, "Yes")

    assert db.session.get(Visit, first.id).status is VisitStatus.BOOKED
    db.session.refresh(db.session.get(Visit, second.id))
    assert db.session.get(Visit, second.id).status is VisitStatus.CANCELLED


def test_cancel_from_a_number_without_visits_is_told_where_to_go(family, ctx):
    text_from(family, "+447911123456", "cancel my visit")

    (reply,) = outbox_rows(recipient="+447911123456")
    assert reply.kind is MessageKind.CANCEL_NOT_FOUND
    assert reply.body.endswith("/manage")


def test_a_visit_that_has_started_cannot_be_cancelled_by_text(family, welsh_visit, ctx):
    text_from(family, CONTACT.mobile, "cancel visit")
    visit = db.session.get(Visit, welsh_visit.id)
    visit.session.date = local_today() - timedelta(days=1)
    db.session.commit()

    text_from(family, CONTACT.mobile, "yes")

    assert db.session.get(Visit, welsh_visit.id).status is VisitStatus.BOOKED
