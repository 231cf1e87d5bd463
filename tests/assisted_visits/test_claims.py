"""Claims as the domain sees them: timing, limits, evidence, states and the caseworker's side."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import db
from assisted_visits import claims
from assisted_visits.claims import ClaimError, PersonDetails
from assisted_visits.models import (
    Benefit,
    ChildRelation,
    Claim,
    ClaimEvent,
    ClaimRelationship,
    ClaimStatus,
    ClaimTiming,
    EvidenceKind,
    ExpenseType,
    InvalidTransition,
    RejectReason,
)
from assisted_visits.rates import rates_for
from staff.models import Role
from tests.assisted_visits.conftest import (
    BANK,
    CLAIMANT_BORN,
    PNG,
    admit_at_the_centre,
    claimant,
    now_local,
)
from tests.conftest import adult, child
from timeutil import local_today, utcnow
from visits.models import Nation, VisitStatus

RATES = rates_for(Nation.WALES, local_today())
STAFF = "staff:7"


def messages(error: ClaimError, app) -> str:
    with app.test_request_context():
        return " ".join(str(m) for m in error.messages)


@pytest.fixture
def cardiff(make_prison):
    return make_prison(slug="cardiff", name="HMP Cardiff", nation=Nation.WALES)


@pytest.fixture
def approved_claim(sent_claim):
    def make(prison, visit_date, **kwargs):
        claim = sent_claim(
            prison, visit_date=visit_date, today=visit_date + timedelta(days=1), **kwargs
        )
        claims.approve(claim, STAFF, utcnow(), now_local())
        db.session.commit()
        return claim

    return make


# When a claim can be made.

TODAY = date(2026, 6, 10)


@pytest.mark.parametrize(
    ("visit_date", "timing"),
    [
        (TODAY, ClaimTiming.PAST),
        (TODAY - timedelta(days=1), ClaimTiming.PAST),
        (TODAY - timedelta(days=28), ClaimTiming.PAST),
        (TODAY - timedelta(days=29), None),
        (TODAY + timedelta(days=1), None),
        (TODAY + timedelta(days=5), None),
        (TODAY + timedelta(days=6), ClaimTiming.ADVANCE),
        (TODAY + timedelta(days=28), ClaimTiming.ADVANCE),
        (TODAY + timedelta(days=29), None),
    ],
)
def test_claims_are_for_the_last_28_days_or_in_advance_from_6_to_28_days_ahead(
    app, visit_date, timing
):
    with app.test_request_context():
        if timing is None:
            with pytest.raises(ClaimError):
                claims.timing_of(visit_date, TODAY, RATES)
        else:
            assert claims.timing_of(visit_date, TODAY, RATES) is timing


def test_a_visit_too_soon_for_an_advance_claim_says_when_to_claim(app):
    with pytest.raises(ClaimError) as refused, app.test_request_context():
        claims.timing_of(TODAY + timedelta(days=3), TODAY, RATES)

    assert "Claim after your visit on 13 June 2026" in messages(refused.value, app)


# A claim from a booking.


def test_a_claim_started_from_a_booking_is_filled_in_from_it(
    ctx, cardiff, make_session, book_visit
):
    session = make_session(cardiff, on=local_today() + timedelta(days=10))
    visit = book_visit(session, visitors=[adult(), child("Ann")])

    claim = claims.start_claim(utcnow(), visit=visit)

    assert claim.status is ClaimStatus.DRAFT
    assert claim.prison_id == cardiff.id
    assert claim.visit_date == session.date
    assert claim.visit_id == visit.id
    assert (claim.prisoner_first_name, claim.prisoner_number) == ("Tom", "A1234BC")
    assert [(c.first_name, c.relation) for c in claim.children] == [
        ("Ann", ChildRelation.PRISONERS_CHILD)
    ]
    assert [(e.from_status, e.to_status, e.actor) for e in claim.events] == [
        (None, ClaimStatus.DRAFT, "family")
    ]


def test_a_booked_visit_is_proof_once_the_family_was_admitted(
    ctx, cardiff, make_session, book_visit, make_staff
):
    visit = book_visit(make_session(cardiff))
    assert not claims.proof_of_visit(visit)
    assert not claims.proof_of_visit(None)

    admit_at_the_centre(visit, make_staff(Role.CENTRE, [cardiff]))

    assert claims.proof_of_visit(visit)
    visit.status = VisitStatus.CANCELLED
    assert not claims.proof_of_visit(visit)


def test_changing_the_visit_on_a_claim_drops_the_booking_as_proof(
    ctx, cardiff, make_session, book_visit
):
    session = make_session(cardiff, on=local_today() + timedelta(days=10))
    claim = claims.start_claim(utcnow(), visit=book_visit(session))

    claims.set_visit(claim, cardiff, session.date + timedelta(days=1), local_today())

    assert claim.visit is None


def test_a_visit_checked_in_at_the_centre_needs_no_other_proof(
    ctx, draft_claim, cardiff, make_staff
):
    claim = draft_claim(cardiff, evidence=[EvidenceKind.BENEFIT])
    visit = _past_booking(cardiff)
    claim.visit = visit
    assert claims.missing_evidence(claim, now_local()) == [EvidenceKind.PROOF_OF_VISIT]

    admit_at_the_centre(visit, make_staff(Role.CENTRE, [cardiff]))

    assert claims.missing_evidence(claim, now_local()) == []


def test_a_claim_started_without_its_booking_finds_the_check_in(
    ctx, draft_claim, cardiff, make_staff
):
    visit = _past_booking(cardiff, lead=("Mary", "JONES", CLAIMANT_BORN))
    admit_at_the_centre(visit, make_staff(Role.CENTRE, [cardiff]))

    claim = draft_claim(cardiff, visit_date=visit.session.date, evidence=[EvidenceKind.BENEFIT])

    assert claim.visit_id == visit.id
    assert claims.missing_evidence(claim, now_local()) == []


def test_someone_elses_check_in_is_not_proof_of_this_visit(ctx, draft_claim, cardiff, make_staff):
    visit = _past_booking(cardiff, lead=("Mary", "Jones", date(1990, 1, 1)))
    admit_at_the_centre(visit, make_staff(Role.CENTRE, [cardiff]))

    claim = draft_claim(cardiff, visit_date=visit.session.date, evidence=[EvidenceKind.BENEFIT])

    assert claim.visit is None
    assert claims.missing_evidence(claim, now_local()) == [EvidenceKind.PROOF_OF_VISIT]


def _past_booking(prison, lead=None):
    """A booked visit whose session has ended (booked directly: the booking window is ahead)."""
    from visits.models import Relationship, Visit, Visitor, VisitSession

    session = VisitSession(
        prison=prison,
        date=local_today() - timedelta(days=3),
        start_time=datetime.min.time().replace(hour=14),
        end_time=datetime.min.time().replace(hour=16),
        open_tables=5,
    )
    visit = Visit(
        reference="PASTVST1",
        manage_token="t" * 43,
        prison=prison,
        session=session,
        table_type="open",
        status=VisitStatus.BOOKED,
        prisoner_first_name="Tom",
        prisoner_last_name="Jones",
        prisoner_date_of_birth=date(1980, 2, 1),
        prisoner_number="A1234BC",
    )
    if lead is not None:
        first, last, born = lead
        visit.visitors.append(
            Visitor(
                position=0,
                first_name=first,
                last_name=last,
                date_of_birth=born,
                relation=Relationship.PARENT,
            )
        )
    db.session.add(visit)
    db.session.flush()
    return visit


# What a claim is worth.


def test_mileage_follows_the_prison_not_where_the_family_lives(ctx, make_prison, draft_claim):
    wales = make_prison(nation=Nation.WALES)
    scotland = make_prison(slug="barlinnie", name="HMP Barlinnie", nation=Nation.SCOTLAND)

    to_wales = draft_claim(wales)
    claims.set_claimant(to_wales, claimant(postcode="EH1 1AA"))  # lives in Scotland
    claims.recalculate(to_wales)
    to_scotland = draft_claim(scotland, ni_number="AB123456C")

    assert to_wales.total_claimed_pence == 100 * 20
    assert to_scotland.total_claimed_pence == 100 * 30


def test_food_and_drink_counts_every_person_paid_for(ctx, cardiff, draft_claim):
    claim = draft_claim(
        cardiff,
        born=date(1940, 1, 1),
        children=[("Ann", local_today() - timedelta(days=365 * 8))],
        costs=[(ExpenseType.REFRESHMENTS, {"hours": "11"})],
    )
    assert claim.total_claimed_pence == 2 * 510

    claims.set_escort(claim, PersonDetails("Ben", "Jones", date(1990, 1, 1)), False)

    assert claims.people_paid_for(claim) == 3
    assert claim.total_claimed_pence == 3 * 510


def test_an_escort_needs_age_or_a_medical_condition(app, ctx, cardiff, draft_claim):
    claim = draft_claim(cardiff, born=date(1985, 1, 1))
    escort = PersonDetails("Ben", "Jones", date(1990, 1, 1))

    with pytest.raises(ClaimError) as refused:
        claims.set_escort(claim, escort, medical_condition=False)
    claims.set_escort(claim, escort, medical_condition=True)

    assert "75 or over" in messages(refused.value, app)
    assert claim.escort.first_name == "Ben"
    assert EvidenceKind.MEDICAL in claims.missing_evidence(claim, now_local())


def test_a_child_who_cannot_be_paid_for_is_refused_with_the_reason(app, ctx, cardiff, draft_claim):
    claim = draft_claim(cardiff, relation=ClaimRelationship.SIBLING)
    young = PersonDetails("Ann", "Jones", local_today() - timedelta(days=365 * 8))
    grown = PersonDetails("Sam", "Jones", local_today() - timedelta(days=365 * 19))

    with pytest.raises(ClaimError) as not_theirs:
        claims.add_child(claim, young, ChildRelation.CLAIMANTS_CHILD)
    with pytest.raises(ClaimError) as too_old:
        claims.add_child(claim, grown, ChildRelation.PRISONERS_CHILD)

    assert "husband, wife or civil partner" in messages(not_theirs.value, app)
    assert not_theirs.value.fields == ["relation"]
    assert "under 18" in messages(too_old.value, app)
    assert too_old.value.fields == ["date_of_birth"]
    assert claim.children == []


@pytest.mark.parametrize(
    ("nation", "age", "allowed"),
    [(Nation.SCOTLAND, 16, True), (Nation.ENGLAND, 16, False), (Nation.ENGLAND, 18, True)],
)
def test_claimant_age_depends_on_the_prisons_nation(ctx, make_prison, nation, age, allowed):
    prison = make_prison(nation=nation)
    claim = claims.start_claim(utcnow())
    claims.set_visit(claim, prison, local_today() - timedelta(days=2), local_today())
    born = local_today() - timedelta(days=365 * age + age // 4 + 2)

    if allowed:
        claims.set_claimant(claim, claimant(born=born))
        assert claim.claimant.date_of_birth == born
    else:
        with pytest.raises(ClaimError) as refused:
            claims.set_claimant(claim, claimant(born=born))
        assert refused.value.fields == ["date_of_birth"]


def test_people_living_in_northern_ireland_are_sent_to_their_own_scheme(app, ctx, cardiff):
    claim = claims.start_claim(utcnow())
    claims.set_visit(claim, cardiff, local_today() - timedelta(days=2), local_today())

    with pytest.raises(ClaimError) as refused:
        claims.set_claimant(claim, claimant(postcode="BT1 1AA"))

    assert refused.value.fields == ["postcode"]
    assert "Northern Ireland scheme" in messages(refused.value, app)


def test_long_names_are_kept_whole(ctx, cardiff, draft_claim):
    claim = draft_claim(cardiff)
    long_name = "Bartholomew-" + "x" * 88

    claims.set_claimant(claim, claimant(first_name=long_name))
    db.session.commit()
    db.session.expire_all()

    assert len(long_name) == 100
    assert db.session.get(Claim, claim.id).claimant.first_name == long_name


def test_bank_details_are_never_stored_readable(ctx, cardiff, draft_claim, cipher):
    claim = draft_claim(cardiff)

    stored = db.session.execute(
        sa.text("SELECT bank_details FROM claim WHERE id = :id"), {"id": claim.id}
    ).scalar_one()

    assert BANK.sort_code not in stored and BANK.account_number not in stored
    assert claims.bank_details_of(claim, cipher) == BANK


# Sending a claim and the limits across a person's claims.


def test_a_complete_claim_is_sent_for_checking_with_an_audit_row(ctx, cardiff, sent_claim):
    claim = sent_claim(cardiff)

    assert claim.status is ClaimStatus.NEW
    assert claim.submitted_at is not None
    assert [(e.from_status, e.to_status) for e in claim.events] == [
        (None, ClaimStatus.DRAFT),
        (ClaimStatus.DRAFT, ClaimStatus.NEW),
    ]


def test_a_claim_with_evidence_to_follow_waits_for_it(app, ctx, cardiff, draft_claim):
    claim = draft_claim(cardiff, evidence=[])

    with pytest.raises(ClaimError) as refused:
        claims.submit(claim, True, local_today(), utcnow(), now_local())
    claims.set_evidence_to_follow(claim, True)
    claims.submit(claim, True, local_today(), utcnow(), now_local())

    assert "send it later" in messages(refused.value, app)
    assert claim.status is ClaimStatus.PENDING_EVIDENCE


def test_a_claim_must_be_declared_true(ctx, cardiff, draft_claim):
    claim = draft_claim(cardiff)

    with pytest.raises(ClaimError):
        claims.submit(claim, False, local_today(), utcnow(), now_local())
    assert claim.status is ClaimStatus.DRAFT


def test_one_open_claim_at_a_time(app, ctx, cardiff, sent_claim, draft_claim):
    first = sent_claim(cardiff, visit_date=local_today() - timedelta(days=20))
    second = draft_claim(cardiff, visit_date=local_today() - timedelta(days=2))
    someone_else = draft_claim(cardiff, ni_number="AB123456C")

    with pytest.raises(ClaimError) as refused:
        claims.submit(second, True, local_today(), utcnow(), now_local())
    claims.submit(someone_else, True, local_today(), utcnow(), now_local())

    assert "already have a claim being checked" in messages(refused.value, app)
    assert claims.rules.format_reference(first.reference) in messages(refused.value, app)
    assert someone_else.status is ClaimStatus.NEW


def test_visits_claimed_about_a_fortnight_apart(app, ctx, cardiff, approved_claim, draft_claim):
    earlier = local_today() - timedelta(days=40)
    approved_claim(cardiff, earlier)

    too_close = draft_claim(cardiff, visit_date=earlier + timedelta(days=13))
    fine = draft_claim(cardiff, visit_date=earlier + timedelta(days=14))

    problems = claims.limit_problems(too_close)
    assert claims.limit_problems(fine) == []
    with app.test_request_context():
        assert "one visit every 14 days" in " ".join(str(p) for p in problems)


def test_the_same_visit_cannot_be_claimed_twice(app, ctx, cardiff, approved_claim, draft_claim):
    day = local_today() - timedelta(days=10)
    approved_claim(cardiff, day)

    with app.test_request_context():
        problems = [str(p) for p in claims.limit_problems(draft_claim(cardiff, visit_date=day))]

    assert any("already claimed for a visit on" in p for p in problems)


def test_up_to_26_visits_in_12_months(app, ctx, cardiff, approved_claim, draft_claim):
    start = local_today() - timedelta(days=364 + 14)
    for i in range(26):
        approved_claim(cardiff, start + timedelta(days=14 * i))

    twenty_seventh = draft_claim(cardiff, visit_date=start + timedelta(days=364))
    a_year_on = draft_claim(cardiff, visit_date=start + timedelta(days=14 * 26 + 14))

    with app.test_request_context():
        problems = " ".join(str(p) for p in claims.limit_problems(twenty_seventh))
    assert "up to 26 visits in 12 months" in problems
    assert claims.limit_problems(a_year_on) == []


def test_rejected_and_closed_claims_do_not_count(ctx, cardiff, sent_claim, draft_claim):
    day = local_today() - timedelta(days=10)
    rejected = sent_claim(cardiff, visit_date=day)
    claims.reject(rejected, STAFF, RejectReason.INCOME, "", utcnow())

    assert claims.limit_problems(draft_claim(cardiff, visit_date=day)) == []


def test_two_claims_sent_at_once_by_one_person_make_one_open_claim(app, cardiff, draft_claim, ctx):
    ids = [draft_claim(cardiff, visit_date=local_today() - timedelta(days=d)).id for d in (2, 20)]
    db.session.close()
    start = threading.Barrier(len(ids))

    def send(claim_id):
        with app.app_context():
            # Released together, each loads and sends its claim in one transaction.
            start.wait(timeout=30)
            try:
                claim = db.session.get(Claim, claim_id)
                claims.submit(claim, True, local_today(), utcnow(), now_local())
                db.session.commit()
                return "sent"
            except ClaimError:
                db.session.rollback()
                return "refused"

    with ThreadPoolExecutor(max_workers=len(ids)) as pool:
        outcomes = sorted(pool.map(send, ids))

    assert outcomes == ["refused", "sent"]
    open_claims = db.session.scalar(
        sa.select(sa.func.count()).select_from(Claim).where(Claim.status == ClaimStatus.NEW)
    )
    assert open_claims == 1


# The caseworker's side.


def test_the_queue_shows_only_the_caseworkers_prisons_oldest_first(
    ctx, make_prison, sent_claim, draft_claim
):
    cardiff = make_prison(slug="cardiff")
    usk = make_prison(slug="usk", name="HMP Usk")
    older = sent_claim(cardiff, ni_number="AB123456C")
    newer = sent_claim(cardiff, ni_number="CE123456A")
    elsewhere = sent_claim(usk, ni_number="GH123456B")
    draft_claim(cardiff, ni_number="JK123456D")  # drafts are never queued
    older.last_activity_at -= timedelta(hours=1)
    db.session.commit()

    assert claims.claims_queue([cardiff.id]) == [older, newer]
    assert claims.claims_queue([usk.id]) == [elsewhere]
    assert claims.claims_queue([]) == []
    assert claims.claim_for_staff(elsewhere.reference, [cardiff.id]) is None
    assert claims.claim_for_staff(elsewhere.reference.lower(), [usk.id]) == elsewhere


def test_approving_with_changed_amounts_needs_a_reason(app, ctx, cardiff, sent_claim):
    claim = sent_claim(
        cardiff,
        costs=[
            (ExpenseType.CAR, {"from": "Newport", "miles": "100"}),
            (ExpenseType.REFRESHMENTS, {"hours": "6"}),
        ],
    )
    car, food = claim.expenses

    with pytest.raises(ClaimError) as no_reason:
        claims.approve(claim, STAFF, utcnow(), now_local(), amounts={car.id: 1800})
    with pytest.raises(ClaimError):
        claims.approve(claim, STAFF, utcnow(), now_local(), amounts={car.id: -1}, reason="x")
    claims.approve(
        claim, STAFF, utcnow(), now_local(), amounts={car.id: 1800}, reason="90 miles by map"
    )

    assert "reason" in messages(no_reason.value, app)
    assert claim.status is ClaimStatus.APPROVED
    assert (car.approved_pence, food.approved_pence) == (1800, 350)
    assert claim.total_approved_pence == 2150
    last = claim.events[-1]
    assert (last.from_status, last.to_status, last.actor, last.note) == (
        ClaimStatus.NEW,
        ClaimStatus.APPROVED,
        STAFF,
        "90 miles by map",
    )


def test_a_claim_missing_evidence_cannot_be_approved(ctx, cardiff, draft_claim):
    claim = draft_claim(cardiff, evidence=[EvidenceKind.BENEFIT])
    claims.set_evidence_to_follow(claim, True)
    claims.submit(claim, True, local_today(), utcnow(), now_local())

    with pytest.raises((ClaimError, InvalidTransition)):
        claims.approve(claim, STAFF, utcnow(), now_local())
    assert claim.status is ClaimStatus.PENDING_EVIDENCE


def test_rejecting_takes_a_reason_from_the_list(ctx, cardiff, sent_claim):
    claim = sent_claim(cardiff)

    with pytest.raises(ClaimError):
        claims.reject(claim, STAFF, RejectReason.OTHER, "", utcnow())
    claims.reject(claim, STAFF, RejectReason.NO_PROOF_OF_VISIT, "", utcnow())

    assert claim.status is ClaimStatus.REJECTED
    assert claim.reject_reason is RejectReason.NO_PROOF_OF_VISIT
    assert claim.events[-1].reason == "no_proof_of_visit"
    with pytest.raises(ClaimError):
        claims.reject(claim, STAFF, RejectReason.INCOME, "", utcnow())


def test_a_request_for_information_is_answered_by_the_family(app, ctx, cardiff, sent_claim):
    claim = sent_claim(cardiff)

    with pytest.raises(ClaimError):
        claims.request_information(claim, STAFF, "   ", utcnow())
    claims.request_information(claim, STAFF, "Send your train tickets.", utcnow())
    with pytest.raises(ClaimError) as unanswered:
        claims.respond(claim, "", utcnow(), now_local())
    claims.respond(claim, "We went by car, there are no tickets.", utcnow(), now_local())

    assert "Answer our question" in messages(unanswered.value, app)
    assert claim.status is ClaimStatus.UPDATED
    assert claims.latest_request(claim) == "Send your train tickets."
    assert [e.to_status for e in claim.events][-2:] == [
        ClaimStatus.INFORMATION_REQUESTED,
        ClaimStatus.UPDATED,
    ]


def test_a_file_added_after_the_request_is_an_answer(ctx, cardiff, sent_claim, evidence_folder):
    claim = sent_claim(cardiff)
    claims.request_information(claim, STAFF, "Send your benefit letter again.", utcnow())

    claims.add_evidence(
        claim, EvidenceKind.BENEFIT, "letter.png", PNG, evidence_folder, "family", utcnow()
    )
    claims.respond(claim, "", utcnow(), now_local())

    assert claim.status is ClaimStatus.UPDATED
    assert "evidence added: benefit" in [e.note for e in claim.events]


def test_messages_are_refused_not_cut_short(app, ctx, cardiff, sent_claim):
    claim = sent_claim(cardiff)

    with pytest.raises(ClaimError) as refused:
        claims.request_information(claim, STAFF, "x" * 2001, utcnow())
    claims.request_information(claim, STAFF, "y" * 2000, utcnow())

    assert "2,000 characters or fewer" in messages(refused.value, app)
    assert claims.latest_request(claim) == "y" * 2000


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (ClaimStatus.DRAFT, {ClaimStatus.NEW, ClaimStatus.PENDING_EVIDENCE}),
        (
            ClaimStatus.NEW,
            {ClaimStatus.APPROVED, ClaimStatus.REJECTED, ClaimStatus.INFORMATION_REQUESTED},
        ),
        (
            ClaimStatus.INFORMATION_REQUESTED,
            {ClaimStatus.UPDATED, ClaimStatus.REJECTED, ClaimStatus.CLOSED},
        ),
        (ClaimStatus.APPROVED, set()),
        (ClaimStatus.REJECTED, set()),
        (ClaimStatus.CLOSED, set()),
    ],
)
def test_only_the_allowed_transitions_happen(status, allowed):
    for target in ClaimStatus:
        claim = Claim(reference="BCDFGHJK", status=status)
        if target in allowed:
            claim._move_to(target, STAFF, utcnow())
            assert claim.status is target
            assert claim.events[-1].from_status is status
        else:
            with pytest.raises(InvalidTransition):
                claim._move_to(target, STAFF, utcnow())


# Idle claims.


def test_idle_claims_get_a_reminder_at_35_days_and_close_7_days_later(ctx, cardiff, sent_claim):
    claim = sent_claim(cardiff)
    asked = utcnow()
    claims.request_information(claim, STAFF, "Send your tickets.", asked)
    waiting_on_staff = sent_claim(cardiff, ni_number="AB123456C")

    assert claims.remind_idle(asked + timedelta(days=34, hours=23)) == []
    assert claims.remind_idle(asked + timedelta(days=35)) == [claim]
    assert claims.remind_idle(asked + timedelta(days=36)) == []  # one reminder only
    assert claims.close_idle(asked + timedelta(days=41, hours=23)) == []
    assert claims.close_idle(asked + timedelta(days=42)) == [claim]

    assert claim.status is ClaimStatus.CLOSED
    assert [e.note for e in claim.events][-2:] == ["reminder sent", "no reply after a reminder"]
    assert waiting_on_staff.status is ClaimStatus.NEW  # never closed for staff's delay


def test_a_reply_after_the_reminder_keeps_the_claim_open(ctx, cardiff, sent_claim):
    claim = sent_claim(cardiff)
    asked = utcnow()
    claims.request_information(claim, STAFF, "Send your tickets.", asked)
    claims.remind_idle(asked + timedelta(days=35))

    claims.respond(claim, "Here they are.", asked + timedelta(days=36), now_local())

    assert claims.close_idle(asked + timedelta(days=50)) == []
    assert claim.status is ClaimStatus.UPDATED
    assert claim.reminder_sent_at is None


def test_an_advance_claims_idle_time_starts_at_the_visit(ctx, cardiff, draft_claim):
    visit_day = local_today() + timedelta(days=20)
    claim = draft_claim(cardiff, visit_date=visit_day, evidence=[])
    claims.set_evidence_to_follow(claim, True)
    claims.submit(claim, True, local_today(), utcnow(), now_local())
    visit_start = datetime.combine(visit_day, datetime.min.time())

    assert claim.timing is ClaimTiming.ADVANCE
    assert claims.remind_idle(visit_start + timedelta(days=34)) == []
    assert claims.remind_idle(visit_start + timedelta(days=35)) == [claim]


# Who may see evidence.


@pytest.mark.parametrize(
    ("family_ids", "staff_prisons", "status", "allowed"),
    [
        ([1], [], ClaimStatus.NEW, True),
        ([1], [], ClaimStatus.DRAFT, True),
        ([2, 3], [], ClaimStatus.NEW, False),
        ([], [10], ClaimStatus.NEW, True),
        ([], [11], ClaimStatus.NEW, False),
        ([], [10], ClaimStatus.DRAFT, False),  # a family's unsent draft is theirs alone
        (None, None, ClaimStatus.NEW, False),
    ],
)
def test_evidence_is_for_the_claims_family_and_its_prisons_caseworkers(
    family_ids, staff_prisons, status, allowed
):
    claim = Claim(id=1, prison_id=10, status=status)

    assert claims.can_view_evidence(claim, family_ids, staff_prisons) is allowed


# Repeat claims and abandoned drafts.


def test_a_repeat_claim_is_filled_in_from_the_last_one(ctx, cardiff, approved_claim, cipher):
    last = approved_claim(
        cardiff,
        local_today() - timedelta(days=30),
        children=[("Ann", local_today() - timedelta(days=365 * 8))],
    )

    repeat = claims.start_repeat_claim(last, utcnow())

    assert repeat.status is ClaimStatus.DRAFT and repeat.repeat_of_id == last.id
    assert repeat.prison_id == cardiff.id and repeat.visit_date is None
    assert repeat.claimant.ni_number == last.claimant.ni_number
    assert repeat.claimant.id != last.claimant.id
    assert [c.first_name for c in repeat.children] == ["Ann"]
    assert claims.bank_details_of(repeat, cipher) == BANK
    assert repeat.expenses == [] and repeat.evidence == []
    claims.set_visit(repeat, cardiff, local_today() - timedelta(days=2), local_today())
    # The same benefit as an approved claim needs no new letter.
    assert EvidenceKind.BENEFIT not in claims.required_evidence(repeat, now_local())
    claims.set_benefit(repeat, Benefit.HC2, None)
    assert EvidenceKind.BENEFIT in claims.required_evidence(repeat, now_local())


def test_abandoned_drafts_are_deleted_with_their_files(ctx, cardiff, draft_claim, sent_claim):
    stale = draft_claim(cardiff)
    sent = sent_claim(cardiff, ni_number="AB123456C")
    names = [e.stored_name for e in stale.evidence]
    stale.last_activity_at = utcnow() - timedelta(days=8)
    db.session.commit()

    files = claims.discard_stale_drafts(utcnow(), kept_days=7)
    db.session.commit()

    assert sorted(files) == sorted(names)
    assert db.session.get(Claim, stale.id) is None
    assert db.session.get(Claim, sent.id) is not None
    remaining = db.session.scalar(
        sa.select(sa.func.count()).select_from(ClaimEvent).where(ClaimEvent.claim_id == stale.id)
    )
    assert remaining == 0


def test_each_rule_is_shown_to_the_caseworker_with_its_outcome(app, ctx, cardiff, draft_claim):
    claim = draft_claim(
        cardiff,
        evidence=[EvidenceKind.BENEFIT],
        costs=[
            (ExpenseType.CAR, {"from": "Newport", "miles": "100"}),
            (ExpenseType.REFRESHMENTS, {"hours": "6"}),
        ],
    )
    claims.set_evidence_to_follow(claim, True)
    claims.submit(claim, True, local_today(), utcnow(), now_local())

    checks = {check.name: check for check in claims.rule_checks(claim, now_local())}

    passed = {name for name, check in checks.items() if check.passed}
    assert {"relationship", "income", "age", "residence", "in_time", "limits"} <= passed
    assert {f"expense:{e.id}" for e in claim.expenses} <= passed
    assert "bank_details" in passed
    assert not checks["proof_of_visit_booking"].passed
    assert not checks["evidence"].passed
    assert checks["evidence"].detail == [EvidenceKind.PROOF_OF_VISIT]


def test_a_caseworker_revealing_bank_details_leaves_an_audit_row(ctx, cardiff, sent_claim, cipher):
    claim = sent_claim(cardiff)

    details = claims.reveal_bank_details(claim, cipher, STAFF, utcnow())

    assert details == BANK
    last = claim.events[-1]
    assert (last.actor, last.note, last.from_status, last.to_status) == (
        STAFF,
        "bank details viewed",
        ClaimStatus.NEW,
        ClaimStatus.NEW,
    )


def test_the_daily_commands_remind_close_and_tidy(app, ctx, cardiff, sent_claim, draft_claim):
    long_ago = utcnow() - timedelta(days=50)
    visited, claimed_on = local_today() - timedelta(days=60), local_today() - timedelta(days=59)
    reminded_long_ago = sent_claim(cardiff, visit_date=visited, today=claimed_on)
    claims.request_information(reminded_long_ago, STAFF, "Send your tickets.", long_ago)
    claims.remind_idle(long_ago + timedelta(days=35))
    idle = sent_claim(cardiff, visit_date=visited, today=claimed_on, ni_number="AB123456C")
    claims.request_information(idle, STAFF, "Send your tickets.", long_ago)
    stale = draft_claim(cardiff, ni_number="CE123456A")
    stale.last_activity_at = long_ago
    files = [app.config["EVIDENCE_FOLDER"] + "/" + e.stored_name for e in stale.evidence]
    db.session.commit()
    runner = app.test_cli_runner()

    tidy = runner.invoke(args=["claims", "remind-and-close"])
    drafts = runner.invoke(args=["claims", "discard-drafts", "--days", "7"])

    assert tidy.output.strip() == "Reminded 1 claims and closed 1."
    assert "2 evidence files" in drafts.output
    db.session.expire_all()
    assert db.session.get(Claim, reminded_long_ago.id).status is ClaimStatus.CLOSED
    assert db.session.get(Claim, idle.id).reminder_sent_at is not None
    assert db.session.get(Claim, stale.id) is None
    assert not any(Path(f).exists() for f in files)
