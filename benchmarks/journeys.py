"""Families booking over HTTP: the real journey through the pages, and the bare endpoint.

Each family has its own cookie jar and fills in every page as a browser does: it reads
the CSRF token from the form it was shown, posts, and follows the redirect with a GET.
Every request is timed on its own, named by method and path ("POST /book/time").
"""

import random
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urljoin, urlsplit

import requests

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SESSION_RADIO = re.compile(r'<input[^>]*\bname="session"[^>]*>')
RADIO_VALUE = re.compile(r'\bvalue="(\d+)"')
# The confirmation template escapes its own markup today, so accept both forms of the tag.
REFERENCE = re.compile(r"app-reference(?:\"|&#34;)(?:>|&gt;)([A-Z0-9]{4}-[A-Z0-9]{4})")
ERROR_TEXT = re.compile(r'class="govuk-error-(?:summary|message)[^"]*"[^>]*>(.{0,300})', re.S)
NO_TIMES_LEFT = "There are no times left to book"

FIRST_NAMES = ["Sian", "Darren", "Aleksandra", "Grace", "Tom", "Mary", "Ahmed", "Chloe", "Rhys"]
LAST_NAMES = ["Evans", "Price", "Nowak", "Okafor", "Jones", "Williams", "Khan", "Davies"]
RELATIONS = ["partner", "parent", "sibling", "friend"]


@dataclass(frozen=True)
class Family:
    index: int
    prisoner_first_name: str
    prisoner_last_name: str
    prisoner_date_of_birth: date
    prison_number: str
    lead_first_name: str
    lead_last_name: str
    lead_date_of_birth: date
    lead_relation: str
    email: str
    seed: int


def make_families(count: int, seed: int) -> list[Family]:
    families = []
    for index in range(count):
        rng = random.Random(seed * 1_000_003 + index)
        letters = "ABCDEFGHJKLMNPRSTVWXYZ"
        families.append(
            Family(
                index=index,
                prisoner_first_name=rng.choice(FIRST_NAMES),
                prisoner_last_name=rng.choice(LAST_NAMES),
                prisoner_date_of_birth=date(rng.randint(1960, 2000), rng.randint(1, 12), 14),
                prison_number=f"{rng.choice(letters)}{rng.randint(0, 9999):04d}"
                f"{rng.choice(letters)}{rng.choice(letters)}",
                lead_first_name=rng.choice(FIRST_NAMES),
                lead_last_name=rng.choice(LAST_NAMES),
                lead_date_of_birth=date(rng.randint(1950, 2000), rng.randint(1, 12), 3),
                lead_relation=rng.choice(RELATIONS),
                email=f"family{index}@example.org",
                seed=rng.randrange(2**32),
            )
        )
    return families


@dataclass(frozen=True)
class Sample:
    step: str  # "POST /book/time"
    seconds: float
    status: int | None  # None: no HTTP answer (connection refused, reset or timed out)


@dataclass
class Outcome:
    """How one family's journey ended.

    kind is one of: booked, sold_out (no times left on the page), gave_up (every
    chosen time filled up first), hold_lost (POST /book/check sent the family back to
    choose a time), not_started (the time bound came first), http_error,
    connection_error, unexpected_page, client_error (a bug in this client).
    """

    kind: str
    started_at: float = 0.0
    finished_at: float = 0.0
    reference: str | None = None
    attempts: int = 0
    detail: str = ""
    samples: list[Sample] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.finished_at - self.started_at


