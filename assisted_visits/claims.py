"""Claims for help with the cost of prison visits: drafting, sending, and the caseworker's side.

Every function runs inside the caller's transaction and never commits. Each change of
status goes through a transition method on Claim, which writes the audit row. Functions
that change an open claim lock its row first, so a family replying and the job closing
idle claims cannot overwrite each other.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from app import db
from assisted_visits import eligibility, expenses, notifications
from assisted_visits.banking import BankDetails, BankDetailsCipher
from assisted_visits.evidence import MAX_FILES_PER_CLAIM, check_upload, sha256_of, store
from assisted_visits.models import (
    ALLOWED_TRANSITIONS,
    AWAITING_CASEWORKER,
    AWAITING_FAMILY,
    COUNTED_STATUSES,
    Benefit,
    ChildRelation,
    Claim,
    Claimant,
    ClaimChild,
    ClaimEscort,
    ClaimEvidence,
    ClaimExpense,
    ClaimRelationship,
    ClaimStatus,
    ClaimTiming,
    EvidenceKind,
    ExpenseType,
    RejectReason,
)
from assisted_visits.rates import Rates, rates_for
from centres import checkin
from staff import audit
from timeutil import LONDON, age_on
from visits import rules
from visits.booking import PrisonerDetails
from visits.messages import MessageKind
from visits.models import Prison, Relationship, Visit, Visitor, VisitSession, VisitStatus

MAX_CHILDREN = 10
MAX_EXPENSES = 20
MESSAGE_MAX = 2000
NORTHERN_IRELAND_POSTCODE_AREA = "BT"


class ClaimError(Exception):
    """Rules stopped the change; the messages are for the family or the caseworker."""

    def __init__(self, *messages, fields=()):
        super().__init__(*messages)
        self.messages = list(messages)
        self.message = messages[0]
        # The form field each message belongs to, where a page has one to point at.
        self.fields = list(fields) or [None] * len(messages)


class LocalDate:
    """A date that is written out in the language of the page showing the message."""

    def __init__(self, value: date):
        self.value = value

    def __str__(self):
        return format_date(self.value, "d MMMM yyyy")


@dataclass(frozen=True)
class ClaimantDetails:
    first_name: str
    last_name: str
    date_of_birth: date
    ni_number: str
    address_line_1: str
    address_line_2: str
    town: str
    postcode: str
    phone: str
    email: str


@dataclass(frozen=True)
class PersonDetails:
    first_name: str
    last_name: str
    date_of_birth: date


@dataclass(frozen=True)
class RuleCheck:
    """One rule as a caseworker sees it: what was checked, whether it passed, and why not."""

    name: str
    passed: bool
    detail: object = None


def rates_of(claim: Claim) -> Rates:
    return rates_for(claim.prison.nation, claim.visit_date)


def now_in_london() -> datetime:
    return datetime.now(LONDON).replace(tzinfo=None)


# Timing and proof of visit.


def timing_of(visit_date: date, today: date, rates: Rates) -> ClaimTiming:
    """A claim after a visit, or in advance of one; ClaimError when it is neither."""
    days_ahead = (visit_date - today).days
    if days_ahead <= 0:
        if -days_ahead > rates.claim_past_visit_within_days:
            raise ClaimError(
                _l(
                    "You must claim within %(days)s days of your visit. This visit was more "
                    "than %(days)s days ago.",
                    days=rates.claim_past_visit_within_days,
                )
            )
        return ClaimTiming.PAST
    if days_ahead <= rates.advance_claim_after_days:
        return_date = LocalDate(visit_date)
        raise ClaimError(
            _l(
                "Your visit is too soon to claim in advance. Claim after your visit on "
                "%(date)s, within %(days)s days of it.",
                date=return_date,
                days=rates.claim_past_visit_within_days,
            )
        )
    if days_ahead > rates.advance_claim_up_to_days:
        opens = LocalDate(visit_date - timedelta(days=rates.advance_claim_up_to_days))
        raise ClaimError(
            _l(
                "You can claim in advance up to %(days)s days before your visit. Come back "
                "on or after %(date)s.",
                days=rates.advance_claim_up_to_days,
                date=opens,
            )
        )
    return ClaimTiming.ADVANCE


def proof_of_visit(visit: Visit | None) -> bool:
    """A booking through this service proves the visit once the family was admitted to it
    at the visitor centre."""
    return (
        visit is not None and visit.status is VisitStatus.BOOKED and checkin.was_admitted(visit.id)
    )


def checked_in_visit(claim: Claim) -> Visit | None:
    """The claimant's booking for this prisoner on the claim's date, if they were admitted."""
    claimant = claim.claimant
    if claimant is None or claim.prison_id is None or not claim.prisoner_number:
        return None
    candidates = db.session.scalars(
        sa.select(Visit)
        .join(VisitSession, Visit.session_id == VisitSession.id)
        .join(Visitor, Visitor.visit_id == Visit.id)
        .where(
            Visit.prison_id == claim.prison_id,
            VisitSession.date == claim.visit_date,
            Visit.prisoner_number == claim.prisoner_number,
            Visit.status == VisitStatus.BOOKED,
            Visitor.date_of_birth == claimant.date_of_birth,
            sa.func.lower(Visitor.last_name) == claimant.last_name.lower(),
        )
        .order_by(Visit.id)
    ).all()
    return next((visit for visit in candidates if proof_of_visit(visit)), None)


def attach_checked_in_visit(claim: Claim) -> None:
    # A claim started without its booking still gets the check-in as its proof of visit.
    if claim.visit is None and (visit := checked_in_visit(claim)) is not None:
        claim.visit = visit


# Drafting a claim.


def _new_reference() -> str:
    while True:
        reference = "".join(
            secrets.choice(rules.REFERENCE_ALPHABET) for _ in range(rules.REFERENCE_LENGTH)
        )
        if db.session.scalar(sa.select(Claim.id).where(Claim.reference == reference)) is None:
            return reference


def start_claim(
    now: datetime,
    visit: Visit | None = None,
    actor: str = "family",
    channel: str = "online",
    language: str = "en",
) -> Claim:
    """A new draft; with a booking, its prison, date, prisoner and children are filled in."""
    claim = Claim(reference=_new_reference(), channel=channel, language=language)
    claim.open_draft(actor, now)
    if visit is not None and visit.is_active():
        claim.visit = visit
        claim.prison = visit.prison
        claim.visit_date = visit.session.date
        claim.prisoner_first_name = visit.prisoner_first_name
        claim.prisoner_last_name = visit.prisoner_last_name
        claim.prisoner_date_of_birth = visit.prisoner_date_of_birth
        claim.prisoner_number = visit.prisoner_number
        for visitor in visit.visitors[1:]:
            if age_on(visitor.date_of_birth, visit.session.date) < rates_of(claim).child_age_limit:
                relation = (
                    ChildRelation.PRISONERS_CHILD
                    if visitor.relation is Relationship.CHILD
                    else ChildRelation.OTHER
                )
                claim.children.append(
                    ClaimChild(
                        first_name=visitor.first_name,
                        last_name=visitor.last_name,
                        date_of_birth=visitor.date_of_birth,
                        relation=relation,
                    )
                )
    db.session.add(claim)
    db.session.flush()
    return claim


ASSISTED = "assisted"


def start_assisted_claim(staff, prison: Prison, now: datetime, visit: Visit | None, language: str):
    """Visitor-centre staff start a claim to fill in with a family (assisted digital).

    The claim says so, and who helped, for as long as it is kept.
    """
    if visit is not None and visit.prison_id != prison.id:
        visit = None
    claim = start_claim(now, visit, actor=f"staff:{staff.id}", channel=ASSISTED, language=language)
    claim.assisted_by_id = staff.id
    if claim.prison is None:
        claim.prison = prison
    audit.record(staff, "started a claim with a family", "claim", claim.id, prison.id)
    return claim


def start_repeat_claim(
    previous: Claim,
    now: datetime,
    actor: str = "family",
    channel: str = "online",
    language: str | None = None,
) -> Claim:
    """A new draft filled in from an earlier claim: everything but the visit and its costs."""
    claim = Claim(
        reference=_new_reference(),
        channel=channel,
        repeat_of=previous,
        language=language or previous.language,
    )
    claim.open_draft(actor, now)
    claim.prison = previous.prison
    for name in (
        "prisoner_first_name",
        "prisoner_last_name",
        "prisoner_date_of_birth",
        "prisoner_number",
        "bank_details",
    ):
        setattr(claim, name, getattr(previous, name))
    if (before := previous.claimant) is not None:
        claim.claimant = Claimant(
            **{
                column: getattr(before, column)
                for column in (
                    "first_name",
                    "last_name",
                    "date_of_birth",
                    "ni_number",
                    "address_line_1",
                    "address_line_2",
                    "town",
                    "postcode",
                    "phone",
                    "email",
                    "relation",
                    "sole_visitor",
                    "benefit",
                    "earnings_within_limit",
                    "medical_condition",
                )
            }
        )
    claim.children = [
        ClaimChild(
            first_name=c.first_name,
            last_name=c.last_name,
            date_of_birth=c.date_of_birth,
            relation=c.relation,
        )
        for c in previous.children
    ]
    if previous.escort is not None:
        claim.escort = ClaimEscort(
            first_name=previous.escort.first_name,
            last_name=previous.escort.last_name,
            date_of_birth=previous.escort.date_of_birth,
        )
    db.session.add(claim)
    db.session.flush()
    return claim


def _require_draft(claim: Claim) -> None:
    if claim.status is not ClaimStatus.DRAFT:
        raise ClaimError(_l("This claim has been sent, so it can no longer be changed."))


def set_visit(claim: Claim, prison: Prison, visit_date: date, today: date) -> None:
    _require_draft(claim)
    timing = timing_of(visit_date, today, rates_for(prison.nation, visit_date))
    if claim.visit is not None and (
        claim.visit.prison_id != prison.id or claim.visit.session.date != visit_date
    ):
        claim.visit = None  # no longer the booked visit, so the booking is not its proof
    claim.prison, claim.visit_date, claim.timing = prison, visit_date, timing
    attach_checked_in_visit(claim)
    recalculate(claim)


def set_prisoner(claim: Claim, prisoner: PrisonerDetails) -> None:
    _require_draft(claim)
    claim.prisoner_first_name = prisoner.first_name
    claim.prisoner_last_name = prisoner.last_name
    claim.prisoner_date_of_birth = prisoner.date_of_birth
    claim.prisoner_number = prisoner.prison_number
    attach_checked_in_visit(claim)


def lives_in_northern_ireland(postcode: str) -> bool:
    return postcode.upper().startswith(NORTHERN_IRELAND_POSTCODE_AREA)


def claimant_problems(claim: Claim, details: ClaimantDetails) -> list[tuple[str, object]]:
    """(field, reason) for each rule the claimant does not meet."""
    problems = []
    rates = rates_of(claim)
    if problem := eligibility.age_problem(age_on(details.date_of_birth, claim.visit_date), rates):
        problems.append(("date_of_birth", problem))
    if problem := eligibility.residence_problem(lives_in_northern_ireland(details.postcode)):
        problems.append(("postcode", problem))
    return problems


def set_claimant(claim: Claim, details: ClaimantDetails) -> None:
    _require_draft(claim)
    if problems := claimant_problems(claim, details):
        raise ClaimError(*(p for _, p in problems), fields=[f for f, _ in problems])
    if claim.claimant is None:
        claim.claimant = Claimant(**vars(details))
    else:
        for name, value in vars(details).items():
            setattr(claim.claimant, name, value)
    attach_checked_in_visit(claim)
    recalculate(claim)


def set_relationship(
    claim: Claim, relationship: ClaimRelationship, sole_visitor: bool | None
) -> None:
    _require_draft(claim)
    asked_next = relationship is ClaimRelationship.OTHER and sole_visitor is None
    if not asked_next and (problem := eligibility.relationship_problem(relationship, sole_visitor)):
        raise ClaimError(problem)
    claim.claimant.relation = relationship
    claim.claimant.sole_visitor = bool(sole_visitor) and relationship is ClaimRelationship.OTHER
    recalculate(claim)


def set_benefit(claim: Claim, benefit: Benefit, earnings_within_limit: bool | None) -> None:
    _require_draft(claim)
    if problem := eligibility.income_problem(benefit, earnings_within_limit, rates_of(claim)):
        raise ClaimError(problem)
    claim.claimant.benefit = benefit
    claim.claimant.earnings_within_limit = (
        earnings_within_limit if benefit is Benefit.UNIVERSAL_CREDIT else None
    )


def child_problem(claim: Claim, child) -> object:
    relationship = claim.claimant.relation if claim.claimant else None
    return expenses.child_problem(
        age_on(child.date_of_birth, claim.visit_date), child.relation, relationship, rates_of(claim)
    )


def add_child(claim: Claim, child: PersonDetails, relation: ChildRelation) -> ClaimChild:
    _require_draft(claim)
    if len(claim.children) >= MAX_CHILDREN:
        raise ClaimError(_l("You can add up to %(count)s children.", count=MAX_CHILDREN))
    row = ClaimChild(**vars(child), relation=relation)
    if problem := child_problem(claim, row):
        too_old = age_on(child.date_of_birth, claim.visit_date) >= rates_of(claim).child_age_limit
        raise ClaimError(problem, fields=["date_of_birth" if too_old else "relation"])
    claim.children.append(row)
    recalculate(claim)
    return row


def remove_child(claim: Claim, child_id: int) -> None:
    _require_draft(claim)
    claim.children = [c for c in claim.children if c.id != child_id]
    recalculate(claim)


def escort_problem(claim: Claim) -> object:
    claimant = claim.claimant
    age = age_on(claimant.date_of_birth, claim.visit_date)
    return expenses.escort_problem(age, claimant.medical_condition, rates_of(claim))


def set_escort(claim: Claim, escort: PersonDetails | None, medical_condition: bool) -> None:
    _require_draft(claim)
    claim.claimant.medical_condition = medical_condition
    if escort is None:
        claim.escort = None
    else:
        if problem := escort_problem(claim):
            raise ClaimError(problem)
        if claim.escort is None:
            claim.escort = ClaimEscort(**vars(escort))
        else:
            for name, value in vars(escort).items():
                setattr(claim.escort, name, value)
    recalculate(claim)


def people_paid_for(claim: Claim) -> int:
    eligible_children = [c for c in claim.children if child_problem(claim, c) is None]
    return 1 + len(eligible_children) + (1 if claim.escort is not None else 0)


def recalculate(claim: Claim) -> None:
    """Work every amount out again from what the family told us and the rates for the visit."""
    if claim.prison is None or claim.visit_date is None or claim.timing is None:
        return
    rates, people = rates_of(claim), people_paid_for(claim)
    for expense in claim.expenses:
        expense.claimed_pence = expenses.amount_pence(
            expense.type, expense.details, people, claim.timing, rates
        )
    claim.total_claimed_pence = expenses.total_pence(e.claimed_pence for e in claim.expenses)


def add_expense(claim: Claim, expense_type: ExpenseType, details: dict) -> ClaimExpense:
    _require_draft(claim)
    if len(claim.expenses) >= MAX_EXPENSES:
        raise ClaimError(_l("You can add up to %(count)s costs.", count=MAX_EXPENSES))
    if problem := expenses.expense_problem(expense_type, details, claim.timing, rates_of(claim)):
        raise ClaimError(problem)
    expense = ClaimExpense(type=expense_type, details=details)
    claim.expenses.append(expense)
    recalculate(claim)
    return expense


def remove_expense(claim: Claim, expense_id: int) -> None:
    _require_draft(claim)
    claim.expenses = [e for e in claim.expenses if e.id != expense_id]
    recalculate(claim)


def set_bank_details(claim: Claim, details: BankDetails, cipher: BankDetailsCipher) -> None:
    _require_draft(claim)
    claim.bank_details = cipher.encrypt(details)


def bank_details_of(claim: Claim, cipher: BankDetailsCipher) -> BankDetails | None:
    """For showing masked to the family; staff who need them in full use reveal_bank_details."""
    return cipher.decrypt(claim.bank_details) if claim.bank_details else None


def reveal_bank_details(
    claim: Claim, cipher: BankDetailsCipher, actor: str, now: datetime
) -> BankDetails:
    claim.record(actor, "bank details viewed", now)
    return cipher.decrypt(claim.bank_details)


def set_evidence_to_follow(claim: Claim, to_follow: bool) -> None:
    _require_draft(claim)
    claim.evidence_to_follow = to_follow


# Evidence.


def add_evidence(
    claim: Claim,
    kind: EvidenceKind,
    original_name: str,
    data: bytes,
    folder,
    actor: str,
    now: datetime,
) -> ClaimEvidence:
    """Check and keep an uploaded file; EvidenceProblem says what is wrong with it."""
    if claim.status is not ClaimStatus.DRAFT and not claim.awaits_family():
        raise ClaimError(_l("You cannot add evidence to this claim now."))
    if len(claim.evidence) >= MAX_FILES_PER_CLAIM:
        raise ClaimError(
            _l("You can upload up to %(count)s files for a claim.", count=MAX_FILES_PER_CLAIM)
        )
    content_type = check_upload(data)
    evidence = ClaimEvidence(
        kind=kind,
        stored_name=store(folder, data),
        original_name=original_name or "",
        content_type=content_type,
        size=len(data),
        sha256=sha256_of(data),
        uploaded_at=now,
        uploaded_by=actor,
    )
    claim.evidence.append(evidence)
    if claim.status is not ClaimStatus.DRAFT:
        claim.record(actor, f"evidence added: {kind.value}", now)
        claim.last_activity_at, claim.reminder_sent_at = now, None
    return evidence


def remove_evidence(claim: Claim, evidence_id: int) -> str | None:
    """Drop a file from a draft; returns its stored name, to delete once the change commits."""
    _require_draft(claim)
    for evidence in claim.evidence:
        if evidence.id == evidence_id:
            claim.evidence.remove(evidence)
            return evidence.stored_name
    return None


def needs_benefit_evidence(claim: Claim) -> bool:
    before = claim.repeat_of
    return not (
        before is not None
        and before.status is ClaimStatus.APPROVED
        and before.claimant is not None
        and claim.claimant is not None
        and before.claimant.benefit == claim.claimant.benefit
    )


def required_evidence(claim: Claim, now_local: datetime) -> list[EvidenceKind]:
    """What evidence this claim needs, whether or not it has been sent yet."""
    needed = []
    if needs_benefit_evidence(claim):
        needed.append(EvidenceKind.BENEFIT)
    if claim.timing is ClaimTiming.PAST:
        if not proof_of_visit(claim.visit):
            needed.append(EvidenceKind.PROOF_OF_VISIT)
        if any(e.type in expenses.NEEDS_RECEIPTS for e in claim.expenses):
            needed.append(EvidenceKind.RECEIPT)
    if claim.escort is not None and claim.claimant.medical_condition:
        age = age_on(claim.claimant.date_of_birth, claim.visit_date)
        if age < rates_of(claim).escort_claimant_age:
            needed.append(EvidenceKind.MEDICAL)
    return needed


def missing_evidence(claim: Claim, now_local: datetime) -> list[EvidenceKind]:
    sent = {e.kind for e in claim.evidence}
    return [kind for kind in required_evidence(claim, now_local) if kind not in sent]


# Limits across a person's claims.


def _serialise_claimant(ni_number: str) -> None:
    """Make a person's claims queue behind each other, so two at once cannot both pass."""
    # On SQLite every write transaction already began with BEGIN IMMEDIATE.
    if db.session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(ni_number.encode()).digest()[:8], "big", signed=True)
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _counted_claims_of(claim: Claim) -> list[Claim]:
    return db.session.scalars(
        sa.select(Claim)
        .join(Claimant)
        .where(
            Claimant.ni_number == claim.claimant.ni_number,
            Claim.status.in_(COUNTED_STATUSES),
            Claim.id != claim.id,
        )
        .order_by(Claim.visit_date)
    ).all()


