from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app import db, limiter
from govuk_forms import choices
from timeutil import LONDON, local_today, utcnow
from visits import booking, compassionate, journey, rules
from visits.booking import BookingError, ContactDetails, PrisonerDetails, VisitorDetails
from visits.forms import (
    AddAnotherVisitorForm,
    CancelForm,
    ChangeVisitorsForm,
    ChoosePrisonForm,
    ChooseTimeForm,
    ConfirmForm,
    ContactForm,
    EarlyVisitForm,
    LeadVisitorForm,
    LookupForm,
    NeedsForm,
    PrisonerForm,
    VisitorForm,
)
from visits.models import NEEDS_LABELS, CancelReason, Prison, Relationship
from visits.notifications import reminder_promise
from visits.sessions import bookable, ensure_sessions, sessions_in_window
from visits.transport import hint_for_visit, hints_for_sessions

bp = Blueprint("visits", __name__, template_folder="templates")


def _lookup_limit():
    return current_app.config["LOOKUP_RATE_LIMIT"]


def _now_local() -> datetime:
    return datetime.now(LONDON).replace(tzinfo=None)


def _prisons():
    return db.session.scalars(sa.select(Prison).order_by(Prison.name)).all()


def _journey_prison() -> Prison | None:
    slug = journey.current().get("prison")
    return db.session.scalar(sa.select(Prison).where(Prison.slug == slug)) if slug else None


def _show_error(field, message):
    field.errors = [*field.errors, message]


@bp.app_template_filter("reference")
def reference_filter(reference):
    return rules.format_reference(reference)


@bp.app_template_filter("mobile")
def mobile_filter(e164):
    return rules.format_uk_mobile(e164)


@bp.route("/")
def start():
    return render_template("visits/start.html", prisons=_prisons())


@bp.route("/book/prison", methods=["GET", "POST"])
def choose_prison():
    prisons = _prisons()
    chosen = journey.current().get("prison")
    form = ChoosePrisonForm(prison=chosen)
    form.prison.choices = choices((p.slug, p.name) for p in prisons)
    if form.validate_on_submit():
        prison = next(p for p in prisons if p.slug == form.prison.data)
        ensure_sessions(prison, *prison.booking_window(local_today()))
        db.session.commit()
        journey.start(prison.slug)
        return redirect(url_for(".prisoner"))
    return render_template("visits/choose_prison.html", form=form)


def _journey_step(template, form, prison, **context):
    return render_template(template, form=form, prison=prison, **context)


@bp.route("/book/prisoner", methods=["GET", "POST"])
def prisoner():
    prison = _journey_prison()
    if prison is None:
        return redirect(url_for(".choose_prison"))
    known = journey.prisoner()
    form = PrisonerForm(obj=known)
    if form.validate_on_submit():
        journey.store_prisoner(
            PrisonerDetails(
                form.first_name.data,
                form.last_name.data,
                form.date_of_birth.data,
                form.prison_number.data,
            )
        )
        return redirect(url_for(".lead_visitor"))
    return _journey_step("visits/prisoner.html", form, prison)


@bp.route("/book/you", methods=["GET", "POST"])
def lead_visitor():
    prison = _journey_prison()
    if prison is None or journey.prisoner() is None:
        return redirect(url_for(".prisoner"))
    form = LeadVisitorForm(obj=journey.lead())
    if form.validate_on_submit():
        journey.store_lead(_visitor_from(form))
        return redirect(url_for(".contact"))
    return _journey_step("visits/lead_visitor.html", form, prison)


def _visitor_from(form) -> VisitorDetails:
    return VisitorDetails(
        form.first_name.data,
        form.last_name.data,
        form.date_of_birth.data,
        Relationship(form.relation.data),
    )


@bp.route("/book/contact", methods=["GET", "POST"])
def contact():
    prison = _journey_prison()
    if prison is None or journey.lead() is None:
        return redirect(url_for(".lead_visitor"))
    known = journey.contact()
    form = ContactForm(obj=known, send_by=ContactForm.send_by_of(known))
    if form.validate_on_submit():
        mobile, email = form.chosen_contact()
        journey.store_contact(ContactDetails(mobile, email, str(get_locale())))
        return redirect(url_for(".visitors"))
    return _journey_step("visits/contact.html", form, prison)


