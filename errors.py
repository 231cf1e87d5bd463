import logging
import traceback

from flask import render_template
from flask_wtf.csrf import CSRFError


class WithholdExceptionMessages(logging.Filter):
    """Keep the traceback's code locations but not the exception's text, which may quote
    what a family typed."""

    def filter(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            exc_type, _exc, tb = record.exc_info
            frames = "".join(traceback.format_list(traceback.extract_tb(tb)))
            record.exc_text = f"Traceback:\n{frames}{exc_type.__name__} (message withheld)"
        return True


def init_app(app):
    app.logger.addFilter(WithholdExceptionMessages())

    def page(template, status):
        return render_template(template), status

    @app.errorhandler(404)
    def not_found(_error):
        return page("errors/404.html", 404)

    @app.errorhandler(405)
    def not_allowed(_error):
        return page("errors/404.html", 405)

    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        return page("errors/session_expired.html", 400)

    @app.errorhandler(429)
    def too_many(_error):
        return page("errors/429.html", 429)

    @app.errorhandler(500)
    def server_error(_error):
        return page("errors/500.html", 500)
