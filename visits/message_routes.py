"""What the service sent families from one prison, and what never reached them."""

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

import sms
from app import db
from staff import audit
from staff.access import add_prison_link, scoped_prison, staff_required
from staff.models import Role
from visits import outbox
from visits.messages import MessageKind

bp = Blueprint(
    "messages_staff", __name__, url_prefix="/staff/prisons/<slug>", template_folder="templates"
)
READERS = (Role.VISITS_TEAM, Role.CENTRE)
SHOWN = 200

add_prison_link("messages_staff.messages", _l("Messages to families"), *READERS)

KIND_LABELS = {
    MessageKind.BOOKED: _l("Visit booked"),
    MessageKind.REQUEST_RECEIVED: _l("Request received"),
    MessageKind.REQUEST_ACCEPTED: _l("Request accepted"),
    MessageKind.REQUEST_REJECTED: _l("Request rejected"),
    MessageKind.CANCELLED: _l("Cancelled by the family"),
    MessageKind.CANCELLED_BY_STAFF: _l("Cancelled by the prison"),
    MessageKind.TIME_CHANGED: _l("Time changed"),
    MessageKind.SESSION_CLOSED: _l("Session closed"),
    MessageKind.SESSION_CHANGED: _l("Session changed"),
    MessageKind.REMINDER: _l("Reminder"),
    MessageKind.REMINDER_TODAY: _l("Reminder on the day"),
    MessageKind.FEEDBACK_REPLY: _l("Reply to feedback"),
}

STATUS_LABELS = {
    outbox.MessageStatus.PENDING: _l("Waiting to be sent"),
    outbox.MessageStatus.SENDING: _l("Waiting to be sent"),
    outbox.MessageStatus.SENT: _l("Sent"),
    outbox.MessageStatus.DELIVERED: _l("Delivered"),
    outbox.MessageStatus.RECORDED: _l("Kept here, not sent"),
    outbox.MessageStatus.FAILED: _l("Could not be sent"),
    outbox.MessageStatus.SKIPPED: _l("Not sent because no longer needed"),
}

# What a Twilio error code means for the person who has to phone the family instead.
PROVIDER_ERRORS = {
    sms.INVALID_NUMBER: _l("The mobile number is not valid."),
    sms.OPTED_OUT: _l("The family replied STOP, so they get no more texts."),
    "30003": _l("The phone was switched off or out of signal for too long."),
    "30005": _l("The number does not exist or is no longer in use."),
    "30006": _l("The number is a landline or cannot receive texts."),
    "30007": _l("The mobile network blocked the message."),
}


@bp.app_template_global()
def message_kind_label(kind):
    return KIND_LABELS.get(kind, _l("Message"))


@bp.app_template_global()
def message_status_label(status):
    return STATUS_LABELS[status]


def why_it_failed(message: outbox.OutboxMessage):
    if message.error_code in PROVIDER_ERRORS:
        return PROVIDER_ERRORS[message.error_code]
    return _l("It could not be sent after several tries.")


@bp.route("/messages")
@staff_required(*READERS)
def messages(slug):
    prison = scoped_prison(slug)
    audit.record(current_user, "viewed messages to families", "prison", prison.id, prison.id)
    db.session.commit()
    return render_template(
        "visits/messages/staff.html",
        prison=prison,
        report=outbox.delivery_report([prison.id]),
        failed=outbox.failed_messages([prison.id], SHOWN),
        recorded=outbox.recorded_messages([prison.id], SHOWN),
        shown=SHOWN,
        provider_configured=sms.is_configured(current_app.config),
        why_it_failed=why_it_failed,
    )
