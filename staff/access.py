"""Who may see what: roles, prison scoping and the idle timeout for staff sessions."""

from datetime import datetime
from functools import wraps

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user

from app import db, login_manager
from staff.models import Role, StaffUser
from timeutil import utcnow
from visits.models import Prison


@login_manager.user_loader
def load_staff(identity: str) -> StaffUser | None:
    staff_id, _, version = identity.partition(":")
    if not staff_id.isdigit():
        return None
    staff = db.session.get(StaffUser, int(staff_id))
    if staff is None or str(staff.session_version) != version:
        return None
    return staff


def staff_required(*roles: Role):
    """Signed-in staff with one of these roles (admins may do everything)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorator


def scoped_prison(slug: str) -> Prison:
    """The prison, if the signed-in account works there; otherwise not found."""
    prison = db.session.scalar(sa.select(Prison).where(Prison.slug == slug))
    if prison is None or prison.id not in current_user.prison_ids:
        abort(404)
    return prison


def require_same_prison(prison_id: int) -> None:
    if prison_id not in current_user.prison_ids:
        abort(404)


def sign_out_idle_staff():
    # Families never sign in: do not load a user (or touch the session) for them.
    if "_user_id" not in session or not current_user.is_authenticated:
        return None
    now = utcnow()
    last_seen = session.get("staff_last_seen")
    idle_limit = current_app.config["STAFF_IDLE_MINUTES"] * 60
    if last_seen and (now - datetime.fromisoformat(last_seen)).total_seconds() > idle_limit:
        logout_user()
        session.pop("staff_last_seen", None)
        flash(str(_l("You were signed out because you had not used the service for a while.")))
        return redirect(url_for("staff.login", next=request.path))
    session["staff_last_seen"] = now.isoformat()
    return None


# The staff menu: each package adds its sections with add_to_menu when its routes load.
_MENU: list[tuple[str, object, tuple[Role, ...]]] = []


def add_to_menu(endpoint: str, label, *roles: Role) -> None:
    if all(item[0] != endpoint for item in _MENU):
        _MENU.append((endpoint, label, roles))


def staff_menu() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    return [
        {
            "href": url_for(endpoint),
            "text": str(label),
            "active": request.endpoint == endpoint,
        }
        for endpoint, label, roles in _MENU
        if not roles or current_user.has_role(*roles)
    ]


# Links on the dashboard for each prison: endpoints that take the prison's slug.
_PRISON_LINKS: list[tuple[str, object, tuple[Role, ...]]] = []


def add_prison_link(endpoint: str, label, *roles: Role) -> None:
    if all(item[0] != endpoint for item in _PRISON_LINKS):
        _PRISON_LINKS.append((endpoint, label, roles))


def prison_links(prison: Prison) -> list[dict]:
    return [
        {"href": url_for(endpoint, slug=prison.slug), "text": str(label)}
        for endpoint, label, roles in _PRISON_LINKS
        if not roles or current_user.has_role(*roles)
    ]


def init_app(app):
    app.context_processor(lambda: {"staff_menu": staff_menu, "prison_links": prison_links})
    login_manager.login_view = "staff.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    app.before_request(sign_out_idle_staff)
