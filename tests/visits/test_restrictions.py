import secrets
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from app import db
from staff.models import Role, StaffAuditEvent
from tests.conftest import PRISONER, adult, child, count
from tests.visits.journey_steps import book, error_summary
from timeutil import LONDON, local_today, utcnow
from visits import booking
from visits.booking import BookingError, ContactDetails, PrisonerDetails
from visits.models import Restriction, RestrictionKind, TableType, Visit, VisitStatus
from visits.sessions import availability

BAN, CLOSED = RestrictionKind.VISITOR_BAN, RestrictionKind.CLOSED_VISITS
CHILDREN, APART = RestrictionKind.CHILD_CONTACT, RestrictionKind.NON_ASSOCIATION
MARY = {
    "visitor_first_name": "Mary",
    "visitor_last_name": "Jones",
    "visitor_date_of_birth": date(1985, 3, 27),
}
PLAIN_REASON = "The prison needs to check this request before it is confirmed."


def now_local():
    return datetime.now(LONDON).replace(tzinfo=None)


@pytest.fixture
def cardiff(make_prison):
    return make_prison(slug="cardiff", name="HMP Cardiff")


@pytest.fixture
def usk(make_prison):
    return make_prison(slug="usk", name="HMP Usk")


@pytest.fixture
def session(cardiff, make_session):
    return make_session(cardiff, open_tables=5, closed_tables=1)


def book_other_prisoner(session, number):
    """Another family's visit to another prisoner, through the real booking path."""
    prisoner = PrisonerDetails("Dan", "Smith", date(1979, 1, 1), number)
    visitors = [adult("Sue", born=date(1970, 1, 1))]
    contact = ContactDetails("+447123456780", None, "en")
    token = f"other-{number}-{secrets.token_hex(4)}"
    booking.hold_place(
        session.prison, token, session.id, prisoner, visitors, contact, local_today(), utcnow()
    )
    visit = booking.confirm_booking(
        session.prison, token, prisoner, visitors, contact, [], "", local_today(), utcnow()
    )
    db.session.commit()
    return visit


# Each kind of restriction sends a booking to review


@pytest.mark.parametrize(
    ("kind", "fields", "visitors"),
    [
        (BAN, MARY, None),
        (CLOSED, {"prisoner_number": "A1234BC"}, None),
        (CLOSED, MARY, None),
        (CHILDREN, {"prisoner_number": "A1234BC"}, [adult(), child()]),
    ],
    ids=[
        "visitor ban",
        "closed visits for the prisoner",
        "closed visits for a visitor",
        "no child contact",
    ],
)
def test_a_booking_that_meets_a_restriction_waits_for_review(
    cardiff, session, book_visit, make_restriction, kind, fields, visitors
):
    make_restriction(cardiff, kind, ends_on=local_today() + timedelta(days=60), **fields)

    visit = book_visit(session, visitors)

    assert not cardiff.requires_approval
    assert visit.status is VisitStatus.REQUESTED
    assert visit.review_reasons == kind.value
    assert [e.to_status for e in visit.events] == [VisitStatus.HELD, VisitStatus.REQUESTED]


def test_non_association_sends_the_second_booking_of_the_day_to_review_either_way(
    cardiff, session, make_session, book_visit, make_restriction
):
    make_restriction(cardiff, APART, prisoner_number="B2345CD", other_prisoner_number="A1234BC")
    other_day = make_session(cardiff, on=session.date + timedelta(days=1))

    book_other_prisoner(session, "B2345CD")
    same_day = book_visit(session)
    next_day = book_visit(other_day)

    assert same_day.status is VisitStatus.REQUESTED
    assert same_day.review_reasons == APART.value
    assert next_day.status is VisitStatus.BOOKED


def test_non_association_is_checked_from_the_other_prisoners_side_too(
    cardiff, session, book_visit, make_restriction
):
    make_restriction(cardiff, APART, prisoner_number="A1234BC", other_prisoner_number="B2345CD")
    book_visit(session)

    other = book_other_prisoner(session, "B2345CD")

    assert other.status is VisitStatus.REQUESTED


