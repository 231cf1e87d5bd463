import re

import pytest

from app import db
from staff.models import Role, StaffAuditEvent
from tests.conftest import count


@pytest.fixture
def cardiff(make_prison):
    return make_prison(slug="cardiff", name="HMP Cardiff")


@pytest.fixture
def usk(make_prison):
    return make_prison(slug="usk", name="HMP Usk")


def access_url(staff):
    return f"/staff/admin/staff/{staff.id}/access"


def error_summary(page):
    return (
        page.text.split('class="govuk-error-summary"')[1]
        if "govuk-error-summary" in page.text
        else ""
    )


def checked(page, name):
    return set(re.findall(rf'name="{name}" type="\w+" value="([^"]+)" checked', page.text))


def test_admin_changes_role_and_prisons_and_the_person_signs_in_again(
    make_staff, sign_in, cardiff, usk
):
    admin = make_staff(Role.ADMIN, prisons=[cardiff, usk])
    colleague = make_staff(Role.CENTRE, prisons=[cardiff])
    their_browser = sign_in(colleague)
    admin_browser = sign_in(admin)

    listed = admin_browser.get("/staff/admin/staff")
    form_page = admin_browser.get(access_url(colleague))
    changed = admin_browser.submit(
        access_url(colleague),
        {"role": "visits_team", "prisons": [str(cardiff.id), str(usk.id)]},
    )

    assert f'href="{access_url(colleague)}"' in listed.text
    assert checked(form_page, "role") == {"centre"}
    assert checked(form_page, "prisons") == {str(cardiff.id)}
    assert changed.headers["Location"].endswith("/staff/admin/staff")
    db.session.refresh(colleague)
    assert colleague.role is Role.VISITS_TEAM
    assert [p.slug for p in colleague.prisons] == ["cardiff", "usk"]
    event = db.session.query(StaffAuditEvent).filter_by(action="changed staff access").one()
    assert (event.staff_id, event.record_id) == (admin.id, colleague.id)
    assert event.detail == "role, prisons"
    assert "/staff/login" in their_browser.get("/staff/").headers["Location"]
    assert "HMP Usk" in sign_in(colleague).get("/staff/").text


def test_saving_without_a_change_changes_nothing(make_staff, sign_in, cardiff):
    admin = make_staff(Role.ADMIN, prisons=[cardiff])
    colleague = make_staff(Role.CENTRE, prisons=[cardiff])
    their_browser = sign_in(colleague)

    saved = sign_in(admin).submit(
        access_url(colleague), {"role": "centre", "prisons": [str(cardiff.id)]}
    )

    assert saved.status_code == 302
    assert count(StaffAuditEvent, StaffAuditEvent.action == "changed staff access") == 0
    assert their_browser.get("/staff/").status_code == 200


def test_prisons_the_admin_does_not_manage_stay_as_they_are(make_staff, sign_in, cardiff, usk):
    admin = make_staff(Role.ADMIN, prisons=[cardiff])
    colleague = make_staff(Role.CENTRE, prisons=[cardiff, usk])
    browser = sign_in(admin)

    form_page = browser.get(access_url(colleague))
    browser.submit(access_url(colleague), {"role": "caseworker", "prisons": [str(cardiff.id)]})

    assert "HMP Usk" not in form_page.text
    db.session.refresh(colleague)
    assert colleague.role is Role.CASEWORKER
    assert [p.slug for p in colleague.prisons] == ["cardiff", "usk"]


def test_admin_cannot_give_prisons_they_do_not_manage(make_staff, sign_in, cardiff, usk):
    admin = make_staff(Role.ADMIN, prisons=[cardiff])
    colleague = make_staff(Role.CENTRE, prisons=[cardiff])

    tampered = sign_in(admin).submit(
        access_url(colleague), {"role": "centre", "prisons": [str(usk.id)]}
    )

    assert "Select from the options shown" in error_summary(tampered)
    db.session.refresh(colleague)
    assert [p.slug for p in colleague.prisons] == ["cardiff"]


def test_accounts_at_other_prisons_are_not_found(make_staff, sign_in, cardiff, usk):
    admin = make_staff(Role.ADMIN, prisons=[cardiff])
    far = make_staff(Role.CENTRE, prisons=[usk])

    assert sign_in(admin).get(access_url(far)).status_code == 404


