"""Text messages: one narrow interface over Twilio, and SMS segment counting.

    send_sms(to, body, reference) -> SendResult

With TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (and a messaging service or a sender) it
sends through the real `twilio` client; without them it sends nothing and answers
RECORDED, so the caller keeps the message in the database for staff to see.
"""

import enum
import ipaddress
import threading
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from flask import current_app
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

STATUS_CALLBACK_PATH = "/webhooks/twilio/status"
INBOUND_PATH = "/webhooks/twilio/inbound"

# Twilio error codes that mean this message can never be sent as it is.
INVALID_NUMBER = "21211"
OPTED_OUT = "21610"

# GSM 03.38: the basic set costs one septet, the extension set two (an escape, then the char).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


class Outcome(enum.StrEnum):
    SENT = "sent"  # the provider accepted it
    RECORDED = "recorded"  # no provider configured: kept, not sent
    RETRY = "retry"  # try again later (429, 5xx, timeouts, connection failures)
    FAILED = "failed"  # the provider refused it for good (invalid number, opted out...)


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_id: str | None = None
    provider_status: str | None = None
    error_code: str | None = None
    error: str = ""  # short and free of personal data: it is stored and shown to staff
    # The request may have reached the provider although no answer came back:
    # sending again may deliver the message twice.
    uncertain: bool = False


def send_sms(to: str, body: str, reference: str) -> SendResult:
    config = current_app.config
    client = _client(config)
    if client is None:
        return SendResult(Outcome.RECORDED)
    sender = (
        {"messaging_service_sid": config["TWILIO_MESSAGING_SERVICE_SID"]}
        if config.get("TWILIO_MESSAGING_SERVICE_SID")
        else {"from_": config["TWILIO_FROM"]}
    )
    callback = config["PUBLIC_BASE_URL"].rstrip("/") + STATUS_CALLBACK_PATH
    try:
        message = client.messages.create(
            to=to,
            body=body,
            status_callback=f"{callback}?{urlencode({'reference': reference})}",
            **sender,
        )
    except TwilioRestException as error:
        return _refusal(error)
    except requests.exceptions.ConnectTimeout:
        return SendResult(Outcome.RETRY, error="connection timed out")
    except requests.exceptions.Timeout:
        return SendResult(Outcome.RETRY, error="no answer in time", uncertain=True)
    except requests.exceptions.ConnectionError as error:
        # Refused before anything was sent is safe to repeat; a connection dropped after
        # the request went out is not known to be.
        refused = "NewConnectionError" in repr(error) or "NameResolutionError" in repr(error)
        return SendResult(Outcome.RETRY, error="connection failed", uncertain=not refused)
    return SendResult(Outcome.SENT, provider_id=message.sid, provider_status=message.status)


def _refusal(error: TwilioRestException) -> SendResult:
    code = str(error.code) if error.code else None
    detail = f"HTTP {error.status}" + (f", Twilio error {code}" if code else "")
    # Bad credentials and rate limits are about us, not the message: retry them.
    if error.status in (401, 403, 408, 429) or error.status >= 500:
        return SendResult(Outcome.RETRY, error_code=code, error=detail)
    return SendResult(Outcome.FAILED, error_code=code, error=detail)


def is_configured(config) -> bool:
    has_sender = config.get("TWILIO_MESSAGING_SERVICE_SID") or config.get("TWILIO_FROM")
    return bool(config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN") and has_sender)


class _PinnedHttpClient(TwilioHttpClient):
    """Sends every request to one base URL: a fake Twilio in tests, never the real one."""

    def __init__(self, base_url: str, timeout: float):
        super().__init__(timeout=timeout)
        self.base = urlsplit(base_url)

    def request(self, method, url, **kwargs):
        parts = urlsplit(url)._replace(scheme=self.base.scheme, netloc=self.base.netloc)
        return super().request(method, urlunsplit(parts), **kwargs)


_local = threading.local()  # a requests session is not shared between threads


def _client(config) -> Client | None:
    if not is_configured(config):
        return None
    base_url = config.get("TWILIO_API_BASE_URL")
    if config.get("TESTING") and not _is_loopback(base_url):
        raise RuntimeError("Tests must send to a fake Twilio: set TWILIO_API_BASE_URL")
    key = (config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"], base_url)
    cached = getattr(_local, "clients", None)
    if cached is None:
        cached = _local.clients = {}
    if key not in cached:
        timeout = config["TWILIO_TIMEOUT_SECONDS"]
        http_client = (
            _PinnedHttpClient(base_url, timeout) if base_url else TwilioHttpClient(timeout=timeout)
        )
        cached[key] = Client(key[0], key[1], http_client=http_client)
    return cached[key]


def _is_loopback(url: str | None) -> bool:
    try:
        return bool(url) and ipaddress.ip_address(urlsplit(url).hostname).is_loopback
    except ValueError:
        return False


# Segments -------------------------------------------------------------------------------


def is_gsm7(body: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in body)


def segments(body: str) -> int:
    """How many SMS segments the body takes: GSM-7 160 (153 when split), else UCS-2 70 (67)."""
    if is_gsm7(body):
        units = [2 if c in GSM7_EXTENSION else 1 for c in body]
        single, part = 160, 153
    else:
        units = [len(c.encode("utf-16-le")) // 2 for c in body]  # surrogate pairs take two
        single, part = 70, 67
    total = sum(units)
    if total <= single:
        return 1
    # Phones never split an escape pair or a surrogate pair across segments.
    count, used = 1, 0
    for size in units:
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return count
