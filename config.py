import os
from datetime import timedelta


class Defaults:
    # An embedded SQLite file in the instance folder unless DATABASE_URL says otherwise.
    SQLALCHEMY_DATABASE_URI = "sqlite:///visits.db"
    # Statement parameters in database errors would carry personal data into logs.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}
    SECRET_KEY: str | None = None

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=2)
    # Local HTTP development and tests cannot use secure cookies or HTTPS redirects.
    FORCE_HTTPS = True

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/London"
    LANGUAGES = {"en": "English", "cy": "Cymraeg"}

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOOKUP_RATE_LIMIT = "10 per minute;30 per hour"
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    STAFF_IDLE_MINUTES = 30

    # Proxies in front of the app (a load balancer terminating HTTPS is 1).
    PROXY_FIX_HOPS = 0
    SERVICE_NAME = "Visit someone in prison"
    PUBLIC_BASE_URL = "http://localhost:5000"


def from_environment() -> dict:
    """Settings named in the README, read from the process environment."""
    settings = {}
    if url := os.environ.get("DATABASE_URL"):
        # Hosting platforms often hand out postgres:// URLs; SQLAlchemy wants the driver named.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                url = "postgresql+psycopg://" + url[len(prefix) :]
        settings["SQLALCHEMY_DATABASE_URI"] = url
    for name in ("SECRET_KEY", "RATELIMIT_STORAGE_URI", "PUBLIC_BASE_URL"):
        if value := os.environ.get(name):
            settings[name] = value
    if hops := os.environ.get("PROXY_FIX_HOPS"):
        settings["PROXY_FIX_HOPS"] = int(hops)
    if os.environ.get("INSECURE_HTTP") == "1":
        settings.update(SESSION_COOKIE_SECURE=False, FORCE_HTTPS=False)
    return settings
