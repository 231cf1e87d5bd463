import re
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from app import db
from tests.conftest import count
from tests.visits.journey_steps import (
    CHILD,
    LEAD,
    PRISONER,
    book,
    error_summary,
    offered_sessions,
    walk_to_choose_time,
)
from timeutil import local_today
from visits.models import Visit, VisitEvent, VisitSession, VisitStatus


@pytest.fixture
def cardiff(make_prison, make_session):
    prison = make_prison(slug="cardiff")
    make_session(prison, open_tables=2)
    make_session(prison, on=local_today() + timedelta(days=5), open_tables=5)
    return prison


def test_family_books_a_visit_and_gets_a_reference(family, cardiff):
    confirmation = book(family, "cardiff", children=[CHILD])

    assert "Visit booked" in confirmation.text
    visit = db.session.scalar(sa.select(Visit))
    assert visit.status is VisitStatus.BOOKED
    assert visit.prisoner_number == "A1234BC"
    assert visit.mobile == "+447123456789"
    assert [v.first_name for v in visit.visitors] == ["Mary", "Ann"]
    assert visit.needs_list == ["wheelchair"]
    assert f"{visit.reference[:4]}-{visit.reference[4:]}" in confirmation.text
    assert f"/visit/{visit.manage_token}" in confirmation.text
    assert [(e.from_status, e.to_status) for e in visit.events] == [
        (None, VisitStatus.HELD),
        (VisitStatus.HELD, VisitStatus.BOOKED),
    ]


def test_prison_that_checks_visits_receives_a_request(family, make_prison, make_session):
    prison = make_prison(slug="bristol", name="HMP Bristol", requires_approval=True)
    make_session(prison)

    confirmation = book(family, "bristol")

    assert "Visit request sent" in confirmation.text
    assert db.session.scalar(sa.select(Visit.status)) is VisitStatus.REQUESTED


def test_resubmitting_the_last_page_books_once(family, cardiff):
    walk_to_choose_time(family, "cardiff")
    session_id = offered_sessions(family.get("/book/time").text)[0]
    family.submit("/book/time", {"session": session_id})
    family.submit("/book/needs", {})
    check_page = family.get("/book/check")
    token = re.search(r'name="csrf_token" value="([^"]+)"', check_page.text).group(1)

    first = family.post("/book/check", data={"csrf_token": token})
    again = family.post("/book/check", data={"csrf_token": token})

    assert first.headers["Location"].endswith("/book/confirmation")
    assert again.headers["Location"].endswith("/book/confirmation")
    assert count(Visit) == 1


def test_choosing_a_time_twice_holds_one_place(family, cardiff):
    page = walk_to_choose_time(family, "cardiff")
    first, second = offered_sessions(page.text)[:2]

    family.submit("/book/time", {"session": first})
    family.submit("/book/time", {"session": second})

    assert count(Visit) == 1
    assert db.session.scalar(sa.select(Visit.session_id)) == second


def test_full_sessions_are_not_offered(family, cardiff, book_visit):
    two_tables = db.session.scalar(sa.select(VisitSession).where(VisitSession.open_tables == 2))
    book_visit(two_tables)
    book_visit(two_tables)

    page = walk_to_choose_time(family, "cardiff")

    assert two_tables.id not in offered_sessions(page.text)
    assert offered_sessions(page.text)


def test_a_place_taken_meanwhile_gets_a_clear_message(family, cardiff, book_visit):
    page = walk_to_choose_time(family, "cardiff")
    contested = db.session.get(VisitSession, offered_sessions(page.text)[0])
    book_visit(contested)
    book_visit(contested)

    response = family.submit("/book/time", {"session": contested.id})

    assert response.status_code == 200
    assert "just been fully booked" in error_summary(response.text)
    assert contested.id not in offered_sessions(response.text)
    assert count(Visit, Visit.session_id == contested.id) == 2


def test_errors_are_summarised_and_answers_kept(family, cardiff):
    family.submit("/book/prison", {"prison": "cardiff"})

    response = family.submit(
        "/book/prisoner", {**PRISONER, "prison_number": "12345", "date_of_birth-month": ""}
    )

    summary = error_summary(response.text)
    assert response.status_code == 200
    assert "There is a problem" in summary
    assert 'href="#prison_number"' in summary
    assert 'href="#date_of_birth-month"' in summary
    assert "Enter a prison number in the right format, like A1234BC" in summary
    assert 'value="Tom"' in response.text
    assert 'value="12345"' in response.text
    assert response.text.startswith("<!DOCTYPE html>")
    assert "<title>Error:" in response.text


