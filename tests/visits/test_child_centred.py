"""Child-centred sessions in the family area, and compassionate early visits for children
whose primary carer is the prisoner."""

import html
import re
import secrets
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app import db
from centres import checkin, reports
from staff.models import Role
from tests.centres.conftest import at
from tests.conftest import CONTACT, PRISONER, adult, child, count
from tests.visits.journey_steps import (
    CHILD,
    book,
    error_summary,
    offered_sessions,
    walk_to_choose_time,
)
from timeutil import local_today, utcnow
from visits import booking, review
from visits.booking import BookingError, PrisonerDetails
from visits.models import (
    Prison,
    RestrictionKind,
    SessionKind,
    SessionTemplate,
    TableType,
    Visit,
    VisitSession,
    VisitStatus,
)
from visits.sessions import availability, ensure_sessions

DAY = local_today() + timedelta(days=3)
INFORMATION = {
    "what_happens": "Games, a story and a snack together.",
    "play_area": "Soft play for under-5s.",
    "children_may_bring": "A drawing to show their parent.",
}
# The family's wall clock: the visits on DAY have not started.
NOW_LOCAL = datetime.combine(local_today(), time(8, 0))
EMBRACE = "parents may hold and hug their children"
HOLD = "Parents may hold and hug their children during the visit."


@pytest.fixture
def cardiff(make_prison):
    return make_prison(slug="cardiff", min_notice_days=2)


def session_of(template, day=DAY):
    return db.session.scalar(
        sa.select(VisitSession).where(
            VisitSession.template_id == template.id, VisitSession.date == day
        )
    )


@pytest.fixture
def add_weekly(make_template):
    """Weekly sessions made into dated ones through the real generation, as the team's are."""

    def add(prison, start, kind=SessionKind.SOCIAL, day=DAY, **fields):
        extra = INFORMATION if kind is SessionKind.CHILD_CENTRED else {}
        template = make_template(prison, day.weekday(), start=start, kind=kind, **extra, **fields)
        ensure_sessions(prison, *prison.booking_window(local_today()))
        db.session.commit()
        return session_of(template, day)

    return add


@pytest.fixture
def sessions(cardiff, add_weekly):
    """On DAY: a social session at 14:00 and a child-centred one at 10:00, of 1 table each."""
    social = add_weekly(cardiff, time(14, 0), open_tables=1)
    child_centred = add_weekly(cardiff, time(10, 0), SessionKind.CHILD_CENTRED, open_tables=1)
    return social, child_centred


# Who can book ------------------------------------------------------------------------------


def test_a_child_centred_session_is_made_from_its_weekly_session(sessions):
    social, child_centred = sessions

    assert child_centred.is_child_centred
    assert not social.is_child_centred
    assert child_centred.template.what_happens == INFORMATION["what_happens"]


def test_a_child_centred_session_cannot_be_booked_by_adults_alone(sessions, book_visit):
    _, child_centred = sessions

    with pytest.raises(BookingError, match="at least 1 visitor must be under 18"):
        book_visit(child_centred, [adult(), adult("Jo", date(1990, 1, 1))])
    assert count(Visit) == 0


def test_a_child_centred_session_is_booked_with_a_child(sessions, book_visit):
    _, child_centred = sessions

    visit = book_visit(child_centred, [adult(), child()])

    assert visit.status is VisitStatus.BOOKED
    assert visit.session_id == child_centred.id


@pytest.mark.parametrize(
    ("adult_age", "years", "booked"),
    [(18, 17, True), (16, 17, False), (16, 15, True)],
    ids=["17-is-a-child-at-18", "17-is-an-adult-at-16", "15-is-a-child-at-16"],
)
def test_who_counts_as_a_child_is_the_prisons_adult_age(
    make_prison, add_weekly, book_visit, adult_age, years, booked
):
    prison = make_prison(adult_age=adult_age, max_adults=3)
    session = add_weekly(prison, time(10, 0), SessionKind.CHILD_CENTRED)
    young = child(born=DAY - timedelta(days=365 * years + 100))  # `years` old on the day

    if booked:
        assert book_visit(session, [adult(), young]).status is VisitStatus.BOOKED
    else:
        with pytest.raises(BookingError, match=f"under {adult_age}"):
            book_visit(session, [adult(), young])


def test_removing_the_last_child_from_a_child_centred_visit_is_refused(sessions, book_visit):
    _, child_centred = sessions
    visit = book_visit(child_centred, [adult(), child()])

    with pytest.raises(BookingError, match="Child-centred visits are for children"):
        booking.change_visitors(
            visit, [booking.details_of(visit.lead_visitor)], local_today(), utcnow(), NOW_LOCAL
        )


