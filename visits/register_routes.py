"""The visits team's prisoner register, visit allowance and restrictions, one prison at a time."""

import dataclasses

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app import db
from staff import audit
from staff.access import add_prison_link, scoped_prison, staff_required
from staff.models import Role, StaffUser
from timeutil import local_today, utcnow
from visits import allowance, register, restrictions
from visits.models import Prisoner, PrisonerCategory, RestrictionKind
from visits.register_forms import (
    CATEGORY_LABELS,
    AllowanceForm,
    ChildContactForm,
    ClosedPrisonerForm,
    ClosedVisitorForm,
    EndRestrictionForm,
    ImportForm,
    NonAssociationForm,
    RegisterPrisonerForm,
    VisitorBanForm,
)
from visits.restrictions import NewRestriction

bp = Blueprint(
    "register", __name__, url_prefix="/staff/prisons/<slug>", template_folder="templates"
)
team_only = staff_required(Role.VISITS_TEAM)

add_prison_link("register.prisoners", _l("Prisoner register"), Role.VISITS_TEAM)
add_prison_link("register.restrictions_list", _l("Restrictions"), Role.VISITS_TEAM)


def _show_error(field, message):
    field.errors = [*field.errors, message]


# The prisoner register


@bp.route("/prisoners")
@team_only
def prisoners(slug):
    prison = scoped_prison(slug)
    words = request.args.get("q", "")[:100]
    audit.record(current_user, "viewed prisoner register", "prisoner", None, prison.id)
    page = db.paginate(
        register.search(prison, words),
        page=request.args.get("page", 1, type=int),
        per_page=register.PAGE_SIZE,
        error_out=False,
    )
    page_html = render_template(
        "visits/register/prisoners.html",
        prison=prison,
        page=page,
        words=words,
        categories=CATEGORY_LABELS,
    )
    db.session.commit()  # the audit row, once the page is made from the loaded rows
    return page_html


def _record_from(form) -> register.PrisonerRecord:
    return register.PrisonerRecord(
        form.prison_number.data,
        form.first_name.data,
        form.last_name.data,
        form.date_of_birth.data,
        PrisonerCategory(form.category.data),
    )


def _save_prisoner(form, save):
    """Run save() and commit; on a taken prison number say so on the field."""
    try:
        result = save()
        db.session.commit()
        return result
    except register.RegisterError as error:
        db.session.rollback()
        _show_error(form.prison_number, error.message)
    except IntegrityError:
        # Someone added the same prison number at the same moment.
        db.session.rollback()
        _show_error(form.prison_number, register.TAKEN)
    return None


@bp.route("/prisoners/new", methods=["GET", "POST"])
@team_only
def prisoner_new(slug):
    prison = scoped_prison(slug)
    form = RegisterPrisonerForm()
    if form.validate_on_submit():
        prisoner = _save_prisoner(
            form, lambda: register.add_prisoner(prison, current_user, _record_from(form))
        )
        if prisoner is not None:
            flash(str(_l("The prisoner has been added to the register.")), "success")
            return redirect(url_for(".prisoner", slug=slug, prisoner_id=prisoner.id))
    return render_template("visits/register/prisoner_form.html", prison=prison, form=form)


def _prisoner_or_404(prison, prisoner_id) -> Prisoner:
    prisoner = db.session.scalar(
        sa.select(Prisoner).where(Prisoner.id == prisoner_id, Prisoner.prison_id == prison.id)
    )
    if prisoner is None:
        abort(404)
    return prisoner


@bp.route("/prisoners/<int:prisoner_id>")
@team_only
def prisoner(slug, prisoner_id):
    prison = scoped_prison(slug)
    found = _prisoner_or_404(prison, prisoner_id)
    audit.record(current_user, "viewed prisoner", "prisoner", found.id, prison.id)
    rule = allowance.rule_for(prison, found.category)
    visits = allowance.visits_to_show(prison, found, local_today())
    page_html = render_template(
        "visits/register/prisoner.html",
        prison=prison,
        prisoner=found,
        rule=rule,
        visits=visits,
        categories=CATEGORY_LABELS,
    )
    db.session.commit()  # the audit row, once the page is made from the loaded rows
    return page_html


@bp.route("/prisoners/<int:prisoner_id>/edit", methods=["GET", "POST"])
@team_only
def prisoner_edit(slug, prisoner_id):
    prison = scoped_prison(slug)
    found = _prisoner_or_404(prison, prisoner_id)
    form = RegisterPrisonerForm(obj=found)
    if request.method == "GET":
        form.category.data = found.category.value
    if form.validate_on_submit():
        saved = _save_prisoner(
            form, lambda: register.change_prisoner(found, current_user, _record_from(form))
        )
        if saved:
            flash(str(_l("The prisoner's details have been changed.")), "success")
            return redirect(url_for(".prisoner", slug=slug, prisoner_id=prisoner_id))
    return render_template(
        "visits/register/prisoner_form.html", prison=prison, form=form, prisoner_id=prisoner_id
    )


