"""Email: the same narrow interface as sms.py.

    send_email(to, subject, body, reference) -> SendResult

No mail server is configured yet, so the one backend records: the caller keeps the
message in the database (staff can see it) and nothing is silently dropped. A real
backend goes here, answering SENT, RETRY or FAILED as sms.send_sms does.
"""

from flask import current_app

from sms import Outcome, SendResult

BACKENDS = ("recorded",)


def send_email(to: str, subject: str, body: str, reference: str) -> SendResult:
    backend = current_app.config["EMAIL_BACKEND"]
    if backend not in BACKENDS:
        raise RuntimeError(f"Unknown EMAIL_BACKEND {backend!r}: use one of {BACKENDS}")
    return SendResult(Outcome.RECORDED)