def test_an_adult_visit_cannot_move_into_a_child_centred_session(sessions, book_visit):
    social, child_centred = sessions
    visit = book_visit(social)

    with pytest.raises(BookingError, match="Child-centred visits are for children"):
        booking.change_visit_time(visit, child_centred.id, local_today(), utcnow(), NOW_LOCAL)
    db.session.rollback()
    assert db.session.get(Visit, visit.id).session_id == social.id


def test_a_child_centred_session_has_its_own_capacity(sessions, book_visit):
    social, child_centred = sessions

    book_visit(child_centred, [adult(), child()])
    social_places, child_places = availability([social, child_centred], utcnow())

    assert (social_places.open_left, child_places.open_left) == (1, 0)
    assert book_visit(social, [adult(), child()]).session_id == social.id
    with pytest.raises(BookingError, match="fully booked"):
        book_visit(child_centred, [adult(), child()])


# What families see -------------------------------------------------------------------------


def test_families_see_child_centred_sessions_labelled_with_their_information(family, sessions):
    _, child_centred = sessions

    page = walk_to_choose_time(family, "cardiff", children=[CHILD])

    assert child_centred.id in offered_sessions(page.text)
    assert "Child-centred visit in the family area: at least 1 child must come" in page.text
    for text in INFORMATION.values():
        assert text in page.text
    assert f"Unless it is a closed visit, {EMBRACE}." in page.text


def test_adults_alone_are_not_offered_child_centred_sessions(family, sessions):
    social, child_centred = sessions

    offered = offered_sessions(walk_to_choose_time(family, "cardiff").text)

    assert social.id in offered
    assert child_centred.id not in offered


def test_choosing_a_child_centred_session_without_children_says_why(family, sessions):
    # As from a page shown before the child was removed from the visit.
    _, child_centred = sessions
    walk_to_choose_time(family, "cardiff")

    page = family.submit("/book/time", {"session": child_centred.id})

    assert page.status_code == 200
    assert "Child-centred visits are for children" in error_summary(page.text)
    assert count(Visit) == 0


def test_the_confirmation_describes_the_child_centred_visit(family, sessions):
    _, child_centred = sessions

    page = book(family, "cardiff", children=[CHILD], session_id=child_centred.id)

    assert "Visit booked" in page.text
    assert "A child-centred visit" in page.text
    for text in INFORMATION.values():
        assert text in page.text
    assert HOLD in page.text


def test_families_with_children_at_an_open_social_visit_are_told_they_may_hold_them(
    family, sessions, book_visit
):
    social, _ = sessions
    with_child = book_visit(social, [adult(), child()])

    page = family.get(f"/visit/{with_child.manage_token}")

    assert HOLD in page.text
    assert "A child-centred visit" not in page.text


def test_adults_alone_are_not_told_about_holding_children(family, sessions, book_visit):
    social, _ = sessions
    visit = book_visit(social)

    assert HOLD not in family.get(f"/visit/{visit.manage_token}").text


@pytest.mark.parametrize("closed_tables", [1, 0], ids=["closed-table", "no-closed-table-left"])
def test_a_closed_visit_is_not_told_parents_may_hold_their_children(
    family, cardiff, add_weekly, make_restriction, book_visit, closed_tables
):
    session = add_weekly(
        cardiff, time(10, 0), SessionKind.CHILD_CENTRED, closed_tables=closed_tables
    )
    make_restriction(cardiff, RestrictionKind.CLOSED_VISITS, prisoner_number="A1234BC")

    visit = book_visit(session, [adult(), child()])
    page = family.get(f"/visit/{visit.manage_token}")

    expected = TableType.CLOSED if closed_tables else TableType.OPEN
    assert (visit.status, visit.table_type) == (VisitStatus.REQUESTED, expected)
    assert "A child-centred visit" in page.text
    assert "hold and hug" not in page.text


def test_a_visit_waiting_on_a_child_contact_check_is_not_told_about_holding_children(
    family, cardiff, sessions, make_restriction, book_visit
):
    social, _ = sessions
    make_restriction(cardiff, RestrictionKind.CHILD_CONTACT, prisoner_number="A1234BC")

    visit = book_visit(social, [adult(), child()])

    assert visit.status is VisitStatus.REQUESTED
    assert "hold and hug" not in family.get(f"/visit/{visit.manage_token}").text


# The visits team's pages ---------------------------------------------------------------------


@pytest.fixture
def team(make_staff, sign_in, cardiff):
    return sign_in(make_staff(Role.VISITS_TEAM, prisons=[cardiff]))


