"""The visits team's pages: weekly sessions, closures, changes to one session, booking rules
and the queue of visit requests."""

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import db
from govuk_forms import choices
from staff.access import add_prison_link, scoped_prison, staff_required
from staff.models import Role
from timeutil import local_today, utcnow
from visits import prison_rules, review, rules, schedule
from visits.forms import ConfirmForm
from visits.models import Closure, Prison, SessionKind, SessionTemplate, VisitSession
from visits.schedule import NeedsConfirmation, ScheduleError, SessionShape, WeeklySession
from visits.sessions import availability
from visits.team_forms import (
    BookingRulesForm,
    CancelSessionForm,
    ClosureForm,
    EndWeeklySessionForm,
    SessionShapeForm,
    WeeklySessionForm,
    rejection_form,
)

bp = Blueprint("team", __name__, url_prefix="/staff/prisons/<slug>", template_folder="templates")
TEAM = Role.VISITS_TEAM
WHOLE_PRISON = "all"

add_prison_link("team.schedule", _l("Visiting sessions"), TEAM)
add_prison_link("team.booking_rules", _l("Booking rules"), TEAM)
add_prison_link("team.requests", _l("Visit requests"), TEAM)


def _staff():
    return current_user._get_current_object()


def _template_or_404(prison: Prison, template_id: int) -> SessionTemplate:
    template = db.session.get(SessionTemplate, template_id)
    if template is None or template.prison_id != prison.id:
        abort(404)
    return template


def _session_or_404(prison: Prison, session_id: int) -> VisitSession:
    session = db.session.get(VisitSession, session_id)
    if session is None or session.prison_id != prison.id:
        abort(404)
    return session


def _closure_or_404(prison: Prison, closure_id: int) -> Closure:
    closure = db.session.get(Closure, closure_id)
    if closure is None or closure.prison_id != prison.id:
        abort(404)
    return closure


def _show_error(form, error: ScheduleError) -> None:
    field = form._fields.get(error.field) or next(iter(form))
    field.errors = [*field.errors, error.message]


def _back_to_schedule(prison: Prison, message):
    flash(str(message), "success")
    return redirect(url_for(".schedule", slug=prison.slug))


def _apply(prison: Prison, form, change, description, done):
    """Run one schedule change as the request's transaction. Returns the page to send (the
    schedule once done, or the visits it affects to confirm first), or None when the change
    was refused: its message is then on the form."""
    try:
        change(request.form.get("confirmed"))
        db.session.commit()
    except ScheduleError as error:
        db.session.rollback()
        _show_error(form, error)
        return None
    except NeedsConfirmation as needed:
        db.session.rollback()
        return _confirmation(prison, needed, description)
    return _back_to_schedule(prison, done)


def _apply_confirmed(prison: Prison, change, done):
    """A change the staff member has already confirmed on its own page; a refusal goes back to
    the schedule with its message."""
    try:
        change()
        db.session.commit()
    except ScheduleError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for(".schedule", slug=prison.slug))
    return _back_to_schedule(prison, done)


def _confirmation(prison: Prison, needed: NeedsConfirmation, description):
    """The visits a change would cancel or move, with the answers posted again to apply it."""
    answers = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in ("csrf_token", "confirmed")
    ]
    return render_template(
        "visits/team/confirm_change.html",
        prison=prison,
        affected=needed.affected,
        fingerprint=needed.fingerprint,
        answers=answers,
        description=description,
        changed_since=bool(request.form.get("confirmed")),
    )


def _shape(form) -> SessionShape:
    return SessionShape(
        form.start_time.data,
        form.end_time.data,
        form.open_tables.data,
        form.closed_tables.data,
        form.people_places.data,
    )


def _weekly(form) -> WeeklySession:
    return WeeklySession(
        int(form.weekday.data),
        _shape(form),
        form.valid_from.data,
        form.valid_until.data,
        SessionKind(form.kind.data),
        **{name: form[name].data or "" for name in schedule.FAMILY_INFORMATION},
    )


def _describe_template(template: SessionTemplate) -> str:
    return str(
        _l(
            "%(days)s, %(start)s to %(end)s",
            days=schedule.WEEKDAYS_PLURAL[template.weekday],
            start=template.start_time.strftime("%H:%M"),
            end=template.end_time.strftime("%H:%M"),
        )
    )


# Sessions -------------------------------------------------------------------------------


@bp.route("/sessions", endpoint="schedule")
@staff_required(TEAM)
def schedule_page(slug):
    prison = scoped_prison(slug)
    today = local_today()
    sessions = schedule.upcoming_sessions(
        prison, today, today + timedelta(days=prison.max_advance_days)
    )
    places = {
        a.session.id: a for a in availability([s for s in sessions if not s.cancelled], utcnow())
    }
    templates = schedule.templates_of(prison)
    closures = schedule.closures_of(prison, today)
    return render_template(
        "visits/team/schedule.html",
        prison=prison,
        templates=templates,
        template_names={t.id: _describe_template(t) for t in templates},
        closures=closures,
        sessions=sessions,
        places=places,
        reopenable=schedule.reopenable(sessions, closures, today),
        today=today,
        describe=_describe_template,
        weekdays=schedule.WEEKDAYS_PLURAL,
    )


