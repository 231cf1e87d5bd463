"""The journey planner page: from a stop the family names to the prison and back."""

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired, Length, Optional

from app import db, limiter
from govuk_forms import ChoiceField, choices
from timeutil import local_today
from visits.journey_planner import plan_home, plan_to_prison, search_stops
from visits.models import Prison
from visits.sessions import sessions_in_window
from visits.transport import linked_stops

bp = Blueprint("transport", __name__, template_folder="templates")

# Each plan reads a few hours of timetable: generous for a family, a limit for a script.
JOURNEY_RATE_LIMIT = "30 per minute;300 per hour"
MIN_SEARCH_LETTERS = 3


class JourneyForm(FlaskForm):
    session = ChoiceField(
        _l("Which visit are you travelling to?"),
        message=_l("Select the visit you are travelling to"),
    )
    origin = StringField(
        _l("Where will you start your journey?"),
        description=_l("The name of a bus stop or train station near you"),
        validators=[
            InputRequired(message=_l("Enter the name of a bus stop or station")),
            Length(
                min=MIN_SEARCH_LETTERS,
                message=_l("Enter at least 3 letters of the name of the stop or station"),
            ),
            Length(max=100, message=_l("The name must be 100 characters or fewer")),
        ],
        filters=[lambda s: s.strip() if s else s],
    )
    stop = ChoiceField(
        _l("Which stop do you mean?"),
        message=_l("Select the stop you will start from"),
        validators=[Optional()],
    )
    # The name the stop choices were found for: a new name asks again.
    searched = HiddenField()


@bp.route("/prisons/<slug>/journey", methods=["GET", "POST"])
@limiter.limit(JOURNEY_RATE_LIMIT, methods=["POST"])
def plan_journey(slug):
    prison = db.session.scalar(sa.select(Prison).where(Prison.slug == slug))
    if prison is None:
        abort(404)
    sessions = sessions_in_window(prison, local_today())
    form = JourneyForm(session=request.args.get("session", ""))
    form.session.choices = choices((str(s.id), "") for s in sessions)
    origin = (request.form.get("origin") or "").strip()
    matches = search_stops(origin, near=prison) if len(origin) >= MIN_SEARCH_LETTERS else []
    form.stop.choices = choices((str(m.pk), m.name) for m in matches)
    if request.method == "POST" and request.form.get("searched", "") != origin.lower():
        form.stop.raw_data, form.stop.data = [], None
    form.searched.data = origin.lower()

    result = None
    if form.validate_on_submit():
        chosen = form.stop.data or (str(matches[0].pk) if len(matches) == 1 else None)
        if not matches:
            form.origin.errors = [
                _l("We could not find a stop or station with that name. Check the spelling.")
            ]
        elif chosen is not None:
            session = next(s for s in sessions if str(s.id) == form.session.data)
            stop = next(m for m in matches if str(m.pk) == chosen)
            result = {
                "session": session,
                "stop": stop,
                "there": plan_to_prison(prison, session, stop.pk),
                "home": plan_home(prison, session, stop.pk),
            }
    return render_template(
        "visits/journey_planner.html",
        form=form,
        prison=prison,
        sessions=sessions,
        matches=matches,
        result=result,
        linked=bool(linked_stops(prison.id)),
    )
