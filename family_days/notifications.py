"""Messages to families about family days, written into the outbox in the change's transaction."""

from datetime import UTC, datetime

from babel.dates import format_date, format_time
from flask import current_app
from flask_babel import force_locale, get_locale

from app import db
from family_days.models import FamilyDayApplication
from timeutil import LONDON
from visits import outbox
from visits.messages import MessageKind, render
from visits.outbox import Channel


def status_link(application: FamilyDayApplication) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/family-days/application/{application.token}"


def _values(application: FamilyDayApplication) -> dict:
    day = application.family_day
    locale = get_locale()
    deadline = application.offer_expires_at.replace(tzinfo=UTC).astimezone(LONDON)
    return {
        "prison": day.prison.name,
        "date": format_date(day.date, "EEEE d MMMM", locale=locale),
        # The deadline to accept, as "17:00, Friday 5 December".
        "time": format_time(deadline.time(), "HH:mm", locale=locale)
        + ", "
        + format_date(deadline.date(), "EEEE d MMMM", locale=locale),
        "link": status_link(application),
    }


def place_offered(application: FamilyDayApplication, now: datetime) -> list:
    contacts = []
    if application.mobile:
        contacts.append((Channel.SMS, application.mobile))
    if application.email:
        contacts.append((Channel.EMAIL, application.email))
    queued = []
    for channel, recipient in contacts:
        with force_locale(application.language):
            values = _values(application)
        budget = current_app.config["SMS_MAX_SEGMENTS"] if channel is Channel.SMS else None
        rendered = render(MessageKind.FAMILY_DAY_OFFER, application.language, values, budget)
        message = outbox.enqueue(
            MessageKind.FAMILY_DAY_OFFER,
            channel,
            recipient,
            rendered.body,
            now=now,
            subject=rendered.subject,
            segments=rendered.segments,
            language=application.language,
            stale_at=application.offer_expires_at,
        )
        message.prison_id = application.family_day.prison_id
        queued.append(message)
    db.session.flush()
    return queued
