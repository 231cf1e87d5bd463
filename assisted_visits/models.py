"""Claims for help with the cost of prison visits, and their audit trail.

A claim is a draft while the family fills it in, so its evidence and bank details live in
the database (encrypted where they must be) and never in the session cookie.
"""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import db
from timeutil import utcnow
from visits.models import Prison, Visit, enum_column

NAME_MAX = 100


class ClaimStatus(enum.StrEnum):
    DRAFT = "draft"
    NEW = "new"
    PENDING_EVIDENCE = "pending_evidence"
    INFORMATION_REQUESTED = "info_requested"
    UPDATED = "updated"
    APPROVED = "approved"
    REJECTED = "rejected"
    CLOSED = "closed"

    @property
    def label(self):
        return CLAIM_STATUS_LABELS[self]


CLAIM_STATUS_LABELS = {
    ClaimStatus.DRAFT: _l("Not sent"),
    ClaimStatus.NEW: _l("Waiting to be checked"),
    ClaimStatus.PENDING_EVIDENCE: _l("Waiting for your evidence"),
    ClaimStatus.INFORMATION_REQUESTED: _l("We need more information"),
    ClaimStatus.UPDATED: _l("Waiting to be checked"),
    ClaimStatus.APPROVED: _l("Approved"),
    ClaimStatus.REJECTED: _l("Not approved"),
    ClaimStatus.CLOSED: _l("Closed"),
}

OPEN_STATUSES = (
    ClaimStatus.NEW,
    ClaimStatus.PENDING_EVIDENCE,
    ClaimStatus.INFORMATION_REQUESTED,
    ClaimStatus.UPDATED,
)
AWAITING_CASEWORKER = (ClaimStatus.NEW, ClaimStatus.UPDATED)
AWAITING_FAMILY = (ClaimStatus.PENDING_EVIDENCE, ClaimStatus.INFORMATION_REQUESTED)
# Claims that count towards the yearly and fortnightly limits.
COUNTED_STATUSES = (*OPEN_STATUSES, ClaimStatus.APPROVED)

ALLOWED_TRANSITIONS = {
    None: {ClaimStatus.DRAFT},
    ClaimStatus.DRAFT: {ClaimStatus.NEW, ClaimStatus.PENDING_EVIDENCE},
    ClaimStatus.NEW: {
        ClaimStatus.APPROVED,
        ClaimStatus.REJECTED,
        ClaimStatus.INFORMATION_REQUESTED,
    },
    ClaimStatus.PENDING_EVIDENCE: {
        ClaimStatus.UPDATED,
        ClaimStatus.INFORMATION_REQUESTED,
        ClaimStatus.REJECTED,
        ClaimStatus.CLOSED,
    },
    ClaimStatus.INFORMATION_REQUESTED: {
        ClaimStatus.UPDATED,
        ClaimStatus.REJECTED,
        ClaimStatus.CLOSED,
    },
    ClaimStatus.UPDATED: {
        ClaimStatus.APPROVED,
        ClaimStatus.REJECTED,
        ClaimStatus.INFORMATION_REQUESTED,
    },
}


class ClaimTiming(enum.StrEnum):
    PAST = "past"
    ADVANCE = "advance"


class ClaimRelationship(enum.StrEnum):
    SPOUSE = "spouse"
    PARTNER = "partner"
    PARENT = "parent"
    CHILD = "child"
    SIBLING = "sibling"
    GRANDPARENT = "grandparent"
    NEXT_OF_KIN = "next_of_kin"
    ESCORT = "escort"
    OTHER = "other"

    @property
    def label(self):
        return CLAIM_RELATIONSHIP_LABELS[self]


CLAIM_RELATIONSHIP_LABELS = {
    ClaimRelationship.SPOUSE: _l("Husband, wife or civil partner"),
    ClaimRelationship.PARTNER: _l("Partner I lived with before they went to prison"),
    ClaimRelationship.PARENT: _l("Parent, step-parent or adoptive parent"),
    ClaimRelationship.CHILD: _l("Son or daughter, including step and adopted"),
    ClaimRelationship.SIBLING: _l("Brother or sister, including half, step and adopted"),
    ClaimRelationship.GRANDPARENT: _l("Grandparent, including step and adoptive"),
    ClaimRelationship.NEXT_OF_KIN: _l("Their next of kin, as recorded by the prison"),
    ClaimRelationship.ESCORT: _l("I go with someone who can get help, to help them travel"),
    ClaimRelationship.OTHER: _l("Friend or another relationship"),
}


