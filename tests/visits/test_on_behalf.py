import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app import db
from staff.models import Role, StaffAuditEvent
from tests.conftest import count
from tests.visits.journey_steps import CHILD, LEAD, PRISONER, error_summary, offered_sessions
from timeutil import local_today
from visits.models import PrisonerCategory, RestrictionKind, TableType, Visit, VisitStatus

BOOK = "/staff/prisons/cardiff/book"


@pytest.fixture
def cardiff(make_prison):
    return make_prison(slug="cardiff", name="HMP Cardiff")


@pytest.fixture
def staff(make_staff, cardiff):
    return make_staff(Role.VISITS_TEAM, prisons=[cardiff])


@pytest.fixture
def team(staff, sign_in):
    return sign_in(staff)


def walk_to_time(team, channel="phone", children=(), contact=None):
    steps = [
        ("", {"channel": channel}),
        ("/prisoner", PRISONER),
        ("/main-visitor", LEAD),
    ]
    for path, answers in steps:
        response = team.submit(f"{BOOK}{path}", answers)
        assert response.status_code == 302, f"{path}: {error_summary(response.text)}"
    for extra in children:
        assert team.submit(f"{BOOK}/visitors/add", extra).status_code == 302
    assert team.submit(f"{BOOK}/visitors").status_code == 302
    contact = {"mobile": "", "email": "", "language": "en"} if contact is None else contact
    response = team.submit(f"{BOOK}/contact", contact)
    assert response.status_code == 302, error_summary(response.text)
    return team.get(f"{BOOK}/time")


def book_for_family(team, session_id=None, check=None, **walk):
    page = walk_to_time(team, **walk)
    chosen = session_id or offered_sessions(page.text)[0]
    held = team.submit(f"{BOOK}/time", {"session": chosen})
    assert held.status_code == 302, error_summary(held.text)
    assert team.submit(f"{BOOK}/needs", {"needs": ["hearing"]}).status_code == 302
    return team.submit(f"{BOOK}/check", check or {})


def only_visit():
    return db.session.scalar(sa.select(Visit))


def test_staff_book_a_visit_for_a_family_on_the_phone(team, staff, cardiff, make_session):
    session = make_session(cardiff)

    check_page_then_done = book_for_family(
        team, children=[CHILD], contact={"mobile": "07123 456789", "email": "", "language": "cy"}
    )

    visit = only_visit()
    assert check_page_then_done.headers["Location"].endswith(f"{BOOK}/done/{visit.id}")
    assert visit.status is VisitStatus.BOOKED
    assert visit.session_id == session.id
    assert (visit.channel, visit.language, visit.mobile) == ("phone", "cy", "+447123456789")
    assert [v.first_name for v in visit.visitors] == ["Mary", "Ann"]
    assert visit.prisoner_number == "A1234BC"
    assert visit.needs == "hearing"
    events = db.session.scalars(
        sa.select(StaffAuditEvent).where(StaffAuditEvent.action == "booked visit for family")
    ).all()
    assert [(e.staff_id, e.record_id, e.detail) for e in events] == [(staff.id, visit.id, "phone")]
    assert visit.events[-1].note == "booked for the family: phone"

    done = team.get(f"{BOOK}/done/{visit.id}")
    assert "Visit booked" in done.text
    assert f"/visit/{visit.manage_token}" in done.text
    assert visit.reference[:4] in done.text
    family_view = team.get(f"/visit/{visit.manage_token}")
    assert "Tom Jones (A1234BC)" in family_view.text


def test_a_family_in_person_without_a_phone_or_email_can_be_booked(team, cardiff, make_session):
    make_session(cardiff)

    book_for_family(team, channel="in_person")

    visit = only_visit()
    assert (visit.channel, visit.mobile, visit.email) == ("in_person", None, None)
    done = team.get(f"{BOOK}/done/{visit.id}")
    assert "write down the booking reference" in done.text


def test_a_resubmitted_booking_is_made_and_recorded_once(team, cardiff, make_session):
    make_session(cardiff)
    book_for_family(team)

    again = team.post(f"{BOOK}/check", data={})

    assert count(Visit) == 1
    assert again.status_code in (302, 400)
    assert count(StaffAuditEvent, StaffAuditEvent.action == "booked visit for family") == 1


def test_the_family_booking_rules_apply(team, cardiff, make_session, book_visit):
    full = make_session(cardiff, open_tables=1)
    book_visit(full)
    free = make_session(cardiff, start=full.start_time.replace(hour=9))

    page = walk_to_time(team)
    taken = team.submit(f"{BOOK}/time", {"session": full.id})

    assert offered_sessions(page.text) == [free.id]
    assert "fully booked" in error_summary(taken.text)
    assert count(Visit) == 1


def test_the_main_visitor_must_be_an_adult(team, cardiff, make_session):
    make_session(cardiff)
    team.submit(BOOK, {"channel": "phone"})
    team.submit(f"{BOOK}/prisoner", PRISONER)
    young = {**LEAD, "date_of_birth-year": str(local_today().year - 15)}

    page = team.submit(f"{BOOK}/main-visitor", young)

    assert "The main visitor must be 18 or over" in error_summary(page.text)


