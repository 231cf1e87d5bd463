from datetime import date

import config


def test_deadlines_and_days_off_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("REVIEW_DAYS", "5")
    monkeypatch.setenv("FIRST_VISIT_WITHIN_DAYS", "4")
    monkeypatch.setenv("FIRST_VISIT_NOTICE_DAYS", "0")
    monkeypatch.setenv("NON_WORKING_DAYS", "2027-05-08, 2027-06-03")

    settings = config.from_environment()

    assert (settings["REVIEW_DAYS"], settings["FIRST_VISIT_WITHIN_DAYS"]) == (5, 4)
    assert settings["FIRST_VISIT_NOTICE_DAYS"] == 0
    assert settings["NON_WORKING_DAYS"] == (date(2027, 5, 8), date(2027, 6, 3))


def test_unset_settings_keep_their_defaults(monkeypatch):
    for name in ("REVIEW_DAYS", "FIRST_VISIT_WITHIN_DAYS", "NON_WORKING_DAYS"):
        monkeypatch.delenv(name, raising=False)

    assert not {"REVIEW_DAYS", "FIRST_VISIT_WITHIN_DAYS", "NON_WORKING_DAYS"} & set(
        config.from_environment()
    )
