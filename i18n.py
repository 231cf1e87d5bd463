from pathlib import Path

from babel.dates import format_time
from flask import current_app, has_request_context, request, session, url_for
from flask_babel import get_locale

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def select_locale():
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(list(languages)) or "en"


def remember_language_choice():
    # ?lang= on any page switches language and the choice persists in the session.
    chosen = request.args.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        session["lang"] = chosen


def language_links():
    current = str(get_locale())
    args = {k: v for k, v in request.args.items() if k != "lang"}
    endpoint = request.endpoint or "visits.start"
    view_args = request.view_args or {}
    return [
        {
            "code": code,
            "name": name,
            "current": code == current,
            "url": url_for(endpoint, **view_args, **args, lang=code),
        }
        for code, name in current_app.config["LANGUAGES"].items()
    ]


def init_app(app, babel):
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(TRANSLATIONS),
    )
    app.before_request(remember_language_choice)
    app.add_template_filter(clock, "clock")

    @app.context_processor
    def language_context():
        return {"current_lang": str(get_locale()), "language_links": language_links}


def clock(value) -> str:
    return format_time(value, "HH:mm", locale=get_locale())
