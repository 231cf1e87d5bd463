"""The booking journey's answers, kept in the signed session cookie until a place is held."""

import secrets
from dataclasses import asdict
from datetime import date

from flask import session

from visits.booking import ContactDetails, PrisonerDetails, VisitorDetails
from visits.models import Relationship

KEY = "booking"


def current() -> dict:
    return session.get(KEY) or {}


def start(prison_slug: str) -> None:
    existing = current()
    if existing.get("prison") == prison_slug and not existing.get("done"):
        return
    session[KEY] = {"token": secrets.token_urlsafe(24), "prison": prison_slug, "others": []}


def update(**answers) -> None:
    session[KEY] = {**current(), **answers}


def finish() -> None:
    session.pop(KEY, None)


def _to_plain(details) -> dict:
    plain = asdict(details)
    plain["date_of_birth"] = details.date_of_birth.isoformat()
    if "relation" in plain:
        plain["relation"] = details.relation.value
    return plain


def store_prisoner(details: PrisonerDetails) -> None:
    update(prisoner=_to_plain(details))


def store_lead(details: VisitorDetails) -> None:
    update(lead=_to_plain(details))


def store_others(others: list[VisitorDetails]) -> None:
    update(others=[_to_plain(v) for v in others])


def store_contact(details: ContactDetails) -> None:
    update(contact=asdict(details))


def prisoner() -> PrisonerDetails | None:
    raw = current().get("prisoner")
    if raw is None:
        return None
    return PrisonerDetails(**{**raw, "date_of_birth": date.fromisoformat(raw["date_of_birth"])})


def _visitor(raw: dict) -> VisitorDetails:
    return VisitorDetails(
        first_name=raw["first_name"],
        last_name=raw["last_name"],
        date_of_birth=date.fromisoformat(raw["date_of_birth"]),
        relation=Relationship(raw["relation"]),
    )


def lead() -> VisitorDetails | None:
    raw = current().get("lead")
    return _visitor(raw) if raw else None


def others() -> list[VisitorDetails]:
    return [_visitor(raw) for raw in current().get("others", [])]


def visitors() -> list[VisitorDetails]:
    first = lead()
    return ([first] if first else []) + others()


def contact() -> ContactDetails | None:
    raw = current().get("contact")
    return ContactDetails(**raw) if raw else None