@bp.route("/prisoners/import", methods=["GET", "POST"])
@team_only
def prisoner_import(slug):
    prison = scoped_prison(slug)
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        data = form.csv_file.data.read(register.MAX_IMPORT_BYTES + 1)
        try:
            report = register.import_prisoners(prison, current_user, data, local_today())
            db.session.commit()
        except register.ImportFileError as error:
            db.session.rollback()
            _show_error(form.csv_file, error.message)
        except IntegrityError:
            db.session.rollback()
            report = None
            _show_error(
                form.csv_file,
                _l("The register changed while the file was being imported. Upload it again."),
            )
    return render_template("visits/register/import.html", prison=prison, form=form, report=report)


@bp.route("/prisoners/template.csv")
@team_only
def prisoner_template(slug):
    scoped_prison(slug)
    return Response(
        register.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=prisoner-register.csv"},
    )


@bp.route("/allowance", methods=["GET", "POST"])
@team_only
def allowance_settings(slug):
    prison = scoped_prison(slug)
    form = AllowanceForm(obj=prison)
    if form.validate_on_submit():
        allowance.change_settings(
            prison,
            current_user,
            int(form.convicted_visits.data),
            int(form.convicted_period_days.data),
            int(form.remand_visits_per_week.data),
        )
        db.session.commit()
        flash(str(_l("The visit allowance has been changed.")), "success")
        return redirect(url_for(".prisoners", slug=slug))
    return render_template("visits/register/allowance.html", prison=prison, form=form)


# Restrictions

NEW_RESTRICTION = {
    "visitor-ban": (VisitorBanForm, RestrictionKind.VISITOR_BAN, _l("Ban a visitor")),
    "closed-visitor": (
        ClosedVisitorForm,
        RestrictionKind.CLOSED_VISITS,
        _l("Closed visits only for a visitor"),
    ),
    "closed-prisoner": (
        ClosedPrisonerForm,
        RestrictionKind.CLOSED_VISITS,
        _l("Closed visits only for a prisoner"),
    ),
    "child-contact": (
        ChildContactForm,
        RestrictionKind.CHILD_CONTACT,
        _l("No visitors under 18 for a prisoner"),
    ),
    "non-association": (
        NonAssociationForm,
        RestrictionKind.NON_ASSOCIATION,
        _l("Prisoners who must not have visits on the same day"),
    ),
}


@bp.route("/restrictions")
@team_only
def restrictions_list(slug):
    prison = scoped_prison(slug)
    ended = request.args.get("show") == "ended"
    found = restrictions.restrictions_at(prison, current_user, ended)
    staff_names = _staff_names(found)
    page_html = render_template(
        "visits/restrictions/list.html",
        prison=prison,
        restrictions=found,
        ended=ended,
        kinds=NEW_RESTRICTION,
        staff_names=staff_names,
    )
    db.session.commit()  # the audit row, once the page is made from the loaded rows
    return page_html


def _staff_names(found) -> dict[int, str]:
    ids = {r.created_by_id for r in found} | {r.ended_by_id for r in found}
    return dict(
        db.session.execute(
            sa.select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids - {None}))
        ).all()
    )


@bp.route("/restrictions/new/<kind>", methods=["GET", "POST"])
@team_only
def restriction_new(slug, kind):
    prison = scoped_prison(slug)
    if kind not in NEW_RESTRICTION:
        abort(404)
    form_class, restriction_kind, title = NEW_RESTRICTION[kind]
    form = form_class(starts_on=local_today())
    if form.validate_on_submit():
        fields = {
            f.name: form[f.name].data for f in dataclasses.fields(NewRestriction) if f.name in form
        }
        restrictions.add_restriction(
            prison, current_user, NewRestriction(kind=restriction_kind, **fields)
        )
        db.session.commit()
        flash(str(_l("The restriction has been added.")), "success")
        return redirect(url_for(".restrictions_list", slug=slug))
    return render_template(
        "visits/restrictions/new.html", prison=prison, form=form, title=title, kind=kind
    )


@bp.route("/restrictions/<int:restriction_id>/end", methods=["GET", "POST"])
@team_only
def restriction_end(slug, restriction_id):
    prison = scoped_prison(slug)
    found = restrictions.restriction_at(prison, current_user, restriction_id)
    if found is None or found.ended_at is not None:
        abort(404)
    form = EndRestrictionForm()
    if form.validate_on_submit():
        restrictions.end_restriction(found, current_user, form.reason.data, utcnow())
        db.session.commit()
        flash(str(_l("The restriction has ended.")), "success")
        return redirect(url_for(".restrictions_list", slug=slug))
    page_html = render_template(
        "visits/restrictions/end.html",
        prison=prison,
        form=form,
        restriction=found,
        staff_names=_staff_names([found]),
    )
    db.session.commit()  # the audit row for viewing it
    return page_html
