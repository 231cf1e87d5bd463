"""The staff page that shows what families were sent, and what never reached them."""

import pytest
import sqlalchemy as sa

from app import db
from staff.models import Role, StaffAuditEvent
from tests import fake_twilio
from tests.conftest import CONTACT
from visits import outbox
from visits.booking import ContactDetails

texting, no_sms_provider = fake_twilio.texting, fake_twilio.no_sms_provider  # fixtures
EMAIL_ONLY = ContactDetails(None, "mary@example.org", "en")


@pytest.fixture
def cardiff(make_prison, make_session):
    prison = make_prison(slug="cardiff", name="HMP Cardiff")
    return prison, make_session(prison)


@pytest.fixture
def usk(make_prison, make_session):
    prison = make_prison(slug="usk", name="HMP Usk")
    return prison, make_session(prison)


def page(client, slug):
    return client.get(f"/staff/prisons/{slug}/messages")


def test_the_team_sees_a_text_that_could_not_be_sent_and_why(
    cardiff, usk, book_visit, texting, make_staff, sign_in
):
    ours = book_visit(cardiff[1])
    theirs = book_visit(usk[1], contact=ContactDetails("+447700900123", None, "en"))
    texting.refuse_number(CONTACT.mobile, 21211)
    texting.refuse_number("+447700900123", 21211)
    outbox.dispatch_due()

    response = page(sign_in(make_staff(Role.VISITS_TEAM, [cardiff[0]])), "cardiff")

    assert response.status_code == 200
    failed = response.text.split('id="failed"')[1].split("</table>")[0]
    assert f"{ours.reference[:4]}-{ours.reference[4:]}" in failed
    assert "The mobile number is not valid." in failed
    assert "Visit booked" in failed
    assert theirs.reference[:4] + "-" not in response.text


def test_without_a_provider_staff_can_read_the_messages_kept_here(
    cardiff, book_visit, no_sms_provider, make_staff, sign_in
):
    visit = book_visit(cardiff[1], contact=EMAIL_ONLY)
    outbox.dispatch_due()
    (message,) = outbox.recorded_messages([cardiff[0].id])

    response = page(sign_in(make_staff(Role.CENTRE, [cardiff[0]])), "cardiff")

    assert "No text message service is set up" in response.text
    kept = response.text.split('id="recorded"')[1]
    assert "Email to mary@example.org" in kept
    assert message.body.splitlines()[0] in kept
    assert f"{visit.reference[:4]}-{visit.reference[4:]}" in kept
    assert "Every message has been sent or is waiting to be sent." in response.text


def test_viewing_the_messages_is_audited_without_personal_data(
    cardiff, book_visit, no_sms_provider, make_staff, sign_in
):
    book_visit(cardiff[1])
    outbox.dispatch_due()
    clerk = make_staff(Role.VISITS_TEAM, [cardiff[0]])

    page(sign_in(clerk), "cardiff")

    (event,) = db.session.scalars(
        sa.select(StaffAuditEvent).where(StaffAuditEvent.action == "viewed messages to families")
    ).all()
    assert (event.staff_id, event.prison_id) == (clerk.id, cardiff[0].id)
    assert CONTACT.mobile not in event.detail


def test_staff_of_another_prison_cannot_see_its_messages(cardiff, usk, make_staff, sign_in):
    response = page(sign_in(make_staff(Role.VISITS_TEAM, [usk[0]])), "cardiff")

    assert response.status_code == 404


def test_caseworkers_and_families_cannot_see_messages(cardiff, make_staff, sign_in, family):
    caseworker = sign_in(make_staff(Role.CASEWORKER, [cardiff[0]]))

    assert page(caseworker, "cardiff").status_code == 403
    refused = page(family, "cardiff")
    assert refused.status_code == 302 and "/staff/login" in refused.headers["Location"]


def test_the_visit_page_lists_what_the_family_was_sent(
    cardiff, book_visit, texting, make_staff, sign_in
):
    visit = book_visit(cardiff[1])
    texting.refuse_number(CONTACT.mobile, 21211)
    outbox.dispatch_due()
    staff = sign_in(make_staff(Role.CENTRE, [cardiff[0]]))

    response = staff.get(f"/staff/prisons/cardiff/visits/{visit.reference}")

    listed = response.text.split("Messages to this family")[1].split("</table>")[0]
    assert "Visit booked" in listed and "Text" in listed and "Could not be sent" in listed