def limit_problems(claim: Claim) -> list:
    rates, problems = rates_of(claim), []
    others = _counted_claims_of(claim)
    if open_claim := next((c for c in others if c.is_open()), None):
        problems.append(
            _l(
                "You already have a claim being checked (reference %(reference)s). You can "
                "claim again once we have decided it.",
                reference=rules.format_reference(open_claim.reference),
            )
        )
    same_visit = [
        c
        for c in others
        if c.visit_date == claim.visit_date or (claim.visit_id and c.visit_id == claim.visit_id)
    ]
    if same_visit:
        problems.append(
            _l(
                "You have already claimed for a visit on %(date)s.",
                date=LocalDate(claim.visit_date),
            )
        )
    year_start = claim.visit_date - timedelta(days=365)
    in_year = [c for c in others if year_start < c.visit_date <= claim.visit_date]
    if len(in_year) >= rates.claimed_visits_per_year:
        problems.append(
            _l(
                "We can pay for up to %(count)s visits in 12 months, and you have claimed for "
                "that many already.",
                count=rates.claimed_visits_per_year,
            )
        )
    gap = rates.days_between_claimed_visits
    near = [c for c in others if 0 < abs((c.visit_date - claim.visit_date).days) < gap]
    if near:
        problems.append(
            _l(
                "We can pay for one visit every %(days)s days. You have claimed for a visit on "
                "%(date)s.",
                days=gap,
                date=LocalDate(near[0].visit_date),
            )
        )
    return problems


