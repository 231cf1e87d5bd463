"""Feedback and complaints: the family's form and reply page, and the staff pages."""

from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import db, limiter
from govuk_forms import choices
from staff.access import add_prison_link, add_to_menu, scoped_prison, staff_required
from staff.models import Role
from timeutil import local_today, utcnow
from visits import feedback
from visits.feedback_forms import WHOLE_SERVICE, CloseForm, FeedbackForm, ReplyForm, TriageForm
from visits.feedback_models import (
    Feedback,
    FeedbackKind,
    FeedbackStatus,
    FeedbackTheme,
    ReplyBy,
    WrittenBy,
)
from visits.models import InvalidTransition, Prison

bp = Blueprint("feedback", __name__, template_folder="templates")
staff_bp = Blueprint("feedback_staff", __name__, template_folder="templates")

STAFF = (Role.VISITS_TEAM, Role.CENTRE)
REPORT_PERIODS = (30, 90, 365)

add_prison_link("feedback_staff.inbox", _l("Feedback and complaints"), *STAFF)
add_to_menu("feedback_staff.service_inbox", _l("Feedback about the service"), Role.ADMIN)


def _feedback_limit():
    return current_app.config["FEEDBACK_RATE_LIMIT"]


def _prisons():
    return db.session.scalars(sa.select(Prison).order_by(Prison.name)).all()


# Families -----------------------------------------------------------------------------------


@bp.route("/feedback", methods=["GET", "POST"], endpoint="give")
@limiter.limit(_feedback_limit, methods=["POST"])
def give_feedback():
    prisons = _prisons()
    form = FeedbackForm(
        prison=request.args.get("prison"),
        written_by=WrittenBy.CHILD.value if request.args.get("child") == "yes" else None,
    )
    form.prison.choices = choices(
        [(p.slug, p.name) for p in prisons]
        + [(WHOLE_SERVICE, _l("The website or booking, not one prison"))]
    )
    if form.validate_on_submit():
        prison = next((p for p in prisons if p.slug == form.prison.data), None)
        sent = feedback.submit(
            prison,
            feedback.NewFeedback(
                kind=FeedbackKind(form.kind.data),
                theme=FeedbackTheme(form.theme.data),
                written_by=WrittenBy(form.written_by.data),
                message=form.message.data,
                name=form.name.data or "",
                reply_by=ReplyBy(form.reply_by.data),
                mobile=form.mobile.data or None,
                email=form.email.data or None,
                language=str(get_locale()),
                visit_reference=form.visit_reference.data or "",
            ),
            utcnow(),
        )
        db.session.commit()
        flash(str(_l("Thank you. We have your message.")), "success")
        return redirect(url_for(".status", token=sent.token))
    return render_template("visits/feedback/give.html", form=form)


@bp.route("/feedback/<token>")
def status(token):
    found = feedback.by_token(token)
    if found is None:
        abort(404)
    return render_template("visits/feedback/status.html", feedback=found)


# Staff --------------------------------------------------------------------------------------


def _scope(slug: str) -> Prison | None:
    """The prison whose feedback this is; feedback about the whole service is for admins."""
    if slug == WHOLE_SERVICE:
        if current_user.role is not Role.ADMIN:
            abort(404)
        return None
    return scoped_prison(slug)


def _item_or_404(prison: Prison | None, reference: str) -> Feedback:
    found = db.session.scalar(
        sa.select(Feedback).where(
            Feedback.reference == reference,
            Feedback.prison_id.is_(None) if prison is None else Feedback.prison_id == prison.id,
        )
    )
    if found is None:
        abort(404)
    return found


def _staff():
    return current_user._get_current_object()


@staff_bp.route("/staff/prisons/<slug>/feedback", endpoint="inbox")
@staff_required(*STAFF)
def inbox(slug):
    prison = _scope(slug)
    show_all = request.args.get("show") == "all"
    items = feedback.for_prison(prison.id if prison else None, include_finished=show_all)
    return render_template(
        "visits/feedback/inbox.html",
        prison=prison,
        slug=slug,
        items=items,
        show_all=show_all,
        today=local_today(),
    )


