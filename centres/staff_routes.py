"""Visitor centre and reports pages for staff, under /staff/prisons/<slug>/."""

from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import db
from centres import charts, checkin, reports, support
from centres.checkin import MissingId
from centres.forms import ChooseDayForm, IdCheckForm, ReportForm, SearchForm, SupportForm
from centres.models import CheckInRefused, CheckInState, SupportCategory
from centres.support import SupportRefused
from govuk_forms import choices
from staff import audit
from staff.access import add_prison_link, scoped_prison, staff_required
from staff.models import Role
from timeutil import local_today, utcnow
from visits import outbox
from visits.forms import ConfirmForm
from visits.models import NEEDS_LABELS

bp = Blueprint(
    "centre_staff", __name__, url_prefix="/staff/prisons/<slug>", template_folder="templates"
)

ON_THE_DAY = (Role.CENTRE, Role.VISITS_TEAM)
# What families tell the visitor centre about their lives stays with the centre.
SUPPORT = (Role.CENTRE,)
REPORTS = (Role.VISITS_TEAM, Role.CENTRE)

add_prison_link("centre_staff.day", _l("Visitor centre"), *ON_THE_DAY)
add_prison_link("centre_staff.reports_page", _l("Reports"), *REPORTS)

STEPS = {
    "arrived": (checkin.mark_arrived, _l("Marked as arrived.")),
    "id-checked": (checkin.record_id_check, _l("ID check recorded.")),
    "admitted": (checkin.admit, _l("Marked as admitted to the visit.")),
    "left": (checkin.mark_left, _l("Marked as left.")),
    "no-show": (checkin.mark_no_show, _l("Marked as not coming.")),
}
# The next step offered for each state, as the name of a route step.
NEXT_STEPS = {
    CheckInState.EXPECTED: ["arrived", "no-show"],
    CheckInState.NO_SHOW: ["arrived"],
    CheckInState.ARRIVED: ["id-checked"],
    CheckInState.ID_CHECKED: ["admitted"],
    CheckInState.ADMITTED: ["left"],
}


@bp.app_template_filter("report_cell")
def report_cell(value) -> str:
    if value is None:
        return str(_l("None"))
    if isinstance(value, date):
        return format_date(value, "d MMM yyyy")
    return str(value)


@bp.app_template_test("report_number")
def report_number(value) -> bool:
    return isinstance(value, int | float | reports.Percent)


def _day_from(text: str | None) -> date:
    try:
        return date.fromisoformat(text) if text else local_today()
    except ValueError:
        abort(404)


def _visit_or_404(prison, reference):
    return checkin.visit_at(prison, reference) or abort(404)


@bp.route("/visitor-centre")
@staff_required(*ON_THE_DAY)
def day(slug):
    prison = scoped_prison(slug)
    form = ChooseDayForm(request.args)
    if "day-day" in request.args and form.validate() and form.day.data:
        return redirect(url_for(".day", slug=slug, day=form.day.data.isoformat()))
    shown = _day_from(request.args.get("day"))
    if not form.errors:
        form.day.process(None, shown)
    return render_template(
        "centres/staff/day.html",
        prison=prison,
        day=shown,
        today=local_today(),
        sessions=checkin.sessions_on(prison, shown),
        form=form,
        search_form=SearchForm(),
        one_day=timedelta(days=1),
        no_shows_recordable=lambda s: checkin.arrival_time_passed(s, prison, utcnow()),
    )


@bp.route("/visitor-centre/search")
@staff_required(*ON_THE_DAY)
def search(slug):
    prison = scoped_prison(slug)
    shown = _day_from(request.args.get("day"))
    form = SearchForm(request.args)
    found = None
    if form.validate():
        found = checkin.find_visits(prison, form.q.data, shown)
        audit.record(
            current_user, "searched visits", "prison", prison.id, prison.id, f"{len(found)} found"
        )
        db.session.commit()
    return render_template(
        "centres/staff/search.html", prison=prison, day=shown, form=form, found=found
    )