# Sending a claim.


def incomplete_parts(claim: Claim) -> list:
    missing = []
    if claim.visit_date is None:
        missing.append(_l("Tell us about your visit"))
    if not claim.prisoner_number:
        missing.append(_l("Tell us who you visited"))
    if claim.claimant is None:
        missing.append(_l("Tell us about yourself"))
    elif claim.claimant.relation is None:
        missing.append(_l("Tell us your relationship to the prisoner"))
    elif claim.claimant.benefit is None:
        missing.append(_l("Tell us which benefit you get"))
    elif (
        claim.claimant.benefit is Benefit.UNIVERSAL_CREDIT
        and claim.claimant.earnings_within_limit is None
    ):
        missing.append(_l("Tell us about your household's earnings"))
    if not claim.expenses:
        missing.append(_l("Add at least one cost"))
    if not claim.bank_details:
        missing.append(_l("Tell us where to pay the money"))
    return missing


def submission_problems(claim: Claim, today: date, now_local: datetime) -> list:
    """Everything that stops this draft being sent, in the order of the claim's pages."""
    if incomplete := incomplete_parts(claim):
        return incomplete
    problems = []
    try:
        timing = timing_of(claim.visit_date, today, rates_of(claim))
        if timing is not claim.timing:
            problems.append(_l("Check the date of your visit again."))
    except ClaimError as error:
        problems += error.messages
    claimant = claim.claimant
    details = ClaimantDetails(**{f: getattr(claimant, f) for f in ClaimantDetails.__annotations__})
    problems += [problem for _, problem in claimant_problems(claim, details)]
    rates = rates_of(claim)
    checks = [
        eligibility.relationship_problem(claimant.relation, claimant.sole_visitor),
        eligibility.income_problem(claimant.benefit, claimant.earnings_within_limit, rates),
        escort_problem(claim) if claim.escort is not None else None,
        *(child_problem(claim, c) for c in claim.children),
        *(expenses.expense_problem(e.type, e.details, claim.timing, rates) for e in claim.expenses),
    ]
    problems += [p for p in checks if p is not None]
    problems += limit_problems(claim)
    if missing_evidence(claim, now_local) and not claim.evidence_to_follow:
        problems.append(_l("Add the evidence we need, or tell us you will send it later."))
    return problems