def test_a_cancelled_visit_of_the_other_prisoner_does_not_count(
    cardiff, session, book_visit, make_restriction
):
    make_restriction(cardiff, APART, prisoner_number="A1234BC", other_prisoner_number="B2345CD")
    other = book_other_prisoner(session, "B2345CD")
    booking.cancel_visit(other, booking.CancelReason.ILLNESS, "", "family", now_local())
    db.session.commit()

    assert book_visit(session).status is VisitStatus.BOOKED


def test_child_contact_lets_adults_visit(cardiff, session, book_visit, make_restriction):
    make_restriction(cardiff, CHILDREN, prisoner_number="A1234BC")

    assert book_visit(session, [adult(), adult("Sue")]).status is VisitStatus.BOOKED


@pytest.mark.parametrize(
    ("first", "last"),
    [("mary", "JONES"), ("  Mary ", "Jones"), ("Máry", "Jones")],
    ids=["case", "spaces", "accent"],
)
def test_a_ban_matches_the_name_however_it_is_typed(
    cardiff, session, book_visit, make_restriction, first, last
):
    make_restriction(cardiff, BAN, ends_on=local_today() + timedelta(days=30), **MARY)
    typed = booking.VisitorDetails(first, last, date(1985, 3, 27), adult().relation)

    assert book_visit(session, [typed]).status is VisitStatus.REQUESTED


@pytest.mark.parametrize(
    "restriction",
    [
        {**MARY, "visitor_date_of_birth": date(1985, 3, 28)},
        {**MARY, "visitor_first_name": "Maria"},
        {**MARY, "ends_on": "yesterday"},
        {**MARY, "starts_on": "after the visit"},
        {**MARY, "ended_at": "now"},
        {**MARY, "at": "another prison"},
    ],
    ids=[
        "another date of birth",
        "another name",
        "ended by its date",
        "not started by the visit",
        "ended by staff",
        "at another prison",
    ],
)
def test_a_ban_that_does_not_apply_lets_the_booking_through(
    cardiff, usk, session, book_visit, make_restriction, restriction
):
    fields = dict(restriction)
    prison = usk if fields.pop("at", None) else cardiff
    if fields.get("ends_on") == "yesterday":
        fields["starts_on"] = local_today() - timedelta(days=30)
        fields["ends_on"] = local_today() - timedelta(days=1)
    if fields.get("starts_on") == "after the visit":
        fields["starts_on"] = session.date + timedelta(days=1)
    if fields.get("ended_at") == "now":
        fields["ended_at"] = utcnow()
    make_restriction(prison, BAN, **fields)

    assert book_visit(session).status is VisitStatus.BOOKED


def test_a_ban_applies_on_its_last_day(cardiff, session, book_visit, make_restriction):
    make_restriction(cardiff, BAN, ends_on=session.date, **MARY)

    assert book_visit(session).status is VisitStatus.REQUESTED


# Closed visits take a closed table


def places(session):
    (left,) = availability([session], utcnow())
    return left.open_left, left.closed_left


def test_a_closed_visit_takes_a_closed_table_when_one_is_free(
    cardiff, session, book_visit, make_restriction
):
    make_restriction(cardiff, CLOSED, prisoner_number="A1234BC")

    first = book_visit(session)
    second = book_visit(session)

    assert first.table_type is TableType.CLOSED
    assert second.table_type is TableType.OPEN  # the only closed table is taken
    assert places(session) == (4, 0)
    assert second.status is VisitStatus.REQUESTED


def test_an_open_visit_never_takes_a_closed_table(cardiff, session, book_visit):
    assert book_visit(session).table_type is TableType.OPEN
    assert places(session) == (4, 1)


# Changing a visit afterwards


def test_adding_a_banned_visitor_to_a_booked_visit_is_refused_plainly(
    cardiff, session, book_visit, make_restriction
):
    visit = book_visit(session, [adult()])
    make_restriction(
        cardiff,
        BAN,
        visitor_first_name="Sue",
        visitor_last_name="Jones",
        visitor_date_of_birth=date(1970, 1, 1),
    )

    with pytest.raises(BookingError) as error:
        booking.change_visitors(
            visit,
            [adult(), adult("Sue", born=date(1970, 1, 1))],
            local_today(),
            utcnow(),
            now_local(),
        )
    db.session.rollback()

    with current_app.test_request_context():
        message = str(error.value.message)
    assert "The prison needs to check this change" in message
    assert "ban" not in message.lower()
    assert [v.first_name for v in visit.visitors] == ["Mary"]


