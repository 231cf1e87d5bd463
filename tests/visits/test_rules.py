from datetime import date, timedelta

import pytest

from visits import rules
from visits.models import Nation, Prison
from visits.rules import VisitorLimits

VISIT_DAY = date(2026, 6, 15)
ENGLAND_AND_WALES = VisitorLimits(max_adults=3, max_children=3, max_visitors=6, adult_age=18)


def aged(years, on=VISIT_DAY, days_after_birthday=0):
    """Born so as to turn `years` old `days_after_birthday` days before `on`."""
    return on.replace(year=on.year - years) - timedelta(days=days_after_birthday)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("A1234BC", "A1234BC"),
        ("a1234bc", "A1234BC"),
        (" a1234 BC ", "A1234BC"),
        ("A 1 2 3 4 B C", "A1234BC"),
        ("A1234BC\n", "A1234BC"),
        ("A1234B", None),
        ("A12345BC", None),
        ("AB1234C", None),
        ("11234BC", None),
        ("A1234-BC", None),
        ("A\uff11\uff12\uff13\uff14BC", None),  # full-width digits are not digits here
        ("", None),
        (None, None),
    ],
)
def test_prison_number_is_one_letter_four_digits_two_letters(typed, expected):
    assert rules.normalise_prison_number(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("BCDF-GH23", "BCDFGH23"),
        ("bcdf-gh23", "BCDFGH23"),
        (" bcdf gh23 ", "BCDFGH23"),
        ("BCDFGH23", "BCDFGH23"),
        ("bc-df - gh 23", "BCDFGH23"),
        ("", ""),
        (None, ""),
    ],
)
def test_reference_is_read_whatever_the_case_spaces_or_hyphens(typed, expected):
    assert rules.normalise_reference(typed) == expected


def test_reference_is_shown_in_two_groups_of_four_and_read_back_unchanged():
    assert rules.format_reference("BCDFGH23") == "BCDF-GH23"
    assert rules.normalise_reference(rules.format_reference("BCDFGH23")) == "BCDFGH23"


def test_reference_alphabet_avoids_characters_that_are_misread_or_spell_words():
    assert not set("AEIOUY01") & set(rules.REFERENCE_ALPHABET)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("07123 456789", "+447123456789"),
        ("07123456789", "+447123456789"),
        ("+44 7123 456789", "+447123456789"),
        ("0044 7123 456789", "+447123456789"),
        ("+44 (0)7123 456789", "+447123456789"),
        ("07123-456-789", "+447123456789"),
        # phonenumbers places this range in Guernsey, but it is +44 and takes texts.
        ("07911 123456", "+447911123456"),
        ("07400 123456", "+447400123456"),
    ],
)
def test_uk_mobile_numbers_are_stored_in_international_form(typed, expected):
    assert rules.normalise_uk_mobile(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "07700 900123",  # Ofcom drama number
        "029 2092 3100",  # landline
        "020 7946 0000",
        "+33 6 12 34 56 78",  # French mobile
        "+353 85 123 4567",  # Irish mobile
        "0712345678",  # a digit short
        "071234567890",  # a digit too many
        "not a number",
        "",
        None,
    ],
)
def test_numbers_that_are_not_uk_mobiles_are_refused(typed):
    assert rules.normalise_uk_mobile(typed) is None


def test_mobile_is_shown_the_way_people_write_it():
    assert rules.format_uk_mobile("+447123456789") == "07123 456789"


def problem_kinds(problems):
    fragments = {
        "lead": "main visitor must be 18",
        "adults": "adults can visit",
        "children": "children can visit",
        "total": "people can visit",
    }
    texts = [str(p) for p in problems]
    kinds = {kind for kind, fragment in fragments.items() if any(fragment in t for t in texts)}
    assert len(kinds) == len(texts), f"unrecognised problem in {texts}"
    return kinds


