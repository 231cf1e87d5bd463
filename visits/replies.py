"""Text messages from families: STOP, START, HELP, and cancelling a visit by reply.

Twilio itself acts on single-word STOP, CANCEL, END, QUIT... (opt out), START, UNSTOP and
YES (opt back in) and HELP, and still passes them on to us. So cancelling by reply takes two
words ("CANCEL BCDF2345"), and we keep our own record of opt-outs to match Twilio's.
Each message is handled once, however often Twilio delivers it (its MessageSid is unique).
"""

import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Mapped, mapped_column

from app import db
from timeutil import utcnow
from visits import booking, notifications, outbox, rules
from visits.messages import MessageKind
from visits.models import CancelReason, Visit, VisitStatus

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
START_WORDS = {"START", "UNSTOP"}
HELP_WORDS = {"HELP", "INFO", "HELPU"}
YES_WORDS = {"YES", "Y", "IE", "YDW"}
CANCEL_WORDS = {"CANCEL", "CANSLO"}
CONFIRM_WITHIN = timedelta(hours=24)
HELP_AT_MOST_EVERY = timedelta(hours=24)


class InboundMessage(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    from_number: Mapped[str] = mapped_column(sa.String(20), index=True)
    body: Mapped[str] = mapped_column(sa.String(1600), default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(sa.String(30), default="received")
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visit.id"))


def already_handled(provider_id: str) -> bool:
    found = sa.select(InboundMessage.id).where(InboundMessage.provider_id == provider_id)
    return db.session.scalar(found) is not None


def handle_inbound(
    provider_id: str,
    from_number: str,
    body: str,
    twilio_keyword: str | None,
    now: datetime,
    now_local: datetime,
) -> str | None:
    """Act on one text from a family; None if it was handled before.

    twilio_keyword is Twilio's OptOutType (STOP, START or HELP) when its Advanced Opt-Out
    recognised the message, and has already answered it.
    """
    if already_handled(provider_id):
        return None
    message = InboundMessage(
        provider_id=provider_id, from_number=from_number, body=body[:1600], received_at=now
    )
    db.session.add(message)
    db.session.flush()  # a delivery of the same message racing this one fails here
    words = re.findall(r"\w+", body.upper())
    single = words[0] if len(words) == 1 else None
    keyword = (twilio_keyword or "").upper()

    if keyword == "STOP" or single in STOP_WORDS:
        outbox.opt_out(from_number, now)
        message.action = "opted_out"
    elif (
        keyword == "START"
        or single in START_WORDS
        or (single in YES_WORDS and outbox.is_opted_out(from_number))
    ):
        outbox.opt_in(from_number)
        message.action = "opted_in"
    elif keyword == "HELP" or single in HELP_WORDS:
        if not keyword:
            _reply(from_number, MessageKind.HELP, now)
        message.action = "help"
    elif words and words[0] in CANCEL_WORDS:
        message.action, message.visit_id = _ask_to_cancel(from_number, words[1:], now, now_local)
    elif single in YES_WORDS:
        message.action, message.visit_id = _confirm_cancel(from_number, now, now_local)
    else:
        if not _helped_lately(from_number, now):
            _reply(from_number, MessageKind.HELP, now)
        message.action = "not_understood"
    db.session.flush()
    return message.action


def _changeable_visits(mobile: str, now_local: datetime) -> list[Visit]:
    visits = db.session.scalars(
        sa.select(Visit)
        .where(
            Visit.mobile == mobile,
            Visit.status.in_([VisitStatus.REQUESTED, VisitStatus.BOOKED]),
        )
        .order_by(Visit.id)
    ).all()
    return [v for v in visits if booking.can_change(v, now_local)]


def _ask_to_cancel(mobile: str, rest: list[str], now: datetime, now_local: datetime):
    visits = _changeable_visits(mobile, now_local)
    reference = rules.normalise_reference("".join(rest))
    named = [v for v in visits if v.reference == reference]
    if named or len(visits) == 1:
        visit = (named or visits)[0]
        _reply(mobile, MessageKind.CANCEL_QUESTION, now, visit)
        return "cancel_asked", visit.id
    if visits:
        _reply(mobile, MessageKind.CANCEL_WHICH, now, visits[0])
        return "cancel_which", None
    _reply(mobile, MessageKind.CANCEL_NOT_FOUND, now)
    return "cancel_not_found", None


def _confirm_cancel(mobile: str, now: datetime, now_local: datetime):
    asked = db.session.scalar(
        sa.select(InboundMessage)
        .where(
            InboundMessage.from_number == mobile,
            InboundMessage.action == "cancel_asked",
            InboundMessage.received_at >= now - CONFIRM_WITHIN,
        )
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(1)
    )
    if asked is None:
        return "yes_without_question", None
    visit = db.session.scalar(
        sa.select(Visit)
        .where(Visit.id == asked.visit_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if not booking.can_change(visit, now_local):
        return "cancel_too_late", visit.id
    # The same path as the cancel page: the family is sent the usual cancellation message.
    booking.cancel_visit(
        visit, CancelReason.CANNOT_ATTEND, "Cancelled by text message", "family", now_local
    )
    return "cancel_confirmed", visit.id


def _language_of(mobile: str) -> str:
    latest = sa.select(Visit.language).where(Visit.mobile == mobile).order_by(Visit.id.desc())
    return db.session.scalar(latest.limit(1)) or "en"


def _reply(mobile: str, kind: MessageKind, now: datetime, visit: Visit | None = None) -> None:
    language = visit.language if visit else _language_of(mobile)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    with force_locale(language):
        values = notifications.message_values(visit) if visit else {}
    values["lookup_link"] = f"{base}/manage"
    notifications.reply(mobile, kind, language, values, now)


def _helped_lately(mobile: str, now: datetime) -> bool:
    sent = sa.select(outbox.OutboxMessage.id).where(
        outbox.OutboxMessage.recipient == mobile,
        outbox.OutboxMessage.kind == MessageKind.HELP,
        outbox.OutboxMessage.created_at >= now - HELP_AT_MOST_EVERY,
    )
    return db.session.scalar(sent.limit(1)) is not None
