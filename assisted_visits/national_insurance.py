"""National Insurance numbers, checked by HMRC's published format rules."""

import re

# Neither prefix letter is D, F, I, Q, U or V, and the second is not O either.
NI_NUMBER = re.compile(r"^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$")
NOT_ALLOCATED_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def normalise_ni_number(raw: str | None) -> str | None:
    """The number as AB123456C, or None if it cannot be a real National Insurance number."""
    cleaned = re.sub(r"[\s-]+", "", raw or "").upper()
    if not NI_NUMBER.match(cleaned) or cleaned[:2] in NOT_ALLOCATED_PREFIXES:
        return None
    return cleaned


def format_ni_number(number: str) -> str:
    return f"{number[:2]} {number[2:4]} {number[4:6]} {number[6:8]} {number[8:]}"
