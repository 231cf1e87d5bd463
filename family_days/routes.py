"""Family day pages: families find a day, apply and follow their application; the visits team
plans days, gives out places and decides on applications; the visitor centre checks families in."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import db
from family_days import (
    allocation,
    applications,
    attendance,
    decisions,
    places,
    planning,
    waiting_list,
)
from family_days.applications import ApplicationError, NewApplication, OnBehalf
from family_days.eligibility import AdultDetails, ChildDetails
from family_days.forms import (
    NO_GATE,
    ApplyForm,
    DeclineForm,
    FamilyDayForm,
    IncentiveLevelForm,
    OnBehalfForm,
)
from family_days.models import (
    AllocationMethod,
    Applicant,
    ApplicationStatus,
    ChildRelationship,
    DeclineReason,
    FamilyDay,
    IncentiveLevel,
)
from staff.access import add_prison_link, scoped_prison, staff_required
from staff.models import Role
from timeutil import local_today, utcnow
from visits.forms import ConfirmForm
from visits.models import Prison

bp = Blueprint("family_days", __name__, url_prefix="/family-days", template_folder="templates")
staff_bp = Blueprint(
    "family_days_team",
    __name__,
    url_prefix="/staff/prisons/<slug>/family-days",
    template_folder="templates",
)
TEAM = Role.VISITS_TEAM

add_prison_link("family_days_team.days", _l("Family days"), TEAM)
add_prison_link("family_days_team.check_in", _l("Family day check-in"), Role.CENTRE, TEAM)


def _staff():
    return current_user._get_current_object()


def _show_error(form, field_name: str, message) -> None:
    field = form._fields.get(field_name) or next(iter(form))
    field.errors = [*field.errors, message]


# Families ----------------------------------------------------------------------------------


def _prison_or_404(slug: str) -> Prison:
    prison = db.session.scalar(db.select(Prison).where(Prison.slug == slug))
    if prison is None:
        abort(404)
    return prison


def _day_or_404(prison: Prison, day_id: int) -> FamilyDay:
    day = applications.day_at(prison, day_id)
    if day is None:
        abort(404)
    return day


@bp.route("")
def index():
    return render_template(
        "family_days/index.html", prisons=applications.prisons_with_days(local_today())
    )


@bp.route("/<slug>")
def prison_days(slug):
    prison = _prison_or_404(slug)
    return render_template(
        "family_days/prison.html",
        prison=prison,
        days=applications.upcoming_days(prison, local_today()),
        today=local_today(),
    )


def _people(form: ApplyForm, child: bool) -> list:
    people = []
    for _, fields in form.slots(child):
        if ApplyForm._is_blank(fields):
            continue
        first, last, born = (f.data for f in fields[:3])
        if child:
            people.append(ChildDetails(first, last, born, ChildRelationship(fields[3].data)))
        else:
            people.append(AdultDetails(first, last, born))
    return people


def _new_application(form: ApplyForm, on_behalf: OnBehalf | None) -> NewApplication:
    return NewApplication(
        prisoner_first_name=form.prisoner_first_name.data,
        prisoner_last_name=form.prisoner_last_name.data,
        prisoner_number=form.prison_number.data,
        children=_people(form, child=True),
        adults=_people(form, child=False),
        mobile=form.mobile.data or None,
        email=form.email.data or None,
        language=str(get_locale()),
        last_visit_on=form.last_visit_on.data,
        on_behalf=on_behalf,
    )


def _apply_page(slug, day_id, form, on_behalf_of=None):
    prison = _prison_or_404(slug)
    day = _day_or_404(prison, day_id)
    if not day.accepts_applications(local_today()):
        return render_template("family_days/closed.html", prison=prison, day=day), 410
    if form.validate_on_submit():
        try:
            application = applications.apply(
                day.id,
                _new_application(form, on_behalf_of(form) if on_behalf_of else None),
                local_today(),
                utcnow(),
            )
        except ApplicationError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            return redirect(url_for(".application", token=application.token, new=1))
    return render_template(
        "family_days/apply.html",
        prison=prison,
        day=day,
        form=form,
        on_behalf=on_behalf_of is not None,
    )


@bp.route("/<slug>/<int:day_id>/apply", methods=["GET", "POST"])
def apply(slug, day_id):
    return _apply_page(slug, day_id, ApplyForm())


@bp.route("/<slug>/<int:day_id>/apply-for-a-child", methods=["GET", "POST"])
def apply_on_behalf(slug, day_id):
    def on_behalf(form):
        return OnBehalf(
            Applicant(form.applicant.data),
            form.applicant_name.data,
            form.organisation.data,
            form.care_plan_reference.data,
            bool(form.consent.data),
        )

    return _apply_page(slug, day_id, OnBehalfForm(), on_behalf)


def _application_or_404(token: str):
    application = applications.application_by_token(token)
    if application is None:
        abort(404)
    return application


@bp.route("/application/<token>")
def application(token):
    found = _application_or_404(token)
    return render_template(
        "family_days/application.html",
        application=found,
        day=found.family_day,
        form=ConfirmForm(),
        new=request.args.get("new") == "1",
        ApplicationStatus=ApplicationStatus,
    )


@bp.route("/application/<token>/accept", methods=["POST"])
def accept(token):
    found = _application_or_404(token)
    if ConfirmForm().validate_on_submit():
        try:
            waiting_list.accept_offer(found, utcnow())
        except waiting_list.OfferError as error:
            db.session.rollback()
            flash(str(error.message))
        else:
            db.session.commit()
            flash(str(_l("Your place is confirmed.")), "success")
    return redirect(url_for(".application", token=token))


@bp.route("/application/<token>/withdraw", methods=["POST"])
def withdraw(token):
    found = _application_or_404(token)
    if ConfirmForm().validate_on_submit():
        try:
            waiting_list.withdraw(found, found.applicant.value, utcnow())
        except waiting_list.OfferError as error:
            db.session.rollback()
            flash(str(error.message))
        else:
            db.session.commit()
            flash(str(_l("Your application has been withdrawn.")), "success")
    return redirect(url_for(".application", token=token))


# The visits team ---------------------------------------------------------------------------


def _team_day_or_404(prison: Prison, day_id: int) -> FamilyDay:
    day = planning.day_at(prison, day_id)
    if day is None:
        abort(404)
    return day


def _details(form: FamilyDayForm) -> planning.DayDetails:
    gate = form.minimum_incentive_level.data
    return planning.DayDetails(
        title=form.title.data,
        date=form.date.data,
        start_time=form.start_time.data,
        end_time=form.end_time.data,
        families=form.families.data,
        adults_per_family=form.adults_per_family.data,
        min_child_age=form.min_child_age.data,
        max_child_age=form.max_child_age.data,
        applications_open=form.applications_open.data,
        applications_close=form.applications_close.data,
        allocation=AllocationMethod(form.allocation.data),
        includes=form.includes.data or "",
        minimum_incentive_level=None if gate == NO_GATE else IncentiveLevel(gate),
        recent_visit_days=form.recent_visit_days.data,
        offer_hours=form.offer_hours.data,
    )


@staff_bp.route("", endpoint="days")
@staff_required(TEAM)
def days_page(slug):
    prison = scoped_prison(slug)
    return render_template(
        "family_days/staff/days.html", prison=prison, days=planning.days_at(prison)
    )


@staff_bp.route("/new", methods=["GET", "POST"])
@staff_required(TEAM)
def new_day(slug):
    prison = scoped_prison(slug)
    form = FamilyDayForm()
    if form.validate_on_submit():
        day = planning.create_day(prison, _staff(), _details(form))
        db.session.commit()
        flash(str(_l("Family day created.")), "success")
        return redirect(url_for(".day", slug=slug, day_id=day.id))
    return render_template("family_days/staff/day_form.html", prison=prison, form=form, day=None)


@staff_bp.route("/<int:day_id>/edit", methods=["GET", "POST"])
@staff_required(TEAM)
def edit_day(slug, day_id):
    prison = scoped_prison(slug)
    day = _team_day_or_404(prison, day_id)
    form = FamilyDayForm(obj=day)
    if request.method == "GET":
        form.allocation.data = day.allocation.value
        gate = day.minimum_incentive_level
        form.minimum_incentive_level.data = gate.value if gate else NO_GATE
    if form.validate_on_submit():
        try:
            planning.update_day(day, _staff(), _details(form))
        except planning.PlanningError as error:
            db.session.rollback()
            _show_error(form, error.field, error.message)
        else:
            db.session.commit()
            flash(str(_l("Family day changed.")), "success")
            return redirect(url_for(".day", slug=slug, day_id=day.id))
    return render_template("family_days/staff/day_form.html", prison=prison, form=form, day=day)


@staff_bp.route("/<int:day_id>")
@staff_required(TEAM)
def day(slug, day_id):
    prison = scoped_prison(slug)
    found = _team_day_or_404(prison, day_id)
    grouped = planning.applications_for(found, _staff())
    db.session.commit()  # the audit row of who looked
    return render_template(
        "family_days/staff/day.html",
        prison=prison,
        day=found,
        grouped=grouped,
        places_left=places.places_left(found),
        form=ConfirmForm(),
        ApplicationStatus=ApplicationStatus,
    )


@staff_bp.route("/<int:day_id>/allocate", methods=["POST"])
@staff_required(TEAM)
def allocate(slug, day_id):
    prison = scoped_prison(slug)
    found = _team_day_or_404(prison, day_id)
    if ConfirmForm().validate_on_submit():
        try:
            allocation.allocate(found.id, _staff(), utcnow())
        except allocation.AllocationError as error:
            db.session.rollback()
            flash(str(error.message))
        else:
            db.session.commit()
            flash(str(_l("Places given out.")), "success")
    return redirect(url_for(".day", slug=slug, day_id=day_id))


def _team_application_or_404(prison: Prison, day_id: int, application_id: int):
    found = planning.application_at(prison, _staff(), application_id)
    if found is None or found.family_day_id != day_id:
        abort(404)
    return found


@staff_bp.route("/<int:day_id>/applications/<int:application_id>")
@staff_required(TEAM)
def application_page(slug, day_id, application_id):
    prison = scoped_prison(slug)
    found = _team_application_or_404(prison, day_id, application_id)
    problems = allocation.blocking_problems(found)
    db.session.commit()
    return render_template(
        "family_days/staff/application.html",
        prison=prison,
        day=found.family_day,
        application=found,
        problems=problems,
        form=ConfirmForm(),
        incentive_form=IncentiveLevelForm(
            level=found.incentive_level.value if found.incentive_level else None
        ),
        ApplicationStatus=ApplicationStatus,
        today=local_today(),
    )


def _decide(slug, day_id, application_id, decide, done_message):
    prison = scoped_prison(slug)
    found = _team_application_or_404(prison, day_id, application_id)
    if ConfirmForm().validate_on_submit():
        try:
            decide(found)
        except (decisions.DecisionError, attendance.AttendanceError) as error:
            db.session.rollback()
            flash(str(error.message))
        else:
            db.session.commit()
            flash(str(done_message), "success")
    return redirect(
        url_for(".application_page", slug=slug, day_id=day_id, application_id=application_id)
    )


@staff_bp.route("/<int:day_id>/applications/<int:application_id>/approve", methods=["POST"])
@staff_required(TEAM)
def approve(slug, day_id, application_id):
    return _decide(
        slug,
        day_id,
        application_id,
        lambda a: decisions.approve(a, _staff(), utcnow()),
        _l("Application approved."),
    )


@staff_bp.route("/<int:day_id>/applications/<int:application_id>/waiting-list", methods=["POST"])
@staff_required(TEAM)
def waitlist(slug, day_id, application_id):
    return _decide(
        slug,
        day_id,
        application_id,
        lambda a: decisions.waitlist(a, _staff(), utcnow()),
        _l("Added to the waiting list."),
    )


@staff_bp.route("/<int:day_id>/applications/<int:application_id>/incentive", methods=["POST"])
@staff_required(TEAM)
def incentive_level(slug, day_id, application_id):
    prison = scoped_prison(slug)
    found = _team_application_or_404(prison, day_id, application_id)
    form = IncentiveLevelForm()
    if form.validate_on_submit():
        decisions.record_incentive_level(found, _staff(), IncentiveLevel(form.level.data))
        db.session.commit()
        flash(str(_l("Incentive level recorded.")), "success")
    else:
        db.session.commit()
        flash(str(_l("Select the prisoner's incentive level")))
    return redirect(
        url_for(".application_page", slug=slug, day_id=day_id, application_id=application_id)
    )


@staff_bp.route("/<int:day_id>/applications/<int:application_id>/decline", methods=["GET", "POST"])
@staff_required(TEAM)
def decline(slug, day_id, application_id):
    prison = scoped_prison(slug)
    found = _team_application_or_404(prison, day_id, application_id)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            decisions.decline(
                found, _staff(), DeclineReason(form.reason.data), form.details.data or "", utcnow()
            )
        except decisions.DecisionError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash(str(_l("Application declined.")), "success")
            return redirect(url_for(".day", slug=slug, day_id=day_id))
    else:
        db.session.commit()
    return render_template(
        "family_days/staff/decline.html",
        prison=prison,
        day=found.family_day,
        application=found,
        form=form,
    )


# The visitor centre ------------------------------------------------------------------------


@staff_bp.route("/check-in")
@staff_required(Role.CENTRE, TEAM)
def check_in(slug):
    prison = scoped_prison(slug)
    today = local_today()
    days = [(d, attendance.expected(d)) for d in attendance.days_on(prison, today)]
    return render_template(
        "family_days/staff/check_in.html",
        prison=prison,
        days=days,
        form=ConfirmForm(),
        ApplicationStatus=ApplicationStatus,
    )


@staff_bp.route("/check-in/<int:application_id>", methods=["POST"])
@staff_required(Role.CENTRE, TEAM)
def mark_attended(slug, application_id):
    prison = scoped_prison(slug)
    found = applications.application_at_prison(prison, application_id)
    if found is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            attendance.mark_attended(found, _staff(), local_today())
        except attendance.AttendanceError as error:
            db.session.rollback()
            flash(str(error.message))
        else:
            db.session.commit()
            flash(str(_l("Family checked in.")), "success")
    return redirect(url_for(".check_in", slug=slug))
