"""Support a visitor centre gives a family: sign-posting and referrals, with consent."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import db
from centres.checkin import local_time
from centres.models import SupportCategory, SupportGiven, SupportKind, SupportRecord
from staff import audit
from visits.models import Prison, Visit


class SupportRefused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def notes_allowed(prison: Prison) -> bool:
    centre = prison.visitor_centre
    return bool(centre and centre.support_notes_allowed)


def record_support(
    prison: Prison,
    visit: Visit,
    staff,
    signposted: set[SupportCategory],
    referred: set[SupportCategory],
    first_time_visitor: bool,
    consent_given: bool,
    now: datetime,
    notes: str = "",
) -> SupportRecord:
    if not consent_given:
        raise SupportRefused(
            _l("Only record support when the family has agreed to it being recorded")
        )
    if not signposted and not referred:
        raise SupportRefused(_l("Select the help you sign-posted or referred the family to"))
    record = SupportRecord(
        prison_id=prison.id,
        visit_id=visit.id,
        staff_id=staff.id if staff else None,
        recorded_at=now,
        recorded_on=local_time(now).date(),
        first_time_visitor=first_time_visitor,
        consent_given=True,
        # Free text about families is sensitive: kept only where the centre chose to allow it.
        notes=notes.strip() if notes_allowed(prison) else "",
        given=[SupportGiven(category=c, kind=SupportKind.SIGNPOSTED) for c in sorted(signposted)]
        + [SupportGiven(category=c, kind=SupportKind.REFERRED) for c in sorted(referred)],
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        staff,
        "recorded support",
        "visit",
        visit.id,
        prison.id,
        detail=f"{len(signposted)} sign-posted, {len(referred)} referred",
    )
    return record


def support_count(visit: Visit) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(SupportRecord.id)).where(SupportRecord.visit_id == visit.id)
    )
