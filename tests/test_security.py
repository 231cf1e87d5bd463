import logging
import re

import pytest
from flask import request

from app import create_app, db
from tests.conftest import TEST_SETTINGS, count
from tests.visits.journey_steps import CHILD, LEAD, PRISONER, book
from visits.models import Visit


@pytest.fixture
def cardiff(make_prison, make_session):
    prison = make_prison(slug="cardiff")
    make_session(prison)
    return prison


def test_a_form_posted_without_its_csrf_token_is_refused_and_saves_nothing(app, cardiff):
    client = app.test_client()

    response = client.post("/book/prison", data={"prison": "cardiff"})

    assert response.status_code == 400
    assert "Sorry, you need to start again" in response.text
    assert count(Visit) == 0


def test_pages_carry_security_headers(family, cardiff):
    response = family.get("/")

    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert f'nonce="{nonce}"' in response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_production_settings_use_https_and_secure_cookies(database_url):
    secure = {
        k: v for k, v in TEST_SETTINGS.items() if k not in ("FORCE_HTTPS", "SESSION_COOKIE_SECURE")
    }
    app = create_app({**secure, "SQLALCHEMY_DATABASE_URI": database_url})
    client = app.test_client()

    plain = client.get("/help-with-costs/")
    secure_response = client.get("/help-with-costs/?lang=cy", base_url="https://localhost")

    assert plain.status_code == 302
    assert plain.headers["Location"].startswith("https://")
    (cookie,) = [
        c for c in secure_response.headers.getlist("Set-Cookie") if c.startswith("session=")
    ]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "max-age" in secure_response.headers["Strict-Transport-Security"]
    with app.app_context():
        db.engine.dispose()


def test_booking_lookups_are_rate_limited(database_url, app):
    limited = create_app(
        {
            **TEST_SETTINGS,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "LOOKUP_RATE_LIMIT": "3 per minute",
        }
    )
    client = limited.test_client()
    page = client.get("/manage")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    guess = {
        "csrf_token": token,
        "reference": "BCDF2345",
        "date_of_birth-day": "1",
        "date_of_birth-month": "1",
        "date_of_birth-year": "1980",
    }

    statuses = [client.post("/manage", data=guess).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert "Too many attempts" in client.post("/manage", data=guess).text
    assert client.get("/manage").status_code == 200
    with limited.app_context():
        db.engine.dispose()


def test_no_personal_data_reaches_the_logs(family, cardiff, caplog):
    caplog.set_level(logging.DEBUG)

    book(family, "cardiff", children=[CHILD])

    logged = "\n".join(r.getMessage() for r in caplog.records)
    personal = [
        PRISONER["first_name"],
        PRISONER["last_name"],
        LEAD["first_name"],
        CHILD["first_name"],
        "7123456789",
        "456789",
        "1985",
        "A1234BC",
    ]
    assert not [value for value in personal if value in logged]


def test_an_unexpected_error_shows_a_page_without_details(database_url, caplog):
    app = create_app(
        {**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url, "PROPAGATE_EXCEPTIONS": False}
    )

    @app.route("/explode")
    def explode():
        raise RuntimeError("could not book for " + request.args["name"])

    response = app.test_client().get("/explode?name=Mary+Jones")

    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.text
    assert "Mary Jones" not in response.text
    assert "RuntimeError (message withheld)" in caplog.text
    assert "Mary Jones" not in caplog.text
    with app.app_context():
        db.engine.dispose()
