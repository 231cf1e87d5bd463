import datetime as dt
import enum
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import db
from timeutil import age_on, utcnow


def enum_column(enum_class, **kwargs):
    # Stored as plain strings so both databases and migrations treat them alike.
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        **kwargs,
    )


class Nation(enum.StrEnum):
    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"


class TableType(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self):
        return {TableType.OPEN: _l("Open visit"), TableType.CLOSED: _l("Closed visit")}[self]


class Relationship(enum.StrEnum):
    PARTNER = "partner"
    PARENT = "parent"
    CHILD = "child"
    SIBLING = "sibling"
    GRANDPARENT = "grandparent"
    GRANDCHILD = "grandchild"
    OTHER_RELATIVE = "other_relative"
    FRIEND = "friend"
    PROFESSIONAL = "professional"
    OTHER = "other"

    @property
    def label(self):
        return RELATIONSHIP_LABELS[self]


RELATIONSHIP_LABELS = {
    Relationship.PARTNER: _l("Husband, wife or partner"),
    Relationship.PARENT: _l("Parent or carer"),
    Relationship.CHILD: _l("Son or daughter"),
    Relationship.SIBLING: _l("Brother or sister"),
    Relationship.GRANDPARENT: _l("Grandparent"),
    Relationship.GRANDCHILD: _l("Grandchild"),
    Relationship.OTHER_RELATIVE: _l("Other family member"),
    Relationship.FRIEND: _l("Friend"),
    Relationship.PROFESSIONAL: _l("Social worker or professional"),
    Relationship.OTHER: _l("Other"),
}


NEEDS_LABELS = {
    "wheelchair": _l("Wheelchair access or a step-free route"),
    "hearing": _l("A hearing loop or a British Sign Language interpreter"),
    "seat": _l("A seat with extra room or a chair with arms"),
    "interpreter": _l("An interpreter for another language"),
    "baby": _l("Baby changing or space for a pushchair"),
}


class PrisonerCategory(enum.StrEnum):
    REMAND = "remand"
    CONVICTED = "convicted"