class Benefit(enum.StrEnum):
    UNIVERSAL_CREDIT = "universal_credit"
    PENSION_CREDIT = "pension_credit"
    INCOME_SUPPORT = "income_support"
    JOBSEEKERS_ALLOWANCE = "jsa"
    EMPLOYMENT_SUPPORT_ALLOWANCE = "esa"
    HC2 = "hc2"
    HC3 = "hc3"
    TAX_CREDITS = "tax_credits"
    NONE = "none"

    @property
    def label(self):
        return BENEFIT_LABELS[self]


BENEFIT_LABELS = {
    Benefit.UNIVERSAL_CREDIT: _l("Universal Credit"),
    Benefit.PENSION_CREDIT: _l("Pension Credit"),
    Benefit.INCOME_SUPPORT: _l("Income Support"),
    Benefit.JOBSEEKERS_ALLOWANCE: _l("Income-based Jobseeker's Allowance"),
    Benefit.EMPLOYMENT_SUPPORT_ALLOWANCE: _l("Income-related Employment and Support Allowance"),
    Benefit.HC2: _l("HC2 certificate (full help with health costs)"),
    Benefit.HC3: _l("HC3 certificate (partial help with health costs)"),
    Benefit.TAX_CREDITS: _l("Tax credits"),
    Benefit.NONE: _l("None of these"),
}


class ChildRelation(enum.StrEnum):
    PRISONERS_CHILD = "prisoners_child"
    CLAIMANTS_CHILD = "claimants_child"
    OTHER = "other"

    @property
    def label(self):
        return CHILD_RELATION_LABELS[self]


CHILD_RELATION_LABELS = {
    ChildRelation.PRISONERS_CHILD: _l("The prisoner's child"),
    ChildRelation.CLAIMANTS_CHILD: _l("My child, but not the prisoner's"),
    ChildRelation.OTHER: _l("Another child"),
}


class ExpenseType(enum.StrEnum):
    CAR = "car"
    CAR_HIRE = "car_hire"
    BUS = "bus"
    TRAIN = "train"
    COACH = "coach"
    FERRY = "ferry"
    TAXI = "taxi"
    REFRESHMENTS = "refreshments"
    ACCOMMODATION = "accommodation"

    @property
    def label(self):
        return EXPENSE_TYPE_LABELS[self]


EXPENSE_TYPE_LABELS = {
    ExpenseType.CAR: _l("Car or motorbike"),
    ExpenseType.CAR_HIRE: _l("Car hire"),
    ExpenseType.BUS: _l("Bus or tram"),
    ExpenseType.TRAIN: _l("Train or underground"),
    ExpenseType.COACH: _l("Coach"),
    ExpenseType.FERRY: _l("Ferry"),
    ExpenseType.TAXI: _l("Taxi"),
    ExpenseType.REFRESHMENTS: _l("Food and drink"),
    ExpenseType.ACCOMMODATION: _l("Somewhere to stay overnight"),
}


class EvidenceKind(enum.StrEnum):
    BENEFIT = "benefit"
    PROOF_OF_VISIT = "visit"
    RECEIPT = "receipt"
    MEDICAL = "medical"
    OTHER = "other"

    @property
    def label(self):
        return EVIDENCE_KIND_LABELS[self]


EVIDENCE_KIND_LABELS = {
    EvidenceKind.BENEFIT: _l("Benefit letter, or HC2 or HC3 certificate"),
    EvidenceKind.PROOF_OF_VISIT: _l("Proof of your visit"),
    EvidenceKind.RECEIPT: _l("Tickets or receipts"),
    EvidenceKind.MEDICAL: _l("Letter about your medical condition"),
    EvidenceKind.OTHER: _l("Something else"),
}


class RejectReason(enum.StrEnum):
    RELATIONSHIP = "relationship"
    INCOME = "income"
    NO_PROOF_OF_VISIT = "no_proof_of_visit"
    NO_EVIDENCE = "no_evidence"
    TOO_LATE = "too_late"
    LIMIT_REACHED = "limit_reached"
    DUPLICATE = "duplicate"
    OTHER = "other"

    @property
    def label(self):
        return REJECT_REASON_LABELS[self]


