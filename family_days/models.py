import datetime as dt
import enum
from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import db
from timeutil import utcnow
from visits.models import InvalidTransition, Prison, enum_column


class AllocationMethod(enum.StrEnum):
    FIRST_COME = "first_come"
    BALLOT = "ballot"

    @property
    def label(self):
        return ALLOCATION_LABELS[self]


ALLOCATION_LABELS = {
    AllocationMethod.FIRST_COME: _l("First come, first served"),
    AllocationMethod.BALLOT: _l(
        "A fair ballot, with priority for looked-after children and children who have not "
        "visited recently"
    ),
}


class IncentiveLevel(enum.StrEnum):
    BASIC = "basic"
    STANDARD = "standard"
    ENHANCED = "enhanced"

    @property
    def label(self):
        return INCENTIVE_LABELS[self]

    @property
    def rank(self) -> int:
        return list(IncentiveLevel).index(self)


INCENTIVE_LABELS = {
    IncentiveLevel.BASIC: _l("Basic"),
    IncentiveLevel.STANDARD: _l("Standard"),
    IncentiveLevel.ENHANCED: _l("Enhanced"),
}


class ChildRelationship(enum.StrEnum):
    OWN = "own"
    STEP = "step"
    ADOPTED = "adopted"
    FOSTERED = "fostered"
    PARTNERS_CHILD = "partners_child"
    OTHER = "other"

    @property
    def label(self):
        return CHILD_RELATIONSHIP_LABELS[self]


CHILD_RELATIONSHIP_LABELS = {
    ChildRelationship.OWN: _l("The prisoner's own child"),
    ChildRelationship.STEP: _l("The prisoner's stepchild"),
    ChildRelationship.ADOPTED: _l("The prisoner's adopted child"),
    ChildRelationship.FOSTERED: _l("The prisoner's foster child"),
    ChildRelationship.PARTNERS_CHILD: _l(
        "The child of a partner the prisoner lived with before prison"
    ),
    ChildRelationship.OTHER: _l("Another relationship"),
}


class Applicant(enum.StrEnum):
    FAMILY = "family"
    SOCIAL_WORKER = "social_worker"
    CARER = "carer"

    @property
    def label(self):
        return APPLICANT_LABELS[self]


APPLICANT_LABELS = {
    Applicant.FAMILY: _l("Family member"),
    Applicant.SOCIAL_WORKER: _l("Social worker"),
    Applicant.CARER: _l("Foster carer or residential carer"),
}


class ApplicationStatus(enum.StrEnum):
    APPLIED = "applied"
    OFFERED = "offered"
    APPROVED = "approved"
    DECLINED = "declined"
    WAITING_LIST = "waiting_list"
    OFFER_EXPIRED = "offer_expired"
    WITHDRAWN = "withdrawn"
    ATTENDED = "attended"

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    ApplicationStatus.APPLIED: _l("Applied"),
    ApplicationStatus.OFFERED: _l("Place offered"),
    ApplicationStatus.APPROVED: _l("Place confirmed"),
    ApplicationStatus.DECLINED: _l("Not approved"),
    ApplicationStatus.WAITING_LIST: _l("On the waiting list"),
    ApplicationStatus.OFFER_EXPIRED: _l("Offer ran out"),
    ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
    ApplicationStatus.ATTENDED: _l("Attended"),
}

# Statuses whose application takes one of the day's places.
PLACE_TAKING = (ApplicationStatus.OFFERED, ApplicationStatus.APPROVED, ApplicationStatus.ATTENDED)

ALLOWED_TRANSITIONS = {
    None: {ApplicationStatus.APPLIED, ApplicationStatus.WAITING_LIST},
    ApplicationStatus.APPLIED: {
        ApplicationStatus.APPROVED,
        ApplicationStatus.WAITING_LIST,
        ApplicationStatus.DECLINED,
        ApplicationStatus.WITHDRAWN,
    },
    ApplicationStatus.WAITING_LIST: {
        ApplicationStatus.OFFERED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.DECLINED,
        ApplicationStatus.WITHDRAWN,
    },
    ApplicationStatus.OFFERED: {
        ApplicationStatus.APPROVED,
        ApplicationStatus.OFFER_EXPIRED,
        ApplicationStatus.DECLINED,
        ApplicationStatus.WITHDRAWN,
    },
    ApplicationStatus.APPROVED: {
        ApplicationStatus.ATTENDED,
        ApplicationStatus.DECLINED,
        ApplicationStatus.WITHDRAWN,
    },
}


