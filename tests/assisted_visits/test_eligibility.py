"""Who can get help: every rule as a table, then the checker's questions and answers."""

from datetime import date

import pytest

from assisted_visits import eligibility
from assisted_visits.eligibility import AgeBand, Answers, Help, PrisonLocation
from assisted_visits.models import Benefit, ClaimRelationship
from assisted_visits.rates import rates_for
from visits.models import Nation

ON = date(2026, 1, 15)
ENGLAND = rates_for(Nation.ENGLAND, ON)
SCOTLAND = rates_for(Nation.SCOTLAND, ON)


def rates_of(nation):
    return rates_for(nation, ON)


@pytest.mark.parametrize(
    ("relationship", "sole_visitor", "allowed"),
    [
        (ClaimRelationship.SPOUSE, None, True),
        (ClaimRelationship.PARTNER, None, True),
        (ClaimRelationship.PARENT, None, True),
        (ClaimRelationship.CHILD, None, True),
        (ClaimRelationship.SIBLING, None, True),
        (ClaimRelationship.GRANDPARENT, None, True),
        (ClaimRelationship.NEXT_OF_KIN, None, True),
        (ClaimRelationship.OTHER, True, True),
        (ClaimRelationship.OTHER, False, False),
        (ClaimRelationship.OTHER, None, False),
        (ClaimRelationship.ESCORT, None, False),
        (ClaimRelationship.ESCORT, True, False),
    ],
)
def test_close_relatives_partners_next_of_kin_and_only_visitors_can_claim(
    relationship, sole_visitor, allowed
):
    assert (eligibility.relationship_problem(relationship, sole_visitor) is None) is allowed


def test_an_escort_is_told_who_claims_for_them(app):
    with app.test_request_context():
        reason = str(eligibility.relationship_problem(ClaimRelationship.ESCORT, None))
    assert "The person you go with claims for your travel" in reason


@pytest.mark.parametrize(
    ("location", "allowed"),
    [
        (PrisonLocation.ENGLAND, True),
        (PrisonLocation.WALES, True),
        (PrisonLocation.SCOTLAND, True),
        (PrisonLocation.NORTHERN_IRELAND, False),
    ],
)
def test_prisons_in_england_wales_and_scotland_are_covered(location, allowed):
    assert (eligibility.prison_problem(location) is None) is allowed


@pytest.mark.parametrize(
    ("benefit", "earnings_within_limit", "allowed"),
    [
        (Benefit.UNIVERSAL_CREDIT, True, True),
        (Benefit.UNIVERSAL_CREDIT, False, False),
        (Benefit.PENSION_CREDIT, None, True),
        (Benefit.INCOME_SUPPORT, None, True),
        (Benefit.JOBSEEKERS_ALLOWANCE, None, True),
        (Benefit.EMPLOYMENT_SUPPORT_ALLOWANCE, None, True),
        (Benefit.HC2, None, True),
        (Benefit.HC3, None, True),
        (Benefit.TAX_CREDITS, None, False),
        (Benefit.NONE, None, False),
    ],
)
def test_a_qualifying_income_is_needed(benefit, earnings_within_limit, allowed):
    problem = eligibility.income_problem(benefit, earnings_within_limit, ENGLAND)
    assert (problem is None) is allowed


def test_the_universal_credit_limit_named_is_the_one_in_the_rates_table(app):
    with app.test_request_context():
        reason = str(eligibility.income_problem(Benefit.UNIVERSAL_CREDIT, False, ENGLAND))
    assert ENGLAND.universal_credit_monthly_earnings_limit == 125_000
    assert "£1,250 a month or less" in reason


@pytest.mark.parametrize(
    ("age", "rates", "allowed"),
    [
        (17, ENGLAND, False),
        (18, ENGLAND, True),
        (15, SCOTLAND, False),
        (16, SCOTLAND, True),
        (17, SCOTLAND, True),
        (90, ENGLAND, True),
    ],
)
def test_claimants_are_18_or_over_or_16_or_over_for_scottish_prisons(age, rates, allowed):
    assert (eligibility.age_problem(age, rates) is None) is allowed


@pytest.mark.parametrize(("lives_in_ni", "allowed"), [(True, False), (False, True)])
def test_northern_ireland_residents_use_their_own_scheme(lives_in_ni, allowed):
    assert (eligibility.residence_problem(lives_in_ni) is None) is allowed


