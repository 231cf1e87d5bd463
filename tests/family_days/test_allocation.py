from collections import Counter
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app import db
from family_days import allocation
from family_days.allocation import AllocationError, Entry
from family_days.models import AllocationMethod, ApplicationStatus, FamilyDayApplication
from staff.models import Role, StaffAuditEvent
from tests.conftest import count
from timeutil import local_today, utcnow
from visits.models import RestrictionKind

T0 = datetime(2027, 6, 1, 9, 0)

entry_lists = st.lists(
    st.builds(
        Entry,
        application_id=st.integers(1, 10_000),
        applied_at=st.datetimes(min_value=T0, max_value=T0 + timedelta(days=30)),
        priority=st.booleans(),
    ),
    max_size=30,
    unique_by=lambda e: e.application_id,
)
seeds = st.integers(0, 2**62)


@given(entry_lists, seeds, st.randoms())
def test_the_ballot_is_the_same_from_the_same_seed_in_whatever_order_entries_come(
    entries, seed, shuffler
):
    shuffled = list(entries)
    shuffler.shuffle(shuffled)

    assert allocation.ballot_order(shuffled, seed) == allocation.ballot_order(entries, seed)


@given(entry_lists, seeds)
def test_the_ballot_ranks_everyone_once_with_priority_children_first(entries, seed):
    ranked = allocation.ballot_order(entries, seed)
    priority = {e.application_id for e in entries if e.priority}

    assert sorted(ranked) == sorted(e.application_id for e in entries)
    assert set(ranked[: len(priority)]) == priority


def test_within_a_group_each_family_is_equally_likely_to_come_first():
    # Early applicants gain nothing in a ballot: applied_at differs, the chances do not.
    entries = [Entry(i, T0 + timedelta(hours=i), priority=False) for i in range(1, 5)]
    firsts = Counter(allocation.ballot_order(entries, seed)[0] for seed in range(4000))

    assert set(firsts) == {1, 2, 3, 4}
    assert all(850 <= n <= 1150 for n in firsts.values()), firsts


def test_priority_is_a_group_not_a_guarantee_of_order_within_it():
    entries = [Entry(i, T0, priority=i <= 3) for i in range(1, 7)]
    orders = {tuple(allocation.ballot_order(entries, seed)) for seed in range(200)}

    assert all(set(order[:3]) == {1, 2, 3} for order in orders)
    assert len({order[:3] for order in orders}) == 6  # every order of the three happens


def test_first_come_goes_by_the_time_of_applying():
    entries = [Entry(7, T0 + timedelta(minutes=2), True), Entry(3, T0, False)]

    assert allocation.first_come_order(entries) == [3, 7]


@pytest.mark.parametrize(
    ("looked_after", "days_since", "expected"),
    [(False, None, True), (False, 30, False), (False, 91, True), (True, 5, True)],
)
def test_who_has_priority(looked_after, days_since, expected):
    day = local_today()
    last = None if days_since is None else day - timedelta(days=days_since)

    assert allocation.has_priority(looked_after, last, day, recent_visit_days=90) is expected


@pytest.fixture
def team(make_staff, make_prison):
    prison = make_prison()
    return prison, make_staff(Role.VISITS_TEAM, [prison])


def _statuses(day):
    db.session.expire_all()
    return Counter(a.status for a in day.applications)


def test_the_ballot_gives_the_places_and_can_be_checked_from_its_recorded_seed(
    team, make_family_day, apply_for
):
    prison, staff = team
    day = make_family_day(prison, families=3)
    for _ in range(5):
        apply_for(day)

    allocation.allocate(day.id, staff, utcnow())
    db.session.commit()

    assert _statuses(day) == {ApplicationStatus.APPROVED: 3, ApplicationStatus.WAITING_LIST: 2}
    assert day.ballot_seed is not None and day.allocated_at is not None
    by_rank = [a.id for a in sorted(day.applications, key=lambda a: a.rank)]
    rerun = allocation.ballot_order(allocation.ballot_entries(day), day.ballot_seed)
    assert rerun == by_rank
    audit = db.session.scalar(sa.select(StaffAuditEvent).order_by(StaffAuditEvent.id.desc()))
    assert audit.action == "allocated family day places"
    assert audit.detail == f"ballot, seed {day.ballot_seed}"
    assert all(a.events[-1].actor == f"staff:{staff.id}" for a in day.applications)


def test_looked_after_children_and_those_not_seen_recently_come_first(
    team, make_family_day, apply_for
):
    prison, staff = team
    day = make_family_day(prison, families=1)
    recent = local_today() - timedelta(days=10)
    for _ in range(4):
        apply_for(day, last_visit_on=recent)
    looked_after = apply_for(day, last_visit_on=recent, looked_after=True)

    allocation.allocate(day.id, staff, utcnow(), seed=12345)
    db.session.commit()

    db.session.refresh(looked_after)
    assert looked_after.status is ApplicationStatus.APPROVED
    assert looked_after.priority and looked_after.rank == 1


def test_first_come_gives_places_in_the_order_families_applied(team, make_family_day, apply_for):
    prison, staff = team
    day = make_family_day(prison, families=2, allocation=AllocationMethod.FIRST_COME)
    start = utcnow()
    first, second, third = (apply_for(day, now=start + timedelta(minutes=m)) for m in (0, 1, 2))

    allocation.allocate(day.id, staff, utcnow())
    db.session.commit()

    assert [a.status for a in (first, second, third)] == [
        ApplicationStatus.APPROVED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.WAITING_LIST,
    ]
    assert day.ballot_seed is None


def test_an_application_that_breaks_a_rule_is_left_for_the_team_to_decline(
    team, make_family_day, apply_for, make_restriction
):
    prison, staff = team
    make_restriction(prison, RestrictionKind.CHILD_CONTACT, prisoner_number="C3456DE")
    day = make_family_day(prison, families=3)
    restricted = apply_for(day, prisoner_number="C3456DE")
    allowed = apply_for(day)

    allocation.allocate(day.id, staff, utcnow())
    db.session.commit()

    assert restricted.status is ApplicationStatus.APPLIED and restricted.rank is None
    assert allowed.status is ApplicationStatus.APPROVED


def test_places_are_given_out_once(team, make_family_day, apply_for):
    prison, staff = team
    day = make_family_day(prison)
    apply_for(day)
    allocation.allocate(day.id, staff, utcnow())
    db.session.commit()

    with pytest.raises(AllocationError):
        allocation.allocate(day.id, staff, utcnow())
    db.session.rollback()
    assert count(FamilyDayApplication, FamilyDayApplication.status == "approved") == 1
