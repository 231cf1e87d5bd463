"""Feedback and complaints: sending them in, and staff triaging, replying and closing them.

Every change of state is a FeedbackEvent on the feedback and a row in the staff audit
trail. The prison answers within a number of working days that depends on the kind
(FEEDBACK_REPLY_WORKING_DAYS), counted from the day it arrived.
"""

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import db
from staff import audit
from timeutil import LONDON
from visits import outbox, rules, working_days
from visits.feedback_models import (
    AWAITING_RESPONSE,
    Feedback,
    FeedbackKind,
    FeedbackStatus,
    FeedbackTheme,
    ReplyBy,
    WrittenBy,
)
from visits.messages import MessageKind, render
from visits.models import Nation, Prison, Visit
from visits.outbox import Channel


class FeedbackError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class NewFeedback:
    kind: FeedbackKind
    theme: FeedbackTheme
    written_by: WrittenBy
    message: str
    name: str
    reply_by: ReplyBy
    mobile: str | None
    email: str | None
    language: str
    visit_reference: str = ""


def local_date(moment: datetime) -> date:
    return moment.replace(tzinfo=UTC).astimezone(LONDON).date()


def due_on(kind: FeedbackKind, received: date, prison: Prison | None) -> date:
    days = current_app.config["FEEDBACK_REPLY_WORKING_DAYS"][kind.value]
    nation = prison.nation if prison is not None else Nation.ENGLAND
    return working_days.add_working_days(
        received, days, nation, current_app.config["NON_WORKING_DAYS"]
    )


def _new_reference() -> str:
    while True:
        reference = "".join(
            secrets.choice(rules.REFERENCE_ALPHABET) for _ in range(rules.REFERENCE_LENGTH)
        )
        taken = db.session.scalar(sa.select(Feedback.id).where(Feedback.reference == reference))
        if taken is None:
            return reference


def _visit_for(prison: Prison | None, reference: str) -> Visit | None:
    if prison is None or not reference:
        return None
    return db.session.scalar(
        sa.select(Visit).where(
            Visit.prison_id == prison.id, Visit.reference == rules.normalise_reference(reference)
        )
    )


def _record(feedback: Feedback, status: FeedbackStatus, staff, now: datetime, note: str = ""):
    feedback.move_to(status, staff, now, note)
    db.session.flush()
    audit.record(
        staff, f"feedback: {status.value}", "feedback", feedback.id, feedback.prison_id, note
    )


def submit(prison: Prison | None, new: NewFeedback, now: datetime) -> Feedback:
    if new.reply_by is ReplyBy.SMS and not new.mobile:
        raise FeedbackError(_l("Enter a mobile number for our reply"))
    if new.reply_by is ReplyBy.EMAIL and not new.email:
        raise FeedbackError(_l("Enter an email address for our reply"))
    feedback = Feedback(
        reference=_new_reference(),
        token=secrets.token_urlsafe(32),
        prison_id=prison.id if prison else None,
        prison=prison,
        kind=new.kind,
        theme=new.theme,
        written_by=new.written_by,
        message=new.message.strip(),
        name=new.name.strip(),
        reply_by=new.reply_by,
        # Only the way the family chose for the reply is kept.
        mobile=new.mobile if new.reply_by is ReplyBy.SMS else None,
        email=new.email if new.reply_by is ReplyBy.EMAIL else None,
        language=new.language,
        received_at=now,
        due_on=due_on(new.kind, local_date(now), prison),
    )
    visit = _visit_for(prison, new.visit_reference)
    feedback.visit_id = visit.id if visit else None
    db.session.add(feedback)
    _record(feedback, FeedbackStatus.RECEIVED, None, now, note=new.kind.value)
    return feedback


def triage(
    feedback: Feedback, kind: FeedbackKind, theme: FeedbackTheme, staff, now: datetime
) -> None:
    """Staff confirm what it is and what it is about; a change of kind moves the deadline."""
    if kind is not feedback.kind:
        feedback.due_on = due_on(kind, local_date(feedback.received_at), feedback.prison)
    feedback.kind, feedback.theme = kind, theme
    _record(feedback, FeedbackStatus.TRIAGED, staff, now, note=f"{kind.value}, {theme.value}")


