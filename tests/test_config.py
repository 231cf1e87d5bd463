from datetime import date

import config

RETIRED = ("REVIEW_DAYS", "FIRST_VISIT_WITHIN_DAYS", "FIRST_VISIT_NOTICE_DAYS")


def test_days_off_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("NON_WORKING_DAYS", "2027-05-08, 2027-06-03")

    settings = config.from_environment()

    assert settings["NON_WORKING_DAYS"] == (date(2027, 5, 8), date(2027, 6, 3))


def test_unset_settings_keep_their_defaults(monkeypatch):
    monkeypatch.delenv("NON_WORKING_DAYS", raising=False)

    assert "NON_WORKING_DAYS" not in config.from_environment()
    assert config.Defaults.NON_WORKING_DAYS == ()


def test_policy_days_are_each_prisons_own_not_settings(monkeypatch):
    # Review days and the first visit window are on each prison's booking rules page.
    for name in RETIRED:
        monkeypatch.setenv(name, "5")

    assert not set(RETIRED) & set(config.from_environment())
    assert not [name for name in RETIRED if hasattr(config.Defaults, name)]
