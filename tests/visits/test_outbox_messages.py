"""Every message fits the configured number of SMS segments, in English and every translation.

The Welsh catalogue is translated later, so besides whatever it holds today each message is
also rendered in a worst-case "pseudo-Welsh": every string 40% longer and full of
circumflexes, which makes the whole text UCS-2 (70 characters a segment, 67 when split).
"""

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from flask_babel import Domain

import sms
from app import create_app
from tests.conftest import TEST_SETTINGS
from visits import messages
from visits.messages import TEMPLATES, MessageKind, render

MESSAGES_PY = Path(messages.__file__)
LANGUAGES = sorted(path.name for path in (MESSAGES_PY.parent.parent / "translations").glob("*/"))
CIRCUMFLEXED = str.maketrans("aeiouwyAEIOUWY", "âêîôûŵŷÂÊÎÔÛŴŶ")
PLACEHOLDER = re.compile(r"(%\(\w+\)s)")

# Long but real: the longest prison names, a 500-character note, a production address.
LONG_VALUES = {
    "prison": "HMP/YOI Eastwood Park and Women's Remand Centre, Falfield",
    "date": "Wednesday 17 September",
    "time": "14:00",
    "arrive": "13:30",
    "reference": "BCDF-2345",
    "plain_reference": "BCDF2345",
    "link": "https://www.visit-someone-in-prison.service.justice.gov.uk/visit/"
    "Xq3v_9kLm-2PzR7sT1uV4wY6aB8cD0eF2gH5jK7mN9p",
    "lookup_link": "https://www.visit-someone-in-prison.service.justice.gov.uk/manage",
    "phone": "0300 060 6604 (option 3)",
    "reason": "This person is not on the prisoner's list of approved visitors. The prisoner can "
    "ask for them to be added. " + "The visits team checked the list twice this week. " * 9,
}
WELSH_VALUES = {**LONG_VALUES, "date": "Dydd Mercher 17 Medi", "prison": "Carchar Caerdydd"}


def pseudo_welsh(text: str) -> str:
    """About 40% longer than the English, circumflexes throughout, placeholders untouched."""
    pieces = PLACEHOLDER.split(text)
    out = []
    for piece in pieces:
        if PLACEHOLDER.fullmatch(piece):
            out.append(piece)
            continue
        out.append(
            re.sub(
                r"[A-Za-z]+",
                lambda m: m.group().translate(CIRCUMFLEXED) + "ŷ" * -(-len(m.group()) * 3 // 5),
                piece,
            )
        )
    return "".join(out)


@pytest.fixture(scope="module")
def pseudo_catalogue(tmp_path_factory):
    catalog = Catalog(locale="cy")
    for _line, msgid, _comments, _context in extract_from_file(
        "python", MESSAGES_PY, keywords={"_l": None}
    ):
        catalog.add(msgid, pseudo_welsh(msgid))
    directory = tmp_path_factory.mktemp("translations")
    mo_path = directory / "cy" / "LC_MESSAGES" / "messages.mo"
    mo_path.parent.mkdir(parents=True)
    with mo_path.open("wb") as mo_file:
        write_mo(mo_file, catalog)
    return directory, len(catalog)


@pytest.fixture(scope="module")
def app():
    # Rendering needs no database: one application for the whole module.
    return create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def in_pseudo_welsh(app, pseudo_catalogue):
    directory, _ = pseudo_catalogue
    with app.app_context():
        # For this application context only: the shared catalogue cache is left alone.
        Domain(translation_directories=[str(directory)]).as_default()
        yield


def budget(app):
    return app.config["SMS_MAX_SEGMENTS"]


def test_pseudo_welsh_is_longer_and_forces_ucs2(pseudo_catalogue):
    english = "Everyone aged 16 or over must bring photo ID."
    assert len(pseudo_welsh(english)) >= 1.35 * len(english)
    assert not sms.is_gsm7(pseudo_welsh(english))
    assert pseudo_welsh("Ref: %(reference)s.").endswith("%(reference)s.")
    assert pseudo_catalogue[1] > 30  # every message's sentences were found and translated


@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_message_fits_in_english(kind, app, ctx):
    rendered = render(kind, "en", LONG_VALUES, budget(app))

    assert 1 <= rendered.segments <= budget(app)
    assert rendered.segments == sms.segments(rendered.body)
    _keeps_the_essentials(kind, rendered.body, LONG_VALUES)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_message_fits_in_every_language_as_the_catalogues_stand(kind, language, app, ctx):
    values = WELSH_VALUES if language == "cy" else LONG_VALUES
    rendered = render(kind, language, values, budget(app))

    assert 1 <= rendered.segments <= budget(app)
    _keeps_the_essentials(kind, rendered.body, values)


@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_message_fits_in_long_welsh_with_circumflexes(kind, app, in_pseudo_welsh):
    rendered = render(kind, "cy", WELSH_VALUES, budget(app))

    assert "ŷ" in rendered.body  # really rendered from the pseudo-Welsh catalogue
    assert not sms.is_gsm7(rendered.body)
    assert 1 <= rendered.segments <= budget(app)
    _keeps_the_essentials(kind, rendered.body, WELSH_VALUES)


def _keeps_the_essentials(kind, body, values):
    essentials = [s for s in TEMPLATES[kind].sentences if s.drop is None]
    needs = " ".join(str(s.text) for s in essentials)
    for name in ("reference", "link", "time", "lookup_link"):
        if f"%({name})s" in needs:
            assert values[name] in body, f"{kind}: {name} dropped"


def test_without_the_budget_the_long_welsh_reminder_would_not_fit(app, in_pseudo_welsh):
    email = render(MessageKind.REMINDER, "cy", LONG_VALUES, None)
    text = render(MessageKind.REMINDER, "cy", LONG_VALUES, budget(app))

    assert sms.segments(email.body.replace("\n\n", " ")) > budget(app)
    assert len(text.body) < len(email.body)


def test_optional_sentences_go_first_and_the_essentials_stay(app, ctx):
    full = render(MessageKind.REMINDER, "en", LONG_VALUES, 10)
    tight = render(MessageKind.REMINDER, "en", LONG_VALUES, 2)

    assert "reply CANCEL BCDF2345" in full.body and "Arrive by 13:30." in full.body
    assert tight.segments <= 2
    assert "reply CANCEL" not in tight.body  # dropped first
    for essential in ("Reminder: your visit", "Ref: BCDF-2345.", LONG_VALUES["link"]):
        assert essential in tight.body


def test_a_long_reason_is_shortened_in_a_text_and_kept_whole_in_an_email(app, ctx):
    text = render(MessageKind.REQUEST_REJECTED, "en", LONG_VALUES, 3)
    email = render(MessageKind.REQUEST_REJECTED, "en", LONG_VALUES, None)

    assert text.segments <= 3
    assert "Reason: This person is not on the prisoner's list" in text.body
    assert "..." in text.body
    assert LONG_VALUES["reason"].strip() in email.body
    assert (
        email.subject
        == f"Visit request not approved: {LONG_VALUES['prison']}, {LONG_VALUES['date']}"
    )


def test_a_sentence_whose_value_is_missing_is_left_out(app, ctx):
    rendered = render(MessageKind.CANCELLED_BY_STAFF, "en", {**LONG_VALUES, "phone": ""}, 6)

    assert "Call" not in rendered.body
    assert rendered.body.endswith("Ref: BCDF-2345.")


def test_even_a_budget_too_small_for_the_essentials_is_kept(app, ctx):
    rendered = render(MessageKind.BOOKED, "en", LONG_VALUES, 1)

    assert rendered.segments == 1
    assert rendered.body.endswith("...")
