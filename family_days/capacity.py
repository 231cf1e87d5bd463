"""Places held back from ordinary visits: a family day takes its families' tables from any
visiting session at the same prison that overlaps it."""

import sqlalchemy as sa

from app import db
from family_days.models import FamilyDay


def tables_held_back(sessions) -> dict[int, int]:
    """Session id to the open tables family days hold back from it."""
    if not sessions:
        return {}
    days = db.session.scalars(
        sa.select(FamilyDay).where(
            FamilyDay.prison_id.in_({s.prison_id for s in sessions}),
            FamilyDay.date.in_({s.date for s in sessions}),
        )
    ).all()
    held = {}
    for session in sessions:
        tables = sum(
            day.families
            for day in days
            if day.prison_id == session.prison_id
            and day.date == session.date
            and day.start_time < session.end_time
            and session.start_time < day.end_time
        )
        if tables:
            held[session.id] = tables
    return held
