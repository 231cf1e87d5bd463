import re

import pytest
import sqlalchemy as sa

from app import db
from centres import support
from centres.models import (
    SupportCategory,
    SupportGiven,
    SupportKind,
    SupportRecord,
    VisitorCentre,
)
from centres.support import SupportRefused
from staff.models import Role, StaffAuditEvent
from tests.conftest import count
from timeutil import utcnow

HOUSING, TRAVEL, MENTAL_HEALTH = (
    SupportCategory.HOUSING,
    SupportCategory.TRAVEL_COSTS,
    SupportCategory.MENTAL_HEALTH,
)


@pytest.fixture
def worker(make_staff, cardiff):
    return make_staff(Role.CENTRE, prisons=[cardiff])


@pytest.fixture
def visit(book, todays_session):
    return book(todays_session)


def record(cardiff, visit, worker, **overrides):
    answers = {
        "signposted": {HOUSING, TRAVEL},
        "referred": {MENTAL_HEALTH},
        "first_time_visitor": True,
        "consent_given": True,
        "now": utcnow(),
    }
    return support.record_support(cardiff, visit, worker, **{**answers, **overrides})


def given():
    return {(g.category, g.kind) for g in db.session.scalars(sa.select(SupportGiven))}


def test_support_is_recorded_by_category_and_kind_with_consent(cardiff, visit, worker):
    record(cardiff, visit, worker)
    db.session.commit()

    saved = db.session.scalar(sa.select(SupportRecord))
    assert (saved.first_time_visitor, saved.consent_given, saved.staff_id) == (
        True,
        True,
        worker.id,
    )
    assert given() == {
        (HOUSING, SupportKind.SIGNPOSTED),
        (TRAVEL, SupportKind.SIGNPOSTED),
        (MENTAL_HEALTH, SupportKind.REFERRED),
    }
    assert count(StaffAuditEvent, StaffAuditEvent.action == "recorded support") == 1


def test_nothing_is_recorded_without_consent(cardiff, visit, worker):
    with pytest.raises(SupportRefused):
        record(cardiff, visit, worker, consent_given=False)
    db.session.rollback()

    assert count(SupportRecord) == 0


def test_support_needs_at_least_one_category(cardiff, visit, worker):
    with pytest.raises(SupportRefused):
        record(cardiff, visit, worker, signposted=set(), referred=set())


def test_free_text_is_dropped_unless_the_centre_allows_notes(cardiff, visit, worker):
    db.session.add(VisitorCentre(prison_id=cardiff.id, name="Cardiff Prison Visitor Centre"))
    db.session.commit()
    record(cardiff, visit, worker, notes="Talked about the rent")
    db.session.commit()
    assert db.session.scalar(sa.select(SupportRecord.notes)) == ""

    cardiff.visitor_centre.support_notes_allowed = True
    record(cardiff, visit, worker, notes="  Will come back next week ")
    db.session.commit()

    notes = db.session.scalars(sa.select(SupportRecord.notes).order_by(SupportRecord.id)).all()
    assert notes == ["", "Will come back next week"]


# Through the page.


def support_url(visit):
    return f"/staff/prisons/cardiff/visits/{visit.reference}/support"


def test_staff_record_support_through_the_page(sign_in, worker, visit):
    browser = sign_in(worker)
    form = browser.get(support_url(visit))
    assert 'name="notes"' not in form.text

    response = browser.submit(
        support_url(visit),
        {
            "consent": "yes",
            "first_time": "no",
            "signposted": ["housing", "families_helpline"],
            "referred": ["domestic_abuse"],
        },
    )

    assert response.status_code == 302
    assert given() == {
        (HOUSING, SupportKind.SIGNPOSTED),
        (SupportCategory.FAMILIES_HELPLINE, SupportKind.SIGNPOSTED),
        (SupportCategory.DOMESTIC_ABUSE, SupportKind.REFERRED),
    }
    assert db.session.scalar(sa.select(SupportRecord.first_time_visitor)) is False


def test_without_consent_the_page_says_so_and_keeps_the_answers(sign_in, worker, visit):
    browser = sign_in(worker)

    page = browser.submit(
        support_url(visit), {"consent": "no", "first_time": "yes", "signposted": ["housing"]}
    )

    assert page.status_code == 200
    summary = page.text.split('class="govuk-error-summary"')[1]
    assert 'href="#consent"' in summary
    assert "only record support when the family agrees" in summary
    assert re.search(r'value="housing"\s+checked', page.text)
    assert count(SupportRecord) == 0


def test_the_page_asks_for_every_answer(sign_in, worker, visit):
    browser = sign_in(worker)

    page = browser.submit(support_url(visit), {})

    summary = page.text.split('class="govuk-error-summary"')[1]
    for anchor in ("#consent", "#first_time", "#signposted"):
        assert f'href="{anchor}"' in summary
    assert count(SupportRecord) == 0