def weekly_answers(**changes):
    return {
        "weekday": "2",
        "start_time": "10:00",
        "end_time": "12:00",
        "open_tables": "6",
        "closed_tables": "0",
        "people_places": "24",
        "valid_from-day": str(local_today().day),
        "valid_from-month": str(local_today().month),
        "valid_from-year": str(local_today().year),
        **changes,
    }


def test_the_team_adds_and_changes_a_child_centred_weekly_session(team, cardiff):
    response = team.submit(
        "/staff/prisons/cardiff/sessions/weekly/new",
        weekly_answers(kind="child_centred", **INFORMATION),
    )

    assert response.status_code == 302
    template = db.session.scalars(sa.select(SessionTemplate)).one()
    assert template.kind is SessionKind.CHILD_CENTRED
    assert template.what_happens == INFORMATION["what_happens"]
    assert "Child-centred" in team.get("/staff/prisons/cardiff/sessions").text

    url = f"/staff/prisons/cardiff/sessions/weekly/{template.id}/edit"
    form = team.get(url).text
    assert 'value="child_centred" checked' in form
    assert INFORMATION["play_area"] in form
    changed = team.submit(
        url,
        weekly_answers(
            kind="child_centred", play_area="A new corner", what_happens="", children_may_bring=""
        ),
    )

    assert changed.status_code == 302
    db.session.refresh(template)
    assert (template.play_area, template.what_happens) == ("A new corner", "")


def test_a_social_session_keeps_no_family_area_information(team, cardiff):
    team.submit("/staff/prisons/cardiff/sessions/weekly/new", weekly_answers(**INFORMATION))

    template = db.session.scalars(sa.select(SessionTemplate)).one()
    assert template.kind is SessionKind.SOCIAL
    assert (template.play_area, template.children_may_bring, template.what_happens) == ("",) * 3


def test_too_much_information_for_families_is_refused_and_kept(team, cardiff):
    long = "x" * 501

    page = team.submit(
        "/staff/prisons/cardiff/sessions/weekly/new",
        weekly_answers(kind="child_centred", what_happens=long),
    )

    assert page.status_code == 200
    assert "Keep this to 500 characters or fewer" in error_summary(page.text)
    assert 'href="#what_happens"' in error_summary(page.text)
    assert long in page.text
    assert count(SessionTemplate) == 0


# Compassionate early visits ------------------------------------------------------------------


@pytest.fixture
def usk(make_prison):
    # Usually 4 days' notice: a compassionate visit may be tomorrow.
    return make_prison(slug="usk", min_notice_days=4, requires_approval=True)


@pytest.fixture
def early_and_usual(usk, make_session):
    early = make_session(usk, on=local_today() + timedelta(days=1))
    usual = make_session(usk, on=local_today() + timedelta(days=5))
    return early, usual


def book_early(session, visitors, primary_carer=True, prisoner=PRISONER):
    prison = db.session.get(Prison, session.prison_id)
    token = secrets.token_urlsafe(16)
    args = (prisoner, visitors, CONTACT)
    booking.hold_place(
        prison, token, session.id, *args, local_today(), utcnow(), primary_carer=primary_carer
    )
    visit = booking.confirm_booking(
        prison, token, *args, [], "", local_today(), utcnow(), primary_carer=primary_carer
    )
    db.session.commit()
    return visit


def test_a_compassionate_visit_may_be_inside_the_usual_notice(early_and_usual):
    early, _ = early_and_usual

    visit = book_early(early, [adult(), child()])

    assert (visit.status, visit.compassionate) == (VisitStatus.REQUESTED, True)
    assert "compassionate" in visit.review_reasons.split(",")


@pytest.mark.parametrize(
    ("primary_carer", "visitors"),
    [(False, [adult(), child()]), (True, [adult()])],
    ids=["not-the-primary-carer", "no-children"],
)
def test_without_the_primary_carer_and_a_child_the_usual_notice_stands(
    early_and_usual, primary_carer, visitors
):
    early, usual = early_and_usual

    with pytest.raises(BookingError, match="can no longer be booked"):
        book_early(early, visitors, primary_carer)
    db.session.rollback()
    assert book_early(usual, visitors, primary_carer).compassionate is False


def test_a_compassionate_visit_keeps_the_prisons_first_visit_notice(
    usk, early_and_usual, make_session
):
    early, _ = early_and_usual
    usk.first_visit_notice_days = 2
    db.session.commit()

    with pytest.raises(BookingError, match="can no longer be booked"):
        book_early(early, [adult(), child()])
    db.session.rollback()
    later = book_early(make_session(usk, on=local_today() + timedelta(days=2)), [adult(), child()])
    assert later.compassionate is True