@pytest.mark.parametrize(
    ("url", "answers", "message"),
    [
        ("/book/prisoner", {}, "Enter the prisoner&#39;s first name"),
        ("/book/prisoner", {**PRISONER, "date_of_birth-year": "80"}, "The year must have 4"),
        (
            "/book/prisoner",
            {**PRISONER, "date_of_birth-day": "31", "date_of_birth-month": "2"},
            "The date must be a real date",
        ),
        ("/book/prisoner", {**PRISONER, "date_of_birth-year": "2990"}, "must be in the past"),
        ("/book/prisoner", {**PRISONER, "first_name": "x" * 101}, "100 characters or fewer"),
        (
            "/book/you",
            {**LEAD, "date_of_birth-year": str(local_today().year - 17)},
            "You must be 18 or over",
        ),
        ("/book/you", {**LEAD, "relation": "boss"}, "Select your relationship"),
        ("/book/contact", {"mobile": "", "email": ""}, "Enter a mobile number or an email"),
        ("/book/contact", {"mobile": "01632 960 001"}, "Enter a UK mobile number"),
        ("/book/contact", {"email": "mary@"}, "Enter an email address in the right format"),
    ],
)
def test_each_wrong_answer_gets_its_own_message(family, cardiff, url, answers, message):
    family.submit("/book/prison", {"prison": "cardiff"})
    family.submit("/book/prisoner", PRISONER)
    family.submit("/book/you", LEAD)

    response = family.submit(url, answers)

    assert response.status_code == 200
    assert message in error_summary(response.text)


def test_group_limits_are_explained(family, cardiff):
    walk_to_choose_time(family, "cardiff", children=[CHILD, CHILD, CHILD])
    family.submit("/book/visitors", {"add_another": "yes"})

    response = family.submit("/book/visitors/add", CHILD)

    assert "No more than 3 children can visit at once." in error_summary(response.text)
    assert 'value="Ann"' in response.text


@pytest.mark.parametrize(
    ("url", "answers"),
    [
        ("/book/prison", {"prison": "nowhere"}),
        ("/book/time", {"session": "not-a-number"}),
        ("/book/time", {"session": "999999"}),
        ("/book/needs", {"needs": ["teleport"], "details": "x" * 501}),
        ("/book/visitors", {"add_another": "maybe"}),
    ],
)
def test_tampered_answers_get_a_message_not_an_error(family, cardiff, url, answers):
    walk_to_choose_time(family, "cardiff")
    family.submit("/book/time", {"session": offered_sessions(family.get("/book/time").text)[0]})

    response = family.submit(url, answers)

    assert response.status_code == 200
    assert "There is a problem" in error_summary(response.text)


def test_pages_out_of_order_send_the_family_back(family, cardiff):
    assert family.get("/book/check").headers["Location"].endswith("/book/time")
    assert family.get("/book/time").headers["Location"].endswith("/book/visitors")
    assert family.get("/book/prisoner").headers["Location"].endswith("/book/prison")


def test_every_change_is_audited(family, cardiff):
    book(family, "cardiff")

    events = db.session.scalars(sa.select(VisitEvent).order_by(VisitEvent.id)).all()

    assert {e.actor for e in events} == {"family"}
    assert events[-1].to_status is VisitStatus.BOOKED


@pytest.mark.parametrize(
    ("hours_before", "morning_at", "promise"),
    [
        (
            48,
            time(8, 0),
            "We will remind you 2 days before the visit and on the morning of the visit.",
        ),
        (36, None, "We will remind you 36 hours before the visit."),
        (0, time(7, 30), "We will remind you on the morning of the visit."),
    ],
)
def test_confirmation_promises_the_reminders_the_service_will_send(
    family, cardiff, app, monkeypatch, hours_before, morning_at, promise
):
    monkeypatch.setitem(app.config, "REMINDER_HOURS_BEFORE", hours_before)
    monkeypatch.setitem(app.config, "REMINDER_MORNING_AT", morning_at)

    confirmation = book(family, "cardiff")

    assert promise in confirmation.text


def test_confirmation_promises_no_reminder_when_none_will_be_sent(
    family, cardiff, app, monkeypatch
):
    monkeypatch.setitem(app.config, "REMINDER_HOURS_BEFORE", 0)
    monkeypatch.setitem(app.config, "REMINDER_MORNING_AT", None)

    confirmation = book(family, "cardiff")

    assert "Visit booked" in confirmation.text
    assert "remind you" not in confirmation.text


def test_a_request_says_how_many_working_days_the_prison_takes(family, make_prison, make_session):
    make_session(
        make_prison(slug="bristol", name="HMP Bristol", requires_approval=True, review_days=1)
    )

    confirmation = book(family, "bristol")

    assert "within 1 working day if your visit is confirmed" in confirmation.text


def test_the_check_page_promises_the_prisons_own_review_days(family, make_prison, make_session):
    make_session(
        make_prison(slug="bristol", name="HMP Bristol", requires_approval=True, review_days=5)
    )
    page = walk_to_choose_time(family, "bristol")
    assert (
        family.submit("/book/time", {"session": offered_sessions(page.text)[0]}).status_code == 302
    )
    assert family.submit("/book/needs", {}).status_code == 302

    check = family.get("/book/check")

    assert "HMP Bristol checks every visit request" in check.text
    assert "within 5 working days if your visit is confirmed" in check.text
