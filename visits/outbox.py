"""The outbox: every message to a family is a row, written in the transaction of its cause.

A dispatcher sends due rows after that transaction has committed. Each sender claims one
row at a time (FOR UPDATE SKIP LOCKED on PostgreSQL; on SQLite the claim is one conditional
UPDATE inside a BEGIN IMMEDIATE transaction), sends it with no transaction open, and records
the outcome in a second short transaction. A claim is a lease: a row whose sender died is
claimed again once the lease runs out. Such a row, like a send that timed out, may have
reached the provider already; `uncertain_sends` counts these possible duplicates.
"""

import enum
import logging
import secrets
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

import mail
import sms
from app import db
from errors import WithholdExceptionMessages
from sms import Outcome, SendResult
from timeutil import utcnow
from visits.messages import REMINDERS, MessageKind
from visits.models import Visit, VisitSession, VisitStatus, enum_column

log = logging.getLogger(__name__)
log.addFilter(WithholdExceptionMessages())  # an exception's text may quote a phone number


class Channel(enum.StrEnum):
    SMS = "sms"
    EMAIL = "email"


class MessageStatus(enum.StrEnum):
    PENDING = "pending"  # due at next_attempt_at (first try or a retry)
    SENDING = "sending"  # claimed; next_attempt_at is when the claim lapses
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # the provider reported it delivered
    RECORDED = "recorded"  # no provider configured: kept here for staff, not sent
    FAILED = "failed"  # never to be sent: refused, undeliverable, opted out or out of tries
    SKIPPED = "skipped"  # no longer useful: the visit changed, or it would arrive too late


FINISHED = (
    MessageStatus.SENT,
    MessageStatus.DELIVERED,
    MessageStatus.RECORDED,
    MessageStatus.FAILED,
    MessageStatus.SKIPPED,
)

# Twilio's message statuses in the order they happen; callbacks can arrive out of order.
PROVIDER_PROGRESS = {
    "accepted": 1,
    "scheduled": 1,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
}


class OutboxMessage(db.Model):
    __table_args__ = (sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MessageKind] = mapped_column(enum_column(MessageKind))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text)
    segments: Mapped[int] = mapped_column(default=0)
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visit.id"), index=True)
    prison_id: Mapped[int | None] = mapped_column(sa.ForeignKey("prison.id"), index=True)
    # The session the message speaks of: a reminder for an earlier time is not sent.
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visit_session.id"))
    visit: Mapped[Visit | None] = relationship(viewonly=True)
    # Set for messages that must exist once only, such as each reminder of each visit.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)

    status: Mapped[MessageStatus] = mapped_column(enum_column(MessageStatus))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime]
    stale_at: Mapped[datetime | None]  # not worth sending after this
    attempts: Mapped[int] = mapped_column(default=0)
    uncertain_sends: Mapped[int] = mapped_column(default=0)
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    finished_at: Mapped[datetime | None]

    provider_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    provider_status: Mapped[str | None] = mapped_column(sa.String(20))
    error_code: Mapped[str | None] = mapped_column(sa.String(10))
    error: Mapped[str] = mapped_column(sa.String(200), default="")


class SmsOptOut(db.Model):
    """Numbers that replied STOP (or that Twilio says opted out): they get no more texts."""

    mobile: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(default=utcnow)


def enqueue(
    kind: MessageKind,
    channel: Channel,
    recipient: str,
    body: str,
    *,
    now: datetime,
    subject: str = "",
    segments: int = 0,
    language: str = "en",
    visit: Visit | None = None,
    stale_at: datetime | None = None,
    dedupe_key: str | None = None,
    skipped_because: str = "",
) -> OutboxMessage:
    message = OutboxMessage(
        kind=kind,
        channel=channel,
        recipient=recipient,
        body=body,
        subject=subject,
        segments=segments,
        language=language,
        visit_id=visit.id if visit else None,
        prison_id=visit.prison_id if visit else None,
        session_id=visit.session_id if visit else None,
        dedupe_key=dedupe_key,
        status=MessageStatus.SKIPPED if skipped_because else MessageStatus.PENDING,
        error=skipped_because,
        created_at=now,
        next_attempt_at=now,
        stale_at=stale_at,
        finished_at=now if skipped_because else None,
    )
    db.session.add(message)
    return message


def skip_unsent_reminders(visit_id: int, now: datetime, because: str) -> None:
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.visit_id == visit_id,
            OutboxMessage.kind.in_(REMINDERS),
            OutboxMessage.status == MessageStatus.PENDING,
        )
        .values(status=MessageStatus.SKIPPED, error=because, finished_at=now)
        .execution_options(synchronize_session=False)
    )