REJECT_REASON_LABELS = {
    RejectReason.RELATIONSHIP: _l("You are not a close relative, partner or only visitor"),
    RejectReason.INCOME: _l("You do not get a benefit or certificate that qualifies"),
    RejectReason.NO_PROOF_OF_VISIT: _l("We could not confirm that the visit took place"),
    RejectReason.NO_EVIDENCE: _l("We did not get the evidence we asked for"),
    RejectReason.TOO_LATE: _l("The claim was made more than 28 days after the visit"),
    RejectReason.LIMIT_REACHED: _l("You have reached the limit of visits we can pay for"),
    RejectReason.DUPLICATE: _l("We have already paid for this visit"),
    RejectReason.OTHER: _l("Another reason, explained below"),
}


class InvalidTransition(Exception):
    pass


class Claim(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(8), unique=True)
    status: Mapped[ClaimStatus] = mapped_column(enum_column(ClaimStatus), index=True)
    # Online, or completed with a family by visitor-centre staff (assisted digital).
    channel: Mapped[str] = mapped_column(sa.String(20), default="online")
    assisted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    # The language the family used, for the messages we send them about the claim.
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    repeat_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("claim.id"))

    prison_id: Mapped[int | None] = mapped_column(sa.ForeignKey("prison.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visit.id"), index=True)
    visit_date: Mapped[date | None] = mapped_column(index=True)
    timing: Mapped[ClaimTiming | None] = mapped_column(enum_column(ClaimTiming))
    prisoner_first_name: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    prisoner_last_name: Mapped[str] = mapped_column(sa.String(NAME_MAX), default="")
    prisoner_date_of_birth: Mapped[date | None]
    prisoner_number: Mapped[str] = mapped_column(sa.String(7), default="")

    # Fernet token of the bank details: never stored or logged in the clear.
    bank_details: Mapped[str | None] = mapped_column(sa.Text)
    evidence_to_follow: Mapped[bool] = mapped_column(default=False)
    total_claimed_pence: Mapped[int] = mapped_column(default=0)
    total_approved_pence: Mapped[int | None]
    reject_reason: Mapped[RejectReason | None] = mapped_column(enum_column(RejectReason))
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    declared_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminder_sent_at: Mapped[datetime | None]

    prison: Mapped[Prison | None] = relationship()
    visit: Mapped[Visit | None] = relationship()
    repeat_of: Mapped["Claim | None"] = relationship(remote_side=[id])
    assisted_by = relationship("StaffUser")
    claimant: Mapped["Claimant | None"] = relationship(
        back_populates="claim", cascade="all, delete-orphan", uselist=False
    )
    children: Mapped[list["ClaimChild"]] = relationship(
        back_populates="claim", order_by="ClaimChild.id", cascade="all, delete-orphan"
    )
    escort: Mapped["ClaimEscort | None"] = relationship(
        back_populates="claim", cascade="all, delete-orphan", uselist=False
    )
    expenses: Mapped[list["ClaimExpense"]] = relationship(
        back_populates="claim", order_by="ClaimExpense.id", cascade="all, delete-orphan"
    )
    evidence: Mapped[list["ClaimEvidence"]] = relationship(
        back_populates="claim", order_by="ClaimEvidence.id", cascade="all, delete-orphan"
    )
    events: Mapped[list["ClaimEvent"]] = relationship(
        back_populates="claim", order_by="ClaimEvent.id", cascade="all, delete-orphan"
    )

    @property
    def is_repeat(self) -> bool:
        return self.repeat_of_id is not None

    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def awaits_family(self) -> bool:
        return self.status in AWAITING_FAMILY

    def _move_to(self, new_status, actor: str, now: datetime, note: str = "", reason: str = ""):
        if new_status not in ALLOWED_TRANSITIONS.get(self.status, ()):
            raise InvalidTransition(f"{self.status} -> {new_status}")
        self.events.append(
            ClaimEvent(
                at=now,
                from_status=self.status,
                to_status=new_status,
                actor=actor,
                note=note,
                reason=reason,
            )
        )
        self.status = new_status

    def record(self, actor: str, note: str, now: datetime) -> None:
        """An audit row for something that changes the claim but not its status."""
        self.events.append(
            ClaimEvent(
                at=now, from_status=self.status, to_status=self.status, actor=actor, note=note
            )
        )

    def open_draft(self, actor: str, now: datetime) -> None:
        self._move_to(ClaimStatus.DRAFT, actor, now)
        self.last_activity_at = now

    def submit(self, actor: str, evidence_complete: bool, now: datetime) -> None:
        target = ClaimStatus.NEW if evidence_complete else ClaimStatus.PENDING_EVIDENCE
        self._move_to(target, actor, now)
        self.submitted_at = self.declared_at = self.last_activity_at = now

    def respond(self, actor: str, message: str, now: datetime) -> None:
        self._move_to(ClaimStatus.UPDATED, actor, now, note=message)
        self.last_activity_at, self.reminder_sent_at = now, None

    def request_information(self, actor: str, message: str, now: datetime) -> None:
        self._move_to(ClaimStatus.INFORMATION_REQUESTED, actor, now, note=message)
        self.last_activity_at, self.reminder_sent_at = now, None

    def approve(self, actor: str, total_pence: int, note: str, now: datetime) -> None:
        self._move_to(ClaimStatus.APPROVED, actor, now, note=note)
        self.total_approved_pence, self.decision_note = total_pence, note
        self.decided_at = self.last_activity_at = now

    def reject(self, actor: str, reason: RejectReason, note: str, now: datetime) -> None:
        self._move_to(ClaimStatus.REJECTED, actor, now, note=note, reason=reason.value)
        self.reject_reason, self.decision_note = reason, note
        self.total_approved_pence = 0
        self.decided_at = self.last_activity_at = now

    def remind(self, now: datetime) -> None:
        self.record("system", "reminder sent", now)
        self.reminder_sent_at = now

    def close_for_no_reply(self, now: datetime) -> None:
        self._move_to(ClaimStatus.CLOSED, "system", now, note="no reply after a reminder")
        self.decided_at = now


