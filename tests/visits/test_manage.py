import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app import db
from tests.conftest import adult, child
from tests.visits.journey_steps import CHILD, book, error_summary
from timeutil import local_today
from visits.models import CancelReason, Visit, VisitSession, VisitStatus


@pytest.fixture
def cardiff(make_prison, make_session):
    prison = make_prison(slug="cardiff")
    make_session(prison, open_tables=3)
    make_session(prison, on=local_today() + timedelta(days=6), open_tables=1)
    return prison


@pytest.fixture
def booked(family, cardiff):
    book(family, "cardiff", children=[CHILD])
    return db.session.scalar(sa.select(Visit))


def lookup_answers(reference, born=date(1985, 3, 27)):
    return {
        "reference": reference,
        "date_of_birth-day": str(born.day),
        "date_of_birth-month": str(born.month),
        "date_of_birth-year": str(born.year),
    }


def test_manage_link_is_unguessable(booked):
    # 32 random bytes in URL-safe base64: 256 bits, well over the 128 required.
    assert len(booked.manage_token) >= 43
    assert re.fullmatch(r"[A-Za-z0-9_-]+", booked.manage_token)


def test_family_finds_their_visit_with_reference_and_date_of_birth(family, booked):
    typed = f"{booked.reference[:4].lower()} - {booked.reference[4:].lower()}"

    response = family.submit("/manage", lookup_answers(typed))

    assert response.headers["Location"].endswith(f"/visit/{booked.manage_token}")
    page = family.get(f"/visit/{booked.manage_token}")
    assert "Tom Jones (A1234BC)" in page.text
    assert "Booked" in page.text


@pytest.mark.parametrize(
    "answers",
    [
        lookup_answers("BCDF2345"),
        pytest.param(None, id="right reference, wrong date of birth"),
    ],
)
def test_wrong_details_find_nothing_and_say_so(family, booked, answers):
    answers = answers or lookup_answers(booked.reference, born=date(1985, 3, 28))

    response = family.submit("/manage", answers)

    assert response.status_code == 200
    assert "We could not find a visit" in error_summary(response.text)


def test_unknown_link_is_not_found(family, booked):
    assert family.get("/visit/" + "x" * 43).status_code == 404


def test_family_cancels_with_a_reason(family, booked):
    url = f"/visit/{booked.manage_token}/cancel"

    unanswered = family.submit(url, {})
    response = family.submit(url, {"reason": "illness", "details": "Flu"})

    assert "Select why you are cancelling" in error_summary(unanswered.text)
    assert response.status_code == 302
    db.session.refresh(booked)
    assert booked.status is VisitStatus.CANCELLED
    assert booked.cancel_reason is CancelReason.ILLNESS
    assert booked.events[-1].to_status is VisitStatus.CANCELLED
    assert "This visit is cancelled" in family.get(f"/visit/{booked.manage_token}").text


def test_cancelled_visit_cannot_be_cancelled_again(family, booked):
    url = f"/visit/{booked.manage_token}/cancel"
    page = family.get(url)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    family.post(url, data={"csrf_token": token, "reason": "travel"})

    again = family.post(url, data={"csrf_token": token, "reason": "travel"})

    assert again.headers["Location"].endswith(f"/visit/{booked.manage_token}")
    manage_page = family.get(again.headers["Location"])
    assert "can no longer be changed or cancelled online" in manage_page.text
    db.session.refresh(booked)
    assert len([e for e in booked.events if e.to_status is VisitStatus.CANCELLED]) == 1


@pytest.mark.parametrize("page", ["cancel", "change-time", "change-visitors", "add-visitor"])
def test_a_visit_that_has_started_cannot_be_changed(family, cardiff, book_visit, page):
    visit = book_visit(_sessions()[0])
    visit.session.date = local_today() - timedelta(days=1)
    db.session.commit()

    response = family.get(f"/visit/{visit.manage_token}/{page}")

    assert response.status_code == 302
    assert "Cancel this visit" not in family.get(f"/visit/{visit.manage_token}").text


def test_family_moves_their_visit_to_another_time(family, booked):
    other = next(s for s in _sessions() if s.id != booked.session_id)

    response = family.submit(f"/visit/{booked.manage_token}/change-time", {"session": other.id})

    assert response.status_code == 302
    db.session.refresh(booked)
    assert booked.session_id == other.id
    assert booked.events[-1].note == "time changed"


def test_moving_to_a_full_time_is_refused(family, booked, book_visit):
    other = next(s for s in _sessions() if s.id != booked.session_id)
    book_visit(other)

    response = family.submit(f"/visit/{booked.manage_token}/change-time", {"session": other.id})

    assert "just been fully booked" in error_summary(response.text)
    db.session.refresh(booked)
    assert booked.session_id != other.id


def test_family_removes_a_visitor(family, booked):
    response = family.submit(f"/visit/{booked.manage_token}/change-visitors", {})

    assert response.status_code == 302
    db.session.refresh(booked)
    assert [v.first_name for v in booked.visitors] == ["Mary"]


def test_adding_a_visitor_respects_the_limits(family, cardiff, book_visit):
    session = _sessions()[0]
    visit = book_visit(session, visitors=[adult(), adult("Bob"), adult("Cai")])

    response = family.submit(
        f"/visit/{visit.manage_token}/add-visitor",
        {
            "first_name": "Dai",
            "last_name": "Jones",
            "date_of_birth-day": "1",
            "date_of_birth-month": "1",
            "date_of_birth-year": "1990",
            "relation": "friend",
        },
    )

    assert "No more than 3 adults" in error_summary(response.text)
    db.session.refresh(visit)
    assert len(visit.visitors) == 3


def test_adding_a_child_to_a_booking(family, cardiff, book_visit):
    visit = book_visit(_sessions()[0], visitors=[adult(), child()])

    family.submit(
        f"/visit/{visit.manage_token}/add-visitor",
        {**CHILD, "first_name": "Beth"},
    )

    db.session.refresh(visit)
    assert [v.first_name for v in visit.visitors] == ["Mary", "Ann", "Beth"]


def _sessions():
    return db.session.scalars(sa.select(VisitSession).order_by(VisitSession.date)).all()