# Opt-outs ---------------------------------------------------------------------------------


_OPTED_OUT = sa.select(SmsOptOut.mobile).where(SmsOptOut.mobile == sa.bindparam("mobile"))


def is_opted_out(mobile: str) -> bool:
    return db.session.scalar(_OPTED_OUT, {"mobile": mobile}) is not None


def opt_out(mobile: str, now: datetime) -> None:
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # Two senders told "opted out" about the same number at once must both succeed.
    db.session.execute(
        insert(SmsOptOut)
        .values(mobile=mobile, opted_out_at=now)
        .on_conflict_do_nothing(index_elements=["mobile"])
    )


def opt_in(mobile: str) -> None:
    db.session.execute(sa.delete(SmsOptOut).where(SmsOptOut.mobile == mobile))


# Dispatching ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A claimed message, as plain values: no transaction stays open while it is sent."""

    id: int
    token: str
    attempts: int
    kind: MessageKind
    channel: Channel
    recipient: str
    subject: str
    body: str
    stale_at: datetime | None
    visit_id: int | None
    session_id: int | None


@dataclass
class DispatchReport:
    outcomes: Counter

    @property
    def handled(self) -> int:
        return sum(self.outcomes.values())


def dispatch_due(clock=utcnow, senders: int | None = None) -> DispatchReport:
    """Send every due message, `senders` at a time, until none is due; returns what happened.

    The caller needs an application context; each sender thread opens its own, and the
    dispatcher commits its own short transactions.
    """
    app = current_app._get_current_object()
    senders = senders or app.config["OUTBOX_SENDERS"]
    outcomes: Counter = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def sender():
        with app.app_context():
            try:
                while (outcome := dispatch_one(clock)) is not None:
                    with lock:
                        outcomes[outcome] += 1
            except BaseException as error:  # reported to the caller below
                db.session.rollback()
                errors.append(error)

    # The caller's session must hold no transaction (on SQLite, no write lock) meanwhile.
    db.session.commit()
    threads = [threading.Thread(target=sender, name=f"outbox-{i}") for i in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return DispatchReport(outcomes)


def dispatch_one(clock=utcnow) -> str | None:
    """Claim, send and record one due message; None when nothing is due."""
    claimed = claim_next(clock())
    if claimed is None:
        return None
    if isinstance(claimed, MessageStatus):
        return claimed.value  # settled without sending (skipped, or opted out)
    result = _send(claimed)
    recorded = record_result(claimed, result, clock())
    return result.outcome.value if recorded else "lease_lost"


# The sender's statements, built once: each message costs a claim and a record, so building
# and caching SQL for every message was most of a dispatcher's work.
_c = OutboxMessage.__table__.c
_DUE = (
    sa.select(_c.id)
    .where(
        _c.status.in_([MessageStatus.PENDING, MessageStatus.SENDING]),
        _c.next_attempt_at <= sa.bindparam("now"),
    )
    .order_by(_c.next_attempt_at, _c.id)
    .limit(1)
    .with_for_update(skip_locked=True)
    .scalar_subquery()
)
_CLAIM = (
    OutboxMessage.__table__.update()
    .where(_c.id == _DUE)
    .values(
        status=MessageStatus.SENDING,
        claim_token=sa.bindparam("token"),
        attempts=_c.attempts + 1,
        next_attempt_at=sa.bindparam("lease_until"),
        # A lapsed claim: its sender died, perhaps after the provider took the message.
        uncertain_sends=_c.uncertain_sends
        + sa.case((_c.status == MessageStatus.SENDING, 1), else_=0),
    )
    .returning(
        _c.id,
        _c.attempts,
        _c.kind,
        _c.channel,
        _c.recipient,
        _c.subject,
        _c.body,
        _c.stale_at,
        _c.visit_id,
        _c.session_id,
    )
)


def _settle_claimed(**values):
    """An UPDATE that applies only while the sender still holds its claim."""
    return (
        OutboxMessage.__table__.update()
        .where(
            _c.id == sa.bindparam("message_id"),
            _c.claim_token == sa.bindparam("token"),
            _c.status == MessageStatus.SENDING,
        )
        .values(
            claim_token=None,
            uncertain_sends=_c.uncertain_sends + sa.bindparam("uncertain"),
            **values,
        )
        .returning(_c.provider_status, _c.error_code)
    )


_called_back = _c.provider_status.is_not(None)  # a status callback came before the record
_RECORD_SENT = _settle_claimed(
    status=MessageStatus.SENT,
    finished_at=sa.bindparam("now"),
    provider_id=sa.func.coalesce(_c.provider_id, sa.bindparam("provider_id")),
    provider_status=sa.case(
        (_called_back, _c.provider_status), else_=sa.bindparam("provider_status")
    ),
    error_code=sa.case((_called_back, _c.error_code), else_=None),
    error="",
)
_RECORD_END = _settle_claimed(
    status=sa.bindparam("status", type_=_c.status.type),
    finished_at=sa.bindparam("now"),
    error_code=sa.bindparam("error_code"),
    error=sa.bindparam("error"),
)
_RECORD_RETRY = _settle_claimed(
    status=MessageStatus.PENDING,
    next_attempt_at=sa.bindparam("next_attempt_at"),
    error_code=sa.bindparam("error_code"),
    error=sa.bindparam("error"),
)
_VISIT_NOW = (
    sa.select(Visit.status, Visit.session_id, VisitSession.cancelled)
    .join(VisitSession, Visit.session_id == VisitSession.id)
    .where(Visit.id == sa.bindparam("visit_id"))
)


def claim_next(now: datetime) -> Claimed | MessageStatus | None:
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    token = secrets.token_hex(16)
    row = db.session.execute(
        _CLAIM, {"now": now, "token": token, "lease_until": now + lease}
    ).one_or_none()
    if row is None:
        db.session.commit()
        return None
    claimed = Claimed(row.id, token, *row[1:])
    reason = _reason_not_to_send(claimed, now)
    if reason is not None:
        status, code, detail = reason
        _end(claimed, status, now, code, detail)
        db.session.commit()
        return status
    db.session.commit()
    return claimed


def _reason_not_to_send(claimed: Claimed, now: datetime):
    if claimed.stale_at is not None and now >= claimed.stale_at:
        return MessageStatus.SKIPPED, None, "too late to be useful"
    if claimed.kind in REMINDERS:
        status, session_id, cancelled = db.session.execute(
            _VISIT_NOW, {"visit_id": claimed.visit_id}
        ).one()
        if status is not VisitStatus.BOOKED:
            return MessageStatus.SKIPPED, None, "the visit is no longer booked"
        if session_id != claimed.session_id or cancelled:
            return MessageStatus.SKIPPED, None, "the visit has moved or its session is cancelled"
    if claimed.channel is Channel.SMS and is_opted_out(claimed.recipient):
        return MessageStatus.FAILED, sms.OPTED_OUT, "the number has opted out (replied STOP)"
    return None


def _end(claimed, status, now, error_code=None, error="", uncertain=False):
    return db.session.execute(
        _RECORD_END,
        {
            "message_id": claimed.id,
            "token": claimed.token,
            "status": status,
            "now": now,
            "error_code": error_code,
            "error": error[:200],
            "uncertain": int(uncertain),
        },
    ).one_or_none()


def _send(claimed: Claimed) -> SendResult:
    try:
        if claimed.channel is Channel.SMS:
            return sms.send_sms(claimed.recipient, claimed.body, str(claimed.id))
        return mail.send_email(claimed.recipient, claimed.subject, claimed.body, str(claimed.id))
    except Exception as error:
        # A fault of ours, not the provider's: keep the message and try it again later.
        log.exception("Sending outbox message %s failed", claimed.id)
        return SendResult(Outcome.RETRY, error=f"unexpected {type(error).__name__}", uncertain=True)


def retry_delay(attempts: int, message_id: int) -> timedelta:
    config = current_app.config
    seconds = min(
        config["OUTBOX_RETRY_MAX_SECONDS"],
        config["OUTBOX_RETRY_BASE_SECONDS"] * 2 ** max(0, attempts - 1),
    )
    # Spread retries of messages that failed together (a 429 burst) over 0-20% more time.
    return timedelta(seconds=seconds * (1 + (message_id % 5) / 20))


def record_result(claimed: Claimed, result: SendResult, now: datetime) -> bool:
    """Store a send's outcome; False if the claim had lapsed and another sender took over."""
    claim = {"message_id": claimed.id, "token": claimed.token, "uncertain": int(result.uncertain)}
    out_of_tries = claimed.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]
    if result.outcome is Outcome.SENT:
        values = {
            "now": now,
            "provider_id": result.provider_id,
            "provider_status": result.provider_status,
        }
        row = db.session.execute(_RECORD_SENT, claim | values).one_or_none()
        if row is not None and row.provider_status != result.provider_status:
            message = db.session.get(OutboxMessage, claimed.id, populate_existing=True)
            _settle_delivery(message, now, row.error_code)
    elif result.outcome is Outcome.RETRY and not out_of_tries:
        values = {
            "next_attempt_at": now + retry_delay(claimed.attempts, claimed.id),
            "error_code": result.error_code,
            "error": result.error[:200],
        }
        row = db.session.execute(_RECORD_RETRY, claim | values).one_or_none()
    elif result.outcome is Outcome.RECORDED:
        row = _end(claimed, MessageStatus.RECORDED, now, uncertain=result.uncertain)
    else:
        error = result.error
        if result.outcome is Outcome.RETRY:
            error = f"gave up after {claimed.attempts} tries: {result.error}"
        row = _end(claimed, MessageStatus.FAILED, now, result.error_code, error, result.uncertain)
        if row is not None and result.error_code == sms.OPTED_OUT:
            opt_out(claimed.recipient, now)
    db.session.commit()
    return row is not None