class Claimant(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claim.id"), unique=True)
    first_name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    last_name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    date_of_birth: Mapped[date]
    # Normalised (AB123456C); it links a person's claims for the one-open-claim and yearly limits.
    ni_number: Mapped[str] = mapped_column(sa.String(9), index=True)
    address_line_1: Mapped[str] = mapped_column(sa.String(200))
    address_line_2: Mapped[str] = mapped_column(sa.String(200), default="")
    town: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    postcode: Mapped[str] = mapped_column(sa.String(8))
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    relation: Mapped[ClaimRelationship | None] = mapped_column(enum_column(ClaimRelationship))
    # Nobody else has visited the prisoner in the last 4 weeks.
    sole_visitor: Mapped[bool] = mapped_column(default=False)
    benefit: Mapped[Benefit | None] = mapped_column(enum_column(Benefit))
    earnings_within_limit: Mapped[bool | None]
    medical_condition: Mapped[bool] = mapped_column(default=False)

    claim: Mapped[Claim] = relationship(back_populates="claimant")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class ClaimChild(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claim.id"), index=True)
    first_name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    last_name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    date_of_birth: Mapped[date]
    relation: Mapped[ChildRelation] = mapped_column(enum_column(ChildRelation))

    claim: Mapped[Claim] = relationship(back_populates="children")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class ClaimEscort(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claim.id"), unique=True)
    first_name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    last_name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    date_of_birth: Mapped[date]

    claim: Mapped[Claim] = relationship(back_populates="escort")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class ClaimExpense(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claim.id"), index=True)
    type: Mapped[ExpenseType] = mapped_column(enum_column(ExpenseType))
    # What the family told us, as plain JSON values; amounts are worked out from it.
    details: Mapped[dict] = mapped_column(sa.JSON)
    claimed_pence: Mapped[int] = mapped_column(default=0)
    approved_pence: Mapped[int | None]

    claim: Mapped[Claim] = relationship(back_populates="expenses")


class ClaimEvidence(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claim.id"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind))
    # A random name in the evidence folder: nothing a family typed reaches the file system.
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    original_name: Mapped[str] = mapped_column(sa.Text)
    content_type: Mapped[str] = mapped_column(sa.String(30))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by: Mapped[str] = mapped_column(sa.String(40))

    claim: Mapped[Claim] = relationship(back_populates="evidence")


class ClaimEvent(db.Model):
    """The audit trail of a claim: one row per change or staff action, never edited."""

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claim.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    from_status: Mapped[ClaimStatus | None] = mapped_column(enum_column(ClaimStatus))
    to_status: Mapped[ClaimStatus] = mapped_column(enum_column(ClaimStatus))
    actor: Mapped[str] = mapped_column(sa.String(40))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    reason: Mapped[str] = mapped_column(sa.String(40), default="")

    claim: Mapped[Claim] = relationship(back_populates="events")
