"""Pages of information for families: for children, about accessibility and privacy, and
the full list of languages."""

import re
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Blueprint, current_app, render_template, request, url_for
from werkzeug.exceptions import HTTPException

import languages
import sms

bp = Blueprint("pages", __name__, template_folder="templates")

# When the accessibility statement and the privacy notice were last checked against the code.
STATEMENTS_REVIEWED = date(2026, 11, 27)


@bp.route("/children")
def children():
    return render_template("centres/pages/children.html")


@bp.route("/children/teenagers")
def teenagers():
    return render_template("centres/pages/teenagers.html")


@bp.route("/accessibility")
def accessibility():
    config = current_app.config
    return render_template(
        "centres/pages/accessibility.html",
        reviewed=STATEMENTS_REVIEWED,
        other_languages=[code for code in config["LANGUAGES"] if code not in ("en", "cy")],
        names=languages.NAMES,
    )


def rate_limit_parts(setting: str) -> list[tuple[int, str]]:
    """ "10 per minute;30 per hour" as [(10, "minute"), (30, "hour")]."""
    parts = []
    for piece in setting.split(";"):
        match = re.fullmatch(r"\s*(\d+)\s*(?:/|per)\s*(second|minute|hour|day)s?\s*", piece)
        if match:
            parts.append((int(match.group(1)), match.group(2)))
    return parts


@bp.route("/privacy")
def privacy():
    config = current_app.config
    return render_template(
        "centres/pages/privacy.html",
        reviewed=STATEMENTS_REVIEWED,
        controller=config["DATA_CONTROLLER"],
        retention_days=config["VISIT_RETENTION_DAYS"],
        texts_sent=sms.is_configured(config),
        emails_sent=config["EMAIL_BACKEND"] != "recorded",
        limits={
            "lookup": rate_limit_parts(config["LOOKUP_RATE_LIMIT"]),
            "login": rate_limit_parts(config["LOGIN_RATE_LIMIT"]),
            "feedback": rate_limit_parts(config["FEEDBACK_RATE_LIMIT"]),
        },
    )


def _page_to_return_to(raw: str | None) -> tuple[str, list[tuple[str, str]]]:
    """The path and query of a page of this service, or the start page for anything else."""
    parts = urlsplit(raw or "")
    start = (url_for("visits.start"), [])
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return start
    try:
        current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:  # no such page, or one that redirects elsewhere
        return start
    return parts.path, [(k, v) for k, v in parse_qsl(parts.query) if k != "lang"]


@bp.route("/languages", endpoint="languages")
def languages_page():
    path, query = _page_to_return_to(request.args.get("back"))
    choices = [
        {
            "code": code,
            "name": name,
            "direction": languages.direction(code),
            "url": f"{path}?{urlencode([*query, ('lang', code)])}",
        }
        for code, name in current_app.config["LANGUAGES"].items()
    ]
    return render_template(
        "centres/pages/languages.html",
        choices=choices,
        back=path,
        unchecked=[languages.NAMES[code] for code in current_app.config["LANGUAGES_UNCHECKED"]],
    )