class DeclineReason(enum.StrEnum):
    RELATIONSHIP = "relationship"
    AGE = "age"
    SAFEGUARDING = "safeguarding"
    INCENTIVE_LEVEL = "incentive_level"
    TOO_MANY_ADULTS = "too_many_adults"
    OTHER = "other"

    @property
    def label(self):
        return DECLINE_REASON_LABELS[self]

    @property
    def family_text(self):
        return DECLINE_REASON_FAMILY_TEXT[self]


DECLINE_REASON_LABELS = {
    DeclineReason.RELATIONSHIP: _l(
        "A child is not the prisoner's own, step, adopted or foster child"
    ),
    DeclineReason.AGE: _l("A child is outside the ages for this day"),
    DeclineReason.SAFEGUARDING: _l("Safeguarding: the prisoner may not have contact with children"),
    DeclineReason.INCENTIVE_LEVEL: _l("The prisoner's incentive level is below the one needed"),
    DeclineReason.TOO_MANY_ADULTS: _l("Too many adults for this day"),
    DeclineReason.OTHER: _l("Another reason"),
}

# Families are never told about restrictions: the safeguarding reason reads like "other".
DECLINE_REASON_FAMILY_TEXT = {
    DeclineReason.RELATIONSHIP: _l(
        "Family days are for the prisoner's own, step, adopted or foster children, or the "
        "children of a partner they lived with."
    ),
    DeclineReason.AGE: _l("A child is not in the age range for this family day."),
    DeclineReason.SAFEGUARDING: _l(
        "The prison could not approve this. Contact the prison to ask why."
    ),
    DeclineReason.INCENTIVE_LEVEL: _l(
        "This family day is only open to prisoners on a higher incentive level."
    ),
    DeclineReason.TOO_MANY_ADULTS: _l("Too many adults were named for this family day."),
    DeclineReason.OTHER: _l("The prison could not approve this. Contact the prison to ask why."),
}


