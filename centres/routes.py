import sqlalchemy as sa
from flask import Blueprint, render_template

from app import db
from visits.models import Prison

bp = Blueprint("centres", __name__, template_folder="templates")


@bp.route("/prisons/<slug>")
def prison_info(slug):
    prison = db.first_or_404(sa.select(Prison).where(Prison.slug == slug))
    return render_template("centres/prison.html", prison=prison)
