from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from app import create_app, db
from staff.accounts import MAX_FAILED_LOGINS
from staff.cli import staff_cli
from staff.models import Role, StaffAuditEvent, StaffUser
from tests.conftest import STAFF_PASSWORD, TEST_SETTINGS, FormClient, count
from timeutil import utcnow


@pytest.fixture
def cardiff(make_prison):
    return make_prison(slug="cardiff", name="HMP Cardiff")


@pytest.fixture
def usk(make_prison):
    return make_prison(slug="usk", name="HMP Usk")


def error_text(page):
    return (
        page.text.split('class="govuk-error-summary"')[1]
        if "govuk-error-summary" in page.text
        else ""
    )


def test_staff_pages_need_signing_in(family, cardiff):
    response = family.get("/staff/")

    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


def test_staff_sign_in_and_see_only_their_prisons(family, make_staff, cardiff, usk):
    staff = make_staff(Role.CENTRE, prisons=[cardiff])

    response = family.submit(
        "/staff/login", {"email": staff.email.upper(), "password": STAFF_PASSWORD}
    )
    dashboard = family.get("/staff/")

    assert response.headers["Location"].endswith("/staff/")
    assert "HMP Cardiff" in dashboard.text
    assert "HMP Usk" not in dashboard.text


def test_wrong_password_says_so_without_saying_which_part(family, make_staff, cardiff):
    staff = make_staff(prisons=[cardiff])

    wrong_password = family.submit("/staff/login", {"email": staff.email, "password": "nope"})
    unknown_email = family.submit("/staff/login", {"email": "who@visits.example", "password": "x"})

    for page, typed in ((wrong_password, staff.email), (unknown_email, "who@visits.example")):
        assert "Enter a correct email address and password" in error_text(page)
        assert f'value="{typed}"' in page.text


def test_too_many_wrong_passwords_lock_the_account(family, make_staff, cardiff):
    staff = make_staff(prisons=[cardiff])
    for _ in range(MAX_FAILED_LOGINS):
        family.submit("/staff/login", {"email": staff.email, "password": "wrong"})

    right_password = family.submit(
        "/staff/login", {"email": staff.email, "password": STAFF_PASSWORD}
    )

    assert right_password.status_code == 200
    assert "This account is locked" in error_text(right_password)
    db.session.refresh(staff)
    assert staff.locked_until > utcnow() + timedelta(minutes=14)
    assert count(StaffAuditEvent, StaffAuditEvent.action == "account locked") == 1


def test_lock_ends_after_its_time(family, make_staff, cardiff):
    staff = make_staff(prisons=[cardiff])
    staff.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()

    response = family.submit("/staff/login", {"email": staff.email, "password": STAFF_PASSWORD})

    assert response.status_code == 302


def test_logins_are_rate_limited(database_url, app, make_staff, cardiff):
    limited = create_app(
        {
            **TEST_SETTINGS,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "LOGIN_RATE_LIMIT": "2 per minute",
        }
    )
    client = FormClient(limited)

    statuses = [
        client.submit("/staff/login", {"email": "a@b.example", "password": "x"}).status_code
        for _ in range(3)
    ]

    assert statuses == [200, 200, 429]
    with limited.app_context():
        db.engine.dispose()


def test_idle_staff_are_signed_out(app, make_staff, sign_in, cardiff):
    staff = make_staff(prisons=[cardiff])
    client = sign_in(staff)
    with client.client.session_transaction() as session:
        session["staff_last_seen"] = (utcnow() - timedelta(minutes=31)).isoformat()

    response = client.get("/staff/")

    assert "/staff/login" in response.headers["Location"]
    assert "/staff/login" in client.get("/staff/").headers["Location"]


def test_a_removed_account_is_signed_out_at_once(make_staff, sign_in, cardiff):
    admin = make_staff(Role.ADMIN, prisons=[cardiff])
    colleague = make_staff(Role.CENTRE, prisons=[cardiff])
    their_browser = sign_in(colleague)
    admin_browser = sign_in(admin)

    page = admin_browser.get("/staff/admin/staff")
    admin_browser.post(
        f"/staff/admin/staff/{colleague.id}/remove", data={"csrf_token": _token(page)}
    )

    assert "/staff/login" in their_browser.get("/staff/").headers["Location"]
    assert count(StaffAuditEvent, StaffAuditEvent.action == "removed staff account") == 1