def reply(feedback: Feedback, text: str, staff, now: datetime) -> None:
    """Record the prison's reply; the family is told by the way they chose, through the
    outbox. The reply itself is read on the family's private page."""
    if not text.strip():
        raise FeedbackError(_l("Write your reply"))
    feedback.reply = text.strip()
    feedback.replied_at = now
    _record(feedback, FeedbackStatus.REPLIED, staff, now, note=feedback.reply_by.value)
    _tell_family(feedback, now)


def close(feedback: Feedback, outcome: str, staff, now: datetime) -> None:
    if not outcome.strip():
        raise FeedbackError(_l("Write what was done"))
    feedback.outcome = outcome.strip()
    feedback.closed_at = now
    _record(feedback, FeedbackStatus.CLOSED, staff, now)


def reply_link(feedback: Feedback) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/feedback/{feedback.token}"


def _tell_family(feedback: Feedback, now: datetime) -> None:
    channel = {ReplyBy.SMS: Channel.SMS, ReplyBy.EMAIL: Channel.EMAIL}.get(feedback.reply_by)
    if channel is None:
        return
    values = {
        "prison": feedback.prison.name if feedback.prison else current_app.config["SERVICE_NAME"],
        "reference": f"{feedback.reference[:4]}-{feedback.reference[4:]}",
        "link": reply_link(feedback),
    }
    budget = current_app.config["SMS_MAX_SEGMENTS"] if channel is Channel.SMS else None
    rendered = render(MessageKind.FEEDBACK_REPLY, feedback.language, values, budget)
    outbox.enqueue(
        MessageKind.FEEDBACK_REPLY,
        channel,
        feedback.mobile if channel is Channel.SMS else feedback.email,
        rendered.body,
        now=now,
        subject=rendered.subject,
        segments=rendered.segments,
        language=feedback.language,
        stale_at=now + timedelta(days=7),
    )


# Finding feedback ---------------------------------------------------------------------------


def for_prison(prison_id: int | None, include_finished: bool = False) -> list[Feedback]:
    """Feedback about one prison (None: about the service), those due soonest first."""
    query = sa.select(Feedback).where(
        Feedback.prison_id.is_(None) if prison_id is None else Feedback.prison_id == prison_id
    )
    if not include_finished:
        query = query.where(Feedback.status != FeedbackStatus.CLOSED)
    return db.session.scalars(query.order_by(Feedback.due_on, Feedback.id)).all()


def by_token(token: str) -> Feedback | None:
    return db.session.scalar(sa.select(Feedback).where(Feedback.token == token))


@dataclass
class ThemeReport:
    first: date
    last: date
    counts: Counter  # (theme, kind) -> number
    open_count: int
    overdue_count: int
    answered_on_time: int
    answered_late: int

    def count(self, theme: FeedbackTheme, kind: FeedbackKind) -> int:
        return self.counts[(theme, kind)]

    def theme_total(self, theme: FeedbackTheme) -> int:
        return sum(self.counts[(theme, kind)] for kind in FeedbackKind)

    def kind_total(self, kind: FeedbackKind) -> int:
        return sum(self.counts[(theme, kind)] for theme in FeedbackTheme)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def theme_report(prison_id: int | None, first: date, last: date, today: date) -> ThemeReport:
    """What feedback received between first and last (local dates) was about, and whether
    the prison answered in time."""
    start = datetime.combine(first, datetime.min.time(), LONDON).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), LONDON).astimezone(UTC)
    rows = db.session.scalars(
        sa.select(Feedback).where(
            Feedback.prison_id.is_(None) if prison_id is None else Feedback.prison_id == prison_id,
            Feedback.received_at >= start.replace(tzinfo=None),
            Feedback.received_at < end.replace(tzinfo=None),
        )
    ).all()
    answered = [f for f in rows if f.status not in AWAITING_RESPONSE]
    on_time = sum(1 for f in answered if local_date(f.replied_at or f.closed_at) <= f.due_on)
    return ThemeReport(
        first=first,
        last=last,
        counts=Counter((f.theme, f.kind) for f in rows),
        open_count=sum(1 for f in rows if f.awaiting_response()),
        overdue_count=sum(1 for f in rows if f.is_overdue(today)),
        answered_on_time=on_time,
        answered_late=len(answered) - on_time,
    )
