"""The visits team records when prisoners arrive, and sees their first visits."""

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, ValidationError

from app import db
from govuk_forms import DateInputField
from staff.access import add_prison_link, scoped_prison, staff_required
from staff.models import Role
from timeutil import local_today
from visits import first_visits, rules

bp = Blueprint(
    "first_visits", __name__, url_prefix="/staff/prisons/<slug>", template_folder="templates"
)
TEAM = Role.VISITS_TEAM

add_prison_link("first_visits.receptions", _l("New arrivals and first visits"), TEAM)


class ReceptionForm(FlaskForm):
    prison_number = StringField(
        _l("Prison number"),
        description=_l("The prisoner must be on the register"),
        validators=[InputRequired(message=_l("Enter the prisoner's prison number"))],
    )
    received_on = DateInputField(
        _l("Date they arrived at this prison"),
        what=_l("the date they arrived"),
        validators=[InputRequired()],
        description=_l("For example, 27 3 2026"),
    )

    def validate_prison_number(self, field):
        normalised = rules.normalise_prison_number(field.data)
        if normalised is None:
            raise ValidationError(_l("Enter a prison number in the right format, like A1234BC"))
        field.data = normalised


@bp.route("/first-visits", methods=["GET", "POST"], endpoint="receptions")
@staff_required(TEAM)
def receptions_page(slug):
    prison = scoped_prison(slug)
    today = local_today()
    form = ReceptionForm()
    if form.validate_on_submit():
        try:
            first_visits.record_reception(
                prison,
                form.prison_number.data,
                form.received_on.data,
                current_user._get_current_object(),
                today,
            )
            db.session.commit()
            flash(str(_l("Arrival date recorded")), "success")
            return redirect(url_for(".receptions", slug=slug))
        except first_visits.ReceptionError as error:
            db.session.rollback()
            form.prison_number.errors = [*form.prison_number.errors, error.message]
    within = timedelta(days=prison.first_visit_within_days)
    arrivals = [
        {
            "prisoner": prisoner,
            "deadline": prisoner.received_on + within,
            "visit": first_visits.first_booked_visit(prisoner),
        }
        for prisoner in first_visits.recent_receptions(prison, today)
    ]
    return render_template(
        "visits/first_visits/receptions.html",
        form=form,
        prison=prison,
        today=today,
        arrivals=arrivals,
        upcoming=first_visits.first_visits_from(prison, today),
    )