def test_admin_adds_an_account_for_their_own_prisons_only(make_staff, sign_in, cardiff, usk):
    admin = make_staff(Role.ADMIN, prisons=[cardiff])
    browser = sign_in(admin)

    form_page = browser.get("/staff/admin/staff/new")
    tampered = browser.submit(
        "/staff/admin/staff/new",
        {"name": "Sam", "email": "sam@visits.example", "role": "centre", "prisons": [str(usk.id)]},
    )
    added = browser.submit(
        "/staff/admin/staff/new",
        {
            "name": "Sam",
            "email": "sam@visits.example",
            "role": "centre",
            "prisons": [str(cardiff.id)],
        },
    )

    assert "HMP Usk" not in form_page.text
    assert "There is a problem" in tampered.text
    assert "Account added" in added.text
    sam = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == "sam@visits.example"))
    assert [p.slug for p in sam.prisons] == ["cardiff"]
    assert "This password is shown only once" in added.text


def test_admin_sees_only_colleagues_at_their_prisons(make_staff, sign_in, cardiff, usk):
    admin = make_staff(Role.ADMIN, prisons=[cardiff])
    make_staff(Role.CENTRE, prisons=[cardiff], email="near@visits.example")
    far = make_staff(Role.CENTRE, prisons=[usk], email="far@visits.example")
    browser = sign_in(admin)

    page = browser.get("/staff/admin/staff")
    removing_far = browser.post(
        f"/staff/admin/staff/{far.id}/remove", data={"csrf_token": _token(page)}
    )

    assert "near@visits.example" in page.text
    assert "far@visits.example" not in page.text
    assert removing_far.status_code == 404
    db.session.refresh(far)
    assert far.active


@pytest.mark.parametrize("role", [Role.CENTRE, Role.VISITS_TEAM, Role.CASEWORKER])
def test_only_admins_manage_accounts_and_read_the_audit_trail(make_staff, sign_in, cardiff, role):
    browser = sign_in(make_staff(role, prisons=[cardiff]))

    for url in ("/staff/admin/staff", "/staff/admin/staff/new", "/staff/admin/audit"):
        assert browser.get(url).status_code == 403


def test_audit_trail_shows_staff_actions_at_the_admins_prisons(make_staff, sign_in, cardiff):
    admin = make_staff(Role.ADMIN, prisons=[cardiff])
    make_staff(Role.CENTRE, prisons=[cardiff], email="carys@visits.example")
    browser = sign_in(admin)

    page = browser.get("/staff/admin/audit")

    assert "signed in" in page.text
    assert "created staff account" in page.text
    assert "<form" not in page.text.split("<main")[1].split("</main>")[0]


def test_staff_change_their_password(make_staff, sign_in, cardiff):
    staff = make_staff(prisons=[cardiff])
    browser = sign_in(staff)
    new = "a much longer passphrase"

    mismatched = browser.submit(
        "/staff/account/password",
        {"current_password": STAFF_PASSWORD, "new_password": new, "confirm_password": "other"},
    )
    changed = browser.submit(
        "/staff/account/password",
        {"current_password": STAFF_PASSWORD, "new_password": new, "confirm_password": new},
    )

    assert "The passwords do not match" in mismatched.text
    assert changed.status_code == 302
    assert browser.get("/staff/").status_code == 200
    db.session.refresh(staff)
    assert staff.password_matches(new)


def test_first_admin_is_created_from_the_command_line(app, cardiff, usk):
    result = CliRunner().invoke(
        staff_cli,
        ["create-admin", "--email", "Boss@Visits.example", "--name", "Boss"],
        obj=_script_info(app),
    )

    assert result.exit_code == 0, result.output
    boss = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == "boss@visits.example"))
    assert boss.role is Role.ADMIN
    assert {p.slug for p in boss.prisons} == {"cardiff", "usk"}
    password = result.output.split("signing in): ")[1].strip()
    assert boss.password_matches(password)


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def _token(page):
    return page.text.split('name="csrf_token" value="')[1].split('"')[0]