def test_the_steps_need_the_earlier_answers(team, cardiff):
    assert team.get(f"{BOOK}/check").headers["Location"].endswith(BOOK)
    assert team.get(f"{BOOK}/time").headers["Location"].endswith(BOOK)


def test_an_answer_that_is_not_offered_is_refused(team, cardiff):
    page = team.submit(BOOK, {"channel": "carrier pigeon"})

    assert "Select how the family is booking" in error_summary(page.text)


# Restrictions and the allowance when booking for a family


def test_a_booking_meeting_a_restriction_is_sent_for_review_and_staff_are_told(
    team, staff, cardiff, make_session, make_restriction
):
    cardiff.review_days = 4
    make_session(cardiff, closed_tables=2)
    make_restriction(cardiff, RestrictionKind.CLOSED_VISITS, prisoner_number="A1234BC")

    page = walk_to_time(team)
    team.submit(f"{BOOK}/time", {"session": offered_sessions(page.text)[0]})
    check = team.get(f"{BOOK}/check")
    done = team.submit(f"{BOOK}/check", {})

    assert "Closed visits only" in check.text
    assert "Send visit request" in check.text
    # Both views of the check page (the second before submitting it) are recorded.
    assert count(StaffAuditEvent, StaffAuditEvent.action == "viewed restriction matches") == 2
    visit = only_visit()
    assert (visit.status, visit.table_type) == (VisitStatus.REQUESTED, TableType.CLOSED)
    done_page = team.get(done.headers["Location"])
    assert "The prison needs to check this request before it is confirmed" in done_page.text
    assert "We will tell you within 4 working days" in done_page.text


@pytest.fixture
def over_allowance(cardiff, make_session, make_prisoner, book_visit):
    make_prisoner(cardiff, "A1234BC", PrisonerCategory.CONVICTED)
    book_visit(make_session(cardiff, on=local_today() + timedelta(days=5)))
    return make_session(cardiff, on=local_today() + timedelta(days=6))


def test_over_the_allowance_staff_see_it_and_without_a_reason_it_goes_to_review(
    team, over_allowance
):
    page = walk_to_time(team)
    team.submit(f"{BOOK}/time", {"session": over_allowance.id})
    check = team.get(f"{BOOK}/check")
    team.submit(f"{BOOK}/check", {})

    assert "Over the visit allowance" in check.text
    assert "1 visit in any 14 days" in check.text
    assert offered_sessions(page.text)
    visit = db.session.scalar(sa.select(Visit).where(Visit.channel == "phone"))
    assert visit.status is VisitStatus.REQUESTED
    assert visit.review_reasons == "allowance"


def test_staff_override_the_allowance_with_a_recorded_reason(team, staff, over_allowance):
    walk_to_time(team)
    team.submit(f"{BOOK}/time", {"session": over_allowance.id})

    no_reason = team.submit(f"{BOOK}/check", {"override": "yes", "override_reason": " "})
    overridden = team.submit(
        f"{BOOK}/check", {"override": "yes", "override_reason": "Compassionate visit"}
    )

    assert "Enter the reason for going over" in error_summary(no_reason.text)
    assert overridden.status_code == 302
    visit = db.session.scalar(sa.select(Visit).where(Visit.channel == "phone"))
    assert visit.status is VisitStatus.BOOKED
    assert visit.allowance_override_reason == "Compassionate visit"
    event = db.session.scalar(
        sa.select(StaffAuditEvent).where(StaffAuditEvent.action == "overrode visit allowance")
    )
    assert (event.staff_id, event.record_id) == (staff.id, visit.id)
    assert "Compassionate" not in event.detail


def test_the_confirmation_page_is_only_for_bookings_made_for_families(
    team, cardiff, make_session, book_visit
):
    online = book_visit(make_session(cardiff))

    assert team.get(f"{BOOK}/done/{online.id}").status_code == 404


def test_family_details_never_reach_the_audit_trail(team, cardiff, make_session):
    make_session(cardiff)
    book_for_family(team, contact={"mobile": "07123 456789", "email": "", "language": "en"})

    details = " ".join(db.session.scalars(sa.select(StaffAuditEvent.detail)).all())

    assert not re.search(r"Mary|Jones|A1234BC|7123", details)
    assert date(1985, 3, 27).isoformat() not in details


def test_changing_how_the_family_is_booking_keeps_the_other_answers(team, cardiff, make_session):
    make_session(cardiff)
    page = walk_to_time(team, channel="phone")
    team.submit(f"{BOOK}/time", {"session": offered_sessions(page.text)[0]})

    changed = team.submit(f"{BOOK}/channel", {"channel": "in_person"})
    team.submit(f"{BOOK}/check", {})

    assert changed.headers["Location"].endswith(f"{BOOK}/check")
    assert count(Visit) == 1
    assert only_visit().channel == "in_person"
    assert only_visit().status is VisitStatus.BOOKED


def test_starting_again_forgets_the_last_familys_answers(team, cardiff, make_session):
    make_session(cardiff)
    walk_to_time(team)

    team.submit(BOOK, {"channel": "phone"})

    assert 'value="Tom"' not in team.get(f"{BOOK}/prisoner").text
