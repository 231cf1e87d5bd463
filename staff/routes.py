from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from app import db, limiter
from govuk_forms import choices
from staff import accounts
from staff.access import add_to_menu, staff_required
from staff.forms import ChangePasswordForm, LoginForm, NewStaffForm, StaffAccessForm
from staff.models import Role, StaffAuditEvent, StaffUser
from timeutil import utcnow
from visits.forms import ConfirmForm
from visits.models import Prison

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")

AUDIT_PAGE_SIZE = 50

add_to_menu("staff.dashboard", _l("Your prisons"))
add_to_menu("staff.change_password", _l("Password"))
add_to_menu("staff.staff_list", _l("Staff accounts"), Role.ADMIN)
add_to_menu("staff.audit_trail", _l("Audit trail"), Role.ADMIN)


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target):
    # Only paths on this site: never send a signed-in user to another host.
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not (target or "").startswith("/"):
        return url_for("staff.dashboard")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            staff = accounts.authenticate(form.email.data, form.password.data, utcnow())
        except accounts.AccountLocked:
            db.session.commit()
            form.email.errors.append(
                _l("This account is locked after too many attempts. Try again in 15 minutes.")
            )
            return render_template("staff/login.html", form=form), 200
        db.session.commit()
        if staff is not None:
            login_user(staff)
            return redirect(_safe_next(request.args.get("next")))
        form.email.errors.append(_l("Enter a correct email address and password"))
    return render_template("staff/login.html", form=form)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        logout_user()
        flash(str(_l("You have signed out.")), "success")
        return redirect(url_for("staff.login"))
    return render_template("staff/logout.html", form=form)


@bp.route("/")
@staff_required()
def dashboard():
    return render_template("staff/dashboard.html", prisons=current_user.prisons)


@bp.route("/account/password", methods=["GET", "POST"])
@staff_required()
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
            db.session.commit()
        except accounts.AccountError as error:
            db.session.rollback()
            form.current_password.errors.append(error.message)
        else:
            # The new session version signed out every other session; keep this one.
            login_user(current_user._get_current_object())
            flash(str(_l("Your password has been changed.")), "success")
            return redirect(url_for("staff.dashboard"))
    return render_template("staff/change_password.html", form=form)


@bp.route("/admin/staff")
@staff_required(Role.ADMIN)
def staff_list():
    return render_template("staff/staff_list.html", colleagues=accounts.colleagues(current_user))


@bp.route("/admin/staff/new", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def staff_new():
    form = NewStaffForm()
    form.prisons.choices = choices((str(p.id), p.name) for p in current_user.prisons)
    if form.validate_on_submit():
        chosen = [p for p in current_user.prisons if str(p.id) in form.prisons.data]
        password = accounts.new_password()
        try:
            staff = accounts.create_staff(
                current_user,
                form.email.data,
                form.name.data,
                Role(form.role.data),
                chosen,
                password,
            )
            db.session.commit()
        except accounts.AccountError as error:
            db.session.rollback()
            form.email.errors.append(error.message)
        else:
            return render_template("staff/staff_created.html", staff=staff, password=password)
    return render_template("staff/staff_new.html", form=form)


@bp.route("/admin/staff/<int:staff_id>/access", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def staff_access(staff_id):
    staff = db.session.get(StaffUser, staff_id)
    if staff is None or not staff.active or staff not in accounts.colleagues(current_user):
        abort(404)
    current = {
        "role": staff.role.value,
        "prisons": [str(p.id) for p in staff.prisons if p.id in current_user.prison_ids],
    }
    form = StaffAccessForm(data=current if request.method == "GET" else None)
    form.prisons.choices = choices((str(p.id), p.name) for p in current_user.prisons)
    if form.validate_on_submit():
        chosen = [p for p in current_user.prisons if str(p.id) in form.prisons.data]
        try:
            changed = accounts.change_access(current_user, staff, Role(form.role.data), chosen)
            db.session.commit()
        except accounts.AccountError as error:
            db.session.rollback()
            form.role.errors.append(error.message)
        else:
            if changed:
                message = _l("%(name)s will sign in again with their new access.", name=staff.name)
            else:
                message = _l("You did not change %(name)s's access.", name=staff.name)
            flash(str(message), "success")
            return redirect(url_for("staff.staff_list"))
    return render_template("staff/staff_access.html", form=form, staff=staff)


@bp.route("/admin/staff/<int:staff_id>/remove", methods=["POST"])
@staff_required(Role.ADMIN)
def staff_remove(staff_id):
    staff = db.session.get(StaffUser, staff_id)
    if staff is None or staff not in accounts.colleagues(current_user):
        abort(404)
    try:
        accounts.deactivate_staff(current_user, staff)
        db.session.commit()
        flash(str(_l("%(name)s can no longer sign in.", name=staff.name)), "success")
    except accounts.AccountError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    return redirect(url_for("staff.staff_list"))


@bp.route("/admin/audit")
@staff_required(Role.ADMIN)
def audit_trail():
    page = request.args.get("page", 1, type=int)
    colleague_ids = [s.id for s in accounts.colleagues(current_user)]
    events = db.paginate(
        sa.select(StaffAuditEvent)
        .where(
            sa.or_(
                StaffAuditEvent.prison_id.in_(current_user.prison_ids),
                StaffAuditEvent.staff_id.in_(colleague_ids),
                sa.and_(
                    StaffAuditEvent.record_type == "staff",
                    StaffAuditEvent.record_id.in_(colleague_ids),
                ),
            )
        )
        .order_by(StaffAuditEvent.id.desc()),
        page=page,
        per_page=AUDIT_PAGE_SIZE,
        error_out=False,
    )
    prisons = {p.id: p.name for p in db.session.scalars(sa.select(Prison))}
    return render_template("staff/audit.html", events=events, prisons=prisons)
