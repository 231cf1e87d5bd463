"""Who can get help with the cost of prison visits: pure rules, no database, no request.

Each rule returns the reason it fails (a message for the family) or None. The eligibility
checker asks one question at a time and stops at the first answer that rules help out;
claims use the same rules.
"""

import enum
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from assisted_visits.models import Benefit, ClaimRelationship
from assisted_visits.rates import Rates, pounds
from visits.models import Nation

HELPLINE = "0808 808 2003"

CLOSE_RELATIVES = frozenset(
    {
        ClaimRelationship.SPOUSE,
        ClaimRelationship.PARTNER,
        ClaimRelationship.PARENT,
        ClaimRelationship.CHILD,
        ClaimRelationship.SIBLING,
        ClaimRelationship.GRANDPARENT,
        ClaimRelationship.NEXT_OF_KIN,
    }
)
QUALIFYING_BENEFITS = frozenset(
    {
        Benefit.UNIVERSAL_CREDIT,
        Benefit.PENSION_CREDIT,
        Benefit.INCOME_SUPPORT,
        Benefit.JOBSEEKERS_ALLOWANCE,
        Benefit.EMPLOYMENT_SUPPORT_ALLOWANCE,
        Benefit.HC2,
        Benefit.HC3,
    }
)


class PrisonLocation(enum.StrEnum):
    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"

    @property
    def nation(self) -> Nation | None:
        return None if self is PrisonLocation.NORTHERN_IRELAND else Nation(self.value)


PRISON_LOCATION_LABELS = {
    PrisonLocation.ENGLAND: _l("England"),
    PrisonLocation.WALES: _l("Wales"),
    PrisonLocation.SCOTLAND: _l("Scotland"),
    PrisonLocation.NORTHERN_IRELAND: _l("Northern Ireland"),
}


class AgeBand(enum.StrEnum):
    UNDER_16 = "under_16"
    AGED_16_OR_17 = "16_17"
    ADULT = "18_plus"

    @property
    def youngest(self) -> int:
        return {AgeBand.UNDER_16: 0, AgeBand.AGED_16_OR_17: 16, AgeBand.ADULT: 18}[self]


AGE_BAND_LABELS = {
    AgeBand.UNDER_16: _l("Under 16"),
    AgeBand.AGED_16_OR_17: _l("16 or 17"),
    AgeBand.ADULT: _l("18 or over"),
}


class Help(enum.StrEnum):
    """Where else to turn when this scheme cannot help."""

    NORTHERN_IRELAND_SCHEME = "ni_scheme"
    ESCORTED_PERSON_CLAIMS = "escorted_person"
    HELPLINE = "helpline"
    VISITOR_CENTRE = "visitor_centre"
    BENEFITS_ADVICE = "benefits_advice"


# Rules: each returns None when it is met, or the reason (for the family) when it is not.


def relationship_problem(relationship: ClaimRelationship, sole_visitor: bool | None):
    if relationship in CLOSE_RELATIVES:
        return None
    if relationship is ClaimRelationship.ESCORT:
        return _l(
            "An escort cannot claim. The person you go with claims for your travel, if they "
            "can get help and need someone with them."
        )
    if sole_visitor:
        return None
    return _l(
        "You can only get help if you are a close relative or partner of the prisoner, their "
        "next of kin, or their only visitor in the last 4 weeks."
    )


def prison_problem(location: PrisonLocation):
    if location is PrisonLocation.NORTHERN_IRELAND:
        return _l(
            "This scheme does not cover prisons in Northern Ireland. The Northern Ireland "
            "Prison Service runs its own scheme."
        )
    return None


def income_problem(benefit: Benefit, earnings_within_limit: bool | None, rates: Rates):
    if benefit is Benefit.TAX_CREDITS:
        return _l("Tax credits ended on 5 April 2025, so they no longer qualify.")
    if benefit not in QUALIFYING_BENEFITS:
        return _l("You need to get one of the benefits listed, or have an HC2 or HC3 certificate.")
    if benefit is Benefit.UNIVERSAL_CREDIT and earnings_within_limit is False:
        return _l(
            "With Universal Credit, your household earnings must be %(limit)s a month or less.",
            limit=pounds(rates.universal_credit_monthly_earnings_limit),
        )
    return None


def age_problem(age: int, rates: Rates):
    if age >= rates.min_claimant_age:
        return None
    return _l(
        "You must be %(age)s or over to claim for a visit to this prison.",
        age=rates.min_claimant_age,
    )


def residence_problem(lives_in_northern_ireland: bool):
    if lives_in_northern_ireland:
        return _l(
            "People who live in Northern Ireland get help through the Northern Ireland scheme "
            "instead."
        )
    return None


