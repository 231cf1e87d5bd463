from app import db
from staff.models import StaffAuditEvent, StaffUser


def record(
    staff: StaffUser | None,
    action: str,
    record_type: str,
    record_id: int | None = None,
    prison_id: int | None = None,
    detail: str = "",
) -> StaffAuditEvent:
    """Add an audit row to the current transaction. Never put personal data in detail."""
    event = StaffAuditEvent(
        staff_id=staff.id if staff else None,
        action=action,
        record_type=record_type,
        record_id=record_id,
        prison_id=prison_id,
        detail=detail,
    )
    db.session.add(event)
    return event
