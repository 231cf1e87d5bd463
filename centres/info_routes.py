"""Staff keep each prison's information for families; the prison's page shows it."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

import languages
from app import db
from centres import information
from centres.info_forms import InformationForm
from centres.info_models import InfoTopic
from staff.access import add_prison_link, scoped_prison, staff_required
from staff.models import Role
from timeutil import utcnow
from visits.models import Prison

bp = Blueprint("information", __name__, template_folder="templates")

EDITORS = (Role.VISITS_TEAM, Role.CENTRE)
add_prison_link("information.edit", _l("Information for families"), *EDITORS)


def journey_planner_url(prison: Prison) -> str | None:
    """The public transport journey planner for this prison, where the service has one."""
    for rule in current_app.url_map.iter_rules():
        if (
            "transport" in rule.endpoint
            and "GET" in rule.methods
            and rule.arguments == {"slug"}
            and "/journey" in rule.rule
        ):
            return url_for(rule.endpoint, slug=prison.slug)
    return None


def map_url(latitude: float, longitude: float) -> str:
    return (
        f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}"
        f"#map=17/{latitude}/{longitude}"
    )


@bp.app_context_processor
def family_information_helpers():
    def prison_information(prison: Prison) -> information.FamilyInformation:
        return information.for_family(prison, str(get_locale()))

    return {
        "prison_information": prison_information,
        "journey_planner_url": journey_planner_url,
        "map_url": map_url,
        "info_topics": InfoTopic,
        "direction_of": languages.direction,
    }


@bp.route(
    "/staff/prisons/<slug>/information",
    defaults={"language": "en"},
    methods=["GET", "POST"],
)
# "language", not "lang": ?lang= chooses the language of the page itself.
@bp.route("/staff/prisons/<slug>/information/<language>", methods=["GET", "POST"])
@staff_required(*EDITORS)
def edit(slug, language):
    prison = scoped_prison(slug)
    if language not in languages.NAMES:
        abort(404)
    details = information.details_of(prison)
    stored = information.texts_of(prison, language)
    form = InformationForm(
        data={
            "visitor_entrance": details.visitor_entrance if details else "",
            "latitude": details.latitude if details else None,
            "longitude": details.longitude if details else None,
            **{topic.value: stored.get(topic, "") for topic in InfoTopic},
        }
    )
    if form.validate_on_submit():
        entrance = information.Entrance(
            form.visitor_entrance.data or "",
            None if form.latitude.data is None else float(form.latitude.data),
            None if form.longitude.data is None else float(form.longitude.data),
        )
        information.save(
            prison, language, form.texts(), entrance, current_user._get_current_object(), utcnow()
        )
        db.session.commit()
        flash(str(_l("Information saved")), "success")
        return redirect(url_for(".edit", slug=slug, language=language))
    return render_template(
        "centres/information/edit.html",
        form=form,
        prison=prison,
        language=language,
        language_name=languages.NAMES[language],
        language_direction=languages.direction(language),
        all_languages=languages.NAMES,
        enabled=current_app.config["LANGUAGES"],
        topics=list(InfoTopic),
    )