@pytest.mark.parametrize(
    ("limits", "birth_dates", "expected"),
    [
        pytest.param(ENGLAND_AND_WALES, [aged(40)], set(), id="one adult"),
        pytest.param(ENGLAND_AND_WALES, [aged(18)], set(), id="lead turns 18 on the visit day"),
        pytest.param(
            ENGLAND_AND_WALES,
            [aged(18, days_after_birthday=-1)],
            {"lead"},
            id="lead turns 18 the day after the visit",
        ),
        pytest.param(
            ENGLAND_AND_WALES, [aged(17), aged(40)], {"lead"}, id="adult listed after a minor lead"
        ),
        pytest.param(
            ENGLAND_AND_WALES,
            [aged(40), aged(38), aged(65), aged(10), aged(8), aged(1)],
            set(),
            id="three adults and three children",
        ),
        pytest.param(
            ENGLAND_AND_WALES,
            [aged(40), aged(38), aged(65), aged(19)],
            {"adults"},
            id="four adults",
        ),
        pytest.param(
            ENGLAND_AND_WALES,
            [aged(40), aged(10), aged(8), aged(6), aged(1)],
            {"children"},
            id="four children",
        ),
        pytest.param(
            ENGLAND_AND_WALES,
            [aged(40), aged(38), aged(17)],
            set(),
            id="a 17 year old is a child where adults are 18",
        ),
        pytest.param(
            VisitorLimits(max_adults=3, max_children=3, max_visitors=5, adult_age=18),
            [aged(40), aged(38), aged(65), aged(10), aged(8), aged(1)],
            {"total"},
            id="six people where the prison allows five",
        ),
        pytest.param(
            VisitorLimits(max_adults=3, max_children=3, max_visitors=6, adult_age=16),
            [aged(40), aged(38), aged(17), aged(16)],
            {"adults"},
            id="16 and 17 year olds are adults where adults are 16",
        ),
        pytest.param(
            VisitorLimits(max_adults=3, max_children=3, max_visitors=6, adult_age=16),
            [aged(40), aged(38), aged(16, days_after_birthday=-1), aged(15)],
            set(),
            id="a visitor turning 16 the day after is still a child",
        ),
        pytest.param(
            VisitorLimits(max_adults=3, max_children=3, max_visitors=6, adult_age=16),
            [aged(17)],
            {"lead"},
            id="the lead must be 18 even where adults are 16",
        ),
        pytest.param(
            VisitorLimits(max_adults=1, max_children=2, max_visitors=3, adult_age=18),
            [aged(17), aged(40), aged(38), aged(10), aged(8)],
            {"lead", "adults", "children", "total"},
            id="every problem is reported at once",
        ),
    ],
)
def test_visitor_group_limits_are_checked_on_the_visit_day(limits, birth_dates, expected):
    assert problem_kinds(rules.visitor_group_problems(limits, birth_dates, VISIT_DAY)) == expected


def test_ages_are_counted_on_the_visit_day_not_today():
    lead = date(2008, 7, 1)
    assert problem_kinds(
        rules.visitor_group_problems(ENGLAND_AND_WALES, [lead], date(2026, 6, 30))
    ) == {"lead"}
    assert rules.visitor_group_problems(ENGLAND_AND_WALES, [lead], date(2026, 7, 1)) == []


@pytest.mark.parametrize(
    ("visit_day", "expected"),
    [(date(2026, 2, 28), {"lead"}), (date(2026, 3, 1), set()), (date(2028, 2, 29), set())],
)
def test_someone_born_on_29_february_turns_18_on_1_march_in_other_years(visit_day, expected):
    born = date(2008, 2, 29)
    assert problem_kinds(rules.visitor_group_problems(ENGLAND_AND_WALES, [born], visit_day)) == (
        expected
    )


def test_limits_message_says_how_many_and_from_what_age():
    (problem,) = rules.visitor_group_problems(
        VisitorLimits(max_adults=2, max_children=3, max_visitors=6, adult_age=16),
        [aged(40), aged(38), aged(16)],
        VISIT_DAY,
    )
    assert "No more than 2 adults" in str(problem)
    assert "aged 16 or over" in str(problem)


TODAY = date(2026, 6, 15)


@pytest.mark.parametrize(
    ("born", "has_problem"),
    [
        (date(1985, 3, 27), False),
        (TODAY, False),
        (TODAY + timedelta(days=1), True),
        (aged(120, on=TODAY), False),
        (aged(121, on=TODAY), True),
    ],
)
def test_birth_date_must_be_in_the_past_and_believable(born, has_problem):
    assert (rules.birth_date_problem(born, TODAY) is not None) is has_problem


def prison(min_notice_days, max_advance_days):
    return Prison(
        slug="usk",
        name="HMP Usk",
        nation=Nation.WALES,
        min_notice_days=min_notice_days,
        max_advance_days=max_advance_days,
    )


@pytest.mark.parametrize(
    ("notice", "advance", "first", "last"),
    [
        (2, 28, date(2026, 6, 17), date(2026, 7, 13)),
        (3, 28, date(2026, 6, 18), date(2026, 7, 13)),
        (1, 14, date(2026, 6, 16), date(2026, 6, 29)),
    ],
)
def test_booking_window_runs_from_the_notice_period_to_the_advance_limit(
    notice, advance, first, last
):
    assert prison(notice, advance).booking_window(TODAY) == (first, last)