def _finish(message, status, now, error_code=None, error=""):
    message.status = status
    message.finished_at = now
    message.claim_token = None
    message.error_code, message.error = error_code, error[:200]


def _advance_provider_status(message: OutboxMessage, status: str | None) -> bool:
    if status is None:
        return False
    if PROVIDER_PROGRESS.get(status, 0) <= PROVIDER_PROGRESS.get(message.provider_status, 0):
        return False  # a late or repeated callback: what we know already is newer
    message.provider_status = status[:20]
    return True


def _settle_delivery(message: OutboxMessage, now: datetime, error_code: str | None = None):
    if message.status not in (MessageStatus.SENT, MessageStatus.DELIVERED):
        return  # still being recorded: the sender settles it with what we stored
    if message.provider_status in ("delivered", "read"):
        message.status = MessageStatus.DELIVERED
    elif message.provider_status in ("undelivered", "failed", "canceled"):
        code = error_code or message.error_code
        detail = f"not delivered (Twilio error {code})" if code else "not delivered"
        _finish(message, MessageStatus.FAILED, now, code, detail)
        if code == sms.OPTED_OUT:
            opt_out(message.recipient, now)


def apply_delivery_status(
    reference: str | None,
    provider_id: str,
    provider_status: str,
    error_code: str | None,
    now: datetime,
) -> bool:
    """A provider's status callback; repeated or out-of-order callbacks change nothing."""
    where = (
        OutboxMessage.id == int(reference)
        if reference and reference.isdigit()
        else OutboxMessage.provider_id == provider_id
    )
    message = db.session.scalar(
        sa.select(OutboxMessage)
        .where(where, OutboxMessage.channel == Channel.SMS)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if message is None or (message.provider_id and message.provider_id != provider_id):
        return False
    message.provider_id = provider_id
    if error_code:
        message.error_code = error_code[:10]
    if _advance_provider_status(message, provider_status):
        _settle_delivery(message, now, error_code)
    return True


# What staff see ---------------------------------------------------------------------------


def failed_messages(prison_ids, limit: int = 200) -> list[OutboxMessage]:
    """Messages that will never reach the family, newest first: staff may need to phone them."""
    return _messages_of(prison_ids, MessageStatus.FAILED, limit)


def recorded_messages(prison_ids, limit: int = 200) -> list[OutboxMessage]:
    """Messages kept but not sent, because no SMS or email provider is configured."""
    return _messages_of(prison_ids, MessageStatus.RECORDED, limit)


def _messages_of(prison_ids, status: MessageStatus, limit: int) -> list[OutboxMessage]:
    return db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.prison_id.in_(list(prison_ids)), OutboxMessage.status == status)
        .options(selectinload(OutboxMessage.visit))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    ).all()


def messages_for_visit(visit_id: int) -> list[OutboxMessage]:
    return db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.visit_id == visit_id)
        .order_by(OutboxMessage.id)
    ).all()


def delivery_report(prison_ids=None) -> dict:
    """Counts by status, and the sends that may have reached the family twice."""
    scope = [] if prison_ids is None else [OutboxMessage.prison_id.in_(list(prison_ids))]
    by_status = dict(
        db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count())
            .where(*scope)
            .group_by(OutboxMessage.status)
        ).all()
    )
    uncertain = db.session.execute(
        sa.select(
            sa.func.count(), sa.func.coalesce(sa.func.sum(OutboxMessage.uncertain_sends), 0)
        ).where(*scope, OutboxMessage.uncertain_sends > 0)
    ).one()
    return {
        "by_status": {status.value: by_status.get(status, 0) for status in MessageStatus},
        "messages_maybe_duplicated": uncertain[0],
        "uncertain_sends": int(uncertain[1]),
    }