@bp.route("/book/visitors", methods=["GET", "POST"])
def visitors():
    prison = _journey_prison()
    if prison is None or journey.contact() is None:
        return redirect(url_for(".contact"))
    form = AddAnotherVisitorForm()
    group = journey.visitors()
    full = len(group) >= prison.max_visitors
    if form.validate_on_submit():
        if form.add_another.data == "yes" and not full:
            return redirect(url_for(".add_visitor"))
        return redirect(url_for(".choose_time"))
    return _journey_step("visits/visitors.html", form, prison, group=group, full=full)


@bp.route("/book/visitors/add", methods=["GET", "POST"])
def add_visitor():
    prison = _journey_prison()
    if prison is None or journey.contact() is None:
        return redirect(url_for(".contact"))
    form = VisitorForm()
    if form.validate_on_submit():
        new_group = [*journey.visitors(), _visitor_from(form)]
        # Check the group against the limits on the earliest possible visit date.
        problems = rules.visitor_group_problems(
            booking.limits_of(prison),
            [v.date_of_birth for v in new_group],
            prison.booking_window(local_today())[0],
        )
        if problems:
            _show_error(form.first_name, problems[0])
        else:
            journey.store_others(new_group[1:])
            return redirect(url_for(".visitors"))
    return _journey_step("visits/add_visitor.html", form, prison)


@bp.route("/book/visitors/<int:index>/remove", methods=["POST"])
def remove_visitor(index):
    form = ConfirmForm()
    if form.validate_on_submit():
        others = journey.others()
        if 0 <= index < len(others):
            del others[index]
            journey.store_others(others)
    return redirect(url_for(".visitors"))


@bp.route("/book/time", methods=["GET", "POST"])
def choose_time():
    prison = _journey_prison()
    group = journey.visitors()
    if prison is None or not group:
        return redirect(url_for(".visitors"))
    token = journey.current()["token"]
    held = booking.visit_for_journey(token)
    form = ChooseTimeForm(session=held.session_id if held else None)
    number = journey.prisoner().prison_number
    claim = _compassionate_claim(prison, group)
    with_children = _has_children(prison, group)
    _, early = booking.early_days(prison, number, claim, local_today(), utcnow(), held and held.id)
    options = bookable(
        prison,
        local_today(),
        utcnow(),
        len(group),
        excluding_visit_id=held.id if held else None,
        extra_window=early,
        with_children=with_children,
    )
    _accept_any_session_in_window(form, prison, early)
    if form.validate_on_submit():
        try:
            booking.hold_place(
                prison,
                token,
                form.session.data,
                journey.prisoner(),
                group,
                journey.contact(),
                local_today(),
                utcnow(),
                primary_carer=claim,
            )
            db.session.commit()
            return redirect(url_for(".needs"))
        except IntegrityError:
            # The same journey held a place in another request at the same moment: keep that one.
            db.session.rollback()
            return redirect(url_for(".choose_time"))
        except BookingError as error:
            db.session.rollback()
            _show_error(form.session, error.message)
            held = booking.visit_for_journey(token)
            options = bookable(
                prison,
                local_today(),
                utcnow(),
                len(group),
                excluding_visit_id=held and held.id,
                extra_window=early,
                with_children=with_children,
            )
    transport = hints_for_sessions(prison, [a.session for a in options])
    return _journey_step(
        "visits/choose_time.html",
        form,
        prison,
        options=options,
        transport=transport,
        with_children=with_children,
        compassionate=claim,
    )


def _has_children(prison, group) -> bool:
    return rules.has_child(prison.adult_age, [v.date_of_birth for v in group], local_today())


def _compassionate_claim(prison, group) -> bool:
    answer = journey.current().get("primary_carer", False)
    return compassionate.applies(prison, answer, [v.date_of_birth for v in group], local_today())


