import re
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app import db
from centres import checkin
from centres.checkin import MissingId, needs_id
from centres.models import (
    CheckIn,
    CheckInEvent,
    CheckInRefused,
    CheckInState,
    VisitorIdCheck,
)
from staff.models import Role, StaffAuditEvent
from tests.centres.conftest import at, child_aged
from tests.conftest import adult, count
from timeutil import local_today
from visits import booking
from visits.booking import VisitorDetails
from visits.models import CancelReason, Relationship, VisitStatus

S = CheckInState


@pytest.fixture
def officer(make_staff, cardiff):
    return make_staff(Role.CENTRE, prisons=[cardiff])


@pytest.fixture
def family(book, todays_session):
    return book(todays_session, [adult(), child_aged(8, local_today())])


def before_start(minutes):
    """A moment on the visit's day, so many minutes before the 14:00 session starts."""
    return at(local_today(), 14) - timedelta(minutes=minutes)


def lead_only(visit):
    return {visit.visitors[0].id}


STEPS = {
    "arrive": lambda visit, staff: checkin.mark_arrived(visit, staff, before_start(45)),
    "check ID": lambda visit, staff: checkin.record_id_check(
        visit, staff, lead_only(visit), before_start(40)
    ),
    "admit": lambda visit, staff: checkin.admit(visit, staff, before_start(10)),
    "leave": lambda visit, staff: checkin.mark_left(visit, staff, before_start(-100)),
    "no-show": lambda visit, staff: checkin.mark_no_show(visit, staff, before_start(0)),
}
RESULT = {
    "arrive": S.ARRIVED,
    "check ID": S.ID_CHECKED,
    "admit": S.ADMITTED,
    "leave": S.LEFT,
    "no-show": S.NO_SHOW,
}
PATH_TO = {
    S.EXPECTED: [],
    S.ARRIVED: ["arrive"],
    S.ID_CHECKED: ["arrive", "check ID"],
    S.ADMITTED: ["arrive", "check ID", "admit"],
    S.LEFT: ["arrive", "check ID", "admit", "leave"],
    S.NO_SHOW: ["no-show"],
}
ALLOWED = {
    (S.EXPECTED, "arrive"),
    (S.EXPECTED, "no-show"),
    (S.NO_SHOW, "arrive"),
    (S.ARRIVED, "check ID"),
    (S.ID_CHECKED, "admit"),
    (S.ADMITTED, "leave"),
}
EVERY_PAIR = [(state, step) for state in CheckInState for step in STEPS]


def bring_to(visit, state, staff):
    for step in PATH_TO[state]:
        STEPS[step](visit, staff)
    db.session.commit()


@pytest.mark.parametrize(("state", "step"), sorted(ALLOWED))
def test_each_allowed_step_moves_the_family_on_and_is_audited(family, officer, state, step):
    bring_to(family, state, officer)
    events_before = count(CheckInEvent)

    STEPS[step](family, officer)
    db.session.commit()

    assert checkin.state_of(family) is RESULT[step]
    event = db.session.scalars(sa.select(CheckInEvent).order_by(CheckInEvent.id.desc())).first()
    assert (event.from_state, event.to_state, event.staff_id) == (state, RESULT[step], officer.id)
    assert count(CheckInEvent) == events_before + 1
    assert count(StaffAuditEvent, StaffAuditEvent.action == f"check-in: {RESULT[step].value}") >= 1


@pytest.mark.parametrize(("state", "step"), [pair for pair in EVERY_PAIR if pair not in ALLOWED])
def test_every_other_step_is_refused_and_changes_nothing(family, officer, state, step):
    bring_to(family, state, officer)
    events_before, audit_before = count(CheckInEvent), count(StaffAuditEvent)

    with pytest.raises(CheckInRefused):
        STEPS[step](family, officer)
    db.session.rollback()

    assert checkin.state_of(family) is state
    assert (count(CheckInEvent), count(StaffAuditEvent)) == (events_before, audit_before)


def test_a_family_is_checked_in_from_arrival_to_leaving(family, officer):
    checkin.mark_arrived(family, officer, before_start(45))
    checkin.record_id_check(family, officer, lead_only(family), before_start(40))
    checkin.admit(family, officer, before_start(5))
    assert checkin.was_admitted(family.id)
    checkin.mark_left(family, officer, before_start(-110))
    db.session.commit()

    check_in = db.session.scalar(sa.select(CheckIn).where(CheckIn.visit_id == family.id))
    assert [(e.from_state, e.to_state) for e in check_in.events] == [
        (S.EXPECTED, S.ARRIVED),
        (S.ARRIVED, S.ID_CHECKED),
        (S.ID_CHECKED, S.ADMITTED),
        (S.ADMITTED, S.LEFT),
    ]
    assert check_in.arrived_at == before_start(45)
    assert check_in.admitted_at == before_start(5)
    assert check_in.left_at == before_start(-110)
    assert not check_in.late
    assert checkin.was_admitted(family.id)
    audited = (StaffAuditEvent.record_type == "visit", StaffAuditEvent.record_id == family.id)
    assert count(StaffAuditEvent, *audited) == 4