def test_moving_to_a_day_when_a_kept_apart_prisoner_visits_is_refused(
    cardiff, session, make_session, book_visit, make_restriction
):
    later = make_session(cardiff, on=session.date + timedelta(days=1))
    visit = book_visit(later)
    make_restriction(cardiff, APART, prisoner_number="A1234BC", other_prisoner_number="B2345CD")
    book_other_prisoner(session, "B2345CD")

    with pytest.raises(BookingError):
        booking.change_visit_time(visit, session.id, local_today(), utcnow(), now_local())
    db.session.rollback()

    assert visit.session_id == later.id


def test_a_visit_already_in_review_for_a_restriction_can_still_lose_a_visitor(
    cardiff, session, book_visit, make_restriction
):
    make_restriction(cardiff, CLOSED, prisoner_number="A1234BC")
    visit = book_visit(session, [adult(), adult("Sue")])

    booking.change_visitors(visit, [adult()], local_today(), utcnow(), now_local())
    db.session.commit()

    assert [v.first_name for v in visit.visitors] == ["Mary"]


# What families see


def test_the_family_sees_only_a_plain_reason(family, cardiff, make_session, make_restriction):
    make_session(cardiff)
    make_restriction(cardiff, CLOSED, prisoner_number="A1234BC", reason="Drugs passed in visits")

    confirmation = book(family, "cardiff")
    visit = db.session.scalar(sa.select(Visit))
    manage = family.get(f"/visit/{visit.manage_token}")

    assert visit.status is VisitStatus.REQUESTED
    for page in (confirmation, manage):
        assert PLAIN_REASON in page.text
        for secret in ("Drugs", "Closed visits only", "closed_visits", "restriction"):
            assert secret not in page.text


def test_families_at_a_prison_that_checks_every_request_see_nothing_extra(
    family, make_prison, make_session
):
    prison = make_prison(slug="bristol", requires_approval=True)
    make_session(prison)

    confirmation = book(family, "bristol")

    assert "Visit request sent" in confirmation.text
    assert PLAIN_REASON not in confirmation.text


# The visits team's pages


@pytest.fixture
def team(make_staff, sign_in, cardiff):
    staff = make_staff(Role.VISITS_TEAM, prisons=[cardiff])
    return staff, sign_in(staff)


def date_fields(name, day):
    return {f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year}


IN_A_MONTH = local_today() + timedelta(days=30)
WHO = {
    "visitor-ban": {
        "visitor_first_name": "Mary",
        "visitor_last_name": "Jones",
        **date_fields("visitor_date_of_birth", date(1985, 3, 27)),
    },
    "closed-visitor": {
        "visitor_first_name": "Mary",
        "visitor_last_name": "Jones",
        **date_fields("visitor_date_of_birth", date(1985, 3, 27)),
    },
    "closed-prisoner": {"prisoner_number": "a1234 bc"},
    "child-contact": {"prisoner_number": "A1234BC"},
    "non-association": {"prisoner_number": "A1234BC", "other_prisoner_number": "B2345CD"},
}
KINDS = {
    "visitor-ban": BAN,
    "closed-visitor": CLOSED,
    "closed-prisoner": CLOSED,
    "child-contact": CHILDREN,
    "non-association": APART,
}


@pytest.mark.parametrize("kind", list(WHO))
def test_the_visits_team_adds_each_kind_of_restriction(team, cardiff, kind):
    staff, browser = team
    answers = {
        **WHO[kind],
        **date_fields("starts_on", local_today()),
        **date_fields("ends_on", IN_A_MONTH),
        "reason": "Assessed risk",
    }

    response = browser.submit(f"/staff/prisons/cardiff/restrictions/new/{kind}", answers)

    assert response.status_code == 302, error_summary(response.text)
    added = db.session.scalar(sa.select(Restriction))
    assert (added.kind, added.prison_id, added.created_by_id) == (KINDS[kind], cardiff.id, staff.id)
    assert added.ends_on == IN_A_MONTH
    if "prisoner_number" in WHO[kind]:
        assert added.prisoner_number == "A1234BC"
    assert count(StaffAuditEvent, StaffAuditEvent.action == "added restriction") == 1


