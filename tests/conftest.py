import re
import secrets
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import has_app_context

from app import create_app, db, limiter
from i18n import TRANSLATIONS
from tests.postgres_server import create_database, running_postgres
from timeutil import local_today, utcnow
from visits import booking
from visits.booking import ContactDetails, PrisonerDetails, VisitorDetails
from visits.models import Nation, Prison, Relationship, SessionTemplate, VisitSession

TEST_SETTINGS = {
    "TESTING": True,
    "FORCE_HTTPS": False,
    "SESSION_COOKIE_SECURE": False,
    "SECRET_KEY": "test-secret-key",
    "RATELIMIT_ENABLED": False,
}


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    # Tests read the catalogues as they are now, not as the last `make translations` left them.
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with po_path.with_suffix(".mo").open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)


@pytest.fixture(autouse=True)
def limiter_switched_off():
    # Flask-Limiter is one object for every app: a test that builds a rate-limited app
    # must not leave limits on for the tests after it.
    yield
    limiter.enabled = False


@pytest.fixture(scope="session")
def postgres_url_template():
    with running_postgres() as template:
        yield template


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'visits.db'}"
    template = request.getfixturevalue("postgres_url_template")
    return create_database(template, f"visits_test_{secrets.token_hex(4)}")


@pytest.fixture(scope="session")
def _schema_app(database_url):
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(_schema_app):
    yield _schema_app
    with _schema_app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def ctx(app):
    """An application context for domain tests: they use db.session and commit themselves."""
    with app.app_context():
        yield
        db.session.rollback()


class FormClient:
    """A test client that submits forms the way a browser does, CSRF token included.

    Each request runs in an application context of its own, as in production, so it
    gets its own database session and transaction. The test's own session commits
    first: that releases its locks and makes its objects reload what the request did.
    """

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def _send(self, method, url, **kwargs):
        if has_app_context():
            db.session.commit()
        with self.app.app_context():
            return self.client.open(url, method=method, **kwargs)

    def get(self, url, **kwargs):
        return self._send("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self._send("POST", url, **kwargs)

    def submit(self, url, data=None, follow_redirects=False):
        page = self.get(url)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, f"no form on {url} (status {page.status_code})"
        return self.post(
            url,
            data={**(data or {}), "csrf_token": token.group(1)},
            follow_redirects=follow_redirects,
        )


@pytest.fixture
def family(app):
    return FormClient(app)


@pytest.fixture
def make_prison(ctx):
    def make(**overrides):
        fields = {
            "slug": f"prison-{secrets.token_hex(3)}",
            "name": "HMP Cardiff",
            "nation": Nation.WALES,
            "address": "Knox Road, Cardiff",
            "postcode": "CF24 0UG",
            "latitude": 51.4826,
            "longitude": -3.1622,
            "phone": "029 2092 3100",
        }
        prison = Prison(**{**fields, **overrides})
        db.session.add(prison)
        db.session.commit()
        return prison

    return make


@pytest.fixture
def make_session(ctx):
    def make(
        prison, on=None, start=time(14, 0), open_tables=10, closed_tables=0, people_places=None
    ):
        session = VisitSession(
            prison_id=prison.id,
            date=on or local_today() + timedelta(days=prison.min_notice_days + 1),
            start_time=start,
            end_time=time(start.hour + 2, start.minute),
            open_tables=open_tables,
            closed_tables=closed_tables,
            people_places=people_places,
        )
        db.session.add(session)
        db.session.commit()
        return session

    return make


@pytest.fixture
def make_template(ctx):
    def make(prison, weekday, start=time(14, 0), open_tables=10, **overrides):
        fields = {
            "prison_id": prison.id,
            "weekday": weekday,
            "start_time": start,
            "end_time": time(start.hour + 2, start.minute),
            "open_tables": open_tables,
            "closed_tables": 0,
            "people_places": None,
            "valid_from": date(2020, 1, 1),
            "valid_until": None,
        }
        template = SessionTemplate(**{**fields, **overrides})
        db.session.add(template)
        db.session.commit()
        return template

    return make


def adult(first="Mary", born=date(1985, 3, 27), relation=Relationship.PARTNER):
    return VisitorDetails(first, "Jones", born, relation)


def child(first="Ann", born=None):
    return VisitorDetails(
        first, "Jones", born or local_today() - timedelta(days=365 * 8), Relationship.CHILD
    )


PRISONER = PrisonerDetails("Tom", "Jones", date(1980, 2, 1), "A1234BC")
CONTACT = ContactDetails("+447123456789", None, "en")


@pytest.fixture
def book_visit(ctx):
    """Book a visit through the real booking path, as a family would."""

    def book(session, visitors=None, contact=CONTACT, now=None):
        visitors = visitors or [adult()]
        prison = db.session.get(Prison, session.prison_id)
        token = secrets.token_urlsafe(16)
        now = now or utcnow()
        booking.hold_place(
            prison, token, session.id, PRISONER, visitors, contact, local_today(), now
        )
        visit = booking.confirm_booking(
            prison, token, PRISONER, visitors, contact, [], "", local_today(), now
        )
        db.session.commit()
        return visit

    return book


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def hold_visit(ctx):
    """Hold a place through the real booking path, as a family choosing a time would."""

    def hold(session, visitors=None, now=None, token=None):
        prison = db.session.get(Prison, session.prison_id)
        visit = booking.hold_place(
            prison,
            token or secrets.token_urlsafe(16),
            session.id,
            PRISONER,
            visitors or [adult()],
            CONTACT,
            local_today(),
            now or utcnow(),
        )
        db.session.commit()
        return visit

    return hold


STAFF_PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_staff(ctx):
    from staff import accounts
    from staff.models import Role

    def make(role=Role.VISITS_TEAM, prisons=(), email=None, password=STAFF_PASSWORD):
        staff = accounts.create_staff(
            None,
            email or f"{role.value}.{secrets.token_hex(3)}@visits.example",
            f"Test {role.value}",
            role,
            list(prisons),
            password,
        )
        db.session.commit()
        return staff

    return make


@pytest.fixture
def sign_in(app):
    """A FormClient signed in as the given staff account."""

    def sign_in_as(staff, password=STAFF_PASSWORD):
        client = FormClient(app)
        response = client.submit("/staff/login", {"email": staff.email, "password": password})
        assert response.status_code == 302, "sign-in failed"
        return client

    return sign_in_as


@pytest.fixture
def make_prisoner(ctx):
    """A prisoner on a prison's register; the family fixtures book for A1234BC."""
    from visits.models import Prisoner, PrisonerCategory

    def make(prison, prison_number="A1234BC", category=PrisonerCategory.CONVICTED, **overrides):
        fields = {
            "first_name": "Tom",
            "last_name": "Jones",
            "date_of_birth": date(1980, 2, 1),
            **overrides,
        }
        prisoner = Prisoner(
            prison_id=prison.id, prison_number=prison_number, category=category, **fields
        )
        db.session.add(prisoner)
        db.session.commit()
        return prisoner

    return make


@pytest.fixture
def make_restriction(ctx):
    """A restriction at a prison, starting today unless told otherwise."""
    from visits.models import Restriction

    def make(prison, kind, **fields):
        restriction = Restriction(
            prison_id=prison.id,
            kind=kind,
            starts_on=fields.pop("starts_on", local_today()),
            reason=fields.pop("reason", "Test reason"),
            **fields,
        )
        db.session.add(restriction)
        db.session.commit()
        return restriction

    return make
