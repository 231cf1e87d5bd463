"""Messages to a family about their claim, written into the outbox in the change's transaction.

Messages only say that something happened and link to the claim's status page: what the
caseworker wrote is read there, after the family has proved who they are.
"""

from datetime import datetime, timedelta

from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale, get_locale

from assisted_visits.models import Claim
from visits import outbox, rules
from visits.messages import MessageKind, render
from visits.outbox import Channel, OutboxMessage

# A message about a claim is still worth sending a week late; after that the status page says it.
STALE_AFTER = timedelta(days=7)


def contacts(claim: Claim) -> list[tuple[Channel, str]]:
    claimant, found = claim.claimant, []
    # A landline cannot take a text message.
    if claimant is not None and claimant.phone and rules.normalise_uk_mobile(claimant.phone):
        found.append((Channel.SMS, claimant.phone))
    if claimant is not None and claimant.email:
        found.append((Channel.EMAIL, claimant.email))
    return found


def status_link() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/help-with-costs/claims/find"


def tell_family(
    claim: Claim, kind: MessageKind, now: datetime, closes_on=None
) -> list[OutboxMessage]:
    """Put `kind` in the outbox for each way the claimant gave us to reach them."""
    queued = []
    for channel, recipient in contacts(claim):
        with force_locale(claim.language):
            values = {
                "reference": rules.format_reference(claim.reference),
                "link": status_link(),
                "date": format_date(closes_on, "d MMMM", locale=get_locale()) if closes_on else "",
            }
        budget = current_app.config["SMS_MAX_SEGMENTS"] if channel is Channel.SMS else None
        rendered = render(kind, claim.language, values, budget)
        queued.append(
            outbox.enqueue(
                kind,
                channel,
                recipient,
                rendered.body,
                now=now,
                subject=rendered.subject,
                segments=rendered.segments,
                language=claim.language,
                stale_at=now + STALE_AFTER,
            )
        )
    return queued
