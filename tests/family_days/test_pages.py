import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import db
from family_days import waiting_list
from family_days.models import (
    Applicant,
    ApplicationStatus,
    DeclineReason,
    FamilyDay,
    FamilyDayApplication,
)
from staff.models import Role, StaffAuditEvent
from tests.conftest import count
from timeutil import local_today, utcnow


def press(client, page_url, action_url, data=None):
    """Press a button on page_url whose form posts to action_url, CSRF token included."""
    page = client.get(page_url)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert f'action="{action_url}"' in page.text, f"no button for {action_url}"
    return client.post(action_url, data={**(data or {}), "csrf_token": token})


def _date(name, day):
    return {f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year}


def answers(day, **overrides):
    child_born = day.date - timedelta(days=365 * 7)
    return {
        "prisoner_first_name": "Tom",
        "prisoner_last_name": "Jones",
        "prison_number": "a1234bc",
        "child1_first_name": "Ann",
        "child1_last_name": "Jones",
        **_date("child1_date_of_birth", child_born),
        "child1_relation": "own",
        "adult1_first_name": "Mary",
        "adult1_last_name": "Jones",
        **_date("adult1_date_of_birth", local_today().replace(year=1985)),
        "mobile": "07123 456789",
        **overrides,
    }


@pytest.fixture
def prison(make_prison):
    return make_prison()


@pytest.fixture
def day(prison, make_family_day):
    return make_family_day(prison)


def test_a_family_finds_the_day_and_applies(family, prison, day):
    assert 'href="/family-days"' in family.get("/").text
    assert prison.name in family.get("/family-days").text
    listing = family.get(f"/family-days/{prison.slug}")
    assert f"/family-days/{prison.slug}/{day.id}/apply" in listing.text

    response = family.submit(f"/family-days/{prison.slug}/{day.id}/apply", answers(day))

    assert response.status_code == 302
    application = db.session.scalar(sa.select(FamilyDayApplication))
    assert response.location.endswith(f"/family-days/application/{application.token}?new=1")
    assert application.prisoner_number == "A1234BC"
    assert application.mobile == "+447123456789"
    assert [p.first_name for p in application.people] == ["Ann", "Mary"]
    status = family.get(f"/family-days/application/{application.token}")
    assert "Applied" in status.text and "Ann Jones" in status.text


def test_missing_answers_are_explained_and_what_was_typed_is_kept(family, prison, day):
    response = family.submit(
        f"/family-days/{prison.slug}/{day.id}/apply",
        answers(day, child1_first_name="", child2_first_name="Ben", mobile=""),
    )

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "Enter the child&#39;s first name" in response.text
    assert 'href="#child2_last_name"' in response.text  # the second child was started
    assert "Enter a mobile number or an email address" in response.text
    assert 'value="Jones"' in response.text
    assert count(FamilyDayApplication) == 0


def test_a_child_who_may_not_come_is_refused_with_a_reason(family, prison, day):
    response = family.submit(
        f"/family-days/{prison.slug}/{day.id}/apply", answers(day, child1_relation="other")
    )

    assert response.status_code == 200
    assert "own, step, adopted or foster children" in response.text
    assert count(FamilyDayApplication) == 0


def test_a_social_worker_applies_on_a_childs_behalf(family, prison, day):
    url = f"/family-days/{prison.slug}/{day.id}/apply-for-a-child"
    on_behalf = {
        "applicant": "social_worker",
        "applicant_name": "Sam Patel",
        "organisation": "Cardiff Council",
        "care_plan_reference": "CP-4471",
    }

    refused = family.submit(url, answers(day, **on_behalf))
    assert "Confirm that consent has been given" in refused.text
    assert count(FamilyDayApplication) == 0

    response = family.submit(url, answers(day, consent="y", **on_behalf))

    assert response.status_code == 302
    application = db.session.scalar(sa.select(FamilyDayApplication))
    assert application.applicant is Applicant.SOCIAL_WORKER
    assert application.looked_after and application.care_plan_reference == "CP-4471"
    assert application.consent_recorded_at is not None


