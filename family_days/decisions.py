"""The visits team's decisions on single applications: approve, decline with a reason, and
record the prisoner's incentive level where the day has that gate."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from family_days import allocation, notifications, places, waiting_list
from family_days.models import (
    ApplicationStatus,
    DeclineReason,
    FamilyDayApplication,
    IncentiveLevel,
)
from staff import audit


class DecisionError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _audit(staff, action: str, application: FamilyDayApplication, detail: str = "") -> None:
    audit.record(
        staff,
        action,
        "family_day_application",
        application.id,
        application.family_day.prison_id,
        detail,
    )


def approve(application: FamilyDayApplication, staff, now: datetime) -> None:
    day = places.lock_day(application.family_day_id)
    application = places.lock_application(application.id)
    if application.status not in (ApplicationStatus.APPLIED, ApplicationStatus.WAITING_LIST):
        raise DecisionError(
            _l("Only applications that are waiting for a decision can be approved.")
        )
    problems = allocation.blocking_problems(application)
    if problems:
        raise DecisionError(
            _l("This application cannot be approved: %(reason)s", reason=problems[0].label)
        )
    if places.places_left(day) <= 0:
        raise DecisionError(_l("There are no places left. Add the family to the waiting list."))
    application.approve(actor=f"staff:{staff.id}")
    _audit(staff, "approved family day application", application)
    notifications.place_confirmed(application, now)


def waitlist(application: FamilyDayApplication, staff, now: datetime) -> None:
    day = places.lock_day(application.family_day_id)
    application = places.lock_application(application.id)
    if application.status is not ApplicationStatus.APPLIED:
        raise DecisionError(_l("Only new applications can be added to the waiting list."))
    application.put_on_waiting_list(f"staff:{staff.id}", allocation.next_rank(day))
    _audit(staff, "added family day application to waiting list", application)
    notifications.on_waiting_list(application, now)


def decline(
    application: FamilyDayApplication,
    staff,
    reason: DeclineReason,
    details: str,
    now: datetime,
) -> None:
    day = places.lock_day(application.family_day_id)
    application = places.lock_application(application.id)
    if application.status in (
        ApplicationStatus.DECLINED,
        ApplicationStatus.WITHDRAWN,
        ApplicationStatus.OFFER_EXPIRED,
        ApplicationStatus.ATTENDED,
    ):
        raise DecisionError(_l("This application has already been closed."))
    application.decline(f"staff:{staff.id}", reason, details)
    _audit(staff, "declined family day application", application, reason.value)
    notifications.declined(application, now)
    waiting_list.offer_freed_places(day, now)


def record_incentive_level(application: FamilyDayApplication, staff, level: IncentiveLevel) -> None:
    application.incentive_level = level
    _audit(staff, "recorded incentive level", application, level.value)
