"""Staff book a visit for a family on the phone or in person, through the family's own rules.

The answers are kept in the staff member's session, apart from any family journey, until the
booking is made."""

import secrets
from dataclasses import asdict
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app import db
from govuk_forms import choices
from staff import audit
from staff.access import add_prison_link, scoped_prison, staff_required
from staff.models import Role
from timeutil import local_today, utcnow
from visits import allowance, booking, on_behalf, register, restrictions, rules
from visits.booking import BookingError, ContactDetails, PrisonerDetails, VisitorDetails
from visits.forms import ChooseTimeForm, ConfirmForm, NeedsForm, PrisonerForm, VisitorForm
from visits.models import NEEDS_LABELS, Relationship, RestrictionKind, Visit
from visits.register_forms import (
    CHANNEL_LABELS,
    ChannelForm,
    FamilyContactForm,
    MainVisitorForm,
    OnBehalfConfirmForm,
)
from visits.sessions import bookable, ensure_sessions, sessions_in_window

bp = Blueprint(
    "on_behalf", __name__, url_prefix="/staff/prisons/<slug>/book", template_folder="templates"
)
team_only = staff_required(Role.VISITS_TEAM)

add_prison_link("on_behalf.start", _l("Book a visit for a family"), Role.VISITS_TEAM)

KEY = "on_behalf"


# The answers so far, for one prison at a time


def _answers(slug) -> dict:
    answers = session.get(KEY) or {}
    return answers if answers.get("prison") == slug else {}


def _update(slug, **changes) -> None:
    session[KEY] = {**_answers(slug), **changes}


def _plain(details) -> dict:
    plain = asdict(details)
    plain["date_of_birth"] = details.date_of_birth.isoformat()
    if "relation" in plain:
        plain["relation"] = details.relation.value
    return plain


def _prisoner(answers) -> PrisonerDetails | None:
    raw = answers.get("prisoner")
    if raw is None:
        return None
    return PrisonerDetails(**{**raw, "date_of_birth": date.fromisoformat(raw["date_of_birth"])})


def _visitors(answers) -> list[VisitorDetails]:
    return [
        VisitorDetails(
            raw["first_name"],
            raw["last_name"],
            date.fromisoformat(raw["date_of_birth"]),
            Relationship(raw["relation"]),
        )
        for raw in answers.get("visitors", [])
    ]


def _contact(answers) -> ContactDetails | None:
    raw = answers.get("contact")
    return ContactDetails(**raw) if raw is not None else None


def _visitor_from(form) -> VisitorDetails:
    return VisitorDetails(
        form.first_name.data,
        form.last_name.data,
        form.date_of_birth.data,
        Relationship(form.relation.data),
    )


def _show_error(field, message):
    field.errors = [*field.errors, message]


def _step(template, prison, form, **context):
    return render_template(f"visits/on_behalf/{template}.html", prison=prison, form=form, **context)


# The steps


@bp.route("", methods=["GET", "POST"])
@team_only
def start(slug):
    prison = scoped_prison(slug)
    form = ChannelForm(channel=_answers(slug).get("channel"))
    if form.validate_on_submit():
        ensure_sessions(prison, *prison.booking_window(local_today()))
        db.session.commit()
        session[KEY] = {
            "prison": slug,
            "token": secrets.token_urlsafe(24),
            "channel": form.channel.data,
            "visitors": [],
        }
        return redirect(url_for(".prisoner", slug=slug))
    return _step("start", prison, form)


@bp.route("/channel", methods=["GET", "POST"])
@team_only
def channel(slug):
    """Change how the family is booking without starting again."""
    prison = scoped_prison(slug)
    answers = _require(slug, "token")
    form = ChannelForm(channel=answers.get("channel"))
    if form.validate_on_submit():
        _update(slug, channel=form.channel.data)
        return redirect(url_for(".check", slug=slug))
    return _step("start", prison, form, changing=True)


def _require(slug, *keys):
    answers = _answers(slug)
    if not answers or any(not answers.get(k) for k in keys):
        abort(redirect(url_for(".start", slug=slug)))
    return answers