@pytest.mark.parametrize("role", [Role.CENTRE, Role.VISITS_TEAM, Role.CASEWORKER])
def test_only_admins_change_access(make_staff, sign_in, cardiff, role):
    colleague = make_staff(Role.CENTRE, prisons=[cardiff])
    browser = sign_in(make_staff(role, prisons=[cardiff]))
    page = browser.get("/staff/account/password")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]

    shown = browser.get(access_url(colleague))
    posted = browser.post(
        access_url(colleague),
        data={"csrf_token": token, "role": "admin", "prisons": [str(cardiff.id)]},
    )

    assert (shown.status_code, posted.status_code) == (403, 403)
    db.session.refresh(colleague)
    assert colleague.role is Role.CENTRE


def test_the_only_admin_keeps_the_admin_role(make_staff, sign_in, cardiff):
    admin = make_staff(Role.ADMIN, prisons=[cardiff])
    browser = sign_in(admin)

    refused = browser.submit(access_url(admin), {"role": "centre", "prisons": [str(cardiff.id)]})

    assert refused.status_code == 200
    assert "You cannot change the role of the only administrator" in error_summary(refused)
    assert 'href="#role"' in error_summary(refused)
    assert checked(refused, "role") == {"centre"}
    db.session.refresh(admin)
    assert admin.role is Role.ADMIN
    assert count(StaffAuditEvent, StaffAuditEvent.action == "changed staff access") == 0
    assert browser.get("/staff/admin/staff").status_code == 200


def test_an_admin_may_step_down_while_another_admin_remains(make_staff, sign_in, cardiff):
    admin = make_staff(Role.ADMIN, prisons=[cardiff])
    make_staff(Role.ADMIN, prisons=[cardiff])
    browser = sign_in(admin)

    stepped_down = browser.submit(
        access_url(admin), {"role": "centre", "prisons": [str(cardiff.id)]}
    )

    assert stepped_down.status_code == 302
    db.session.refresh(admin)
    assert admin.role is Role.CENTRE
    assert "/staff/login" in browser.get("/staff/").headers["Location"]
    assert sign_in(admin).get("/staff/admin/staff").status_code == 403


def test_a_removed_admin_does_not_count(make_staff, sign_in, cardiff):
    admin = make_staff(Role.ADMIN, prisons=[cardiff])
    removed = make_staff(Role.ADMIN, prisons=[cardiff])
    removed.active = False
    db.session.commit()

    refused = sign_in(admin).submit(
        access_url(admin), {"role": "centre", "prisons": [str(cardiff.id)]}
    )

    assert "You cannot change the role of the only administrator" in error_summary(refused)


def test_bad_input_is_shown_and_kept(make_staff, sign_in, cardiff, usk):
    admin = make_staff(Role.ADMIN, prisons=[cardiff, usk])
    colleague = make_staff(Role.CENTRE, prisons=[cardiff])
    browser = sign_in(admin)

    no_prisons = browser.submit(access_url(colleague), {"role": "caseworker"})
    no_role = browser.submit(access_url(colleague), {"prisons": [str(usk.id)]})
    made_up_role = browser.submit(
        access_url(colleague), {"role": "governor", "prisons": [str(usk.id)]}
    )

    assert "Select at least one prison" in error_summary(no_prisons)
    assert checked(no_prisons, "role") == {"caseworker"}
    assert checked(no_prisons, "prisons") == set()
    for page in (no_role, made_up_role):
        assert "Select their role" in error_summary(page)
        assert checked(page, "role") == set()
        assert checked(page, "prisons") == {str(usk.id)}
    db.session.refresh(colleague)
    assert colleague.role is Role.CENTRE
    assert [p.slug for p in colleague.prisons] == ["cardiff"]


def test_a_change_without_the_form_token_is_refused(make_staff, sign_in, cardiff):
    admin = make_staff(Role.ADMIN, prisons=[cardiff])
    colleague = make_staff(Role.CENTRE, prisons=[cardiff])

    forged = sign_in(admin).post(
        access_url(colleague), data={"role": "admin", "prisons": [str(cardiff.id)]}
    )

    assert forged.status_code == 400
    db.session.refresh(colleague)
    assert colleague.role is Role.CENTRE
