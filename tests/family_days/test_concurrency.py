import threading
from concurrent.futures import ThreadPoolExecutor

from app import db
from family_days import decisions, waiting_list
from family_days.decisions import DecisionError
from family_days.models import ApplicationStatus, FamilyDayApplication
from staff.models import Role, StaffUser
from tests.conftest import count
from timeutil import utcnow

FAMILIES = 12


def race(app, attempts, attempt):
    """attempt(i) in `attempts` threads released together, each in its own app context."""
    start = threading.Barrier(attempts)

    def run(i):
        with app.app_context():
            start.wait()
            try:
                attempt(i)
                db.session.commit()
                return "done"
            except DecisionError:
                db.session.rollback()
                return "refused"
            except Exception as error:  # reported below
                db.session.rollback()
                return error

    db.session.close()  # nothing may hold a transaction (on SQLite, the lock) meanwhile
    with ThreadPoolExecutor(max_workers=attempts) as pool:
        return list(pool.map(run, range(attempts)))


def test_the_last_places_go_to_exactly_that_many_families(
    app, make_prison, make_staff, make_family_day, apply_for
):
    prison = make_prison()
    staff_id = make_staff(Role.VISITS_TEAM, [prison]).id
    day = make_family_day(prison, families=3)
    ids = [apply_for(day).id for _ in range(FAMILIES)]

    def approve(i):
        application = db.session.get(FamilyDayApplication, ids[i])
        decisions.approve(application, db.session.get(StaffUser, staff_id), utcnow())

    outcomes = race(app, FAMILIES, approve)

    assert sorted(map(str, outcomes)) == ["done"] * 3 + ["refused"] * (FAMILIES - 3)
    assert count(FamilyDayApplication, FamilyDayApplication.status == "approved") == 3


def test_places_freed_at_once_are_each_offered_to_one_family(
    app, make_prison, make_staff, make_family_day, apply_for
):
    prison = make_prison()
    staff = make_staff(Role.VISITS_TEAM, [prison])
    day = make_family_day(prison, families=4)
    holders = [apply_for(day) for _ in range(4)]
    for application in holders:
        decisions.approve(application, staff, utcnow())
    waiting = [apply_for(day) for _ in range(6)]
    for application in waiting:
        decisions.waitlist(application, staff, utcnow())
    db.session.commit()
    ids = [a.id for a in holders]
    waiting_ids = [a.id for a in waiting]

    def withdraw(i):
        waiting_list.withdraw(db.session.get(FamilyDayApplication, ids[i]), "family", utcnow())

    outcomes = race(app, 4, withdraw)

    assert outcomes == ["done"] * 4
    statuses = [db.session.get(FamilyDayApplication, i).status for i in waiting_ids]
    assert statuses == [ApplicationStatus.OFFERED] * 4 + [ApplicationStatus.WAITING_LIST] * 2
