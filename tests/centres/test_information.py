"""Information about visiting each prison: kept by staff in each language, read by families."""

import html
import re

import pytest
import sqlalchemy as sa

from app import db
from centres import information
from centres.info_models import InfoTopic, PrisonInformationText
from centres.models import VisitorCentre
from staff.models import Role, StaffAuditEvent
from tests.conftest import count

EDIT = "/staff/prisons/cardiff/information"


@pytest.fixture
def cardiff(make_prison):
    prison = make_prison(slug="cardiff", name="HMP Cardiff")
    db.session.add(
        VisitorCentre(
            prison_id=prison.id,
            name="Cardiff Visitor Centre",
            has_play_area=True,
            has_lockers=True,
            has_refreshments=False,
        )
    )
    db.session.commit()
    return prison


@pytest.fixture
def team(make_staff, sign_in, cardiff):
    return sign_in(make_staff(Role.VISITS_TEAM, prisons=[cardiff]))


def topics(**texts):
    answers = {topic.value: "" for topic in InfoTopic}
    answers.update(texts)
    return {**answers, "visitor_entrance": "", "latitude": "", "longitude": ""}


def section(page_text, topic_id):
    """The HTML from one topic's heading to the next heading."""
    match = re.search(rf'<h2 class="govuk-heading-m" id="{topic_id}">.*?(?=<h2)', page_text, re.S)
    assert match, f"no {topic_id} section"
    return match.group()


@pytest.mark.parametrize(
    ("text", "numbered", "expected"),
    [
        ("One line.", False, [("p", ("One line.",))]),
        ("First\nline.\n\nSecond.", False, [("p", ("First line.",)), ("p", ("Second.",))]),
        (
            "Bring:\n- a passport\n* a driving licence\nAsk us.",
            False,
            [("p", ("Bring:",)), ("ul", ("a passport", "a driving licence")), ("p", ("Ask us.",))],
        ),
        ("Arrive.\n\n- Show ID.\nSit down.", True, [("ol", ("Arrive.", "Show ID.", "Sit down."))]),
        ("  \n ", False, []),
    ],
    ids=["paragraph", "paragraphs", "bullets", "steps", "empty"],
)
def test_staff_text_becomes_paragraphs_lists_and_steps(text, numbered, expected):
    assert [(b.kind, b.lines) for b in information.blocks(text, numbered)] == expected


def test_staff_write_in_english_and_welsh_and_families_read_their_own(team, family, cardiff):
    english = topics(
        dress_code="No football shirts.",
        on_the_day="Go to the visitor centre.\nShow your ID.\nWait to be called.",
        food="There is a cafe in the visits hall.",
    )
    welsh = topics(dress_code="Dim crysau pêl-droed.")

    assert team.submit(EDIT, english).status_code == 302
    assert team.submit(f"{EDIT}/cy", welsh).status_code == 302

    page = family.get("/prisons/cardiff?lang=en").text
    assert "No football shirts." in section(page, "dress-code")
    steps = re.findall(r"<li>(.*?)</li>", section(page, "on-the-day"))
    assert steps == ["Go to the visitor centre.", "Show your ID.", "Wait to be called."]

    welsh_page = family.get("/prisons/cardiff?lang=cy").text
    assert "Dim crysau pêl-droed." in section(welsh_page, "dress-code")
    assert 'lang="en"' not in section(welsh_page, "dress-code")
    # Not written in Welsh yet: shown in English, marked as English.
    food = section(welsh_page, "food")
    assert re.search(
        r'<div class="app-staff-text" lang="en" dir="ltr">\s*<p class="govuk-body">'
        r"There is a cafe in the visits hall.</p>",
        food,
    )


def test_saving_changes_records_who_changed_what_and_removes_emptied_topics(team, cardiff):
    team.submit(EDIT, topics(lockers="Lockers take a £1 coin.", food="Vending machines."))
    team.submit(EDIT, topics(lockers="Lockers take a £1 coin."))

    stored = db.session.scalars(sa.select(PrisonInformationText.topic)).all()
    assert stored == [InfoTopic.LOCKERS]
    details = db.session.scalars(
        sa.select(StaffAuditEvent.detail).where(
            StaffAuditEvent.action == "changed family information"
        )
    ).all()
    assert details == ["en: 2 changed", "en: 1 changed"]


def test_families_see_the_visitor_centres_facts_until_staff_write_more(team, family, cardiff):
    page = family.get("/prisons/cardiff").text

    assert "There is a children's play area." in html.unescape(section(page, "play-area"))
    assert "There are lockers for your belongings." in section(page, "lockers")
    assert 'id="food"' not in page  # no refreshments, and nothing written
    assert "Give your booking reference and show your ID." in section(page, "on-the-day")
    assert "What to bring" in page


def test_the_map_points_at_the_visitor_entrance_when_staff_give_one(team, family, cardiff):
    answers = topics()
    answers.update(visitor_entrance="Gate B, Knox Road", latitude="51.48", longitude="-3.16")

    assert team.submit(EDIT, answers).status_code == 302

    page = family.get("/prisons/cardiff").text
    assert "Gate B, Knox Road" in page
    assert "mlat=51.48&amp;mlon=-3.16" in page


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"latitude": "51.48"}, "longitude", "Enter both the latitude and the longitude"),
        ({"latitude": "100", "longitude": "1"}, "latitude", "Enter a latitude between -90 and 90"),
        ({"food": "x" * 3001}, "food", "Write 3000 characters or fewer"),
    ],
    ids=["half-a-location", "latitude-out-of-range", "too-long"],
)
def test_problems_are_shown_and_nothing_is_saved(team, cardiff, answers, field, message):
    response = team.submit(EDIT, {**topics(), **answers})

    assert response.status_code == 200
    assert f'href="#{field}">{message}' in response.text
    assert count(PrisonInformationText) == 0


def test_the_journey_planner_is_linked_when_the_service_has_one(family, cardiff, app):
    page = family.get("/prisons/cardiff").text

    link = re.search(r'id="journey-planner-link" href="([^"]+)"', page)
    if "transport.plan_journey" in app.view_functions:
        assert link.group(1) == "/prisons/cardiff/journey"
    else:
        assert link is None


@pytest.mark.parametrize(("role", "status"), [(Role.CENTRE, 200), (Role.CASEWORKER, 403)])
def test_centre_staff_may_edit_and_others_may_not(make_staff, sign_in, cardiff, role, status):
    client = sign_in(make_staff(role, prisons=[cardiff]))

    assert client.get(EDIT).status_code == status


def test_another_prisons_information_is_not_found(make_staff, sign_in, cardiff, make_prison):
    make_prison(slug="usk")
    client = sign_in(make_staff(Role.VISITS_TEAM, prisons=[cardiff]))

    assert client.get("/staff/prisons/usk/information").status_code == 404
    assert client.get(f"{EDIT}/xx").status_code == 404


def test_the_text_boxes_are_in_the_language_being_written(team, cardiff):
    page = team.get(f"{EDIT}/ur").text

    assert re.search(r'<textarea[^>]*lang="ur"[^>]*dir="rtl"', page) or re.search(
        r'<textarea[^>]*dir="rtl"[^>]*lang="ur"', page
    )
