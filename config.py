import os
from datetime import date, time, timedelta

import languages


class Defaults:
    # An embedded SQLite file in the instance folder unless DATABASE_URL says otherwise.
    SQLALCHEMY_DATABASE_URI = "sqlite:///visits.db"
    # Statement parameters in database errors would carry personal data into logs.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}
    SECRET_KEY: str | None = None
    # Encrypts bank details on claims; SECRET_KEY is used when unset. Comma-separated to rotate.
    BANK_DETAILS_KEY: str | None = None

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=2)
    # Local HTTP development and tests cannot use secure cookies or HTTPS redirects.
    FORCE_HTTPS = True

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/London"
    # Every language with a catalogue, named in its own language (languages.NAMES); families
    # are offered English, Welsh and those listed in LANGUAGES_ENABLED, or, when that is None,
    # those whose catalogue says "Checked by a fluent speaker: yes" (see languages.py).
    # i18n.init_app narrows LANGUAGES to the languages switched on.
    LANGUAGES = languages.NAMES
    LANGUAGES_ENABLED: list[str] | None = None

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOOKUP_RATE_LIMIT = "10 per minute;30 per hour"
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    STAFF_IDLE_MINUTES = 30
    # Feedback and complaints: a family may send this many, and staff answer within these
    # working days (weekends and bank holidays of the prison's nation are not working days).
    FEEDBACK_RATE_LIMIT = "5 per minute;30 per hour"
    FEEDBACK_REPLY_WORKING_DAYS = {"complaint": 10, "feedback": 20}
    # Extra days off, such as a one-off bank holiday, as dates.
    NON_WORKING_DAYS: tuple = ()
    # Who runs this copy of the service, named in the privacy notice (env DATA_CONTROLLER).
    DATA_CONTROLLER: str | None = None
    # Days after a visit before its personal data is removed (visits/retention.py): about
    # six months, as the public service does.
    VISIT_RETENTION_DAYS = 183

    # Proxies in front of the app (a load balancer terminating HTTPS is 1).
    PROXY_FIX_HOPS = 0
    SERVICE_NAME = "Visit someone in prison"
    PUBLIC_BASE_URL = "http://localhost:5000"

    # Text messages through Twilio; without credentials they are recorded, not sent.
    TWILIO_ACCOUNT_SID: str | None = None
    TWILIO_AUTH_TOKEN: str | None = None
    TWILIO_MESSAGING_SERVICE_SID: str | None = None  # or a sender number in TWILIO_FROM
    TWILIO_FROM: str | None = None
    TWILIO_API_BASE_URL: str | None = None  # tests point this at a fake Twilio on 127.0.0.1
    TWILIO_TIMEOUT_SECONDS = 10
    EMAIL_BACKEND = "recorded"  # no mail server yet: emails are kept for staff to see
    # Every text stays within this many segments, in every language (UCS-2 ones included).
    SMS_MAX_SEGMENTS = 6
    REMINDER_HOURS_BEFORE = 48  # 0: no early reminder
    REMINDER_MORNING_AT: time | None = time(8, 0)  # Europe/London; None: no morning reminder
    OUTBOX_SENDERS = 4  # messages sent at once by one dispatcher
    OUTBOX_LEASE_SECONDS = 60  # a claimed message whose sender died is retried after this
    OUTBOX_MAX_ATTEMPTS = 8
    OUTBOX_RETRY_BASE_SECONDS = 30  # doubling after each failed try...
    OUTBOX_RETRY_MAX_SECONDS = 3600  # ...up to this
    SCHEDULER_LEASE_SECONDS = 30  # a standby scheduler takes over this long after the leader dies
    SCHEDULER_DISPATCH_SECONDS = 5
    SCHEDULER_REMINDERS_SECONDS = 60
    SCHEDULER_HOLDS_SECONDS = 60
    SCHEDULER_REQUESTS_SECONDS = 600
    SCHEDULER_RETENTION_SECONDS = 3600
    SCHEDULER_CLAIMS_SECONDS = 3600  # reminders for idle travel cost claims, and closing them
    SCHEDULER_OFFERS_SECONDS = 300  # family day places offered from the waiting list


TWILIO_SETTINGS = (
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_MESSAGING_SERVICE_SID",
    "TWILIO_FROM",
)


def from_environment() -> dict:
    """Settings named in the README, read from the process environment."""
    settings = {}
    if url := os.environ.get("DATABASE_URL"):
        # Hosting platforms often hand out postgres:// URLs; SQLAlchemy wants the driver named.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                url = "postgresql+psycopg://" + url[len(prefix) :]
        settings["SQLALCHEMY_DATABASE_URI"] = url
    for name in (
        "SECRET_KEY",
        "BANK_DETAILS_KEY",
        "RATELIMIT_STORAGE_URI",
        "PUBLIC_BASE_URL",
        "DATA_CONTROLLER",
        *TWILIO_SETTINGS,
    ):
        if value := os.environ.get(name):
            settings[name] = value
    for name in (
        "SMS_MAX_SEGMENTS",
        "REMINDER_HOURS_BEFORE",
        "VISIT_RETENTION_DAYS",
    ):
        if value := os.environ.get(name):
            settings[name] = int(value)
    if morning := os.environ.get("REMINDER_MORNING_AT"):
        settings["REMINDER_MORNING_AT"] = None if morning == "off" else time.fromisoformat(morning)
    if enabled := os.environ.get("LANGUAGES_ENABLED"):
        settings["LANGUAGES_ENABLED"] = languages.parse_setting(enabled)
    if days_off := os.environ.get("NON_WORKING_DAYS"):
        settings["NON_WORKING_DAYS"] = tuple(
            date.fromisoformat(day.strip()) for day in days_off.split(",") if day.strip()
        )
    if hops := os.environ.get("PROXY_FIX_HOPS"):
        settings["PROXY_FIX_HOPS"] = int(hops)
    if os.environ.get("INSECURE_HTTP") == "1":
        settings.update(SESSION_COOKIE_SECURE=False, FORCE_HTTPS=False)
    return settings
