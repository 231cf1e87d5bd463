"""The visits team's public transport pages: how weekly sessions fit the timetables, the day
timeline, suggested start times, feeds that need refreshing and the stops near a prison."""

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import db
from i18n import clock
from staff.access import add_prison_link, scoped_prison, staff_required
from staff.models import Role
from timeutil import local_today
from visits import schedule, transport_team
from visits.models import Prison, SessionTemplate
from visits.schedule import NeedsConfirmation, ScheduleError
from visits.timetables import transport_settings
from visits.transport import timeline_for_day
from visits.transport_team_forms import (
    NOT_USED,
    USED,
    ApplySuggestionForm,
    CheckInWindowForm,
    ChooseDayForm,
    PrisonStopForm,
)

bp = Blueprint(
    "transport_team", __name__, url_prefix="/staff/prisons/<slug>", template_folder="templates"
)
TEAM = Role.VISITS_TEAM

add_prison_link("transport_team.overview", _l("Public transport"), TEAM)


@bp.app_context_processor
def feed_warning():
    # The visiting-sessions page (visits/team) shows the same warning as these pages.
    return {
        "feeds_to_refresh": lambda prison: transport_team.feeds_to_refresh(prison, local_today())
    }


def _staff():
    return current_user._get_current_object()


def _template_or_404(prison: Prison, template_id: int) -> SessionTemplate:
    template = db.session.get(SessionTemplate, template_id)
    if template is None or template.prison_id != prison.id:
        abort(404)
    return template


def _describe(template: SessionTemplate) -> str:
    return str(
        _l(
            "%(days)s, %(start)s to %(end)s",
            days=schedule.WEEKDAYS_PLURAL[template.weekday],
            start=clock(template.start_time),
            end=clock(template.end_time),
        )
    )


@bp.route("/transport", endpoint="overview")
@staff_required(TEAM)
def overview(slug):
    prison = scoped_prison(slug)
    today = local_today()
    return render_template(
        "visits/transport_team/overview.html",
        prison=prison,
        fits=transport_team.template_fits(prison, today),
        settings=transport_settings(prison),
        describe=_describe,
    )


def _day_from(text: str | None, fallback: date) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return fallback


@bp.route("/transport/timeline")
@staff_required(TEAM)
def timeline(slug):
    prison = scoped_prison(slug)
    form = ChooseDayForm(request.args)
    if "day-day" in request.args and form.validate() and form.day.data:
        return redirect(url_for(".timeline", slug=slug, day=form.day.data.isoformat()))
    first, last = prison.booking_window(local_today())
    upcoming = [s for s in schedule.upcoming_sessions(prison, first, last) if not s.cancelled]
    shown = _day_from(request.args.get("day"), upcoming[0].date if upcoming else first)
    if not form.errors:
        form.day.process(None, shown)
    sessions = [s for s in schedule.upcoming_sessions(prison, shown, shown) if not s.cancelled]
    return render_template(
        "visits/transport_team/timeline.html",
        prison=prison,
        form=form,
        day=shown,
        sessions=sessions,
        chart=timeline_for_day(prison, shown, sessions),
        one_day=timedelta(days=1),
    )


def _suggestions_page(prison: Prison, form=None, failed: int | None = None):
    error = next((field.errors[0] for field in form if field.errors), None) if form else None
    return render_template(
        "visits/transport_team/suggestions.html",
        prison=prison,
        suggestions=transport_team.all_suggestions(prison, local_today()),
        form=form,
        failed=failed,
        error=error,
        describe=_describe,
    )


@bp.route("/transport/suggestions")
@staff_required(TEAM)
def suggestions(slug):
    return _suggestions_page(scoped_prison(slug))


@bp.route("/transport/suggestions/<int:template_id>/apply", methods=["GET", "POST"])
@staff_required(TEAM)
def apply_suggestion(slug, template_id):
    prison = scoped_prison(slug)
    template = _template_or_404(prison, template_id)
    if request.method == "GET":  # the Back link of the confirmation page
        return redirect(url_for(".suggestions", slug=slug))
    form = ApplySuggestionForm()
    if form.validate_on_submit():
        description = _l(
            "Move the weekly session on %(day)s to %(time)s",
            day=_describe(template),
            time=clock(form.start_time.data),
        )
        try:
            transport_team.apply_suggestion(
                prison,
                template,
                form.start_time.data,
                _staff(),
                local_today(),
                request.form.get("confirmed"),
            )
            db.session.commit()
        except ScheduleError as error:
            db.session.rollback()
            form.start_time.errors = [*form.start_time.errors, error.message]
        except NeedsConfirmation as needed:
            db.session.rollback()
            return _confirmation(prison, needed, description)
        else:
            flash(
                str(_l("Weekly session moved to %(time)s", time=clock(template.start_time))),
                "success",
            )
            return redirect(url_for(".suggestions", slug=slug))
    # The error summary links to the weekly session the button belonged to.
    for field in form:
        field.id = f"session-{template.id}"
    return _suggestions_page(prison, form, template.id)


def _confirmation(prison: Prison, needed: NeedsConfirmation, description):
    """The visits the new start time would move, with the answer posted again to apply it."""
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


# Stops near the prison -------------------------------------------------------------------


@bp.route("/transport/stops")
@staff_required(TEAM)
def stops(slug):
    prison = scoped_prison(slug)
    return render_template(
        "visits/transport_team/stops.html",
        prison=prison,
        stops=transport_team.stops_of(prison),
        settings=transport_settings(prison),
    )


@bp.route("/transport/stops/<int:link_id>", methods=["GET", "POST"])
@staff_required(TEAM)
def stop_edit(slug, link_id):
    prison = scoped_prison(slug)
    stop = transport_team.stop_of(prison, link_id)
    if stop is None:
        abort(404)
    form = PrisonStopForm(
        walk_minutes=stop.link.walk_minutes, used=USED if stop.link.enabled else NOT_USED
    )
    if form.validate_on_submit():
        transport_team.change_stop(
            prison, stop.link, form.walk_minutes.data, form.used.data == USED, _staff()
        )
        db.session.commit()
        flash(str(_l("%(stop)s changed", stop=stop.name)), "success")
        return redirect(url_for(".stops", slug=slug))
    return render_template(
        "visits/transport_team/stop_form.html", prison=prison, stop=stop, form=form
    )


# The check-in window ---------------------------------------------------------------------


@bp.route("/transport/window", methods=["GET", "POST"])
@staff_required(TEAM)
def window(slug):
    prison = scoped_prison(slug)
    settings = transport_settings(prison)
    form = CheckInWindowForm(
        earliest_minutes=settings.earliest_arrival_minutes,
        way_home_minutes=settings.way_home_minutes,
    )
    if form.validate_on_submit():
        try:
            transport_team.change_window(
                prison, form.earliest_minutes.data, form.way_home_minutes.data, _staff()
            )
            db.session.commit()
        except transport_team.WindowError as error:
            db.session.rollback()
            form[error.field].errors = [*form[error.field].errors, error.message]
        else:
            flash(str(_l("Check-in window saved")), "success")
            return redirect(url_for(".overview", slug=slug))
    return render_template("visits/transport_team/window.html", prison=prison, form=form)
