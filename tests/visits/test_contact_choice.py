"""Families choose text messages, email or both; we keep only the details they want used."""

import html

import pytest
import sqlalchemy as sa

from app import db
from tests.visits.journey_steps import LEAD, PRISONER, error_summary
from visits.models import Visit
from visits.outbox import Channel, OutboxMessage

MOBILE, EMAIL = "07123 456789", "mary@example.org"


@pytest.fixture
def cardiff(make_prison, make_session):
    prison = make_prison(slug="cardiff")
    make_session(prison)
    return prison


def reach_contact_page(family):
    family.submit("/book/prison", {"prison": "cardiff"})
    family.submit("/book/prisoner", PRISONER)
    family.submit("/book/you", LEAD)


def finish_booking(family):
    assert family.submit("/book/visitors", {"add_another": "no"}).status_code == 302
    page = family.get("/book/time")
    session_id = page.text.split('name="session" type="radio" value="')[1].split('"')[0]
    assert family.submit("/book/time", {"session": session_id}).status_code == 302
    assert family.submit("/book/needs", {}).status_code == 302
    assert family.submit("/book/check").status_code == 302
    return db.session.scalar(sa.select(Visit))


def channels_of(visit):
    query = sa.select(OutboxMessage.channel).where(OutboxMessage.visit_id == visit.id)
    return sorted(db.session.scalars(query))


@pytest.mark.parametrize(
    ("send_by", "kept_mobile", "kept_email", "channels"),
    [
        ("sms", "+447123456789", None, [Channel.SMS]),
        ("email", None, EMAIL, [Channel.EMAIL]),
        ("both", "+447123456789", EMAIL, [Channel.EMAIL, Channel.SMS]),
        ("", "+447123456789", EMAIL, [Channel.EMAIL, Channel.SMS]),  # not chosen: all given
    ],
)
def test_only_the_chosen_ways_are_kept_and_used(
    family, cardiff, send_by, kept_mobile, kept_email, channels
):
    reach_contact_page(family)
    answers = {"mobile": MOBILE, "email": EMAIL} | ({"send_by": send_by} if send_by else {})
    assert family.submit("/book/contact", answers).status_code == 302

    visit = finish_booking(family)

    assert (visit.mobile, visit.email) == (kept_mobile, kept_email)
    assert channels_of(visit) == channels


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        (
            {"mobile": MOBILE, "email": "", "send_by": "both"},
            "email",
            "Enter an email address, or choose to get text messages only",
        ),
        (
            {"mobile": "", "email": EMAIL, "send_by": "sms"},
            "mobile",
            "Enter a mobile number, or choose to get emails only",
        ),
        ({"mobile": MOBILE, "email": "", "send_by": "fax"}, "send_by", "Select how we should"),
    ],
)
def test_a_choice_without_its_details_is_explained_and_answers_kept(
    family, cardiff, answers, field, message
):
    reach_contact_page(family)

    page = family.submit("/book/contact", answers)

    assert page.status_code == 200
    summary = html.unescape(error_summary(page.text))
    assert message in summary and f'href="#{field}' in summary
    if answers["mobile"]:
        assert f'value="{answers["mobile"]}"' in page.text


def test_the_contact_page_shows_the_choice_made(family, cardiff):
    reach_contact_page(family)
    family.submit("/book/contact", {"mobile": MOBILE, "email": EMAIL, "send_by": "both"})

    page = family.get("/book/contact")

    assert 'value="both" checked' in page.text