def test_the_visits_team_creates_a_day(prison, make_staff, sign_in):
    staff = sign_in(make_staff(Role.VISITS_TEAM, [prison]))
    on = local_today() + timedelta(days=30)

    response = staff.submit(
        f"/staff/prisons/{prison.slug}/family-days/new",
        {
            "title": "Half-term family day",
            **_date("date", on),
            "start_time": "10:00",
            "end_time": "14:00",
            "families": "10",
            "adults_per_family": "1",
            "min_child_age": "0",
            "max_child_age": "17",
            **_date("applications_open", local_today()),
            **_date("applications_close", on - timedelta(days=7)),
            "allocation": "ballot",
            "includes": "Lunch and games",
            "minimum_incentive_level": "none",
            "recent_visit_days": "90",
            "offer_hours": "48",
        },
    )

    assert response.status_code == 302
    day = db.session.scalar(sa.select(FamilyDay))
    assert (day.title, day.families, day.minimum_incentive_level) == (
        "Half-term family day",
        10,
        None,
    )
    assert db.session.scalar(
        sa.select(StaffAuditEvent).where(StaffAuditEvent.action == "created family day")
    )


def test_a_day_whose_applications_close_after_it_is_refused(prison, make_staff, sign_in):
    staff = sign_in(make_staff(Role.VISITS_TEAM, [prison]))
    on = local_today() + timedelta(days=30)

    response = staff.submit(
        f"/staff/prisons/{prison.slug}/family-days/new",
        {
            "title": "Late",
            **_date("date", on),
            "start_time": "14:00",
            "end_time": "10:00",
            "families": "10",
            "adults_per_family": "1",
            "min_child_age": "0",
            "max_child_age": "17",
            **_date("applications_open", local_today()),
            **_date("applications_close", on),
            "allocation": "ballot",
            "minimum_incentive_level": "none",
            "recent_visit_days": "90",
            "offer_hours": "48",
        },
    )

    assert response.status_code == 200
    assert "Applications must close before the family day" in response.text
    assert "The end time must be after the start time" in response.text
    assert count(FamilyDay) == 0


def test_the_team_gives_out_places_approves_and_declines_with_a_reason(
    prison, day, make_staff, sign_in, apply_for, family
):
    staff_user = make_staff(Role.VISITS_TEAM, [prison])
    staff = sign_in(staff_user)
    first, second = apply_for(day), apply_for(day)
    base = f"/staff/prisons/{prison.slug}/family-days/{day.id}"

    page = staff.get(base)
    assert page.status_code == 200 and first.prisoner_number in page.text

    press(staff, f"{base}/applications/{first.id}", f"{base}/applications/{first.id}/approve")
    response = staff.submit(
        f"{base}/applications/{second.id}/decline",
        {"reason": DeclineReason.SAFEGUARDING.value, "details": ""},
    )
    assert response.status_code == 302

    db.session.expire_all()
    assert first.status is ApplicationStatus.APPROVED
    assert second.status is ApplicationStatus.DECLINED
    told = family.get(f"/family-days/application/{second.token}").text
    assert "Contact the prison to ask why" in told and "Safeguarding" not in told


def test_a_family_accepts_a_place_offered_from_the_waiting_list(
    prison, make_family_day, make_staff, apply_for, family
):
    from family_days import allocation

    staff_user = make_staff(Role.VISITS_TEAM, [prison])
    day = make_family_day(prison, families=1)
    first, second = apply_for(day), apply_for(day)
    allocation.allocate(day.id, staff_user, utcnow(), seed=7)
    db.session.commit()
    holder, waiting = sorted((first, second), key=lambda a: a.rank)
    waiting_list.withdraw(holder, "family", utcnow())
    db.session.commit()

    page = family.get(f"/family-days/application/{waiting.token}")
    assert "Accept the place" in page.text
    link = f"/family-days/application/{waiting.token}"
    press(family, link, f"{link}/accept")

    db.session.expire_all()
    assert waiting.status is ApplicationStatus.APPROVED


STAFF_PAGES = [
    ("GET", ""),
    ("GET", "/new"),
    ("GET", "/{day}"),
    ("GET", "/{day}/edit"),
    ("POST", "/{day}/allocate"),
    ("GET", "/{day}/applications/{application}"),
    ("POST", "/{day}/applications/{application}/approve"),
    ("GET", "/{day}/applications/{application}/decline"),
    ("GET", "/check-in"),
]