FULL = Answers(
    relationship=ClaimRelationship.PARENT,
    prison=PrisonLocation.WALES,
    benefit=Benefit.UNIVERSAL_CREDIT,
    earnings_within_limit=True,
    age=AgeBand.ADULT,
    lives_in_northern_ireland=False,
)


@pytest.mark.parametrize(
    ("answers", "asked_next"),
    [
        (Answers(), "relationship"),
        (Answers(relationship=ClaimRelationship.PARENT), "prison"),
        (Answers(relationship=ClaimRelationship.OTHER), "sole_visitor"),
        (Answers(relationship=ClaimRelationship.OTHER, sole_visitor=True), "prison"),
        (
            Answers(relationship=ClaimRelationship.SPOUSE, prison=PrisonLocation.ENGLAND),
            "benefit",
        ),
        (
            Answers(
                relationship=ClaimRelationship.SPOUSE,
                prison=PrisonLocation.ENGLAND,
                benefit=Benefit.UNIVERSAL_CREDIT,
            ),
            "earnings_within_limit",
        ),
        (
            Answers(
                relationship=ClaimRelationship.SPOUSE,
                prison=PrisonLocation.ENGLAND,
                benefit=Benefit.HC2,
            ),
            "age",
        ),
        (
            Answers(
                relationship=ClaimRelationship.SPOUSE,
                prison=PrisonLocation.ENGLAND,
                benefit=Benefit.HC2,
                age=AgeBand.ADULT,
            ),
            "lives_in_northern_ireland",
        ),
        (FULL, None),
        # The first answer that rules help out ends the questions.
        (Answers(relationship=ClaimRelationship.ESCORT), None),
        (Answers(relationship=ClaimRelationship.OTHER, sole_visitor=False), None),
        (
            Answers(relationship=ClaimRelationship.PARENT, prison=PrisonLocation.NORTHERN_IRELAND),
            None,
        ),
    ],
)
def test_the_checker_asks_only_the_questions_that_still_matter(answers, asked_next):
    assert eligibility.next_question(answers, rates_of) == asked_next


def test_an_eligible_family_is_told_why(app):
    with app.test_request_context():
        outcome = eligibility.outcome(FULL, rates_of)
        reasons = [str(r) for r in outcome.reasons]
    assert outcome.eligible
    assert reasons == [
        "You are the prisoner's parent.",
        "The prison is in Wales, which the scheme covers.",
        "You get Universal Credit.",
    ]
    assert outcome.help == []


@pytest.mark.parametrize(
    ("changes", "reason_part", "help_expected"),
    [
        (
            {"lives_in_northern_ireland": True},
            "Northern Ireland scheme",
            Help.NORTHERN_IRELAND_SCHEME,
        ),
        (
            {"prison": PrisonLocation.NORTHERN_IRELAND, "benefit": None, "age": None},
            "does not cover prisons in Northern Ireland",
            Help.NORTHERN_IRELAND_SCHEME,
        ),
        (
            {"relationship": ClaimRelationship.ESCORT},
            "An escort cannot claim",
            Help.ESCORTED_PERSON_CLAIMS,
        ),
        ({"benefit": Benefit.TAX_CREDITS}, "Tax credits ended", Help.BENEFITS_ADVICE),
        ({"benefit": Benefit.NONE}, "one of the benefits listed", Help.BENEFITS_ADVICE),
        ({"earnings_within_limit": False}, "£1,250", Help.HELPLINE),
        ({"age": AgeBand.AGED_16_OR_17}, "18 or over", Help.HELPLINE),
    ],
)
def test_a_family_who_cannot_claim_is_told_why_and_where_else_to_turn(
    app, changes, reason_part, help_expected
):
    answers = Answers(**{**vars(FULL), **changes})

    with app.test_request_context():
        outcome = eligibility.outcome(answers, rates_of)
        reasons = " ".join(str(r) for r in outcome.reasons)

    assert not outcome.eligible
    assert reason_part in reasons
    assert help_expected in outcome.help
    assert Help.HELPLINE in outcome.help


def test_16_year_olds_visiting_a_scottish_prison_can_claim():
    answers = Answers(
        **{**vars(FULL), "prison": PrisonLocation.SCOTLAND, "age": AgeBand.AGED_16_OR_17}
    )

    assert eligibility.outcome(answers, rates_of).eligible


def test_an_unfinished_check_has_no_outcome():
    with pytest.raises(ValueError, match="not every question"):
        eligibility.outcome(Answers(relationship=ClaimRelationship.PARENT), rates_of)