@bp.route("/book/early-visit", methods=["GET", "POST"])
def early_visit():
    prison = _journey_prison()
    group = journey.visitors()
    if prison is None or not group:
        return redirect(url_for(".visitors"))
    if not _has_children(prison, group):
        return redirect(url_for(".choose_time"))
    known = journey.current().get("primary_carer")
    form = EarlyVisitForm(primary_carer=None if known is None else ("yes" if known else "no"))
    if form.validate_on_submit():
        journey.update(primary_carer=form.primary_carer.data == "yes")
        return redirect(url_for(".choose_time"))
    return _journey_step("visits/early_visit.html", form, prison)


def _held_visit_or_redirect():
    token = journey.current().get("token")
    visit = booking.visit_for_journey(token) if token else None
    return visit


def _accept_any_session_in_window(form, prison, extra_window=None):
    # A time that filled up after the page was shown is still a valid answer:
    # the booking rules then say plainly that it has just been taken.
    window = sessions_in_window(prison, local_today(), extra_window)
    form.session.choices = choices((s.id, "") for s in window)


@bp.route("/book/needs", methods=["GET", "POST"])
def needs():
    prison = _journey_prison()
    visit = _held_visit_or_redirect()
    if prison is None or visit is None:
        return redirect(url_for(".choose_time"))
    answers = journey.current()
    form = NeedsForm(needs=answers.get("needs", []), details=answers.get("details", ""))
    if form.validate_on_submit():
        journey.update(needs=form.needs.data or [], details=form.details.data or "")
        return redirect(url_for(".check"))
    return _journey_step("visits/needs.html", form, prison, visit=visit)