@staff_bp.route("/staff/feedback", endpoint="service_inbox")
@staff_required(Role.ADMIN)
def service_inbox():
    return redirect(url_for(".inbox", slug=WHOLE_SERVICE))


def _item_page(prison, slug, item, form=None, **forms):
    triage_form = forms.get("triage_form") or TriageForm(
        kind=item.kind.value, theme=item.theme.value
    )
    return render_template(
        "visits/feedback/item.html",
        prison=prison,
        slug=slug,
        item=item,
        form=form,
        triage_form=triage_form,
        reply_form=forms.get("reply_form") or ReplyForm(prefix="reply"),
        close_form=forms.get("close_form") or CloseForm(prefix="close"),
        today=local_today(),
        statuses=FeedbackStatus,
    )


@staff_bp.route("/staff/prisons/<slug>/feedback/<reference>", endpoint="item")
@staff_required(*STAFF)
def item_page(slug, reference):
    prison = _scope(slug)
    return _item_page(prison, slug, _item_or_404(prison, reference))


def _act(slug, reference, form_name, form, action, error_field=None):
    """Run one staff action on one piece of feedback, and show the page again on a problem."""
    prison = _scope(slug)
    item = _item_or_404(prison, reference)
    if form.validate_on_submit():
        try:
            action(item)
            db.session.commit()
            return redirect(url_for(".item", slug=slug, reference=reference))
        except feedback.FeedbackError as error:
            db.session.rollback()
            error_field.errors.append(error.message)
        except InvalidTransition:
            db.session.rollback()
            flash(str(_l("Someone else has changed this. Check it and try again.")), "error")
            return redirect(url_for(".item", slug=slug, reference=reference))
    return _item_page(prison, slug, item, form=form, **{form_name: form}), 400


@staff_bp.route(
    "/staff/prisons/<slug>/feedback/<reference>/triage", methods=["POST"], endpoint="triage"
)
@staff_required(*STAFF)
def triage(slug, reference):
    form = TriageForm()
    return _act(
        slug,
        reference,
        "triage_form",
        form,
        lambda item: feedback.triage(
            item,
            FeedbackKind(form.kind.data),
            FeedbackTheme(form.theme.data),
            _staff(),
            utcnow(),
        ),
    )


@staff_bp.route(
    "/staff/prisons/<slug>/feedback/<reference>/reply", methods=["POST"], endpoint="reply"
)
@staff_required(*STAFF)
def reply(slug, reference):
    form = ReplyForm(prefix="reply")
    return _act(
        slug,
        reference,
        "reply_form",
        form,
        lambda item: feedback.reply(item, form.text.data, _staff(), utcnow()),
        form.text,
    )


@staff_bp.route(
    "/staff/prisons/<slug>/feedback/<reference>/close", methods=["POST"], endpoint="close"
)
@staff_required(*STAFF)
def close(slug, reference):
    form = CloseForm(prefix="close")
    return _act(
        slug,
        reference,
        "close_form",
        form,
        lambda item: feedback.close(item, form.outcome.data, _staff(), utcnow()),
        form.outcome,
    )


@staff_bp.route("/staff/prisons/<slug>/feedback-report", endpoint="report")
@staff_required(*STAFF)
def report(slug):
    prison = _scope(slug)
    days = request.args.get("days", type=int)
    days = days if days in REPORT_PERIODS else 90
    today = local_today()
    found = feedback.theme_report(
        prison.id if prison else None, today - timedelta(days=days - 1), today, today
    )
    return render_template(
        "visits/feedback/report.html",
        prison=prison,
        slug=slug,
        report=found,
        days=days,
        periods=REPORT_PERIODS,
        themes=list(FeedbackTheme),
        kinds=list(FeedbackKind),
    )