# The eligibility checker.


@dataclass(frozen=True)
class Answers:
    relationship: ClaimRelationship | None = None
    sole_visitor: bool | None = None
    prison: PrisonLocation | None = None
    benefit: Benefit | None = None
    earnings_within_limit: bool | None = None
    age: AgeBand | None = None
    lives_in_northern_ireland: bool | None = None


@dataclass(frozen=True)
class Outcome:
    eligible: bool
    reasons: list = field(default_factory=list)
    help: list[Help] = field(default_factory=list)


# In the order they are asked. Each entry: the answer's name, and when the question applies.
QUESTIONS = (
    ("relationship", lambda a: True),
    (
        "sole_visitor",
        lambda a: a.relationship is ClaimRelationship.OTHER,
    ),
    ("prison", lambda a: True),
    ("benefit", lambda a: True),
    ("earnings_within_limit", lambda a: a.benefit is Benefit.UNIVERSAL_CREDIT),
    ("age", lambda a: True),
    ("lives_in_northern_ireland", lambda a: True),
)


def _problems(answers: Answers, rates_of) -> list:
    """Reasons that already rule help out, from the questions answered so far."""
    problems = []
    if answers.relationship is not None and (
        answers.relationship is not ClaimRelationship.OTHER or answers.sole_visitor is not None
    ):
        problems.append(relationship_problem(answers.relationship, answers.sole_visitor))
    if answers.prison is not None:
        problems.append(prison_problem(answers.prison))
    rates = rates_of(answers.prison.nation) if answers.prison and answers.prison.nation else None
    if answers.benefit is not None and rates is not None:
        problems.append(income_problem(answers.benefit, answers.earnings_within_limit, rates))
    if answers.age is not None and rates is not None:
        problems.append(age_problem(answers.age.youngest, rates))
    if answers.lives_in_northern_ireland is not None:
        problems.append(residence_problem(answers.lives_in_northern_ireland))
    return [p for p in problems if p is not None]


def next_question(answers: Answers, rates_of) -> str | None:
    """The next question to ask, or None when the answer is known.

    rates_of(nation) gives the rates in force for prisons in that nation.
    """
    if _problems(answers, rates_of):
        return None
    for name, applies in QUESTIONS:
        if applies(answers) and getattr(answers, name) is None:
            return name
    return None


def outcome(answers: Answers, rates_of) -> Outcome:
    problems = _problems(answers, rates_of)
    if problems:
        return Outcome(False, problems, _help_for(answers))
    if next_question(answers, rates_of) is not None:
        raise ValueError("not every question has been answered")
    return Outcome(True, _why_eligible(answers), [])


def _help_for(answers: Answers) -> list[Help]:
    places = []
    if answers.prison is PrisonLocation.NORTHERN_IRELAND or answers.lives_in_northern_ireland:
        places.append(Help.NORTHERN_IRELAND_SCHEME)
    if answers.relationship is ClaimRelationship.ESCORT:
        places.append(Help.ESCORTED_PERSON_CLAIMS)
    if answers.benefit is not None and answers.benefit not in QUALIFYING_BENEFITS:
        places.append(Help.BENEFITS_ADVICE)
    places += [Help.VISITOR_CENTRE, Help.HELPLINE]
    return places


def _why_eligible(answers: Answers) -> list:
    reasons = []
    if answers.relationship is ClaimRelationship.OTHER:
        reasons.append(_l("You are the prisoner's only visitor in the last 4 weeks."))
    else:
        reasons.append(
            _l(
                "You are the prisoner's %(relationship)s.",
                relationship=RELATIONSHIP_IN_SENTENCE[answers.relationship],
            )
        )
    reasons.append(
        _l(
            "The prison is in %(nation)s, which the scheme covers.",
            nation=PRISON_LOCATION_LABELS[answers.prison],
        )
    )
    if answers.benefit in (Benefit.HC2, Benefit.HC3):
        reasons.append(_l("You have an HC2 or HC3 certificate."))
    else:
        reasons.append(_l("You get %(benefit)s.", benefit=answers.benefit.label))
    return reasons


RELATIONSHIP_IN_SENTENCE = {
    ClaimRelationship.SPOUSE: _l("husband, wife or civil partner"),
    ClaimRelationship.PARTNER: _l("partner"),
    ClaimRelationship.PARENT: _l("parent"),
    ClaimRelationship.CHILD: _l("son or daughter"),
    ClaimRelationship.SIBLING: _l("brother or sister"),
    ClaimRelationship.GRANDPARENT: _l("grandparent"),
    ClaimRelationship.NEXT_OF_KIN: _l("next of kin"),
}