@bp.route("/visitor-centre/here")
@staff_required(*ON_THE_DAY)
def here(slug):
    prison = scoped_prison(slug)
    today = local_today()
    return render_template(
        "centres/staff/here.html",
        prison=prison,
        day=today,
        here=checkin.here_now(prison, today),
        updated_at=utcnow(),
        idle_minutes=current_app.config["STAFF_IDLE_MINUTES"],
    )


@bp.route("/sessions/<int:session_id>/visit-list")
@staff_required(*ON_THE_DAY)
def visit_list(slug, session_id):
    prison = scoped_prison(slug)
    session = checkin.session_at(prison, session_id) or abort(404)
    audit.record(current_user, "printed visit list", "visit_session", session.id, prison.id)
    db.session.commit()
    return render_template(
        "centres/staff/visit_list.html",
        prison=prison,
        session=session,
        visits=[(e, checkin.id_needs(e.visit)) for e in checkin.visits_in_session(session)],
    )


@bp.route("/sessions/<int:session_id>/no-shows", methods=["POST"])
@staff_required(*ON_THE_DAY)
def no_shows(slug, session_id):
    prison = scoped_prison(slug)
    session = checkin.session_at(prison, session_id) or abort(404)
    ConfirmForm().validate_on_submit()  # CSRF is checked before the view runs
    try:
        marked = checkin.record_no_shows(prison, session, current_user, utcnow())
        db.session.commit()
    except CheckInRefused as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
    else:
        flash(str(_l("%(count)s families marked as not coming.", count=marked)), "success")
    return redirect(url_for(".day", slug=slug, day=session.date.isoformat()))


def _id_form(visit, formdata=None):
    form = IdCheckForm(formdata) if formdata is not None else IdCheckForm()
    form.seen.choices = choices(
        (str(need.visitor.id), need.visitor.full_name)
        for need in checkin.id_needs(visit)
        if need.needs_id
    )
    return form


def _visit_page(prison, visit, form=None, status=200):
    check_in = checkin.check_in_of(visit)
    state = check_in.state if check_in else CheckInState.EXPECTED
    checks = {c.visitor_id: c for c in check_in.visitor_checks} if check_in else {}
    page = render_template(
        "centres/staff/visit.html",
        extra_help=[NEEDS_LABELS[n] for n in visit.needs_list if n in NEEDS_LABELS]
        + ([visit.needs_details] if visit.needs_details else []),
        prison=prison,
        visit=visit,
        check_in=check_in,
        state=state,
        steps=NEXT_STEPS.get(state, []) if visit.status.value == "booked" else [],
        needs=checkin.id_needs(visit),
        checks=checks,
        latest_arrival=checkin.latest_arrival(visit.session, prison),
        form=form or _id_form(visit),
        action_form=ConfirmForm(),
        can_record_support=current_user.has_role(*SUPPORT),
        support_count=support.support_count(visit) if current_user.has_role(*SUPPORT) else 0,
        messages=outbox.messages_for_visit(visit.id),
    )
    return page, status


@bp.route("/visits/<reference>")
@staff_required(*ON_THE_DAY)
def visit(slug, reference):
    prison = scoped_prison(slug)
    return _visit_page(prison, _visit_or_404(prison, reference))


@bp.route(
    "/visits/<reference>/<any(arrived, 'id-checked', admitted, left, 'no-show'):step>",
    methods=["POST"],
)
@staff_required(*ON_THE_DAY)
def change(slug, reference, step):
    prison = scoped_prison(slug)
    visit = checkin.lock_visit(prison, reference) or abort(404)
    transition, done = STEPS[step]
    form = _id_form(visit, request.form) if step == "id-checked" else ConfirmForm()
    if not form.validate_on_submit():
        db.session.rollback()
        return _visit_page(prison, visit, form if step == "id-checked" else None)
    try:
        if step == "id-checked":
            seen = {int(value) for value in form.seen.data or []}
            transition(visit, current_user, seen, utcnow())
        else:
            transition(visit, current_user, utcnow())
        db.session.commit()
    except MissingId as missing:
        db.session.rollback()
        form.seen.errors = [missing.message]
        return _visit_page(prison, visit, form)
    except CheckInRefused as refusal:
        db.session.rollback()
        form = _id_form(visit)
        form.form_errors.append(refusal.message)
        return _visit_page(prison, visit, form)
    flash(str(done), "success")
    return redirect(url_for(".visit", slug=slug, reference=visit.reference))