def test_children_under_16_with_an_adult_need_no_id_but_everyone_else_does(family, officer):
    checkin.mark_arrived(family, officer, before_start(45))
    db.session.commit()
    mary, ann = family.visitors

    with pytest.raises(MissingId) as refused:
        checkin.record_id_check(family, officer, set(), before_start(40))
    assert refused.value.visitors == [mary]
    db.session.rollback()

    checkin.record_id_check(family, officer, {mary.id}, before_start(40))
    db.session.commit()
    checks = {
        c.visitor_id: (c.id_seen, c.exempt) for c in db.session.scalars(sa.select(VisitorIdCheck))
    }
    assert checks == {mary.id: (True, False), ann.id: (False, True)}


def test_a_child_needs_id_from_their_16th_birthday(book, todays_session, officer):
    today = local_today()
    sixteen_today = VisitorDetails("Sam", "Jones", birthday(today, 16), Relationship.CHILD)
    sixteen_tomorrow = VisitorDetails(
        "Lily", "Jones", birthday(today + timedelta(days=1), 16), Relationship.CHILD
    )
    visit = book(todays_session, [adult(), sixteen_today, sixteen_tomorrow])

    needs = {n.visitor.first_name: n.needs_id for n in checkin.id_needs(visit)}

    assert needs == {"Mary": True, "Sam": True, "Lily": False}


def birthday(on, years):
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # born on 29 February: a birthday on the 28th in other years
        return on.replace(year=on.year - years, day=28)


def test_children_without_an_adult_need_id():
    assert needs_id(10, accompanied=False)
    assert not needs_id(10, accompanied=True)
    assert needs_id(16, accompanied=True)


def test_arriving_after_the_latest_arrival_time_is_flagged_late(
    book, todays_session, officer, cardiff
):
    assert cardiff.arrive_minutes_before == 30
    on_time, late = book(todays_session), book(todays_session)

    checkin.mark_arrived(on_time, officer, before_start(30))
    checkin.mark_arrived(late, officer, before_start(29))
    db.session.commit()

    assert not checkin.check_in_of(on_time).late
    assert checkin.check_in_of(late).late
    assert checkin.check_in_of(late).events[0].note == "late"


def test_the_latest_arrival_time_is_the_prisons_own(book, todays_session, officer, cardiff):
    cardiff.arrive_minutes_before = 45
    db.session.commit()
    visit = book(todays_session)

    checkin.mark_arrived(visit, officer, before_start(40))

    assert checkin.check_in_of(visit).late


def test_families_are_checked_in_only_on_the_day_of_their_visit(
    book, make_session, cardiff, officer
):
    tomorrow = make_session(cardiff, on=local_today() + timedelta(days=1))
    visit = book(tomorrow)

    with pytest.raises(CheckInRefused, match="day of their visit"):
        checkin.mark_arrived(visit, officer, before_start(60))


def test_a_cancelled_visit_cannot_be_checked_in(family, officer):
    booking.cancel_visit(
        family, CancelReason.ILLNESS, "", "family", datetime.combine(local_today(), time(9))
    )
    db.session.commit()

    with pytest.raises(CheckInRefused):
        checkin.mark_arrived(family, officer, before_start(45))
    assert family.status is VisitStatus.CANCELLED
    assert count(CheckIn) == 0


def test_no_show_only_after_the_latest_arrival_time(family, officer):
    with pytest.raises(CheckInRefused, match="13:30"):
        checkin.mark_no_show(family, officer, before_start(31))

    checkin.mark_no_show(family, officer, before_start(30))
    db.session.commit()

    assert checkin.state_of(family) is S.NO_SHOW
    assert not checkin.was_admitted(family.id)


def test_a_family_marked_as_not_coming_who_turns_up_is_checked_in_late(family, officer):
    checkin.mark_no_show(family, officer, before_start(20))
    checkin.mark_arrived(family, officer, before_start(10))
    db.session.commit()

    assert checkin.state_of(family) is S.ARRIVED
    assert checkin.check_in_of(family).late


def test_everyone_still_expected_in_a_session_can_be_marked_as_not_coming(
    book, todays_session, officer, cardiff
):
    here, missing, also_missing = (book(todays_session) for _ in range(3))
    checkin.mark_arrived(here, officer, before_start(45))
    db.session.commit()

    with pytest.raises(CheckInRefused):
        checkin.record_no_shows(cardiff, todays_session, officer, before_start(45))
    marked = checkin.record_no_shows(cardiff, todays_session, officer, before_start(0))
    db.session.commit()

    assert marked == 2
    assert [checkin.state_of(v) for v in (here, missing, also_missing)] == [
        S.ARRIVED,
        S.NO_SHOW,
        S.NO_SHOW,
    ]


