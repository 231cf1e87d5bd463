import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app import db
from timeutil import utcnow
from visits.models import Prison, enum_column


class Role(enum.StrEnum):
    CENTRE = "centre"
    VISITS_TEAM = "visits_team"
    CASEWORKER = "caseworker"
    ADMIN = "admin"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.CENTRE: _l("Visitor centre staff"),
    Role.VISITS_TEAM: _l("Visits team"),
    Role.CASEWORKER: _l("Caseworker for travel cost claims"),
    Role.ADMIN: _l("Administrator"),
}

staff_prison = sa.Table(
    "staff_prison",
    db.metadata,
    sa.Column("staff_id", sa.ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("prison_id", sa.ForeignKey("prison.id", ondelete="CASCADE"), primary_key=True),
)


class StaffUser(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Changing it signs the account out everywhere: it is part of the login cookie's identity.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    prisons: Mapped[list[Prison]] = relationship(secondary=staff_prison, order_by=Prison.name)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_version = (self.session_version or 0) + 1

    def password_matches(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: Role) -> bool:
        return self.role is Role.ADMIN or self.role in roles

    @property
    def prison_ids(self) -> set[int]:
        return {p.id for p in self.prisons}


class StaffAuditEvent(db.Model):
    """Who did what to which record, and when. Written in the action's own transaction;
    the service offers no way to edit or delete it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60))
    record_type: Mapped[str] = mapped_column(sa.String(40))
    record_id: Mapped[int | None]
    prison_id: Mapped[int | None] = mapped_column(sa.ForeignKey("prison.id"), index=True)
    detail: Mapped[str] = mapped_column(sa.String(200), default="")

    staff: Mapped[StaffUser | None] = relationship()
    prison: Mapped[Prison | None] = relationship()