@pytest.mark.parametrize(("method", "path"), STAFF_PAGES)
def test_another_prisons_visits_team_cannot_see_or_change_anything(
    method, path, prison, day, make_prison, make_staff, sign_in, apply_for
):
    application = apply_for(day)
    own = make_prison()
    elsewhere = sign_in(make_staff(Role.VISITS_TEAM, [own]))
    # A real token from a page of their own, so only the prison check can refuse the post.
    own_page = elsewhere.get(f"/staff/prisons/{own.slug}/family-days/new").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', own_page).group(1)
    url = f"/staff/prisons/{prison.slug}/family-days" + path.format(
        day=day.id, application=application.id
    )

    if method == "GET":
        response = elsewhere.get(url)
    else:
        response = elsewhere.post(url, data={"csrf_token": token})

    assert response.status_code == 404
    db.session.expire_all()
    assert application.status is ApplicationStatus.APPLIED


def test_another_prisons_team_cannot_reach_an_application_through_their_own_prison(
    prison, day, make_prison, make_staff, sign_in, apply_for
):
    application = apply_for(day)
    own = make_prison()
    elsewhere = sign_in(make_staff(Role.VISITS_TEAM, [own]))

    response = elsewhere.get(
        f"/staff/prisons/{own.slug}/family-days/{day.id}/applications/{application.id}"
    )

    assert response.status_code == 404


def test_visitor_centre_staff_check_families_in_but_cannot_plan_days(
    prison, make_family_day, make_staff, sign_in, apply_for
):
    from family_days import decisions

    day = make_family_day(
        prison,
        date=local_today(),
        applications_open=local_today() - timedelta(days=9),
        applications_close=local_today() - timedelta(days=1),
    )
    team = make_staff(Role.VISITS_TEAM, [prison])
    # Applied while the window was open.
    day.applications_close = local_today() + timedelta(days=1)
    day.date = local_today() + timedelta(days=2)
    db.session.commit()
    application = apply_for(day)
    decisions.approve(application, team, utcnow())
    day.date = local_today()
    db.session.commit()
    centre = sign_in(make_staff(Role.CENTRE, [prison]))

    assert centre.get(f"/staff/prisons/{prison.slug}/family-days/new").status_code == 403
    page = centre.get(f"/staff/prisons/{prison.slug}/family-days/check-in")
    assert application.prisoner_number in page.text
    check_in = f"/staff/prisons/{prison.slug}/family-days/check-in"
    response = press(centre, check_in, f"{check_in}/{application.id}")

    assert response.status_code == 302
    db.session.expire_all()
    assert application.status is ApplicationStatus.ATTENDED


def test_the_team_changes_a_day_but_not_below_the_places_already_given(
    prison, day, make_staff, sign_in, apply_for
):
    from family_days import decisions

    team = make_staff(Role.VISITS_TEAM, [prison])
    for application in (apply_for(day), apply_for(day)):
        decisions.approve(application, team, utcnow())
    db.session.commit()
    staff = sign_in(team)
    url = f"/staff/prisons/{prison.slug}/family-days/{day.id}/edit"
    form = staff.get(url).text
    assert 'value="Summer family day"' in form and 'value="10:00"' in form
    fields = {
        "title": "Summer family day",
        **_date("date", day.date),
        "start_time": "10:00",
        "end_time": "15:00",
        "families": "1",
        "adults_per_family": "2",
        "min_child_age": "0",
        "max_child_age": "17",
        **_date("applications_open", day.applications_open),
        **_date("applications_close", day.applications_close),
        "allocation": "ballot",
        "minimum_incentive_level": "none",
        "recent_visit_days": "90",
        "offer_hours": "48",
    }

    refused = staff.submit(url, fields)
    assert refused.status_code == 200
    assert "More families than that already have places" in refused.text

    changed = staff.submit(url, {**fields, "families": "2"})

    assert changed.status_code == 302
    db.session.expire_all()
    assert (day.families, day.adults_per_family, day.end_time.hour) == (2, 2, 15)


def test_declining_needs_a_reason(prison, day, make_staff, sign_in, apply_for):
    application = apply_for(day)
    staff = sign_in(make_staff(Role.VISITS_TEAM, [prison]))
    url = f"/staff/prisons/{prison.slug}/family-days/{day.id}/applications/{application.id}/decline"

    response = staff.submit(url, {"details": "No"})

    assert response.status_code == 200
    assert "Select the reason" in response.text and 'href="#reason"' in response.text
    db.session.expire_all()
    assert application.status is ApplicationStatus.APPLIED
