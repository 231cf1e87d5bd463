"""Booking on behalf of a family who phone or come in: the family's own booking rules, with
the channel and the staff member recorded."""

from datetime import date, datetime

from staff import audit
from staff.models import StaffUser
from visits import booking
from visits.booking import ContactDetails, PrisonerDetails, VisitorDetails
from visits.models import Prison, Visit

CHANNELS = ("phone", "in_person")


def confirm_for_family(
    prison: Prison,
    staff: StaffUser,
    channel: str,
    journey_token: str,
    prisoner: PrisonerDetails,
    visitors: list[VisitorDetails],
    contact: ContactDetails,
    needs: list[str],
    needs_details: str,
    allowance_override: str,
    today: date,
    now: datetime,
) -> Visit:
    if channel not in CHANNELS:
        raise ValueError(channel)
    visit = booking.confirm_booking(
        prison,
        journey_token,
        prisoner,
        visitors,
        contact,
        needs,
        needs_details,
        today,
        now,
        allowance_override=allowance_override,
    )
    if visit.channel == channel:
        return visit  # a resubmitted page: already recorded
    visit.channel = channel
    visit.record_change("staff", note=f"booked for the family: {channel}")
    audit.record(staff, "booked visit for family", "visit", visit.id, prison.id, channel)
    if visit.allowance_override_reason:
        audit.record(staff, "overrode visit allowance", "visit", visit.id, prison.id)
    return visit