@bp.route("/visits/<reference>/pass")
@staff_required(*ON_THE_DAY)
def visit_pass(slug, reference):
    prison = scoped_prison(slug)
    visit = _visit_or_404(prison, reference)
    audit.record(current_user, "printed visit pass", "visit", visit.id, prison.id)
    db.session.commit()
    check_in = checkin.check_in_of(visit)
    return render_template(
        "centres/staff/pass.html",
        prison=prison,
        visit=visit,
        needs=checkin.id_needs(visit),
        checks={c.visitor_id: c for c in check_in.visitor_checks} if check_in else {},
    )


@bp.route("/visits/<reference>/support", methods=["GET", "POST"])
@staff_required(*SUPPORT)
def record_support(slug, reference):
    prison = scoped_prison(slug)
    visit = _visit_or_404(prison, reference)
    form = SupportForm()
    notes_allowed = support.notes_allowed(prison)
    if form.validate_on_submit():
        try:
            support.record_support(
                prison,
                visit,
                current_user,
                signposted={SupportCategory(v) for v in form.signposted.data or []},
                referred={SupportCategory(v) for v in form.referred.data or []},
                first_time_visitor=form.first_time.data == "yes",
                consent_given=form.consent.data == "yes",
                now=utcnow(),
                notes=(form.notes.data or "") if notes_allowed else "",
            )
            db.session.commit()
        except SupportRefused as refusal:
            db.session.rollback()
            form.form_errors.append(refusal.message)
        else:
            flash(str(_l("Support recorded.")), "success")
            return redirect(url_for(".visit", slug=slug, reference=visit.reference))
    return render_template(
        "centres/staff/support.html",
        prison=prison,
        visit=visit,
        form=form,
        notes_allowed=notes_allowed,
    )


def _report_request(prison) -> tuple[ReportForm, reports.Report | None]:
    asked = request.args.copy()
    asked.pop("lang", None)
    if not asked:
        today = local_today()
        weeks = reports.DEFAULT_LOST_CONTACT_WEEKS
        first = today - timedelta(weeks=weeks) + timedelta(days=1)
        form = ReportForm(formdata=None, start=first, end=today, weeks=str(weeks))
        return form, reports.build(prison, first, today, weeks)
    form = ReportForm(asked)
    if not form.validate():
        return form, None
    return form, reports.build(prison, form.start.data, form.end.data, int(form.weeks.data))


@bp.route("/reports")
@staff_required(*REPORTS)
def reports_page(slug):
    prison = scoped_prison(slug)
    form, report = _report_request(prison)
    if report is not None:
        audit.record(
            current_user,
            "viewed reports",
            "prison",
            prison.id,
            prison.id,
            f"{report.first.isoformat()} to {report.last.isoformat()}",
        )
        db.session.commit()
    return render_template(
        "centres/staff/reports.html",
        prison=prison,
        form=form,
        report=report,
        tables=reports.tables(report) if report else {},
        charts=charts,
        csv_args={
            "start-day": report.first.day,
            "start-month": report.first.month,
            "start-year": report.first.year,
            "end-day": report.last.day,
            "end-month": report.last.month,
            "end-year": report.last.year,
            "weeks": report.weeks,
        }
        if report
        else {},
    )


@bp.route("/reports/<any(summary, sessions, support, 'lost-contact'):table>.csv")
@staff_required(*REPORTS)
def report_csv(slug, table):
    prison = scoped_prison(slug)
    _form, report = _report_request(prison)
    if report is None:
        abort(404)
    audit.record(current_user, "exported report", "prison", prison.id, prison.id, table)
    db.session.commit()
    name = f"{prison.slug}-{table}-{report.first.isoformat()}-{report.last.isoformat()}.csv"
    return Response(
        # The byte order mark tells spreadsheet programs the file is UTF-8 (Welsh names).
        "\ufeff" + reports.to_csv(reports.tables(report)[table]),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