class FamilyDay(db.Model):
    """A children and family day at one prison: an event families apply for."""

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(sa.ForeignKey("prison.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    date: Mapped[dt.date] = mapped_column(index=True)
    start_time: Mapped[time]
    end_time: Mapped[time]
    families: Mapped[int]
    adults_per_family: Mapped[int] = mapped_column(default=1)
    min_child_age: Mapped[int] = mapped_column(default=0)
    max_child_age: Mapped[int] = mapped_column(default=17)
    applications_open: Mapped[dt.date]
    applications_close: Mapped[dt.date]
    allocation: Mapped[AllocationMethod] = mapped_column(enum_column(AllocationMethod))
    includes: Mapped[str] = mapped_column(sa.String(1000), default="")
    # Off unless set: tying family days to incentives has been criticised as harming children.
    minimum_incentive_level: Mapped[IncentiveLevel | None] = mapped_column(
        enum_column(IncentiveLevel)
    )
    # A child whose last visit was longer ago than this has priority in the ballot.
    recent_visit_days: Mapped[int] = mapped_column(default=90)
    offer_hours: Mapped[int] = mapped_column(default=48)
    # Recorded when places are allocated, so anyone can rerun the ballot and get the same order.
    ballot_seed: Mapped[int | None] = mapped_column(sa.BigInteger)
    allocated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    prison: Mapped[Prison] = relationship()
    applications: Mapped[list["FamilyDayApplication"]] = relationship(
        back_populates="family_day", order_by="FamilyDayApplication.id"
    )

    def accepts_applications(self, today: dt.date) -> bool:
        return self.applications_open <= today <= self.applications_close and today < self.date


class FamilyDayApplication(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    family_day_id: Mapped[int] = mapped_column(sa.ForeignKey("family_day.id"), index=True)
    # The family's link to their application: 256 random bits.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus), index=True)
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)

    prisoner_first_name: Mapped[str] = mapped_column(sa.String(100))
    prisoner_last_name: Mapped[str] = mapped_column(sa.String(100))
    prisoner_number: Mapped[str] = mapped_column(sa.String(7), index=True)
    # Recorded by the visits team when the day has an incentive-level gate.
    incentive_level: Mapped[IncentiveLevel | None] = mapped_column(enum_column(IncentiveLevel))

    mobile: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(8), default="en")

    applicant: Mapped[Applicant] = mapped_column(enum_column(Applicant))
    applicant_name: Mapped[str] = mapped_column(sa.String(200), default="")
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    care_plan_reference: Mapped[str] = mapped_column(sa.String(60), default="")
    consent_recorded_at: Mapped[datetime | None]
    looked_after: Mapped[bool] = mapped_column(default=False)
    last_visit_on: Mapped[date | None]

    # Place in the allocation order (ballot or first come); the waiting list follows it.
    rank: Mapped[int | None]
    priority: Mapped[bool] = mapped_column(default=False)
    offer_expires_at: Mapped[datetime | None]
    decline_reason: Mapped[DeclineReason | None] = mapped_column(enum_column(DeclineReason))
    decline_details: Mapped[str] = mapped_column(sa.String(500), default="")
    # Set once its personal data has been removed (family_days/retention.py).
    anonymised_at: Mapped[datetime | None]

    family_day: Mapped[FamilyDay] = relationship(back_populates="applications")
    people: Mapped[list["FamilyDayPerson"]] = relationship(
        back_populates="application", order_by="FamilyDayPerson.id", cascade="all, delete-orphan"
    )
    events: Mapped[list["FamilyDayEvent"]] = relationship(
        back_populates="application",
        order_by="FamilyDayEvent.id",
        cascade="all, delete-orphan",
    )

    @property
    def children(self) -> list["FamilyDayPerson"]:
        return [p for p in self.people if p.is_child]

    @property
    def adults(self) -> list["FamilyDayPerson"]:
        return [p for p in self.people if not p.is_child]

    @property
    def on_behalf(self) -> bool:
        return self.applicant is not Applicant.FAMILY

    def takes_place(self) -> bool:
        return self.status in PLACE_TAKING

    def _move_to(self, new_status: ApplicationStatus, actor: str, note: str = "") -> None:
        if new_status not in ALLOWED_TRANSITIONS.get(self.status, ()):
            raise InvalidTransition(f"{self.status} -> {new_status}")
        self.events.append(
            FamilyDayEvent(from_status=self.status, to_status=new_status, actor=actor, note=note)
        )
        self.status = new_status

    def apply(self, actor: str) -> None:
        self._move_to(ApplicationStatus.APPLIED, actor)

    def approve(self, actor: str) -> None:
        self._move_to(ApplicationStatus.APPROVED, actor, note="approved")
        self.offer_expires_at = None

    def put_on_waiting_list(self, actor: str, rank: int) -> None:
        self._move_to(ApplicationStatus.WAITING_LIST, actor)
        self.rank = rank

    def offer(self, until: datetime, actor: str = "system") -> None:
        self._move_to(ApplicationStatus.OFFERED, actor)
        self.offer_expires_at = until

    def accept_offer(self) -> None:
        self._move_to(ApplicationStatus.APPROVED, "family", note="offer accepted")
        self.offer_expires_at = None

    def expire_offer(self) -> None:
        self._move_to(ApplicationStatus.OFFER_EXPIRED, "system")

    def decline(self, actor: str, reason: DeclineReason, details: str = "") -> None:
        self._move_to(ApplicationStatus.DECLINED, actor, note=reason.value)
        self.decline_reason = reason
        self.decline_details = details

    def withdraw(self, actor: str) -> None:
        self._move_to(ApplicationStatus.WITHDRAWN, actor)

    def mark_attended(self, actor: str) -> None:
        self._move_to(ApplicationStatus.ATTENDED, actor)


class FamilyDayPerson(db.Model):
    """A child or an accompanying adult named on an application."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("family_day_application.id"), index=True
    )
    is_child: Mapped[bool]
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    date_of_birth: Mapped[date]
    # Children only: how the child is related to the prisoner.
    relation: Mapped[ChildRelationship | None] = mapped_column(enum_column(ChildRelationship))

    application: Mapped[FamilyDayApplication] = relationship(back_populates="people")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class FamilyDayEvent(db.Model):
    """The audit trail of an application: one row per change, never edited."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("family_day_application.id"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    from_status: Mapped[ApplicationStatus | None] = mapped_column(enum_column(ApplicationStatus))
    to_status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus))
    actor: Mapped[str] = mapped_column(sa.String(40))
    note: Mapped[str] = mapped_column(sa.String(200), default="")

    application: Mapped[FamilyDayApplication] = relationship(back_populates="events")