class Prison(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    nation: Mapped[Nation] = mapped_column(enum_column(Nation))
    address: Mapped[str] = mapped_column(sa.String(300))
    postcode: Mapped[str] = mapped_column(sa.String(10))
    latitude: Mapped[float]
    longitude: Mapped[float]
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    # Per-prison rules; defaults from the England and Wales social visit rules.
    max_adults: Mapped[int] = mapped_column(default=3)
    max_children: Mapped[int] = mapped_column(default=3)
    max_visitors: Mapped[int] = mapped_column(default=6)
    adult_age: Mapped[int] = mapped_column(default=18)
    min_notice_days: Mapped[int] = mapped_column(default=2)
    max_advance_days: Mapped[int] = mapped_column(default=28)
    hold_minutes: Mapped[int] = mapped_column(default=10)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    arrive_minutes_before: Mapped[int] = mapped_column(default=30)
    # Visit allowance for prisoners on the register (unverified against the Prison Rules, so
    # per prison): convicted prisoners so many visits in any run of so many days, remand
    # prisoners so many visits in a calendar week.
    convicted_visits: Mapped[int] = mapped_column(default=1)
    convicted_period_days: Mapped[int] = mapped_column(default=14)
    remand_visits_per_week: Mapped[int] = mapped_column(default=3)
    # Days the visits team has to answer a visit request before it is rejected automatically;
    # families are told this number.
    review_days: Mapped[int] = mapped_column(default=3)
    # A prisoner's first visit may be booked up to this many days after reception (72 hours),
    # inside the usual notice, but no sooner than first_visit_notice_days from today.
    first_visit_within_days: Mapped[int] = mapped_column(default=3)
    first_visit_notice_days: Mapped[int] = mapped_column(default=1)

    templates: Mapped[list["SessionTemplate"]] = relationship(back_populates="prison")

    def booking_window(self, today: date) -> tuple[date, date]:
        return (
            today + timedelta(days=self.min_notice_days),
            today + timedelta(days=self.max_advance_days),
        )

    def is_adult(self, born: date, on: date) -> bool:
        return age_on(born, on) >= self.adult_age


class SessionKind(enum.StrEnum):
    SOCIAL = "social"
    # In the family area and planned around the children: at least one child must come.
    CHILD_CENTRED = "child_centred"

    @property
    def label(self):
        return {
            SessionKind.SOCIAL: _l("Social visit"),
            SessionKind.CHILD_CENTRED: _l("Child-centred visit"),
        }[self]


class SessionTemplate(db.Model):
    """A weekly visiting session; bookable sessions are generated from it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(sa.ForeignKey("prison.id"), index=True)
    weekday: Mapped[int]  # Monday is 0, as date.weekday()
    start_time: Mapped[time]
    end_time: Mapped[time]
    open_tables: Mapped[int]
    closed_tables: Mapped[int] = mapped_column(default=0)
    people_places: Mapped[int | None]
    valid_from: Mapped[date]
    valid_until: Mapped[date | None]
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind), default=SessionKind.SOCIAL)
    # What families are told about a child-centred session, in the visits team's words.
    play_area: Mapped[str] = mapped_column(sa.String(500), default="")
    children_may_bring: Mapped[str] = mapped_column(sa.String(500), default="")
    what_happens: Mapped[str] = mapped_column(sa.String(500), default="")

    prison: Mapped[Prison] = relationship(back_populates="templates")

    def runs_on(self, day: date) -> bool:
        return (
            day.weekday() == self.weekday
            and self.valid_from <= day
            and (self.valid_until is None or day <= self.valid_until)
        )


class Closure(db.Model):
    """Days when a prison (or one weekly session) does not run visits."""

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(sa.ForeignKey("prison.id"), index=True)
    template_id: Mapped[int | None] = mapped_column(sa.ForeignKey("session_template.id"))
    start_date: Mapped[date]
    end_date: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.String(200), default="")

    def covers(self, day: date, template_id: int | None) -> bool:
        applies = self.template_id is None or self.template_id == template_id
        return applies and self.start_date <= day <= self.end_date


class VisitSession(db.Model):
    """One bookable session on one date. Its row is the lock every booking takes."""

    __table_args__ = (sa.UniqueConstraint("prison_id", "date", "start_time"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(sa.ForeignKey("prison.id"), index=True)
    template_id: Mapped[int | None] = mapped_column(sa.ForeignKey("session_template.id"))
    date: Mapped[dt.date] = mapped_column(index=True)
    start_time: Mapped[time]
    end_time: Mapped[time]
    open_tables: Mapped[int]
    closed_tables: Mapped[int] = mapped_column(default=0)
    people_places: Mapped[int | None]
    cancelled: Mapped[bool] = mapped_column(default=False)

    prison: Mapped[Prison] = relationship()
    template: Mapped[SessionTemplate | None] = relationship()

    @property
    def is_child_centred(self) -> bool:
        return self.template is not None and self.template.kind is SessionKind.CHILD_CENTRED

    def tables(self, table_type: "TableType") -> int:
        return self.open_tables if table_type is TableType.OPEN else self.closed_tables

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.date, self.start_time)


class Prisoner(db.Model):
    """The optional prisoner register kept by the visits team."""

    __table_args__ = (sa.UniqueConstraint("prison_id", "prison_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(sa.ForeignKey("prison.id"), index=True)
    prison_number: Mapped[str] = mapped_column(sa.String(7))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    date_of_birth: Mapped[date]
    category: Mapped[PrisonerCategory] = mapped_column(enum_column(PrisonerCategory))
    # When the prisoner arrived at this prison: their first visit may come sooner than usual.
    received_on: Mapped[date | None]


class RestrictionKind(enum.StrEnum):
    VISITOR_BAN = "visitor_ban"
    CLOSED_VISITS = "closed_visits"
    CHILD_CONTACT = "child_contact"
    NON_ASSOCIATION = "non_association"

    @property
    def label(self):
        return RESTRICTION_LABELS[self]


RESTRICTION_LABELS = {
    RestrictionKind.VISITOR_BAN: _l("Visitor ban"),
    RestrictionKind.CLOSED_VISITS: _l("Closed visits only"),
    RestrictionKind.CHILD_CONTACT: _l("No visitors under 18"),
    RestrictionKind.NON_ASSOCIATION: _l("Non-association"),
}


class Restriction(db.Model):
    """A ban, closed visits, no child contact or a non-association at one prison.

    Sensitive: staff views are audited and families never see any of it. Prisoners are named
    by prison number and visitors by name and date of birth, as the family types them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(sa.ForeignKey("prison.id"), index=True)
    kind: Mapped[RestrictionKind] = mapped_column(enum_column(RestrictionKind))
    prisoner_number: Mapped[str | None] = mapped_column(sa.String(7))
    # The prisoner who must be kept apart from prisoner_number (non-association only).
    other_prisoner_number: Mapped[str | None] = mapped_column(sa.String(7))
    visitor_first_name: Mapped[str | None] = mapped_column(sa.String(100))
    visitor_last_name: Mapped[str | None] = mapped_column(sa.String(100))
    visitor_date_of_birth: Mapped[date | None]
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    reason: Mapped[str] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    end_reason: Mapped[str] = mapped_column(sa.String(500), default="")


class VisitStatus(enum.StrEnum):
    HELD = "held"
    REQUESTED = "requested"
    BOOKED = "booked"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    VisitStatus.HELD: _l("Not finished"),
    VisitStatus.REQUESTED: _l("Requested"),
    VisitStatus.BOOKED: _l("Booked"),
    VisitStatus.CANCELLED: _l("Cancelled"),
    VisitStatus.REJECTED: _l("Not approved"),
    VisitStatus.EXPIRED: _l("Not finished"),
}