@bp.route("/sessions/weekly/new", methods=["GET", "POST"])
@staff_required(TEAM)
def weekly_new(slug):
    prison = scoped_prison(slug)
    form = WeeklySessionForm(closed_tables=0, valid_from=local_today())
    if form.validate_on_submit():
        page = _apply(
            prison,
            form,
            lambda _confirmed: schedule.add_template(
                prison, _weekly(form), _staff(), local_today()
            ),
            None,
            _l("Weekly session added"),
        )
        if page:
            return page
    return render_template("visits/team/weekly_form.html", form=form, prison=prison, template=None)


@bp.route("/sessions/weekly/<int:template_id>/edit", methods=["GET", "POST"])
@staff_required(TEAM)
def weekly_edit(slug, template_id):
    prison = scoped_prison(slug)
    template = _template_or_404(prison, template_id)
    form = WeeklySessionForm(
        weekday=str(template.weekday),
        start_time=template.start_time,
        end_time=template.end_time,
        open_tables=template.open_tables,
        closed_tables=template.closed_tables,
        people_places=template.people_places,
        valid_from=template.valid_from,
        valid_until=template.valid_until,
        kind=template.kind.value,
        **{name: getattr(template, name) for name in schedule.FAMILY_INFORMATION},
    )
    if form.validate_on_submit():
        page = _apply(
            prison,
            form,
            lambda confirmed: schedule.change_template(
                prison, template, _weekly(form), _staff(), local_today(), confirmed
            ),
            _l("Change the weekly session on %(day)s", day=_describe_template(template)),
            _l("Weekly session changed"),
        )
        if page:
            return page
    return render_template(
        "visits/team/weekly_form.html", form=form, prison=prison, template=template
    )


@bp.route("/sessions/weekly/<int:template_id>/end", methods=["GET", "POST"])
@staff_required(TEAM)
def weekly_end(slug, template_id):
    prison = scoped_prison(slug)
    template = _template_or_404(prison, template_id)
    form = EndWeeklySessionForm(last_day=template.valid_until)
    if form.validate_on_submit():
        page = _apply(
            prison,
            form,
            lambda confirmed: schedule.end_template(
                prison, template, form.last_day.data, _staff(), local_today(), confirmed
            ),
            _l("End the weekly session on %(day)s", day=_describe_template(template)),
            _l("Weekly session ended"),
        )
        if page:
            return page
    return render_template(
        "visits/team/weekly_end.html",
        form=form,
        prison=prison,
        template=template,
        description=_describe_template(template),
    )


@bp.route("/closures/new", methods=["GET", "POST"])
@staff_required(TEAM)
def closure_new(slug):
    prison = scoped_prison(slug)
    today = local_today()
    running = [
        t for t in schedule.templates_of(prison) if t.valid_until is None or t.valid_until >= today
    ]
    form = ClosureForm(scope=WHOLE_PRISON)
    form.scope.choices = choices(
        [
            (WHOLE_PRISON, _l("The whole prison: every session")),
            *((str(t.id), _describe_template(t)) for t in running),
        ]
    )
    if form.validate_on_submit():
        template = next((t for t in running if str(t.id) == form.scope.data), None)
        page = _apply(
            prison,
            form,
            lambda confirmed: schedule.add_closure(
                prison,
                template,
                form.first_day.data,
                form.last_day.data,
                form.reason.data,
                _staff(),
                today,
                confirmed,
            ),
            _l("Add a closure"),
            _l("Closure added"),
        )
        if page:
            return page
    return render_template("visits/team/closure_form.html", form=form, prison=prison)


@bp.route("/sessions/<int:session_id>/change", methods=["GET", "POST"])
@staff_required(TEAM)
def session_change(slug, session_id):
    prison = scoped_prison(slug)
    session = _session_or_404(prison, session_id)
    form = SessionShapeForm(
        start_time=session.start_time,
        end_time=session.end_time,
        open_tables=session.open_tables,
        closed_tables=session.closed_tables,
        people_places=session.people_places,
    )
    if form.validate_on_submit():
        page = _apply(
            prison,
            form,
            lambda confirmed: schedule.change_session(
                prison, session, _shape(form), _staff(), local_today(), confirmed
            ),
            _l("Change one session"),
            _l("Session changed"),
        )
        if page:
            return page
    return render_template(
        "visits/team/session_change.html", form=form, prison=prison, session=session
    )


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@staff_required(TEAM)
def session_cancel(slug, session_id):
    prison = scoped_prison(slug)
    session = _session_or_404(prison, session_id)
    form = CancelSessionForm()
    if form.validate_on_submit():
        page = _apply(
            prison,
            form,
            lambda confirmed: schedule.cancel_session(
                prison, session, form.reason.data, _staff(), local_today(), confirmed
            ),
            _l("Cancel one session"),
            _l("Session cancelled"),
        )
        if page:
            return page
    return render_template(
        "visits/team/session_cancel.html", form=form, prison=prison, session=session
    )


