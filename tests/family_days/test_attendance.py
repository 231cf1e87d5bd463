from datetime import timedelta

import pytest

from app import db
from centres import reports
from family_days import attendance, decisions
from family_days.attendance import AttendanceError
from family_days.models import ApplicationStatus
from staff.models import Role
from tests.family_days.conftest import kid, new_application
from timeutil import local_today, utcnow


@pytest.fixture
def todays_day(make_prison, make_staff, make_family_day, apply_for):
    """A family day today with two families given places while applications were open."""
    prison = make_prison()
    team = make_staff(Role.VISITS_TEAM, [prison])
    day = make_family_day(prison, date=local_today() + timedelta(days=1))
    two_children = new_application(children=[kid("Ann"), kid("Ben", age=4)])
    families = [apply_for(day, two_children), apply_for(day, prisoner_number="B2345CD")]
    for application in families:
        decisions.approve(application, team, utcnow())
    day.date = local_today()
    db.session.commit()
    return prison, make_staff(Role.CENTRE, [prison]), families


def test_checked_in_children_are_counted_in_the_reports(todays_day):
    prison, centre, (both_children, absent) = todays_day

    attendance.mark_attended(both_children, centre, local_today())
    db.session.commit()

    assert both_children.status is ApplicationStatus.ATTENDED
    assert both_children.events[-1].actor == f"staff:{centre.id}"
    summary = reports.summary(prison, local_today(), local_today())
    assert summary.children_at_family_days == 2
    assert absent.status is ApplicationStatus.APPROVED


def test_families_are_checked_in_only_on_the_day(todays_day):
    _, centre, (family, _) = todays_day

    with pytest.raises(AttendanceError):
        attendance.mark_attended(family, centre, local_today() + timedelta(days=1))
