"""What caseworkers do with claims, each step with a row in the staff audit log.

The claim's own history (ClaimEvent) records every change of status; the staff audit log
also records who looked at a claim, its evidence and its bank details. Nothing here commits.
"""

from datetime import datetime

import sqlalchemy as sa

from app import db
from assisted_visits import claims
from assisted_visits.banking import BankDetails, BankDetailsCipher
from assisted_visits.models import AWAITING_CASEWORKER, AWAITING_FAMILY, Claim, ClaimEvidence
from staff import audit
from staff.models import StaffUser
from visits.models import Prison


def actor(staff) -> str:
    return f"staff:{staff.id}"


def queue(staff, prison: Prison) -> dict[str, list[Claim]]:
    """Sent claims still open at this prison, the longest waiting first in each list."""
    audit.record(staff, "viewed claims queue", "prison", prison.id, prison.id)
    return {
        "caseworker": claims.claims_queue([prison.id], AWAITING_CASEWORKER),
        "family": claims.claims_queue([prison.id], AWAITING_FAMILY),
    }


def open_claim(staff, prison: Prison, reference: str) -> Claim | None:
    claim = claims.claim_for_staff(reference, [prison.id])
    if claim is not None:
        audit.record(staff, "viewed claim", "claim", claim.id, prison.id)
    return claim


def reveal_bank_details(
    staff, claim: Claim, cipher: BankDetailsCipher, now: datetime
) -> BankDetails:
    audit.record(staff, "viewed bank details", "claim", claim.id, claim.prison_id)
    return claims.reveal_bank_details(claim, cipher, actor(staff), now)


def evidence_for_download(staff, claim: Claim, evidence_id: int) -> ClaimEvidence | None:
    evidence = next((e for e in claim.evidence if e.id == evidence_id), None)
    if evidence is None or not claims.can_view_evidence(claim, (), staff.prison_ids):
        return None
    audit.record(staff, "downloaded evidence", "claim", claim.id, claim.prison_id, evidence.kind)
    return evidence


def approve(
    staff, claim: Claim, amounts: dict[int, int], reason: str, now: datetime, now_local: datetime
) -> None:
    claims.approve(claim, actor(staff), now, now_local, amounts, reason)
    detail = f"approved {claim.total_approved_pence}p of {claim.total_claimed_pence}p"
    audit.record(staff, "approved claim", "claim", claim.id, claim.prison_id, detail)


def reject(staff, claim: Claim, reason, note: str, now: datetime) -> None:
    claims.reject(claim, actor(staff), reason, note, now)
    audit.record(staff, "rejected claim", "claim", claim.id, claim.prison_id, reason.value)


def request_information(staff, claim: Claim, message: str, now: datetime) -> None:
    claims.request_information(claim, actor(staff), message, now)
    audit.record(staff, "asked for information", "claim", claim.id, claim.prison_id)


def staff_names(claim: Claim) -> dict[str, str]:
    """The names behind the "staff:<id>" actors in a claim's history."""
    ids = {
        int(event.actor.removeprefix("staff:"))
        for event in claim.events
        if event.actor.startswith("staff:") and event.actor.removeprefix("staff:").isdigit()
    }
    if not ids:
        return {}
    found = db.session.scalars(sa.select(StaffUser).where(StaffUser.id.in_(ids))).all()
    return {f"staff:{staff.id}": staff.name for staff in found}
