"""Twilio's calls to us: delivery status callbacks and texts from families.

Exempt from CSRF (Twilio cannot hold a form token) but every request must carry a valid
X-Twilio-Signature, computed over the URL Twilio called and the posted fields. Behind a
proxy, PROXY_FIX_HOPS restores that URL's scheme and host.
"""

from datetime import datetime

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy.exc import IntegrityError
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

import sms
from app import csrf, db
from timeutil import LONDON, utcnow
from visits import outbox, replies

bp = Blueprint("webhooks", __name__)
csrf.exempt(bp)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@bp.before_request
def require_twilio_signature():
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    if not token or not signature:
        abort(403)
    if not RequestValidator(token).validate(request.url, request.form, signature, algorithm):
        abort(403)


@bp.post(sms.STATUS_CALLBACK_PATH)
def delivery_status():
    form = request.form
    if not form.get("MessageSid") or not form.get("MessageStatus"):
        abort(400)
    outbox.apply_delivery_status(
        request.args.get("reference"),
        form["MessageSid"],
        form["MessageStatus"].lower(),
        form.get("ErrorCode") or None,
        utcnow(),
    )
    db.session.commit()
    return Response(status=204)


@bp.post(sms.INBOUND_PATH)
def inbound_message():
    form = request.form
    if not form.get("MessageSid") or not form.get("From"):
        abort(400)
    try:
        replies.handle_inbound(
            form["MessageSid"],
            form["From"],
            form.get("Body", ""),
            form.get("OptOutType"),
            utcnow(),
            datetime.now(LONDON).replace(tzinfo=None),
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same message delivered twice at once: handled by the other
    return Response(EMPTY_TWIML, mimetype="text/xml")
