import secrets
from datetime import date, time, timedelta

import pytest

from app import db
from family_days import applications
from family_days.applications import NewApplication, OnBehalf
from family_days.eligibility import AdultDetails, ChildDetails
from family_days.models import AllocationMethod, Applicant, ChildRelationship, FamilyDay
from timeutil import local_today, utcnow


def kid(first="Ann", age=8, relation=ChildRelationship.OWN, on=None):
    on = on or local_today() + timedelta(days=14)
    return ChildDetails(first, "Jones", on - timedelta(days=365 * age + 30), relation)


CARER = AdultDetails("Mary", "Jones", date(1985, 3, 27))


def new_application(
    children=None, adults=None, prisoner_number="A1234BC", on_behalf=None, **overrides
):
    fields = {
        "prisoner_first_name": "Tom",
        "prisoner_last_name": "Jones",
        "prisoner_number": prisoner_number,
        "children": children or [kid()],
        "adults": [CARER] if adults is None else adults,
        "mobile": "+447123456789",
        "email": None,
        "language": "en",
        "on_behalf": on_behalf,
    }
    return NewApplication(**{**fields, **overrides})


SOCIAL_WORKER = OnBehalf(Applicant.SOCIAL_WORKER, "Sam Patel", "Cardiff Council", "CP-4471", True)


@pytest.fixture
def make_family_day(ctx):
    def make(prison, **overrides):
        today = local_today()
        fields = {
            "prison_id": prison.id,
            "title": "Summer family day",
            "date": today + timedelta(days=14),
            "start_time": time(10, 0),
            "end_time": time(14, 0),
            "families": 3,
            "applications_open": today - timedelta(days=7),
            "applications_close": today + timedelta(days=7),
            "allocation": AllocationMethod.BALLOT,
        }
        day = FamilyDay(**{**fields, **overrides})
        db.session.add(day)
        db.session.commit()
        return day

    return make


@pytest.fixture
def apply_for(ctx):
    """Apply through the real path, as a family would; each family a different prisoner."""

    def apply(day, details=None, now=None, **overrides):
        if details is None:
            number = "A" + str(secrets.randbelow(9000) + 1000) + "BC"
            details = new_application(
                prisoner_number=overrides.pop("prisoner_number", number), **overrides
            )
        application = applications.apply(day.id, details, local_today(), now or utcnow())
        db.session.commit()
        return application

    return apply
