"""sms.py: segments, and send_sms through the real twilio client to a fake Twilio."""

import pytest

import config
import sms
from app import create_app
from sms import Outcome
from tests.conftest import TEST_SETTINGS
from tests.fake_twilio import MESSAGING_SERVICE_SID, Fail, FakeTwilio, Hang

MOBILE = "+447123456789"


# Segments -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # the extension table costs two septets a character
        ("€" * 81, 2),
        ("a" * 152 + "€" + "a" * 152, 3),  # an escape pair is never split across segments
        ("é£¥Ñ" * 40, 1),  # accented letters in GSM-7 stay GSM-7
        ("ŵ" * 70, 1),  # Welsh circumflexes make the whole text UCS-2
        ("ŵ" * 71, 2),
        ("a" * 159 + "â", 3),  # one circumflex: 160 characters in 67-character segments
        ("ŷ" * 134, 2),
        ("ŷ" * 135, 3),
        ("😀" * 35, 1),  # outside the BMP: two UCS-2 units each
        ("a" * 66 + "😀" + "a" * 66, 3),  # never half a character in a segment
    ],
)
def test_segments(body, segments):
    assert sms.segments(body) == segments


def test_welsh_text_is_ucs2_and_english_gsm7():
    assert sms.is_gsm7("Ref: BCDF-2345. Change or cancel: https://x.example/visit/a_b-c")
    assert not sms.is_gsm7("Dewch â llun adnabod")


# Sending ------------------------------------------------------------------------------------


@pytest.fixture
def fake():
    with FakeTwilio() as server:
        yield server


def app_with(**settings):
    return create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": "sqlite://", **settings})


@pytest.fixture
def sending(fake):
    with app_with(**fake.settings()).app_context():
        yield fake


def test_a_text_is_sent_through_the_real_client(sending):
    result = sms.send_sms(MOBILE, "Your visit is booked.", "41")

    (taken,) = sending.accepted
    assert result == sms.SendResult(Outcome.SENT, provider_id=taken.sid, provider_status="accepted")
    assert (taken.to, taken.body, taken.sender) == (
        MOBILE,
        "Your visit is booked.",
        MESSAGING_SERVICE_SID,
    )
    assert taken.reference == "41"  # carried back to us by the status callback URL


def test_a_sender_number_can_be_used_instead_of_a_messaging_service(fake):
    settings = {
        **fake.settings(),
        "TWILIO_MESSAGING_SERVICE_SID": None,
        "TWILIO_FROM": "+447700900500",
    }
    with app_with(**settings).app_context():
        assert sms.send_sms(MOBILE, "Hello", "1").outcome is Outcome.SENT
    assert fake.accepted[0].sender == "+447700900500"


@pytest.mark.parametrize(
    ("answer", "outcome", "code", "uncertain"),
    [
        (Fail(500), Outcome.RETRY, None, False),
        (Fail(503), Outcome.RETRY, None, False),
        (Fail(429, 20429), Outcome.RETRY, "20429", False),
        (Hang(accepted=False, seconds=1), Outcome.RETRY, None, True),
        (Hang(accepted=True, seconds=1), Outcome.RETRY, None, True),
        (Fail(400, 21211), Outcome.FAILED, "21211", False),
        (Fail(400, 21610), Outcome.FAILED, "21610", False),
    ],
)
def test_the_providers_answers_become_outcomes(sending, answer, outcome, code, uncertain):
    sending.answer_next(answer)

    result = sms.send_sms(MOBILE, "Hello", "7")

    assert (result.outcome, result.error_code, result.uncertain) == (outcome, code, uncertain)
    assert MOBILE not in result.error  # errors are stored and shown: no personal data


def test_wrong_credentials_are_retried_not_failed(fake):
    with app_with(**{**fake.settings(), "TWILIO_AUTH_TOKEN": "wrong"}).app_context():
        result = sms.send_sms(MOBILE, "Hello", "1")
    assert (result.outcome, result.error_code) == (Outcome.RETRY, "20003")
    assert fake.accepted == []


def test_a_server_that_is_not_there_is_retried_and_nothing_was_sent(fake):
    settings = fake.settings()
    fake.__exit__()
    with app_with(**settings).app_context():
        result = sms.send_sms(MOBILE, "Hello", "1")
    assert (result.outcome, result.uncertain) == (Outcome.RETRY, False)


def test_without_credentials_texts_are_recorded_and_nothing_is_sent(fake):
    with app_with(TWILIO_ACCOUNT_SID=None, TWILIO_AUTH_TOKEN=None).app_context():
        assert sms.send_sms(MOBILE, "Hello", "1") == sms.SendResult(Outcome.RECORDED)
    assert fake.requests == 0


def test_tests_cannot_reach_the_real_twilio(fake):
    real = {**fake.settings(), "TWILIO_API_BASE_URL": None}
    with app_with(**real).app_context(), pytest.raises(RuntimeError, match="fake Twilio"):
        sms.send_sms(MOBILE, "Hello", "1")
    assert fake.requests == 0


def test_twilio_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC123")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "secret")
    monkeypatch.setenv("TWILIO_MESSAGING_SERVICE_SID", "MG123")
    monkeypatch.setenv("REMINDER_MORNING_AT", "07:30")
    monkeypatch.setenv("SMS_MAX_SEGMENTS", "4")

    settings = config.from_environment()

    assert settings["TWILIO_ACCOUNT_SID"] == "AC123"
    assert settings["TWILIO_AUTH_TOKEN"] == "secret"
    assert settings["TWILIO_MESSAGING_SERVICE_SID"] == "MG123"
    assert str(settings["REMINDER_MORNING_AT"]) == "07:30:00"
    assert settings["SMS_MAX_SEGMENTS"] == 4
    assert sms.is_configured(settings)
