"""Which messages each event sends a family, written into the outbox in the event's transaction.

Booking code calls these right after the change they announce; none of them commits.
A family gets each message on every way they chose: text message, email or both.
"""

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from babel.dates import format_date, format_time
from flask import current_app
from flask_babel import force_locale, get_locale, gettext, ngettext

from app import db
from timeutil import LONDON, utcnow
from visits import outbox, rules
from visits.messages import REMINDERS, MessageKind, render
from visits.models import Visit, VisitSession, VisitStatus
from visits.outbox import Channel, OutboxMessage

# Messages that tell the family everything a reminder would: one sent after a reminder
# fell due makes that reminder needless.
FULL_DETAILS = (
    MessageKind.BOOKED,
    MessageKind.REQUEST_ACCEPTED,
    MessageKind.TIME_CHANGED,
    MessageKind.SESSION_CHANGED,
)


def to_utc(local: datetime) -> datetime:
    """A naive Europe/London wall-clock time as the naive UTC the database stores."""
    return local.replace(tzinfo=LONDON).astimezone(UTC).replace(tzinfo=None)


def starts_at_utc(visit: Visit) -> datetime:
    return to_utc(visit.session.starts_at)


def contacts(visit: Visit) -> list[tuple[Channel, str]]:
    found = []
    if visit.mobile:
        found.append((Channel.SMS, visit.mobile))
    if visit.email:
        found.append((Channel.EMAIL, visit.email))
    return found


def message_values(visit: Visit, reason="") -> dict:
    """The values message templates use, formatted in the current (forced) locale."""
    session = visit.session
    locale = get_locale()
    arrive = session.starts_at - timedelta(minutes=visit.prison.arrive_minutes_before)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return {
        "prison": visit.prison.name,
        "date": format_date(session.date, "EEEE d MMMM", locale=locale),
        "time": format_time(session.start_time, "HH:mm", locale=locale),
        "arrive": format_time(arrive.time(), "HH:mm", locale=locale),
        "reference": rules.format_reference(visit.reference),
        "plain_reference": visit.reference,
        "link": f"{base}/visit/{visit.manage_token}",
        "lookup_link": f"{base}/manage",
        "phone": visit.prison.phone,
        "reason": reason,
    }


def notify(
    visit: Visit,
    kind: MessageKind,
    *,
    reason="",
    now: datetime | None = None,
    stale_at: datetime | None = None,
    dedupe: str | None = None,
    skipped_because: str = "",
    channels: list[Channel] | None = None,
) -> list[OutboxMessage]:
    """Put `kind` for this visit in the outbox, once per way the family chose."""
    now = now or utcnow()
    # Nothing about a visit is worth sending once it has started, except why a request was
    # refused: that one may be refused because its time came before anyone checked it.
    late = timedelta(days=7) if kind is MessageKind.REQUEST_REJECTED else timedelta(0)
    stale_at = stale_at or starts_at_utc(visit) + late
    queued = []
    for channel, recipient in contacts(visit):
        if channels is not None and channel not in channels:
            continue
        with force_locale(visit.language):
            values = message_values(visit, reason)
        budget = current_app.config["SMS_MAX_SEGMENTS"] if channel is Channel.SMS else None
        rendered = render(kind, visit.language, values, budget)
        queued.append(
            outbox.enqueue(
                kind,
                channel,
                recipient,
                rendered.body,
                now=now,
                subject=rendered.subject,
                segments=rendered.segments,
                language=visit.language,
                visit=visit,
                stale_at=stale_at,
                dedupe_key=f"{dedupe}:{channel.value}" if dedupe else None,
                skipped_because=skipped_because,
            )
        )
    db.session.flush()
    return queued


def reply(
    mobile: str, kind: MessageKind, language: str, values: dict, now: datetime
) -> OutboxMessage:
    """A text message answering one from a family (HELP, cancelling by reply)."""
    rendered = render(kind, language, values, current_app.config["SMS_MAX_SEGMENTS"])
    return outbox.enqueue(
        kind,
        Channel.SMS,
        mobile,
        rendered.body,
        now=now,
        segments=rendered.segments,
        language=language,
        stale_at=now + timedelta(days=1),
    )


# Events -----------------------------------------------------------------------------------


def visit_confirmed(visit: Visit) -> None:
    booked = visit.status is VisitStatus.BOOKED
    notify(visit, MessageKind.BOOKED if booked else MessageKind.REQUEST_RECEIVED)


def visit_cancelled(visit: Visit, actor: str) -> None:
    by_family = actor == "family"
    notify(visit, MessageKind.CANCELLED if by_family else MessageKind.CANCELLED_BY_STAFF)


def visit_time_changed(visit: Visit) -> None:
    notify(visit, MessageKind.TIME_CHANGED)


def request_accepted(visit: Visit) -> None:
    notify(visit, MessageKind.REQUEST_ACCEPTED)


def request_rejected(visit: Visit) -> None:
    """After Visit.reject: the reason for the whole visit, and the team's note if any."""
    reason = visit.rejection_reason.family_text if visit.rejection_reason else ""
    notify(visit, MessageKind.REQUEST_REJECTED, reason=_Joined(reason, visit.rejection_details))


