"""Booking rules as plain functions: no database, no request."""

import re
from dataclasses import dataclass
from datetime import date

import phonenumbers
from flask_babel import lazy_gettext as _l

from timeutil import age_on

PRISON_NUMBER = re.compile(r"^[A-Z][0-9]{4}[A-Z]{2}$")
REFERENCE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"
REFERENCE_LENGTH = 8
LEAD_VISITOR_MIN_AGE = 18


def normalise_prison_number(raw: str) -> str | None:
    cleaned = re.sub(r"\s+", "", raw or "").upper()
    return cleaned if PRISON_NUMBER.match(cleaned) else None


def normalise_reference(raw: str) -> str:
    return re.sub(r"[\s-]+", "", raw or "").upper()


def format_reference(reference: str) -> str:
    return f"{reference[:4]}-{reference[4:]}"


def normalise_uk_mobile(raw: str) -> str | None:
    """E.164 form of a UK mobile number, or None if it is not one."""
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException:
        return None
    # Some real UK mobiles are reported as GG or JE, so check the country code, not the region.
    if number.country_code != 44 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_uk_mobile(e164: str) -> str:
    return phonenumbers.format_number(
        phonenumbers.parse(e164, "GB"), phonenumbers.PhoneNumberFormat.NATIONAL
    )


@dataclass(frozen=True)
class VisitorLimits:
    max_adults: int
    max_children: int
    max_visitors: int
    adult_age: int


def visitor_group_problems(
    limits: VisitorLimits, birth_dates: list[date], visit_date: date
) -> list[str]:
    """Why this group of visitors (lead visitor first) cannot visit together on visit_date."""
    problems = []
    adults = sum(1 for born in birth_dates if age_on(born, visit_date) >= limits.adult_age)
    children = len(birth_dates) - adults
    if birth_dates and age_on(birth_dates[0], visit_date) < LEAD_VISITOR_MIN_AGE:
        problems.append(_l("The main visitor must be 18 or over on the day of the visit."))
    if len(birth_dates) > limits.max_visitors:
        problems.append(
            _l("No more than %(count)s people can visit at once.", count=limits.max_visitors)
        )
    if adults > limits.max_adults:
        problems.append(
            _l(
                "No more than %(count)s adults can visit at once. Adults are people aged "
                "%(age)s or over.",
                count=limits.max_adults,
                age=limits.adult_age,
            )
        )
    if children > limits.max_children:
        problems.append(
            _l("No more than %(count)s children can visit at once.", count=limits.max_children)
        )
    return problems


def has_child(adult_age: int, birth_dates: list[date], visit_date: date) -> bool:
    return any(age_on(born, visit_date) < adult_age for born in birth_dates)


def child_centred_problem(adult_age: int, birth_dates: list[date], visit_date: date) -> str | None:
    if has_child(adult_age, birth_dates, visit_date):
        return None
    return _l(
        "Child-centred visits are for children: at least 1 visitor must be under %(age)s on the "
        "day of the visit. Choose another time.",
        age=adult_age,
    )


def birth_date_problem(born: date, today: date) -> str | None:
    if born > today:
        return _l("Date of birth must be in the past")
    if age_on(born, today) > 120:
        return _l("Enter a real date of birth")
    return None
