from flask import Blueprint, render_template

from assisted_visits.rates import pounds, rates_for
from timeutil import local_today
from visits.models import Nation

bp = Blueprint(
    "assisted_visits", __name__, url_prefix="/help-with-costs", template_folder="templates"
)


@bp.route("/")
def start():
    today = local_today()
    return render_template(
        "assisted_visits/start.html",
        england_wales=rates_for(Nation.ENGLAND, today),
        scotland=rates_for(Nation.SCOTLAND, today),
        pounds=pounds,
    )
