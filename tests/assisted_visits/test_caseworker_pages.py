"""The caseworker's pages: the queue, a claim with its rule checks, decisions, bank details
and evidence, each for caseworkers of the claim's prison only and each in the audit log."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import db
from assisted_visits import claims
from assisted_visits.models import Claim, ClaimEvent, ClaimStatus, EvidenceKind, RejectReason
from staff.models import Role, StaffAuditEvent
from tests.assisted_visits.conftest import BANK, PNG, now_local
from tests.conftest import FormClient, count
from tests.visits.journey_steps import error_summary
from timeutil import local_today, utcnow
from visits.messages import MessageKind
from visits.models import Nation
from visits.outbox import OutboxMessage


@pytest.fixture
def cardiff(make_prison):
    return make_prison(slug="cardiff", name="HMP Cardiff", nation=Nation.WALES)


@pytest.fixture
def usk(make_prison):
    return make_prison(slug="usk", name="HMP Usk", nation=Nation.WALES)


@pytest.fixture
def claim(cardiff, sent_claim):
    return sent_claim(
        cardiff,
        costs=[
            ("car", {"from": "Newport", "miles": "100"}),
            ("refreshments", {"hours": "6"}),
        ],
    )


@pytest.fixture
def caseworker(make_staff, sign_in, cardiff):
    staff = make_staff(Role.CASEWORKER, [cardiff])
    client = sign_in(staff)
    client.staff = staff
    return client


def url(claim, rest=""):
    return f"/staff/prisons/cardiff/claims/{claim.reference}{rest}"


def audit_actions(staff=None):
    query = (
        sa.select(StaffAuditEvent.action)
        .where(StaffAuditEvent.action != "signed in")
        .order_by(StaffAuditEvent.id)
    )
    if staff is not None:
        query = query.where(StaffAuditEvent.staff_id == staff.id)
    return db.session.scalars(query).all()


def post_from_page(client, page, action, data=None):
    """Post a form the way the browser does from the page that shows it."""
    shown = client.get(page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', shown.text).group(1)
    return client.post(action, data={**(data or {}), "csrf_token": token})


def fresh(claim) -> Claim:
    db.session.expire_all()
    return db.session.get(Claim, claim.id)


# The queue and the claim page.


def test_the_queue_lists_open_claims_longest_waiting_first_with_what_each_waits_for(
    caseworker, cardiff, usk, sent_claim, draft_claim
):
    older = sent_claim(cardiff)
    older.last_activity_at = utcnow() - timedelta(days=3)
    newer = sent_claim(cardiff, ni_number="AB123456C")
    asked = sent_claim(cardiff, ni_number="CE123456A")
    claims.request_information(asked, "staff:1", "Send your tickets.", utcnow())
    elsewhere = sent_claim(usk, ni_number="JK123456A")
    unsent = draft_claim(cardiff, ni_number="ST123456A")
    db.session.commit()

    page = caseworker.get("/staff/prisons/cardiff/claims").text

    for_caseworker = page[page.index('id="waiting-for-caseworker"') : page.index("for-family")]
    assert for_caseworker.index(older.reference) < for_caseworker.index(newer.reference)
    assert "You to decide" in for_caseworker
    for_family = page[page.index('id="waiting-for-family"') :]
    assert asked.reference in for_family
    assert "The family to answer your question" in for_family
    assert elsewhere.reference not in page
    assert "a reminder after 35 days without a reply, and close 7 days after that" in page
    assert unsent.reference not in page
    assert audit_actions(caseworker.staff) == ["viewed claims queue"]


def test_a_decided_claim_is_found_by_its_reference(caseworker, claim):
    claims.reject(claim, "staff:1", RejectReason.DUPLICATE, "", utcnow())
    db.session.commit()
    typed = f"{claim.reference[:4]}-{claim.reference[4:]}".lower()

    response = caseworker.get(f"/staff/prisons/cardiff/claims?reference={typed}")

    assert response.headers["Location"].endswith(url(claim))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a claim reference"),
        ("ABC", "A claim reference has 8 letters and numbers"),
        ("BCDF-2345", "No claim at HMP Cardiff has that reference"),
    ],
)
def test_a_reference_not_found_is_shown_and_kept(caseworker, claim, typed, message):
    response = caseworker.get(f"/staff/prisons/cardiff/claims?reference={typed}")

    assert message in error_summary(response.text)
    assert f'value="{typed}"' in response.text


def test_a_claim_of_another_prison_is_not_found_by_reference(make_staff, sign_in, usk, claim):
    other = sign_in(make_staff(Role.CASEWORKER, [usk]))

    response = other.get(f"/staff/prisons/usk/claims?reference={claim.reference}")

    assert "No claim at HMP Usk has that reference" in error_summary(response.text)


def test_the_claim_page_shows_every_rule_check_the_costs_and_masked_bank_details(caseworker, claim):
    page = caseworker.get(url(claim))

    checks = page.text[page.text.index('id="rule-checks"') : page.text.index('id="costs"')]
    for rule in ("Relationship to the prisoner", "Benefit or certificate", "Claimed in time"):
        assert rule in checks
    assert "Fails" not in checks
    assert "Cost: Car or motorbike" in checks
    costs = page.text[page.text.index('id="costs"') :]
    assert "£20</td>" in costs  # 100 miles at 20p in Wales
    assert "**-**-30" in page.text
    assert BANK.account_number not in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert audit_actions(caseworker.staff) == ["viewed claim"]


def test_a_failed_rule_says_why(caseworker, cardiff, draft_claim):
    claim = draft_claim(cardiff)
    claims.set_evidence_to_follow(claim, True)
    claims.submit(claim, True, local_today(), utcnow(), now_local())
    # A rule broken after sending, as a changed date would: the page must say why it fails.
    claim.visit_date = local_today() - timedelta(days=40)
    db.session.commit()

    checks = caseworker.get(url(claim)).text

    assert "Fails" in checks
    assert "You must claim within 28 days of your visit" in checks


# Who may see a claim.

CASEWORKER_PAGES = [
    ("get", ""),
    ("get", "/approve"),
    ("get", "/reject"),
    ("get", "/request-information"),
    ("post", "/approve"),
    ("post", "/bank-details"),
]


@pytest.mark.parametrize(("method", "rest"), CASEWORKER_PAGES)
def test_a_caseworker_of_another_prison_cannot_reach_the_claim(
    make_staff, sign_in, usk, claim, method, rest
):
    other = sign_in(make_staff(Role.CASEWORKER, [usk]))

    through_their_prison = getattr(other, method)(
        f"/staff/prisons/usk/claims/{claim.reference}{rest}"
    )
    through_the_claims_prison = getattr(other, method)(url(claim, rest))

    assert through_their_prison.status_code in (404, 400)  # 400: a post without its token
    assert through_the_claims_prison.status_code in (404, 400)
    assert "Mary Jones" not in through_their_prison.text + through_the_claims_prison.text
    assert "viewed claim" not in audit_actions()
    assert fresh(claim).status is ClaimStatus.NEW


@pytest.mark.parametrize(("method", "rest"), CASEWORKER_PAGES)
def test_the_family_cannot_reach_the_caseworkers_pages_even_for_their_own_claim(
    app, claim, method, rest
):
    family = FormClient(app)
    with family.client.session_transaction() as session:
        session["claims"] = [claim.id]  # what the family's own browser remembers

    response = getattr(family, method)(url(claim, rest))

    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert "/staff/login" in response.headers["Location"]


def test_visitor_centre_staff_cannot_decide_claims(make_staff, sign_in, cardiff, claim):
    centre = sign_in(make_staff(Role.CENTRE, [cardiff]))

    assert centre.get("/staff/prisons/cardiff/claims").status_code == 403
    assert centre.get(url(claim, "/approve")).status_code == 403


# Decisions.


def test_approving_with_a_changed_amount_records_the_reason(caseworker, claim):
    car, food = claim.expenses

    response = caseworker.submit(
        url(claim, "/approve"),
        {f"amount_{car.id}": "15.00", f"amount_{food.id}": "3.50", "reason": "Shorter route."},
    )

    assert response.status_code == 302
    decided = fresh(claim)
    assert decided.status is ClaimStatus.APPROVED
    assert [e.approved_pence for e in decided.expenses] == [1500, 350]
    assert decided.total_approved_pence == 1850
    assert decided.decision_note == "Shorter route."
    event = decided.events[-1]
    assert (event.to_status, event.actor) == (ClaimStatus.APPROVED, f"staff:{caseworker.staff.id}")
    assert audit_actions(caseworker.staff)[-1] == "approved claim"
    assert count(OutboxMessage, OutboxMessage.kind == MessageKind.CLAIM_APPROVED) == 1


def test_approving_as_claimed_needs_no_reason(caseworker, claim):
    response = caseworker.submit(url(claim, "/approve"))

    assert response.status_code == 302
    assert fresh(claim).total_approved_pence == claim.total_claimed_pence


def test_a_changed_amount_without_a_reason_is_refused_and_keeps_what_was_typed(caseworker, claim):
    car, food = claim.expenses

    response = caseworker.submit(
        url(claim, "/approve"), {f"amount_{car.id}": "12.34", f"amount_{food.id}": "3.50"}
    )

    summary = error_summary(response.text)
    assert response.status_code == 400
    assert "Give a reason for changing the amounts." in summary
    assert 'href="#reason"' in summary
    assert 'value="12.34"' in response.text
    assert fresh(claim).status is ClaimStatus.NEW
    assert "approved claim" not in audit_actions()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the amount to pay, or 0"),
        ("twelve", "Enter an amount in pounds and pence"),
        ("6000", "Enter an amount of £5,000 or less"),
    ],
)
def test_a_bad_amount_is_shown_in_the_error_summary(caseworker, claim, typed, message):
    car, food = claim.expenses

    response = caseworker.submit(
        url(claim, "/approve"),
        {f"amount_{car.id}": typed, f"amount_{food.id}": "3.50", "reason": "Checked."},
    )

    summary = error_summary(response.text)
    assert message in summary
    assert f'href="#amount_{car.id}"' in summary
    assert f'value="{typed}"' in response.text
    assert fresh(claim).status is ClaimStatus.NEW


def test_a_claim_missing_evidence_cannot_be_approved(caseworker, cardiff, draft_claim):
    claim = draft_claim(cardiff, evidence=[])
    claims.set_evidence_to_follow(claim, True)
    claims.submit(claim, True, local_today(), utcnow(), now_local())
    claims.respond(claim, "I will post them.", utcnow(), now_local())
    db.session.commit()

    response = caseworker.submit(url(claim, "/approve"))

    assert "Evidence is missing" in error_summary(response.text)
    assert fresh(claim).status is ClaimStatus.UPDATED


def test_rejecting_records_the_reason_from_the_list(caseworker, claim):
    response = caseworker.submit(url(claim, "/reject"), {"reason": "income", "note": ""})

    assert response.status_code == 302
    decided = fresh(claim)
    assert decided.status is ClaimStatus.REJECTED
    assert decided.reject_reason is RejectReason.INCOME
    assert decided.events[-1].reason == "income"
    assert audit_actions(caseworker.staff)[-1] == "rejected claim"
    history = caseworker.get(url(claim)).text
    assert (
        "Not approved \N{EN DASH} You do not get a benefit or certificate that qualifies" in history
    )


@pytest.mark.parametrize(
    ("answers", "message", "field"),
    [
        ({}, "Select the reason for not approving the claim", "reason"),
        ({"reason": "made-up"}, "Select the reason for not approving the claim", "reason"),
        ({"reason": "other", "note": "  "}, "Explain the reason for not approving", "note"),
        ({"reason": "other", "note": "x" * 2001}, "Keep this to 2,000 characters", "note"),
    ],
)
def test_a_rejection_without_a_good_reason_is_refused(caseworker, claim, answers, message, field):
    response = caseworker.submit(url(claim, "/reject"), answers)

    summary = error_summary(response.text)
    assert response.status_code == 400
    assert message in summary
    assert f'href="#{field}' in summary
    if answers.get("note", "").strip():
        assert answers["note"] in response.text  # what was typed is kept
    assert fresh(claim).status is ClaimStatus.NEW


def test_asking_for_information_tells_the_family(caseworker, claim):
    response = caseworker.submit(
        url(claim, "/request-information"), {"message": "Send your bus tickets."}
    )

    assert response.status_code == 302
    asked = fresh(claim)
    assert asked.status is ClaimStatus.INFORMATION_REQUESTED
    assert claims.latest_request(asked) == "Send your bus tickets."
    assert audit_actions(caseworker.staff)[-1] == "asked for information"
    assert count(OutboxMessage, OutboxMessage.kind == MessageKind.CLAIM_INFO_REQUESTED) == 1


def test_an_empty_question_is_refused_and_nothing_is_sent(caseworker, claim):
    response = caseworker.submit(url(claim, "/request-information"), {"message": ""})

    assert "Say what information you need from the family." in error_summary(response.text)
    assert fresh(claim).status is ClaimStatus.NEW
    assert count(OutboxMessage) == 0


def test_the_history_says_what_the_family_sent(caseworker, claim, evidence_folder):
    claims.request_information(claim, "staff:1", "Send your tickets.", utcnow())
    claims.add_evidence(
        claim, EvidenceKind.RECEIPT, "ticket.png", PNG, evidence_folder, "family", utcnow()
    )
    claims.respond(claim, "Here is my ticket.", utcnow(), now_local())
    db.session.commit()

    history = caseworker.get(url(claim)).text.split('id="history"')[1]

    assert "Evidence added: Tickets or receipts" in history
    assert "Family replied: Here is my ticket." in history


def test_a_decided_claim_offers_no_decisions(caseworker, claim):
    claims.reject(claim, "staff:1", RejectReason.DUPLICATE, "", utcnow())
    db.session.commit()

    page = caseworker.get(url(claim)).text
    again = caseworker.submit(url(claim, "/approve"))

    assert 'id="actions"' not in page
    assert "Only a claim waiting to be checked can be approved." in error_summary(again.text)


# Bank details and evidence.


def test_revealing_the_bank_details_is_recorded(caseworker, claim):
    response = post_from_page(caseworker, url(claim), url(claim, "/bank-details"))

    assert BANK.account_number in response.text
    assert "30" + "94" + "30" in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert "viewed bank details" in audit_actions(caseworker.staff)
    assert count(ClaimEvent, ClaimEvent.note == "bank details viewed") == 1
    later = caseworker.get(url(claim)).text
    assert BANK.account_number not in later
    history = later[later.index('id="history"') :]
    assert "Test caseworker" in history
    assert "Full bank details viewed" in history


def test_revealing_needs_the_forms_token(caseworker, claim):
    response = caseworker.post(url(claim, "/bank-details"))

    assert response.status_code == 400
    assert count(ClaimEvent, ClaimEvent.note == "bank details viewed") == 0


def test_a_caseworker_downloads_evidence_as_an_attachment(caseworker, claim):
    evidence = claim.evidence[0]

    response = caseworker.get(url(claim, f"/evidence/{evidence.id}"))
    body = response.get_data()
    response.close()

    assert response.status_code == 200
    assert body == PNG
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert audit_actions(caseworker.staff)[-1] == "downloaded evidence"


def test_evidence_is_refused_to_everyone_else(app, make_staff, sign_in, usk, claim, sent_claim):
    evidence = claim.evidence[0]
    other_prison = sign_in(make_staff(Role.CASEWORKER, [usk]))
    theirs = sent_claim(usk, ni_number="AB123456C")
    stranger = FormClient(app)

    assert other_prison.get(url(claim, f"/evidence/{evidence.id}")).status_code == 404
    assert (
        other_prison.get(
            f"/staff/prisons/usk/claims/{theirs.reference}/evidence/{evidence.id}"
        ).status_code
        == 404
    )  # not through a claim of their own prison either
    anonymous = stranger.get(url(claim, f"/evidence/{evidence.id}"))
    assert anonymous.status_code == 302
    assert "/staff/login" in anonymous.headers["Location"]
    family_route = stranger.get(f"/help-with-costs/claims/{claim.reference}/evidence/{evidence.id}")
    assert family_route.status_code == 404
    assert "downloaded evidence" not in audit_actions()
