from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """Naive UTC, the form every timestamp is stored in on both databases."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    return datetime.now(LONDON).date()


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