@pytest.mark.parametrize(
    ("kind", "answers", "message"),
    [
        ("visitor-ban", {"reason": "x"}, "Enter the visitor&#39;s first name"),
        ("visitor-ban", {**WHO["visitor-ban"], "reason": "x"}, "Enter the date it ends"),
        ("closed-prisoner", {"prisoner_number": "12345", "reason": "x"}, "right format"),
        ("child-contact", {"prisoner_number": "A1234BC"}, "Enter the reason"),
        (
            "non-association",
            {"prisoner_number": "A1234BC", "other_prisoner_number": "a1234bc", "reason": "x"},
            "Enter 2 different prison numbers",
        ),
        (
            "child-contact",
            {
                "prisoner_number": "A1234BC",
                "reason": "x",
                **date_fields("ends_on", local_today() - timedelta(days=1)),
            },
            "The end date must be today or in the future",
        ),
    ],
    ids=[
        "no visitor",
        "ban without an end",
        "bad number",
        "no reason",
        "same prisoner twice",
        "ended before it starts",
    ],
)
def test_a_restriction_with_a_mistake_is_explained_and_kept(team, kind, answers, message):
    _staff, browser = team
    answers = {**date_fields("starts_on", local_today()), **answers}

    page = browser.submit(f"/staff/prisons/cardiff/restrictions/new/{kind}", answers)

    assert page.status_code == 200
    assert message in error_summary(page.text)
    assert count(Restriction) == 0
    if "reason" in answers:
        assert f">{answers['reason']}</textarea>" in page.text


def test_an_unknown_kind_of_restriction_is_not_found(team):
    assert team[1].get("/staff/prisons/cardiff/restrictions/new/curfew").status_code == 404


def test_viewing_restrictions_is_recorded_in_the_audit_trail(team, cardiff, make_restriction):
    staff, browser = team
    make_restriction(cardiff, BAN, ends_on=IN_A_MONTH, reason="Threatened staff", **MARY)

    page = browser.get("/staff/prisons/cardiff/restrictions")

    assert "Threatened staff" in page.text
    assert "Mary Jones" in page.text
    viewed = db.session.scalars(
        sa.select(StaffAuditEvent).where(StaffAuditEvent.action == "viewed restrictions")
    ).all()
    assert [(e.staff_id, e.prison_id) for e in viewed] == [(staff.id, cardiff.id)]


def test_ending_a_restriction_needs_a_reason_and_stops_it_applying(
    team, cardiff, session, book_visit, make_restriction
):
    staff, browser = team
    ban = make_restriction(cardiff, BAN, ends_on=IN_A_MONTH, **MARY)
    url = f"/staff/prisons/cardiff/restrictions/{ban.id}/end"

    no_reason = browser.submit(url, {"reason": ""})
    ended = browser.submit(url, {"reason": "Appeal upheld"})

    assert "Enter why the restriction is ending" in error_summary(no_reason.text)
    assert ended.status_code == 302
    db.session.refresh(ban)
    assert (ban.ended_by_id, ban.end_reason) == (staff.id, "Appeal upheld")
    assert browser.get(url).status_code == 404  # already ended
    assert book_visit(session).status is VisitStatus.BOOKED
    listed = browser.get("/staff/prisons/cardiff/restrictions?show=ended")
    assert "Appeal upheld" in listed.text
    assert count(StaffAuditEvent, StaffAuditEvent.action == "ended restriction") == 1


def test_restriction_pages_show_only_this_prisons_restrictions(
    team, cardiff, usk, make_restriction
):
    make_restriction(usk, BAN, ends_on=IN_A_MONTH, reason="Usk only reason", **MARY)
    elsewhere = db.session.scalar(sa.select(Restriction))

    listed = team[1].get("/staff/prisons/cardiff/restrictions")

    assert "Usk only reason" not in listed.text
    assert team[1].get(f"/staff/prisons/cardiff/restrictions/{elsewhere.id}/end").status_code == (
        404
    )


def test_a_booking_for_an_unrestricted_prisoner_is_booked_as_before(cardiff, session, book_visit):
    visit = book_visit(session)

    assert visit.status is VisitStatus.BOOKED
    assert visit.review_reasons == ""
    assert PRISONER.prison_number == visit.prisoner_number
