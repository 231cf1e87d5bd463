from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import db
from family_days import applications, decisions
from family_days.applications import ApplicationError, OnBehalf
from family_days.decisions import DecisionError
from family_days.models import Applicant, ApplicationStatus, ChildRelationship, FamilyDayApplication
from staff.models import Role, StaffAuditEvent
from tests.conftest import count
from tests.family_days.conftest import SOCIAL_WORKER, kid, new_application
from timeutil import local_today, utcnow


@pytest.fixture
def prison(make_prison):
    return make_prison()


def test_a_family_applies_and_is_told_their_status_by_an_unguessable_link(
    prison, make_family_day, apply_for
):
    day = make_family_day(prison)

    application = apply_for(day)

    assert application.status is ApplicationStatus.APPLIED
    assert len(application.token) >= 43  # 32 random bytes
    assert applications.application_by_token(application.token) == application
    assert application.events[0].actor == "family"
    assert [p.is_child for p in application.people] == [True, False]


def test_a_social_worker_applies_for_a_looked_after_child_with_the_care_plan_and_consent(
    prison, make_family_day, apply_for
):
    day = make_family_day(prison)

    application = apply_for(day, on_behalf=SOCIAL_WORKER)

    assert application.applicant is Applicant.SOCIAL_WORKER and application.on_behalf
    assert application.looked_after
    assert application.care_plan_reference == "CP-4471"
    assert application.organisation == "Cardiff Council"
    assert application.consent_recorded_at is not None
    assert application.events[0].actor == "social_worker"


@pytest.mark.parametrize(
    "behalf",
    [
        OnBehalf(Applicant.CARER, "Jo Evans", "", "", True),
        OnBehalf(Applicant.SOCIAL_WORKER, "Sam Patel", "Council", "CP-1", False),
    ],
)
def test_on_behalf_needs_both_the_care_plan_reference_and_consent(prison, make_family_day, behalf):
    day = make_family_day(prison)

    with pytest.raises(ApplicationError):
        applications.apply(day.id, new_application(on_behalf=behalf), local_today(), utcnow())
    db.session.rollback()
    assert count(FamilyDayApplication) == 0


@pytest.mark.parametrize(
    "details",
    [
        new_application(children=[kid(relation=ChildRelationship.OTHER)]),
        new_application(children=[kid(age=18)]),
        new_application(adults=[]),
    ],
)
def test_an_application_the_rules_refuse_is_not_kept(prison, make_family_day, details):
    day = make_family_day(prison)

    with pytest.raises(ApplicationError):
        applications.apply(day.id, details, local_today(), utcnow())
    db.session.rollback()
    assert count(FamilyDayApplication) == 0


def test_applications_are_taken_only_while_the_window_is_open(prison, make_family_day):
    today = local_today()
    day = make_family_day(prison, applications_close=today - timedelta(days=1))

    with pytest.raises(ApplicationError):
        applications.apply(day.id, new_application(), today, utcnow())


def test_the_team_approves_and_each_decision_is_audited(
    prison, make_staff, make_family_day, apply_for
):
    staff = make_staff(Role.VISITS_TEAM, [prison])
    day = make_family_day(prison, families=1)
    first, second = apply_for(day), apply_for(day)

    decisions.approve(first, staff, utcnow())
    db.session.commit()
    with pytest.raises(DecisionError):
        decisions.approve(second, staff, utcnow())
    db.session.rollback()

    assert first.status is ApplicationStatus.APPROVED
    assert second.status is ApplicationStatus.APPLIED
    actions = db.session.scalars(
        sa.select(StaffAuditEvent.action).where(
            StaffAuditEvent.record_type == "family_day_application"
        )
    ).all()
    assert actions == ["approved family day application"]


def test_an_incentive_gate_needs_the_level_recorded_before_approval(
    prison, make_staff, make_family_day, apply_for
):
    from family_days.models import IncentiveLevel

    staff = make_staff(Role.VISITS_TEAM, [prison])
    day = make_family_day(prison, minimum_incentive_level=IncentiveLevel.STANDARD)
    application = apply_for(day)

    with pytest.raises(DecisionError):
        decisions.approve(application, staff, utcnow())
    db.session.rollback()
    decisions.record_incentive_level(application, staff, IncentiveLevel.ENHANCED)
    decisions.approve(application, staff, utcnow())
    db.session.commit()

    assert application.status is ApplicationStatus.APPROVED
