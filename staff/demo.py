"""Demo staff accounts, given fresh passwords each time the demo starts so they can be printed."""

import sqlalchemy as sa

from app import db
from staff import accounts
from staff.models import Role, StaffUser
from visits.models import Prison

DEMO_STAFF = [
    ("admin@visits.example", "Ada Admin", Role.ADMIN, None),
    ("team.cardiff@visits.example", "Tomos Team", Role.VISITS_TEAM, ["cardiff", "usk"]),
    ("centre.cardiff@visits.example", "Carys Centre", Role.CENTRE, ["cardiff"]),
    ("team.bristol@visits.example", "Bea Bristol", Role.VISITS_TEAM, ["bristol"]),
    ("claims@visits.example", "Cai Caseworker", Role.CASEWORKER, None),
]


def load() -> list[str]:
    prisons = {p.slug: p for p in db.session.scalars(sa.select(Prison))}
    lines = []
    for email, name, role, slugs in DEMO_STAFF:
        chosen = list(prisons.values()) if slugs is None else [prisons[s] for s in slugs]
        password = accounts.new_password()
        staff = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email))
        if staff is None:
            accounts.create_staff(None, email, name, role, chosen, password)
        else:
            staff.set_password(password)
            staff.active, staff.failed_logins, staff.locked_until = True, 0, None
        where = "all prisons" if slugs is None else ", ".join(prisons[s].name for s in slugs)
        lines.append(f"  {role.label}: {email}  password: {password}  ({where})")
    return lines
