"""A demo family day, three weeks ahead, taking applications now."""

from datetime import date, time, timedelta

from app import db
from family_days.models import AllocationMethod, FamilyDay
from visits.models import Prison


def add_family_day(prison: Prison, today: date) -> list[str]:
    on = today + timedelta(days=21)
    db.session.add(
        FamilyDay(
            prison_id=prison.id,
            title="Summer family day",
            date=on,
            start_time=time(10, 0),
            end_time=time(13, 0),
            families=8,
            adults_per_family=1,
            min_child_age=0,
            max_child_age=17,
            applications_open=today - timedelta(days=3),
            applications_close=on - timedelta(days=7),
            allocation=AllocationMethod.BALLOT,
            includes="Lunch together, games, face painting and a play area for the youngest.",
        )
    )
    db.session.flush()
    return [f"  {prison.name}: family day on {on:%d %m %Y}"]