class JourneyFailed(Exception):
    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class Browser:
    """A cookie jar that follows redirects itself, so each request is timed on its own."""

    def __init__(self, base_url: str, timeout: float, samples: list[Sample]):
        self.base_url = base_url
        self.timeout = timeout
        self.http = requests.Session()
        self.http.trust_env = False  # no proxies: the server is on 127.0.0.1
        self.samples = samples

    def request(
        self, method: str, path: str, data: dict | None = None, allowed: tuple[int, ...] = ()
    ) -> requests.Response:
        step = f"{method} {urlsplit(path).path}"
        started = time.perf_counter()
        try:
            response = self.http.request(
                method,
                urljoin(self.base_url, path),
                data=data,
                allow_redirects=False,
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            self.samples.append(Sample(step, time.perf_counter() - started, None))
            raise JourneyFailed("connection_error", f"{step}: {error}") from error
        self.samples.append(Sample(step, time.perf_counter() - started, response.status_code))
        if response.status_code >= 400 and response.status_code not in allowed:
            raise JourneyFailed("http_error", f"{step}: HTTP {response.status_code}")
        return response

    def get(self, path: str) -> requests.Response:
        response = self.request("GET", path)
        for _ in range(5):
            if not response.is_redirect:
                return response
            response = self.request("GET", response.headers["Location"])
        raise JourneyFailed("unexpected_page", f"GET {path}: too many redirects")

    def post(self, path: str, page: requests.Response, fields: dict) -> requests.Response:
        """Submit the form on `page` with its CSRF token, as a browser would."""
        token = CSRF.search(page.text)
        if token is None:
            raise JourneyFailed("unexpected_page", f"no form on {page.url}")
        return self.request("POST", path, {**fields, "csrf_token": token.group(1)})

    def submit(
        self, path: str, page: requests.Response, fields: dict, next_path: str
    ) -> requests.Response:
        """Post a page that must be accepted, and follow its redirect to next_path."""
        response = self.post(path, page, fields)
        location = response.headers.get("Location", "") if response.is_redirect else ""
        if urlsplit(location).path != next_path:
            raise JourneyFailed("unexpected_page", f"POST {path}: {_problem(response)}")
        return self.get(location)


def _problem(response: requests.Response) -> str:
    if response.is_redirect:
        return f"redirected to {response.headers.get('Location')}"
    found = ERROR_TEXT.search(response.text)
    text = re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip() if found else "no error shown"
    return f"HTTP {response.status_code}, page says: {text[:160]}"


def _date_fields(name: str, value: date) -> dict:
    return {f"{name}-day": value.day, f"{name}-month": value.month, f"{name}-year": value.year}


def session_choices(page_text: str) -> list[int]:
    return [
        int(found.group(1))
        for radio in SESSION_RADIO.findall(page_text)
        if (found := RADIO_VALUE.search(radio))
    ]


def book_through_pages(
    base_url: str,
    prison_slug: str,
    retries: int,
    timeout: float,
    family: Family,
    outcome: Outcome,
) -> None:
    """The family journey from choosing the prison to the confirmation page."""
    rng = random.Random(family.seed)
    browser = Browser(base_url, timeout, outcome.samples)
    page = browser.get("/book/prison")
    page = browser.submit("/book/prison", page, {"prison": prison_slug}, "/book/prisoner")
    prisoner = {
        "first_name": family.prisoner_first_name,
        "last_name": family.prisoner_last_name,
        **_date_fields("date_of_birth", family.prisoner_date_of_birth),
        "prison_number": family.prison_number,
    }
    page = browser.submit("/book/prisoner", page, prisoner, "/book/you")
    lead = {
        "first_name": family.lead_first_name,
        "last_name": family.lead_last_name,
        **_date_fields("date_of_birth", family.lead_date_of_birth),
        "relation": family.lead_relation,
    }
    page = browser.submit("/book/you", page, lead, "/book/contact")
    page = browser.submit(
        "/book/contact", page, {"mobile": "", "email": family.email}, "/book/visitors"
    )
    page = browser.submit("/book/visitors", page, {"add_another": "no"}, "/book/time")
    for _ in range(1 + retries):
        choices = session_choices(page.text)
        if not choices:
            if NO_TIMES_LEFT not in page.text:
                raise JourneyFailed("unexpected_page", "choose-time page without times")
            outcome.kind = "sold_out"
            return
        outcome.attempts += 1
        response = browser.post("/book/time", page, {"session": rng.choice(choices)})
        if response.is_redirect:
            break
        if ERROR_TEXT.search(response.text) is None:
            raise JourneyFailed("unexpected_page", f"POST /book/time: {_problem(response)}")
        page = response  # the time filled up meanwhile: the page lists what is left
    else:
        outcome.kind = "gave_up"
        return
    if urlsplit(response.headers["Location"]).path != "/book/needs":
        raise JourneyFailed("unexpected_page", f"POST /book/time: {_problem(response)}")
    page = browser.get(response.headers["Location"])
    page = browser.submit("/book/needs", page, {"details": ""}, "/book/check")
    response = browser.post("/book/check", page, {})
    location = urlsplit(response.headers.get("Location", "")).path
    if location == "/book/time":
        outcome.kind = "hold_lost"
        return
    if location != "/book/confirmation":
        raise JourneyFailed("unexpected_page", f"POST /book/check: {_problem(response)}")
    page = browser.get("/book/confirmation")
    found = REFERENCE.search(page.text)
    if found is None:
        raise JourneyFailed("unexpected_page", "confirmation page without a reference")
    outcome.kind = "booked"
    outcome.reference = found.group(1).replace("-", "")


class FullSessions:
    """What a bare family knows of the sessions that filled up, shared as a listing would be."""

    def __init__(self):
        self._lock = threading.Lock()
        self._full: set[int] = set()

    def add(self, session_id: int) -> None:
        with self._lock:
            self._full.add(session_id)

    def open_among(self, session_ids: list[int]) -> list[int]:
        with self._lock:
            return [s for s in session_ids if s not in self._full]


def book_bare(
    base_url: str,
    session_ids: list[int],
    full: FullSessions,
    retries: int,
    timeout: float,
    family: Family,
    outcome: Outcome,
) -> None:
    """One POST per attempt; a 409 marks the session full and the family tries another."""
    rng = random.Random(family.seed)
    browser = Browser(base_url, timeout, outcome.samples)
    fields = {
        "prisoner_first_name": family.prisoner_first_name,
        "prisoner_last_name": family.prisoner_last_name,
        "prisoner_date_of_birth": family.prisoner_date_of_birth.isoformat(),
        "prison_number": family.prison_number,
        "lead_first_name": family.lead_first_name,
        "lead_last_name": family.lead_last_name,
        "lead_date_of_birth": family.lead_date_of_birth.isoformat(),
        "lead_relation": family.lead_relation,
        "email": family.email,
    }
    for _ in range(1 + retries):
        choices = full.open_among(session_ids)
        if not choices:
            outcome.kind = "sold_out"
            return
        session_id = rng.choice(choices)
        outcome.attempts += 1
        data = {**fields, "session_id": session_id}
        response = browser.request("POST", "/book", data, allowed=(409,))
        if response.status_code == 409:
            full.add(session_id)
            continue
        if response.status_code != 201:
            raise JourneyFailed("unexpected_page", f"POST /book: HTTP {response.status_code}")
        outcome.kind = "booked"
        outcome.reference = response.text.strip()
        return
    outcome.kind = "gave_up"


def run_families(
    journey: Callable[[Family, Outcome], None],
    families: list[Family],
    concurrency: int,
    duration: float,
) -> tuple[list[Outcome], float, float]:
    """Run every family through `journey`, `concurrency` at a time, starting none after
    `duration` seconds. Returns the outcomes and the wall-clock start and end."""
    started = time.perf_counter()
    deadline = started + duration

    def one(family: Family) -> Outcome:
        outcome = Outcome("running", started_at=time.perf_counter())
        if outcome.started_at > deadline:
            outcome.kind = "not_started"
        else:
            try:
                journey(family, outcome)
            except JourneyFailed as failure:
                outcome.kind, outcome.detail = failure.kind, failure.detail
            except Exception as error:  # a bug in this client must not hide the other results
                outcome.kind, outcome.detail = "client_error", repr(error)
        outcome.finished_at = time.perf_counter()
        return outcome

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(one, families))
    return outcomes, started, time.perf_counter()