@bp.route("/prisoner", methods=["GET", "POST"])
@team_only
def prisoner(slug):
    prison = scoped_prison(slug)
    answers = _require(slug, "token")
    form = PrisonerForm(obj=_prisoner(answers))
    if form.validate_on_submit():
        details = PrisonerDetails(
            form.first_name.data,
            form.last_name.data,
            form.date_of_birth.data,
            form.prison_number.data,
        )
        _update(slug, prisoner=_plain(details))
        return redirect(url_for(".main_visitor", slug=slug))
    return _step("prisoner", prison, form)


@bp.route("/main-visitor", methods=["GET", "POST"])
@team_only
def main_visitor(slug):
    prison = scoped_prison(slug)
    answers = _require(slug, "prisoner")
    group = _visitors(answers)
    form = MainVisitorForm(obj=group[0] if group else None)
    if form.validate_on_submit():
        _update(slug, visitors=[_plain(_visitor_from(form)), *answers["visitors"][1:]])
        return redirect(url_for(".visitors", slug=slug))
    return _step("main_visitor", prison, form)


@bp.route("/visitors", methods=["GET", "POST"])
@team_only
def visitors(slug):
    prison = scoped_prison(slug)
    answers = _require(slug, "visitors")
    form = ConfirmForm()
    if form.validate_on_submit():
        return redirect(url_for(".contact", slug=slug))
    group = _visitors(answers)
    return _step("visitors", prison, form, group=group, full=len(group) >= prison.max_visitors)


@bp.route("/visitors/add", methods=["GET", "POST"])
@team_only
def add_visitor(slug):
    prison = scoped_prison(slug)
    answers = _require(slug, "visitors")
    form = VisitorForm()
    if form.validate_on_submit():
        group = [*_visitors(answers), _visitor_from(form)]
        problems = rules.visitor_group_problems(
            booking.limits_of(prison),
            [v.date_of_birth for v in group],
            prison.booking_window(local_today())[0],
        )
        if problems:
            _show_error(form.first_name, problems[0])
        else:
            _update(slug, visitors=[_plain(v) for v in group])
            return redirect(url_for(".visitors", slug=slug))
    return _step("add_visitor", prison, form)


@bp.route("/visitors/<int:index>/remove", methods=["POST"])
@team_only
def remove_visitor(slug, index):
    scoped_prison(slug)
    answers = _require(slug, "visitors")
    if ConfirmForm().validate_on_submit() and 1 <= index < len(answers["visitors"]):
        _update(slug, visitors=[v for i, v in enumerate(answers["visitors"]) if i != index])
    return redirect(url_for(".visitors", slug=slug))


@bp.route("/contact", methods=["GET", "POST"])
@team_only
def contact(slug):
    prison = scoped_prison(slug)
    answers = _require(slug, "visitors")
    form = FamilyContactForm(obj=_contact(answers))
    if form.validate_on_submit():
        mobile = getattr(form, "normalised_mobile", None) if form.mobile.data else None
        details = ContactDetails(mobile, form.email.data or None, form.language.data)
        _update(slug, contact=asdict(details))
        return redirect(url_for(".choose_time", slug=slug))
    return _step("contact", prison, form)


def _held(answers) -> Visit | None:
    return booking.visit_for_journey(answers["token"])