def test_a_compassionate_visit_is_checked_even_where_booking_is_instant(make_prison, make_session):
    prison = make_prison(min_notice_days=4)
    visit = book_early(
        make_session(prison, on=local_today() + timedelta(days=2)), [adult(), child()]
    )

    assert visit.status is VisitStatus.REQUESTED


def test_compassionate_requests_come_first_in_the_review_queue(early_and_usual, usk):
    _, usual = early_and_usual
    older = book_early(usual, [adult()], primary_carer=False)
    other = PrisonerDetails("Bob", "Smith", date(1979, 1, 1), "B2345CD")
    compassionate = book_early(usual, [adult(), child()], prisoner=other)

    waiting = review.waiting_requests(usk, utcnow())

    assert older.created_at <= compassionate.created_at
    assert [w.visit.id for w in waiting] == [compassionate.id, older.id]


def test_the_team_sees_compassionate_requests_first_and_marked(
    early_and_usual, usk, make_staff, sign_in
):
    _, usual = early_and_usual
    older = book_early(usual, [adult()], primary_carer=False)
    other = PrisonerDetails("Bob", "Smith", date(1979, 1, 1), "B2345CD")
    compassionate = book_early(usual, [adult(), child()], prisoner=other)
    team = sign_in(make_staff(Role.VISITS_TEAM, prisons=[usk]))

    page = team.get("/staff/prisons/usk/requests").text
    request = team.get(f"/staff/prisons/usk/requests/{compassionate.id}").text

    references = re.findall(r"/requests/(\d+)\"", page)
    assert references == [str(compassionate.id), str(older.id)]
    assert page.count("Early visit for children") == 1
    assert "the prisoner was the children's primary carer" in html.unescape(request)


def test_the_family_asks_for_and_books_an_early_visit(family, early_and_usual):
    early, usual = early_and_usual

    page = walk_to_choose_time(family, "usk", children=[CHILD])
    assert offered_sessions(page.text) == [usual.id]
    assert "Ask for an early visit" in page.text

    answered = family.submit("/book/early-visit", {"primary_carer": "yes"})
    assert answered.headers["Location"].endswith("/book/time")
    page = family.get("/book/time")
    assert offered_sessions(page.text) == [early.id, usual.id]
    assert family.submit("/book/time", {"session": early.id}).status_code == 302
    assert family.submit("/book/needs", {}).status_code == 302
    assert "early visit" in family.get("/book/check").text
    assert family.submit("/book/check").status_code == 302

    confirmation = family.get("/book/confirmation").text
    visit = db.session.scalars(sa.select(Visit)).one()
    assert "Visit request sent" in confirmation
    assert "The prison checks these requests before others." in confirmation
    assert (visit.session_id, visit.compassionate) == (early.id, True)


def test_the_early_visit_question_must_be_answered(family, early_and_usual):
    walk_to_choose_time(family, "usk", children=[CHILD])

    page = family.submit("/book/early-visit", {})

    assert page.status_code == 200
    assert "Select yes if the prisoner was the children" in error_summary(page.text)


def test_adults_alone_are_not_asked_about_an_early_visit(family, early_and_usual):
    page = walk_to_choose_time(family, "usk")

    assert "Ask for an early visit" not in page.text
    assert family.get("/book/early-visit").headers["Location"].endswith("/book/time")


# Reports -----------------------------------------------------------------------------------


def test_children_who_came_to_child_centred_visits_are_counted(
    make_prison, add_weekly, book_visit, make_staff
):
    today = local_today()
    prison = make_prison(min_notice_days=0)
    worker = make_staff(Role.CENTRE, prisons=[prison])
    child_centred = add_weekly(prison, time(10, 0), SessionKind.CHILD_CENTRED, day=today)
    social = add_weekly(prison, time(14, 0), day=today)
    came = book_visit(child_centred, [adult(), child(), child("Bea")])
    book_visit(child_centred, [adult(), child("Cai")])  # not checked in
    at_social = book_visit(social, [adult(), child("Dan")])
    for visit, hour in ((came, 9), (at_social, 13)):
        checkin.mark_arrived(visit, worker, at(today, hour))
        checkin.record_id_check(visit, worker, {visit.visitors[0].id}, at(today, hour, 10))
        checkin.admit(visit, worker, at(today, hour, 50))
    db.session.commit()

    summary = reports.summary(prison, today, today)
    table = reports.tables(reports.build(prison, today, today, 4))["summary"]
    rows = {str(name): value for name, value in table.rows}

    assert summary.children == 4
    assert summary.children_at_child_centred == 2
    assert rows["Children who came to child-centred visits"] == 2
