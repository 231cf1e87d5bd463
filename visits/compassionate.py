"""A compassionate early visit: children whose primary carer is now in prison may see them
sooner than the prison's usual notice, as a prisoner's first visit may.

The family says the prisoner was the children's primary carer when they book. Nobody can
check that online, so every such visit waits for the visits team, who see it first in their
queue of requests. Places are still limited by the session's capacity.
"""

from datetime import date, timedelta

from visits import rules
from visits.models import Prison

REVIEW_REASON = "compassionate"
Window = tuple[date, date]


def applies(prison: Prison, primary_carer: bool, birth_dates: list[date], on: date) -> bool:
    return primary_carer and rules.has_child(prison.adult_age, birth_dates, on)


def window(prison: Prison, today: date) -> Window | None:
    """The days before the usual booking window that a compassionate visit may also use:
    from the same notice as a first visit."""
    first = today + timedelta(days=prison.first_visit_notice_days)
    last = prison.booking_window(today)[0] - timedelta(days=1)
    return (first, last) if first <= last else None


def span(*windows: Window | None) -> Window | None:
    # Exact, with the usual window beside it: a compassionate window ends the day before the
    # usual one starts, and a first visit's days begin after the same notice.
    present = [w for w in windows if w is not None]
    if not present:
        return None
    return min(w[0] for w in present), max(w[1] for w in present)
