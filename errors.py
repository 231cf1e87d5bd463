import logging

from flask import render_template
from flask_wtf.csrf import CSRFError

log = logging.getLogger(__name__)


def init_app(app):
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
        # The request's details may hold personal data: log only that it failed.
        log.error("unhandled error")
        return page("errors/500.html", 500)