# Statuses whose visit takes a place in its session.
PLACE_TAKING = (VisitStatus.HELD, VisitStatus.REQUESTED, VisitStatus.BOOKED)

ALLOWED_TRANSITIONS = {
    None: {VisitStatus.HELD},
    VisitStatus.HELD: {
        VisitStatus.BOOKED,
        VisitStatus.REQUESTED,
        VisitStatus.EXPIRED,
        VisitStatus.CANCELLED,
    },
    VisitStatus.REQUESTED: {VisitStatus.BOOKED, VisitStatus.REJECTED, VisitStatus.CANCELLED},
    VisitStatus.BOOKED: {VisitStatus.CANCELLED},
    VisitStatus.EXPIRED: {VisitStatus.HELD},
}


class CancelReason(enum.StrEnum):
    CANNOT_ATTEND = "cannot_attend"
    ILLNESS = "illness"
    TRAVEL = "travel"
    PRISONER_MOVED = "prisoner_moved"
    WRONG_DETAILS = "wrong_details"
    OTHER = "other"
    # Set by the visits team when a session closes or shrinks; never offered to families.
    PRISON_CANCELLED = "prison_cancelled"

    @property
    def label(self):
        if self is CancelReason.PRISON_CANCELLED:
            return _l("The prison cancelled this visit")
        return CANCEL_REASON_LABELS[self]


CANCEL_REASON_LABELS = {
    CancelReason.CANNOT_ATTEND: _l("We can no longer go"),
    CancelReason.ILLNESS: _l("Illness"),
    CancelReason.TRAVEL: _l("Travel problems"),
    CancelReason.PRISONER_MOVED: _l("The prisoner has moved or been released"),
    CancelReason.WRONG_DETAILS: _l("I made a mistake in the booking"),
    CancelReason.OTHER: _l("Another reason"),
}


class RejectionReason(enum.StrEnum):
    NOT_APPROVED_VISITOR = "not_approved_visitor"
    BANNED = "banned"
    ID_PROBLEM = "id_problem"
    TOO_MANY_VISITORS = "too_many_visitors"
    NOT_REVIEWED = "not_reviewed"
    OTHER = "other"

    @property
    def label(self):
        return REJECTION_REASON_LABELS[self]

    @property
    def family_text(self):
        return REJECTION_REASON_FAMILY_TEXT[self]