def session_changed(visits: list[Visit]) -> None:
    """After the prison closed or moved a session: each visit it cancelled or moved."""
    for visit in visits:
        if visit.status is VisitStatus.CANCELLED:
            notify(visit, MessageKind.SESSION_CLOSED, reason=visit.cancel_details)
        else:
            # Reminders not yet sent name the old time; this message gives the new one.
            outbox.skip_unsent_reminders(visit.id, utcnow(), "the session time changed")
            notify(visit, MessageKind.SESSION_CHANGED)


class _Joined:
    """Translatable text and a plain note, made into one string in the locale of the moment."""

    def __init__(self, *parts):
        self.parts = parts

    def __str__(self):
        return " ".join(str(p).strip() for p in self.parts if p and str(p).strip())


# Reminders --------------------------------------------------------------------------------


def reminder_times(visit: Visit) -> list[tuple[MessageKind, datetime, datetime]]:
    """(kind, due, stale) in naive UTC for each reminder this visit gets.

    The morning reminder is due at REMINDER_MORNING_AT local time on the day and is stale
    once the family should be arriving. The earlier reminder is stale once the morning one
    is due (or, without one, once the family should be arriving).
    """
    config = current_app.config
    starts = visit.session.starts_at
    arrive_by = to_utc(starts - timedelta(minutes=visit.prison.arrive_minutes_before))
    times = []
    morning = None
    if config["REMINDER_MORNING_AT"] is not None:
        morning = to_utc(datetime.combine(visit.session.date, config["REMINDER_MORNING_AT"]))
        if morning >= arrive_by:
            morning = None  # an early session: the morning reminder would come too late
    if hours := config["REMINDER_HOURS_BEFORE"]:
        due = to_utc(starts) - timedelta(hours=hours)
        stale = morning if morning is not None and morning > due else arrive_by
        times.append((MessageKind.REMINDER, due, stale))
    if morning is not None:
        times.append((MessageKind.REMINDER_TODAY, morning, arrive_by))
    return times


def reminder_promise(visit: Visit, now: datetime) -> str | None:
    """What the confirmation page tells the family about the reminders still to come."""
    if not contacts(visit):
        return None
    kinds = {kind for kind, due, _stale in reminder_times(visit) if due > now}
    hours = current_app.config["REMINDER_HOURS_BEFORE"]
    if hours % 24 == 0:
        before = ngettext("%(num)s day", "%(num)s days", hours // 24)
    else:
        before = ngettext("%(num)s hour", "%(num)s hours", hours)
    if kinds == {MessageKind.REMINDER, MessageKind.REMINDER_TODAY}:
        return gettext(
            "We will remind you %(before)s before the visit and on the morning of the visit.",
            before=before,
        )
    if MessageKind.REMINDER in kinds:
        return gettext("We will remind you %(before)s before the visit.", before=before)
    if MessageKind.REMINDER_TODAY in kinds:
        return gettext("We will remind you on the morning of the visit.")
    return None


def _reminder_key(kind: MessageKind, visit: Visit) -> str:
    return f"{kind.value}:{visit.id}:{visit.session_id}"


def enqueue_due_reminders(now: datetime) -> dict:
    """Put every reminder that has fallen due in the outbox, once per visit, time and channel.

    After downtime a reminder that is still useful goes out late; one that would arrive
    too late is recorded as skipped, as is one made needless by a later confirmation.
    """
    config = current_app.config
    ahead = timedelta(hours=config["REMINDER_HOURS_BEFORE"] or 0) + timedelta(days=1)
    visits = db.session.scalars(
        sa.select(Visit)
        .join(VisitSession, Visit.session_id == VisitSession.id)
        .where(
            Visit.status == VisitStatus.BOOKED,
            VisitSession.cancelled.is_(False),
            # Sessions starting from two days ago (to record reminders missed while the
            # scheduler was down) up to the earliest reminder's reach.
            VisitSession.date.between(
                _local_date(now) - timedelta(days=2), _local_date(now + ahead)
            ),
        )
        .order_by(Visit.id)
    ).all()
    if not visits:
        return {"queued": 0, "skipped": 0}
    ids = [v.id for v in visits]
    existing = set(
        db.session.scalars(
            sa.select(OutboxMessage.dedupe_key).where(
                OutboxMessage.visit_id.in_(ids), OutboxMessage.kind.in_(REMINDERS)
            )
        )
    )
    told_at = dict(
        db.session.execute(
            sa.select(OutboxMessage.visit_id, sa.func.max(OutboxMessage.created_at))
            .where(OutboxMessage.visit_id.in_(ids), OutboxMessage.kind.in_(FULL_DETAILS))
            .group_by(OutboxMessage.visit_id)
        ).all()
    )
    counts = {"queued": 0, "skipped": 0}
    for visit in visits:
        for kind, due, stale in reminder_times(visit):
            key = _reminder_key(kind, visit)
            wanted = [c for c, _ in contacts(visit) if f"{key}:{c.value}" not in existing]
            if due > now or not wanted:
                continue
            because = ""
            if now >= stale:
                because = "too late to be useful when it fell due"
            elif told_at.get(visit.id) and told_at[visit.id] >= due:
                because = "the family was sent the details after it fell due"
            notify(
                visit,
                kind,
                now=now,
                stale_at=stale,
                dedupe=key,
                skipped_because=because,
                channels=wanted,
            )
            counts["skipped" if because else "queued"] += len(wanted)
    return counts


def _local_date(utc: datetime) -> date:
    return utc.replace(tzinfo=UTC).astimezone(LONDON).date()