@bp.route("/closures/<int:closure_id>/remove", methods=["GET", "POST"])
@staff_required(TEAM)
def closure_remove(slug, closure_id):
    prison = scoped_prison(slug)
    closure = _closure_or_404(prison, closure_id)
    template = db.session.get(SessionTemplate, closure.template_id) if closure.template_id else None
    if ConfirmForm().validate_on_submit():
        return _apply_confirmed(
            prison,
            lambda: schedule.remove_closure(prison, closure, _staff(), local_today()),
            _l("Closure removed"),
        )
    return render_template(
        "visits/team/closure_remove.html",
        prison=prison,
        closure=closure,
        closed=_describe_template(template) if template else _l("The whole prison"),
    )


@bp.route("/sessions/<int:session_id>/reopen", methods=["GET", "POST"])
@staff_required(TEAM)
def session_reopen(slug, session_id):
    prison = scoped_prison(slug)
    session = _session_or_404(prison, session_id)
    if ConfirmForm().validate_on_submit():
        return _apply_confirmed(
            prison,
            lambda: schedule.reopen_session(prison, session, _staff(), local_today()),
            _l("Session reopened"),
        )
    return render_template("visits/team/session_reopen.html", prison=prison, session=session)


# Booking rules ----------------------------------------------------------------------------


@bp.route("/rules", methods=["GET", "POST"])
@staff_required(TEAM)
def booking_rules(slug):
    prison = scoped_prison(slug)
    current = prison_rules.rules_of(prison)
    form = BookingRulesForm(
        **{name: getattr(current, name) for name in prison_rules.RULE_NAMES},
        approval="approval" if current.requires_approval else "instant",
    )
    if form.validate_on_submit():
        chosen = prison_rules.BookingRules(
            **{
                name: form[name].data
                for name in prison_rules.RULE_NAMES
                if name != "requires_approval"
            },
            requires_approval=form.approval.data == "approval",
        )
        problems = prison_rules.problems(chosen)
        for name, message in problems.items():
            form[name].errors = [*form[name].errors, message]
        if not problems:
            prison_rules.update_rules(prison, chosen, _staff(), local_today())
            db.session.commit()
            flash(str(_l("Booking rules saved")), "success")
            return redirect(url_for(".booking_rules", slug=slug))
    return render_template("visits/team/rules.html", form=form, prison=prison)


# Visit requests ---------------------------------------------------------------------------


def _reference(visit) -> str:
    return rules.format_reference(visit.reference)


@bp.route("/requests")
@staff_required(TEAM)
def requests(slug):
    prison = scoped_prison(slug)
    waiting = review.waiting_requests(prison, utcnow())
    return render_template("visits/team/requests.html", prison=prison, waiting=waiting)


def _request_page(prison, visit, form):
    return render_template(
        "visits/team/request.html",
        prison=prison,
        visit=visit,
        form=form,
        due_by=review.due_by(visit),
    )


def _request_or_404(prison: Prison, visit_id: int):
    visit = review.request_of(prison, visit_id)
    if visit is None:
        abort(404)
    return visit


@bp.route("/requests/<int:visit_id>")
@staff_required(TEAM)
def request_review(slug, visit_id):
    prison = scoped_prison(slug)
    visit = _request_or_404(prison, visit_id)
    return _request_page(prison, visit, rejection_form(visit.visitors))


@bp.route("/requests/<int:visit_id>/accept", methods=["POST"])
@staff_required(TEAM)
def request_accept(slug, visit_id):
    prison = scoped_prison(slug)
    visit = _request_or_404(prison, visit_id)
    if ConfirmForm().validate_on_submit():
        try:
            review.accept(prison, visit.id, _staff(), local_today())
            db.session.commit()
        except review.ReviewError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for(".request_review", slug=slug, visit_id=visit_id))
        flash(str(_l("Visit %(reference)s accepted", reference=_reference(visit))), "success")
    return redirect(url_for(".requests", slug=slug))


@bp.route("/requests/<int:visit_id>/reject", methods=["POST"])
@staff_required(TEAM)
def request_reject(slug, visit_id):
    prison = scoped_prison(slug)
    visit = _request_or_404(prison, visit_id)
    form = rejection_form(visit.visitors)
    if form.validate_on_submit():
        try:
            review.reject(
                prison, visit.id, form.visitor_reasons(), form.details.data or "", _staff()
            )
            db.session.commit()
        except review.ReviewError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for(".request_review", slug=slug, visit_id=visit_id))
        flash(str(_l("Visit %(reference)s rejected", reference=_reference(visit))), "success")
        return redirect(url_for(".requests", slug=slug))
    return _request_page(prison, visit, form)