# What staff choose from for each visitor; NOT_REVIEWED is for requests nobody checked in time.
REJECTION_REASON_LABELS = {
    RejectionReason.NOT_APPROVED_VISITOR: _l("Not on the prisoner's approved visitor list"),
    RejectionReason.BANNED: _l("Banned from visiting"),
    RejectionReason.ID_PROBLEM: _l("Problem with their identity details"),
    RejectionReason.TOO_MANY_VISITORS: _l("Too many visitors"),
    RejectionReason.NOT_REVIEWED: _l("Not checked in time"),
    RejectionReason.OTHER: _l("Another reason"),
}

# Plain words for the family, read beside a visitor's name or alone in a text message.
REJECTION_REASON_FAMILY_TEXT = {
    RejectionReason.NOT_APPROVED_VISITOR: _l(
        "Not on the prisoner's list of approved visitors. The prisoner can ask for them to be "
        "added."
    ),
    RejectionReason.BANNED: _l("Not allowed to visit this prison at the moment."),
    RejectionReason.ID_PROBLEM: _l(
        "The prison could not confirm who they are from the details given."
    ),
    RejectionReason.TOO_MANY_VISITORS: _l("Too many people were booked for this visit."),
    RejectionReason.NOT_REVIEWED: _l("The prison could not check the request in time."),
    RejectionReason.OTHER: _l("The prison could not approve this. Contact the prison to ask why."),
}


class InvalidTransition(Exception):
    pass


