from pathlib import Path

from babel.dates import format_time
from flask import current_app, has_request_context, request, session, url_for
from flask_babel import format_decimal, get_locale

import languages

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
    # Catalogues are read from the source tree, where their "checked" mark is.
    app.config["LANGUAGES"] = languages.enabled(
        app.config["LANGUAGES"], app.config["LANGUAGES_ENABLED"], TRANSLATIONS
    )
    app.config["LANGUAGES_UNCHECKED"] = [
        code
        for code in app.config["LANGUAGES"]
        if not languages.checked_by_fluent_speaker(TRANSLATIONS, code)
    ]
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(TRANSLATIONS),
    )
    app.before_request(remember_language_choice)
    app.add_template_filter(clock, "clock")
    app.add_template_filter(format_decimal, "number")

    @app.context_processor
    def language_context():
        current = str(get_locale())
        return {
            "current_lang": current,
            "text_direction": languages.direction(current),
            "language_links": language_links,
        }


def clock(value) -> str:
    return format_time(value, "HH:mm", locale=get_locale())
