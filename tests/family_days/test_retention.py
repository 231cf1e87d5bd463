"""After the retention period, a family day application no longer names anyone."""

from datetime import timedelta

import pytest

from app import db
from family_days.retention import anonymise_old_applications
from tests.family_days.conftest import SOCIAL_WORKER, new_application
from timeutil import utcnow

KEEP_DAYS = 183


@pytest.fixture
def day(make_prison, make_family_day):
    return make_family_day(make_prison())


def test_an_old_application_loses_names_contacts_and_the_care_plan(day, apply_for):
    application = apply_for(day, new_application(on_behalf=SOCIAL_WORKER))
    token, years = application.token, [p.date_of_birth.year for p in application.people]

    done = anonymise_old_applications(day.date + timedelta(days=KEEP_DAYS + 1), KEEP_DAYS, utcnow())
    db.session.commit()

    db.session.refresh(application)
    assert done == 1
    assert (application.prisoner_last_name, application.prisoner_number) == ("", "")
    assert (application.mobile, application.applicant_name, application.care_plan_reference) == (
        None,
        "",
        "",
    )
    assert {(p.first_name, p.last_name) for p in application.people} == {("", "")}
    assert [p.date_of_birth.year for p in application.people] == years
    assert application.token != token and application.looked_after
    assert application.events[-1].note == "personal data removed"


def test_a_recent_application_is_kept_whole_and_a_second_run_changes_nothing(day, apply_for):
    application = apply_for(day)

    assert (
        anonymise_old_applications(day.date + timedelta(days=KEEP_DAYS), KEEP_DAYS, utcnow()) == 0
    )
    later = day.date + timedelta(days=KEEP_DAYS + 1)
    assert anonymise_old_applications(later, KEEP_DAYS, utcnow()) == 1
    db.session.commit()
    assert anonymise_old_applications(later, KEEP_DAYS, utcnow()) == 0
    db.session.refresh(application)
    assert application.prisoner_first_name == ""
