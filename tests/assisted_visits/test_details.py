"""National Insurance numbers, bank details, money and the dated rates table."""

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assisted_visits import rates as rates_module
from assisted_visits.banking import (
    BankDetails,
    BankDetailsCipher,
    cipher_from_config,
    normalise_account_number,
    normalise_sort_code,
)
from assisted_visits.forms import normalise_postcode, parse_money
from assisted_visits.national_insurance import format_ni_number, normalise_ni_number
from assisted_visits.rates import pounds, rates_for
from visits.models import Nation


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ab123456a", "AB123456A"),
        ("AB 12 34 56 D", "AB123456D"),
        ("ce-12-34-56-b", "CE123456B"),
        ("ZY123456A", "ZY123456A"),
        ("OA123456A", "OA123456A"),
    ],
)
def test_real_national_insurance_numbers_are_accepted_and_tidied(typed, expected):
    assert normalise_ni_number(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "DA123456A",  # D first
        "FA123456A",
        "IA123456A",
        "QA123456A",
        "UA123456A",
        "VA123456A",
        "AD123456A",  # D second
        "AF123456A",
        "AI123456A",
        "AQ123456A",
        "AU123456A",
        "AV123456A",
        "AO123456A",  # O is not allowed second
        "BG123456A",  # prefixes never allocated
        "GB123456A",
        "KN123456A",
        "NK123456A",
        "NT123456A",
        "TN123456A",
        "ZZ123456A",
        "AB123456E",  # suffix A to D only
        "AB123456",  # suffix missing
        "AB12345C",  # five digits
        "AB1234567C",
        "A1123456C",
        "QQ 12 34 56 C",  # the example on the page cannot be a real number
        "",
        "not a number",
    ],
)
def test_numbers_that_break_the_rules_are_refused(typed):
    assert normalise_ni_number(typed) is None


def test_national_insurance_numbers_are_shown_in_pairs():
    assert format_ni_number("AB123456C") == "AB 12 34 56 C"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("309430", "309430"),
        ("30-94-30", "309430"),
        ("30 94 30", "309430"),
        ("3094300", None),
        ("30943", None),
        ("30-94-3O", None),
        ("", None),
    ],
)
def test_sort_codes_are_6_digits(typed, expected):
    assert normalise_sort_code(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("00733445", "00733445"),
        ("0073 3445", "00733445"),
        ("733445", None),
        ("007334455", None),
        ("0073344a", None),
        ("", None),
    ],
)
def test_account_numbers_are_8_digits(typed, expected):
    assert normalise_account_number(typed) == expected


DETAILS = BankDetails("Mary Jones", "309430", "00733445")


def test_bank_details_are_encrypted_and_shown_masked():
    cipher = BankDetailsCipher(["a long random secret"])

    token = cipher.encrypt(DETAILS)

    assert "309430" not in token and "00733445" not in token and "Mary" not in token
    assert cipher.decrypt(token) == DETAILS
    assert DETAILS.masked_sort_code == "**-**-30"
    assert DETAILS.masked_account_number == "****3445"


def test_a_different_key_cannot_read_them_and_a_changed_token_is_refused():
    token = BankDetailsCipher(["first secret"]).encrypt(DETAILS)

    with pytest.raises(ValueError, match="cannot be read"):
        BankDetailsCipher(["another secret"]).decrypt(token)
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(ValueError, match="cannot be read"):
        BankDetailsCipher(["first secret"]).decrypt(tampered)


def test_the_key_can_be_rotated_without_losing_what_was_encrypted():
    old_token = BankDetailsCipher(["old secret"]).encrypt(DETAILS)

    rotated = BankDetailsCipher(["new secret", "old secret"])

    assert rotated.decrypt(old_token) == DETAILS
    new_token = rotated.encrypt(DETAILS)
    with pytest.raises(ValueError):
        BankDetailsCipher(["old secret"]).decrypt(new_token)


def test_bank_details_key_comes_from_its_own_setting_before_the_secret_key():
    own = cipher_from_config({"BANK_DETAILS_KEY": "bank key, older bank key", "SECRET_KEY": "s"})
    from_secret = cipher_from_config({"BANK_DETAILS_KEY": None, "SECRET_KEY": "s"})

    token = own.encrypt(DETAILS)

    assert BankDetailsCipher(["bank key"]).decrypt(token) == DETAILS
    with pytest.raises(ValueError):
        from_secret.decrypt(token)
    assert BankDetailsCipher(["s"]).decrypt(from_secret.encrypt(DETAILS)) == DETAILS


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12", 1200),
        ("12.5", 1250),
        ("12.50", 1250),
        ("£12.50", 1250),
        ("1,200", 120000),
        (" 0.99 ", 99),
        ("12.505", None),
        ("-3", None),
        ("twelve", None),
        ("", None),
    ],
)
def test_amounts_are_read_in_pounds_and_pence(typed, expected):
    assert parse_money(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("cf24 0ug", "CF24 0UG"),
        ("CF240UG", "CF24 0UG"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("bt1 1aa", "BT1 1AA"),
        ("CF24", None),
        ("12345", None),
    ],
)
def test_postcodes_are_checked_and_tidied(typed, expected):
    assert normalise_postcode(typed) == expected


@pytest.mark.parametrize(
    ("amount", "written"),
    [
        (20, "20p"),
        (99, "99p"),
        (100, "£1"),
        (350, "£3.50"),
        (4000, "£40"),
        (125_000, "£1,250"),
        (123_456, "£1,234.56"),
        (0, "£0"),
    ],
)
def test_money_is_written_the_gov_uk_way(amount, written):
    assert pounds(amount) == written


@given(st.integers(min_value=0, max_value=99_999_999))
def test_money_written_out_reads_back_as_the_same_pence(amount):
    written = pounds(amount)
    back = int(written[:-1]) if written.endswith("p") else parse_money(written)
    assert back == amount


def test_the_rates_in_force_on_the_visit_date_are_used(monkeypatch):
    old = rates_for(Nation.WALES, date(2025, 6, 1))
    newer = replace(old, in_force_from=date(2027, 4, 6), mileage_per_mile=25)
    table = {**rates_module.RATE_TABLE, Nation.WALES: [old, newer]}
    monkeypatch.setattr(rates_module, "RATE_TABLE", table)

    assert rates_for(Nation.WALES, date(2027, 4, 5)).mileage_per_mile == 20
    assert rates_for(Nation.WALES, date(2027, 4, 6)).mileage_per_mile == 25
    assert rates_for(Nation.ENGLAND, date(2027, 4, 6)).mileage_per_mile == 20
    with pytest.raises(LookupError):
        rates_for(Nation.WALES, date(2020, 1, 1))
