import struct
import zlib
from datetime import UTC, date, datetime, timedelta

import pytest

from app import db
from assisted_visits import claims
from assisted_visits.banking import BankDetails, cipher_from_config
from assisted_visits.claims import ClaimantDetails, PersonDetails
from assisted_visits.models import (
    Benefit,
    ChildRelation,
    ClaimRelationship,
    EvidenceKind,
    ExpenseType,
)
from timeutil import LONDON, local_today, utcnow
from visits.booking import PrisonerDetails


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(padding: int = 0) -> bytes:
    """A real 1x1 PNG; padding adds an ancillary text chunk to make it bigger."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    chunks = [_chunk(b"IHDR", header)]
    if padding:
        chunks.append(_chunk(b"tEXt", b"Comment\x00" + b"x" * padding))
    chunks += [_chunk(b"IDAT", zlib.compress(b"\x00\x00")), _chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\xff\xdb\x00\x43\x00"
    + bytes(64)
    + b"\xff\xd9"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = png_bytes()

NI_NUMBER = "QQ123456C"
CLAIMANT_BORN = date(1960, 5, 17)
PRISONER = PrisonerDetails("Tom", "Jones", date(1980, 2, 1), "A1234BC")
BANK = BankDetails("Mary Jones", "309430", "00733445")


def now_local() -> datetime:
    return datetime.now(LONDON).replace(tzinfo=None)


def admit_at_the_centre(visit, staff):
    """Check the family in on the day of their visit, the way the visitor centre does."""
    from centres import checkin

    arrived = datetime.combine(visit.session.date, visit.session.start_time) - timedelta(hours=1)
    arrived_utc = arrived.replace(tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)
    checkin.mark_arrived(visit, staff, arrived_utc)
    seen = {need.visitor.id for need in checkin.id_needs(visit) if need.needs_id}
    checkin.record_id_check(visit, staff, seen, arrived_utc + timedelta(minutes=5))
    checkin.admit(visit, staff, arrived_utc + timedelta(minutes=10))
    db.session.flush()


def claimant(ni_number=NI_NUMBER, born=CLAIMANT_BORN, postcode="CF10 1AA", **overrides):
    fields = {
        "first_name": "Mary",
        "last_name": "Jones",
        "date_of_birth": born,
        "ni_number": ni_number,
        "address_line_1": "1 High Street",
        "address_line_2": "",
        "town": "Cardiff",
        "postcode": postcode,
        "phone": "+447123456789",
        "email": "",
    }
    return ClaimantDetails(**{**fields, **overrides})


@pytest.fixture
def evidence_folder(app, tmp_path):
    folder = tmp_path / "evidence"
    app.config["EVIDENCE_FOLDER"] = str(folder)
    yield folder
    app.config.pop("EVIDENCE_FOLDER", None)


@pytest.fixture
def cipher(app):
    return cipher_from_config(app.config)


@pytest.fixture
def draft_claim(ctx, evidence_folder, cipher):
    """A finished draft made through the domain functions, as the claim pages would."""

    def make(
        prison,
        visit_date=None,
        ni_number=NI_NUMBER,
        relation=ClaimRelationship.PARENT,
        benefit=Benefit.PENSION_CREDIT,
        costs=((ExpenseType.CAR, {"from": "Newport", "miles": "100"}),),
        evidence=(EvidenceKind.BENEFIT, EvidenceKind.PROOF_OF_VISIT),
        children=(),
        visit=None,
        born=CLAIMANT_BORN,
        today=None,
    ):
        today = today or local_today()
        now = utcnow()
        claim = claims.start_claim(now, visit=visit)
        claims.set_visit(
            claim,
            prison,
            visit_date or (visit.session.date if visit else today - timedelta(days=3)),
            today,
        )
        claims.set_prisoner(claim, PRISONER)
        claims.set_claimant(claim, claimant(ni_number=ni_number, born=born))
        claims.set_relationship(claim, relation, None)
        claims.set_benefit(claim, benefit, None)
        for first, born_on in children:
            claims.add_child(
                claim, PersonDetails(first, "Jones", born_on), ChildRelation.PRISONERS_CHILD
            )
        for expense_type, details in costs:
            claims.add_expense(claim, expense_type, details)
        for kind in evidence:
            claims.add_evidence(
                claim, kind, f"{kind.value}.png", PNG, evidence_folder, "family", now
            )
        claims.set_bank_details(claim, BANK, cipher)
        db.session.commit()
        return claim

    return make


@pytest.fixture
def sent_claim(draft_claim):
    def make(prison, today=None, **kwargs):
        today = today or local_today()
        claim = draft_claim(prison, today=today, **kwargs)
        claims.submit(claim, True, today, utcnow(), now_local())
        db.session.commit()
        return claim

    return make