@bp.route("/time", methods=["GET", "POST"])
@team_only
def choose_time(slug):
    prison = scoped_prison(slug)
    answers = _require(slug, "visitors", "contact")
    group = _visitors(answers)
    held = _held(answers)
    form = ChooseTimeForm(session=held.session_id if held else None)
    # Any session in the window is a valid answer; the booking rules say if it has just filled.
    form.session.choices = choices((s.id, "") for s in sessions_in_window(prison, local_today()))
    if form.validate_on_submit():
        try:
            booking.hold_place(
                prison,
                answers["token"],
                form.session.data,
                _prisoner(answers),
                group,
                _contact(answers),
                local_today(),
                utcnow(),
            )
            db.session.commit()
            return redirect(url_for(".needs", slug=slug))
        except IntegrityError:
            db.session.rollback()
            return redirect(url_for(".choose_time", slug=slug))
        except BookingError as error:
            db.session.rollback()
            _show_error(form.session, error.message)
            held = _held(answers)
    birth_dates = [v.date_of_birth for v in group]
    options = bookable(
        prison,
        local_today(),
        utcnow(),
        len(group),
        excluding_visit_id=held.id if held else None,
        with_children=rules.has_child(prison.adult_age, birth_dates, local_today()),
    )
    return _step("choose_time", prison, form, options=options)


@bp.route("/needs", methods=["GET", "POST"])
@team_only
def needs(slug):
    prison = scoped_prison(slug)
    answers = _require(slug, "token")
    if _held(answers) is None:
        return redirect(url_for(".choose_time", slug=slug))
    form = NeedsForm(needs=answers.get("needs", []), details=answers.get("details", ""))
    if form.validate_on_submit():
        _update(slug, needs=form.needs.data or [], details=form.details.data or "")
        return redirect(url_for(".check", slug=slug))
    return _step("needs", prison, form)


def _review_preview(prison, answers, visit):
    """What the booking will meet, for the staff member to see before booking (audited)."""
    reasons = restrictions.review_reasons(
        prison,
        visit.prisoner_number,
        _visitors(answers),
        visit.session.date,
        visit.id,
    )
    if any(r != allowance.OVER_ALLOWANCE for r in reasons):
        audit.record(current_user, "viewed restriction matches", "visit", visit.id, prison.id)
    rule = None
    if allowance.OVER_ALLOWANCE in reasons:
        found = register.find(prison.id, visit.prisoner_number)
        rule = allowance.rule_for(prison, found.category)
    return reasons, rule


@bp.route("/check", methods=["GET", "POST"])
@team_only
def check(slug):
    prison = scoped_prison(slug)
    answers = _require(slug, "token", "contact")
    visit = _held(answers)
    if visit is None or visit.prison_id != prison.id:
        return redirect(url_for(".choose_time", slug=slug))
    form = OnBehalfConfirmForm()
    if form.validate_on_submit():
        override = form.override_reason.data if "yes" in (form.override.data or []) else ""
        try:
            confirmed = on_behalf.confirm_for_family(
                prison,
                current_user,
                answers["channel"],
                answers["token"],
                _prisoner(answers),
                _visitors(answers),
                _contact(answers),
                answers.get("needs", []),
                answers.get("details", ""),
                override,
                local_today(),
                utcnow(),
            )
            db.session.commit()
        except BookingError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for(".choose_time", slug=slug))
        session.pop(KEY, None)
        return redirect(url_for(".done", slug=slug, visit_id=confirmed.id))
    reasons, rule = _review_preview(prison, answers, visit)
    db.session.commit()
    return _step(
        "check",
        prison,
        form,
        visit=visit,
        answers=answers,
        prisoner=_prisoner(answers),
        group=_visitors(answers),
        contact=_contact(answers),
        channel=CHANNEL_LABELS[answers["channel"]],
        needs_labels=NEEDS_LABELS,
        reasons=[restrictions.REVIEW_REASON_LABELS[r] for r in reasons],
        over_allowance=allowance.OVER_ALLOWANCE in reasons,
        rule=rule,
        closed=RestrictionKind.CLOSED_VISITS.value in reasons,
    )


@bp.route("/done/<int:visit_id>")
@team_only
def done(slug, visit_id):
    prison = scoped_prison(slug)
    visit = db.session.get(Visit, visit_id)
    if visit is None or visit.prison_id != prison.id or visit.channel not in on_behalf.CHANNELS:
        abort(404)
    manage_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(
        "visits.manage", token=visit.manage_token
    )
    return render_template(
        "visits/on_behalf/done.html", prison=prison, visit=visit, manage_url=manage_url
    )
