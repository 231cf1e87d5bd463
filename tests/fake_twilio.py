"""A fake Twilio Messages API: a real HTTP server on 127.0.0.1, in a thread.

It answers POST /2010-04-01/Accounts/{sid}/Messages.json as Twilio does (201 and a message
resource, or an error document), so the real `twilio` client talks to it unchanged. Tests
program what it does next: HTTP errors, rate limits, hanging past the client's timeout
(having taken the message, or not), or a Twilio error code for one number.

    with FakeTwilio() as fake:
        fake.answer_next(Fail(500), Fail(429), Hang(accepted=True))
        fake.refuse_number("+447700900001", 21211)
        ...
        fake.accepted_by_reference()   # Counter: how often each message was taken
"""

import base64
import json
import secrets
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

ACCOUNT_SID = "AC" + "f" * 32
AUTH_TOKEN = "fake-auth-token-0123456789abcdef"
MESSAGING_SERVICE_SID = "MG" + "e" * 32

ERROR_MESSAGES = {
    20003: "Authenticate",
    20429: "Too Many Requests",
    21211: "The 'To' number is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}


@dataclass(frozen=True)
class Fail:
    """Answer with this HTTP status (and Twilio error code), taking no message."""

    status: int
    code: int | None = None


@dataclass(frozen=True)
class Hang:
    """Answer only after `seconds`, by when the client has given up. With accepted=True the
    message was taken first, as when Twilio is slow to answer: a retry sends it twice."""

    accepted: bool
    seconds: float = 3.0


@dataclass
class Accepted:
    sid: str
    to: str
    body: str
    sender: str
    reference: str | None


class FakeTwilio:
    def __init__(self, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, delay: float = 0.0):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.delay = delay  # seconds every request takes, to slow a batch down
        self.accepted: list[Accepted] = []
        self.requests = 0
        self._plan: deque = deque()
        self._refused_numbers: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_):
        self._server.shutdown()
        self._server.server_close()

    # Programming it ------------------------------------------------------------------------

    def answer_next(self, *behaviours) -> None:
        with self._lock:
            self._plan.extend(behaviours)

    def refuse_number(self, number: str, code: int) -> None:
        self._refused_numbers[number] = code

    # What it saw ---------------------------------------------------------------------------

    def accepted_by_reference(self) -> Counter:
        with self._lock:
            return Counter(a.reference for a in self.accepted)

    def accepted_to(self, number: str) -> list[Accepted]:
        with self._lock:
            return [a for a in self.accepted if a.to == number]

    def settings(self) -> dict:
        """App settings that send to this fake server."""
        return {
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_MESSAGING_SERVICE_SID": MESSAGING_SERVICE_SID,
            "TWILIO_API_BASE_URL": self.url,
            "TWILIO_TIMEOUT_SECONDS": 0.5,
        }

    # Serving -------------------------------------------------------------------------------

    def _next_behaviour(self):
        with self._lock:
            self.requests += 1
            return self._plan.popleft() if self._plan else None

    def _take(self, fields: dict) -> Accepted:
        callback = fields.get("StatusCallback", "")
        reference = parse_qs(urlsplit(callback).query).get("reference", [None])[0]
        accepted = Accepted(
            sid="SM" + secrets.token_hex(16),
            to=fields["To"],
            body=fields["Body"],
            sender=fields.get("MessagingServiceSid") or fields.get("From", ""),
            reference=reference,
        )
        with self._lock:
            self.accepted.append(accepted)
        return accepted

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's API

            def setup(self):
                super().setup()
                # Headers and body go out in two writes: without this, Nagle's algorithm and
                # the client's delayed ACK hold every response back 40 ms on keep-alive.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *_):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if fake.delay:
                    time.sleep(fake.delay)
                if self.path != f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json":
                    return self._error(404, 20404)
                if not self._authorised():
                    return self._error(401, 20003)
                behaviour = fake._next_behaviour()
                if isinstance(behaviour, Fail):
                    return self._error(behaviour.status, behaviour.code)
                if not fields.get("To") or not fields.get("Body"):
                    return self._error(400, 21604)
                if not fields.get("MessagingServiceSid") and not fields.get("From"):
                    return self._error(400, 21603)
                if code := fake._refused_numbers.get(fields["To"]):
                    return self._error(400, code)
                if isinstance(behaviour, Hang):
                    if behaviour.accepted:
                        fake._take(fields)
                    time.sleep(behaviour.seconds)
                    return self._error(503, None)  # nobody is listening any more
                message = fake._take(fields)
                self._send(
                    201,
                    {
                        "sid": message.sid,
                        "account_sid": fake.account_sid,
                        "messaging_service_sid": fields.get("MessagingServiceSid"),
                        "to": message.to,
                        "from": fields.get("From"),
                        "body": message.body,
                        "status": "accepted" if fields.get("MessagingServiceSid") else "queued",
                        "num_segments": "1",
                        "direction": "outbound-api",
                        "api_version": "2010-04-01",
                        "uri": f"{self.path.removesuffix('.json')}/{message.sid}.json",
                    },
                )

            def _authorised(self) -> bool:
                expected = f"{fake.account_sid}:{fake.auth_token}".encode()
                return self.headers.get("Authorization") == (
                    "Basic " + base64.b64encode(expected).decode()
                )

            def _error(self, status: int, code: int | None):
                self._send(
                    status,
                    {
                        "code": code,
                        "message": ERROR_MESSAGES.get(code, "Error"),
                        "more_info": f"https://www.twilio.com/docs/errors/{code}",
                        "status": status,
                    },
                )

            def _send(self, status: int, document: dict):
                payload = json.dumps(document).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a Hang)

        return Handler


@pytest.fixture
def texting(app, monkeypatch):
    """The test app sends its texts to a fake Twilio, started for this test."""
    with FakeTwilio() as fake:
        for name, value in fake.settings().items():
            monkeypatch.setitem(app.config, name, value)
        yield fake


@pytest.fixture
def no_sms_provider(app, monkeypatch):
    """The app as deployed without Twilio credentials, whatever this machine's environment."""
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_BASE_URL"):
        monkeypatch.setitem(app.config, name, None)
