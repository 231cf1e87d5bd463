"""Visitor-centre staff filling in a claim with a family (assisted digital)."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import db
from assisted_visits.models import Claim
from staff.models import Role, StaffAuditEvent
from tests.conftest import count
from tests.visits.journey_steps import error_summary
from timeutil import local_today
from visits.models import Nation

ASSIST = "/staff/prisons/cardiff/claims/assist"


@pytest.fixture
def cardiff(make_prison):
    return make_prison(slug="cardiff", name="HMP Cardiff", nation=Nation.WALES)


@pytest.fixture
def centre(make_staff, sign_in, cardiff):
    staff = make_staff(Role.CENTRE, [cardiff])
    client = sign_in(staff)
    client.staff = staff
    return client


def only_claim() -> Claim:
    db.session.expire_all()
    return db.session.scalars(sa.select(Claim)).one()


def test_centre_staff_start_a_claim_from_the_familys_booking(
    centre, cardiff, make_session, book_visit
):
    visit = book_visit(make_session(cardiff, on=local_today() + timedelta(days=10)))

    response = centre.submit(ASSIST, {"visit_reference": visit.reference.lower()})

    assert response.headers["Location"].endswith("/help-with-costs/claim/visit")
    claim = only_claim()
    assert (claim.channel, claim.assisted_by_id) == ("assisted", centre.staff.id)
    assert (claim.visit_id, claim.prisoner_number) == (visit.id, "A1234BC")
    assert claim.events[0].actor == f"staff:{centre.staff.id}"
    assert (
        count(
            StaffAuditEvent,
            StaffAuditEvent.action == "started a claim with a family",
            StaffAuditEvent.record_id == claim.id,
        )
        == 1
    )
    # Then the family's own pages, on the staff member's device.
    page = centre.get("/help-with-costs/claim/visit")
    assert page.status_code == 200
    assert re.search(rf'value="{cardiff.id}"\s+checked', page.text)


def test_without_a_booking_the_claim_starts_at_the_centres_prison(centre, cardiff):
    response = centre.submit(ASSIST, {"visit_reference": ""})

    assert response.status_code == 302
    claim = only_claim()
    assert (claim.prison_id, claim.visit_id, claim.channel) == (cardiff.id, None, "assisted")


def test_an_unknown_visit_reference_is_shown_and_kept(centre):
    response = centre.submit(ASSIST, {"visit_reference": "ZZZZ-9999"})

    assert response.status_code == 400
    assert "There is no visit with that reference at HMP Cardiff" in error_summary(response.text)
    assert 'value="ZZZZ-9999"' in response.text
    assert count(Claim) == 0


def test_a_booking_at_another_prison_is_not_found(centre, make_prison, make_session, book_visit):
    usk = make_prison(slug="usk", name="HMP Usk", nation=Nation.WALES)
    visit = book_visit(make_session(usk, on=local_today() + timedelta(days=10)))

    response = centre.submit(ASSIST, {"visit_reference": visit.reference})

    assert "There is no visit with that reference" in error_summary(response.text)
    assert count(Claim) == 0


def test_only_centre_staff_of_the_prison_start_assisted_claims(
    make_staff, sign_in, make_prison, cardiff
):
    usk = make_prison(slug="usk", name="HMP Usk", nation=Nation.WALES)
    other_centre = sign_in(make_staff(Role.CENTRE, [usk]))
    caseworker = sign_in(make_staff(Role.CASEWORKER, [cardiff]))

    assert other_centre.get(ASSIST).status_code == 404
    assert caseworker.get(ASSIST).status_code == 403


def test_the_caseworker_sees_the_claim_was_made_with_centre_staff(
    centre, make_staff, sign_in, cardiff, sent_claim
):
    claim = sent_claim(cardiff)
    claim.channel, claim.assisted_by_id = "assisted", centre.staff.id
    db.session.commit()
    caseworker = sign_in(make_staff(Role.CASEWORKER, [cardiff]))

    page = caseworker.get(f"/staff/prisons/cardiff/claims/{claim.reference}").text
    queue = caseworker.get("/staff/prisons/cardiff/claims").text

    assert "Made with the family by visitor centre staff (Test centre)" in page
    assert "Made with centre staff" in queue


def test_the_next_family_on_the_device_cannot_see_the_claim_before(centre, cardiff, sent_claim):
    earlier = sent_claim(cardiff)
    with centre.client.session_transaction() as session:
        session["claims"] = [earlier.id]  # the family before finished their claim here
    assert centre.get(f"/help-with-costs/claims/{earlier.reference}").status_code == 200

    centre.submit(ASSIST, {"visit_reference": ""})

    again = centre.get(f"/help-with-costs/claims/{earlier.reference}")
    assert again.headers["Location"].endswith("/help-with-costs/claims/find")


def test_once_sent_the_staff_member_is_offered_the_way_back(centre, cardiff, sent_claim, app):
    claim = sent_claim(cardiff)
    claim.channel, claim.assisted_by_id = "assisted", centre.staff.id
    db.session.commit()
    with centre.client.session_transaction() as session:
        session["claims"], session["claim_sent"] = [claim.id], claim.id

    page = centre.get("/help-with-costs/claim/sent").text

    assert 'id="back-to-staff"' in page