class Visit(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(8), unique=True)
    manage_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # One journey through the booking pages makes at most one visit, however often it resubmits.
    journey_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    prison_id: Mapped[int] = mapped_column(sa.ForeignKey("prison.id"), index=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("visit_session.id"), index=True)
    table_type: Mapped[TableType] = mapped_column(enum_column(TableType))
    status: Mapped[VisitStatus] = mapped_column(enum_column(VisitStatus), index=True)
    hold_expires_at: Mapped[datetime | None]

    prisoner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("prisoner.id"))
    prisoner_first_name: Mapped[str] = mapped_column(sa.String(100))
    prisoner_last_name: Mapped[str] = mapped_column(sa.String(100))
    prisoner_date_of_birth: Mapped[date]
    # Indexed: the allowance and non-association checks find a prisoner's visits by it.
    prisoner_number: Mapped[str] = mapped_column(sa.String(7), index=True)

    mobile: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    needs: Mapped[str] = mapped_column(sa.String(200), default="")
    needs_details: Mapped[str] = mapped_column(sa.String(500), default="")
    channel: Mapped[str] = mapped_column(sa.String(20), default="online")
    # Why the visit went to review (restriction kinds, "allowance"), for staff eyes only.
    review_reasons: Mapped[str] = mapped_column(sa.String(200), default="")
    allowance_override_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    # The prisoner's first visit after reception, booked inside the 72-hour window.
    first_visit: Mapped[bool] = mapped_column(default=False)
    # The family said the prisoner was the children's primary carer: a compassionate early
    # visit, which the visits team checks before any other request.
    compassionate: Mapped[bool] = mapped_column(default=False)

    cancel_reason: Mapped[CancelReason | None] = mapped_column(enum_column(CancelReason))
    cancel_details: Mapped[str] = mapped_column(sa.String(500), default="")
    # The reason for the whole visit; each visitor may carry their own as well.
    rejection_reason: Mapped[RejectionReason | None] = mapped_column(enum_column(RejectionReason))
    rejection_details: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once its personal data has been removed (visits/retention.py).
    anonymised_at: Mapped[datetime | None]

    prison: Mapped[Prison] = relationship()
    session: Mapped[VisitSession] = relationship()
    visitors: Mapped[list["Visitor"]] = relationship(
        back_populates="visit", order_by="Visitor.position", cascade="all, delete-orphan"
    )
    events: Mapped[list["VisitEvent"]] = relationship(
        back_populates="visit", order_by="VisitEvent.id", cascade="all, delete-orphan"
    )

    @property
    def lead_visitor(self) -> "Visitor":
        return self.visitors[0]

    @property
    def needs_list(self) -> list[str]:
        return [n for n in self.needs.split(",") if n]

    def is_active(self) -> bool:
        return self.status in (VisitStatus.REQUESTED, VisitStatus.BOOKED)

    @property
    def children_may_be_held(self) -> bool:
        """Parents may hold and embrace their children, unless it is a closed visit. Nor is
        it said while the prison checks a closed visit or whether children may come at all."""
        waiting_on = {RestrictionKind.CLOSED_VISITS.value, RestrictionKind.CHILD_CONTACT.value}
        closed = self.table_type is TableType.CLOSED or bool(
            waiting_on & set(self.review_reasons.split(","))
        )
        return not closed and any(
            not self.prison.is_adult(v.date_of_birth, self.session.date) for v in self.visitors
        )

    def hold_is_live(self, now: datetime) -> bool:
        return self.status is VisitStatus.HELD and self.hold_expires_at > now

    def _move_to(self, new_status: VisitStatus, actor: str, note: str = "") -> None:
        if new_status not in ALLOWED_TRANSITIONS.get(self.status, ()):
            raise InvalidTransition(f"{self.status} -> {new_status}")
        self.events.append(
            VisitEvent(from_status=self.status, to_status=new_status, actor=actor, note=note)
        )
        self.status = new_status

    def hold(self, until: datetime, actor: str) -> None:
        self._move_to(VisitStatus.HELD, actor)
        self.hold_expires_at = until

    def confirm(self, actor: str, review_reasons: tuple[str, ...] = ()) -> None:
        # A visit that meets a restriction waits for staff review, even where booking is instant.
        needs_review = self.prison.requires_approval or bool(review_reasons)
        target = VisitStatus.REQUESTED if needs_review else VisitStatus.BOOKED
        self._move_to(target, actor)
        self.hold_expires_at = None
        self.review_reasons = ",".join(review_reasons)

    def expire(self) -> None:
        self._move_to(VisitStatus.EXPIRED, "system")

    def cancel(self, actor: str, reason: CancelReason, details: str = "") -> None:
        self._move_to(VisitStatus.CANCELLED, actor, note=reason.value)
        self.cancel_reason = reason
        self.cancel_details = details

    def approve(self, actor: str) -> None:
        self._move_to(VisitStatus.BOOKED, actor, note="approved")

    def reject(
        self,
        actor: str,
        reason: RejectionReason,
        details: str = "",
        visitor_reasons: dict[int, RejectionReason] | None = None,
    ) -> None:
        """visitor_reasons maps Visitor.id to why that visitor cannot come."""
        visitor_reasons = visitor_reasons or {}
        self._move_to(VisitStatus.REJECTED, actor, note=reason.value)
        self.rejection_reason = reason
        self.rejection_details = details
        for visitor in self.visitors:
            visitor.rejection_reason = visitor_reasons.get(visitor.id)

    def record_change(self, actor: str, note: str) -> None:
        self.events.append(
            VisitEvent(from_status=self.status, to_status=self.status, actor=actor, note=note)
        )


class Visitor(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id"), index=True)
    position: Mapped[int]  # 0 is the lead visitor
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    date_of_birth: Mapped[date]
    relation: Mapped[Relationship] = mapped_column(enum_column(Relationship))
    rejection_reason: Mapped[RejectionReason | None] = mapped_column(enum_column(RejectionReason))

    visit: Mapped[Visit] = relationship(back_populates="visitors")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class VisitEvent(db.Model):
    """The audit trail of a visit: one row per change, never edited."""

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    from_status: Mapped[VisitStatus | None] = mapped_column(enum_column(VisitStatus))
    to_status: Mapped[VisitStatus] = mapped_column(enum_column(VisitStatus))
    actor: Mapped[str] = mapped_column(sa.String(40))
    note: Mapped[str] = mapped_column(sa.String(200), default="")

    visit: Mapped[Visit] = relationship(back_populates="events")
