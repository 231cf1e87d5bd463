"""Feedback and complaints from families, and children with an adult's help."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import db
from staff.models import StaffUser
from timeutil import utcnow
from visits.models import InvalidTransition, Prison, enum_column


class FeedbackKind(enum.StrEnum):
    FEEDBACK = "feedback"
    COMPLAINT = "complaint"

    @property
    def label(self):
        return KIND_LABELS[self]


KIND_LABELS = {
    FeedbackKind.FEEDBACK: _l("Feedback"),
    FeedbackKind.COMPLAINT: _l("Complaint"),
}


class FeedbackTheme(enum.StrEnum):
    BOOKING = "booking"
    VISIT_DAY = "visit_day"
    SEARCHES = "searches"
    STAFF = "staff"
    CHILDREN = "children"
    FACILITIES = "facilities"
    ACCESSIBILITY = "accessibility"
    TRAVEL = "travel"
    OTHER = "other"

    @property
    def label(self):
        return THEME_LABELS[self]


THEME_LABELS = {
    FeedbackTheme.BOOKING: _l("Booking, changing or cancelling a visit"),
    FeedbackTheme.VISIT_DAY: _l("The visit itself"),
    FeedbackTheme.SEARCHES: _l("Security checks and searches"),
    FeedbackTheme.STAFF: _l("How staff treated you"),
    FeedbackTheme.CHILDREN: _l("Children and young people"),
    FeedbackTheme.FACILITIES: _l("The visitor centre, food or play area"),
    FeedbackTheme.ACCESSIBILITY: _l("Access and extra help"),
    FeedbackTheme.TRAVEL: _l("Getting there or travel costs"),
    FeedbackTheme.OTHER: _l("Something else"),
}


class WrittenBy(enum.StrEnum):
    ADULT = "adult"
    CHILD = "child"  # a child or young person, with an adult's help

    @property
    def label(self):
        return WRITTEN_BY_LABELS[self]


WRITTEN_BY_LABELS = {
    WrittenBy.ADULT: _l("An adult"),
    WrittenBy.CHILD: _l("A child or young person, with an adult's help"),
}


class ReplyBy(enum.StrEnum):
    NONE = "none"
    SMS = "sms"
    EMAIL = "email"


class FeedbackStatus(enum.StrEnum):
    RECEIVED = "received"
    TRIAGED = "triaged"
    REPLIED = "replied"
    CLOSED = "closed"

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    FeedbackStatus.RECEIVED: _l("New"),
    FeedbackStatus.TRIAGED: _l("Being looked at"),
    FeedbackStatus.REPLIED: _l("Replied"),
    FeedbackStatus.CLOSED: _l("Closed"),
}

# Staff look at each one (triage) before replying; one that needs no reply can be closed
# straight away, with a record of what was done.
TRANSITIONS = {
    None: {FeedbackStatus.RECEIVED},
    FeedbackStatus.RECEIVED: {FeedbackStatus.TRIAGED, FeedbackStatus.CLOSED},
    FeedbackStatus.TRIAGED: {FeedbackStatus.REPLIED, FeedbackStatus.CLOSED},
    FeedbackStatus.REPLIED: {FeedbackStatus.CLOSED},
}
# Still waiting for a response from the prison: these count towards the deadline.
AWAITING_RESPONSE = (FeedbackStatus.RECEIVED, FeedbackStatus.TRIAGED)
MESSAGE_MAX = 3000


class Feedback(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(8), unique=True)
    # The family's private link to the reply.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # None: about the service in general rather than one prison.
    prison_id: Mapped[int | None] = mapped_column(sa.ForeignKey("prison.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visit.id"))
    kind: Mapped[FeedbackKind] = mapped_column(enum_column(FeedbackKind))
    theme: Mapped[FeedbackTheme] = mapped_column(enum_column(FeedbackTheme))
    written_by: Mapped[WrittenBy] = mapped_column(enum_column(WrittenBy))
    message: Mapped[str] = mapped_column(sa.Text)
    name: Mapped[str] = mapped_column(sa.String(100), default="")  # empty: anonymous
    reply_by: Mapped[ReplyBy] = mapped_column(enum_column(ReplyBy))
    mobile: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    status: Mapped[FeedbackStatus] = mapped_column(enum_column(FeedbackStatus), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date] = mapped_column(index=True)
    reply: Mapped[str] = mapped_column(sa.Text, default="")
    replied_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    closed_at: Mapped[datetime | None]

    prison: Mapped[Prison | None] = relationship()
    events: Mapped[list["FeedbackEvent"]] = relationship(
        back_populates="feedback", order_by="FeedbackEvent.id", cascade="all, delete-orphan"
    )

    @property
    def anonymous(self) -> bool:
        return not self.name

    def awaiting_response(self) -> bool:
        return self.status in AWAITING_RESPONSE

    def is_overdue(self, today: date) -> bool:
        return self.awaiting_response() and today > self.due_on

    def move_to(self, new_status: FeedbackStatus, staff, now: datetime, note: str = "") -> None:
        if new_status not in TRANSITIONS.get(self.status, ()):
            raise InvalidTransition(f"{self.status} -> {new_status}")
        self.events.append(
            FeedbackEvent(
                from_status=self.status,
                to_status=new_status,
                staff_id=staff.id if staff else None,
                at=now,
                note=note,
            )
        )
        self.status = new_status


class FeedbackEvent(db.Model):
    """The audit trail of one piece of feedback: one row per change of state, never edited."""

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    from_status: Mapped[FeedbackStatus | None] = mapped_column(enum_column(FeedbackStatus))
    to_status: Mapped[FeedbackStatus] = mapped_column(enum_column(FeedbackStatus))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    note: Mapped[str] = mapped_column(sa.String(200), default="")

    feedback: Mapped[Feedback] = relationship(back_populates="events")
    staff: Mapped[StaffUser | None] = relationship()