def test_after_the_id_check_the_family_cannot_change_visitors_online(family, officer):
    # Replacing the visitors would drop the ID checks already made: staff handle it in person.
    checkin.mark_arrived(family, officer, before_start(45))
    checkin.record_id_check(family, officer, lead_only(family), before_start(40))
    db.session.commit()
    checks = count(VisitorIdCheck)

    with pytest.raises(booking.BookingError, match="checked in at the visitor centre"):
        booking.change_visitors(
            family,
            [booking.details_of(family.visitors[0])],
            local_today(),
            before_start(35),
            checkin.local_time(before_start(35)),
        )
    db.session.rollback()

    assert checkin.state_of(family) is S.ID_CHECKED
    assert count(VisitorIdCheck) == checks == len(family.visitors)


def test_the_day_shows_each_session_with_its_families(
    book, make_session, todays_session, cardiff, officer
):
    later = make_session(cardiff, on=local_today(), start=time(18, 0))
    first, second = book(todays_session), book(todays_session)
    evening = book(later)
    checkin.mark_arrived(first, officer, before_start(45))
    db.session.commit()

    day = checkin.sessions_on(cardiff, local_today())

    assert [s.session.id for s in day] == [todays_session.id, later.id]
    assert [(v.visit.id, v.state) for v in day[0].visits] == [
        (first.id, S.ARRIVED),
        (second.id, S.EXPECTED),
    ]
    assert (day[0].still_expected, day[0].here) == (1, 1)
    assert [v.visit.id for v in day[1].visits] == [evening.id]
    assert [v.visit.id for v in checkin.here_now(cardiff, local_today())] == [first.id]


def test_search_by_reference_or_by_a_visitors_name(book, todays_session, cardiff):
    visit = book(todays_session, [adult("Mary"), child_aged(8, local_today(), first="Zofia")])
    book(todays_session, [adult("Grace")])
    today = local_today()
    reference = f"{visit.reference[:4].lower()}-{visit.reference[4:].lower()}"

    assert [v.visit.id for v in checkin.find_visits(cardiff, reference, today)] == [visit.id]
    assert [v.visit.id for v in checkin.find_visits(cardiff, "zofia jo", today)] == [visit.id]
    assert checkin.find_visits(cardiff, "Zofia", today + timedelta(days=1)) == []
    assert checkin.find_visits(cardiff, "%", today) == []


def test_search_stays_within_the_prison(book, todays_session, make_session, usk):
    elsewhere = book(make_session(usk, on=local_today()), [adult("Mary")])

    assert checkin.find_visits(todays_session.prison, elsewhere.reference, local_today()) == []
    assert checkin.find_visits(todays_session.prison, "Mary", local_today()) == []


# Through the pages, as staff at the desk use it.


def token_from(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_staff_check_a_family_in_through_the_pages(sign_in, officer, family, cardiff):
    browser = sign_in(officer)
    visit_url = f"/staff/prisons/cardiff/visits/{family.reference}"

    day = browser.get("/staff/prisons/cardiff/visitor-centre")
    assert family.reference[:4] in day.text and "Mary Jones" in day.text

    page = browser.get(visit_url)
    arrived = browser.post(f"{visit_url}/arrived", data={"csrf_token": token_from(page)})
    assert arrived.status_code == 302

    page = browser.get(visit_url)
    no_id = browser.post(f"{visit_url}/id-checked", data={"csrf_token": token_from(page)})
    assert no_id.status_code == 200
    assert "There is a problem" in no_id.text
    assert 'href="#seen"' in no_id.text
    assert "Confirm you have seen ID for Mary Jones" in no_id.text

    mary = str(family.visitors[0].id)
    checked = browser.post(
        f"{visit_url}/id-checked", data={"csrf_token": token_from(page), "seen": [mary]}
    )
    assert checked.status_code == 302
    page = browser.get(visit_url)
    admitted = browser.post(f"{visit_url}/admitted", data={"csrf_token": token_from(page)})
    assert admitted.status_code == 302

    again = browser.post(f"{visit_url}/admitted", data={"csrf_token": token_from(page)})
    assert again.status_code == 200
    assert "There is a problem" in again.text
    assert checkin.state_of(family) is S.ADMITTED
    assert count(CheckInEvent) == 3


def test_a_tampered_id_check_is_refused(sign_in, officer, family):
    browser = sign_in(officer)
    visit_url = f"/staff/prisons/cardiff/visits/{family.reference}"
    page = browser.get(visit_url)
    browser.post(f"{visit_url}/arrived", data={"csrf_token": token_from(page)})

    ann = str(family.visitors[1].id)
    response = browser.post(
        f"{visit_url}/id-checked", data={"csrf_token": token_from(page), "seen": [ann, "x"]}
    )

    assert response.status_code == 200
    assert checkin.state_of(family) is S.ARRIVED
