import os
import secrets
import time
from pathlib import Path

from flask import Flask, send_from_directory
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from werkzeug.middleware.proxy_fix import ProxyFix

import config
import database
import errors
import govuk_forms
import i18n


class Base(DeclarativeBase):
    # Named constraints let migrations alter them later, SQLite included.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
talisman = Talisman()
login_manager = LoginManager()

ROOT = Path(__file__).resolve().parent
GOVUK_FRONTEND = ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


def create_app(config_overrides=None):
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config.Defaults)
    app.config.update(config.from_environment())
    app.config.update(config_overrides or {})
    if hops := app.config["PROXY_FIX_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(app)

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(ROOT / "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        referrer_policy="no-referrer",
    )

    i18n.init_app(app, babel)
    govuk_forms.init_app(app)
    errors.init_app(app)
    with app.app_context():
        database.configure_engine(db.engine)

    from assisted_visits.routes import bp as assisted_visits_bp
    from assisted_visits.staff_routes import bp as claims_staff_bp
    from centres.info_routes import bp as information_bp
    from centres.pages import bp as pages_bp
    from centres.routes import bp as centres_bp
    from centres.staff_routes import bp as centre_staff_bp
    from family_days import routes as family_days_routes
    from staff import access as staff_access
    from staff.routes import bp as staff_bp
    from visits import on_behalf_routes, register_routes
    from visits.feedback_routes import bp as feedback_bp
    from visits.feedback_routes import staff_bp as feedback_staff_bp
    from visits.first_visit_routes import bp as first_visits_bp
    from visits.message_routes import bp as messages_staff_bp
    from visits.routes import bp as visits_bp
    from visits.team_routes import bp as team_bp
    from visits.transport_routes import bp as transport_bp
    from visits.transport_team_routes import bp as transport_team_bp
    from visits.webhooks import bp as webhooks_bp

    app.register_blueprint(visits_bp)
    app.register_blueprint(transport_bp)
    app.register_blueprint(transport_team_bp)
    app.register_blueprint(centres_bp)
    app.register_blueprint(assisted_visits_bp)
    app.register_blueprint(claims_staff_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(centre_staff_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(register_routes.bp)
    app.register_blueprint(on_behalf_routes.bp)
    app.register_blueprint(information_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(feedback_staff_bp)
    app.register_blueprint(first_visits_bp)
    app.register_blueprint(messages_staff_bp)
    app.register_blueprint(family_days_routes.bp)
    app.register_blueprint(family_days_routes.staff_bp)
    staff_access.init_app(app)

    @app.route("/assets/<path:filename>")
    def govuk_assets(filename):
        return send_from_directory(GOVUK_FRONTEND / "assets", filename, max_age=86400)

    @app.route("/govuk/govuk-frontend.min.js")
    def govuk_frontend_js():
        return send_from_directory(GOVUK_FRONTEND, "govuk-frontend.min.js", max_age=86400)

    from visits.cli import demo_command, visits_cli

    app.cli.add_command(demo_command)
    app.cli.add_command(visits_cli)
    from assisted_visits.cli import claims_cli

    app.cli.add_command(claims_cli)
    from visits.timetables import timetables_cli

    app.cli.add_command(timetables_cli)

    from staff.cli import staff_cli

    app.cli.add_command(staff_cli)
    from scheduler import scheduler_cli

    app.cli.add_command(scheduler_cli)
    return app


def _instance_secret(app):
    """A random key kept in the instance folder, so sessions survive a restart of the demo."""
    path = Path(app.instance_path) / "secret_key"
    try:
        # O_EXCL: when several workers start at once, exactly one writes the key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as key_file:
            key_file.write(secrets.token_hex(32))
    except FileExistsError:
        pass
    for _ in range(50):
        if key := path.read_text().strip():
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty: delete it or set SECRET_KEY")
