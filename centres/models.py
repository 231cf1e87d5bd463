import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import db
from staff import audit
from staff.models import StaffUser
from timeutil import utcnow
from visits.models import Prison, enum_column


class VisitorCentre(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(sa.ForeignKey("prison.id"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    run_by: Mapped[str] = mapped_column(sa.String(120), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    opens_minutes_before: Mapped[int] = mapped_column(default=60)
    has_play_area: Mapped[bool] = mapped_column(default=False)
    has_lockers: Mapped[bool] = mapped_column(default=True)
    has_refreshments: Mapped[bool] = mapped_column(default=False)
    step_free: Mapped[bool] = mapped_column(default=True)
    # Support records hold no free text unless the centre has chosen to allow short notes.
    support_notes_allowed: Mapped[bool] = mapped_column(default=False)

    prison: Mapped[Prison] = relationship(backref=sa.orm.backref("visitor_centre", uselist=False))


class CheckInState(enum.StrEnum):
    EXPECTED = "expected"
    ARRIVED = "arrived"
    ID_CHECKED = "id_checked"
    ADMITTED = "admitted"
    LEFT = "left"
    NO_SHOW = "no_show"

    @property
    def label(self):
        return CHECK_IN_LABELS[self]


CHECK_IN_LABELS = {
    CheckInState.EXPECTED: _l("Expected"),
    CheckInState.ARRIVED: _l("Arrived"),
    CheckInState.ID_CHECKED: _l("ID checked"),
    CheckInState.ADMITTED: _l("Admitted"),
    CheckInState.LEFT: _l("Left"),
    CheckInState.NO_SHOW: _l("Did not come"),
}

# A family marked as not coming who then turns up late can still be checked in.
CHECK_IN_TRANSITIONS = {
    CheckInState.EXPECTED: {CheckInState.ARRIVED, CheckInState.NO_SHOW},
    CheckInState.NO_SHOW: {CheckInState.ARRIVED},
    CheckInState.ARRIVED: {CheckInState.ID_CHECKED},
    CheckInState.ID_CHECKED: {CheckInState.ADMITTED},
    CheckInState.ADMITTED: {CheckInState.LEFT},
}

# The family is in the visitor centre or the visits hall.
HERE_NOW = (CheckInState.ARRIVED, CheckInState.ID_CHECKED, CheckInState.ADMITTED)
ATTENDED = (CheckInState.ADMITTED, CheckInState.LEFT)


class CheckInRefused(Exception):
    """A check-in rule stopped the change; the message is for staff, translated when shown."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class CheckIn(db.Model):
    """Where a booked visit's family is on the day. No row yet means still expected."""

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id"), unique=True)
    prison_id: Mapped[int] = mapped_column(sa.ForeignKey("prison.id"), index=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("visit_session.id"), index=True)
    state: Mapped[CheckInState] = mapped_column(enum_column(CheckInState), index=True)
    arrived_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(default=False)
    admitted_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]

    visitor_checks: Mapped[list["VisitorIdCheck"]] = relationship(
        back_populates="check_in", cascade="all, delete-orphan"
    )
    events: Mapped[list["CheckInEvent"]] = relationship(
        back_populates="check_in", order_by="CheckInEvent.id", cascade="all, delete-orphan"
    )

    def _move_to(self, new_state: CheckInState, staff, at: datetime, note: str = "") -> None:
        if new_state not in CHECK_IN_TRANSITIONS.get(self.state, ()):
            raise CheckInRefused(
                _l(
                    'This family is marked "%(now)s", so you cannot mark them "%(next)s".',
                    now=self.state.label,
                    next=new_state.label,
                )
            )
        self.events.append(
            CheckInEvent(
                from_state=self.state,
                to_state=new_state,
                staff_id=staff.id if staff else None,
                at=at,
                note=note,
            )
        )
        audit.record(
            staff, f"check-in: {new_state.value}", "visit", self.visit_id, self.prison_id, note
        )
        self.state = new_state

    def arrive(self, staff, at: datetime, late: bool) -> None:
        self._move_to(CheckInState.ARRIVED, staff, at, note="late" if late else "")
        self.arrived_at = at
        self.late = late

    def check_id(self, staff, at: datetime, checks: list["VisitorIdCheck"]) -> None:
        self._move_to(CheckInState.ID_CHECKED, staff, at)
        self.visitor_checks = checks

    def admit(self, staff, at: datetime) -> None:
        self._move_to(CheckInState.ADMITTED, staff, at)
        self.admitted_at = at

    def leave(self, staff, at: datetime) -> None:
        self._move_to(CheckInState.LEFT, staff, at)
        self.left_at = at

    def no_show(self, staff, at: datetime) -> None:
        self._move_to(CheckInState.NO_SHOW, staff, at)


class VisitorIdCheck(db.Model):
    """One visitor's ID at check-in: seen, or not needed (an accompanied child under 16)."""

    __table_args__ = (sa.UniqueConstraint("check_in_id", "visitor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(sa.ForeignKey("check_in.id"), index=True)
    # A visitor the family removes later takes their check with them.
    visitor_id: Mapped[int] = mapped_column(sa.ForeignKey("visitor.id", ondelete="CASCADE"))
    id_seen: Mapped[bool]
    exempt: Mapped[bool]

    check_in: Mapped[CheckIn] = relationship(back_populates="visitor_checks")


class CheckInEvent(db.Model):
    """The check-in's audit trail: one row per change of state, never edited."""

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(sa.ForeignKey("check_in.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    from_state: Mapped[CheckInState] = mapped_column(enum_column(CheckInState))
    to_state: Mapped[CheckInState] = mapped_column(enum_column(CheckInState))
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    note: Mapped[str] = mapped_column(sa.String(40), default="")

    check_in: Mapped[CheckIn] = relationship(back_populates="events")
    staff: Mapped[StaffUser | None] = relationship()


class SupportCategory(enum.StrEnum):
    HOUSING = "housing"
    BENEFITS_AND_DEBT = "benefits_debt"
    DRUGS_AND_ALCOHOL = "drugs_alcohol"
    CHILDCARE = "childcare"
    MENTAL_HEALTH = "mental_health"
    DOMESTIC_ABUSE = "domestic_abuse"
    LEGAL_ADVICE = "legal_advice"
    FAMILIES_HELPLINE = "families_helpline"
    TRAVEL_COSTS = "travel_costs"

    @property
    def label(self):
        return SUPPORT_CATEGORY_LABELS[self]


SUPPORT_CATEGORY_LABELS = {
    SupportCategory.HOUSING: _l("Housing"),
    SupportCategory.BENEFITS_AND_DEBT: _l("Benefits and debt"),
    SupportCategory.DRUGS_AND_ALCOHOL: _l("Drugs and alcohol"),
    SupportCategory.CHILDCARE: _l("Childcare"),
    SupportCategory.MENTAL_HEALTH: _l("Mental health"),
    SupportCategory.DOMESTIC_ABUSE: _l("Domestic abuse"),
    SupportCategory.LEGAL_ADVICE: _l("Legal advice"),
    SupportCategory.FAMILIES_HELPLINE: _l("Prisoners' Families Helpline"),
    SupportCategory.TRAVEL_COSTS: _l("Help with travel costs"),
}


class SupportKind(enum.StrEnum):
    SIGNPOSTED = "signposted"
    REFERRED = "referred"


class SupportRecord(db.Model):
    """Support a visitor centre gave a family, recorded only with the family's consent."""

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(sa.ForeignKey("prison.id"), index=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_on: Mapped[date] = mapped_column(index=True)  # the centre's local date
    first_time_visitor: Mapped[bool]
    consent_given: Mapped[bool]
    notes: Mapped[str] = mapped_column(sa.String(500), default="")

    given: Mapped[list["SupportGiven"]] = relationship(
        back_populates="record", cascade="all, delete-orphan"
    )


class SupportGiven(db.Model):
    __table_args__ = (sa.UniqueConstraint("record_id", "category", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("support_record.id"), index=True)
    category: Mapped[SupportCategory] = mapped_column(enum_column(SupportCategory))
    kind: Mapped[SupportKind] = mapped_column(enum_column(SupportKind))

    record: Mapped[SupportRecord] = relationship(back_populates="given")


from centres import info_models  # noqa: E402, F401  (prison information for families)
