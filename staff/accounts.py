"""Staff accounts: signing in with lockout, and the admin's changes to accounts."""

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash

from app import db
from staff import audit
from staff.models import Role, StaffUser
from visits.models import Prison

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
# Checked when the email is unknown, so a wrong email takes as long as a wrong password.
_UNKNOWN_USER_HASH = generate_password_hash(secrets.token_hex(16))


class AccountLocked(Exception):
    pass


class AccountError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def staff_by_email(email: str) -> StaffUser | None:
    return db.session.scalar(sa.select(StaffUser).where(StaffUser.email == normalise_email(email)))


def authenticate(email: str, password: str, now: datetime) -> StaffUser | None:
    """The account if the password is right; counts failures and locks after too many."""
    staff = staff_by_email(email)
    if staff is None or not staff.active:
        StaffUser(password_hash=_UNKNOWN_USER_HASH).password_matches(password)
        return None
    if staff.locked_until and staff.locked_until > now:
        raise AccountLocked
    if not staff.password_matches(password):
        staff.failed_logins += 1
        if staff.failed_logins >= MAX_FAILED_LOGINS:
            staff.locked_until = now + LOCKOUT
            staff.failed_logins = 0
            audit.record(staff, "account locked", "staff", staff.id)
        return None
    staff.failed_logins = 0
    staff.locked_until = None
    staff.last_login_at = now
    audit.record(staff, "signed in", "staff", staff.id)
    return staff


def new_password() -> str:
    return secrets.token_urlsafe(12)


def create_staff(
    actor: StaffUser | None,
    email: str,
    name: str,
    role: Role,
    prisons: list[Prison],
    password: str,
) -> StaffUser:
    email = normalise_email(email)
    if staff_by_email(email) is not None:
        raise AccountError(_l("There is already an account with that email address"))
    staff = StaffUser(
        email=email,
        name=name.strip(),
        role=role,
        password_hash="",
        prisons=prisons,
        session_version=0,
    )
    staff.set_password(password)
    db.session.add(staff)
    db.session.flush()
    audit.record(actor, "created staff account", "staff", staff.id, detail=role.value)
    return staff


def deactivate_staff(actor: StaffUser, staff: StaffUser) -> None:
    if staff.id == actor.id:
        raise AccountError(_l("You cannot remove your own account"))
    staff.active = False
    staff.session_version += 1
    audit.record(actor, "removed staff account", "staff", staff.id)


def change_access(
    actor: StaffUser, staff: StaffUser, role: Role, prisons: list[Prison]
) -> list[str]:
    """Give the account this role and, among the admin's own prisons, these prisons.
    Returns the names of the fields that changed; a change signs the account out everywhere."""
    # The admin cannot see the account's other prisons, so those stay as they are.
    kept = [p for p in staff.prisons if p.id not in actor.prison_ids]
    new_prisons = kept + list(prisons)
    changed = []
    if role is not staff.role:
        changed.append("role")
    if {p.id for p in new_prisons} != staff.prison_ids:
        changed.append("prisons")
    if not changed:
        return changed
    if staff.role is Role.ADMIN and role is not Role.ADMIN and not _other_admins(staff):
        raise AccountError(_l("You cannot change the role of the only administrator"))
    staff.role = role
    staff.prisons = new_prisons
    staff.session_version += 1
    audit.record(actor, "changed staff access", "staff", staff.id, detail=", ".join(changed))
    return changed


def _other_admins(staff: StaffUser) -> list[StaffUser]:
    # Locked, so two admins demoting each other at once cannot leave no admin at all.
    return db.session.scalars(
        sa.select(StaffUser)
        .where(StaffUser.role == Role.ADMIN, StaffUser.active, StaffUser.id != staff.id)
        .with_for_update()
    ).all()


def colleagues(actor: StaffUser) -> list[StaffUser]:
    """Accounts an admin may manage: those working at one of the admin's prisons."""
    shared = sa.select(StaffUser.id).join(StaffUser.prisons).where(Prison.id.in_(actor.prison_ids))
    return db.session.scalars(
        sa.select(StaffUser).where(StaffUser.id.in_(shared)).order_by(StaffUser.name)
    ).all()


def change_password(staff: StaffUser, current: str, new: str) -> None:
    if not staff.password_matches(current):
        raise AccountError(_l("Your current password is not right"))
    staff.set_password(new)
    audit.record(staff, "changed password", "staff", staff.id)