@bp.route("/book/check", methods=["GET", "POST"])
def check():
    if session.get("confirmed") and not journey.current():
        # A resubmitted or refreshed confirmation: the booking is already made.
        return redirect(url_for(".confirmation"))
    prison = _journey_prison()
    visit = _held_visit_or_redirect()
    if prison is None or visit is None:
        return redirect(url_for(".choose_time"))
    answers = journey.current()
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            confirmed = booking.confirm_booking(
                prison,
                answers["token"],
                journey.prisoner(),
                journey.visitors(),
                journey.contact(),
                answers.get("needs", []),
                answers.get("details", ""),
                local_today(),
                utcnow(),
                primary_carer=answers.get("primary_carer", False),
            )
            db.session.commit()
        except BookingError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for(".choose_time"))
        session["confirmed"] = confirmed.manage_token
        journey.finish()
        return redirect(url_for(".confirmation"))
    return render_template(
        "visits/check.html",
        form=form,
        prison=prison,
        visit=visit,
        answers=answers,
        prisoner=journey.prisoner(),
        group=journey.visitors(),
        contact=journey.contact(),
        needs_labels=NEEDS_LABELS,
        hold_minutes_left=max(0, int((visit.hold_expires_at - utcnow()).total_seconds() // 60))
        if visit.hold_expires_at
        else 0,
    )


@bp.route("/book/confirmation")
def confirmation():
    token = session.get("confirmed")
    visit = booking.visit_by_token(token) if token else None
    if visit is None:
        return redirect(url_for(".start"))
    return render_template(
        "visits/confirmation.html",
        visit=visit,
        travel=hint_for_visit(visit),
        reminders=reminder_promise(visit, utcnow()),
    )


@bp.route("/manage", methods=["GET", "POST"])
@limiter.limit(_lookup_limit, methods=["POST"])
def lookup():
    form = LookupForm()
    if form.validate_on_submit():
        visit = booking.find_visit(form.reference.data, form.date_of_birth.data)
        if visit is not None:
            return redirect(url_for(".manage", token=visit.manage_token))
        _show_error(
            form.reference,
            _l("We could not find a visit with that reference and date of birth. Check both."),
        )
    return render_template("visits/lookup.html", form=form)


def _visit_or_404(token):
    visit = booking.visit_by_token(token)
    if visit is None:
        abort(404)
    return visit


def _changeable_visit(token):
    visit = _visit_or_404(token)
    if not booking.can_change(visit, _now_local()):
        flash(str(_l("This visit can no longer be changed or cancelled online.")), "error")
        abort(redirect(url_for(".manage", token=token)))
    return visit


@bp.route("/visit/<token>")
def manage(token):
    visit = _visit_or_404(token)
    can_change = booking.can_change(visit, _now_local())
    return render_template(
        "visits/manage.html",
        visit=visit,
        can_change=can_change,
        needs_labels=NEEDS_LABELS,
        travel=hint_for_visit(visit),
    )


@bp.route("/visit/<token>/cancel", methods=["GET", "POST"])
def cancel(token):
    visit = _changeable_visit(token)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            booking.cancel_visit(
                visit,
                CancelReason(form.reason.data),
                form.details.data or "",
                "family",
                _now_local(),
            )
            db.session.commit()
            flash(str(_l("Your visit has been cancelled.")), "success")
            return redirect(url_for(".manage", token=token))
        except BookingError as error:
            db.session.rollback()
            _show_error(form.reason, error.message)
    return render_template("visits/cancel.html", form=form, visit=visit)


@bp.route("/visit/<token>/change-time", methods=["GET", "POST"])
def change_time(token):
    visit = _changeable_visit(token)
    form = ChooseTimeForm(session=visit.session_id)
    with_children = _has_children(visit.prison, visit.visitors)
    options = bookable(
        visit.prison,
        local_today(),
        utcnow(),
        len(visit.visitors),
        excluding_visit_id=visit.id,
        with_children=with_children,
    )
    _accept_any_session_in_window(form, visit.prison)
    if form.validate_on_submit():
        try:
            booking.change_visit_time(
                visit, form.session.data, local_today(), utcnow(), _now_local()
            )
            db.session.commit()
            flash(str(_l("Your visit time has been changed.")), "success")
            return redirect(url_for(".manage", token=token))
        except BookingError as error:
            db.session.rollback()
            _show_error(form.session, error.message)
            options = bookable(
                visit.prison,
                local_today(),
                utcnow(),
                len(visit.visitors),
                excluding_visit_id=visit.id,
                with_children=with_children,
            )
    return render_template(
        "visits/choose_time.html",
        form=form,
        prison=visit.prison,
        options=options,
        visit=visit,
        transport=hints_for_sessions(visit.prison, [a.session for a in options]),
    )


@bp.route("/visit/<token>/change-visitors", methods=["GET", "POST"])
def change_visitors(token):
    visit = _changeable_visit(token)
    others = visit.visitors[1:]
    form = ChangeVisitorsForm(keep=[str(v.id) for v in others])
    form.keep.choices = choices((str(v.id), v.full_name) for v in others)
    if form.validate_on_submit():
        kept = [v for v in others if str(v.id) in (form.keep.data or [])]
        try:
            booking.change_visitors(
                visit,
                [booking.details_of(v) for v in [visit.lead_visitor, *kept]],
                local_today(),
                utcnow(),
                _now_local(),
            )
            db.session.commit()
            flash(str(_l("The visitors for this visit have been changed.")), "success")
            return redirect(url_for(".manage", token=token))
        except BookingError as error:
            db.session.rollback()
            _show_error(form.keep, error.message)
    return render_template("visits/change_visitors.html", form=form, visit=visit)


@bp.route("/visit/<token>/add-visitor", methods=["GET", "POST"])
def add_visitor_to_visit(token):
    visit = _changeable_visit(token)
    form = VisitorForm()
    if form.validate_on_submit():
        try:
            booking.change_visitors(
                visit,
                [*(booking.details_of(v) for v in visit.visitors), _visitor_from(form)],
                local_today(),
                utcnow(),
                _now_local(),
            )
            db.session.commit()
            flash(str(_l("The visitor has been added.")), "success")
            return redirect(url_for(".manage", token=token))
        except BookingError as error:
            db.session.rollback()
            _show_error(form.first_name, error.message)
    return render_template("visits/add_visitor.html", form=form, prison=visit.prison, visit=visit)