def submit(claim: Claim, declared: bool, today: date, now: datetime, now_local: datetime) -> None:
    """Send the draft to be checked: every rule and limit is checked again first."""
    _require_draft(claim)
    if not declared:
        raise ClaimError(_l("Confirm that the information you have given is true"))
    if claim.claimant is not None:
        _serialise_claimant(claim.claimant.ni_number)
    recalculate(claim)
    if problems := submission_problems(claim, today, now_local):
        raise ClaimError(*problems)
    claim.submit("family", evidence_complete=not missing_evidence(claim, now_local), now=now)


# The family's side after sending.


def find_claim(reference: str, claimant_date_of_birth: date) -> Claim | None:
    return db.session.scalar(
        sa.select(Claim)
        .join(Claimant)
        .where(
            Claim.reference == rules.normalise_reference(reference),
            Claimant.date_of_birth == claimant_date_of_birth,
            Claim.status != ClaimStatus.DRAFT,
        )
    )


def _lock(claim: Claim) -> Claim:
    return db.session.execute(
        sa.select(Claim)
        .where(Claim.id == claim.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _check_message(message: str) -> str:
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise ClaimError(_l("Keep this to %(count)s characters or fewer", count=f"{MESSAGE_MAX:,}"))
    return message


def latest_request(claim: Claim) -> str:
    """What the caseworker last asked the family, if anything."""
    for event in reversed(claim.events):
        if (
            event.to_status is ClaimStatus.INFORMATION_REQUESTED
            and event.from_status != event.to_status
        ):
            return event.note
    return ""


def respond(claim: Claim, message: str, now: datetime, now_local: datetime, actor="family"):
    """The family answers a request for information, or sends the evidence still missing."""
    _lock(claim)
    if not claim.awaits_family():
        raise ClaimError(_l("We are not waiting for anything from you on this claim."))
    message = _check_message(message)
    if not message:
        if claim.status is ClaimStatus.INFORMATION_REQUESTED:
            asked_at = max(e.at for e in claim.events if e.to_status is claim.status)
            if not any(e.uploaded_at >= asked_at for e in claim.evidence):
                raise ClaimError(_l("Answer our question, or add the evidence we asked for"))
        elif missing_evidence(claim, now_local):
            raise ClaimError(_l("Add the evidence we need, or tell us why you cannot"))
    claim.respond(actor, message, now)


def can_view_evidence(claim: Claim, family_claim_ids, staff_prison_ids) -> bool:
    """Evidence is for the family whose claim it is and for caseworkers of that prison only."""
    if claim.id in set(family_claim_ids or ()):
        return True
    return claim.status is not ClaimStatus.DRAFT and claim.prison_id in set(staff_prison_ids or ())


# The caseworker's side.


def claims_queue(prison_ids, statuses=AWAITING_CASEWORKER) -> list[Claim]:
    """Sent claims for these prisons, the longest waiting first."""
    if not prison_ids:
        return []
    return db.session.scalars(
        sa.select(Claim)
        .where(Claim.prison_id.in_(list(prison_ids)), Claim.status.in_(list(statuses)))
        .order_by(Claim.last_activity_at, Claim.id)
    ).all()


def claim_for_staff(reference: str, prison_ids) -> Claim | None:
    if not prison_ids:
        return None
    return db.session.scalar(
        sa.select(Claim).where(
            Claim.reference == rules.normalise_reference(reference),
            Claim.prison_id.in_(list(prison_ids)),
            Claim.status != ClaimStatus.DRAFT,
        )
    )


def approve(
    claim: Claim,
    actor: str,
    now: datetime,
    now_local: datetime,
    amounts: dict[int, int] | None = None,
    reason: str = "",
) -> None:
    """Approve, paying each expense as claimed unless amounts (by expense id) say otherwise.

    The reason is required when any amount changes; it is shown to the family.
    """
    _lock(claim)
    if claim.status not in AWAITING_CASEWORKER:
        raise ClaimError(_l("Only a claim waiting to be checked can be approved."))
    if missing := missing_evidence(claim, now_local):
        raise ClaimError(
            _l(
                "Evidence is missing: %(kinds)s. Ask the family for it first.",
                kinds=", ".join(kind.value for kind in missing),
            )
        )
    amounts = dict(amounts or {})
    by_id = {e.id: e for e in claim.expenses}
    if unknown := set(amounts) - set(by_id):
        raise ClaimError(f"Unknown expenses: {sorted(unknown)}")
    if any(not isinstance(a, int) or isinstance(a, bool) or a < 0 for a in amounts.values()):
        raise ClaimError(_l("Amounts must be whole pence, 0 or more."))
    reason = _check_message(reason)
    changed = any(amounts.get(i, e.claimed_pence) != e.claimed_pence for i, e in by_id.items())
    if changed and not reason:
        raise ClaimError(_l("Give a reason for changing the amounts."), fields=["reason"])
    for expense_id, expense in by_id.items():
        expense.approved_pence = amounts.get(expense_id, expense.claimed_pence)
    total = expenses.total_pence(e.approved_pence for e in claim.expenses)
    claim.approve(actor, total, reason, now)
    notifications.tell_family(claim, MessageKind.CLAIM_APPROVED, now)


def reject(claim: Claim, actor: str, reason: RejectReason, note: str, now: datetime) -> None:
    _lock(claim)
    note = _check_message(note)
    if reason is RejectReason.OTHER and not note:
        raise ClaimError(_l("Explain the reason for not approving the claim."), fields=["note"])
    if ClaimStatus.REJECTED not in _allowed_from(claim):
        raise ClaimError(_l("This claim has already been decided."))
    claim.reject(actor, reason, note, now)
    notifications.tell_family(claim, MessageKind.CLAIM_REJECTED, now)


def request_information(claim: Claim, actor: str, message: str, now: datetime) -> None:
    _lock(claim)
    message = _check_message(message)
    if not message:
        raise ClaimError(_l("Say what information you need from the family."), fields=["message"])
    if ClaimStatus.INFORMATION_REQUESTED not in _allowed_from(claim):
        raise ClaimError(_l("You cannot ask for information on this claim now."))
    claim.request_information(actor, message, now)
    notifications.tell_family(claim, MessageKind.CLAIM_INFO_REQUESTED, now)


def _allowed_from(claim: Claim):
    return ALLOWED_TRANSITIONS.get(claim.status, set())


def _idle_since(claim: Claim) -> datetime:
    # An advance claim cannot be finished before the visit, so its clock starts then.
    visit_day = datetime.combine(claim.visit_date, datetime.min.time())
    return max(claim.last_activity_at, visit_day)


def _awaiting_family_locked() -> list[Claim]:
    return db.session.scalars(
        sa.select(Claim)
        .where(Claim.status.in_(list(AWAITING_FAMILY)))
        .order_by(Claim.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()


def remind_idle(now: datetime) -> list[Claim]:
    """Remind the family of each claim waiting on them with nothing happening for the
    reminder period: an audit row and a message in the outbox each."""
    reminded = []
    for claim in _awaiting_family_locked():
        rates = rates_of(claim)
        if claim.reminder_sent_at is None and _idle_since(claim) <= now - timedelta(
            days=rates.idle_reminder_days
        ):
            claim.remind(now)
            closes_on = (now + timedelta(days=rates.close_after_reminder_days)).date()
            notifications.tell_family(claim, MessageKind.CLAIM_REMINDER, now, closes_on)
            reminded.append(claim)
    return reminded


def close_idle(now: datetime) -> list[Claim]:
    closed = []
    for claim in _awaiting_family_locked():
        days = rates_of(claim).close_after_reminder_days
        if claim.reminder_sent_at is not None and claim.reminder_sent_at <= now - timedelta(
            days=days
        ):
            claim.close_for_no_reply(now)
            notifications.tell_family(claim, MessageKind.CLAIM_CLOSED, now)
            closed.append(claim)
    return closed


def discard_stale_drafts(now: datetime, kept_days: int) -> list[str]:
    """Delete drafts nobody has touched for kept_days; returns evidence files to delete after."""
    stale = db.session.scalars(
        sa.select(Claim).where(
            Claim.status == ClaimStatus.DRAFT,
            Claim.last_activity_at <= now - timedelta(days=kept_days),
        )
    ).all()
    files = [e.stored_name for claim in stale for e in claim.evidence]
    repeats = sa.update(Claim).where(Claim.repeat_of_id.in_([c.id for c in stale]))
    db.session.execute(repeats.values(repeat_of_id=None))
    for claim in stale:
        db.session.delete(claim)
    return files


def rule_checks(claim: Claim, now_local: datetime) -> list[RuleCheck]:
    """Each rule as it applies to a sent claim, for the caseworker's page."""
    rates, claimant = rates_of(claim), claim.claimant
    sent_on = (claim.submitted_at or now_local).date()
    checks = [
        RuleCheck(
            "relationship",
            *_passes(eligibility.relationship_problem(claimant.relation, claimant.sole_visitor)),
        ),
        RuleCheck(
            "income",
            *_passes(
                eligibility.income_problem(claimant.benefit, claimant.earnings_within_limit, rates)
            ),
        ),
        RuleCheck(
            "age",
            *_passes(
                eligibility.age_problem(age_on(claimant.date_of_birth, claim.visit_date), rates)
            ),
        ),
        RuleCheck(
            "residence",
            *_passes(eligibility.residence_problem(lives_in_northern_ireland(claimant.postcode))),
        ),
    ]
    try:
        timing_of(claim.visit_date, sent_on, rates)
        checks.append(RuleCheck("in_time", True))
    except ClaimError as error:
        checks.append(RuleCheck("in_time", False, error.message))
    limits = limit_problems(claim)
    checks.append(RuleCheck("limits", not limits, limits or None))
    checks.append(RuleCheck("proof_of_visit_booking", proof_of_visit(claim.visit)))
    missing = missing_evidence(claim, now_local)
    checks.append(RuleCheck("evidence", not missing, missing or None))
    if claim.escort is not None:
        checks.append(RuleCheck("escort", *_passes(escort_problem(claim))))
    for child in claim.children:
        checks.append(RuleCheck(f"child:{child.id}", *_passes(child_problem(claim, child))))
    for expense in claim.expenses:
        problem = expenses.expense_problem(expense.type, expense.details, claim.timing, rates)
        checks.append(RuleCheck(f"expense:{expense.id}", *_passes(problem)))
    checks.append(RuleCheck("bank_details", bool(claim.bank_details)))
    return checks


def _passes(problem) -> tuple[bool, object]:
    return problem is None, problem
