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
from visits.notifications import to_utc
from visits.outbox import Channel, OutboxMessage


def status_link(application: FamilyDayApplication) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/family-days/application/{application.token}"


def _values(application: FamilyDayApplication) -> dict:
    day = application.family_day
    locale = get_locale()
    values = {
        "prison": day.prison.name,
        "date": format_date(day.date, "EEEE d MMMM", locale=locale),
        "link": status_link(application),
    }
    if application.offer_expires_at is not None:
        # The deadline to accept, as "17:00, Friday 5 December".
        deadline = application.offer_expires_at.replace(tzinfo=UTC).astimezone(LONDON)
        values["time"] = (
            format_time(deadline.time(), "HH:mm", locale=locale)
            + ", "
            + format_date(deadline.date(), "EEEE d MMMM", locale=locale)
        )
    if application.decline_reason is not None:
        values["reason"] = " ".join(
            filter(None, [str(application.decline_reason.family_text), application.decline_details])
        )
    return values


def _notify(
    application: FamilyDayApplication, kind: MessageKind, now: datetime, stale_at: datetime
) -> list[OutboxMessage]:
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
        rendered = render(kind, application.language, values, budget)
        message = outbox.enqueue(
            kind,
            channel,
            recipient,
            rendered.body,
            now=now,
            subject=rendered.subject,
            segments=rendered.segments,
            language=application.language,
            stale_at=stale_at,
        )
        message.prison_id = application.family_day.prison_id
        queued.append(message)
    db.session.flush()
    return queued


def _day_starts_utc(application: FamilyDayApplication) -> datetime:
    day = application.family_day
    return to_utc(datetime.combine(day.date, day.start_time))


def place_offered(application: FamilyDayApplication, now: datetime) -> list[OutboxMessage]:
    return _notify(application, MessageKind.FAMILY_DAY_OFFER, now, application.offer_expires_at)


def place_confirmed(application: FamilyDayApplication, now: datetime) -> list[OutboxMessage]:
    return _notify(application, MessageKind.FAMILY_DAY_PLACE, now, _day_starts_utc(application))


def on_waiting_list(application: FamilyDayApplication, now: datetime) -> list[OutboxMessage]:
    return _notify(application, MessageKind.FAMILY_DAY_WAITING, now, _day_starts_utc(application))


def declined(application: FamilyDayApplication, now: datetime) -> list[OutboxMessage]:
    return _notify(application, MessageKind.FAMILY_DAY_DECLINED, now, _day_starts_utc(application))
